"""The inputs projection: columns, baselines, and the statistics of drift and data integrity."""
