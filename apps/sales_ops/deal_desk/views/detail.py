"""A deal request's page and the moves made from it: submit, resubmit, recall, decide, attach."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_POST

from apps.core.exceptions import ApplicationError
from apps.core.pages import form_action
from apps.sales_ops.deal_desk import selectors, services
from apps.sales_ops.deal_desk.forms import (
    DealAttachmentForm,
    DealDecisionForm,
    DealRecallForm,
)
from apps.sales_ops.deal_desk.views.common import DECIDED, _back_to, _refused, _render, _submitted_message, _visible
from apps.sales_ops.models import DealApprovalStep, DealAttachment, DealRequest


@dataclass
class SlotRow:
    """An approver slot of a step with the decisions made for it."""

    label: str
    kind: str
    approved: bool
    candidates: list
    decisions: list = field(default_factory=list)


@dataclass
class StepRow:
    step: DealApprovalStep
    slots: list[SlotRow]
    unplaced: list = field(default_factory=list)


def _route_rows(steps: list[DealApprovalStep]) -> dict[int, list[StepRow]]:
    """The route by revision (newest first), each slot with the decisions of its candidates (prefetched)."""
    revisions: dict[int, list[StepRow]] = defaultdict(list)
    for step in steps:
        slots = [
            SlotRow(label=a.label, kind=a.kind, approved=a.approved, candidates=list(a.candidates.all()))
            for a in step.approvers.all()
        ]
        unplaced = []
        for decision in step.decisions.all():
            owners = [slot for slot in slots if any(c.pk == decision.approver_id for c in slot.candidates)]
            for slot in owners:
                slot.decisions.append(decision)
            if not owners:
                unplaced.append(decision)
        revisions[step.revision].append(StepRow(step=step, slots=slots, unplaced=unplaced))
    return dict(sorted(revisions.items(), reverse=True))


@login_required
def deal_detail(request, request_id: int):
    return _render_detail(request, _visible(request, request_id))


def _render_detail(request, deal: DealRequest, *, decision_form: DealDecisionForm | None = None, status: int = 200):
    revisions = _route_rows(selectors.deal_route(deal))
    current = revisions.pop(deal.revision, []) if deal.revision else []
    is_requester = deal.requester_id == request.user.pk
    may_decide = selectors.may_decide(user=request.user, request=deal)
    return _render(
        request,
        "sales_ops/deals/detail.html",
        {
            "deal": deal,
            "current_route": current,
            "earlier_routes": list(revisions.items()),
            "events": selectors.deal_timeline(deal),
            "attachments": list(deal.attachments.select_related("uploaded_by")),
            "is_requester": is_requester,
            "may_decide": may_decide,
            "decision_form": decision_form or DealDecisionForm(initial={"revision": deal.revision}),
            "recall_form": DealRecallForm(),
            "attachment_form": DealAttachmentForm(),
        },
        status=status,
    )


def _attempt(request, deal: DealRequest, move, success: str):
    try:
        move()
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, success)
    return _back_to(request, deal)


@login_required
@require_POST
def deal_submit(request, request_id: int):
    return _send_for_approval(request, request_id, services.deal_request_submit)


@login_required
@require_POST
def deal_resubmit(request, request_id: int):
    return _send_for_approval(request, request_id, services.deal_request_resubmit)


def _send_for_approval(request, request_id: int, send):
    deal = _visible(request, request_id)
    try:
        deal = send(request_id=deal.pk, actor=request.user)
    except ApplicationError as error:
        _refused(request, error)
    else:
        messages.success(request, _submitted_message(deal))
    return _back_to(request, deal)


@login_required
@require_POST
def deal_recall(request, request_id: int):
    deal = _visible(request, request_id)
    form = DealRecallForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _attempt(
        request,
        deal,
        lambda: services.deal_request_recall(request_id=deal.pk, actor=request.user, reason=reason),
        f"Recalled deal request #{deal.pk}: edit it and resubmit when ready.",
    )


@login_required
@form_action("sales_ops:deal_detail")
def deal_decide(request, request_id: int):
    """Approve, reject or ask for changes; a missing reason shows the page again with the error by the comment."""
    deal = _visible(request, request_id)
    form = DealDecisionForm(request.POST)
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            services.deal_request_decide(
                request_id=deal.pk,
                actor=request.user,
                outcome=outcome,
                comment=form.cleaned_data["comment"],
                revision=form.cleaned_data["revision"],
            )
        except ApplicationError as error:
            if error.field not in form.fields:
                _refused(request, error)
                return _back_to(request, deal)
            form.add_service_error(error)
        else:
            messages.success(request, f"{DECIDED[outcome]} deal request #{deal.pk} ({deal.opportunity.name}).")
            return _back_to(request, deal)
    return _render_detail(request, deal, decision_form=form, status=400)


@login_required
@require_POST
def deal_attach(request, request_id: int):
    deal = _visible(request, request_id)
    form = DealAttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, "Choose a file to attach.")
        return _back_to(request, deal)
    upload = form.cleaned_data["file"]
    return _attempt(
        request,
        deal,
        lambda: services.deal_attachment_add(request_id=deal.pk, actor=request.user, upload=upload),
        f"Attached {upload.name}.",
    )


@login_required
def deal_attachment(request, attachment_id: int):
    """A request's file, for those who may see the request (anyone else gets a 404)."""
    attachment = get_object_or_404(
        DealAttachment.objects.filter(request__in=selectors.deal_request_list(user=request.user).values("pk")),
        pk=attachment_id,
    )
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)
