"""The deal desk on the bench database: routing against a 200-rule matrix, API submissions, the approver's inbox.

Everything runs in one transaction rolled back at the end, so the bench data stays as it was; the commit, and
the e-mail delivery queued after it, are therefore not timed (the outbox rows are).
"""

import datetime as dt
import random
import statistics
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.models import Account, Opportunity, Territory, User
from apps.core.models.customers import Segment
from apps.sales_ops.deal_desk.selectors import deal_inbox
from apps.sales_ops.models import ApprovalRule, DealFlag, DealRequest, PaymentTerms, RuleApprover
from tests.bench.load import recall_waiting
from tests.bench.measure import BenchError, signed_in_client

RULES = 200
SMALL_MATRIX = 10
INBOX_SMALL, INBOX_LARGE = 10, 200
REQUESTS_URL = "/api/v1/deal-desk/requests/"
INBOX_URL = "/sales/deals/inbox/"


@dataclass
class Result:
    submissions: int
    median_ms: dict[str, float] = field(default_factory=dict)
    queries: dict[str, int] = field(default_factory=dict)
    steps_per_request: float = 0.0

    @property
    def per_second(self) -> float:
        return 1000.0 / (self.median_ms["create"] + self.median_ms["submit"])


def measure(*, submissions: int, warmup: int, repeat: int) -> Result:
    result = Result(submissions=submissions)
    with _rolled_back():
        rep = User.objects.filter(username__startswith="rep-", manager__manager__isnull=False).order_by("pk").first()
        if rep is None:
            raise BenchError("the bench data has no rep with a manager and a second manager; run with --refill")
        _inbox(result, rep, warmup=warmup, repeat=repeat)
        ApprovalRule.objects.all().delete()  # the requests keep their routes: they are copied at submission
        client = signed_in_client(rep)
        # One rule every request meets, so that the 10-rule matrix routes as well and both counts take one path.
        everyone = ApprovalRule.objects.create(name="bench manager above 10 %", step_order=0, discount_over=10)
        RuleApprover.objects.create(rule=everyone, kind=RuleApprover.Kind.MANAGER)
        RuleApprover.objects.create(rule=everyone, kind=RuleApprover.Kind.GROUP, group=_finance())
        _matrix(SMALL_MATRIX - 1, seed=1)
        result.queries["submit, 10 rules"] = _submit_queries(client, rep)
        _matrix(RULES - SMALL_MATRIX, seed=2)
        result.queries["submit, 200 rules"] = _submit_queries(client, rep)
        create_ms, submit_ms, steps = [], [], []
        for i in range(warmup + submissions):
            opportunity = _opportunity(rep, i)
            started = time.perf_counter()
            created = _post(client, REQUESTS_URL, _terms(opportunity, i), 201)
            between = time.perf_counter()
            _post(client, f"{REQUESTS_URL}{created['id']}/submit/", {}, 200)
            ended = time.perf_counter()
            if i >= warmup:
                create_ms.append((between - started) * 1000)
                submit_ms.append((ended - between) * 1000)
                steps.append(DealRequest.objects.get(pk=created["id"]).steps.count())
        result.median_ms.update(create=statistics.median(create_ms), submit=statistics.median(submit_ms))
        result.steps_per_request = statistics.mean(steps)
    return result


@contextmanager
def _rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _matrix(count: int, *, seed: int) -> None:
    """`count` rules as a company would write them: per segment and territory, each on one kind of condition,
    asking some mix of managers, finance and a named VP. A request meets a handful of them."""
    rng = random.Random(seed)
    finance = _finance()
    vp = User.objects.get(username="vp")
    territories = list(Territory.objects.all())
    conditions = [
        lambda: {"discount_over": Decimal(rng.choice([10, 20, 30])), "discount_up_to": Decimal(rng.choice([40, 60]))},
        lambda: {"net_amount_over": Decimal(rng.randint(1, 20) * 10_000)},
        lambda: {"term_months_over": rng.choice([24, 36])},
        lambda: {"payment_terms": rng.sample(PaymentTerms.values[2:], 2)},
        lambda: {"flags": rng.sample(DealFlag.values, 1)},
    ]
    start = ApprovalRule.objects.count()
    for n in range(start, start + count):
        rule = ApprovalRule.objects.create(
            name=f"bench rule {n}",
            step_order=rng.randint(1, 50),
            mode=rng.choice(["all", "any"]),
            segments=[rng.choice(Segment.values)],
            **rng.choice(conditions)(),
        )
        rule.territories.add(rng.choice(territories))
        approvers = rng.sample(
            [
                RuleApprover(rule=rule, kind=RuleApprover.Kind.MANAGER),
                RuleApprover(rule=rule, kind=RuleApprover.Kind.SECOND_MANAGER),
                RuleApprover(rule=rule, kind=RuleApprover.Kind.GROUP, group=finance),
                RuleApprover(rule=rule, kind=RuleApprover.Kind.USER, user=vp),
            ],
            rng.randint(1, 3),
        )
        RuleApprover.objects.bulk_create(approvers)


