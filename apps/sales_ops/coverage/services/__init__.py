"""Coverage writes, by module: `routing` (who gets a lead), `territories` (the tree, its rules and members)."""
