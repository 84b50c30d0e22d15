"""Lead hand-off SLAs: policies, clocks that run in business time, scans, breach alerts and digests."""
