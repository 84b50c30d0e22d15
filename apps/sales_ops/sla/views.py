"""Portal pages of sales ops: My leads, the lead page, the team's SLA view and SLA compliance."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from apps.core.charts import bar_chart
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.live import fragment
from apps.core.models import Lead, LeadStage, User
from apps.core.pages import form_action
from apps.core.permissions import scope_of
from apps.core.selectors import lead_list
from apps.core.services import leads as lead_services
from apps.sales_ops.models import SlaClock
from apps.sales_ops.sla import selectors as selectors
from apps.sales_ops.sla import services as services
from apps.sales_ops.sla.forms import ClockPauseForm, ComplianceFilterForm, LeadRejectForm

LEADS_PER_PAGE = 50


def _scope(user: User) -> str:
    return scope_of(user)


def _visible_lead(request, lead_id: int) -> Lead:
    """The lead if the user may see it; another person's lead is a 404, as in the API."""
    return get_object_or_404(lead_list(user=request.user), pk=lead_id)


def _back(request, lead: Lead):
    """Where the form came from (a page of ours), else the lead's page."""
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return redirect(target)
    return redirect("sales_ops:lead_detail", lead_id=lead.pk)


def _attempt(request, move, success) -> None:
    """Make a service move; a refusal becomes an error message, success the message `success(result)`."""
    try:
        result = move()
    except ActionForbidden as error:  # a missing permission is a 403 on the pages too, as in the API
        raise PermissionDenied(error.message) from error
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success(result))


# --- My leads and the lead page ---------------------------------------------------------------------


@login_required
def my_leads(request):
    """The handed-off and accepted leads in the user's scope, most urgent first, with their moves."""
    stage = request.GET.get("stage", "")
    stage = stage if stage in selectors.OPEN_LEAD_STAGES else ""
    leads = selectors.my_leads(user=request.user, stage=stage or None)
    page = Paginator(leads, LEADS_PER_PAGE).get_page(request.GET.get("page"))
    scope = _scope(request.user)
    rows = selectors.my_lead_rows(page.object_list, now=timezone.now())
    shown = urlencode({"lead": [row.lead.pk for row in rows]}, doseq=True)
    return render(
        request,
        "sales_ops/my_leads.html",
        {
            "page": page,
            "rows": rows,
            # What the page's SLA cells ask for every minute (htmx): theirs again, fresh.
            "countdowns_url": f"{reverse('sales_ops:my_leads_countdowns')}?{shown}",
            "scope": scope,
            "show_owner": scope != "mine",
            "stage": stage,
            "stages": [("", "All"), (LeadStage.SQL, "Handed off"), (LeadStage.SAL, "Accepted")],
            # Every row's Reject box is the same unbound field: rendered once, not once per row (a widget render
            # through its templates cost a fifth of the page at fifty rows).
            "reject_reason": LeadRejectForm(auto_id=False)["reason"].as_widget(),
            "may_work": request.user.has_perm("core.may_work_leads"),
        },
    )


@fragment(lambda request: reverse("sales_ops:my_leads"), polled=True)
def my_leads_countdowns(request):
    """The SLA cells of the leads an open My leads page shows (`lead`, repeated), fresh: each swapped into its row by
    id (htmx out-of-band), so that a lead accepted, paused or breached since the page loaded shows it within a
    minute. sales.js ticks the time left down between two refreshes. A lead the user may no longer see is left out.
    """
    ids = request.GET.getlist("lead")
    if (
        not ids
        or len(ids) > LEADS_PER_PAGE
        or not all(pk.isascii() and pk.isdigit() and 0 < int(pk) < 2**63 for pk in ids)
    ):
        return HttpResponseBadRequest(f"lead: name 1 to {LEADS_PER_PAGE} leads by their number.")
    leads = lead_list(user=request.user).filter(pk__in=ids).order_by("pk")
    rows = selectors.my_lead_rows(leads, now=timezone.now())
    return render(request, "sales_ops/_lead_sla_cells.html", {"rows": rows})


@login_required
def lead_detail(request, lead_id: int):
    return _render_lead(request, _visible_lead(request, lead_id))


def _render_lead(request, lead: Lead, *, reject_form: LeadRejectForm | None = None, status: int = 200):
    now = timezone.now()
    clock_rows = selectors.lead_clock_rows(user=request.user, lead=lead, now=now)
    may_work = request.user.has_perm("core.may_accept_lead", lead)
    pause_forms = {
        row.clock.pk: ClockPauseForm(reasons=row.clock.policy.pause_reasons, prefix=f"clock{row.clock.pk}")
        for row in clock_rows
        if may_work and row.clock.is_open and row.clock.policy.pause_reasons
    }
    return render(
        request,
        "sales_ops/lead_detail.html",
        {
            "lead": lead,
            "territory": lead.account.territory,
            "clock_rows": [(row, pause_forms.get(row.clock.pk)) for row in clock_rows],
            "events": selectors.lead_sla_events(lead=lead),
            "reject_form": reject_form or LeadRejectForm(),
            "may_work": may_work,
        },
        status=status,
    )


