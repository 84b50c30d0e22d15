"""The load driver: virtual users on asyncio + httpx walking the journeys against a running gunicorn.

Run by tests/bench/load.py in a process of its own (`python -m tests.bench.load_driver plan.json result.json`), so
that the load it makes costs the server's CPU what a client would, and nothing of Django is imported here. It signs
in through the login form (CSRF token) once per role, then, per journey and level, starts `level` users that each
walk the journey `iterations` times, and writes every request's time and status, and the workers' peak memory.
"""

import asyncio
import json
import random
import re
import statistics
import sys
import time
from http.cookies import SimpleCookie

import httpx

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Session:
    """One signed-in person. Cookies are kept by hand: the production settings mark them Secure, and the harness
    speaks plain HTTP to gunicorn with `X-Forwarded-Proto: https`, as a TLS-terminating proxy would."""

    def __init__(self, client: httpx.AsyncClient, base: str):
        self.client, self.base, self.cookies = client, base, {}
        self.samples: list[tuple[float, bool]] | None = None
        self.think: tuple[float, float] | None = None  # a paced user reads each answer for this long (s), at random

    def _headers(self, extra=None) -> dict:
        headers = {
            "X-Forwarded-Proto": "https",
            "Referer": self.base.replace("http://", "https://") + "/",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        if "csrftoken" in self.cookies:
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        return {**headers, **(extra or {})}

    def _keep(self, response: httpx.Response) -> None:
        for header in response.headers.get_list("set-cookie"):
            cookie = SimpleCookie()
            cookie.load(header)
            for key, morsel in cookie.items():
                self.cookies[key] = morsel.value

    async def request(self, method: str, path: str, *, expect=(200,), **kwargs) -> httpx.Response:
        started = time.perf_counter()
        try:
            response = await self.client.request(method, self.base + path, headers=self._headers(), **kwargs)
            ok = response.status_code in expect
        except httpx.HTTPError:
            response, ok = None, False
        if self.samples is not None:
            self.samples.append((time.perf_counter() - started, ok))
        if response is not None:
            self._keep(response)
        if self.think:
            await asyncio.sleep(THINKING.uniform(*self.think))
        return response

    async def sign_in(self, username: str, password: str) -> None:
        page = await self.request("GET", "/login/")
        token = CSRF_INPUT.search(page.text).group(1)
        data = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        response = await self.request("POST", "/login/", data=data, expect=(302,))
        if response is None or response.status_code != 302:
            raise SystemExit(f"sign-in as {username} failed: {response and response.status_code}")

    def sharing(self, samples: list, think: tuple[float, float] | None = None) -> "Session":
        """The same person in another tab: the same cookies, its own samples and pace."""
        other = Session(self.client, self.base)
        other.cookies, other.samples, other.think = self.cookies, samples, think
        return other


THINKING = random.Random(20261203)  # the pauses of paced users: the same sequence every run


# --- the journeys: each takes the signed-in sessions by role and the plan's pools ---------------------------------


async def rep_leads(s: dict, pools: dict, floor: bool) -> None:
    if floor:
        for _ in range(3):
            await s["rep"].request("GET", "/bench/floor/my-leads/")
        return
    await s["rep"].request("GET", "/")
    await s["rep"].request("GET", "/sales/leads/")
    lead = pools["leads"].pop()
    await s["rep"].request(
        "POST", f"/sales/leads/{lead}/accept/", data={"csrfmiddlewaretoken": s["rep"].cookies["csrftoken"]},
        expect=(302,),
    )  # fmt: skip


async def lead_api(s: dict, pools: dict, floor: bool) -> None:
    for path in pools["floor_pages" if floor else "api_pages"]:
        await s["ops"].request("GET", path)


async def portal_leads(s: dict, pools: dict, floor: bool) -> None:
    for path in pools["floor_pages" if floor else "portal_pages"]:
        await s["ops"].request("GET", path)


async def _draft_and_submit(s: dict, pools: dict) -> int | None:
    """A rep opens a draft and submits it: the deal request's id, or None if the draft was refused."""
    terms = {**pools["deal_terms"], "opportunity": pools["opportunities"].pop()}
    created = await s["rep"].request("POST", "/api/v1/deal-desk/requests/", json=terms, expect=(201,))
    if created is None or created.status_code != 201:
        return None
    deal = created.json()["id"]
    await s["rep"].request("POST", f"/api/v1/deal-desk/requests/{deal}/submit/", json={})
    return deal


async def deal_desk(s: dict, pools: dict, floor: bool) -> None:
    if floor:
        for who in ("rep", "rep", "approver", "approver"):
            await s[who].request("GET", "/bench/floor/deals/")
        return
    deal = await _draft_and_submit(s, pools)
    if deal is None:
        return
    await s["approver"].request("GET", "/sales/deals/inbox/")
    await s["approver"].request("POST", f"/api/v1/deal-desk/requests/{deal}/approve/", json={"comment": "ok"})


async def deal_submissions(s: dict, pools: dict, floor: bool) -> None:
    """Issue 14's throughput goal on its own: draft + submit, two requests, nothing else."""
    if floor:
        for _ in range(2):
            await s["rep"].request("GET", "/bench/floor/deals/")
        return
    await _draft_and_submit(s, pools)


async def budget_page(s: dict, pools: dict, floor: bool) -> None:
    path = (
        f"/bench/floor/campaigns/?quarter={pools['quarter']}"
        if floor
        else f"/marketing/budget/?quarter={pools['quarter']}"
    )
    await s["marketing"].request("GET", path)


async def admin_search(s: dict, pools: dict, floor: bool) -> None:
    email = pools["emails"].pop(0)
    pools["emails"].append(email)  # each search another address, round the fifty
    path = f"/bench/floor/lead-search/?q={email}" if floor else f"/admin/core/lead/?q={email}"
    await s["ops"].request("GET", path)


async def content_search(s: dict, pools: dict, floor: bool) -> None:
    path = "/bench/floor/content-search/" if floor else "/marketing/content/"
    await s["content_rep"].request("GET", path, params={"q": pools["content_query"]})


JOURNEYS = {
    "rep: home, My leads, accept": rep_leads,
    "lead list API: first and deep page": lead_api,
    "lead list page: first and deep page": portal_leads,
    "deal desk: draft, submit, inbox, approve": deal_desk,
    "deal desk: draft and submit": deal_submissions,
    "budget page": budget_page,
    "admin lead search (one e-mail)": admin_search,
    "content search (two words)": content_search,
}


# --- memory -------------------------------------------------------------------------------------------------------


def _reset_peak(pids: list[int]) -> None:
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)
        except OSError:
            pass


