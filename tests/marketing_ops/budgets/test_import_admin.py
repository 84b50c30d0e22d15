"""The spend import page: "Check the file" and "Import" are two buttons; only Import posts."""

import datetime as dt
import io

import pytest
from django.urls import reverse

from apps.marketing_ops.budgets.models import SpendEntry

URL = "admin:marketing_ops_spendentry_import"


@pytest.fixture
def spend_csv(campaign):
    return (
        f"external_ref,campaign,kind,vendor,date,amount,currency\nINV-1,{campaign.pk},actual,V,2026-04-02,10.00,USD\n"
    ).encode()


@pytest.fixture(autouse=True)
def _april(time_machine):
    time_machine.move_to(dt.datetime(2026, 4, 20, 9, tzinfo=dt.UTC), tick=False)


def upload(data: bytes):
    file = io.BytesIO(data)
    file.name = "spend.csv"
    return file


def test_the_page_has_two_buttons_and_no_dry_run_box(client, marketing_ops):
    client.force_login(marketing_ops)
    page = client.get(reverse(URL)).content.decode()
    assert 'name="dry_run"' not in page
    assert page.index('name="check"') < page.index('name="import"')  # Enter presses the check
    assert ">Check the file</button>" in page and ">Import</button>" in page


def test_check_the_file_posts_nothing(client, marketing_ops, spend_csv):
    client.force_login(marketing_ops)
    response = client.post(reverse(URL), {"file": upload(spend_csv), "check": "1"})
    assert "Checked, nothing posted yet: Would post 1 of 1 row(s)" in response.content.decode()
    assert not SpendEntry.objects.exists()


def test_a_post_naming_no_button_only_checks(client, marketing_ops, spend_csv):
    client.force_login(marketing_ops)
    client.post(reverse(URL), {"file": upload(spend_csv)})
    assert not SpendEntry.objects.exists()


def test_import_posts(client, marketing_ops, spend_csv):
    client.force_login(marketing_ops)
    response = client.post(reverse(URL), {"file": upload(spend_csv), "import": "1"})
    assert "Posted 1 of 1 row(s)" in response.content.decode()
    assert SpendEntry.objects.count() == 1


def test_the_spend_list_shows_six_short_columns(client, marketing_ops, spend_csv):
    client.force_login(marketing_ops)
    client.post(reverse(URL), {"file": upload(spend_csv), "import": "1"})
    response = client.get(reverse("admin:marketing_ops_spendentry_changelist"))
    page = response.content.decode()
    assert len([name for name in response.context["cl"].list_display if name != "action_checkbox"]) == 6
    assert '<td class="field-what">invoice</td>' in page
    assert "10.00 USD" in page
