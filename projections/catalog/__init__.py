"""The v3 registry's read model: projects and registry entries, shaped for listing."""
