"""The deal desk in the admin: sales ops edit the approval matrix; requests, decisions and events are read-only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import TestCase
from django.urls import reverse

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory, DealRequestFactory
from apps.sales_ops.models import ApprovalDelegation, ApprovalRule, DealDecision, DealEvent, RuleApprover


@pytest.fixture
def ops_client(client, sales_ops):
    client.force_login(sales_ops)
    return client


def rule_form(**changes) -> dict:
    return {
        "name": "Finance review",
        "active": "on",
        "step_order": 20,
        "mode": "any",
        "discount_over": "15",
        "discount_up_to": "",
        "net_amount_over": "",
        "net_amount_up_to": "",
        "term_months_over": "",
        "payment_terms": ["net_60", "net_90"],
        "remind_after_hours": 8,
        "escalate_after_hours": 16,
        "approvers-TOTAL_FORMS": 1,
        "approvers-INITIAL_FORMS": 0,
        "approvers-0-kind": "manager",
        "approvers-0-user": "",
        "approvers-0-group": "",
        **changes,
    }


def test_sales_ops_add_a_rule_with_its_approver(ops_client, manager):
    data = rule_form(**{"approvers-0-kind": "user", "approvers-0-user": manager.pk})
    response = ops_client.post(reverse("admin:sales_ops_approvalrule_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    rule = ApprovalRule.objects.get(name="Finance review")
    assert (rule.mode, rule.discount_over, rule.payment_terms) == ("any", Decimal("15.00"), ["net_60", "net_90"])
    assert [(a.kind, a.user) for a in rule.approvers.all()] == [(RuleApprover.Kind.USER, manager)]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"discount_over": "20", "discount_up_to": "10"}, "discount_up_to"),
        ({"net_amount_over": "2000", "net_amount_up_to": "1000"}, "net_amount_up_to"),
        ({"remind_after_hours": 16, "escalate_after_hours": 8}, "escalate_after_hours"),
        ({"discount_over": "120"}, "discount_over"),
    ],
)
def test_a_bad_rule_is_a_form_error_naming_the_field(ops_client, changes, field):
    response = ops_client.post(reverse("admin:sales_ops_approvalrule_add"), rule_form(**changes))
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not ApprovalRule.objects.exists()


def test_an_approver_naming_nobody_is_a_form_error(ops_client):
    response = ops_client.post(reverse("admin:sales_ops_approvalrule_add"), rule_form(**{"approvers-0-kind": "user"}))
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    assert "user" in formset.formset.errors[0]
    assert not ApprovalRule.objects.exists()


def test_the_rule_list_summarises_conditions_and_approvers(ops_client, manager):
    ApprovalRuleFactory(
        name="Deep discount", discount_over=Decimal("30"), flags=["free_months"], approvers=[("user", manager)]
    )
    page = ops_client.get(reverse("admin:sales_ops_approvalrule_changelist")).content.decode()
    assert "discount &gt; 30.00 %" in page and "clauses: Free months" in page and str(manager) in page


@pytest.fixture
def decided(rep, manager):
    """A request the manager rejected, with its route, decision and timeline."""
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal("10"))
    request = DealRequestFactory(requester=rep, opportunity__owner=rep)
    services.deal_request_submit(request_id=request.pk, actor=rep)
    services.deal_request_decide(request_id=request.pk, actor=manager, outcome="reject", comment="Too deep a cut")
    return request


def test_a_request_shows_its_route_decisions_and_timeline_read_only(ops_client, decided):
    url = reverse("admin:sales_ops_dealrequest_change", args=[decided.pk])
    response = ops_client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Manager review" in page and "Too deep a cut" in page and "Step reached" in page
    assert 'name="net_amount"' not in page and 'name="_save"' not in page
    assert ops_client.post(url, {"status": "approved"}).status_code == 403
    decided.refresh_from_db()
    assert decided.status == "rejected"


def test_requests_cannot_be_added_or_deleted_in_the_admin(admin_client, decided):
    assert admin_client.get(reverse("admin:sales_ops_dealrequest_add")).status_code == 403
    assert admin_client.post(reverse("admin:sales_ops_dealrequest_delete", args=[decided.pk])).status_code == 403


@pytest.mark.parametrize("model", [DealDecision, DealEvent])
def test_decisions_and_events_cannot_be_changed_or_deleted(admin_client, decided, model):
    record = model.objects.first()
    name = model._meta.model_name
    change = reverse(f"admin:sales_ops_{name}_change", args=[record.pk])
    assert admin_client.get(change).status_code == 200  # to read
    assert admin_client.post(change, {"comment": "edited", "detail": "edited"}).status_code == 403
    delete = reverse(f"admin:sales_ops_{name}_delete", args=[record.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    admin_client.post(
        reverse(f"admin:sales_ops_{name}_changelist"), {"action": "delete_selected", "_selected_action": [record.pk]}
    )
    assert model.objects.filter(pk=record.pk).exists()


def test_a_delegation_ending_before_it_starts_is_a_form_error(ops_client, manager, rep):
    response = ops_client.post(
        reverse("admin:sales_ops_approvaldelegation_add"),
        {"approver": manager.pk, "delegate": rep.pk, "starts_on": "2026-05-10", "ends_on": "2026-05-01", "note": ""},
    )
    assert response.status_code == 200
    assert "ends_on" in response.context["adminform"].form.errors
    assert not ApprovalDelegation.objects.exists()


def test_sales_ops_add_a_delegation(ops_client, manager, rep):
    today = dt.date(2026, 5, 1)
    data = {"approver": manager.pk, "delegate": rep.pk, "starts_on": today, "ends_on": today, "note": "Away"}
    assert ops_client.post(reverse("admin:sales_ops_approvaldelegation_add"), data).status_code == 302
    assert ApprovalDelegation.objects.get().delegate == rep


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("admin:sales_ops_approvalrule_add", 200),
        ("admin:sales_ops_approvaldelegation_add", 200),
        ("admin:sales_ops_dealrequest_changelist", 200),
        ("admin:sales_ops_dealdecision_changelist", 200),
        ("admin:sales_ops_dealevent_changelist", 200),
        ("admin:sales_ops_dealdecision_add", 403),
    ],
)
def test_sales_ops_run_the_matrix_and_read_the_records(ops_client, url, status):
    assert ops_client.get(reverse(url)).status_code == status


def test_managers_have_nothing_of_the_deal_desk_in_the_admin(client, db):
    boss = UserFactory(username="boss", roles=[Role.MANAGER], is_staff=True)
    client.force_login(boss)
    for url in ("admin:sales_ops_approvalrule_changelist", "admin:sales_ops_dealrequest_changelist"):
        assert client.get(reverse(url)).status_code == 403


# --- the e-mail decision links ---------------------------------------------------------------------------------


def _asked(rep, manager):
    """A submitted request whose manager step e-mailed the manager a decision link."""
    from apps.core.factories import OpportunityFactory

    rep.email, manager.email = "rita@example.com", "mgr@example.com"
    rep.save()
    manager.save()
    ApprovalRuleFactory(name="Manager review")
    deal = DealRequestFactory(opportunity=OpportunityFactory(owner=rep), requester=rep)
    # The approvers are asked (and their links made) after the submission commits.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.deal_request_submit(request_id=deal.pk, actor=rep)


def test_the_links_are_listed_with_whose_which_request_and_what_became_of_them(ops_client, rep, manager):
    from apps.sales_ops.models import DealDecisionLink

    deal = _asked(rep, manager)
    link = DealDecisionLink.objects.get(user=manager)
    page = ops_client.get(reverse("admin:sales_ops_dealdecisionlink_changelist")).content.decode()
    assert f"#{deal.pk} {deal.opportunity.name}" in page and "1. Manager review (revision 1)" in page
    assert "Open until" in page
    assert link.nonce not in page
    DealDecisionLink.objects.filter(pk=link.pk).update(used_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    used = ops_client.get(reverse("admin:sales_ops_dealdecisionlink_changelist") + "?state=used").content.decode()
    assert "Used" in used and f"#{deal.pk} " in used
    assert (
        ops_client.get(reverse("admin:sales_ops_dealdecisionlink_changelist") + "?state=open")
        .context["cl"]
        .result_count
        == 0
    )


def test_a_link_past_its_age_reads_expired(ops_client, rep, manager, settings):
    from apps.sales_ops.models import DealDecisionLink

    _asked(rep, manager)
    settings.DEAL_DESK_EMAIL_LINK_MAX_AGE = 0
    response = ops_client.get(reverse("admin:sales_ops_dealdecisionlink_changelist") + "?state=expired")
    assert response.context["cl"].result_count == DealDecisionLink.objects.count() == 1
    assert "not used" in response.content.decode()


def test_the_links_are_read_only_and_show_no_nonce(ops_client, rep, manager):
    from apps.sales_ops.models import DealDecisionLink

    _asked(rep, manager)
    link = DealDecisionLink.objects.get(user=manager)
    assert ops_client.get(reverse("admin:sales_ops_dealdecisionlink_add")).status_code == 403
    page = ops_client.get(reverse("admin:sales_ops_dealdecisionlink_change", args=[link.pk]))
    assert page.status_code == 200 and link.nonce not in page.content.decode()
    response = ops_client.post(reverse("admin:sales_ops_dealdecisionlink_change", args=[link.pk]), {"used_at": ""})
    assert response.status_code == 403
    assert (
        ops_client.post(reverse("admin:sales_ops_dealdecisionlink_delete", args=[link.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert DealDecisionLink.objects.filter(pk=link.pk, used_at__isnull=True).exists()
