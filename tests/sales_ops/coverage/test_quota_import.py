"""The quota CSV import: all or nothing, idempotent, errors by line and column."""

from decimal import Decimal as D

import pytest

from apps.core.factories import UserFactory
from apps.core.models import Role
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.coverage.services.quotas import quota_import

pytestmark = pytest.mark.django_db


@pytest.fixture
def reps():
    return [UserFactory(username=name, roles=[Role.REP]) for name in ("ana", "ben")]


GOOD = b"rep,quarter,amount\nana,2027-Q1,100000\nben@example.com,2027-Q1,80000.50\n"


def test_a_good_file_is_written_and_a_second_import_changes_nothing(reps, sales_ops):
    first = quota_import(data=GOOD, dry_run=False, actor=sales_ops)
    assert (first.ok, first.created) == (True, 2)
    second = quota_import(data=GOOD, dry_run=False, actor=sales_ops)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert dict(Quota.objects.values_list("rep__username", "amount")) == {"ana": D(100000), "ben": D("80000.50")}
    assert Quota.history.count() == 2  # no history entry for an unchanged row


def test_a_changed_amount_updates(reps, sales_ops):
    quota_import(data=GOOD, dry_run=False, actor=sales_ops)
    report = quota_import(data=b"rep,quarter,amount\nana,2027-Q1,120000\n", dry_run=False, actor=sales_ops)
    assert report.updated == 1
    assert Quota.objects.get(rep__username="ana").amount == D(120000)


def test_dry_run_writes_nothing(reps, sales_ops):
    report = quota_import(data=GOOD, dry_run=True, actor=sales_ops)
    assert report.created == 2 and not Quota.objects.exists()


def test_bad_rows_are_named_by_line_and_column_and_nothing_is_written(reps, sales_ops):
    data = (
        b"rep,quarter,amount\n"
        b"ana,2027-Q1,100000\n"
        b"ben,2027-Q1,-5\n"
        b"nobody,2027-Q1,10\n"
        b"ana,2027-Q5,10\n"
        b"ana,Q2,10\n"
        b"ben,2027-Q2,lots\n"
        b"ana,2027-Q1,200\n"
    )
    report = quota_import(data=data, dry_run=False, actor=sales_ops)
    assert not report.ok
    assert [(e.line, e.column) for e in report.errors] == [
        (3, "amount"),
        (5, "quarter"),
        (6, "quarter"),
        (7, "amount"),
        (8, "rep"),  # ana's 2027-Q1 again
        (4, "rep"),  # unknown rep, found when the rows meet the database
    ]
    assert "negative" in report.errors[0].reason
    assert not Quota.objects.exists()


def test_a_missing_column_is_named(reps, sales_ops):
    report = quota_import(data=b"rep,amount\nana,10\n", dry_run=False, actor=sales_ops)
    assert [(e.line, e.column) for e in report.errors] == [(1, "quarter")]


def test_an_inactive_rep_is_refused(reps, sales_ops):
    reps[0].is_active = False
    reps[0].save()
    report = quota_import(data=GOOD, dry_run=False, actor=sales_ops)
    assert [(e.line, e.column) for e in report.errors] == [(2, "rep")]
    assert not Quota.objects.exists()
