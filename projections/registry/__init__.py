"""Models and their versions, as the v1 and v3 dialects list them."""
