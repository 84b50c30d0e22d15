"""What the content library adds to core's record pages (through `apps/core/panels.py`)."""

from apps.marketing_ops.content.selectors import content_share_list

# An opportunity page shows its latest shares; the library's reports count them all.
OPPORTUNITY_SHARES_SHOWN = 20


def opportunity_shares_panel(*, user, opportunity) -> tuple[str, dict]:
    """The content shared on an opportunity that `user` may read, newest first, in one query."""
    shares = list(content_share_list(user=user).filter(opportunity_id=opportunity.pk)[: OPPORTUNITY_SHARES_SHOWN + 1])
    return (
        "marketing_ops/content/_opportunity_shares.html",
        {"shares": shares[:OPPORTUNITY_SHARES_SHOWN], "more": len(shares) > OPPORTUNITY_SHARES_SHOWN},
    )
