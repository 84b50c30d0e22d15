"""The watchman: each active campaign's figures against its thresholds, one e-mail per threshold crossing, and
the completion of campaigns whose end date has passed.

A crossing is a `BudgetAlert` row, unique per campaign, threshold and crossing number. Campaigns are read in
batches locked with SKIP LOCKED, and a campaign's alerts are read and written under its lock (postings take
the same lock), so two watches at once split the campaigns and never record one crossing twice; the
e-mail's idempotency key is the crossing, so the outbox would not send it twice either.
"""

import datetime as dt

from django.conf import settings
from django.db.models import Max
from django.utils import timezone

from apps.core.exceptions import ApplicationError
from apps.core.models import NotificationKind, Role, User
from apps.core.services.batches import in_locked_batches
from apps.core.services.outbox import OutgoingEmail, email_enqueue_many
from apps.marketing_ops.budgets import selectors
from apps.marketing_ops.budgets.models import BudgetAlert, Campaign, CampaignStatus
from apps.marketing_ops.budgets.services.budget import campaign_move

Threshold = BudgetAlert.Threshold


def budget_watch(*, today: dt.date | None = None, campaign_ids=None, batch_size: int = 500) -> int:
    """Check every active campaign (or those of `campaign_ids`), then complete those whose end date has passed;
    returns how many were checked."""
    now = timezone.now()
    today = today or timezone.localdate(now)
    campaigns = Campaign.objects.filter(status=CampaignStatus.ACTIVE)
    if campaign_ids is not None:
        campaigns = campaigns.filter(pk__in=list(campaign_ids))
    checked = in_locked_batches(
        campaigns.select_related("owner"),
        batch_size,
        lambda batch: _watch_batch(batch, today=today, now=now),
        by_pk=True,
    )
    _complete_ended(campaigns, today=today)
    return checked


def _complete_ended(campaigns, *, today: dt.date) -> None:
    """An active campaign whose last day is behind us is completed, by the system, with the reason.

    Completing rather than telling someone: nothing is lost by it (a completed campaign still takes the
    invoices and credit notes of its orders) and a reminder nobody acts on would leave it "active" for ever.
    Each move is `campaign_move`'s own transaction; one that moved meanwhile is left as it is.
    """
    for pk, end in campaigns.filter(end_date__lt=today).values_list("pk", "end_date").order_by("pk"):
        try:
            campaign_move(
                campaign_id=pk,
                status=CampaignStatus.COMPLETED,
                actor=None,
                reason=f"Ended on {end.isoformat()}: completed by the budget watch",
            )
        except ApplicationError:  # cancelled meanwhile: nothing to complete
            continue


def _watch_batch(campaigns: list[Campaign], *, today: dt.date, now: dt.datetime) -> None:
    figures = selectors.budget_figures(Campaign.objects.filter(pk__in=[c.pk for c in campaigns]), today=today)
    open_alerts = {
        (alert.campaign_id, alert.threshold): alert
        for alert in BudgetAlert.objects.filter(campaign__in=campaigns, cleared_at__isnull=True)
    }
    crossings = {
        (row["campaign_id"], row["threshold"]): row["last"]
        for row in BudgetAlert.objects.filter(campaign__in=campaigns)
        .values("campaign_id", "threshold")
        .annotate(last=Max("crossing"))
        .order_by()
    }
    crossed, cleared = [], []
    for campaign in campaigns:
        for threshold in Threshold.values:
            key = (campaign.pk, threshold)
            past = figures[campaign.pk].passes(threshold)
            if past and key not in open_alerts:
                crossed.append(
                    BudgetAlert(
                        campaign=campaign,
                        threshold=threshold,
                        crossing=crossings.get(key, 0) + 1,
                        figures=figures[campaign.pk].shown(),
                        crossed_at=now,
                    )
                )
            elif not past and key in open_alerts:
                cleared.append(open_alerts[key].pk)
    if cleared:
        BudgetAlert.objects.filter(pk__in=cleared).update(cleared_at=now)
    if crossed:
        _email(crossed)
        BudgetAlert.objects.bulk_create(crossed)


def _email(alerts: list[BudgetAlert]) -> None:
    """One e-mail per crossing to the campaign's owner and marketing ops, keyed by the crossing."""
    team = list(
        User.objects.filter(groups__name=Role.MARKETING_OPS, is_active=True)
        .exclude(email="")
        .values_list("email", flat=True)
    )
    emails = []
    for alert in alerts:
        recipients = [*team, alert.campaign.owner.email]
        if not any(recipients):
            continue
        key = f"budget-alert:{alert.campaign_id}:{alert.threshold}:{alert.crossing}"
        email = OutgoingEmail(
            key=key,
            to=recipients,
            template="budget_alert",
            context=_context(alert),
            kind=NotificationKind.BUDGET_ALERTS,
        )
        emails.append((alert, email))
    stored = email_enqueue_many([email for _alert, email in emails])
    for alert, email in emails:
        alert.email = stored[email.key]


def _context(alert: BudgetAlert) -> dict:
    campaign = alert.campaign
    return {
        "campaign": campaign.name,
        "campaign_id": campaign.pk,
        "owner": str(campaign.owner),
        "threshold": alert.threshold,
        "headline": _headline(alert),
        "figures": alert.figures,
        "end_date": campaign.end_date.isoformat(),
        "currency": settings.COMPANY_CURRENCY,
        "link": f"/marketing/budget/?quarter={campaign.fiscal_quarter}#campaign-{campaign.pk}",
    }


def _headline(alert: BudgetAlert) -> str:
    campaign, figures = alert.campaign, alert.figures
    if alert.threshold == Threshold.PROJECTED:
        return (
            f"is projected to spend {figures['projected']} {figures['currency']} by {campaign.end_date:%d %b %Y}, "
            f"more than {campaign.projected_over_percent} % over its plan of {figures['planned']}"
        )
    at = campaign.warn_at_percent if alert.threshold == Threshold.WARN else campaign.over_at_percent
    return f"has used {figures['used_percent'] or 'all'} % of its plan (threshold {at} %)"
