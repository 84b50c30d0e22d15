"""The request form (new and edit) and its live route preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from apps.core.exceptions import ApplicationError
from apps.sales_ops.deal_desk import services
from apps.sales_ops.deal_desk.forms import (
    DealRequestForm,
)
from apps.sales_ops.deal_desk.views.common import (
    Status,
    _open_opportunities,
    _render,
    _submitted_message,
    _visible,
)
from apps.sales_ops.models import DealRequest


@login_required
def deal_create(request):
    """A new request on one of the user's open opportunities: saved as a draft, or saved and submitted."""
    opportunities = _open_opportunities(request.user).select_related("account")
    if request.method == "POST":
        form = DealRequestForm(request.POST, request.FILES, opportunities=opportunities)
        if form.is_valid():
            deal = _save_new(request, form)
            if deal is not None:
                return _after_save(request, deal, submit=request.POST.get("action") == "submit")
        status = 400
    else:
        wanted = request.GET.get("opportunity", "")
        chosen = opportunities.filter(pk=wanted).first() if wanted.isdigit() else None
        initial = {"currency": chosen.currency, "opportunity": chosen} if chosen else {}
        if chosen and chosen.amount:
            initial["list_amount"] = chosen.amount
        form = DealRequestForm(
            opportunities=opportunities,
            initial={"payment_terms": "net_30", "billing_frequency": "annually", "term_months": 12, **initial},
        )
        status = 200
    return _render(
        request,
        "sales_ops/deals/form.html",
        {"form": form, "deal": None, "has_opportunities": opportunities.exists()},
        status=status,
    )


def _save_new(request, form: DealRequestForm) -> DealRequest | None:
    """Create the draft and attach its file in one transaction: a refused file leaves no draft behind."""
    try:
        with transaction.atomic():
            deal = services.deal_request_create(
                requester=request.user, opportunity=form.cleaned_data["opportunity"], data=form.service_data()
            )
            if upload := form.cleaned_data.get("attachment"):
                services.deal_attachment_add(request_id=deal.pk, actor=request.user, upload=upload)
    except ApplicationError as error:
        form.add_service_error(error if error.field != "file" else _on_field(error, "attachment"))
        return None
    return deal


def _on_field(error: ApplicationError, name: str) -> ApplicationError:
    return ApplicationError(error.message, field=name, code=error.code)


def _after_save(request, deal: DealRequest, *, submit: bool):
    """Saved: submit it when asked (a refusal leaves the saved draft, with the reason), then show it."""
    if not submit:
        messages.success(request, f"Saved deal request #{deal.pk} as a draft.")
        return redirect("sales_ops:deal_detail", request_id=deal.pk)
    move = services.deal_request_submit if deal.status == Status.DRAFT else services.deal_request_resubmit
    try:
        deal = move(request_id=deal.pk, actor=request.user)
    except ApplicationError as error:
        messages.error(request, f"Saved, but not submitted: {error.message}")
        return redirect("sales_ops:deal_detail", request_id=deal.pk)
    messages.success(request, _submitted_message(deal))
    return redirect("sales_ops:deal_detail", request_id=deal.pk)


@login_required
def deal_edit(request, request_id: int):
    """Change a draft, or a request sent back for changes or recalled (the requester only), and (re)submit it."""
    deal = _visible(request, request_id)
    if deal.requester_id != request.user.pk:
        raise PermissionDenied("Only the rep who opened the request may edit it.")
    if not deal.is_editable:
        messages.error(request, f"A request that is {deal.get_status_display().lower()} cannot be edited.")
        return redirect("sales_ops:deal_detail", request_id=deal.pk)
    if request.method == "POST":
        form = DealRequestForm(request.POST, request.FILES)
        if form.is_valid() and _save_edit(request, deal, form):
            return _after_save(request, deal, submit=request.POST.get("action") == "submit")
        status = 400
    else:
        form = DealRequestForm(initial={name: getattr(deal, name) for name in services.EDITABLE_FIELDS})
        status = 200
    return _render(request, "sales_ops/deals/form.html", {"form": form, "deal": deal}, status=status)


def _save_edit(request, deal: DealRequest, form: DealRequestForm) -> bool:
    try:
        with transaction.atomic():
            services.deal_request_update(request_id=deal.pk, actor=request.user, data=form.service_data())
            if upload := form.cleaned_data.get("attachment"):
                services.deal_attachment_add(request_id=deal.pk, actor=request.user, upload=upload)
    except ApplicationError as error:
        if error.field is None and error.code == "not_found":
            raise Http404(error.message) from None
        form.add_service_error(error if error.field != "file" else _on_field(error, "attachment"))
        return False
    return True


@login_required
@require_POST
def deal_preview(request):
    """Who would have to approve the posted terms: the route's steps, approvers and problems, as JSON.

    Bad input is a 400 naming the field, so the form can say what to fix before the route can be shown.
    """
    form = DealRequestForm(request.POST, opportunities=_open_opportunities(request.user).select_related("account"))
    # The route never depends on the justification: do not make the rep write it before seeing who approves.
    form.fields["justification"].required = False
    if not form.is_valid():
        return _preview_refused({name: list(errors) for name, errors in form.errors.items()}, form)
    data = form.service_data()
    data["justification"] = data.get("justification") or "(preview)"
    try:
        plan = services.deal_route_preview(
            requester=request.user, opportunity=form.cleaned_data["opportunity"], data=data
        )
    except ApplicationError as error:
        detail = getattr(error, "detail", None) or {error.field or "__all__": [error.message]}
        return _preview_refused(detail, form)
    return JsonResponse(
        {
            "ok": True,
            "steps": [
                {
                    "position": position,
                    "name": step.name,
                    "mode": step.mode,
                    "mode_label": step.rule.get_mode_display(),
                    "approvers": [
                        {"kind": a.kind, "label": a.label, "candidates": [str(user) for user in a.candidates]}
                        for a in step.approvers
                    ],
                    "problems": step.problems,
                }
                for position, step in enumerate(plan, start=1)
            ],
            "problems": [problem for step in plan for problem in step.problems],
        }
    )


def _preview_refused(errors: dict[str, list[str]], form: DealRequestForm) -> JsonResponse:
    name, messages_ = next(iter(errors.items()))
    label = (form.fields[name].label or name.replace("_", " ").capitalize()) if name in form.fields else ""
    return JsonResponse(
        {
            "ok": False,
            "field": None if name == "__all__" else name,
            "label": label,
            "message": " ".join(messages_),
            "errors": errors,
        },
        status=400,
    )
