"""What a campaign's ledger refuses, with the reason: an order dated after the campaign's end, and free text
longer than its field (a vendor, a description, a move's reason). Through the service, the API and the import."""

import datetime as dt

import pytest
from django.urls import reverse

from apps.core.exceptions import ApplicationError
from apps.marketing_ops.budgets.models import BudgetMove, SpendEntry, SpendKind
from apps.marketing_ops.budgets.services import budget
from apps.marketing_ops.budgets.services.spend_import import spend_import
from tests.marketing_ops.budgets.conftest import D, order, post

MAY_1 = dt.date(2026, 5, 1)  # the day after the campaign's end
HEADER = "external_ref,campaign,kind,vendor,date,amount,currency,description,credit_note,settles,settles_amount\n"


def csv(campaign, *rows: str) -> bytes:
    return (HEADER + "".join(row.format(c=campaign.pk) + "\n" for row in rows)).encode()


# --- an order after the campaign's end ----------------------------------------------------------------


def test_an_order_dated_after_the_end_is_refused_with_the_reason_and_nothing_is_written(campaign):
    with pytest.raises(ApplicationError) as refused:
        order(campaign, "100.00", day=MAY_1)
    assert (refused.value.code, refused.value.field) == ("after_campaign_end", "date")
    assert refused.value.message == (
        "A purchase order dated 2026-05-01 is after Spring search ended on 2026-04-30: "
        "a commitment must fall within the campaign."
    )
    assert not SpendEntry.objects.exists()


def test_an_order_on_the_last_day_posts(campaign):
    assert order(campaign, "100.00", day=dt.date(2026, 4, 30)).kind == SpendKind.COMMITTED


def test_invoices_and_credit_notes_after_the_end_still_post_against_earlier_orders(campaign):
    po = order(campaign, "500.00", day=dt.date(2026, 4, 10))
    invoice = post(campaign, "500.00", day=MAY_1, settles_id=po.pk)
    post(campaign, "-50.00", day=dt.date(2026, 5, 3), is_credit_note=True)
    assert invoice.settles_id == po.pk
    assert SpendEntry.objects.count() == 3


def test_the_api_refuses_an_order_after_the_end_on_its_date(api, marketing_ops, campaign):
    payload = {"campaign": campaign.pk, "kind": "committed", "vendor": "V", "date": "2026-05-01",
               "amount": "5.00", "currency": "USD"}  # fmt: skip
    response = api.as_user(marketing_ops).post("/api/v1/spend/", payload, format="json")
    assert response.status_code == 400
    assert "after Spring search ended on 2026-04-30" in response.json()["date"][0]
    assert not SpendEntry.objects.exists()


def test_the_import_reports_an_order_after_the_end_by_line_and_column_and_posts_nothing(campaign):
    report = spend_import(
        data=csv(
            campaign,
            "INV-1,{c},actual,Search Co,2026-04-20,100.00,USD,,,,",
            "PO-9,{c},committed,Search Co,2026-05-01,100.00,USD,,,,",
        ),
        dry_run=False,
        actor=None,
    )
    (error,) = report.errors
    assert (error.line, error.column) == (3, "date")
    assert "a commitment must fall within the campaign" in error.reason
    assert not SpendEntry.objects.exists()


def test_the_import_refuses_a_credit_note_above_the_invoices_by_line(campaign):
    report = spend_import(
        data=csv(
            campaign,
            "INV-1,{c},actual,Search Co,2026-04-20,100.00,USD,,,,",
            "CN-1,{c},actual,Search Co,2026-04-21,-60.00,USD,,yes,,",
            "CN-2,{c},actual,Search Co,2026-04-22,-60.00,USD,,yes,,",
        ),
        dry_run=True,
        actor=None,
    )
    (error,) = report.errors
    assert (error.line, error.column) == (4, "amount")
    assert "cannot go below zero" in error.reason


# --- free text is refused past its limit, never cut -----------------------------------------------------


