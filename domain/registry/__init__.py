"""Models and their versions: registration, lifecycle, promotion, the v3 entry they carry."""
