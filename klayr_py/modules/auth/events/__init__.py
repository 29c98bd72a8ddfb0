"""The auth module's events."""
