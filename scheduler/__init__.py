"""Background work: projection catch-up and nightly maintenance, run by one elected worker."""
