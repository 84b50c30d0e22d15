"""The finance import: every row checked first, all or nothing, and the same file twice posts it once."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from apps.marketing_ops.budgets.models import SpendEntry
from apps.marketing_ops.budgets.selectors import campaign_budget
from apps.marketing_ops.budgets.services import budget
from apps.marketing_ops.budgets.services.spend_import import spend_import
from tests.marketing_ops.budgets.conftest import D

HEADER = "external_ref,campaign,kind,vendor,date,amount,currency,description,credit_note,settles,settles_amount\n"


def csv(campaign, *rows: str, header: str = HEADER) -> bytes:
    return (header + "".join(row.format(c=campaign.pk) + "\n" for row in rows)).encode()


def good(campaign) -> bytes:
    return csv(
        campaign,
        "PO-1,{c},committed,Expo GmbH,2026-04-02,1000.00,EUR,Booth,,,",
        "INV-1,{c},actual,Expo GmbH,2026-04-20,600.00,EUR,Deposit,no,PO-1,",
        "CN-1,{c},actual,Search Co,2026-04-21,-50.00,USD,Refund,yes,,",
        "INV-2,{c},actual,Search Co,2026-04-03,250.00,usd,,,,",
    )


def figures(campaign):
    return campaign_budget(campaign, today=dt.date(2026, 4, 30))


def test_a_good_file_posts_every_row(campaign, eur):
    report = spend_import(data=good(campaign), dry_run=False, actor=None)
    assert report.ok and (report.rows, report.posted) == (4, 4)
    # PO 1,000 EUR at 1.10; the invoice at 1.20 settles 600 EUR of it (at the order's 1.10).
    result = figures(campaign)
    assert result.committed == D("440.00")  # 400 EUR left at 1.10
    assert result.actual == D("720.00") - D("50.00") + D("250.00")
    assert SpendEntry.objects.get(external_ref="INV-1").settles.external_ref == "PO-1"
    assert set(SpendEntry.objects.values_list("source", flat=True)) == {"import"}


def test_the_same_file_twice_posts_it_once(campaign, eur):
    spend_import(data=good(campaign), dry_run=False, actor=None)
    again = spend_import(data=good(campaign), dry_run=False, actor=None)
    assert again.ok and (again.posted, again.already_posted) == (0, 4)
    assert SpendEntry.objects.count() == 4
    assert figures(campaign).actual == D("920.00")


def test_a_dry_run_checks_and_posts_nothing(campaign, eur):
    report = spend_import(data=good(campaign), dry_run=True, actor=None)
    assert report.ok and report.to_post == 4
    assert report.summary() == "Would post 4 of 4 row(s); 0 already posted before."
    assert not SpendEntry.objects.exists()


def test_one_bad_row_posts_nothing_and_every_problem_is_reported(campaign, eur):
    data = csv(
        campaign,
        "PO-1,{c},committed,Expo GmbH,2026-04-02,1000.00,EUR,,,,",
        "INV-1,{c},actual,Expo GmbH,2026-04-31,abc,EUR,,,,",
        "INV-2,{c},actual,,2026-04-20,-5.00,XXX,,,,",
        "INV-3,999999,actual,Someone,2026-04-20,5.00,GBP,,maybe,,",
        "PO-1,{c},committed,Expo GmbH,2026-04-02,1.00,EUR,,,,",
        "INV-4,{c},actual,Expo GmbH,2026-04-20,5.00,GBP,,,,",
        "INV-5,{c},actual,Expo GmbH,2026-04-20,5000.00,EUR,,,PO-1,2000.00",
    )
    report = spend_import(data=data, dry_run=False, actor=None)
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "date"),
        (3, "amount"),
        (4, "vendor"),
        (4, "amount"),
        (4, "currency"),
        (5, "credit_note"),
        (6, "external_ref"),
        (7, "currency"),
        (8, "settles_amount"),
    ]
    assert "'2026-04-31' is not a date" in report.errors[0].reason
    assert "No exchange rate for GBP on 2026-04-20" in report.errors[7].reason
    assert "1000.00 EUR left to settle" in report.errors[8].reason
    assert not SpendEntry.objects.exists()


def test_a_row_for_a_cancelled_campaign_is_bad(campaign, eur):
    budget.campaign_move(campaign_id=campaign.pk, status="cancelled", actor=None)
    report = spend_import(data=good(campaign), dry_run=False, actor=None)
    assert {(e.line, e.column) for e in report.errors} >= {(2, "campaign"), (3, "campaign"), (5, "campaign")}
    assert "cancelled" in report.errors[0].reason
    assert not SpendEntry.objects.exists()


def test_a_reference_posted_with_other_details_is_bad(campaign, eur):
    spend_import(data=good(campaign), dry_run=False, actor=None)
    changed = good(campaign).replace(b"250.00", b"260.00")
    report = spend_import(data=changed, dry_run=False, actor=None)
    assert [(e.line, e.column) for e in report.errors] == [(5, "external_ref")]
    assert SpendEntry.objects.count() == 4


def test_missing_columns_are_named(campaign):
    report = spend_import(data=b"external_ref,campaign,vendor,date\nX,1,V,2026-04-01\n", dry_run=False, actor=None)
    assert [(e.line, e.column) for e in report.errors] == [(1, "kind"), (1, "amount"), (1, "currency")]
    assert "missing from the header row" in report.errors[0].reason


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        ("external_ref,vendor\n".encode("utf-16"), 1, "not UTF-8 text"),
        (b"external_ref,campaign\nINV-\xe9,1\n", 2, "not UTF-8 text (byte 0xe9)"),
        (b"", 1, "the file is empty"),
        (b"\n" * 1_000_000, 1, "the file is empty"),
        (HEADER.encode() + b"\r\n" * 1_000_000, 1_000_001, "no rows of spend"),
        (HEADER.encode() + b"a," + b"x" * 200_000 + b"\n", 2, "not a readable CSV row"),
    ],
)
def test_unreadable_files_say_why_and_post_nothing(db, data, line, reason):
    report = spend_import(data=data, dry_run=False, actor=None)
    ((error_line, _column, message),) = [(e.line, e.column, e.reason) for e in report.errors]
    assert error_line == line
    assert reason in message


def test_blank_lines_between_rows_are_not_rows(campaign, eur):
    data = good(campaign).replace(b"\n", b"\n\n\n")
    report = spend_import(data=data, dry_run=False, actor=None)
    assert report.ok and report.posted == 4


def test_the_command_reports_bad_rows_and_fails(campaign, eur, tmp_path):
    path = tmp_path / "spend.csv"
    path.write_bytes(csv(campaign, "INV-1,{c},actual,V,2026-04-20,-5.00,USD,,,,"))
    errors = StringIO()
    with pytest.raises(CommandError, match="Nothing imported: 1 problem"):
        call_command("import_spend", str(path), stderr=errors)
    assert "line 2, amount:" in errors.getvalue()


def test_the_command_imports_and_a_dry_run_does_not(campaign, eur, tmp_path):
    path = tmp_path / "spend.csv"
    path.write_bytes(good(campaign))
    out = StringIO()
    call_command("import_spend", str(path), "--dry-run", stdout=out)
    assert "Would post 4 of 4" in out.getvalue()
    assert not SpendEntry.objects.exists()
    call_command("import_spend", str(path), stdout=out)
    assert SpendEntry.objects.count() == 4


def test_the_command_says_when_the_file_is_not_there(db, tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_spend", str(tmp_path / "nope.csv"))
