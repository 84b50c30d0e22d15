"""Portal pages of core: the home page, the record pages (account, contact, opportunity), converting a lead and
notification choices. The lists are `apps/core/record_lists.py`, served by `apps/core/list_views.py`."""

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from apps.core import selectors
from apps.core import selectors_records as records
from apps.core.exceptions import ActionForbidden, ApplicationError
from apps.core.forms import LeadConvertForm, NotificationPreferencesForm, OpportunityStageForm, TimeZoneForm
from apps.core.models import Lead, LeadStage, Opportunity
from apps.core.panels import app_panels
from apps.core.permissions import workable_ids
from apps.core.services import leads as lead_services
from apps.core.services import notifications, people
from apps.core.services import opportunities as opportunity_services
from apps.core.timezones import default_time_zone, user_time_zone

# A converted lead's opportunity closes this far ahead unless the rep says otherwise.
CONVERT_CLOSE_IN = dt.timedelta(days=90)


def _render(request, template: str, context: dict, *, status: int = 200):
    """Render a page of core. Times are in the viewer's zone already (`UserTimeZoneMiddleware`), and the page
    names it through the `time_zone` context processor."""
    return render(request, template, context, status=status)


@login_required
def home(request):
    """One home page whose panels follow the user's role: own work, team, or the whole pipeline.

    An app adds panels of its own through its AppConfig's `home_panels(user)` (a list of (template, context)),
    so that core shows them without importing the app (`apps/core/panels.py`).
    """
    context = {**selectors.home_summary(user=request.user), "panels": app_panels("home_panels", request.user)}
    return _render(request, "core/home.html", context)


# --- record pages ------------------------------------------------------------------------------------------------


def _actions(request, *, leads=()) -> dict:
    """What the viewer may do on the rows a page lists, asked once for all rows (apps/core/permissions.py)."""
    user = request.user
    accepted = [lead for lead in leads if lead.stage == LeadStage.SAL]
    return {
        "convertible": workable_ids(user, accepted) if user.has_perm("core.may_work_leads") else set(),
        "may_change_customers": user.has_perm("core.may_change_customers") and user.is_staff,
    }


@login_required
def account_detail(request, account_id: int):
    """An account (everyone reads accounts): its details, contacts, the leads and opportunities the viewer sees."""
    context = records.account_page(user=request.user, account_id=account_id, tz=user_time_zone(request.user))
    return _render(
        request,
        "core/account_detail.html",
        {**context, **_actions(request, leads=context["leads"]), "company_currency": settings.COMPANY_CURRENCY},
    )


@login_required
def contact_detail(request, contact_id: int):
    """A contact: consent with its source and history, their leads, the opportunities of their account, and what
    other apps add (`contact_panels(user, contact)`: the campaigns they responded to)."""
    context = records.contact_page(user=request.user, contact_id=contact_id, tz=user_time_zone(request.user))
    return _render(
        request,
        "core/contact_detail.html",
        {
            **context,
            **_actions(request, leads=context["leads"]),
            "company_currency": settings.COMPANY_CURRENCY,
            "panels": app_panels("contact_panels", request.user, context["contact"]),
        },
    )


@login_required
def opportunity_detail(request, opportunity_id: int):
    """An opportunity the viewer may see (else a 404): amounts, stage, owner, close date, what other apps add
    (`opportunity_panels(user, opportunity)`: the deal desk requests on it), and its timeline."""
    opportunity = records.visible_opportunity(user=request.user, opportunity_id=opportunity_id)
    return _render_opportunity(request, opportunity)


def _render_opportunity(request, opportunity: Opportunity, *, stage_form=None, status: int = 200):
    may_move = not opportunity.is_closed and request.user.has_perm("core.may_change_opportunity", opportunity)
    context = records.opportunity_page(user=request.user, opportunity=opportunity, tz=user_time_zone(request.user))
    return _render(
        request,
        "core/opportunity_detail.html",
        {
            **context,
            "company_currency": settings.COMPANY_CURRENCY,
            "panels": app_panels("opportunity_panels", request.user, opportunity),
            "stage_form": (stage_form or OpportunityStageForm(initial={"stage": opportunity.stage}))
            if may_move
            else None,
        },
        status=status,
    )


