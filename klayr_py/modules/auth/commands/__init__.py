"""The auth module's commands."""
