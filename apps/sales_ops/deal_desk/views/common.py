"""What the deal desk pages share: fetching a request the user may see, rendering, refusals, messages."""

from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.models import User
from apps.core.models.customers import CLOSED_STAGES
from apps.core.pages import page_refusal
from apps.core.selectors import opportunity_list
from apps.sales_ops.deal_desk import selectors
from apps.sales_ops.models import DealRequest

Status = DealRequest.Status


def _visible(request, request_id: int) -> DealRequest:
    """The deal request if the user may see it; anyone else's is a 404, as in the API."""
    return get_object_or_404(selectors.deal_request_list(user=request.user), pk=request_id)


def _open_opportunities(user: User):
    """The opportunities a user may open a request on: their own, not yet closed."""
    return opportunity_list(user=user).filter(owner=user).exclude(stage__in=CLOSED_STAGES).order_by("name", "pk")


def _render(request, template: str, context: dict, *, status: int = 200):
    """Render a deal desk page (the nav's Approvals count comes from the `nav_counts` context processor)."""
    return render(request, template, context, status=status)


_refused = page_refusal  # one rule for every page (apps/core/pages.py)


def _back_to(request, deal: DealRequest):
    """Where the action's form came from (a page of ours), else the request's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("sales_ops:deal_detail", request_id=deal.pk)


def _submitted_message(deal: DealRequest) -> str:
    if deal.status == Status.APPROVED:
        return f"Submitted deal request #{deal.pk}: within policy, approved without a step."
    step = deal.active_step
    return f"Submitted deal request #{deal.pk}: waiting for {step.name if step else 'approval'}."


DECIDED = {"approve": "Approved", "reject": "Rejected", "request_changes": "Asked for changes on"}