def test_a_vendor_longer_than_200_characters_is_refused_naming_the_field_and_limit(campaign):
    with pytest.raises(ApplicationError) as refused:
        post(campaign, "10.00", vendor="V" * 201)
    assert (refused.value.field, refused.value.code) == ("vendor", "too_long")
    assert refused.value.message == "The vendor's name may be at most 200 characters; this one has 201."
    assert not SpendEntry.objects.exists()


def test_a_description_of_exactly_500_characters_is_kept_whole(campaign):
    text = "word " * 99 + "last."
    assert len(text) == 500
    assert post(campaign, "10.00", description=text).description == text


def test_a_longer_description_is_refused_not_cut(campaign):
    with pytest.raises(ApplicationError, match="The description may be at most 500 characters; this one has 501."):
        post(campaign, "10.00", description="x" * 501)
    assert not SpendEntry.objects.exists()


def test_the_api_names_a_too_long_description(api, marketing_ops, campaign):
    payload = {"campaign": campaign.pk, "kind": "actual", "vendor": "V", "date": "2026-04-02",
               "amount": "5.00", "currency": "USD", "description": "x" * 501}  # fmt: skip
    response = api.as_user(marketing_ops).post("/api/v1/spend/", payload, format="json")
    assert response.status_code == 400
    assert "500" in response.json()["description"][0]
    assert not SpendEntry.objects.exists()


def test_the_import_reports_a_too_long_vendor_by_line_and_column(campaign):
    report = spend_import(
        data=csv(campaign, "INV-1,{c},actual," + "V" * 201 + ",2026-04-20,100.00,USD,,,,"), dry_run=False, actor=None
    )
    (error,) = report.errors
    assert (error.line, error.column, error.reason) == (
        2,
        "vendor",
        "The vendor's name may be at most 200 characters; this one has 201.",
    )
    assert not SpendEntry.objects.exists()


def test_a_move_reason_longer_than_500_characters_is_refused_and_the_plan_stays(campaign):
    with pytest.raises(ApplicationError) as refused:
        budget.campaign_plan_set(campaign_id=campaign.pk, amount="1500.00", actor=None, reason="r" * 501)
    assert (refused.value.field, refused.value.code) == ("reason", "too_long")
    campaign.refresh_from_db()
    assert campaign.planned_amount == D("1000.00")
    assert not BudgetMove.objects.filter(reason__startswith="rrr").exists()


def test_the_api_names_a_too_long_move_reason(api, marketing_ops, campaign):
    response = api.as_user(marketing_ops).post(
        f"/api/v1/campaigns/{campaign.pk}/plan/", {"amount": "1500.00", "reason": "r" * 501}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["reason"] == ["The reason may be at most 500 characters."]


# --- the admin's forms ------------------------------------------------------------------------------------------


def admin_post(client, user, **fields):
    client.force_login(user)
    return client.post(reverse("admin:marketing_ops_spendentry_add"), fields)


def test_the_admin_shows_an_order_after_the_end_on_its_date(client, marketing_ops, campaign):
    response = admin_post(
        client, marketing_ops, campaign=campaign.pk, kind="committed", vendor="V", spent_on="2026-05-01",
        amount="5.00", currency="USD",
    )  # fmt: skip
    assert response.status_code == 200
    assert "a commitment must fall within the campaign" in str(response.context["adminform"].form.errors["spent_on"])
    assert not SpendEntry.objects.exists()


def test_the_admin_names_a_too_long_vendor_and_lets_the_browser_cut_nothing(client, marketing_ops, campaign):
    response = admin_post(
        client, marketing_ops, campaign=campaign.pk, kind="actual", vendor="V" * 201, spent_on="2026-04-02",
        amount="5.00", currency="USD",
    )  # fmt: skip
    form = response.context["adminform"].form
    assert form.errors["vendor"] == ["The vendor's name may be at most 200 characters; this one has 201."]
    assert 'maxlength="200"' not in response.content.decode()
    assert not SpendEntry.objects.exists()
