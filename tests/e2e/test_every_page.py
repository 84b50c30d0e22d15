"""Every portal page, as each role, at phone and laptop width, in chromium: no sideways scrolling of the page, no
console error, no serious or critical accessibility violation (axe-core). Screenshots go to var/screenshots/.

The pages are found from the URL resolver, not listed here: a page added later is checked once it is merged. A
page is a route answering GET with HTML, outside the admin, the API, sign-in and file or CSV downloads; its path
ids are filled with demo records (the demo seed, made by the factories), preferring one the role may open.
"""

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from playwright.sync_api import expect

from apps.core.models import User

AXE = Path(__file__).resolve().parent / "assets" / "axe.min.js"
T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # a Monday
WIDTHS = (390, 1366)
# role -> demo login (apps/core/services/demo.py and the deal desk's demo approvers)
ROLES = {
    "rep": "rep",
    "manager": "manager",
    "sales_ops": "salesops",
    "marketing_ops": "marketingops",
    "legal": "legal",
    "admin": "admin",
}
# Not portal pages: the admin, the API and its docs, signing in and out, health checks.
SKIPPED_PREFIXES = ("admin/", "api/", "login/", "logout/", "password/", "healthz/")
# Downloads, exports and files: not pages a person reads in the browser.
SKIPPED_NAMES = re.compile(r"export|csv|download|attachment|file|\.(csv|json|pdf|xlsx)$")
# Pages reached only through a signed link from an e-mail (the deal desk's approve/reject confirmation): their path
# holds a token, not a record; tests/sales_ops/deal_desk/test_notifications.py covers them.
SKIPPED_PARAMS = {"token"}
# A path id whose name does not say its model (`<model>_id` does).
PARAM_MODELS = {
    "request_id": "sales_ops.DealRequest",
    "clock_id": "sales_ops.SlaClock",
    "delegation_id": "sales_ops.ApprovalDelegation",
}
SERIOUS = ("serious", "critical")


@dataclass(frozen=True)
class Route:
    name: str  # namespaced url name, e.g. "sales_ops:lead_detail"
    route: str  # the path pattern, e.g. "sales/leads/<int:lead_id>/"
    params: tuple[str, ...]


