"""A model's audit trail: who registered, trained, promoted and relabelled what."""
