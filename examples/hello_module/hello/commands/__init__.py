"""The Hello module's commands."""
