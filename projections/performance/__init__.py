"""Prediction rows, cached performance summaries and confusion matrices."""
