"""Each person's time zone: chosen on their settings page or by sales ops in the admin, else their territory's
calendar zone, else the site's; every page shows times in it and names it, and so do the e-mails."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.factories import (
    BusinessCalendarFactory,
    LeadFactory,
    OpportunityFactory,
    TerritoryFactory,
    UserFactory,
)
from apps.core.models import (
    EmailMessage,
    LeadStage,
    NotificationKind,
    NotificationPreference,
    OpportunityStage,
    Role,
    User,
)
from apps.core.services import leads, opportunities
from apps.core.services.digests import notification_digests_send
from apps.core.services.outbox import email_enqueue
from apps.core.timezones import user_time_zone
from tests.notifications import choose

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)  # Monday: 10:00 in Berlin, 04:00 in New York


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False):
        yield


@pytest.fixture
def berlin(db):
    return TerritoryFactory(calendar=BusinessCalendarFactory(name="Berlin office", timezone="Europe/Berlin"))


def html(response) -> str:
    return response.content.decode()


# --- whose zone -------------------------------------------------------------------------------------------------


def test_a_chosen_zone_wins_over_the_territorys_and_the_sites(rep, berlin, settings):
    settings.TIME_ZONE = "UTC"
    assert user_time_zone(rep).key == "UTC"
    rep.territory = berlin
    assert user_time_zone(rep).key == "Europe/Berlin"
    rep.time_zone = "America/New_York"
    assert user_time_zone(rep).key == "America/New_York"


def test_a_zone_that_is_not_iana_is_refused_by_the_model(rep):
    from django.core.exceptions import ValidationError

    rep.time_zone = "Mars/Olympus_Mons"
    with pytest.raises(ValidationError) as refused:
        rep.full_clean()
    assert "time_zone" in refused.value.message_dict


# --- pages ------------------------------------------------------------------------------------------------------


def test_a_record_page_shows_times_in_the_chosen_zone_and_names_it(client, rep, berlin):
    rep.territory, rep.time_zone = berlin, "America/New_York"
    rep.save()
    opportunity = OpportunityFactory(owner=rep)
    opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.QUALIFICATION)
    client.force_login(rep)
    page = html(client.get(f"/opportunities/{opportunity.pk}/"))
    assert "Mon 23 Nov 2026, 04:00 EST" in page and "10:00 CET" not in page
    assert "Times are in the America/New_York time zone." in page


def test_a_page_of_another_app_shows_times_in_the_viewers_zone_too(client, rep, sales_ops, berlin):
    rep.territory = berlin
    rep.save()
    lead = LeadFactory(stage=LeadStage.MQL)
    leads.lead_handoff(lead_id=lead.pk, owner=rep, actor=sales_ops)
    client.force_login(rep)
    page = html(client.get(f"/sales/leads/{lead.pk}/"))
    assert "Mon 23 Nov 2026, 10:00 CET" in page
    assert "Times are in the Europe/Berlin time zone." in page


def test_the_api_keeps_speaking_the_sites_zone(client, rep, berlin, settings):
    settings.TIME_ZONE = "UTC"
    rep.territory, rep.time_zone = berlin, "America/New_York"
    rep.save()
    opportunity = OpportunityFactory(owner=rep)
    opportunities.opportunity_move(opportunity_id=opportunity.pk, stage=OpportunityStage.QUALIFICATION)
    client.force_login(rep)  # signed in by session, as a browser calling the API is
    body = client.get(f"/api/v1/opportunities/{opportunity.pk}/").json()
    assert body["updated_at"].endswith("Z")


def _queries(client, url) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def test_the_viewers_zone_costs_no_query_of_its_own(client, rep, berlin):
    client.force_login(rep)
    without = _queries(client, "/notifications/")
    rep.territory = berlin
    rep.save()
    with_territory = _queries(client, "/notifications/")
    # The territory and its calendar come with the user, in the same query.
    assert len(with_territory) == len(without)
    assert not [sql for sql in with_territory if sql.lstrip().startswith('SELECT "core_businesscalendar"')]


# --- the settings page ------------------------------------------------------------------------------------------


def _settings_form(**changes):
    return {**dict.fromkeys(NotificationKind.values, "immediate"), "time_zone": "", **changes}


def test_the_settings_page_offers_the_zones_and_names_the_default(client, rep, berlin):
    rep.territory = berlin
    rep.save()
    client.force_login(rep)
    page = html(client.get("/notifications/"))
    assert "<h1>Your settings</h1>" in page
    assert "My territory&#x27;s (Europe/Berlin)" in page
    assert '<option value="America/New_York">' in page


def test_choosing_a_zone_saves_it_and_redirects_back_here(client, rep):
    client.force_login(rep)
    response = client.post("/notifications/", _settings_form(time_zone="Asia/Kolkata"))
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    rep.refresh_from_db()
    assert rep.time_zone == "Asia/Kolkata"
    assert "Times are in the Asia/Kolkata time zone." in html(client.get(reverse("sales_ops:deal_list")))


def test_a_zone_that_does_not_exist_is_a_form_error_here_and_nothing_is_saved(client, rep):
    rep.time_zone = "Europe/Berlin"
    rep.save()
    client.force_login(rep)
    response = client.post("/notifications/", _settings_form(time_zone="Mars/Olympus_Mons", decisions="digest"))
    assert response.status_code == 400 and response.request["PATH_INFO"] == "/notifications/"
    assert "is not a time zone" in response.context["zone_form"].errors["time_zone"][0]
    rep.refresh_from_db()
    assert rep.time_zone == "Europe/Berlin"
    assert not NotificationPreference.objects.exists()


def test_a_refused_notification_choice_leaves_the_zone_as_it_was(client, manager):
    client.force_login(manager)
    response = client.post("/notifications/", _settings_form(time_zone="Asia/Kolkata", sla_alerts="off"))
    assert response.status_code == 400
    manager.refresh_from_db()
    assert manager.time_zone == ""


def test_blank_goes_back_to_the_territorys_zone(client, rep):
    rep.time_zone = "Asia/Kolkata"
    rep.save()
    client.force_login(rep)
    client.post("/notifications/", _settings_form(time_zone=""))
    rep.refresh_from_db()
    assert rep.time_zone == ""


# --- the admin ------------------------------------------------------------------------------------------------


def _admin_form(user, **changes):
    return {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "manager": user.manager_id or "",
        "territory": user.territory_id or "",
        "time_zone": user.time_zone,
        "is_active": "on",
        "groups": [group.pk for group in user.groups.all()],
        **changes,
    }


def test_sales_ops_set_a_users_zone_in_the_admin(client, sales_ops, rep):
    client.force_login(sales_ops)
    url = reverse("admin:core_user_change", args=[rep.pk])
    assert '<option value="Europe/Lisbon">' in html(client.get(url))
    response = client.post(url, _admin_form(rep, time_zone="Europe/Lisbon"))
    assert response.status_code == 302
    rep.refresh_from_db()
    assert rep.time_zone == "Europe/Lisbon"


def test_a_forged_zone_in_the_admin_is_a_form_error(client, sales_ops, rep):
    client.force_login(sales_ops)
    url = reverse("admin:core_user_change", args=[rep.pk])
    response = client.post(url, _admin_form(rep, time_zone="Nowhere/Land"))
    assert response.status_code == 200 and "time_zone" in response.context["adminform"].form.errors
    assert User.objects.get(pk=rep.pk).time_zone == ""


# --- e-mails --------------------------------------------------------------------------------------------------


def test_the_digest_lists_times_in_the_recipients_zone_and_names_it(db):
    ann = UserFactory(username="ann", email="ann@example.com", roles=[Role.REP], time_zone="America/New_York")
    choose(ann, NotificationKind.BUDGET_ALERTS, "digest")
    email_enqueue(
        key="n:1",
        to=[ann.email],
        template="notice",
        context={"subject": "s", "headline": "h", "body": "b"},
        kind=NotificationKind.BUDGET_ALERTS,
    )
    notification_digests_send(day=T0.date())
    digest = EmailMessage.objects.get(idempotency_key__startswith="digest:")
    assert digest.context["items"][0]["at"] == "Mon 23 Nov, 04:00 EST"
    assert digest.context["time_zone"] == "America/New_York"
