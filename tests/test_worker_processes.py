"""What the long-lived processes do once they have loaded the app: web workers (gunicorn.conf.py, read by
gunicorn from the directory it starts in) and Celery's worker processes freeze what they loaded out of the
garbage collector's full walks."""

import gc
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_a_gunicorn_worker_freezes_what_it_loaded(unfrozen):
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0

    hooks["post_worker_init"](worker=None)

    assert gc.get_freeze_count() > 0


def test_a_celery_worker_process_freezes_what_it_loaded(unfrozen):
    from celery.signals import worker_process_init

    worker_process_init.send(sender=None)

    assert gc.get_freeze_count() > 0
