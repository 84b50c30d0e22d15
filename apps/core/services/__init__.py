"""Every write that matters in core: one module per concern, functions named `<entity>_<action>`."""
