"""Demo data for the deal desk: its approval matrix, finance and legal approvers, and requests in each state."""

from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction

from apps.core.factories import AccountFactory, OpportunityFactory
from apps.core.models import Account, OpportunityStage, User
from apps.sales_ops.deal_desk import services as deal_desk
from apps.sales_ops.deal_desk.models import ApprovalRule, DealRequest, RuleApprover

APPROVERS = [
    # username, first, last, group
    ("finance", "Fiona", "Grant", "finance"),
    ("legal", "Leo", "Marsh", "legal"),
]
Kind = RuleApprover.Kind
MATRIX = [
    # name, conditions, mode, approvers (kind, username or group name)
    ("Manager review", {"step_order": 10, "discount_over": Decimal(10)}, "all", [(Kind.MANAGER, None)]),
    ("Second-line review", {"step_order": 20, "discount_over": Decimal(25)}, "all", [(Kind.SECOND_MANAGER, None)]),
    (
        "Enterprise deal review",
        {"step_order": 25, "segments": ["enterprise"], "net_amount_over": Decimal(270000)},
        "all",
        [(Kind.USER, "salesops")],
    ),
    (
        "Finance: payment terms",
        {"step_order": 30, "payment_terms": ["net_60", "net_90", "custom"]},
        "any",
        [(Kind.GROUP, "finance")],
    ),
    ("Finance: long contract", {"step_order": 31, "term_months_over": 36}, "any", [(Kind.GROUP, "finance")]),
    (
        "Legal review",
        {"step_order": 40, "flags": ["custom_legal_terms", "renewal_cap_out_of_policy"]},
        "any",
        [(Kind.GROUP, "legal")],
    ),
]
STANDARD = {"currency": "EUR", "payment_terms": "net_30", "billing_frequency": "annually", "term_months": 12}


def _approvers(password: str) -> None:
    """The finance and legal groups, each with a demo member who can sign in."""
    for username, first, last, group_name in APPROVERS:
        group, _ = Group.objects.get_or_create(name=group_name)
        user, _ = User.objects.get_or_create(username=username)
        user.first_name, user.last_name, user.email = first, last, f"{username}@example.com"
        user.set_password(password)
        user.save()
        user.groups.add(group)


def _matrix() -> None:
    """The approval matrix, by rule name: an existing rule (perhaps edited by sales ops) is left alone."""
    for name, conditions, mode, approvers in MATRIX:
        if ApprovalRule.objects.filter(name=name).exists():
            continue
        rule = ApprovalRule(name=name, mode=mode, **conditions)
        rule.full_clean()
        rule.save()
        for kind, who in approvers:
            RuleApprover.objects.create(
                rule=rule,
                kind=kind,
                user=User.objects.get(username=who) if kind == Kind.USER else None,
                group=Group.objects.get(name=who) if kind == Kind.GROUP else None,
            )


def _request(rep: User, what: str, **terms) -> DealRequest:
    """A request on a new opportunity at the rep's first demo account (one is made if they have none)."""
    account = Account.objects.filter(owner=rep).order_by("pk").first()
    if account is None:
        account = AccountFactory(owner=rep, territory=rep.territory, segment="mid_market")
    opportunity = OpportunityFactory(
        account=account, owner=rep, name=f"{account.name} — {what}", stage=OpportunityStage.NEGOTIATION, currency="EUR"
    )
    return deal_desk.deal_request_create(requester=rep, opportunity=opportunity, data={**STANDARD, **terms})


def _requests() -> None:
    """Requests in each state, made through the services so that their routes and timelines are real."""
    rep, rep2 = User.objects.get(username="rep"), User.objects.get(username="rep2")
    manager, vp, legal = (User.objects.get(username=name) for name in ("manager", "vp", "legal"))
    submit, decide = deal_desk.deal_request_submit, deal_desk.deal_request_decide

    _request(
        rep,
        "fleet add-on",
        list_amount=Decimal("48000"),
        net_amount=Decimal("42000"),
        justification="Add-on for 40 more vehicles; they ask for the same 12.5 % as the main contract.",
    )

    waiting = _request(
        rep,
        "platform renewal",
        list_amount=Decimal("180000"),
        net_amount=Decimal("147600"),
        term_months=24,
        payment_terms="net_60",
        justification="Renewal at risk: a competitor quoted 20 % less. Two years and net 60 keep them.",
    )
    submit(request_id=waiting.pk, actor=rep)

    approved = _request(
        rep2,
        "analytics pilot",
        list_amount=Decimal("36000"),
        net_amount=Decimal("30600"),
        justification="Pilot for the analytics team; 15 % for a reference call after go-live.",
    )
    submit(request_id=approved.pk, actor=rep2)
    decide(request_id=approved.pk, actor=manager, outcome="approve", comment="Fine for a pilot with a reference.")

    rejected = _request(
        rep,
        "warehouse suite",
        list_amount=Decimal("220000"),
        net_amount=Decimal("143000"),
        term_months=36,
        justification="End of quarter push: 35 % to close this month.",
    )
    submit(request_id=rejected.pk, actor=rep)
    decide(request_id=rejected.pk, actor=manager, outcome="approve", comment="Strategic logo, I support it.")
    decide(
        request_id=rejected.pk,
        actor=vp,
        outcome="reject",
        comment="35 % is below our floor price; come back with 25 % or a longer term.",
    )

    changes = _request(
        rep2,
        "EU data residency",
        list_amount=Decimal("90000"),
        net_amount=Decimal("79200"),
        custom_legal_terms=True,
        justification="Their legal team needs our DPA amended for EU-only processing.",
    )
    submit(request_id=changes.pk, actor=rep2)
    decide(request_id=changes.pk, actor=manager, outcome="approve", comment="OK on price.")
    decide(
        request_id=changes.pk,
        actor=legal,
        outcome="request_changes",
        comment="Attach their redline of the DPA so we can review the exact clauses.",
    )


@transaction.atomic
def deal_desk_demo_seed(*, password: str | None = None) -> str:
    """Idempotent: approvers and their passwords every run; the matrix by rule name; the requests only once."""
    if User.objects.filter(username__in=["rep", "rep2", "manager", "vp", "salesops"]).count() != 5:
        return "Deal desk demo: skipped (run the core demo first: it makes the people)."
    _approvers(password or settings.SMOPS_DEMO_PASSWORD)
    _matrix()
    # Once: any request by the demo reps means the demo ran (or someone has been trying the deal desk).
    if not DealRequest.objects.filter(requester__username__in=["rep", "rep2"]).exists():
        _requests()
    return f"Deal desk demo: {ApprovalRule.objects.count()} approval rules, {DealRequest.objects.count()} requests."
