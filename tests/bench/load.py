"""`make bench BENCH_ARGS="--only load"`: the journeys people make, measured through gunicorn under load.

Starts gunicorn (2 workers, the production settings: DEBUG off, secrets and hosts from the environment, throttles
and lockouts raised as an operator would for a trusted internal load) on the bench database, with the bench URL
conf so that each journey's floor (a bare view serving the same rows through `values()`) runs in the same server.
A separate process (tests/bench/load_driver.py, asyncio + httpx) drives it at 1, 10 and 50 users. What the journeys
write (leads accepted, deal requests) is made for the run and removed after it, so the bench data stays as it was.
"""

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.utils import timezone

from apps.core.models import Account, Lead, LeadStage, Opportunity, User
from apps.sales_ops.deal_desk.services import deal_request_recall
from apps.sales_ops.models import ApprovalRule, DealRequest, RuleApprover
from tests.bench import budget, content, fill
from tests.bench.measure import BenchError, first_and_deep_page

PASSWORD = "bench-load-" + "x" * 8  # bench users only, on the bench database
RULE = "bench load: the manager approves"
# The server's secret, made once per run: the deep page's cursor is signed here with the key gunicorn checks it by.
SERVER_SECRET = secrets.token_urlsafe(50)
WORKERS = 2
LEVELS = (1, 10, 50)
WARMUP_USERS = 2  # each journey is walked once by this many users, untimed, before it is measured
PACED_LEVELS = (10, 50)
THINK = (1.0, 3.0)  # seconds a paced user spends on each answer, at random: Locust's usual `between(1, 3)`


