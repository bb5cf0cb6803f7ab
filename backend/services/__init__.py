"""Use cases: plain async functions that take their collaborators (database session, settings, clock)."""
