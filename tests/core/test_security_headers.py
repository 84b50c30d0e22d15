"""Headers and the API docs: a Content-Security-Policy without inline script, docs behind sign-in in production."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
# A script element that runs inline code: neither loaded from a file nor JSON data (json_script).
INLINE_SCRIPT = re.compile(r'<script(?![^>]*\b(?:src=|type="application/json"))[^>]*>', re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
# htmx attributes that run code (hx-on, hx-vars, js: values, trigger filters): the policy has no 'unsafe-eval', and
# base.html turns htmx's eval off, so that they would fail in the browser.
HTMX_EVAL = re.compile(r"""\shx-on|\shx-vars=|\shx-(vals|headers)=["']\s*(js|javascript):|\shx-trigger="[^"]*\[""")


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {name: values for name, *values in (part.split() for part in policy.split(";") if part.strip())}


@pytest.mark.parametrize("url", ["/login/", "/", "/admin/", "/api/docs/", "/api/v1/leads/"])
def test_every_answer_carries_a_policy_without_inline_script(admin_client, url):
    policy = directives(admin_client.get(url))

    assert policy["script-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]


@pytest.mark.parametrize("template", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_no_template_holds_inline_script(template):
    text = template.read_text()

    assert not INLINE_SCRIPT.search(text), "move the script to a static file"
    assert not INLINE_HANDLER.search(text), "attach the handler from a static script"
    assert not HTMX_EVAL.search(text), "htmx may not evaluate code (allowEval is off): use a static script"


def test_pages_load_htmx_from_the_site_with_eval_and_inline_styles_off(admin_client):
    page = admin_client.get("/").content.decode()

    assert '<script src="/static/smops/vendor/htmx.min.js" defer></script>' in page
    config = json.loads(re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", page).group(1))
    assert config["allowEval"] is False
    assert config["includeIndicatorStyles"] is False
    assert config["allowScriptTags"] is False


def test_the_docs_page_loads_its_scripts_from_files(admin_client):
    page = admin_client.get("/api/docs/").content.decode()

    assert page.count("<script") == 3
    assert not INLINE_SCRIPT.search(page)
    assert "swagger-ui-bundle.js" in page


def test_the_docs_start_up_script_is_served_as_a_file(admin_client):
    answer = admin_client.get("/api/docs/", {"script": ""})

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in answer.content.decode()


def test_the_periodic_task_form_runs_its_script_from_a_file(admin_client):
    page = admin_client.get("/admin/django_celery_beat/periodictask/add/").content.decode()

    assert "smops/periodic_task_form.js" in page
    assert not INLINE_SCRIPT.search(page)


def test_the_export_page_attaches_its_select_all_toggle_from_a_file(admin_client):
    page = admin_client.get("/admin/core/account/export/").content.decode()

    assert "smops/export_toggle.js" in page


@pytest.fixture
def docs_closed(settings):
    settings.API_DOCS_PUBLIC = False


def test_closed_docs_send_a_stranger_to_sign_in(client, db, docs_closed):
    answer = client.get("/api/docs/")

    assert answer.status_code == 302
    assert answer["Location"] == "/login/?next=/api/docs/"


def test_closed_schema_is_a_401_for_a_stranger(client, db, docs_closed):
    assert client.get("/api/schema/").status_code == 401


def test_closed_docs_and_schema_open_to_anyone_signed_in(client, rep, docs_closed):
    client.force_login(rep)

    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_open_docs_need_no_sign_in(client, db, settings):
    settings.API_DOCS_PUBLIC = True

    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/").status_code == 200


def test_docs_are_closed_by_default_in_production():
    env = {**os.environ, "DEBUG": "False", "SECRET_KEY": "x" * 60, "DJANGO_SETTINGS_MODULE": "smops.settings"}
    env.pop("API_DOCS_PUBLIC", None)
    code = "import django; django.setup(); from django.conf import settings; print(settings.API_DOCS_PUBLIC)"
    command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