def run(
    *,
    iterations: int,
    levels: tuple[int, ...] = LEVELS,
    paced_levels: tuple[int, ...] = PACED_LEVELS,
    think: tuple[float, float] = THINK,
    only: list[str] | None = None,
) -> list[dict]:
    """Set up the people and pools, start gunicorn, drive it, clean up; the driver's results."""
    people = _people()
    needed = (sum(levels) + sum(paced_levels)) * iterations + WARMUP_USERS
    # Two journeys open a deal request on an opportunity of their own each time.
    leads, opportunities = _leads(people["rep"], needed), _opportunities(people["rep"], 2 * needed)
    rule = _rule()
    port = _free_port()
    server = _gunicorn(port)
    try:
        workers = _workers(server.pid)
        pages = first_and_deep_page(Lead.objects.count())
        plan = {
            "base": f"http://127.0.0.1:{port}",
            "levels": list(levels),
            "paced_levels": list(paced_levels),
            "think": list(think),
            "iterations": iterations,
            "warmup_users": WARMUP_USERS,
            "workers": workers,
            "users": {role: [user.username, PASSWORD] for role, user in people.items()},
            "journeys": only or journeys(()),
            "pools": {
                "leads": leads,
                "opportunities": opportunities,
                "api_pages": [page.ours for page in pages],
                "portal_pages": _portal_pages(depth=Lead.objects.count() // 2),
                "floor_pages": [page.floor for page in pages],
                "deal_terms": {
                    "list_amount": "100000.00",
                    "net_amount": "85000.00",
                    "currency": "USD",
                    "term_months": 12,
                    "payment_terms": "net_30",
                    "justification": "Load test.",
                },  # fmt: skip
                "quarter": budget.QUARTER,
                "content_query": content.QUERIES["specific"],
                # Fifty addresses of the bench's own leads (one lead each), not of the leads made for this run,
                # which share one contact: a search for one of those would list thousands.
                "emails": list(
                    Lead.objects.filter(pk__lt=min(leads)).order_by("-id").values_list("contact__email", flat=True)[:50]
                ),
            },
        }
        with tempfile.TemporaryDirectory() as folder:
            plan_file, result_file = Path(folder, "plan.json"), Path(folder, "result.json")
            plan_file.write_text(json.dumps(plan))
            driver = subprocess.run(
                [sys.executable, "-m", "tests.bench.load_driver", str(plan_file), str(result_file)], check=False
            )
            if driver.returncode:
                raise BenchError(f"the load driver failed ({driver.returncode}); gunicorn's log: {_log_tail(server)}")
            return json.loads(result_file.read_text())["results"]
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        _clean_up(leads, opportunities, rule, people["rep"])


def _portal_pages(*, depth: int) -> list[str]:
    """The portal's lead list (`/leads/`, newest move first): its first page, and the page after the row `depth`
    rows down, through the cursor the page's own Next link would carry."""
    from urllib.parse import quote

    from django.test import override_settings

    from apps.core.lists import cursor_for

    row = Lead.objects.order_by("-stage_changed_at", "-pk").values_list("stage_changed_at", "pk")[depth - 1]
    with override_settings(SECRET_KEY=SERVER_SECRET):
        cursor = cursor_for(list(row))
    return ["/leads/", f"/leads/?after={quote(cursor)}"]


def journeys(words: tuple[str, ...]) -> list[str]:
    """The journeys whose names contain one of `words` (any case), in the driver's order; all of them for none."""
    from tests.bench.load_driver import JOURNEYS

    return [name for name in JOURNEYS if not words or any(word.lower() in name.lower() for word in words)]


# --- people and pools ------------------------------------------------------------------------------------------------


def _people() -> dict[str, User]:
    """A rep with a manager (the approver), sales ops for the API and the admin, marketing ops for the budget, and
    the content bench's rep for the library's search."""
    rep = User.objects.filter(username__startswith="rep-", manager__isnull=False).order_by("pk").first()
    ops = User.objects.filter(username=fill.BENCH_USER).first()
    marketing = User.objects.filter(username=budget.USER).first()
    content_rep = User.objects.filter(username=content.REP).first()
    if not (rep and ops and marketing and content_rep):
        raise BenchError("the bench data lacks a rep, sales ops, marketing ops or content user; run with --refill")
    if not ops.is_staff:
        ops.is_staff = True
        ops.save(update_fields=["is_staff"])
    people = {"rep": rep, "approver": rep.manager, "ops": ops, "marketing": marketing, "content_rep": content_rep}
    for user in people.values():
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
    return people


def _leads(rep: User, count: int) -> list[int]:
    """`count` new leads handed off to the rep (sql), copied from the rep's own: the ones the journeys accept."""
    model = Lead.objects.filter(owner=rep).order_by("pk").values().first() or Lead.objects.values().first()
    now = timezone.now()
    model.update(id=None, owner_id=rep.pk, stage=LeadStage.SQL, stage_reason="", stage_changed_at=now)
    made = Lead.objects.bulk_create([Lead(**model) for _ in range(count)])
    return [lead.pk for lead in made]


def _opportunities(rep: User, count: int) -> list[int]:
    account = Account.objects.filter(owner=rep).order_by("pk").first() or Account.objects.order_by("pk").first()
    close = timezone.localdate() + timezone.timedelta(days=60)
    made = Opportunity.objects.bulk_create(
        Opportunity(
            name=f"bench load deal {i}", account=account, owner=rep, amount=Decimal(100_000), currency="USD",
            close_date=close,
        )
        for i in range(count)
    )  # fmt: skip
    return [opportunity.pk for opportunity in made]


def _rule() -> ApprovalRule:
    """One rule every request meets: the rep's manager approves, so that one approval decides the request."""
    ApprovalRule.objects.filter(name=RULE).delete()  # left by a run that was stopped before its clean-up
    rule = ApprovalRule.objects.create(name=RULE, step_order=0, discount_over=Decimal(0))
    RuleApprover.objects.create(rule=rule, kind=RuleApprover.Kind.MANAGER)
    return rule


def _clean_up(leads: list[int], opportunities: list[int], rule: ApprovalRule, rep: User) -> None:
    """The leads go (the lead bench counts them). The deal requests stay, as their audit trail is append-only
    (PROTECT), with their opportunities, but none is left waiting on the approver: the rep recalls those the
    draft-and-submit journey left under review, so that the deal desk bench finds the approver's inbox as it
    fills it."""
    Lead.objects.filter(pk__in=leads).delete()
    recall_waiting(rep, DealRequest.objects.filter(opportunity_id__in=opportunities))
    rule.delete()  # the bench users keep the load's password and sales ops its staff flag: both harmless


def recall_waiting(rep: User, requests) -> int:
    """Recall `rep`'s requests among `requests` that are under review (through the service); how many."""
    waiting = list(requests.filter(requester=rep, status=DealRequest.Status.SUBMITTED).values_list("pk", flat=True))
    for request_id in waiting:
        deal_request_recall(request_id=request_id, actor=rep, reason="The load run is over.")
    return len(waiting)


# --- gunicorn --------------------------------------------------------------------------------------------------------


def server_environment() -> dict[str, str]:
    """What an operator sets for production, with the limits raised for a trusted internal load."""
    db = settings.DATABASES["default"]
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.bench.load_settings",
        "DEBUG": "false",
        "SECRET_KEY": SERVER_SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DATABASE_URL": os.environ.get(
            "DATABASE_URL", f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
        ),
        # The README's production cache: throttle counts in Redis, not rows of the database cache.
        "CACHE_URL": os.environ.get("CACHE_URL", "redis://127.0.0.1:6379/1"),
        "API_THROTTLE_USER": "1000000/minute",
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_AUTH": "1000000/minute",
        "LOGIN_FAILURE_LIMIT": "1000",
        "LOG_LEVEL": "WARNING",
    }


