"""Read paths of the record pages (account, contact, opportunity): the record, its related rows and its timeline.

Every function runs a fixed number of queries whatever the number of contacts, leads, opportunities or history
rows: related rows are read once each, and the users a timeline names are read in one query.
"""

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from apps.core.exchange_rates import RateBook
from apps.core.models import Account, Contact, LeadTransition, Opportunity, User
from apps.core.models.customers import LeadStage
from apps.core.permissions import visible_leads, visible_opportunities

# How many timeline entries a page shows (the newest).
TIMELINE_LIMIT = 50

# The fields each record's timeline reports a change of (others, such as `updated_at`, are noise).
TIMELINE_FIELDS = {
    Account: ("name", "domain", "industry", "segment", "country", "owner", "territory"),
    Contact: (
        "email",
        "first_name",
        "last_name",
        "title",
        "account",
        "consent_status",
        "consent_source",
        "consent_at",
        "email_opt_out",
    ),
    Opportunity: ("name", "stage", "amount", "currency", "close_date", "owner", "account", "lost_reason"),
}
CONSENT_FIELDS = ("consent_status", "consent_source", "consent_at", "email_opt_out")


@dataclass(frozen=True)
class Change:
    """One field's change in words: its label, the value before and after (labels, never codes)."""

    label: str
    old: str
    new: str


@dataclass(frozen=True)
class TimelineEntry:
    """One moment in a record's life: when, who, what happened to which record, and the fields that changed."""

    at: dt.datetime
    actor: str
    what: str
    subject: str = ""
    url_name: str = ""
    url_id: int | None = None
    reason: str = ""
    changes: tuple[Change, ...] = field(default_factory=tuple)


# --- money ----------------------------------------------------------------------------------------------------


def with_company_amounts(opportunities: list[Opportunity], *, today: dt.date) -> list[Opportunity]:
    """Set `company_amount` (Decimal, or None without a rate) on each opportunity: open ones at today's rate, closed
    ones at the rate of their close date, as the coverage report converts them. One query at most."""
    if not opportunities:
        return opportunities
    days = [today if not o.is_closed else min(o.close_date, today) for o in opportunities]
    book = RateBook({o.currency for o in opportunities}, min(days), max(days))
    for opportunity, day in zip(opportunities, days, strict=True):
        rate = book.rate(opportunity.currency, day)
        opportunity.company_amount = None if rate is None else (opportunity.amount * rate).quantize(Decimal("0.01"))
        opportunity.rate_day = day
    return opportunities


def company_currency() -> str:
    return settings.COMPANY_CURRENCY


# --- the records ----------------------------------------------------------------------------------------------


def account_page(*, user: User, account_id: int, tz: zoneinfo.ZoneInfo) -> dict:
    """An account with its contacts, the leads and opportunities `user` may see on it, and its timeline."""
    account = get_object_or_404(Account.objects.select_related("owner", "territory"), pk=account_id)
    leads = list(visible_leads(user, account.leads.select_related("contact", "owner")).order_by("-stage_changed_at"))
    opportunities = list(
        visible_opportunities(user, account.opportunities.select_related("owner")).order_by("close_date", "pk")
    )
    timeline = _timeline(
        user=user,
        tz=tz,
        histories=[
            (Account, Account.history.filter(id=account.pk), None),
            (Opportunity, Opportunity.history.filter(id__in=[o.pk for o in opportunities]), "opportunity_detail"),
        ],
        transitions=LeadTransition.objects.filter(lead__in=[lead.pk for lead in leads]),
    )
    return {
        "account": account,
        "contacts": list(account.contacts.all()),
        "leads": leads,
        "opportunities": with_company_amounts(opportunities, today=timezone.localdate()),
        "timeline": timeline,
    }


def contact_page(*, user: User, contact_id: int, tz: zoneinfo.ZoneInfo) -> dict:
    """A contact with their consent and its history, their leads and the opportunities of their account."""
    contact = get_object_or_404(Contact.objects.select_related("account"), pk=contact_id)
    leads = list(visible_leads(user, contact.leads.select_related("owner")).order_by("-stage_changed_at"))
    opportunities = list(
        visible_opportunities(user, Opportunity.objects.filter(account_id=contact.account_id))
        .select_related("owner")
        .order_by("close_date", "pk")
    )
    history = list(
        Contact.history.filter(id=contact.pk).select_related("history_user").order_by("history_date", "history_id")
    )
    users = _users_named(Contact, history)
    consent = [
        entry
        for entry in _history_entries(Contact, history, users=users, tz=tz, url_name=None, only=CONSENT_FIELDS)
        if entry.changes
    ]
    consent.reverse()
    timeline = _timeline(
        user=user,
        tz=tz,
        histories=[(Contact, history, None)],
        transitions=LeadTransition.objects.filter(lead__in=[lead.pk for lead in leads]),
        users=users,
    )
    return {
        "contact": contact,
        "consent_history": consent,
        "leads": leads,
        "opportunities": with_company_amounts(opportunities, today=timezone.localdate()),
        "timeline": timeline,
    }


def visible_opportunity(*, user: User, opportunity_id: int) -> Opportunity:
    """The opportunity if `user` may see it, with what its page shows joined in; another's is a 404."""
    return get_object_or_404(
        visible_opportunities(user, Opportunity.objects.select_related("account", "owner", "source_lead__contact")),
        pk=opportunity_id,
    )


