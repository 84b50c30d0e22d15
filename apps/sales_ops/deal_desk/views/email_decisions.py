"""The approve/reject link of an approver's e-mail: a confirmation page, then the decision."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect

from apps.core.exceptions import ApplicationError
from apps.sales_ops.deal_desk import services
from apps.sales_ops.deal_desk.forms import (
    DealLinkDecisionForm,
)
from apps.sales_ops.deal_desk.views.common import DECIDED, _render


@login_required
def deal_email_decide(request, token: str):
    """The page an approver's e-mail link opens, signed in as the link's user (sign in first, then come back).

    GET shows the request and the form and writes nothing; the POST decides through the link's service. A link
    refused (forged, expired, used, someone else's, or the request moved on) is a page saying why, with the
    refusal's status.
    """
    try:
        link = services.deal_link_check(token=token, user=request.user)
    except ApplicationError as error:
        return _link_refused(request, error)
    deal, status = link.step.request, 200
    if request.method == "POST":
        form = DealLinkDecisionForm(request.POST)
        if form.is_valid():
            outcome = form.cleaned_data["outcome"]
            try:
                services.deal_link_decide(
                    token=token, actor=request.user, outcome=outcome, comment=form.cleaned_data["comment"]
                )
            except ApplicationError as error:
                if error.field not in form.fields:
                    return _link_refused(request, error)
                form.add_service_error(error)
            else:
                messages.success(request, f"{DECIDED[outcome]} deal request #{deal.pk} ({deal.opportunity.name}).")
                return redirect("sales_ops:deal_detail", request_id=deal.pk)
        status = 400
    else:
        asked = request.GET.get("outcome")
        form = DealLinkDecisionForm(initial={"outcome": asked} if asked in ("approve", "reject") else {})
    return _render(
        request, "sales_ops/deals/email_decide.html", {"deal": deal, "step": link.step, "form": form}, status=status
    )


def _link_refused(request, error: ApplicationError):
    return _render(
        request,
        "sales_ops/deals/link_refused.html",
        {"reason": error.message, "code": error.code},
        status=error.status_code,
    )
