"""HTTP side of perfledger: the Litestar app, its dialects, auth, and the CLI."""
