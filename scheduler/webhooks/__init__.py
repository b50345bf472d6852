"""Webhook delivery: signing each body, pacing retries, and posting to vetted destinations."""
