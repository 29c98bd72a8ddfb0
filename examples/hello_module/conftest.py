"""Makes the example's ``hello`` package importable in its tests (this directory joins sys.path)."""
