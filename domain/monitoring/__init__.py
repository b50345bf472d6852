"""Monitors, their alerts, and the webhooks that deliver them."""