@login_required
@require_POST
def lead_accept(request, lead_id: int):
    lead = _visible_lead(request, lead_id)
    _attempt(
        request,
        lambda: lead_services.lead_accept(lead_id=lead.pk, actor=request.user),
        lambda _: f"Accepted lead #{lead.pk} ({lead.contact}, {lead.account.name}).",
    )
    return _back(request, lead)


@login_required
@form_action("sales_ops:lead_detail")
def lead_reject(request, lead_id: int):
    """Back to marketing with a reason; without one, the lead's page shows the form with its error."""
    lead = _visible_lead(request, lead_id)
    form = LeadRejectForm(request.POST)
    if form.is_valid():
        try:
            lead_services.lead_reject(lead_id=lead.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            if error.field != "reason":
                messages.error(request, error.message)
                return _back(request, lead)
            form.add_error("reason", error.message)
        else:
            messages.success(request, f"Rejected lead #{lead.pk} ({lead.contact}): it is back with marketing.")
            return _back(request, lead)
    return _render_lead(request, lead, reject_form=form, status=400)


def _visible_clock(request, clock_id: int) -> SlaClock:
    return get_object_or_404(selectors.clock_list(user=request.user), pk=clock_id)


@login_required
@require_POST
def clock_pause(request, clock_id: int):
    clock = _visible_clock(request, clock_id)
    form = ClockPauseForm(request.POST, reasons=clock.policy.pause_reasons, prefix=f"clock{clock.pk}")
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return _back(request, clock.lead)
    reason = form.cleaned_data["reason"]
    _attempt(
        request,
        lambda: services.sla_clock_pause(clock_id=clock.pk, reason=reason, actor=request.user),
        lambda _: f"Paused the SLA clock of lead #{clock.lead_id}: {reason}.",
    )
    return _back(request, clock.lead)


@login_required
@require_POST
def clock_resume(request, clock_id: int):
    clock = _visible_clock(request, clock_id)
    _attempt(
        request,
        lambda: services.sla_clock_resume(clock_id=clock.pk, actor=request.user),
        lambda _: f"Resumed the SLA clock of lead #{clock.lead_id}.",
    )
    return _back(request, clock.lead)


# --- the team's SLA view -----------------------------------------------------------------------------


@login_required
def team(request):
    """At-risk and breached leads of the manager's team (or of everyone, for ops), grouped by rep."""
    if not request.user.has_perm("sales_ops.may_view_sla_team"):
        raise PermissionDenied("The team view is for managers and ops.")
    rows = selectors.team_attention_rows(user=request.user, now=timezone.now())
    reps: dict[object, dict] = {}
    for row in rows:
        owner = row.clock.lead.owner
        group = reps.setdefault(owner.pk if owner else None, {"owner": owner, "rows": [], "at_risk": 0, "breached": 0})
        group["rows"].append(row)
        group["breached" if row.countdown.cue == "red" else "at_risk"] += 1
    return render(
        request,
        "sales_ops/team.html",
        {
            "reps": list(reps.values()),
            "scope": _scope(request.user),
            "at_risk": sum(group["at_risk"] for group in reps.values()),
            "breached": sum(group["breached"] for group in reps.values()),
        },
    )


# --- SLA compliance -----------------------------------------------------------------------------------


@login_required
def compliance(request):
    """% of hand-offs met by rep, team and week, and the time to accept: numbers and server-drawn bar charts."""
    if not request.user.has_perm("sales_ops.may_view_sla_compliance"):
        raise PermissionDenied("The SLA compliance report is for sales ops and marketing ops.")
    form = ComplianceFilterForm(request.GET or None)
    weeks = form.cleaned_data["weeks"] if form.is_valid() else ComplianceFilterForm.DEFAULT_WEEKS
    report = selectors.sla_compliance(since=timezone.now() - dt.timedelta(weeks=weeks))
    medians = [(line.label, line.median) for line in report["by_rep"] if line.median is not None]
    slowest = max((median for _label, median in medians), default=dt.timedelta(0))
    return render(
        request,
        "sales_ops/compliance.html",
        {
            "form": form if form.is_bound else ComplianceFilterForm(initial={"weeks": weeks}),
            "weeks": weeks,
            **report,
            "tables": [
                ("By rep", report["by_rep"], "rep"),
                ("By team", report["by_team"], "team"),
                ("By ISO week", report["by_week"], "week"),
            ],
            "charts": {
                "rep": _met_chart(report["by_rep"]),
                "team": _met_chart(report["by_team"]),
                "week": _met_chart(report["by_week"]),
                "accept": bar_chart(
                    [(label, median.total_seconds(), selectors.hours_minutes(median)) for label, median in medians],
                    slowest.total_seconds(),
                ),
            },
        },
    )


def _met_chart(lines: list[selectors.ComplianceLine]) -> dict:
    return bar_chart([(line.label, line.met_percent, f"{line.met_percent:.0f} %") for line in lines], 100)
