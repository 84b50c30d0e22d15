"""What the deal desk adds to core's pages (through SalesOpsConfig, so that core imports no ops app)."""

from apps.core.models import Opportunity, User
from apps.core.permissions import may_request_deal
from apps.sales_ops.deal_desk import selectors


def opportunity_panels(user: User, opportunity: Opportunity) -> list[tuple[str, dict]]:
    """The deal desk requests on an opportunity that `user` may see (one query), and "Request approval" for its
    owner when they are a rep and it is open."""
    deals = list(selectors.deal_request_list(user=user).filter(opportunity=opportunity).order_by("-created_at", "-pk"))
    may_request = may_request_deal(user) and opportunity.owner_id == user.pk and not opportunity.is_closed
    return [("sales_ops/deals/_opportunity_panel.html", {"deals": deals, "may_request": may_request})]
