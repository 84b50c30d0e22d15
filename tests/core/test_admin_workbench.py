"""The admin as an ops workbench: bulk lead moves with one result per row, imports checked before they write, the
index grouped by capability, lists edited as boxes (never raw JSON), and names that read as words."""

import datetime as dt
import io
import re

import pytest
from django import forms
from django.apps import apps
from django.contrib import admin
from django.contrib.messages import get_messages
from django.db import models
from django.urls import reverse

from apps.core.factories import LeadFactory, UserFactory
from apps.core.models import Lead, LeadStage, LeadTransition, Role
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.sla.models import SlaPolicy
from smops.admin_site import GROUPS, OTHER

LEADS = reverse("admin:core_lead_changelist")


def bulk(client, action: str, leads, **form):
    """The second post of a bulk action: from its own page (`apply`), with what the action asked for."""
    data = {"action": action, "_selected_action": [lead.pk for lead in leads], "index": 0, "apply": "1", **form}
    return client.post(LEADS, data)


def said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def transitions_of(lead) -> int:
    return LeadTransition.objects.filter(lead=lead).count()


@pytest.fixture
def mqls(db):
    return LeadFactory.create_batch(2, stage=LeadStage.MQL)


@pytest.fixture
def fresh(db):
    return LeadFactory(stage=LeadStage.NEW)


# --- bulk lead moves ---------------------------------------------------------------------------------------------


def test_an_action_that_needs_an_owner_asks_first_and_writes_nothing(client, marketing_ops, rep, mqls):
    client.force_login(marketing_ops)
    response = client.post(LEADS, {"action": "hand_off_selected", "_selected_action": [mqls[0].pk], "index": 0})
    assert response.status_code == 200
    assert "By routing" in response.content.decode()
    assert Lead.objects.get(pk=mqls[0].pk).stage == LeadStage.MQL


def test_hand_off_to_a_named_owner_answers_per_row_and_leaves_the_refused_row_alone(
    client, marketing_ops, rep, mqls, fresh
):
    client.force_login(marketing_ops)
    messages = said(bulk(client, "hand_off_selected", [*mqls, fresh], owner=rep.pk))
    for lead in mqls:
        assert f"Lead #{lead.pk} {lead.contact}: handed to {rep}" in messages
        assert Lead.objects.get(pk=lead.pk).stage == LeadStage.SQL
    [refusal] = [m for m in messages if m.startswith(f"Lead #{fresh.pk} ")]
    assert "refused" in refusal
    assert Lead.objects.get(pk=fresh.pk).stage == LeadStage.NEW
    assert transitions_of(fresh) == 0
    assert "2 of 3 lead(s) done, 1 refused and left as they were." in messages


def test_hand_off_without_an_owner_routes_each_lead(client, settings, marketing_ops, rep, mqls):
    settings.LEAD_ROUTING_QUEUE_OWNER = rep.username  # no territory matches: the queue owner gets them
    client.force_login(marketing_ops)
    messages = said(bulk(client, "hand_off_selected", mqls, owner=""))
    assert [m for m in messages if m.endswith(f"handed to {rep}")] and len(messages) == 3
    assert {lead.owner for lead in Lead.objects.filter(pk__in=[lead.pk for lead in mqls])} == {rep}


def test_reassign_by_someone_who_may_not_is_refused_row_by_row_and_writes_nothing(client, marketing_ops, rep):
    owner = UserFactory(roles=[Role.REP])
    leads = LeadFactory.create_batch(2, stage=LeadStage.SQL, owner=owner)
    client.force_login(marketing_ops)
    messages = said(bulk(client, "reassign_selected", leads, owner=rep.pk))
    for lead in leads:
        assert (
            f"Lead #{lead.pk} {lead.contact}: refused — Only the owner's managers or sales ops may reassign this lead."
            in messages
        )
    assert set(Lead.objects.values_list("owner", flat=True)) == {owner.pk}


