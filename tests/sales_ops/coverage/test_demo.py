"""The demo company shows every coverage status, and a second seed changes nothing."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from apps.core.models import User
from apps.sales_ops.coverage.models import Quota
from apps.sales_ops.coverage.selectors import coverage_report
from apps.sales_ops.coverage.services.snapshots import sees_every_rep

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded():
    with time_machine.travel(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC), tick=False):
        call_command("seed_demo", accounts=20)
        yield


def test_demo_reps_are_covered_thin_and_uncovered(seeded):
    report = coverage_report(user=sees_every_rep(), quarter="2026-Q4", today=dt.date(2026, 11, 23))
    status = {User.objects.get(pk=line.rep_id).username: line.figures.status for line in report.reps}
    assert status == {"rep": "covered", "rep2": "thin", "rep3": "uncovered", "rep4": "covered"}
    multiples = {line.figures.required_multiple for line in report.reps}
    assert len(multiples) >= 3  # the win rates differ by rep


def test_demo_seed_twice_keeps_one_set_of_quotas(seeded):
    before = Quota.objects.count()
    call_command("seed_demo", accounts=20)
    assert Quota.objects.count() == before == 8
