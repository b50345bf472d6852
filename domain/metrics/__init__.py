"""Every model-performance metric, declared once with the statistic a bucket keeps for it,
how statistics merge, and how its value is finished (see `catalogue` for the list)."""
