"""Coverage writes, by module: `routing` (who gets a lead), `territories` (the tree, its rules and members),
`quotas`, `snapshots` and `alerts`; `coverage` holds the arithmetic they and the selectors share."""
