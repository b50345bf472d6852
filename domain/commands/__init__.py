"""The application's command groups, one module per kind of aggregate they drive."""
