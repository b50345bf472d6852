"""The v3 catalog: projects, unique names, uploaded files, background operations, and how
published rows map onto a model."""
