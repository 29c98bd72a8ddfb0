"""The Hello module's events."""
