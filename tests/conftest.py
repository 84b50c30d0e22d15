"""Fixtures shared by every test: users in each role, an API client per role, an in-memory outbox."""

import pytest
from django.db import connection, connections
from django.http import HttpRequest
from django.test import Client
from rest_framework.test import APIClient

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.core.sessions import mark_renewed
from smops.celery import app as celery_app


@pytest.fixture(autouse=True)
def _fast_and_local(settings, tmp_path):
    """Tasks run inline (after commit, as in production), e-mail goes to memory, files to a temp dir."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Throttles count per minute: a test that calls the API often must not turn red because it ran fast, nor
    # count their cache reads among its queries. A rate of None switches a throttle off (read per request, see
    # apps/core/api/throttles.py); tests/core/test_auth.py sets rates again to prove they answer 429.
    off = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": off}
    # Tests move the clock by hours and days under a signed-in client: sessions last as long as Django's default
    # here. tests/core/test_auth.py puts the idle timeout back to prove a session ends.
    settings.SESSION_COOKIE_AGE = 14 * 24 * 60 * 60
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """Before the test databases are made: close every connection, and every pool, opened while collecting.

    Django keys a PostgreSQL pool by alias and fixes its connection arguments when it makes it; switching to the
    test database changes the settings, not a pool made before (Django closes pools only around cloning and
    destroying test databases). Collecting tests/core/test_schema.py loads the schema through WSGI, which reads
    the database: the pool made then would go on serving the database DATABASE_URL names, not the test
    database, to the migrations and to every connection opened afterwards (each thread of a concurrency test).
    """
    connections.close_all()
    for each in connections.all():
        if hasattr(each, "close_pool"):
            each.close_pool()


class SigningInClient(Client):
    """Django's test client, whose login() passes a request to authenticate() as django-axes requires, and whose
    sign-in writes the session as a sign-in through the portal does (`apps.core.sessions`): renewed just now."""

    def login(self, **credentials):
        return super().login(request=HttpRequest(), **credentials)

    def _login(self, user, backend=None):
        super()._login(user, backend)
        session = self.session
        mark_renewed(session)
        session.save()


@pytest.fixture
def client():
    return SigningInClient()


@pytest.fixture
def on_postgres():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (run with DATABASE_URL=postgres://…)")


@pytest.fixture
def manager(db):
    return UserFactory(username="mgr", roles=[Role.MANAGER])


@pytest.fixture
def rep(manager):
    return UserFactory(username="rita", roles=[Role.REP], manager=manager)


@pytest.fixture
def other_rep(db):
    return UserFactory(username="otto", roles=[Role.REP])


@pytest.fixture
def sales_ops(db):
    return UserFactory(username="sops", roles=[Role.SALES_OPS], is_staff=True)


@pytest.fixture
def marketing_ops(db):
    return UserFactory(username="mops", roles=[Role.MARKETING_OPS], is_staff=True)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="root", is_superuser=True, is_staff=True)


@pytest.fixture
def api():
    """An API client; `api.as_user(user)` signs it in."""

    client = APIClient()

    def as_user(user):
        client.force_authenticate(user)
        return client

    client.as_user = as_user
    return client
