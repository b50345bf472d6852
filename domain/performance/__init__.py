"""Predictions and labels: batches of rows, validated whole, recorded as one event each."""