def test_reassign_by_sales_ops_moves_the_owner(client, sales_ops, rep):
    lead = LeadFactory(stage=LeadStage.SQL, owner=UserFactory(roles=[Role.REP]))
    client.force_login(sales_ops)
    messages = said(bulk(client, "reassign_selected", [lead], owner=rep.pk))
    assert f"Lead #{lead.pk} {lead.contact}: now owned by {rep}" in messages
    assert Lead.objects.get(pk=lead.pk).owner == rep


def test_recycle_without_a_reason_asks_again_and_writes_nothing(client, sales_ops, mqls):
    client.force_login(sales_ops)
    response = bulk(client, "recycle_selected", mqls, reason="  ")
    assert response.status_code == 200
    assert "Say why" in response.content.decode()
    assert set(Lead.objects.values_list("stage", flat=True)) == {LeadStage.MQL}


def test_recycle_with_a_reason_moves_what_the_user_may_and_refuses_the_rest(client, marketing_ops, mqls):
    in_sales = LeadFactory(stage=LeadStage.SAL)
    client.force_login(marketing_ops)
    messages = said(bulk(client, "recycle_selected", [*mqls, in_sales], reason="Not buying this year"))
    assert all(Lead.objects.get(pk=lead.pk).stage == LeadStage.RECYCLED for lead in mqls)
    assert Lead.objects.get(pk=mqls[0].pk).stage_reason == "Not buying this year"
    assert any(m.startswith(f"Lead #{in_sales.pk} ") and "refused" in m for m in messages)
    assert Lead.objects.get(pk=in_sales.pk).stage == LeadStage.SAL
    assert transitions_of(in_sales) == 0


def test_qualify_answers_per_row(client, marketing_ops, fresh):
    done = LeadFactory(stage=LeadStage.SAL)
    client.force_login(marketing_ops)
    messages = said(bulk(client, "qualify_selected", [fresh, done]))
    assert f"Lead #{fresh.pk} {fresh.contact}: qualified" in messages
    assert any(m.startswith(f"Lead #{done.pk} ") and "refused" in m for m in messages)
    assert Lead.objects.get(pk=done.pk).stage == LeadStage.SAL


# --- imports: a check is a button of its own (the spend import's are in tests/marketing_ops/budgets) --------------


def upload(data: bytes):
    file = io.BytesIO(data)
    file.name = "file.csv"
    return file


def test_the_quota_import_checks_with_one_button_and_writes_with_the_other(client, time_machine, sales_ops, rep):
    time_machine.move_to(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False)
    client.force_login(sales_ops)
    url = reverse("admin:sales_ops_quota_import")
    data = f"rep,quarter,amount\n{rep.username},2026-Q3,100000\n".encode()
    page = client.get(url).content.decode()
    assert 'name="dry_run"' not in page
    assert page.index('name="check"') < page.index('name="import"')  # Enter presses the check
    checked = client.post(url, {"file": upload(data), "check": "1"})
    assert "Checked, nothing written yet" in checked.content.decode()
    assert not Quota.objects.exists()
    client.post(url, {"file": upload(data), "import": "1"})
    assert Quota.objects.get().rep == rep


# --- the index ---------------------------------------------------------------------------------------------------


def test_the_index_groups_models_by_capability(admin_client):
    app_list = admin_client.get(reverse("admin:index")).context["app_list"]
    names = [group["name"] for group in app_list]
    assert names[:3] == ["Customers and leads", "Organisation", "Lead SLAs"]
    sla = next(group for group in app_list if group["name"] == "Lead SLAs")
    assert [str(model["name"]) for model in sla["models"]][:2] == ["SLA policies", "SLA clocks"]


def test_every_registered_model_is_on_the_index_once(admin_client):
    app_list = admin_client.get(reverse("admin:index")).context["app_list"]
    shown = [model["model"] for group in app_list for model in group["models"]]
    assert sorted(m._meta.label for m in shown) == sorted(m._meta.label for m in admin.site._registry)


