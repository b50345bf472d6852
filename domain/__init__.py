"""Write side of perfledger: aggregates, their events and the application."""
