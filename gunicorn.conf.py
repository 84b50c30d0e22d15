"""gunicorn's settings for smops, read from the directory gunicorn starts in (the project's root; the systemd unit's
WorkingDirectory). Command-line options (`--workers`, `--bind`) still win over these."""

import gc


def post_worker_init(worker):
    """Once a worker has loaded Django, its apps and URLs, those objects live as long as the worker: freezing
    them keeps the garbage collector from walking them again on every full collection. A page that builds
    many objects (the budget page's 10,000 campaigns) spent a third of its time in those walks (README, speed)."""
    gc.freeze()