def check_deploy() -> str:
    """`manage.py check --deploy` with the server's environment: what it still warns of."""
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        env=server_environment(),
        capture_output=True,
        text=True,
        check=False,
    )
    return (done.stdout + done.stderr).strip()


def _collect_static() -> None:
    """Production serves hashed static files from a manifest: collect them as a deployment does."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        env=server_environment(),
        check=True,
    )


def _gunicorn(port: int) -> subprocess.Popen:
    _collect_static()
    log = tempfile.NamedTemporaryFile(prefix="bench-gunicorn-", suffix=".log", delete=False)  # noqa: SIM115
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")), "smops.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", str(WORKERS), "--timeout", "120", "--log-level", "warning",
        ],
        env=server_environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    server.log_path = log.name
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn stopped ({server.returncode}): {_log_tail(server)}")
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0 and len(_children(server.pid)) >= WORKERS:
                return server
        time.sleep(0.2)
    server.kill()
    raise BenchError(f"gunicorn did not start in 60 s: {_log_tail(server)}")


def _workers(master: int) -> list[int]:
    return _children(master)


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return sorted(children)


def _log_tail(server) -> str:
    return Path(server.log_path).read_text()[-2000:]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the report ------------------------------------------------------------------------------------------------------


def report(results: list[dict], *, iterations: int, scale: float, print_table) -> None:
    print()
    print(
        f"Under load through gunicorn ({WORKERS} workers, DEBUG off, PostgreSQL {connection.pg_version // 10000}, "
        f"{os.cpu_count()} CPUs, load on the same machine); data at scale {scale:g} "
        f"({Lead.objects.count():,} leads); each user walks its journey {iterations}×."
    )
    floors = {(r["journey"], r["mode"], r["level"]): r for r in results if r["variant"] == "floor"}
    rows = []
    for r in results:
        if r["variant"] != "ours":
            continue
        floor = floors[(r["journey"], r["mode"], r["level"])]
        verdict = goal(r, floor)
        rows.append(
            (
                f"{r['journey']}, {r['mode']}, {r['level']} users",
                f"{r['rps']:.1f}",
                f"{r['p50']:.0f} / {r['p95']:.0f} / {r['p99']:.0f}",
                f"{r['errors']} of {r['requests']}",
                " / ".join(f"{mb:.0f}" for mb in r["peak_mb"]),
                f"{floor['rps']:.1f}",
                f"{floor['p95']:.0f}",
                f"{r['rps'] / floor['rps']:.2f}×",
                f"{r['p95'] / floor['p95']:.2f}×",
                verdict[0],
                "" if verdict[1] is None else ("PASS" if verdict[1] else "MISS"),
            )
        )
    print_table(
        ("journey, mode, users", "req/s", "p50/p95/p99 ms", "errors", "worker peak MB", "floor req/s", "floor p95",
         "req/s ratio", "p95 ratio", "goal", ""),
        rows,
    )  # fmt: skip
    print()
    print("flat out: each user sends its next request as soon as the last is answered (throughput).")
    if think := next((r["think"] for r in results if r["mode"] == "paced"), None):
        print(f"paced: each user reads every answer for {think[0]:g}–{think[1]:g} s first (what people wait for).")
    print("req/s ratio = ours / the floor's (1.00× is the floor's throughput); p95 ratio = ours / the floor's.")
    print("The floor: the same number of requests to a bare view serving the journey's rows through values().")
    print("worker peak MB: each gunicorn worker's VmHWM, reset before each journey and level.")


LEAD_API = "lead list API: first and deep page"
DEAL_SUBMISSIONS = "deal desk: draft and submit"  # two requests a walk: one submission
SUBMISSIONS_PER_SECOND = 30


def goal(r: dict, floor: dict) -> tuple[str, bool | None]:
    """Issue 14's goal for this row, and whether it is met (None: no goal for it). One user flat out and paced
    users wait for the work alone: p95 under 300 ms (1 and 10 users), under 1 s (50); the lead list API keeps
    70 % of the floor's throughput flat out at 10 and 50 users, and draft + submit 30 a second. No errors anywhere."""
    if r["mode"] == "paced" or r["level"] == 1:
        limit = 300 if r["level"] <= 10 else 1000
        return f"p95 < {limit} ms, 0 errors", r["errors"] == 0 and r["p95"] < limit
    if r["journey"] == LEAD_API:
        return "≥ 0.70× floor req/s, 0 errors", r["errors"] == 0 and r["rps"] >= 0.7 * floor["rps"]
    if r["journey"] == DEAL_SUBMISSIONS:
        rate = SUBMISSIONS_PER_SECOND
        return f"≥ {rate} submissions/s ({2 * rate} req/s), 0 errors", r["errors"] == 0 and r["rps"] >= 2 * rate
    return "0 errors", r["errors"] == 0