def test_every_model_of_ours_has_a_group(admin_client):
    app_list = admin_client.get(reverse("admin:index")).context["app_list"]
    other = next((group for group in app_list if group["name"] == OTHER), {"models": []})
    ours = [m["model"]._meta.label for m in other["models"] if m["model"]._meta.app_label in OUR_APPS]
    assert ours == [], f"place these in a group of smops/admin_site.py: {ours}"


def test_every_grouped_label_names_a_registered_model():
    registered = {model._meta.label for model in admin.site._registry}
    assert {label for _, labels in GROUPS for label in labels} <= registered


def test_a_user_sees_only_the_groups_they_may_use(client, marketing_ops):
    client.force_login(marketing_ops)
    names = [group["name"] for group in client.get(reverse("admin:index")).context["app_list"]]
    assert "Campaign budgets" in names
    assert "Lead SLAs" not in names and "Deal desk" not in names


# --- lists as boxes, never raw JSON ------------------------------------------------------------------------------

OUR_APPS = {"core", "sales_ops", "marketing_ops"}


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in OUR_APPS], ids=lambda m: m._meta.label
)
def test_no_admin_form_offers_a_json_box(admin_client, model):
    response = admin_client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add"))
    if response.status_code != 200:
        return  # no add page: rows written by services only
    form = response.context["adminform"].form
    json_fields = {f.name for f in model._meta.get_fields() if isinstance(f, models.JSONField)}
    offered = json_fields & set(form.fields)
    assert not [name for name in offered if isinstance(form.fields[name].widget, forms.Textarea)]


def test_pause_reasons_are_one_box_each(admin_client):
    page = admin_client.get(reverse("admin:sales_ops_slapolicy_add")).content.decode()
    assert 'name="pause_reasons_0"' in page
    assert '<textarea name="pause_reasons"' not in page


POLICY_FORM = {
    "name": "Accept hand-offs",
    "priority": 1,
    "active": "on",
    "stage": "sql",
    "target": 4,
    "unit": "hours",
    "warn_at_percent": 75,
    "calendar_mode": "always",
    "on_breach": "nothing",
    "escalations-TOTAL_FORMS": 0,
    "escalations-INITIAL_FORMS": 0,
}


def test_pause_reasons_typed_in_boxes_are_saved_as_a_list(admin_client):
    form = {
        **POLICY_FORM,
        "pause_reasons_0": " waiting on  the customer ",
        "pause_reasons_1": "",
        "pause_reasons_2": "on holiday",
    }
    response = admin_client.post(reverse("admin:sales_ops_slapolicy_add"), form)
    assert response.status_code == 302
    assert SlaPolicy.objects.get().pause_reasons == ["waiting on the customer", "on holiday"]


def test_a_reason_listed_twice_is_refused(admin_client):
    form = {**POLICY_FORM, "pause_reasons_0": "On holiday", "pause_reasons_1": "on holiday"}
    response = admin_client.post(reverse("admin:sales_ops_slapolicy_add"), form)
    assert response.context["adminform"].form.errors["pause_reasons"][0] == "“on holiday” is listed twice."
    assert not SlaPolicy.objects.exists()


# --- words --------------------------------------------------------------------------------------------------------


def test_sla_models_are_named_in_words():
    from apps.sales_ops.sla import models as sla

    assert (sla.SlaPolicy._meta.verbose_name, sla.SlaPolicy._meta.verbose_name_plural) == ("SLA policy", "SLA policies")
    assert sla.SlaClock._meta.verbose_name_plural == "SLA clocks"


ACRONYM = re.compile(r"\b(sla|api|csv|mql|sql|totp)\b", re.IGNORECASE)


def test_no_model_of_ours_spells_an_acronym_in_lower_case():
    wrong = [
        f"{model._meta.label}: {name}"
        for model in apps.get_models()
        if model._meta.app_label in OUR_APPS and not model.__name__.startswith("Historical")
        for name in (str(model._meta.verbose_name), str(model._meta.verbose_name_plural))
        for found in ACRONYM.findall(name)
        if found != found.upper()
    ]
    assert wrong == []
