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