def _finance() -> Group:
    finance, _ = Group.objects.get_or_create(name="bench-finance")
    for member in User.objects.filter(username__startswith="salesops").exclude(groups=finance):
        member.groups.add(finance)
    return finance


def _opportunity(rep: User, i: int) -> Opportunity:
    account = Account.objects.filter(owner=rep).order_by("pk")[i % 50 : i % 50 + 1].first()
    account = account or Account.objects.order_by("pk").first()
    return Opportunity.objects.create(
        name=f"bench deal {i}",
        account=account,
        owner=rep,
        amount=Decimal(100_000),
        currency="USD",
        close_date=timezone.localdate() + dt.timedelta(days=60),
    )


def _terms(opportunity: Opportunity, i: int) -> dict:
    rng = random.Random(i)
    return {
        "opportunity": opportunity.pk,
        "list_amount": "100000.00",
        "net_amount": f"{rng.randint(55, 99) * 1000}.00",
        "currency": "USD",
        "term_months": rng.choice([12, 24, 36, 48]),
        "payment_terms": rng.choice(PaymentTerms.values[:-1]),
        "justification": "Competitive deal; bench.",
        **{flag: rng.random() < 0.2 for flag in DealFlag.values},
    }


def _post(client: Client, url: str, data: dict, status: int) -> dict:
    response = client.post(url, data, content_type="application/json")
    if response.status_code != status:
        raise BenchError(f"POST {url} answered {response.status_code}: {response.content[:300]!r}")
    return response.json()


def _submit_queries(client: Client, rep: User) -> int:
    opportunity = _opportunity(rep, 10_000 + ApprovalRule.objects.count())
    created = _post(client, REQUESTS_URL, {**_terms(opportunity, 7), "net_amount": "60000.00"}, 201)
    with CaptureQueriesContext(connection) as queries:
        _post(client, f"{REQUESTS_URL}{created['id']}/submit/", {}, 200)
    return len(queries)


def _inbox(result: Result, rep: User, *, warmup: int, repeat: int) -> None:
    """The manager's inbox page with 10 and then 200 requests waiting on them: same queries, time ratio."""
    manager = rep.manager
    client = signed_in_client(manager)
    rep_client = signed_in_client(rep)
    # Requests an interrupted load run left under review would fill the inbox past the sizes measured: recalled
    # here, in the transaction rolled back at the end.
    recall_waiting(rep, DealRequest.objects.all())
    only_manager = ApprovalRule.objects.create(name="bench manager only", step_order=0, discount_over=Decimal(0))
    RuleApprover.objects.create(rule=only_manager, kind=RuleApprover.Kind.MANAGER)
    _matrix(RULES - 1, seed=3)
    for label, size in (("small", INBOX_SMALL), ("large", INBOX_LARGE)):
        i = 0
        while _inbox_size(manager) < size:
            opportunity = _opportunity(rep, 20_000 + i + size)
            created = _post(rep_client, REQUESTS_URL, _terms(opportunity, i), 201)
            _post(rep_client, f"{REQUESTS_URL}{created['id']}/submit/", {}, 200)
            i += 1
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX_URL)
        if response.status_code != 200:
            raise BenchError(f"GET {INBOX_URL} answered {response.status_code}")
        result.queries[f"inbox, {label}"] = len(queries)
        result.queries[f"inbox size, {label}"] = _inbox_size(manager)
        for _ in range(warmup):
            client.get(INBOX_URL)
        timings = []
        for _ in range(repeat):
            started = time.perf_counter()
            client.get(INBOX_URL)
            timings.append((time.perf_counter() - started) * 1000)
        result.median_ms[f"inbox, {label}"] = statistics.median(timings)


def _inbox_size(manager: User) -> int:
    return deal_inbox(user=manager).count()
