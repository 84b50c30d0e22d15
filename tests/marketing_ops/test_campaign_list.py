"""The campaigns' portal list (apps/marketing_ops/budgets/lists.py) on the engine of apps/core/lists.py: the same
rows as the API for the same filter, for marketing ops only, bad input named, CSV in machine values, the nav link."""

import csv
import datetime as dt
import io
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.factories import TerritoryFactory, UserFactory
from apps.core.models import Role, SavedFilter
from apps.core.models.customers import Segment
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import CampaignStatus, Channel, Program
from tests.lists import api_ids, page_ids

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
PAGE = "/marketing/campaigns/"
API = "/api/v1/campaigns/"


@pytest.fixture(autouse=True)
def frozen(settings):
    settings.COMPANY_CURRENCY = "EUR"
    with time_machine.travel(T0, tick=False):
        yield


def campaign(name: str, *, channel=Channel.WEBINARS, quarter="2026-Q4", start=dt.date(2026, 10, 5), days=30, **fields):
    envelope = EnvelopeFactory(channel=channel, quarter=quarter, amount=Decimal("50000.00"))
    return CampaignFactory(
        name=name, envelope=envelope, start_date=start, end_date=start + dt.timedelta(days=days), **fields
    )


def _csv(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    return b"".join(response.streaming_content).decode()


# --- the page and the API return the same rows for the same filter ----------------------------------------------


def test_the_page_and_the_api_agree_on_search_channel_status_quarter_and_owner(client, api, marketing_ops):
    owner = UserFactory(roles=[Role.MARKETING_OPS])
    wanted = campaign("Winter webinar series", owner=owner)
    campaign("Winter webinar old", owner=owner, status=CampaignStatus.COMPLETED)
    campaign("Winter search", owner=owner, channel=Channel.PAID_SEARCH)
    campaign("Winter webinar Q3", owner=owner, quarter="2026-Q3", start=dt.date(2026, 8, 1))
    campaign("Winter webinar, someone else's")
    campaign("Autumn webinar", owner=owner)
    client.force_login(marketing_ops)
    query = f"q=winter+webinar&channel=webinars&status=active&status=planned&quarter=2026-Q4&owner={owner.pk}"
    assert page_ids(client, f"{PAGE}?{query}") == api_ids(api.as_user(marketing_ops), f"{API}?{query}")
    assert page_ids(client, f"{PAGE}?{query}") == {wanted.pk}


def test_the_page_and_the_api_agree_on_the_running_window_segment_and_territory(client, api, marketing_ops):
    berlin = TerritoryFactory(name="Berlin")
    wanted = campaign("Overlaps the window", start=dt.date(2026, 10, 20), segment=Segment.ENTERPRISE, region=berlin)
    campaign("Ends before it", start=dt.date(2026, 9, 1), days=10, segment=Segment.ENTERPRISE, region=berlin)
    campaign("Starts after it", start=dt.date(2026, 12, 1), segment=Segment.ENTERPRISE, region=berlin)
    campaign("Other segment", start=dt.date(2026, 10, 20), segment=Segment.SMB, region=berlin)
    campaign("No territory", start=dt.date(2026, 10, 20), segment=Segment.ENTERPRISE)
    client.force_login(marketing_ops)
    query = f"runs_from=2026-11-01&runs_until=2026-11-30&segment=enterprise&territory={berlin.pk}"
    assert page_ids(client, f"{PAGE}?{query}") == api_ids(api.as_user(marketing_ops), f"{API}?{query}")
    assert page_ids(client, f"{PAGE}?{query}") == {wanted.pk}


def test_search_finds_a_campaign_by_its_programs_name(client, marketing_ops):
    launch = Program.objects.create(name="Platform launch")
    wanted = campaign("Webinar one", program=launch)
    campaign("Webinar two")
    client.force_login(marketing_ops)
    assert page_ids(client, f"{PAGE}?q=launch") == {wanted.pk}


# --- who may open it --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("role", "status"), [("marketing_ops", 200), ("admin_user", 200)])
def test_marketing_ops_and_admins_open_the_list(client, request, role, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(PAGE).status_code == status


@pytest.mark.parametrize("role", ["rep", "manager", "sales_ops"])
def test_other_roles_are_refused_the_list_its_csv_and_its_saved_filters(client, db, request, role):
    campaign("Secret plan", planned_amount=Decimal("5000.00"))
    client.force_login(request.getfixturevalue(role))
    response = client.get(PAGE)
    assert response.status_code == 403 and "Secret plan" not in response.content.decode()
    assert client.get(f"{PAGE}?export=csv").status_code == 403
    assert client.post(f"{PAGE}?status=active", {"save_filter": "Mine"}).status_code == 403
    assert not SavedFilter.objects.exists()


@pytest.mark.parametrize(("role", "shown"), [("marketing_ops", True), ("admin_user", True), ("rep", False)])
def test_the_nav_links_the_campaigns_beside_the_budgets(client, request, role, shown):
    client.force_login(request.getfixturevalue(role))
    nav = re.search(r'<nav class="mainnav">(.*?)</nav>', client.get("/").content.decode(), re.S).group(1)
    assert (">Campaigns</a>" in nav) is shown
    assert (">Budgets</a>" in nav) is shown


# --- bad input ------------------------------------------------------------------------------------------------------


def test_a_sort_the_list_does_not_offer_is_a_400_naming_it(client, marketing_ops):
    client.force_login(marketing_ops)
    response = client.get(f"{PAGE}?sort=spend")
    assert response.status_code == 400
    body = response.content.decode()
    assert "“spend” is not a sort this list offers" in body and "planned" in body


@pytest.mark.parametrize(
    ("query", "named"),
    [("channel=billboard", "Channel:"), ("quarter=2026-Q5", "Quarter:"), ("runs_from=someday", "Running on or after:")],
)
def test_an_unknown_filter_value_is_a_400_naming_the_filter(client, marketing_ops, query, named):
    campaign("Anything")
    client.force_login(marketing_ops)
    response = client.get(f"{PAGE}?{query}")
    assert response.status_code == 400
    assert named in response.content.decode()
    assert response.context["page"] is None


def test_the_api_refuses_a_quarter_that_is_not_one(api, marketing_ops):
    response = api.as_user(marketing_ops).get(f"{API}?quarter=2026-Q5")
    assert response.status_code == 400 and "quarter" in response.json()


# --- rows, sorts, CSV -----------------------------------------------------------------------------------------------


def test_the_rows_show_labels_dates_and_the_plan_in_the_company_currency(client, marketing_ops):
    shown = campaign("Big webinar", planned_amount=Decimal("12500.00"), status=CampaignStatus.PLANNED)
    client.force_login(marketing_ops)
    body = client.get(PAGE).content.decode()
    row = re.search(rf'<tr id="campaigns-{shown.pk}">(.*?)</tr>', body, re.S).group(1)
    assert "Webinars" in row and "Planned" in row and "planned<" not in row
    assert "5 Oct 2026 – 4 Nov 2026" in row and "12,500.00 EUR" in row


def test_the_largest_plan_sorts_first(client, marketing_ops):
    small = campaign("Small", planned_amount=Decimal("100.00"))
    big = campaign("Big", planned_amount=Decimal("9000.00"))
    client.force_login(marketing_ops)
    assert [row.pk for row in client.get(f"{PAGE}?sort=planned").context["page"].rows] == [big.pk, small.pk]


def test_the_csv_holds_the_filtered_rows_in_machine_values(client, marketing_ops):
    wanted = campaign("@risky name", planned_amount=Decimal("12500.00"), segment=Segment.SMB)
    campaign("Search", channel=Channel.PAID_SEARCH)
    client.force_login(marketing_ops)
    (row,) = csv.DictReader(io.StringIO(_csv(client, f"{PAGE}?channel=webinars&export=csv")))
    assert row["id"] == str(wanted.pk) and row["name"] == "'@risky name"
    assert (row["channel"], row["status"], row["segment"]) == ("webinars", "active", "smb")
    assert (row["start_date"], row["end_date"], row["fiscal_quarter"]) == ("2026-10-05", "2026-11-04", "2026-Q4")
    assert row["planned_amount"] == "12500.00" and row["owner"] == wanted.owner.username


def test_the_query_count_does_not_grow_with_the_rows(client, marketing_ops, django_assert_max_num_queries):
    for n in range(3):
        campaign(f"First {n}")
    client.force_login(marketing_ops)
    client.get(PAGE)
    with CaptureQueriesContext(connection) as few:
        assert client.get(PAGE).status_code == 200
    for n in range(20):
        campaign(f"More {n}", program=Program.objects.create(name=f"Program {n}"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(PAGE)
