"""Pipeline coverage: territories and lead routing, quotas, coverage per rep against the required multiple."""
