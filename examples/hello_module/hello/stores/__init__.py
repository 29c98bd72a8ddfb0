"""The Hello module's on-chain stores."""