def _peak_mb(pids: list[int]) -> list[float]:
    peaks = []
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                line = next(line for line in f if line.startswith("VmHWM:"))
            peaks.append(int(line.split()[1]) / 1024)
        except (OSError, StopIteration):
            peaks.append(float("nan"))
    return peaks


# --- the run --------------------------------------------------------------------------------------------------------


async def _level(name: str, sessions: dict, pools: dict, level: int, iterations: int, floor: bool, think) -> dict:
    """`level` users walking the journey `iterations` times each; with `think`, each pauses after every answer
    (and once before its first request, so that the users do not all start in the same instant)."""
    journey, samples = JOURNEYS[name], []

    async def user() -> None:
        mine = {role: session.sharing(samples, think) for role, session in sessions.items()}
        if think:  # paced users arrive spread over the longest pause, as a load tool ramps up, not all at once
            await asyncio.sleep(THINKING.uniform(0, think[1]))
        for _ in range(iterations):
            await journey(mine, pools, floor)

    started = time.perf_counter()
    await asyncio.gather(*(user() for _ in range(level)))
    wall = time.perf_counter() - started
    times = sorted(t for t, _ok in samples)
    q = statistics.quantiles(times, n=100, method="inclusive") if len(times) > 1 else times * 99
    return {
        "requests": len(samples),
        "errors": sum(not ok for _t, ok in samples),
        "rps": len(samples) / wall,
        "p50": q[49] * 1000,
        "p95": q[94] * 1000,
        "p99": q[98] * 1000,
    }


async def main(plan: dict) -> dict:
    most = max([*plan["levels"], *plan["paced_levels"]]) * 2
    limits = httpx.Limits(max_connections=most, max_keepalive_connections=most)
    async with httpx.AsyncClient(limits=limits, timeout=120, follow_redirects=False) as client:
        sessions = {}
        for role, (username, password) in plan["users"].items():
            sessions[role] = Session(client, plan["base"])
            await sessions[role].sign_in(username, password)
        # Flat out (each user sends its next request as soon as the last is answered): throughput against the
        # floor's. Paced (each user reads every answer for `think` seconds): what people wait for at that many users.
        runs = [("flat out", level, None) for level in plan["levels"]]
        runs += [("paced", level, tuple(plan["think"])) for level in plan["paced_levels"]]
        results = []
        for name in plan["journeys"]:
            # Untimed: a worker's first request to a view imports, compiles templates and fills caches, which a
            # server that has run for a while has long done. Two users, so that both workers most likely warm.
            for floor in (True, False):
                await _level(name, sessions, plan["pools"], plan["warmup_users"], 1, floor, None)
            for mode, level, think in runs:
                for variant in ("floor", "ours"):
                    _reset_peak(plan["workers"])
                    floor = variant == "floor"
                    figures = await _level(name, sessions, plan["pools"], level, plan["iterations"], floor, think)
                    figures.update(
                        journey=name,
                        mode=mode,
                        level=level,
                        variant=variant,
                        think=think,
                        peak_mb=_peak_mb(plan["workers"]),
                    )
                    results.append(figures)
                    print(f"  {name}, {mode}, {level} users, {variant}: {figures['rps']:.1f} req/s", file=sys.stderr)
        return {"results": results}


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        plan = json.load(f)
    with open(sys.argv[2], "w") as f:
        json.dump(asyncio.run(main(plan)), f)
