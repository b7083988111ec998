"""fetch backends."""
