"""Every write of campaign budgets: one module per concern, functions named `<entity>_<action>`."""
