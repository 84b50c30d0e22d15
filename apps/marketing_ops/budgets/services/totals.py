"""The stored spend totals (`CampaignSpendTotals`): grown by each posting, and rebuilt from the ledger on demand.

Beneath `spend`: the posting calls `count_in_totals` inside its transaction, holding the campaign's lock.
"""

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.models import Campaign, CampaignSpendTotals, SpendEntry, SpendKind
from apps.marketing_ops.budgets.selectors import ZERO


def count_in_totals(entry: SpendEntry) -> None:
    """Add a line just posted to its campaign's totals, as `selectors.spend_totals_recomputed` would count it.

    The caller holds the campaign's row lock, so the totals row is created once; the update adds in the
    database (`F()`), never to a value read earlier, so even a writer without the lock could not lose a line.
    """
    ordered = entry.company_amount if entry.kind == SpendKind.COMMITTED else ZERO
    committed = ordered - entry.settled_company_amount
    actual = entry.company_amount if entry.kind == SpendKind.ACTUAL else ZERO
    totals = CampaignSpendTotals.objects.filter(campaign_id=entry.campaign_id)
    if not totals.update(committed=F("committed") + committed, actual=F("actual") + actual):
        CampaignSpendTotals.objects.create(campaign_id=entry.campaign_id, committed=committed, actual=actual)


@transaction.atomic
def spend_totals_rebuild(*, campaign_ids: Iterable[int] | None = None) -> int:
    """Write the totals of every campaign (or of `campaign_ids`) again from the ledger; returns how many have spend.

    The repair for what `selectors.spend_totals_mismatches` reports, and the last step of anything that writes
    spend in bulk around `spend_post` (the bench's fill). The campaigns are locked first, as a posting locks its
    campaign, so no posting crosses the rebuild.
    """
    campaigns = Campaign.objects.all()
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    list(campaigns.select_for_update().order_by("pk").values_list("pk", flat=True))
    CampaignSpendTotals.objects.filter(campaign__in=campaigns).delete()
    rows = [
        CampaignSpendTotals(campaign_id=pk, committed=committed, actual=actual)
        for pk, (committed, actual) in selectors.spend_totals_recomputed(campaigns).items()
    ]
    CampaignSpendTotals.objects.bulk_create(rows, batch_size=1000)
    return len(rows)
