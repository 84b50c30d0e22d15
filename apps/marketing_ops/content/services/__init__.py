"""Every write of the content library: one module per concern, functions named `<entity>_<action>`.

`guards` (the table of asset moves, the lock, today's date) sits beneath the others; no two others import each
other.
"""
