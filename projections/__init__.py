"""Read side of perfledger: projections, their views and queries, and the catch-up engine."""
