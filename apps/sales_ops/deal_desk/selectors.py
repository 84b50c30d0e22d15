"""Deal desk reads: who sees which requests, the approver's inbox, a request's route and timeline, the reports."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from apps.core.models import User
from apps.core.models.customers import Segment
from apps.core.permissions import deal_report_requesters, is_manager, may_view_every_deal, team_of
from apps.core.quarters import quarter_of
from apps.core.stats import percentile
from apps.core.timezones import site_today
from apps.sales_ops.models import (
    ApprovalDelegation,
    DealApprovalStep,
    DealApprover,
    DealDecision,
    DealEvent,
    DealRequest,
)

REQUEST_RELATED = ("opportunity__account", "requester", "active_step")


def delegators(user: User, *, on: dt.date | None = None) -> list[int]:
    """Ids of the approvers who delegate to `user` on the day `on` (today by default)."""
    on = on or site_today()  # delegations run by the company's calendar days, whoever looks
    return list(
        ApprovalDelegation.objects.filter(delegate=user, starts_on__lte=on, ends_on__gte=on).values_list(
            "approver_id", flat=True
        )
    )


def delegations_given(user: User) -> QuerySet[ApprovalDelegation]:
    """The delegations `user` made (who decides for them while away), with the delegate."""
    return ApprovalDelegation.objects.filter(approver=user).select_related("delegate")


def delegations_held(user: User) -> QuerySet[ApprovalDelegation]:
    """The delegations made to `user`, with the approver they decide for."""
    return ApprovalDelegation.objects.filter(delegate=user).select_related("approver")


def deal_request_list(*, user: User) -> QuerySet[DealRequest]:
    """The requests `user` may see: sales ops (and admins) all; a manager their team's; a rep their own; an approver (or
    their delegate today) every request that is or was in front of them."""
    requests = DealRequest.objects.select_related(*REQUEST_RELATED)
    if may_view_every_deal(user):  # the deal desk is sales ops' (marketing ops see what is put to them)
        return requests
    mine = Q(requester_id__in=team_of(user)) if is_manager(user) else Q(requester_id=user.pk)
    people = [user.pk, *delegators(user)]
    asked = DealApprover.candidates.through.objects.filter(
        dealapprover__step__request=OuterRef("pk"), user_id__in=people
    )
    decided = DealDecision.objects.filter(step__request=OuterRef("pk"), decided_by=user)
    return requests.filter(mine | Exists(asked) | Exists(decided))


def deal_requesters(*, user: User) -> QuerySet[User]:
    """The people whose requests `user` sees (the list's "Rep" filter offers them by name), by name."""
    requesters = deal_request_list(user=user).order_by().values("requester_id")
    return User.objects.filter(pk__in=requesters).order_by("first_name", "last_name", "username")


def deal_inbox(*, user: User) -> QuerySet[DealRequest]:
    """Requests waiting for `user` now: under review, at a step where they (or someone who delegated to them)
    are an approver who has not decided yet. Oldest waiting first. One query (its `.count()` is the nav's badge)."""
    today = site_today()
    # The delegators as a subquery rather than a list read first: the count stays one query on every page.
    delegating = ApprovalDelegation.objects.filter(delegate=user, starts_on__lte=today, ends_on__gte=today)
    waiting_on = DealApprover.candidates.through.objects.filter(
        Q(user_id=user.pk) | Q(user_id__in=delegating.values("approver_id")),
        dealapprover__step_id=OuterRef("active_step_id"),
    ).exclude(
        user_id__in=DealDecision.objects.filter(step_id=OuterRef(OuterRef("active_step_id"))).values("approver_id")
    )
    return (
        DealRequest.objects.filter(status=DealRequest.Status.SUBMITTED)
        .filter(Exists(waiting_on))
        .exclude(requester=user)
        .select_related(*REQUEST_RELATED)
        .order_by("active_step__activated_at", "pk")
    )


# What a step is shown with: its approvers and their candidates, and its decisions with who made them.
STEP_DETAIL = (
    Prefetch("approvers", queryset=DealApprover.objects.prefetch_related("candidates")),
    Prefetch("decisions", queryset=DealDecision.objects.select_related("approver", "decided_by")),
)


def deal_route(request: DealRequest) -> list[DealApprovalStep]:
    """Every step of every revision, newest revision first, each with approvers, candidates and decisions."""
    steps = DealApprovalStep.objects.filter(request=request).order_by("-revision", "position")
    return list(steps.select_related("carried_from").prefetch_related(*STEP_DETAIL))


def with_current_route(requests: QuerySet[DealRequest]) -> QuerySet[DealRequest]:
    """`requests`, each with its current revision's steps as `current_steps` (approvers, candidates and
    decisions included): five queries for a page of any size."""
    steps = DealApprovalStep.objects.filter(revision=F("request__revision")).order_by("position")
    return requests.prefetch_related(
        Prefetch("steps", queryset=steps.prefetch_related(*STEP_DETAIL), to_attr="current_steps")
    )


def deal_timeline(request: DealRequest) -> QuerySet[DealEvent]:
    return request.events.select_related("actor", "on_behalf_of", "step").order_by("at", "id")


def may_decide(*, user: User, request: DealRequest) -> bool:
    """Whether `user` has a decision to make on the request's current step (for showing the buttons)."""
    if request.status != DealRequest.Status.SUBMITTED or request.requester_id == user.pk:
        return False
    return deal_inbox(user=user).filter(pk=request.pk).exists()


# --- reports ----------------------------------------------------------------------------------------------------


@dataclass
class Turnaround:
    name: str
    durations: list[dt.timedelta]

    @property
    def count(self) -> int:
        return len(self.durations)

    @property
    def median(self) -> dt.timedelta | None:
        return percentile(self.durations, 50)

    @property
    def p90(self) -> dt.timedelta | None:
        return percentile(self.durations, 90)


@dataclass
class DiscountLine:
    key: str
    label: str
    requests: int
    total: Decimal

    @property
    def average(self) -> Decimal:
        return (self.total / self.requests).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass
class DealDeskReport:
    turnaround: list[Turnaround]
    decided: int
    approved: int
    by_rep: list[DiscountLine]
    by_segment: list[DiscountLine]
    by_quarter: list[DiscountLine]

    @property
    def approval_rate(self) -> Decimal | None:
        if not self.decided:
            return None
        return (Decimal(self.approved) * 100 / self.decided).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


DECIDED = (DealRequest.Status.APPROVED, DealRequest.Status.REJECTED, DealRequest.Status.EXPIRED)


def deal_desk_report(*, user: User, since: dt.date | None = None, until: dt.date | None = None) -> DealDeskReport:
    """Turnaround per step (median, p90), approval rate, and average discount by rep, segment and quarter.

    Over requests submitted in [since, until] by the people whose report `user` may read (everyone for sales
    ops, their team, transitively, for a manager). Turnaround counts the steps people decided (not approvals kept
    from an earlier revision); the approval rate is approved (including since expired) over decided; averages
    are over submitted requests, in percent. Three queries.
    """
    requests = DealRequest.objects.filter(submitted_at__isnull=False)
    requesters = deal_report_requesters(user)
    if requesters is not None:
        requests = requests.filter(requester_id__in=requesters)
    if since:
        requests = requests.filter(submitted_at__date__gte=since)
    if until:
        requests = requests.filter(submitted_at__date__lte=until)
    steps = DealApprovalStep.objects.filter(
        request__in=requests, completed_at__isnull=False, activated_at__isnull=False, carried_from__isnull=True
    ).values_list("name", "activated_at", "completed_at")
    by_step = defaultdict(list)
    for name, activated, completed in steps:
        by_step[name].append(completed - activated)
    rows = list(
        requests.values(
            "status",
            "discount_percent",
            "submitted_at",
            "requester_id",
            "requester__username",
            "requester__first_name",
            "requester__last_name",
            "opportunity__account__segment",
        )
    )
    segments = dict(Segment.choices)
    by_rep, by_segment, by_quarter = {}, {}, {}
    for row in rows:
        name = f"{row['requester__first_name']} {row['requester__last_name']}".strip() or row["requester__username"]
        submitted = timezone.localtime(row["submitted_at"])
        quarter = quarter_of(submitted.date())  # the fiscal quarter, as every report names it
        segment = row["opportunity__account__segment"]
        for lines, key, label in (
            (by_rep, row["requester_id"], name),
            (by_segment, segment, segments.get(segment, segment)),
            (by_quarter, quarter, quarter),
        ):
            line = lines.setdefault(key, DiscountLine(key=str(key), label=label, requests=0, total=Decimal(0)))
            line.requests += 1
            line.total += row["discount_percent"]
    return DealDeskReport(
        turnaround=[Turnaround(name, sorted(values)) for name, values in sorted(by_step.items())],
        decided=sum(row["status"] in DECIDED for row in rows),
        approved=sum(row["status"] in (DealRequest.Status.APPROVED, DealRequest.Status.EXPIRED) for row in rows),
        by_rep=sorted(by_rep.values(), key=lambda line: line.label.lower()),
        by_segment=sorted(by_segment.values(), key=lambda line: line.key),
        by_quarter=sorted(by_quarter.values(), key=lambda line: line.key),
    )
