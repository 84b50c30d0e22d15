"""Browser fixtures: one headless Debian chromium per session, a fresh context and page per test."""

import os
import re
import shutil
from pathlib import Path

import pytest

E2E_DIR = Path(__file__).resolve().parent
SCREENSHOT_DIR = E2E_DIR.parents[1] / "var" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    # Nothing at run time reaches the internet, the browser included.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
MISSING_CHROMIUM = "chromium not installed: apt-get install chromium"
# Fail fast: a missing element should not hold a CI run for Playwright's default 30 s.
TIMEOUT_MS = 10_000


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # Kept on the item so that the `page` fixture can tell, at teardown, whether the test failed.
    setattr(item, f"report_{report.when}", report)
    return report


def chromium_path():
    """The chromium to drive, or None: $CHROMIUM_PATH if set, else Debian's, else whatever is on PATH."""
    if configured := os.environ.get("CHROMIUM_PATH"):
        return configured if os.access(configured, os.X_OK) else None
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser():
    executable = chromium_path()
    if executable is None:
        reason = MISSING_CHROMIUM
        if os.environ.get("CHROMIUM_PATH"):
            reason += f" (CHROMIUM_PATH={os.environ['CHROMIUM_PATH']} is not an executable)"
        # On a laptop a missing browser is a setup gap; in CI it would silently drop the whole suite.
        if os.environ.get("CI") == "true":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)

    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an asyncio loop marked as running in this thread from the moment it starts
    # until it stops (it switches greenlets inside `run_until_complete`). Django then sees every ORM call made
    # by a test, a fixture or pytest-django's flush as "called from async context" and raises
    # SynchronousOnlyOperation. The browser lives for the whole session, so that covers every test run after
    # it starts, not only ours: the flag is process-wide while the browser lives. Nothing is really
    # concurrent here: the test thread blocks while the page talks to the live server's own thread.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
            yield browser
            browser.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def screenshot_dir():
    """Where screenshots go: var/screenshots/, which git ignores and CI can keep as an artifact."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    return SCREENSHOT_DIR


@pytest.fixture
def page(request, browser, live_server):
    """A page in its own context (no cookies shared between tests), relative URLs against the live server."""
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        page.screenshot(path=SCREENSHOT_DIR / f"failed-{name}.png", full_page=True)
    context.close()


@pytest.fixture
def console_errors(page):
    """The errors the page logs while the test runs (htmx logs a failed request or swap so), but for the browser's
    own request for a favicon, which the portal does not have."""
    seen = []

    def note(message):
        if message.type == "error" and "favicon" not in message.location["url"]:
            seen.append(message.text)

    page.on("console", note)
    return seen


@pytest.fixture(scope="session", autouse=True)
def _live_server_one_request_at_a_time():
    """The live server answers one request at a time. Its threads share the test database's one connection (an
    in-memory SQLite database cannot be opened twice), so a page that loads a dozen images at once would have them
    race on that connection and answer 400s and 500s no real server gives."""
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    class OneAtATime(WSGIServer):
        # The server thread itself holds the shared connection (LiveServerThread.run installs the override).
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    threaded, LiveServerThread.server_class = LiveServerThread.server_class, OneAtATime
    yield
    LiveServerThread.server_class = threaded
