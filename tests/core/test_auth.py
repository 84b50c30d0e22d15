"""Signing in: lockout on every login path, throttles, tokens that expire and are revoked, idle sessions."""

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken

from apps.core.factories import DEFAULT_PASSWORD as PASSWORD
from apps.core.services.tokens import api_token_create
from smops import settings as smops_settings

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 3
COOL_OFF = timedelta(minutes=15)
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _lockout_after_three(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = COOL_OFF


# --- lockout on every login path -------------------------------------------------------------------

# path, the status a correct password gets when not locked out
LOGIN_PATHS = {
    "portal": ("/login/", 302),
    "admin": ("/admin/login/?next=/admin/", 302),
    "api": ("/api/v1/auth/token/", 200),
}


def sign_in(client, path, username, password, address="10.0.0.1"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def fail(client, path, username, times, address="10.0.0.1"):
    return [sign_in(client, path, username, "wrong-password", address).status_code for _ in range(times)]


@pytest.mark.parametrize("login", LOGIN_PATHS)
def test_failures_up_to_the_limit_lock_the_login_out(client, sales_ops, login):
    path, _ = LOGIN_PATHS[login]
    assert fail(client, path, "sops", LIMIT)[-1] == 429

    answer = sign_in(client, path, "sops", PASSWORD)

    assert answer.status_code == 429
    assert "Try again in 15 minutes" in answer.content.decode()
    assert "_auth_user_id" not in client.session
    assert not AuthToken.objects.exists()


@pytest.mark.parametrize("login", LOGIN_PATHS)
def test_failures_below_the_limit_do_not_lock_out(client, sales_ops, login):
    path, ok = LOGIN_PATHS[login]
    assert 429 not in fail(client, path, "sops", LIMIT - 1)

    assert sign_in(client, path, "sops", PASSWORD).status_code == ok


@pytest.mark.parametrize("login", LOGIN_PATHS)
def test_the_lockout_lifts_after_the_cool_off(client, sales_ops, login):
    path, ok = LOGIN_PATHS[login]
    with time_machine.travel(T0, tick=False):
        fail(client, path, "sops", LIMIT)
    with time_machine.travel(T0 + COOL_OFF - timedelta(minutes=1), tick=False):
        assert sign_in(client, path, "sops", PASSWORD).status_code == 429
    with time_machine.travel(T0 + COOL_OFF + timedelta(minutes=1), tick=False):
        assert sign_in(client, path, "sops", PASSWORD).status_code == ok


def test_the_api_lockout_is_json_a_script_can_act_on(client, rep):
    fail(client, "/api/v1/auth/token/", "rita", LIMIT)

    answer = sign_in(client, "/api/v1/auth/token/", "rita", PASSWORD)

    assert answer.status_code == 429
    assert answer.json()["code"] == "locked_out"
    assert "Try again in 15 minutes" in answer.json()["detail"]
    assert answer["Retry-After"] == str(int(COOL_OFF.total_seconds()))


def test_a_lockout_holds_for_that_address_only(client, rep):
    fail(client, "/login/", "rita", LIMIT, address="203.0.113.9")

    assert sign_in(client, "/login/", "rita", PASSWORD, address="198.51.100.7").status_code == 302


def test_failures_are_counted_in_the_database_across_paths(client, rep):
    fail(client, "/login/", "rita", 1)
    fail(client, "/api/v1/auth/token/", "rita", 1)

    assert AccessAttempt.objects.get(username="rita").failures_since_start == 2
    assert fail(client, "/admin/login/", "rita", 1) == [429]


# --- throttles -----------------------------------------------------------------------------------


@pytest.fixture
def rates(settings):
    """Throttles on (tests/conftest.py switches them off), at the rates given."""

    def set_rates(**scopes):
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **scopes},
        }

    return set_rates


