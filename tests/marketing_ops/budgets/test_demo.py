"""`manage.py seed_demo` builds a budget page worth opening, once."""

from django.core.management import call_command
from django.utils import timezone

from apps.core.quarters import quarter_of
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.models import BudgetMove, Campaign, CampaignTouch, SpendEntry


def test_the_demo_fills_this_quarters_budget_page_once(db):
    call_command("seed_demo", accounts=30)
    counts = (Campaign.objects.count(), SpendEntry.objects.count(), BudgetMove.objects.count())
    call_command("seed_demo", accounts=30)
    assert (Campaign.objects.count(), SpendEntry.objects.count(), BudgetMove.objects.count()) == counts
    today = timezone.localdate()
    report = selectors.budget_report(quarter=quarter_of(today), today=today)
    assert report.campaigns == 9
    assert {line.figures.status for line in report.off_track} == {"over", "at_risk"}
    assert CampaignTouch.objects.exists()
