"""The SLA API: clocks visible by role and filterable; policies edited by sales ops, bad ones refused."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.core.factories import LeadFactory
from apps.core.models import LeadStage
from apps.core.services import leads
from apps.sales_ops.models import SlaClock, SlaPolicy
from apps.sales_ops.sla.factories import SlaPolicyFactory


@pytest.fixture
def clocks(rep, other_rep, marketing_ops):
    SlaPolicyFactory(pause_reasons=["waiting on the customer"])
    made = {}
    for name, owner in (("mine", rep), ("theirs", other_rep)):
        lead = LeadFactory(stage=LeadStage.MQL)
        leads.lead_handoff(lead_id=lead.pk, owner=owner, actor=marketing_ops)
        made[name] = SlaClock.objects.get(lead=lead)
    return made


def ids(response):
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_a_rep_sees_only_the_clocks_of_their_leads(api, rep, clocks):
    assert ids(api.as_user(rep).get("/api/v1/sla/clocks/")) == {clocks["mine"].pk}
    assert api.as_user(rep).get(f"/api/v1/sla/clocks/{clocks['theirs'].pk}/").status_code == 404


def test_ops_see_every_clock_with_its_policy_and_instants(api, sales_ops, clocks):
    rows = api.as_user(sales_ops).get("/api/v1/sla/clocks/").json()["results"]
    assert {row["id"] for row in rows} == {c.pk for c in clocks.values()}
    row = next(r for r in rows if r["id"] == clocks["mine"].pk)
    assert row["state"] == "running" and row["policy"]["name"] == clocks["mine"].policy.name
    assert {"started_at", "due_at", "warn_at", "breached_at"} <= set(row)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=running", {"mine", "theirs"}),
        ("state=breached", set()),
        ("owner={rep}", {"mine"}),
        ("lead={lead}", {"mine"}),
        ("due_after={later}", set()),
        ("due_before={later}", {"mine", "theirs"}),
    ],
)
def test_clock_filters(api, sales_ops, rep, clocks, query, expected):
    later = (timezone.now() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    url = "/api/v1/sla/clocks/?" + query.format(rep=rep.pk, lead=clocks["mine"].lead_id, later=later)
    assert ids(api.as_user(sales_ops).get(url)) == {clocks[name].pk for name in expected}


def test_pause_and_resume_through_the_api(api, rep, clocks):
    client, clock = api.as_user(rep), clocks["mine"]
    paused = client.post(f"/api/v1/sla/clocks/{clock.pk}/pause/", {"reason": "waiting on the customer"}, format="json")
    assert (paused.status_code, paused.json()["state"]) == (200, "paused")
    assert client.post(f"/api/v1/sla/clocks/{clock.pk}/resume/").json()["state"] == "running"


def test_an_unknown_pause_reason_is_a_400_naming_it(api, rep, clocks):
    response = api.as_user(rep).post(f"/api/v1/sla/clocks/{clocks['mine'].pk}/pause/", {"reason": "tea"}, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()


def test_resuming_a_running_clock_is_a_400(api, rep, clocks):
    response = api.as_user(rep).post(f"/api/v1/sla/clocks/{clocks['mine'].pk}/resume/")
    assert response.status_code == 400


POLICY = {
    "name": "Accept hand-offs",
    "stage": "sql",
    "target": 4,
    "unit": "hours",
    "warn_at_percent": 75,
    "calendar_mode": "always",
    "escalations": [
        {"level": "breach", "recipient": "manager"},
        {"level": "after_breach", "hours_after_breach": 8, "recipient": "address", "email": "ops@example.com"},
    ],
}


def test_sales_ops_create_a_policy_with_its_ladder(api, sales_ops):
    response = api.as_user(sales_ops).post("/api/v1/sla/policies/", POLICY, format="json")
    assert response.status_code == 201, response.json()
    policy = SlaPolicy.objects.get(name="Accept hand-offs")
    assert [(r.level, r.recipient) for r in policy.escalations.all()] == [
        ("breach", "manager"),
        ("after_breach", "address"),
    ]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"target": 0}, "target"),
        ({"target": -3}, "target"),
        ({"warn_at_percent": 120}, "warn_at_percent"),
        ({"escalations": [{"level": "breach", "recipient": "address", "email": ""}]}, "escalations"),
    ],
)
def test_bad_policies_are_400s_naming_the_field_and_write_nothing(api, sales_ops, change, field):
    response = api.as_user(sales_ops).post("/api/v1/sla/policies/", {**POLICY, **change}, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not SlaPolicy.objects.exists()


def test_reps_cannot_change_policies(api, rep):
    assert api.as_user(rep).post("/api/v1/sla/policies/", POLICY, format="json").status_code == 403
    assert api.as_user(rep).get("/api/v1/sla/policies/").status_code == 200


def test_editing_a_policy_leaves_running_clocks_as_they_were(api, sales_ops, clocks):
    clock = clocks["mine"]
    response = api.as_user(sales_ops).patch(f"/api/v1/sla/policies/{clock.policy_id}/", {"target": 48}, format="json")
    assert response.status_code == 200
    assert SlaClock.objects.get(pk=clock.pk).due_at == clock.due_at


def test_the_admin_refuses_an_escalation_to_nobody(admin_client):
    response = admin_client.post(
        reverse("admin:sales_ops_slapolicy_add"),
        {
            "name": "p",
            "priority": 1,
            "active": "on",
            "stage": "sql",
            "target": 4,
            "unit": "hours",
            "warn_at_percent": 75,
            "calendar_mode": "always",
            "pause_reasons_0": "",
            "on_breach": "nothing",
            "escalations-TOTAL_FORMS": 1,
            "escalations-INITIAL_FORMS": 0,
            "escalations-0-level": "breach",
            "escalations-0-recipient": "address",
            "escalations-0-email": "",
        },
    )
    assert response.status_code == 200
    assert "reach nobody" in response.content.decode()
    assert not SlaPolicy.objects.exists()


def test_the_admin_refuses_a_zero_target(admin_client):
    response = admin_client.post(
        reverse("admin:sales_ops_slapolicy_add"),
        {
            "name": "p",
            "priority": 1,
            "stage": "sql",
            "target": 0,
            "unit": "hours",
            "warn_at_percent": 75,
            "calendar_mode": "always",
            "pause_reasons_0": "",
            "on_breach": "nothing",
            "escalations-TOTAL_FORMS": 0,
            "escalations-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "greater than or equal to 1" in response.content.decode()
