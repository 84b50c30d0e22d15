"""The rule every live part (htmx fragment) keeps: a fragment to htmx only, the full page to anyone else, signed-out
fetches refused without a sign-in form swapped into the page, and a poll that does not keep a session alive."""

import datetime as dt

import pytest
import time_machine
from django.http import HttpResponse
from django.test import RequestFactory

from apps.core.live import fragment

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
HX = {"HX-Request": "true"}
BADGE = "/nav/counts/"


@fragment(lambda request, lead_id: f"/leads/{lead_id}/")
def cell(request, lead_id):
    return HttpResponse(f"<td>{lead_id}</td>")


def hx_request(user, **headers):
    from django_htmx.middleware import HtmxMiddleware

    request = RequestFactory().get("/cell/7/", headers=headers)
    request.user = user
    HtmxMiddleware(lambda r: None)(request)
    return request


def test_htmx_gets_the_fragment(rep):
    answer = cell(hx_request(rep, **HX), lead_id=7)

    assert answer.status_code == 200
    assert answer.content == b"<td>7</td>"
    assert "HX-Request" in answer["Vary"]


def test_a_request_without_htmx_goes_to_the_full_page(rep):
    answer = cell(hx_request(rep), lead_id=7)

    assert answer.status_code == 302
    assert answer["Location"] == "/leads/7/"
    assert "HX-Request" in answer["Vary"]


def test_a_signed_out_fetch_sends_the_whole_page_to_sign_in(db):
    from django.contrib.auth.models import AnonymousUser

    answer = cell(hx_request(AnonymousUser(), **HX, HX_Current_URL="http://testserver/sales/handoff/?q=x"), lead_id=7)

    assert answer.status_code == 200
    assert answer["HX-Redirect"] == "/login/?next=/sales/handoff/%3Fq%3Dx"
    assert answer.content == b""


@pytest.fixture
def idle(settings):
    settings.SESSION_COOKIE_AGE = settings.SESSION_IDLE_TIMEOUT  # as configured (tests/conftest.py lifts it)
    return dt.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT)


def test_a_poll_does_not_keep_an_idle_session_alive(client, rep, idle):
    with time_machine.travel(T0, tick=False):
        client.force_login(rep)
    with time_machine.travel(T0 + idle - dt.timedelta(minutes=1), tick=False):
        polled = client.get(BADGE, headers=HX)
        assert polled.status_code == 200  # still signed in, but the poll renews nothing
        assert "sessionid" not in polled.cookies
    with time_machine.travel(T0 + idle + dt.timedelta(minutes=1), tick=False):
        assert client.get(BADGE, headers=HX).status_code == 204
        assert client.get("/")["Location"].startswith("/login/")


def test_a_page_the_person_opens_does_keep_it_alive(client, rep, idle):
    with time_machine.travel(T0, tick=False):
        client.force_login(rep)
    with time_machine.travel(T0 + idle - dt.timedelta(minutes=1), tick=False):
        assert client.get("/").status_code == 200
    with time_machine.travel(T0 + idle + dt.timedelta(minutes=1), tick=False):
        assert client.get(BADGE, headers=HX).status_code == 200