def portal_routes() -> list[Route]:
    """Every named route outside the admin, the API, sign-in and downloads, from the URL resolver."""
    found: list[Route] = []

    def walk(patterns, prefix: str, namespace: str):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                if not route.startswith(SKIPPED_PREFIXES):
                    walk(entry.url_patterns, route, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                if route.startswith(SKIPPED_PREFIXES) or SKIPPED_NAMES.search(entry.name + " " + route):
                    continue
                params = tuple(re.findall(r"<(?:\w+:)?(\w+)>", route))
                if SKIPPED_PARAMS.isdisjoint(params):
                    found.append(Route(namespace + entry.name, route, params))

    walk(get_resolver().url_patterns, "", "")
    return found


def model_of(param: str) -> type[models.Model]:
    """The model a path id names: from PARAM_MODELS, else `<model>_id` for a model of that name."""
    if param in PARAM_MODELS:
        return apps.get_model(PARAM_MODELS[param])
    name = param.removesuffix("_id").replace("_", "")
    matches = [model for model in apps.get_models() if model._meta.model_name == name]
    if len(matches) != 1:
        pytest.fail(f"no model for the path id <{param}>: add it to PARAM_MODELS in {Path(__file__).name}")
    return matches[0]


def candidates(param: str, user: User) -> list[int]:
    """Ids of demo records for a path id, best first: one of the user's own, one of their team's, any."""
    model = model_of(param)
    people = [field.name for field in model._meta.fields if field.is_relation and field.related_model is User]
    ordered = model._default_manager.order_by("pk")
    picks = []
    for name in people:
        picks.append(ordered.filter(**{name: user}).values_list("pk", flat=True).first())
    for name in people:
        picks.append(ordered.filter(**{f"{name}__manager": user}).values_list("pk", flat=True).first())
    picks.append(ordered.values_list("pk", flat=True).first())
    return list(dict.fromkeys(pk for pk in picks if pk is not None))


def url_choices(route: Route, user: User) -> list[str]:
    """URLs to try for a route as `user` (at most three): each path id filled with a candidate record."""
    options = {param: candidates(param, user) for param in route.params}
    if not all(options.values()):
        return []
    tries = max([len(ids) for ids in options.values()], default=1)
    urls = [
        reverse(route.name, kwargs={p: ids[min(i, len(ids) - 1)] for p, ids in options.items()}) for i in range(tries)
    ]
    return list(dict.fromkeys(urls))[:3]


def is_page(route: Route, admin: User) -> bool:
    """Whether a route answers GET with a whole HTML page (a POST-only action answers 405; a download, a file).

    A route whose records the demo does not make is probed with id 0: a POST-only action still answers 405.
    """
    client = Client()
    client.force_login(admin)
    urls = url_choices(route, admin)
    response = client.get(urls[0] if urls else reverse(route.name, kwargs=dict.fromkeys(route.params, 0)))
    if response.status_code == 405:
        return False
    if not urls:
        pytest.fail(f"{route.route}: the demo seed makes no record for its path ids; make one, or map them")
    # An image route (a preview) answers its 404 page for a record without one: only a 200 in HTML is a page.
    html = response.status_code == 200 and response.get("Content-Type", "").startswith("text/html")
    return html and b"<html" in response.content[:2000]


AXE_SOURCE = AXE.read_text() + "\n;true"  # an expression, so that evaluate() runs the script as it is
AXE_RUN = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.impact} ${v.id}: ${v.help} (${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")})`);
}"""


def sign_in(page, username: str) -> None:
    page.goto("/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(settings.SMOPS_DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("button", name="Sign out")).to_be_attached()


class Watch:
    """What one page load reports: console errors and uncaught exceptions, failed responses, requests in flight."""

    def __init__(self, page):
        self.errors: list[str] = []
        self.in_flight: set = set()
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"uncaught {error}"))
        page.on("request", lambda request: self.in_flight.add(request))
        page.on("requestfinished", lambda request: self.in_flight.discard(request))
        page.on("requestfailed", lambda request: self.in_flight.discard(request))
        page.on("response", self._response)

    def _console(self, message) -> None:
        # A failed load is reported from its response below, where a form's 400 can be told from a missing file.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"console: {message.text}")

    def _response(self, response) -> None:
        # A fetch answered 400 is the page asking the server to check a form (the live route preview) and showing
        # its answer; a missing script, stylesheet or image, or any 5xx, is an error.
        kind = response.request.resource_type
        if response.status >= 500 or (response.status >= 400 and kind not in ("fetch", "xhr", "document")):
            self.errors.append(f"{kind} {response.url} answered {response.status}")

    def clear(self) -> None:
        self.errors.clear()

    def settle(self, page) -> None:
        """Wait (up to 3 s) for what the page fetched after loading (the live route preview) to come back."""
        for _ in range(60):
            if not self.in_flight:
                return
            page.wait_for_timeout(50)


def check(page, role: str, name: str, width: int, console: list[str], screenshot_dir: Path) -> list[str]:
    """What is wrong with the page as loaded: overflow, console errors, serious accessibility violations."""
    problems = []
    overflow = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    if overflow[0] > overflow[1] + 1:
        problems.append(f"the page is {overflow[0]} px wide in a {overflow[1]} px window")
    problems += list(console)
    # add_script_tag(path=AXE) would add an inline <script>, which the portal's CSP rightly refuses; evaluating the
    # file through the DevTools protocol runs it without loosening the policy the page is checked under.
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_SOURCE)
    problems += [f"axe {violation}" for violation in page.evaluate(AXE_RUN)]
    page.screenshot(path=screenshot_dir / f"{role}-{name.replace(':', '-')}-{width}.png", full_page=True)
    return problems


@pytest.fixture
def demo(settings):
    """The demo company (fewer accounts than `seed_demo`'s default), with its logins, at a pinned time."""
    # The browser keeps real time while the server's is pinned: a session cookie without an expiry date.
    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    with time_machine.travel(T0, tick=True):
        call_command("seed_demo", accounts=12, stdout=io.StringIO())
        yield


def test_every_page_fits_phone_and_laptop_width_without_console_or_accessibility_errors(
    browser, live_server, demo, screenshot_dir
):
    admin = User.objects.get(username="admin")
    routes = portal_routes()
    assert any(route.name == "home" for route in routes)
    pages = [route for route in routes if is_page(route, admin)]
    assert len(pages) >= 10, [route.route for route in routes]

    problems: list[str] = []
    checked = 0
    for role, username in ROLES.items():
        user = User.objects.get(username=username)
        context = browser.new_context(base_url=live_server.url, viewport={"width": WIDTHS[-1], "height": 900})
        context.set_default_timeout(20_000)
        page = context.new_page()
        watch = Watch(page)
        sign_in(page, username)
        for route in pages:
            for url in url_choices(route, user):
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
                watch.clear()
                response = page.goto(url)
                if response.status in (403, 404) or "/login/" in page.url:
                    continue  # not this role's page (or not this record): try the next record, else skip
                assert response.status == 200, f"{role} {url}: {response.status}"
                for width in WIDTHS:
                    if width != WIDTHS[0]:
                        page.set_viewport_size({"width": width, "height": 900})
                        watch.clear()
                        page.goto(url)
                    watch.settle(page)
                    found = check(page, role, route.name, width, watch.errors, screenshot_dir)
                    problems += [f"{role} {url} at {width} px: {problem}" for problem in found]
                checked += 1
                break
        context.close()

    assert checked >= len(ROLES) * 3
    assert not problems, "\n".join(problems)
