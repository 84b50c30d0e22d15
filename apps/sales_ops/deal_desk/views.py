"""Deal desk pages: requests, the live route preview, the approver's inbox, delegations and the reports.

Each view is a thin caller: it checks the shape of what was posted, fetches the request through
`deal_request_list(user=...)` (so another person's request is a 404), calls a deal desk service or selector,
and renders or redirects. The services decide every business outcome; their refusals become form errors
(when they name a field of the form) or flash messages.
"""

import csv
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from apps.core.charts import bar_chart
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.models import User
from apps.core.models.customers import CLOSED_STAGES
from apps.core.permissions import may_request_deal, may_view_every_deal, scope_of
from apps.core.selectors import opportunity_list
from apps.core.stats import hours_minutes
from apps.sales_ops.deal_desk import selectors as selectors
from apps.sales_ops.deal_desk import services as services
from apps.sales_ops.deal_desk.forms import (
    DealAttachmentForm,
    DealDecisionForm,
    DealRecallForm,
    DealReportFilterForm,
    DealRequestForm,
    DelegationForm,
)
from apps.sales_ops.models import DealApprovalStep, DealAttachment, DealRequest

REQUESTS_PER_PAGE = 50
INBOX_PER_PAGE = 100
Status = DealRequest.Status


# --- shared helpers ------------------------------------------------------------------------------------------


def _visible(request, request_id: int) -> DealRequest:
    """The deal request if the user may see it; anyone else's is a 404, as in the API."""
    return get_object_or_404(selectors.deal_request_list(user=request.user), pk=request_id)


def _open_opportunities(user: User):
    """The opportunities a user may open a request on: their own, not yet closed."""
    return opportunity_list(user=user).filter(owner=user).exclude(stage__in=CLOSED_STAGES).order_by("name", "pk")


def _render(request, template: str, context: dict, *, status: int = 200):
    """Render a deal desk page (the nav's Approvals count comes from the `nav_counts` context processor)."""
    return render(request, template, context, status=status)


def _refused(request, error: ApplicationError) -> None:
    """A refusal the page cannot show next to a field: a 404 or 403 when that is what it means, else a message."""
    if error.code == "not_found":
        raise Http404(error.message)
    if isinstance(error, ActionForbidden):
        raise PermissionDenied(error.message)
    messages.error(request, error.message)