@login_required
def opportunity_stage(request, opportunity_id: int):
    """Move an opportunity's stage: a GET shows the form, a refused POST shows it again here with the reason (200),
    a done one goes back to the opportunity's page. Marketing ops never move one: a 403 before the lookup, as in
    the API."""
    if not request.user.has_perm("core.may_write_opportunities"):
        raise PermissionDenied("Marketing ops read opportunities; they do not change them.")
    opportunity = records.visible_opportunity(user=request.user, opportunity_id=opportunity_id)
    if not request.user.has_perm("core.may_change_opportunity", opportunity):
        raise PermissionDenied("Only the owner, their managers and sales ops move this opportunity.")
    form = OpportunityStageForm(request.POST or None, initial={"stage": opportunity.stage})
    if request.method == "POST" and form.is_valid():
        try:
            moved = opportunity_services.opportunity_move(
                opportunity_id=opportunity.pk,
                stage=form.cleaned_data["stage"],
                lost_reason=form.cleaned_data["lost_reason"],
            )
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"“{moved.name}” is now at {moved.get_stage_display()}.")
            return redirect("opportunity_detail", opportunity_id=opportunity.pk)
    return _render(request, "core/opportunity_stage.html", {"opportunity": opportunity, "form": form})


# --- converting a lead -----------------------------------------------------------------------------------------------


@login_required
def lead_convert(request, lead_id: int):
    """Turn an accepted lead into an opportunity: a form pre-filled with a name, the account's currency and a close
    date 90 days ahead. A refused POST shows the form again at this address (200), so a reload never meets a 405."""
    lead = get_object_or_404(selectors.lead_list(user=request.user), pk=lead_id)
    if not request.user.has_perm("core.may_accept_lead", lead):
        raise PermissionDenied("Only the lead's owner, their managers and sales ops convert it.")
    if lead.stage != LeadStage.SAL:
        done = Opportunity.objects.filter(source_lead=lead).first()
        if done is not None:
            return redirect("opportunity_detail", opportunity_id=done.pk)
        messages.error(request, f"Only an accepted lead converts; this one is {lead.get_stage_display().lower()}.")
        return redirect("sales_ops:lead_detail", lead_id=lead.pk)
    form = LeadConvertForm(request.POST or None, initial=_convert_initial(lead))
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = lead_services.lead_convert(lead_id=lead.pk, actor=request.user, **form.cleaned_data)
        except ActionForbidden as error:
            raise PermissionDenied(error.message) from error
        except ApplicationError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, f"Converted lead #{lead.pk}: opportunity “{opportunity.name}” created.")
            return redirect("opportunity_detail", opportunity_id=opportunity.pk)
    return _render(request, "core/lead_convert.html", {"lead": lead, "form": form})


def _convert_initial(lead: Lead) -> dict:
    return {
        "name": f"{lead.account.name} — {lead.contact}",
        "amount": "",
        "currency": lead.account.revenue_currency or settings.COMPANY_CURRENCY,
        "close_date": timezone.localdate() + CONVERT_CLOSE_IN,
    }


# --- the person's own settings: time zone and notification choices ----------------------------------------------


@login_required
def notification_settings(request):
    """Your settings: the time zone you see times in, and how each kind of e-mail reaches you (immediately, in the
    daily digest, or off where the role allows). Saved, it redirects back here (post/redirect/get); refused, it
    shows the forms again at this address with the reason, and nothing is saved."""
    user, status = request.user, 200
    default_zone = default_time_zone(user).key
    if request.method == "POST":
        zone_form = TimeZoneForm(request.POST, default_zone=default_zone)
        form = NotificationPreferencesForm(request.POST)
        if zone_form.is_valid() and form.is_valid():
            try:
                people.user_settings_set(
                    user=user, time_zone=zone_form.cleaned_data["time_zone"], notification_choices=form.cleaned_data
                )
            except ApplicationError as error:
                target = zone_form if error.field == "time_zone" else form
                target.add_error(error.field if error.field in target.fields else None, error.message)
            else:
                messages.success(request, "Your settings are saved.")
                return redirect("notification_settings")
        status = 400
    else:
        zone_form = TimeZoneForm(initial={"time_zone": user.time_zone}, default_zone=default_zone)
        form = NotificationPreferencesForm(initial=notifications.notification_preferences(user=user))
    rows = [
        {
            "field": form[kind],
            "allowed": notifications.notification_deliveries(user=user, kind=kind),
            "why": notifications.MANDATORY_WHY.get(kind, ""),
        }
        for kind in form.fields
    ]
    context = {"form": form, "zone_form": zone_form, "rows": rows}
    return _render(request, "core/notifications.html", context, status=status)
