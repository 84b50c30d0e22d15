"""Writes of quotas, coverage snapshots and alerts; the coverage arithmetic they and the selectors share."""
