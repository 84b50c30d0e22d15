"""Settings: production passes Django's deploy check; Celery is configured for at-least-once safety."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.concurrency import run_at_once

ROOT = Path(__file__).resolve().parents[2]


def test_production_settings_pass_the_deploy_check():
    # Production's environment, not the test process's (the browser tests set an async-safety escape hatch).
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
        "DEBUG": "False",
        "SECRET_KEY": "k3#v9!p2@x8$w4%q7^z1&m6*r5(t0)y-u+i=o[p]a{s}d|f:g;h<j>k",
        "ALLOWED_HOSTS": "smops.example.com",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {"DEBUG": "False"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_celery_acknowledges_late_and_prefetches_one():
    assert settings.CELERY_TASK_ACKS_LATE is True
    assert settings.CELERY_TASK_REJECT_ON_WORKER_LOST is True
    assert settings.CELERY_WORKER_PREFETCH_MULTIPLIER == 1
    assert settings.CELERY_TASK_SOFT_TIME_LIMIT < settings.CELERY_TASK_TIME_LIMIT


def test_the_visibility_timeout_outlasts_any_task():
    assert settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] > settings.CELERY_TASK_TIME_LIMIT * 10


def test_the_outbox_is_redriven_by_beat():
    schedule = settings.CELERY_BEAT_SCHEDULE["outbox-flush"]
    assert schedule["task"] == "apps.core.tasks.outbox_flush_task"
    assert schedule["schedule"] <= 60


def test_migrations_match_the_models(db):
    from django.core.management import call_command

    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


def test_the_worker_and_beat_retry_the_broker_for_ever():
    assert settings.CELERY_BROKER_CONNECTION_RETRY is True
    assert settings.CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP is True
    assert settings.CELERY_BROKER_CONNECTION_MAX_RETRIES is None


def _settings_under(env_changes: dict) -> dict:
    """The DATABASES and CACHES a process started with `env_changes` would have (nothing is connected)."""
    import json

    env = {k: v for k, v in {**os.environ, **env_changes}.items() if v is not None}  # None: unset
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'db': settings.DATABASES['default'], 'cache': settings.CACHES['default']}, default=str))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_postgres_connections_come_from_a_pool_sized_by_the_environment():
    configured = _settings_under(
        {
            "DATABASE_URL": "postgres://smops@db.invalid:5432/smops",
            "DB_POOL": None,
            "DB_POOL_MIN": "2",
            "DB_POOL_MAX": "7",
        }
    )["db"]
    assert configured["OPTIONS"]["pool"]["min_size"] == 2
    assert configured["OPTIONS"]["pool"]["max_size"] == 7
    # Django refuses persistent connections beside a pool; the pool checks a connection before lending it.
    assert configured["CONN_MAX_AGE"] == 0
    assert configured["CONN_HEALTH_CHECKS"] is True


def test_the_pool_can_be_turned_off_for_a_pgbouncer_in_front():
    configured = _settings_under(
        {"DATABASE_URL": "postgres://smops@db.invalid:5432/smops", "DB_POOL": "False", "CONN_MAX_AGE": None}
    )["db"]
    assert "pool" not in configured.get("OPTIONS", {})
    assert configured["CONN_MAX_AGE"] == 60


def test_sqlite_has_no_pool():
    configured = _settings_under({"DATABASE_URL": None})["db"]
    assert "pool" not in configured.get("OPTIONS", {})


def test_the_cache_is_the_shared_database_cache_unless_redis_is_named():
    assert _settings_under({"CACHE_URL": None})["cache"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    redis = _settings_under({"CACHE_URL": "redis://127.0.0.1:6379/8"})["cache"]
    assert redis["BACKEND"] == "django.core.cache.backends.redis.RedisCache"


def test_throttle_and_lockout_limits_come_from_the_environment():
    code = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.AXES_FAILURE_LIMIT, settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES']['user'])"
    )
    env = {**os.environ, "LOGIN_FAILURE_LIMIT": "50", "API_THROTTLE_USER": "100000/minute"}
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.split()[-2:] == ["50", "100000/minute"], result.stderr


def _storage_in(env: dict) -> dict:
    code = "import json; from django.conf import settings; print(json.dumps(settings.STORAGES['default']))"
    result = subprocess.run(
        [sys.executable, "-c", f"import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'smops.settings'); "
         f"django.setup(); {code}"],
        cwd=ROOT, env={**os.environ, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_files_are_stored_locally_by_default():
    assert _storage_in({"AWS_STORAGE_BUCKET_NAME": ""})["BACKEND"] == "django.core.files.storage.FileSystemStorage"


def test_a_bucket_name_stores_files_in_private_s3_compatible_storage():
    storage = _storage_in({"AWS_STORAGE_BUCKET_NAME": "smops-files", "AWS_S3_ENDPOINT_URL": "http://minio:9000"})
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert storage["OPTIONS"]["bucket_name"] == "smops-files"
    assert storage["OPTIONS"]["endpoint_url"] == "http://minio:9000"
    assert storage["OPTIONS"]["default_acl"] == "private"


@pytest.mark.django_db(transaction=True)
def test_every_connection_the_suite_opens_is_to_the_test_database(on_postgres):
    """The main thread's and each thread's: a pool made while collecting (before the test database existed)
    would hand the threads connections to the database DATABASE_URL names (tests/conftest.py closes it)."""

    def database():
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database()")
            return cursor.fetchone()[0]

    name = connection.settings_dict["NAME"]
    assert name.startswith("test_")
    assert [database(), *run_at_once(database, times=3)] == [name] * 4
