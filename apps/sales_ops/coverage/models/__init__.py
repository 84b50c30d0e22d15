"""Models of territories, quotas and pipeline coverage: each area in a module of its own."""

from .quotas import CoverageSnapshot, CoverageSnapshotLine, CoverageStatus, Quota, TeamQuota

__all__ = ["CoverageSnapshot", "CoverageSnapshotLine", "CoverageStatus", "Quota", "TeamQuota"]
