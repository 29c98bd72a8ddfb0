"""The auth module's on-chain store."""
