"""Monitors, alerts and webhooks as the API reads them."""