def opportunity_page(*, user: User, opportunity: Opportunity, tz: zoneinfo.ZoneInfo) -> dict:
    """An opportunity with its amount in the company currency and the timeline of its stages and changes."""
    with_company_amounts([opportunity], today=timezone.localdate())
    transitions = LeadTransition.objects.none()
    if opportunity.source_lead_id is not None:
        transitions = LeadTransition.objects.filter(lead_id=opportunity.source_lead_id, to_stage=LeadStage.OPPORTUNITY)
    return {
        "opportunity": opportunity,
        "timeline": _timeline(
            user=user,
            tz=tz,
            histories=[(Opportunity, Opportunity.history.filter(id=opportunity.pk), None)],
            transitions=transitions,
        ),
    }


# --- timelines --------------------------------------------------------------------------------------------------


def _timeline(*, user, tz, histories, transitions: QuerySet, users: dict | None = None) -> list[TimelineEntry]:
    """The newest TIMELINE_LIMIT entries of some records' histories and some leads' moves, newest first."""
    loaded = []
    for model, rows, url_name in histories:
        if isinstance(rows, QuerySet):
            rows = list(rows.select_related("history_user").order_by("id", "history_date", "history_id"))
        loaded.append((model, rows, url_name))
    names = dict(users or {})
    for model, rows, _url_name in loaded:
        names.update(_users_named(model, rows, known=names))
    entries = []
    for model, rows, url_name in loaded:
        entries += _history_entries(model, rows, users=names, tz=tz, url_name=url_name)
    for transition in transitions.select_related("actor", "lead__contact").order_by("at", "id"):
        from_label = LeadStage(transition.from_stage).label if transition.from_stage else ""
        entries.append(
            TimelineEntry(
                at=transition.at,
                actor=str(transition.actor) if transition.actor else "smops",
                what=_transition_what(transition.from_stage, transition.to_stage),
                subject=f"Lead #{transition.lead_id} · {transition.lead.contact}",
                url_name="sales_ops:lead_detail",
                url_id=transition.lead_id,
                reason=transition.reason,
                changes=(Change("Stage", from_label or "—", transition.get_to_stage_display()),),
            )
        )
    # newest first; of entries at one instant, the one recorded later first
    order = sorted(range(len(entries)), key=lambda i: (entries[i].at, i), reverse=True)
    return [entries[i] for i in order[:TIMELINE_LIMIT]]


def _transition_what(from_stage: str, to_stage: str) -> str:
    if not from_stage:
        return "Lead created"
    return "Converted to an opportunity" if to_stage == LeadStage.OPPORTUNITY else "Lead moved"


def _users_named(model, rows, known: dict | None = None) -> dict[int, str]:
    """The names of the users (and territories, accounts) a model's history rows refer to by id: one query each."""
    known = known or {}
    wanted: dict[type[Model], set[int]] = {}
    for name in TIMELINE_FIELDS[model]:
        field_ = model._meta.get_field(name)
        if field_.is_relation:
            ids = {getattr(row, field_.attname) for row in rows} - {None}
            wanted.setdefault(field_.related_model, set()).update(ids)
    found = {}
    for related, ids in wanted.items():
        ids -= set(known.get(related, {}))
        found[related] = {pk: str(obj) for pk, obj in related._default_manager.in_bulk(ids).items()} if ids else {}
        found[related].update(known.get(related, {}))
    return found


def _history_entries(model, rows, *, users, tz, url_name, only: tuple[str, ...] | None = None) -> list[TimelineEntry]:
    """Each history row as an entry naming the fields that changed since the row before it (of the same record)."""
    fields = [model._meta.get_field(name) for name in (only or TIMELINE_FIELDS[model])]
    entries, previous = [], {}
    noun = model._meta.verbose_name
    for row in rows:
        before = previous.get(row.id)
        previous[row.id] = row
        if row.history_type == "+":
            what, changes = f"{noun.capitalize()} created", ()
            if only:  # the consent history states what consent was recorded at creation
                changes = tuple(
                    Change(_label(f), "—", _shown(f, getattr(row, f.attname), users, tz))
                    for f in fields
                    if getattr(row, f.attname) not in (None, "", False)
                )
        elif row.history_type == "-":
            what, changes = f"{noun.capitalize()} deleted", ()
        else:
            changes = tuple(
                Change(
                    _label(f),
                    _shown(f, getattr(before, f.attname), users, tz),
                    _shown(f, getattr(row, f.attname), users, tz),
                )
                for f in fields
                if before is not None and getattr(before, f.attname) != getattr(row, f.attname)
            )
            if not changes:
                continue
            what = "Stage changed" if any(c.label == "Stage" for c in changes) else f"{noun.capitalize()} changed"
        entries.append(
            TimelineEntry(
                at=row.history_date,
                actor=str(row.history_user) if row.history_user else "smops",
                what=what,
                subject=str(getattr(row, "name", "")) if url_name else "",
                url_name=url_name or "",
                url_id=row.id if url_name else None,
                changes=changes,
            )
        )
    return entries


def _label(field_) -> str:
    return str(field_.verbose_name)[:1].upper() + str(field_.verbose_name)[1:]


def _shown(field_, value, users: dict, tz) -> str:
    """A stored value in words: a choice by its label, a user or account by name, a time in the viewer's zone."""
    if value in (None, ""):
        return "—"
    if field_.is_relation:
        return users.get(field_.related_model, {}).get(value, f"#{value}")
    if field_.choices:
        return str(dict(field_.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.astimezone(tz).strftime("%a %-d %b %Y, %H:%M %Z")
    if isinstance(value, dt.date):
        return value.strftime("%-d %b %Y")
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    return str(value)
