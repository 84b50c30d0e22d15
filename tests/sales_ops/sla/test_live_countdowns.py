"""My leads' SLA cells refresh themselves (htmx, every minute): the page asks for its own cells, the answer is those
cells alone, fresh, swapped in by id; only leads the viewer may see; refused to strangers, bad input a 400."""

import datetime as dt
import re

import pytest
from django.template.loader import render_to_string

from apps.core.services import leads
from apps.sales_ops.models import SlaClock
from apps.sales_ops.sla import services
from apps.sales_ops.sla.factories import SlaPolicyFactory
from apps.sales_ops.sla.selectors import Countdown
from tests.sales_ops.conftest import T0, H, handed_off

URL = "/sales/leads/countdowns/"
HX = {"HX-Request": "true"}


@pytest.fixture
def policy(db):
    return SlaPolicyFactory(name="Accept hand-offs", pause_reasons=["waiting_customer"])


@pytest.fixture
def two(frozen, policy, marketing_ops, rep):
    return [handed_off(rep, marketing_ops), handed_off(rep, marketing_ops)]


def cells(response) -> dict[int, str]:
    """Each out-of-band cell of an answer: lead id -> its text."""
    found = re.findall(r'<td class="sla" id="sla-(\d+)" hx-swap-oob="true">(.*?)</td>', response.content.decode(), re.S)
    return {int(pk): re.sub(r"<[^>]+>", "", inner).strip() for pk, inner in found}


def test_my_leads_asks_for_its_own_cells_every_minute(client, two, rep):
    client.force_login(rep)
    page = client.get("/sales/leads/").content.decode()

    first, second = sorted(lead.pk for lead in two)
    poll = f'hx-get="{URL}?lead={first}&amp;lead={second}" hx-trigger="every 60s" hx-swap="none"'
    assert f'<table class="leads" {poll}>' in page
    assert f'<td class="sla" id="sla-{first}">' in page and f'<td class="sla" id="sla-{second}">' in page


def test_htmx_gets_the_cells_alone_with_the_time_left_now(client, two, rep, frozen):
    client.force_login(rep)
    frozen.now = T0 + dt.timedelta(hours=1, minutes=15)

    answer = client.get(URL, {"lead": [lead.pk for lead in two]}, headers=HX)

    assert answer.status_code == 200
    assert "<html" not in answer.content.decode() and "<table" not in answer.content.decode()
    assert cells(answer) == {lead.pk: "2 h 45 min left" for lead in two}


def test_a_lead_accepted_or_paused_since_the_page_loaded_shows_it(client, two, rep):
    done, waiting = two
    leads.lead_accept(lead_id=done.pk, actor=rep)
    clock = SlaClock.objects.get(lead=waiting, stopped_at__isnull=True)
    services.sla_clock_pause(clock_id=clock.pk, reason="waiting_customer", actor=rep)
    client.force_login(rep)

    answer = client.get(URL, {"lead": [done.pk, waiting.pk]}, headers=HX)

    assert cells(answer) == {done.pk: "SLA met", waiting.pk: "4 h 00 min left (paused)"}


def test_a_lead_the_viewer_may_not_see_is_left_out(client, two, other_rep):
    client.force_login(other_rep)

    answer = client.get(URL, {"lead": [lead.pk for lead in two]}, headers=HX)

    assert answer.status_code == 200
    assert cells(answer) == {}


def test_the_answer_costs_the_same_queries_for_two_leads_or_six(
    client, two, rep, marketing_ops, django_assert_max_num_queries
):
    client.force_login(rep)
    with django_assert_max_num_queries(20) as two_leads:
        client.get(URL, {"lead": [lead.pk for lead in two]}, headers=HX)
    six = two + [handed_off(rep, marketing_ops) for _ in range(4)]
    with django_assert_max_num_queries(len(two_leads)):
        assert len(cells(client.get(URL, {"lead": [lead.pk for lead in six]}, headers=HX))) == 6


@pytest.mark.parametrize("ids", [[], ["x"], ["²"], ["0"], ["-1"], [str(2**63)], [str(n) for n in range(1, 52)]])
def test_bad_lead_ids_are_a_400_naming_the_field(client, two, rep, ids):
    client.force_login(rep)

    answer = client.get(URL, {"lead": ids}, headers=HX)

    assert answer.status_code == 400
    assert answer.content.decode().startswith("lead: ")


def test_a_signed_out_poll_gets_204(client, two):
    answer = client.get(URL, {"lead": [lead.pk for lead in two]}, headers=HX)

    assert answer.status_code == 204
    assert answer.content == b""


def test_without_htmx_the_address_is_my_leads(client, two, rep):
    client.force_login(rep)

    answer = client.get(URL, {"lead": [lead.pk for lead in two]})

    assert answer.status_code == 302
    assert answer["Location"] == "/sales/leads/"
    assert client.get(answer["Location"]).status_code == 200


def test_a_poll_does_not_move_the_clock_it_shows(client, two, rep, frozen):
    client.force_login(rep)
    frozen.now = T0 + 5 * H

    answer = client.get(URL, {"lead": [lead.pk for lead in two]}, headers=HX)

    assert set(cells(answer).values()) == {"1 h 00 min over"}
    assert SlaClock.objects.filter(state=SlaClock.State.BREACHED).count() == 0  # a read: the scan breaches, not this


@pytest.mark.parametrize(
    "left, seconds, text",
    [
        (12_599.6, "12599", "3 h 29 min left"),
        (-12_599.6, "-12599", "3 h 29 min over"),
        (12_600, "12600", "3 h 30 min left"),
    ],
)
def test_the_ticker_starts_from_the_seconds_the_text_was_cut_from(left, seconds, text):
    # The ticker floors minutes as the server does: rounding 12,599.6 s up to 12,600 made its first tick repeat the
    # minute the server had written (3 h 29 min), one minute behind the server from then on.
    countdown = Countdown(
        state=SlaClock.State.RUNNING,
        left=dt.timedelta(seconds=left),
        amber_below=dt.timedelta(hours=1),
        tick_for=dt.timedelta(hours=8),
        overdue=left < 0,
    )

    html = render_to_string("sales_ops/_countdown.html", {"countdown": countdown})

    assert f'data-left="{seconds}"' in html
    assert re.sub(r"<[^>]+>", "", html).strip() == text
