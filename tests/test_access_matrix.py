"""Who may do what, walked: every role × every API operation in the schema and every portal URL × own / team /
foreign / missing object, against the table below (the README's "Who may do what", written as data).

A route with no entry in ROUTES fails: a new endpoint needs a rule before it ships. Each request runs in a
savepoint that is rolled back, so what one role does never changes what the next one meets.

An answer is one of: "o" allowed (2xx, 3xx, or a 400/409 about the input or the record's state: past the gate),
"3" a 403, "4" a 404. Never a 500.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.core.factories import AccountFactory, ContactFactory, LeadFactory, OpportunityFactory, UserFactory
from apps.core.models import LeadStage, Role
from apps.core.services import leads
from apps.core.services.tokens import api_token_create
from apps.marketing_ops.budgets.factories import CampaignFactory, EnvelopeFactory
from apps.marketing_ops.budgets.models import SpendEntry
from apps.marketing_ops.content import samples as content_samples
from apps.marketing_ops.content.factories import published_asset
from apps.sales_ops.coverage.factories_routing import TerritoryMemberFactory, TerritoryRuleFactory
from apps.sales_ops.deal_desk import services as deal_desk
from apps.sales_ops.deal_desk.factories import ApprovalRuleFactory
from apps.sales_ops.models import ApprovalDelegation, Quota, SlaClock
from apps.sales_ops.sla.factories import SlaPolicyFactory

ROLES = ("rep", "manager", "sales_ops", "marketing_ops", "admin")
MISSING = 999_999_999

# The rules, per role in ROLES order. For a route with an object, three answers: the rep's team's record (the
# rep's own; the manager's team's; any record for ops), a foreign team's record, a missing one. Without an object,
# one answer.
RULES = {
    # no object
    "everyone": "o o o o o",
    "ops write": "3 3 o o o",
    "sales ops write": "3 3 o 3 o",
    "marketing ops": "3 3 3 o o",
    "deal writers": "o o o 3 o",  # reps, managers and sales ops (marketing ops never change opportunities)
    "rep": "o 3 3 3 o",
    "managers and ops": "3 o o o o",
    "sales ops and managers": "3 o o 3 o",
    "ops": "3 3 o o o",
    # with an object
    "read any": "oo4 oo4 oo4 oo4 oo4",
    "ops write any": "333 333 oo4 oo4 oo4",  # the role is asked before the record is looked up
    "sales ops write any": "333 333 oo4 333 oo4",
    "marketing ops any": "333 333 333 oo4 oo4",
    "read owned": "o44 o44 oo4 oo4 oo4",  # own, team's (a manager), everything (ops)
    "work owned": "o44 o44 oo4 334 oo4",  # the owner, their managers, sales ops
    "hand off": "344 344 oo4 oo4 oo4",  # marketing's moves on a lead: ops
    "change opportunity": "o44 o44 oo4 333 oo4",
    "deal read": "o44 o44 oo4 444 oo4",  # requester, their managers, sales ops (and approvers)
    "deal requester": "o44 344 334 444 334",  # only the rep who opened it
    "deal decide": "344 o44 334 444 334",  # the approvers of the current step (here: the requester's manager)
    "own delegation": "o44 444 444 444 444",  # only the approver who gave it
    "own token": "o44 444 oo4 444 oo4",  # its owner; sales ops and admins manage everyone's
    "route preview": "333 o44 oo4 oo4 oo4",  # ops and managers, for the leads they see; a rep never (403 first)
    # the content library (a live asset: everyone finds it; the record is looked up before the role is asked)
    "content sharers": "oo4 oo4 334 334 oo4",  # reps and managers, on their own opportunities
    "content editors": "334 334 334 oo4 oo4",  # its owner and marketing ops
    "content reviewers": "334 334 334 oo4 oo4",  # marketing ops and legal (legal is not a role of this walk)
    "content edit": "334 334 334 oo4 oo4",  # a live asset: everyone sees it; its owner and marketing ops change it
    "sharers": "o o 3 3 o",  # reps and managers record shares (admins hold every role)
}

API = "/api/v1/"
ROUTES = {
    # core API
    "GET /api/v1/accounts/": (None, "everyone"),
    "POST /api/v1/accounts/": (None, "ops write"),
    "GET /api/v1/accounts/{id}/": ("account", "read any"),
    "PUT /api/v1/accounts/{id}/": ("account", "ops write any"),
    "PATCH /api/v1/accounts/{id}/": ("account", "ops write any"),
    "GET /api/v1/contacts/": (None, "everyone"),
    "POST /api/v1/contacts/": (None, "ops write"),
    "GET /api/v1/contacts/{id}/": ("contact", "read any"),
    "PUT /api/v1/contacts/{id}/": ("contact", "ops write any"),
    "PATCH /api/v1/contacts/{id}/": ("contact", "ops write any"),
    "POST /api/v1/auth/token/": (None, "everyone"),
    "POST /api/v1/auth/logout/": (None, "everyone"),
    "GET /api/v1/auth/tokens/": (None, "everyone"),
    "DELETE /api/v1/auth/tokens/{key}/": ("token", "own token"),
    "GET /api/v1/leads/": (None, "everyone"),
    "POST /api/v1/leads/": (None, "ops write"),
    "GET /api/v1/leads/{id}/": ("lead", "read owned"),
    "POST /api/v1/leads/{id}/accept/": ("lead", "work owned"),
    "POST /api/v1/leads/{id}/convert/": ("lead", "work owned"),
    "POST /api/v1/leads/{id}/reject/": ("lead", "work owned"),
    "POST /api/v1/leads/{id}/recycle/": ("lead", "work owned"),
    "POST /api/v1/leads/{id}/disqualify/": ("lead", "work owned"),
    "POST /api/v1/leads/{id}/handoff/": ("lead", "hand off"),
    "POST /api/v1/leads/{id}/qualify/": ("lead", "hand off"),
    "GET /api/v1/opportunities/": (None, "everyone"),
    "POST /api/v1/opportunities/": (None, "deal writers"),
    "GET /api/v1/opportunities/{id}/": ("opportunity", "read owned"),
    "PUT /api/v1/opportunities/{id}/": ("opportunity", "change opportunity"),
    "PATCH /api/v1/opportunities/{id}/": ("opportunity", "change opportunity"),
    "POST /api/v1/opportunities/{id}/move/": ("opportunity", "change opportunity"),
    # SLA API
    "GET /api/v1/sla/clocks/": (None, "everyone"),
    "GET /api/v1/sla/clocks/{id}/": ("clock", "read owned"),
    "POST /api/v1/sla/clocks/{id}/pause/": ("clock", "work owned"),
    "POST /api/v1/sla/clocks/{id}/resume/": ("clock", "work owned"),
    "GET /api/v1/sla/policies/": (None, "everyone"),
    "POST /api/v1/sla/policies/": (None, "sales ops write"),
    "GET /api/v1/sla/policies/{id}/": ("policy", "read any"),
    "PUT /api/v1/sla/policies/{id}/": ("policy", "sales ops write any"),
    "PATCH /api/v1/sla/policies/{id}/": ("policy", "sales ops write any"),
    # deal desk API
    "GET /api/v1/deal-desk/requests/": (None, "everyone"),
    "POST /api/v1/deal-desk/requests/": (None, "everyone"),
    "POST /api/v1/deal-desk/requests/preview/": (None, "everyone"),
    "GET /api/v1/deal-desk/requests/{id}/": ("deal", "deal read"),
    "PATCH /api/v1/deal-desk/requests/{id}/": ("deal", "deal requester"),
    "POST /api/v1/deal-desk/requests/{id}/submit/": ("deal", "deal requester"),
    "POST /api/v1/deal-desk/requests/{id}/resubmit/": ("deal", "deal requester"),
    "POST /api/v1/deal-desk/requests/{id}/recall/": ("deal", "deal requester"),
    "POST /api/v1/deal-desk/requests/{id}/attachments/": ("deal", "deal requester"),
    "POST /api/v1/deal-desk/requests/{id}/approve/": ("deal", "deal decide"),
    "POST /api/v1/deal-desk/requests/{id}/reject/": ("deal", "deal decide"),
    "POST /api/v1/deal-desk/requests/{id}/request-changes/": ("deal", "deal decide"),
    "GET /api/v1/deal-desk/delegations/": (None, "everyone"),
    "POST /api/v1/deal-desk/delegations/": (None, "everyone"),
    "DELETE /api/v1/deal-desk/delegations/{id}/": ("delegation", "own delegation"),
    # campaign budgets API
    "GET /api/v1/campaigns/": (None, "everyone"),
    "POST /api/v1/campaigns/": (None, "marketing ops"),
    "GET /api/v1/campaigns/{id}/": ("campaign", "read any"),
    "PUT /api/v1/campaigns/{id}/": ("campaign", "marketing ops any"),
    "PATCH /api/v1/campaigns/{id}/": ("campaign", "marketing ops any"),
    "GET /api/v1/campaigns/{id}/budget/": ("campaign", "marketing ops any"),
    "POST /api/v1/campaigns/{id}/move/": ("campaign", "marketing ops any"),
    "POST /api/v1/campaigns/{id}/plan/": ("campaign", "marketing ops any"),
    "POST /api/v1/campaigns/{id}/transfer/": ("campaign", "marketing ops any"),
    "GET /api/v1/campaigns/{id}/roi/": ("campaign", "read any"),
    "GET /api/v1/budget-envelopes/": (None, "marketing ops"),
    "POST /api/v1/budget-envelopes/": (None, "marketing ops"),
    "GET /api/v1/budget-envelopes/{id}/": ("envelope", "marketing ops any"),
    "POST /api/v1/budget-envelopes/{id}/change/": ("envelope", "marketing ops any"),
    "POST /api/v1/budget-envelopes/{id}/transfer/": ("envelope", "marketing ops any"),
    "GET /api/v1/spend/": (None, "marketing ops"),
    "POST /api/v1/spend/": (None, "marketing ops"),
    "GET /api/v1/spend/{id}/": ("spend", "marketing ops any"),
    "GET /api/v1/coverage/": (None, "everyone"),  # each sees their own, their team's or every rep's figures
    "GET /api/v1/quotas/": (None, "everyone"),
    "POST /api/v1/quotas/": (None, "sales ops write"),
    "POST /api/v1/quotas/import/": (None, "sales ops write"),
    "GET /api/v1/quotas/{id}/": ("quota", "read owned"),
    "PATCH /api/v1/quotas/{id}/": ("quota", "sales ops write any"),
    # territories and lead routing API
    "GET /api/v1/territories/": (None, "everyone"),
    "POST /api/v1/territories/": (None, "sales ops write"),
    "GET /api/v1/territories/{id}/": ("territory", "read any"),
    "PUT /api/v1/territories/{id}/": ("territory", "sales ops write any"),
    "PATCH /api/v1/territories/{id}/": ("territory", "sales ops write any"),
    "GET /api/v1/territory-rules/": (None, "everyone"),
    "POST /api/v1/territory-rules/": (None, "sales ops write"),
    "DELETE /api/v1/territory-rules/{id}/": ("territory_rule", "sales ops write any"),
    "GET /api/v1/territory-members/": (None, "everyone"),
    "POST /api/v1/territory-members/": (None, "sales ops write"),
    "PATCH /api/v1/territory-members/{id}/": ("territory_member", "sales ops write any"),
    "DELETE /api/v1/territory-members/{id}/": ("territory_member", "sales ops write any"),
    "POST /api/v1/leads/{id}/route-preview/": ("lead", "route preview"),
    # content library API (the asset: a live customer deck owned by marketing ops, which every role may see)
    "GET /api/v1/content/assets/": (None, "everyone"),
    "POST /api/v1/content/assets/": (None, "marketing ops"),
    "GET /api/v1/content/assets/{id}/": ("asset", "read any"),
    "PATCH /api/v1/content/assets/{id}/": ("asset", "content edit"),
    "POST /api/v1/content/assets/{id}/versions/": ("asset", "content edit"),
    "GET /api/v1/content/assets/{id}/download/": ("asset", "read any"),
    "GET /api/v1/content/assets/{id}/preview/": ("asset", "read any"),
    "POST /api/v1/content/assets/{id}/submit/": ("asset", "content edit"),
    "POST /api/v1/content/assets/{id}/approve/": ("asset", "marketing ops any"),
    "POST /api/v1/content/assets/{id}/reject/": ("asset", "marketing ops any"),
    "POST /api/v1/content/assets/{id}/archive/": ("asset", "content edit"),
    "POST /api/v1/content/assets/{id}/reopen/": ("asset", "content edit"),
    "GET /api/v1/content/shares/": (None, "everyone"),
    "POST /api/v1/content/shares/": (None, "sharers"),
    "GET /api/v1/content/tags/": (None, "everyone"),
    # portal pages (GET) and forms (POST)
    "GET home": (None, "everyone"),
    "GET account_detail": ("account", "read any"),
    "GET contact_detail": ("contact", "read any"),
    "GET lead_list": (None, "everyone"),
    "GET account_list": (None, "everyone"),
    "GET contact_list": (None, "everyone"),
    "GET lead_convert": ("lead", "work owned"),
    "POST lead_convert": ("lead", "work owned"),
    "GET opportunity_list": (None, "everyone"),
    "GET opportunity_detail": ("opportunity", "read owned"),
    "GET opportunity_stage": ("opportunity", "change opportunity"),
    "POST opportunity_stage": ("opportunity", "change opportunity"),
    "GET login": (None, "everyone"),
    "POST logout": (None, "everyone"),
    "GET password_reset_confirm": (None, "everyone"),
    "GET password_reset_complete": (None, "everyone"),
    "GET notification_settings": (None, "everyone"),  # each person's own choices
    "POST notification_settings": (None, "everyone"),
    "GET sales_ops:my_leads": (None, "everyone"),
    "GET sales_ops:lead_detail": ("lead", "read owned"),
    "POST sales_ops:lead_accept": ("lead", "work owned"),
    "POST sales_ops:lead_reject": ("lead", "work owned"),
    "POST sales_ops:clock_pause": ("clock", "work owned"),
    "POST sales_ops:clock_resume": ("clock", "work owned"),
    "GET sales_ops:team": (None, "managers and ops"),
    "GET sales_ops:compliance": (None, "ops"),
    "GET sales_ops:deal_list": (None, "everyone"),
    "GET sales_ops:deal_create": (None, "everyone"),
    "POST sales_ops:deal_preview": (None, "everyone"),
    "GET sales_ops:deal_inbox": (None, "everyone"),
    "GET sales_ops:deal_reports": (None, "sales ops and managers"),
    "GET sales_ops:deal_delegations": (None, "everyone"),
    "POST sales_ops:deal_delegation_end": ("delegation", "own delegation"),
    "GET sales_ops:deal_detail": ("deal", "deal read"),
    "GET sales_ops:deal_edit": ("deal", "deal requester"),
    "POST sales_ops:deal_submit": ("deal", "deal requester"),
    "POST sales_ops:deal_resubmit": ("deal", "deal requester"),
    "POST sales_ops:deal_recall": ("deal", "deal requester"),
    "POST sales_ops:deal_attach": ("deal", "deal requester"),
    "POST sales_ops:deal_decide": ("deal", "deal decide"),
    # the e-mail's link is its own gate (signed, single-use, the signed-in user's own): walked here with a forged
    # token, which every role is refused as a 400 (tests/sales_ops/deal_desk/test_notifications.py for the rest)
    "GET sales_ops:deal_email_decide": (None, "everyone"),
    "POST sales_ops:deal_email_decide": (None, "everyone"),
    "GET sales_ops:deal_attachment": ("attachment", "deal read"),
    "GET sales_ops:coverage": (None, "everyone"),
    "GET sales_ops:coverage_export": (None, "everyone"),
    "GET sales_ops:coverage_source": (None, "ops"),
    "GET sales_ops:handoff": (None, "ops"),
    "GET sales_ops:handoff_preview": (None, "ops"),
    "POST sales_ops:handoff_preview": (None, "ops"),
    "GET marketing_ops:budget": (None, "marketing ops"),
    "GET marketing_ops:budget_csv": (None, "marketing ops"),
    "GET marketing_ops:roi": (None, "everyone"),
    "GET marketing_ops:campaign_list": (None, "marketing ops"),
    "GET marketing_ops:content_library": (None, "everyone"),
    "GET marketing_ops:content_create": (None, "marketing ops"),
    "GET marketing_ops:content_review_queue": (None, "marketing ops"),
    "GET marketing_ops:content_reports": (None, "managers and ops"),
    "GET marketing_ops:content_asset": ("asset", "read any"),
    "GET marketing_ops:content_thumbnail": ("asset", "read any"),
    "GET marketing_ops:content_preview": ("asset", "read any"),
    "GET marketing_ops:content_download": ("asset", "read any"),
    "POST marketing_ops:content_share": ("asset", "content sharers"),
    "POST marketing_ops:content_upload": ("asset", "content editors"),
    "POST marketing_ops:content_submit": ("asset", "content editors"),
    "POST marketing_ops:content_archive": ("asset", "content editors"),
    "POST marketing_ops:content_reopen": ("asset", "content editors"),
    "POST marketing_ops:content_decide": ("asset", "content reviewers"),
}

# What each write sends, so that its answer is about who asks, not about a missing field. A callable gets the
# object's id and the users.
REASON = {"reason": "Not a fit"}
BODIES = {
    "POST /api/v1/leads/{id}/handoff/": lambda pk, users: {"owner": users["rep"].pk},
    "POST /api/v1/leads/{id}/reject/": REASON,
    "POST /api/v1/leads/{id}/recycle/": REASON,
    "POST /api/v1/leads/{id}/disqualify/": REASON,
    "POST /api/v1/sla/clocks/{id}/pause/": {"reason": "Customer away"},
    "POST /api/v1/deal-desk/requests/{id}/reject/": {"comment": "Too deep"},
    "POST /api/v1/deal-desk/requests/{id}/request-changes/": {"comment": "Shorter term"},
    "POST /api/v1/deal-desk/requests/{id}/attachments/": lambda pk, users: {"file": _pdf()},
    "POST /api/v1/content/assets/{id}/versions/": lambda pk, users: {"file": _pdf()},
    "POST /api/v1/content/assets/{id}/reject/": {"comment": "Off brand"},
    "POST sales_ops:lead_reject": REASON,
    "POST sales_ops:clock_pause": lambda pk, users: {f"clock{pk}-reason": "Customer away"},
    "POST sales_ops:deal_attach": lambda pk, users: {"file": _pdf()},
    "POST sales_ops:deal_decide": lambda pk, users: {"outcome": "reject", "comment": "Too deep", "revision": 1},
}
MULTIPART = {"POST /api/v1/deal-desk/requests/{id}/attachments/", "POST /api/v1/content/assets/{id}/versions/"}


def _pdf():
    return SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")


PORTAL_URLCONFS = ("apps.core.urls", "apps.sales_ops.urls", "apps.marketing_ops.urls")


def api_operations() -> list[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return [(method.upper(), path) for path, operations in schema["paths"].items() for method in operations]


def portal_routes() -> list[tuple[str, str]]:
    """(name, route) of every URL of the portal apps, walked from the URL resolver."""
    found = []

    def walk(patterns, prefix, namespace):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                module = getattr(pattern.urlconf_module, "__name__", "")
                inner = pattern.namespace or namespace
                if module in PORTAL_URLCONFS or module.startswith("apps."):
                    walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                name = f"{namespace}:{pattern.name}" if namespace else pattern.name
                found.append((name, prefix + str(pattern.pattern)))

    for pattern in get_resolver().url_patterns:
        if isinstance(pattern, URLResolver) and getattr(pattern.urlconf_module, "__name__", "") in PORTAL_URLCONFS:
            walk(pattern.url_patterns, str(pattern.pattern), pattern.namespace)
    return found


def all_routes() -> list[str]:
    routes = [f"{method} {path}" for method, path in api_operations()]
    portal = {name: route for name, route in portal_routes()}
    for key in ROUTES:
        method, _, name = key.partition(" ")
        if not name.startswith("/") and name in portal:
            routes.append(key)
    # a portal URL without an entry is a route without a rule
    known = {key.partition(" ")[2] for key in ROUTES}
    routes += [f"? {name}" for name in portal if name not in known]
    return routes


PORTAL = dict(portal_routes())


def test_every_route_has_a_rule():
    missing = [route for route in all_routes() if route not in ROUTES]
    assert not missing, f"new endpoint without a rule (add it to ROUTES and the README): {missing}"


def test_every_rule_is_a_route():
    stale = set(ROUTES) - set(all_routes())
    assert not stale, f"rules for routes that no longer exist: {sorted(stale)}"


@pytest.fixture
def world(db, settings, tmp_path):
    """Two teams (manager → rep; boss → stranger), sales ops, marketing ops, an admin; a record of each kind owned
    by the rep's team and one by the stranger's."""
    manager = UserFactory(username="m-manager", roles=[Role.MANAGER])
    rep = UserFactory(username="m-rep", roles=[Role.REP], manager=manager)
    boss = UserFactory(username="m-boss", roles=[Role.MANAGER])
    stranger = UserFactory(username="m-stranger", roles=[Role.REP], manager=boss)
    users = {
        "rep": rep,
        "manager": manager,
        "sales_ops": UserFactory(username="m-sops", roles=[Role.SALES_OPS], is_staff=True),
        "marketing_ops": UserFactory(username="m-mops", roles=[Role.MARKETING_OPS], is_staff=True),
        "admin": UserFactory(username="m-root", is_superuser=True, is_staff=True),
    }
    SlaPolicyFactory(pause_reasons=["Customer away"])
    ApprovalRuleFactory(name="Manager review", discount_over=Decimal(10))
    today = timezone.localdate()

    def records(owner):
        lead = leads.lead_handoff(
            lead_id=LeadFactory(stage=LeadStage.MQL).pk, owner=owner, actor=users["marketing_ops"]
        )
        opportunity = OpportunityFactory(owner=owner, currency="EUR")
        deal = deal_desk.deal_request_create(
            requester=owner,
            opportunity=OpportunityFactory(owner=owner, currency="EUR"),
            data={
                "list_amount": Decimal("100000.00"),
                "net_amount": Decimal("80000.00"),
                "term_months": 24,
                "payment_terms": "net_30",
                "justification": "A reference customer.",
            },
        )
        attachment = deal_desk.deal_attachment_add(
            request_id=deal.pk, actor=owner, upload=SimpleUploadedFile("quote.pdf", b"%PDF-1.4\n%%EOF\n")
        )
        deal = deal_desk.deal_request_submit(request_id=deal.pk, actor=owner)
        return {
            "lead": lead.pk,
            "clock": SlaClock.objects.get(lead=lead).pk,
            "opportunity": opportunity.pk,
            "deal": deal.pk,
            "attachment": attachment.pk,
            "token": api_token_create(user=owner)[0].token_key,
            "quota": Quota.objects.create(rep=owner, quarter="2026-Q3", amount=Decimal(1000)).pk,
            "delegation": ApprovalDelegation.objects.create(
                approver=owner, delegate=users["sales_ops"], starts_on=today, ends_on=today + dt.timedelta(days=3)
            ).pk,
        }

    campaign = CampaignFactory()
    territory_rule = TerritoryRuleFactory(country="DE")
    deck = published_asset(owner=users["marketing_ops"], title="Pricing deck")
    deck.current_version.preview.save("preview.png", ContentFile(content_samples.png()), save=True)
    shared = {
        "territory": territory_rule.territory_id,
        "territory_rule": territory_rule.pk,
        "territory_member": TerritoryMemberFactory(territory=territory_rule.territory).pk,
        "asset": deck.pk,
        "account": AccountFactory().pk,
        "contact": ContactFactory().pk,
        "policy": SlaPolicyFactory(name="Second").pk,
        "campaign": campaign.pk,
        "envelope": EnvelopeFactory(quarter="2026-Q3").pk,
        "spend": SpendEntry.objects.create(
            campaign=campaign,
            kind="committed",
            vendor="Ads Inc",
            spent_on=dt.date(2026, 4, 2),
            amount=Decimal("10.00"),
            currency="EUR",
            rate=Decimal(1),
            company_amount=Decimal("10.00"),
        ).pk,
    }
    return users, records(rep), records(stranger), shared


def _url(route: str, pk) -> str:
    method, _, target = route.partition(" ")
    if target.startswith("/"):
        return re.sub(r"\{\w+\}", str(pk), target)
    pattern = PORTAL[target]
    url = "/" + re.sub(r"<int:\w+>", str(pk), pattern)
    return re.sub(r"<\w+>", "x", url)


def _answer(response) -> str:
    assert response.status_code < 500, response.content[:500]
    if response.status_code == 403:
        return "3"
    if response.status_code == 404:
        return "4"
    return "o"


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_who_may_do_what(world, route):
    users, team_records, foreign_records, shared = world
    kind, rule = ROUTES[route]
    method = route.partition(" ")[0]
    expected, answers = RULES[rule].split(), []
    for role in ROLES:
        client = Client()
        client.force_login(users[role])
        if kind is None:
            targets = [None]
        elif kind in shared:
            targets = [shared[kind], shared[kind], MISSING]
        else:
            targets = [team_records[kind], foreign_records[kind], MISSING]
        answer = ""
        for pk in targets:
            body = BODIES.get(route, {})
            body = body(pk, users) if callable(body) else body
            send = getattr(client, method.lower())
            with transaction.atomic():
                if route.partition(" ")[2].startswith("/") and route not in MULTIPART:
                    response = send(_url(route, pk), body, content_type="application/json")
                else:
                    response = send(_url(route, pk), body)
                transaction.set_rollback(True)
            answer += _answer(response)
        answers.append(answer)
    assert answers == expected, f"{route} ({rule}): {dict(zip(ROLES, answers, strict=True))}"
