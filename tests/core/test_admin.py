"""The ops workbench: every change list and add page renders, lists never count a whole big table."""

import pytest
from django.contrib import admin
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.admin_utils import LargeTablePaginator
from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, OpportunityFactory
from apps.core.models import Contact, Lead, LeadStage

MODEL_ADMINS = sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


@pytest.fixture
def records(sales_ops):
    LeadFactory.create_batch(3, owner=sales_ops, stage=LeadStage.SQL)
    OpportunityFactory(owner=sales_ops)


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=[m._meta.label for m, _ in MODEL_ADMINS])
def test_every_change_list_renders(admin_client, records, model, model_admin):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    assert admin_client.get(url).status_code == 200
    if model_admin.search_fields:
        assert admin_client.get(url, {"q": "x"}).status_code == 200


@pytest.mark.parametrize(("model", "model_admin"), MODEL_ADMINS, ids=[m._meta.label for m, _ in MODEL_ADMINS])
def test_every_add_page_renders_or_is_closed(admin_client, model, model_admin):
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    assert admin_client.get(url).status_code in (200, 403)


def test_every_change_page_of_the_core_records_renders(admin_client, records):
    for model in (Lead, Contact):
        obj = model.objects.first()
        url = reverse(f"admin:core_{model._meta.model_name}_change", args=[obj.pk])
        assert admin_client.get(url).status_code == 200
        history = reverse(f"admin:core_{model._meta.model_name}_history", args=[obj.pk])
        assert admin_client.get(history).status_code == 200


def test_the_lead_list_never_runs_a_full_count(admin_client, records):
    with CaptureQueriesContext(connection) as captured:
        admin_client.get(reverse("admin:core_lead_changelist"))
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert counts, "the bounded count should be there"
    assert all("LIMIT" in sql.upper() for sql in counts), counts


def test_the_paginator_caps_its_count(db, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "CAP", 5)
    AccountFactory.create_batch(8)
    from apps.core.models import Account

    assert LargeTablePaginator(Account.objects.all(), 2).count == 5


@pytest.mark.postgres
def test_an_unfiltered_big_table_is_sized_from_the_planner(db, on_postgres, monkeypatch):
    monkeypatch.setattr(LargeTablePaginator, "CAP", 5)
    AccountFactory.create_batch(8)
    from apps.core.models import Account

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE core_account")
    with CaptureQueriesContext(connection) as captured:
        count = LargeTablePaginator(Account.objects.all(), 2).count
    assert count == 8
    assert "reltuples" in captured[0]["sql"]


def test_lead_stage_cannot_be_edited_in_the_admin(admin_client, records):
    lead = Lead.objects.first()
    page = admin_client.get(reverse("admin:core_lead_change", args=[lead.pk])).content.decode()
    assert 'name="stage"' not in page


def test_the_qualify_action_goes_through_the_lifecycle(admin_client, admin_user):
    new, closed = LeadFactory(stage=LeadStage.NEW), LeadFactory(stage=LeadStage.DISQUALIFIED)
    response = admin_client.post(
        reverse("admin:core_lead_changelist"),
        {"action": "qualify_selected", "_selected_action": [new.pk, closed.pk]},
        follow=True,
    )
    assert "1 of 2 lead(s) done, 1 refused and left as they were." in response.content.decode()
    assert "This lead is Disqualified, not Marketing qualified" in response.content.decode()
    new.refresh_from_db()
    closed.refresh_from_db()
    assert (new.stage, closed.stage) == (LeadStage.MQL, LeadStage.DISQUALIFIED)


def test_a_consent_change_in_the_admin_is_stamped(admin_client):
    contact = ContactFactory()
    url = reverse("admin:core_contact_change", args=[contact.pk])
    response = admin_client.post(
        url,
        {
            "account": contact.account_id,
            "email": contact.email,
            "first_name": "Jo",
            "last_name": "Doe",
            "email_opt_out": "on",
            "consent_status": "withdrawn",
            "consent_source": "phone call",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    contact.refresh_from_db()
    assert contact.email_opt_out and contact.consent_at is not None


def test_csv_export_of_the_filtered_lead_list(admin_client, records):
    LeadFactory(stage=LeadStage.NEW)
    url = reverse("admin:core_lead_export") + "?stage__exact=sql"
    form = admin_client.get(url).context["form"]
    fields = {name: "on" for name in form.fields if name.startswith("leadresource_")}
    response = admin_client.post(url, {"format": "0", **fields})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    lines = response.content.decode().strip().splitlines()
    assert lines[0].startswith("id,")
    assert len(lines) == 1 + Lead.objects.filter(stage=LeadStage.SQL).count() == 4


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("sales_ops", "admin:core_lead_changelist", 200),
        ("sales_ops", "admin:core_businesscalendar_add", 200),
        ("marketing_ops", "admin:core_contact_changelist", 200),
        ("marketing_ops", "admin:core_territory_add", 403),
    ],
)
def test_ops_roles_work_in_the_admin_within_their_domain(client, request, role, url, status):
    client.force_login(request.getfixturevalue(role))
    assert client.get(reverse(url)).status_code == status


def test_reps_are_kept_out_of_the_admin(client, rep):
    client.force_login(rep)
    response = client.get(reverse("admin:core_lead_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_lead_added_in_the_admin_starts_its_history(admin_client, admin_user):
    contact = ContactFactory()
    response = admin_client.post(
        reverse("admin:core_lead_add"),
        {
            "contact": contact.pk,
            "account": contact.account_id,
            "source": "event",
            "score": 30,
            "LeadTransition_lead-TOTAL_FORMS": 0,
            "LeadTransition_lead-INITIAL_FORMS": 0,
            "transitions-TOTAL_FORMS": 0,
            "transitions-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    lead = Lead.objects.get(contact=contact)
    assert [(t.to_stage, t.actor) for t in lead.transitions.all()] == [(LeadStage.NEW, admin_user)]
