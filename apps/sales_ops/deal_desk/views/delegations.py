"""Delegations: who decides for an approver while they are away."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.exceptions import ApplicationError
from apps.core.models import User
from apps.sales_ops.deal_desk import selectors, services
from apps.sales_ops.deal_desk.forms import (
    DelegationForm,
)
from apps.sales_ops.deal_desk.views.common import _refused, _render


@login_required
def deal_delegations(request):
    """The user's delegations (who decides for them while they are away), and a form to add one."""
    delegates = User.objects.filter(is_active=True).exclude(pk=request.user.pk).order_by("first_name", "last_name")
    form = DelegationForm(request.POST or None, delegates=delegates)
    if request.method == "POST" and form.is_valid():
        try:
            delegation = services.deal_delegation_create(approver=request.user, **form.cleaned_data)
        except ApplicationError as error:
            form.add_service_error(error)
        else:
            messages.success(
                request,
                f"{delegation.delegate} decides for you from {delegation.starts_on:%-d %b %Y} "
                f"to {delegation.ends_on:%-d %b %Y}.",
            )
            return redirect("sales_ops:deal_delegations")
    return _render(
        request,
        "sales_ops/deals/delegations.html",
        {
            "form": form,
            "given": selectors.delegations_given(request.user),
            "held": selectors.delegations_held(request.user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def deal_delegation_end(request, delegation_id: int):
    try:
        services.deal_delegation_end(delegation_id=delegation_id, actor=request.user)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, "Delegation ended: requests come to you again.")
    return redirect("sales_ops:deal_delegations")