def test_the_token_endpoint_is_throttled(client, rep, rates):
    rates(auth="2/minute")
    statuses = [sign_in(client, "/api/v1/auth/token/", "rita", PASSWORD).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert AuthToken.objects.filter(user=rep).count() == 2


def test_the_api_is_throttled_per_user(api, rep, other_rep, rates):
    rates(user="2/minute")
    client = api.as_user(rep)
    statuses = [client.get("/api/v1/leads/").status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
    assert "throttled" in client.get("/api/v1/leads/").json()["detail"]
    assert api.as_user(other_rep).get("/api/v1/leads/").status_code == 200


def test_throttles_count_in_the_database_cache_every_process_shares():
    assert isinstance(caches["default"], DatabaseCache)


# --- tokens --------------------------------------------------------------------------------------


def token_works(client, secret) -> bool:
    status = client.get("/api/v1/leads/", HTTP_AUTHORIZATION=f"Token {secret}").status_code
    assert status in (200, 401)
    return status == 200


def test_a_new_token_says_when_it_expires(client, rep, settings):
    with time_machine.travel(T0, tick=False):
        answer = sign_in(client, "/api/v1/auth/token/", "rita", PASSWORD).json()

    assert set(answer) == {"token", "key", "expires"}
    assert answer["expires"].startswith((T0 + timedelta(days=settings.API_TOKEN_TTL_DAYS)).date().isoformat())
    assert answer["token"].startswith(answer["key"])


def test_a_token_stops_working_after_its_lifetime(client, rep, settings):
    with time_machine.travel(T0, tick=False):
        _, secret = api_token_create(user=rep)
        assert token_works(client, secret)
    with time_machine.travel(T0 + timedelta(days=settings.API_TOKEN_TTL_DAYS, minutes=1), tick=False):
        assert not token_works(client, secret)


def test_logout_revokes_the_token_it_is_called_with(client, rep):
    _, secret = api_token_create(user=rep)
    _, other_secret = api_token_create(user=rep)

    answer = client.post("/api/v1/auth/logout/", HTTP_AUTHORIZATION=f"Token {secret}")

    assert answer.status_code == 204
    assert not token_works(client, secret)
    assert token_works(client, other_secret)


def test_logout_in_a_session_ends_the_session(client, rep):
    client.force_login(rep)

    assert client.post("/api/v1/auth/logout/").status_code == 204
    assert "_auth_user_id" not in client.session


def test_a_password_change_revokes_every_token(client, rep):
    secrets = [api_token_create(user=rep)[1] for _ in range(2)]

    rep.set_password("a-new-password-456")
    rep.save()

    assert not any(token_works(client, secret) for secret in secrets)
    assert not AuthToken.objects.filter(user=rep).exists()


def test_a_password_changed_in_the_admin_revokes_every_token(admin_client, client, rep):
    _, secret = api_token_create(user=rep)

    answer = admin_client.post(
        f"/admin/core/user/{rep.pk}/password/", {"password1": "a-new-password-456", "password2": "a-new-password-456"}
    )

    assert answer.status_code == 302
    assert not token_works(client, secret)


def test_deactivating_the_user_revokes_every_token_for_good(client, rep):
    _, secret = api_token_create(user=rep)

    rep.is_active = False
    rep.save()
    rep.is_active = True
    rep.save()

    assert not token_works(client, secret)
    assert not AuthToken.objects.filter(user=rep).exists()


@pytest.mark.parametrize("fields", [None, ["last_login"]])
def test_other_changes_to_the_user_keep_the_tokens(client, rep, fields):
    _, secret = api_token_create(user=rep)

    rep.first_name = "Rita"
    rep.last_login = T0
    rep.save(update_fields=fields)

    assert token_works(client, secret)


# --- listing and revoking ------------------------------------------------------------------------


def listed_keys(api, user, query=""):
    answer = api.as_user(user).get(f"/api/v1/auth/tokens/{query}")
    assert answer.status_code == 200
    return {row["key"] for row in answer.json()}


def test_a_person_lists_only_their_own_live_tokens(api, rep, other_rep):
    mine, _ = api_token_create(user=rep)
    api_token_create(user=other_rep)
    expired, _ = api_token_create(user=rep)
    AuthToken.objects.filter(pk=expired.pk).update(expiry=T0)

    assert listed_keys(api, rep) == {mine.token_key}


def test_a_listing_never_shows_a_secret(api, rep):
    api_token_create(user=rep)

    row = api.as_user(rep).get("/api/v1/auth/tokens/").json()[0]

    assert set(row) == {"key", "user", "username", "created", "expires"}


def test_sales_ops_list_everyones_tokens_and_narrow_by_user(api, sales_ops, rep, other_rep):
    ritas, _ = api_token_create(user=rep)
    ottos, _ = api_token_create(user=other_rep)

    assert listed_keys(api, sales_ops) >= {ritas.token_key, ottos.token_key}
    assert listed_keys(api, sales_ops, f"?user={rep.pk}") == {ritas.token_key}


def test_a_person_revokes_their_own_token(api, client, rep):
    token, secret = api_token_create(user=rep)

    assert api.as_user(rep).delete(f"/api/v1/auth/tokens/{token.token_key}/").status_code == 204
    assert not token_works(client, secret)


def test_another_persons_token_is_a_404_and_stays(api, client, rep, other_rep):
    token, secret = api_token_create(user=other_rep)

    assert api.as_user(rep).delete(f"/api/v1/auth/tokens/{token.token_key}/").status_code == 404
    assert token_works(client, secret)


def test_sales_ops_revoke_anyones_token(api, client, sales_ops, rep):
    token, secret = api_token_create(user=rep)

    assert api.as_user(sales_ops).delete(f"/api/v1/auth/tokens/{token.token_key}/").status_code == 204
    assert not token_works(client, secret)


def test_the_admin_lists_and_revokes_tokens(admin_client, client, rep):
    token, secret = api_token_create(user=rep)
    assert token.token_key in admin_client.get("/admin/knox/authtoken/").content.decode()

    answer = admin_client.post(f"/admin/knox/authtoken/{token.pk}/delete/", {"post": "yes"})

    assert answer.status_code == 302
    assert not token_works(client, secret)


def test_the_admin_cannot_mint_a_token(admin_client):
    assert admin_client.get("/admin/knox/authtoken/add/").status_code == 403


# --- sessions --------------------------------------------------------------------------------------


def test_the_session_lifetime_is_the_idle_timeout_renewed_by_every_request():
    assert smops_settings.SESSION_COOKIE_AGE == smops_settings.SESSION_IDLE_TIMEOUT
    assert smops_settings.SESSION_SAVE_EVERY_REQUEST is True


def test_a_session_ends_after_the_idle_timeout_but_not_while_in_use(client, rep, settings):
    settings.SESSION_COOKIE_AGE = settings.SESSION_IDLE_TIMEOUT  # as configured (tests/conftest.py lifts it)
    idle = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    with time_machine.travel(T0, tick=False):
        client.force_login(rep)
    with time_machine.travel(T0 + idle - timedelta(minutes=1), tick=False):
        assert client.get("/").status_code == 200  # in use: the expiry moves forward
    with time_machine.travel(T0 + 2 * idle - timedelta(minutes=2), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(T0 + 3 * idle, tick=False):
        answer = client.get("/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")


def session_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if "django_session" in q["sql"] and not q["sql"].startswith("SELECT")]


def test_a_session_in_use_is_written_at_most_once_a_minute(client, rep, settings):
    settings.SESSION_COOKIE_AGE = settings.SESSION_IDLE_TIMEOUT
    with time_machine.travel(T0, tick=False):
        assert sign_in(client, "/login/", rep.username, PASSWORD).status_code == 302
    expiry = Session.objects.get().expire_date

    with time_machine.travel(T0 + timedelta(seconds=59), tick=False), CaptureQueriesContext(connection) as queries:
        soon = client.get("/")
    assert soon.status_code == 200
    assert session_writes(queries) == []
    assert "sessionid" not in soon.cookies  # the browser's cookie keeps the expiry the row keeps
    assert Session.objects.get().expire_date == expiry

    with time_machine.travel(T0 + timedelta(seconds=61), tick=False), CaptureQueriesContext(connection) as queries:
        later = client.get("/")
    assert len(session_writes(queries)) == 1
    assert later.cookies["sessionid"]["max-age"] == settings.SESSION_IDLE_TIMEOUT
    assert Session.objects.get().expire_date == expiry + timedelta(seconds=61)


def test_a_session_unwritten_for_a_minute_ends_at_most_a_minute_early(client, rep, settings):
    settings.SESSION_COOKIE_AGE = settings.SESSION_IDLE_TIMEOUT
    idle = timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)
    with time_machine.travel(T0, tick=False):
        assert sign_in(client, "/login/", rep.username, PASSWORD).status_code == 302
    with time_machine.travel(T0 + timedelta(seconds=30), tick=False):
        assert client.get("/").status_code == 200  # not written: the idle timeout still counts from T0
    with time_machine.travel(T0 + idle + timedelta(seconds=1), tick=False):
        answer = client.get("/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")


def test_with_renewal_at_zero_every_request_writes_the_session(client, rep, settings):
    settings.SESSION_RENEW_AFTER = 0
    with time_machine.travel(T0, tick=False):
        assert sign_in(client, "/login/", rep.username, PASSWORD).status_code == 302
    with time_machine.travel(T0 + timedelta(seconds=1), tick=False), CaptureQueriesContext(connection) as queries:
        client.get("/")

    assert len(session_writes(queries)) == 1


def test_signing_out_within_the_minute_still_ends_the_session(client, rep):
    with time_machine.travel(T0, tick=False):
        assert sign_in(client, "/login/", rep.username, PASSWORD).status_code == 302
    signed_in = client.session.session_key
    with time_machine.travel(T0 + timedelta(seconds=5), tick=False):
        client.post("/logout/")
        answer = client.get("/")

    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")
    assert not Session.objects.filter(session_key=signed_in).exists()


# --- two-factor on the admin -----------------------------------------------------------------------


def admin_site_class(**environ):
    # admin.site is a lazy proxy; its __class__ is the class of the site behind it.
    code = "import django; django.setup(); "
    code += "import smops.urls; from django.contrib import admin; print(admin.site.__class__)"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "smops.settings", **environ}
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_the_admin_asks_for_a_totp_code_when_two_factor_is_required():
    assert "OTPAdminSite" in admin_site_class(ADMIN_REQUIRE_2FA="True")


def test_two_factor_is_off_by_default():
    assert "OTPAdminSite" not in admin_site_class()
