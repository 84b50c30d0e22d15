"""What the campaign budgets capability adds to core's record pages (through `apps/core/panels.py`)."""

from apps.marketing_ops.budgets.models import CampaignTouch

# A contact page shows their latest touches; the full history is in the admin.
CONTACT_TOUCHES_SHOWN = 20


def contact_touches_panel(*, contact) -> tuple[str, dict]:
    """The campaigns a contact responded to, newest first, in one query."""
    touches = list(
        CampaignTouch.objects.filter(contact_id=contact.pk)
        .select_related("campaign")
        .order_by("-touched_at", "-id")[: CONTACT_TOUCHES_SHOWN + 1]
    )
    return (
        "marketing_ops/_contact_touches.html",
        {"touches": touches[:CONTACT_TOUCHES_SHOWN], "more": len(touches) > CONTACT_TOUCHES_SHOWN},
    )
