"""/healthz/: the database, the broker and a worker heard from recently, each named when it fails."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from apps.core.api import views
from apps.core.models import WorkerHeartbeat
from apps.core.services.health import worker_heartbeat_record
from apps.core.tasks import worker_heartbeat_task

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
MAX_AGE = dt.timedelta(minutes=3)


@pytest.fixture
def clock(settings, monkeypatch):
    """Time pinned at T0, this web process started an hour before, a worker counts as gone after 3 minutes."""
    settings.WORKER_HEARTBEAT_MAX_AGE = int(MAX_AGE.total_seconds())
    monkeypatch.setattr(views, "PROCESS_STARTED_AT", T0 - dt.timedelta(hours=1))
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


def test_all_up_is_200_and_names_each_part(client, db, clock):
    worker_heartbeat_record(worker="celery@host")
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "broker": "ok", "worker": "ok"}


def test_a_heartbeat_just_within_the_limit_is_ok(client, db, clock):
    worker_heartbeat_record(worker="celery@host")
    clock.shift(MAX_AGE)
    assert client.get("/healthz/").status_code == 200


def test_a_worker_not_heard_from_for_longer_than_the_limit_is_503(client, db, clock):
    worker_heartbeat_record(worker="celery@host")
    clock.shift(MAX_AGE + dt.timedelta(seconds=1))
    response = client.get("/healthz/")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "degraded"
    assert body["worker"].startswith("not heard from for 181 s")
    assert "celery@host" in body["worker"]
    assert (body["database"], body["broker"]) == ("ok", "ok")


def test_the_newest_of_several_workers_counts(client, db, clock):
    worker_heartbeat_record(worker="celery@old")
    clock.shift(MAX_AGE)
    worker_heartbeat_record(worker="celery@new")
    clock.shift(dt.timedelta(minutes=1))
    assert client.get("/healthz/").json()["worker"] == "ok"


def test_no_heartbeat_soon_after_start_is_starting_not_a_failure(client, db, clock, monkeypatch):
    monkeypatch.setattr(views, "PROCESS_STARTED_AT", T0 - dt.timedelta(minutes=1))
    response = client.get("/healthz/")
    assert response.status_code == 200
    assert response.json()["worker"].startswith("starting")


def test_no_heartbeat_long_after_start_is_503(client, db, clock):
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["worker"].startswith("never heard from")


def test_the_heartbeat_task_writes_the_workers_row(db, clock):
    worker_heartbeat_task.apply()  # eager, as a worker would run it
    (heartbeat,) = WorkerHeartbeat.objects.all()
    assert heartbeat.seen_at == timezone.now()


def test_a_heartbeat_updates_its_row_and_forgets_workers_gone_for_a_week(db, clock):
    worker_heartbeat_record(worker="celery@retired")
    worker_heartbeat_record(worker="celery@host")
    clock.shift(dt.timedelta(days=8))
    worker_heartbeat_record(worker="celery@host")
    assert [(h.worker, h.seen_at) for h in WorkerHeartbeat.objects.all()] == [("celery@host", timezone.now())]


def test_the_broker_down_is_503_naming_the_broker(client, db, clock, monkeypatch):
    from kombu import Connection

    from smops.celery import app

    worker_heartbeat_record(worker="celery@host")
    # Nothing listens on port 1; a new connection, so that no pooled broker connection answers instead.
    monkeypatch.setattr(app, "connection_for_write", lambda: Connection("redis://127.0.0.1:1/0"))
    response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["broker"].startswith("error")
    assert response.json()["worker"] == "ok"


def test_the_database_down_is_503_naming_the_database(client, db, clock, monkeypatch):
    from django.db import connection

    def refuse(*args, **kwargs):
        raise ConnectionError("no database")

    with monkeypatch.context() as patch:  # undone before the test's own database teardown
        patch.setattr(connection, "cursor", refuse)
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response.json()["database"] == "error: ConnectionError"
    assert response.json()["worker"].startswith("unknown")


def test_beat_queues_the_heartbeat_well_within_the_limit(settings):
    schedule = settings.CELERY_BEAT_SCHEDULE["worker-heartbeat"]
    assert schedule["task"] == "apps.core.tasks.worker_heartbeat_task"
    assert schedule["schedule"] * 2 <= settings.WORKER_HEARTBEAT_MAX_AGE
