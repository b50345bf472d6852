"""Recompute requests and their outcomes, as the status endpoint and the scheduler read them."""