def _back_to(request, deal: DealRequest):
    """Where the action's form came from (a page of ours), else the request's page."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("sales_ops:deal_detail", request_id=deal.pk)


def _scope(user: User) -> str:
    return scope_of(user, everyone=may_view_every_deal)


# --- the list ------------------------------------------------------------------------------------------------

STATUS_TABS = [
    ("", "All"),
    (Status.DRAFT, "Drafts"),
    (Status.SUBMITTED, "Under review"),
    (Status.CHANGES_REQUESTED, "Changes requested"),
    (Status.APPROVED, "Approved"),
    (Status.REJECTED, "Rejected"),
    (Status.RECALLED, "Recalled"),
    (Status.EXPIRED, "Expired"),
]


@login_required
def deal_list(request):
    """The requests the user may see, newest first, filtered by status."""
    status = request.GET.get("status", "")
    status = status if status in Status.values else ""
    requests = selectors.deal_request_list(user=request.user)
    if status:
        requests = requests.filter(status=status)
    page = Paginator(requests, REQUESTS_PER_PAGE).get_page(request.GET.get("page"))
    return _render(
        request,
        "sales_ops/deals/list.html",
        {
            "page": page,
            "status": status,
            "tabs": STATUS_TABS,
            "scope": _scope(request.user),
            "may_request": may_request_deal(request.user),
        },
    )


# --- the request form and its live preview ----------------------------------------------------------------


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


def _submitted_message(deal: DealRequest) -> str:
    if deal.status == Status.APPROVED:
        return f"Submitted deal request #{deal.pk}: within policy, approved without a step."
    step = deal.active_step
    return f"Submitted deal request #{deal.pk}: waiting for {step.name if step else 'approval'}."


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


# --- the request's page and its actions --------------------------------------------------------------------


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


DECIDED = {"approve": "Approved", "reject": "Rejected", "request_changes": "Asked for changes on"}


@login_required
@require_POST
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


# --- the approver's inbox -------------------------------------------------------------------------------------


@login_required
def deal_inbox(request):
    """Requests waiting for the user's decision (or a colleague's who delegated to them), oldest first."""
    page = Paginator(selectors.deal_inbox(user=request.user), INBOX_PER_PAGE).get_page(request.GET.get("page"))
    return _render(request, "sales_ops/deals/inbox.html", {"page": page})


# --- delegations ----------------------------------------------------------------------------------------------


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


# --- reports --------------------------------------------------------------------------------------------------

EXPORTS = ("turnaround", "by_rep", "by_segment", "by_quarter")


@login_required
def deal_reports(request):
    """Turnaround per step, approval rate and average discounts, as charts and tables, each downloadable as CSV."""
    if not request.user.has_perm("sales_ops.may_view_deal_report"):
        raise PermissionDenied("The deal desk reports are for sales ops and managers.")
    form = DealReportFilterForm(request.GET or None)
    bounds = form.cleaned_data if form.is_bound and form.is_valid() else {}
    since, until = bounds.get("since"), bounds.get("until")
    report = selectors.deal_desk_report(user=request.user, since=since, until=until)
    export = request.GET.get("export")
    if export in EXPORTS:
        return _report_csv(report, export, since, until)
    discount_tables = [
        ("by_rep", "Average discount by rep", "Rep", report.by_rep),
        ("by_segment", "Average discount by segment", "Segment", report.by_segment),
        ("by_quarter", "Average discount by quarter", "Quarter", report.by_quarter),
    ]
    # Scaled to the slowest p90, and to at least an hour so that minutes do not draw as full bars.
    slowest = max((t.p90 for t in report.turnaround if t.p90 is not None), default=dt.timedelta(0))
    slowest = max(slowest, dt.timedelta(hours=1))
    return _render(
        request,
        "sales_ops/deals/reports.html",
        {
            "form": form if form.is_bound else DealReportFilterForm(),
            "report": report,
            "turnaround_rows": [(t, hours_minutes(t.median), hours_minutes(t.p90)) for t in report.turnaround],
            "query": request.GET.urlencode(),
            "turnaround_chart": bar_chart(
                [(t.name, t.median.total_seconds(), hours_minutes(t.median)) for t in report.turnaround],
                slowest.total_seconds(),
            ),
            "discount_tables": [
                (key, title, first, lines, _discount_chart(lines)) for key, title, first, lines in discount_tables
            ],
        },
        status=400 if form.errors else 200,
    )


def _discount_chart(lines) -> dict:
    top = max((float(line.average) for line in lines), default=0)
    return bar_chart([(line.label, float(line.average), f"{line.average} %") for line in lines], top)


def _hours(delta: dt.timedelta | None) -> str:
    return "" if delta is None else f"{delta.total_seconds() / 3600:.2f}"


def _report_csv(report: selectors.DealDeskReport, export: str, since, until) -> HttpResponse:
    period = f"{since or 'start'}_{until or 'today'}"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="deal-desk-{export.replace("_", "-")}-{period}.csv"'
    writer = csv.writer(response)
    if export == "turnaround":
        writer.writerow(["step", "decided", "median_hours", "p90_hours"])
        for line in report.turnaround:
            writer.writerow([line.name, line.count, _hours(line.median), _hours(line.p90)])
    else:
        first = export.removeprefix("by_")
        writer.writerow([first, "requests", "average_discount_percent"])
        for line in getattr(report, export):
            writer.writerow([line.label, line.requests, line.average])
    return response
