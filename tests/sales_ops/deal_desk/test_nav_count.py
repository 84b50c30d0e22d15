"""The nav's Approvals count on every portal page: the deal desk inbox count, in one query, and none where no nav."""

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.context_processors import nav_counts
from apps.core.factories import UserFactory
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from apps.sales_ops.models import ApprovalDelegation
from tests.sales_ops.deal_desk.test_limits import draft

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def waiting(db, rep, manager):
    """Two requests at the manager's step."""
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    return [services.deal_request_submit(request_id=draft(rep).pk, actor=rep) for _ in range(2)]


def badge(response) -> str | None:
    """The number on the nav's Approvals link, or None when it shows none."""
    nav = re.search(r'<nav class="mainnav"[^>]*>(.*?)</nav>', response.content.decode(), re.S).group(1)
    found = re.search(r'Approvals <span class="count-pill"[^>]*>(\d+)</span>', nav)
    return found and found.group(1)


@pytest.mark.parametrize("url", ["/", "/sales/leads/", "/sales/coverage/", "/marketing/roi/", "/sales/deals/"])
def test_an_approver_sees_the_count_on_every_page(client, waiting, manager, url):
    client.force_login(manager)
    assert badge(client.get(url)) == "2"


def test_the_count_includes_what_waits_on_someone_who_delegated_today(client, waiting, manager):
    stand_in = UserFactory(username="deputy")
    ApprovalDelegation.objects.create(
        approver=manager, delegate=stand_in, starts_on=T0.date(), ends_on=T0.date() + dt.timedelta(days=3)
    )
    client.force_login(stand_in)
    assert badge(client.get("/")) == "2"


def test_the_requester_sees_no_count(client, waiting, rep):
    client.force_login(rep)
    assert badge(client.get("/")) is None


def test_the_count_costs_one_query(client, waiting, manager):
    client.force_login(manager)
    client.get("/")  # warm the session and content types

    def count_queries() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return [query["sql"] for query in queries.captured_queries]

    with_nav = count_queries()
    inbox = [sql for sql in with_nav if "sales_ops_dealrequest" in sql]
    assert len(inbox) == 1, inbox
    # Another approval waiting changes the number, not the query count.
    services.deal_request_submit(request_id=draft(waiting[0].requester).pk, actor=waiting[0].requester)
    assert len(count_queries()) == len(with_nav)
    assert badge(client.get("/")) == "3"


def test_the_count_is_lazy_a_page_that_draws_no_nav_pays_nothing(rf, waiting, manager):
    request = rf.get("/admin/")
    request.user = manager
    with CaptureQueriesContext(connection) as queries:
        context = nav_counts(request)
    assert len(queries) == 0
    with CaptureQueriesContext(connection) as queries:
        assert str(context["approvals_waiting"]) == "2"
    assert len(queries) == 1


def test_a_signed_out_visitor_gets_no_count(rf):
    request = rf.get("/login/")
    request.user = AnonymousUser()
    assert nav_counts(request) == {}


# --- the badge's own endpoint, which the nav polls every minute (htmx) -------------------------------------------

HX = {"HX-Request": "true"}


def test_the_endpoint_answers_htmx_with_the_badge_alone(client, waiting, manager):
    client.force_login(manager)
    answer = client.get("/nav/counts/", headers=HX)

    assert answer.status_code == 200
    body = answer.content.decode()
    assert body == (
        '<span class="count-pill" title="waiting for you" id="nav-approvals" hx-get="/nav/counts/"'
        ' hx-trigger="every 60s" hx-swap="outerHTML">2</span>'
    )
    assert "<html" not in body and "<nav" not in body
    assert "HX-Request" in answer["Vary"]


def test_the_endpoint_follows_a_new_request_waiting(client, waiting, manager):
    client.force_login(manager)
    services.deal_request_submit(request_id=draft(waiting[0].requester).pk, actor=waiting[0].requester)

    body = client.get("/nav/counts/", headers=HX).content.decode()

    assert re.fullmatch(r'<span class="count-pill"[^>]*>3</span>', body)


def test_with_nothing_waiting_the_badge_is_empty_but_keeps_polling(client, waiting, rep):
    client.force_login(rep)
    body = client.get("/nav/counts/", headers=HX).content.decode()

    assert body == '<span id="nav-approvals" hx-get="/nav/counts/" hx-trigger="every 60s" hx-swap="outerHTML"></span>'


def test_the_endpoint_costs_one_query_for_the_count(client, waiting, manager, django_assert_max_num_queries):
    client.force_login(manager)
    client.get("/nav/counts/", headers=HX)

    with django_assert_max_num_queries(3) as queries:  # the session, the user, the count
        client.get("/nav/counts/", headers=HX)
    assert len([query for query in queries.captured_queries if "sales_ops_dealrequest" in query["sql"]]) == 1
    services.deal_request_submit(request_id=draft(waiting[0].requester).pk, actor=waiting[0].requester)
    with django_assert_max_num_queries(3):
        client.get("/nav/counts/", headers=HX)


def test_a_signed_out_poll_gets_204_and_nothing_to_swap(client, waiting, django_assert_max_num_queries):
    with django_assert_max_num_queries(0):
        answer = client.get("/nav/counts/", headers=HX)

    assert answer.status_code == 204
    assert answer.content == b""


def test_without_htmx_the_address_sends_the_person_to_the_inbox(client, waiting, manager):
    client.force_login(manager)
    answer = client.get("/nav/counts/")

    assert answer.status_code == 302
    assert answer["Location"] == "/sales/deals/inbox/"
