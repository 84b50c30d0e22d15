"""Notification preferences: the choices each role may make, the outbox routing every recipient by them, the daily
digest, and the Notifications page."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core import mail

from apps.core.exceptions import ApplicationError
from apps.core.factories import UserFactory
from apps.core.models import DigestEntry, EmailMessage, NotificationKind, NotificationPreference, Role
from apps.core.services import notifications
from apps.core.services.digests import notification_digests_send
from apps.core.services.outbox import OutgoingEmail, email_enqueue, email_enqueue_many
from apps.core.tasks import outbox_flush_task
from tests.notifications import choose

Kind = NotificationKind
T0 = dt.datetime(2026, 11, 23, 7, 0, tzinfo=dt.UTC)
DAY = T0.date()


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def ann(db):
    return UserFactory(username="ann", email="ann@example.com", roles=[Role.REP])


@pytest.fixture
def max_(db):
    return UserFactory(username="max", email="max@example.com", roles=[Role.MANAGER])


def notice(key="n:1", to=("ann@example.com",), kind=Kind.BUDGET_ALERTS, headline="Spring search is over"):
    return email_enqueue(
        key=key,
        to=list(to),
        template="notice",
        context={"subject": headline, "headline": headline, "body": "b"},
        kind=kind,
    )


# --- which choices a role may make -----------------------------------------------------------------------------


def test_approvals_cannot_be_turned_off_by_anyone(ann, max_):
    for user in (ann, max_):
        assert notifications.notification_deliveries(user=user, kind=Kind.APPROVALS) == ["immediate", "digest"]


def test_managers_cannot_turn_sla_alerts_off_and_reps_can(ann, max_):
    assert "off" not in notifications.notification_deliveries(user=max_, kind=Kind.SLA_ALERTS)
    assert "off" in notifications.notification_deliveries(user=ann, kind=Kind.SLA_ALERTS)


def test_a_mandatory_choice_is_refused_and_nothing_of_the_form_is_written(max_):
    choices = {Kind.DECISIONS: "digest", Kind.SLA_ALERTS: "off"}
    with pytest.raises(ApplicationError) as refused:
        notifications.notification_preferences_set(user=max_, choices=choices)
    assert (refused.value.code, refused.value.field) == ("mandatory", Kind.SLA_ALERTS)
    assert not NotificationPreference.objects.exists()


def test_an_unknown_kind_or_delivery_is_refused(ann):
    for choices in ({"gossip": "off"}, {Kind.DECISIONS: "weekly"}):
        with pytest.raises(ApplicationError):
            notifications.notification_preferences_set(user=ann, choices=choices)
    assert not NotificationPreference.objects.exists()


def test_choices_are_stored_once_per_kind_and_read_back_with_the_default(ann):
    notifications.notification_preferences_set(user=ann, choices={Kind.DECISIONS: "digest"})
    prefs = notifications.notification_preferences_set(user=ann, choices={Kind.DECISIONS: "off"})
    assert NotificationPreference.objects.get().delivery == "off"
    assert prefs[Kind.DECISIONS] == "off" and prefs[Kind.APPROVALS] == "immediate"


# --- the outbox routes each recipient -------------------------------------------------------------------------


def test_immediate_is_an_outbox_row_sent_now(ann, mailoutbox):
    message = notice()
    outbox_flush_task()
    message.refresh_from_db()
    assert message.status == EmailMessage.Status.SENT and message.to == ["ann@example.com"]
    assert [m.to for m in mailoutbox] == [["ann@example.com"]]


def test_digest_holds_the_message_and_sends_nothing_now(ann):
    choose(ann, Kind.BUDGET_ALERTS, "digest")
    message = notice()
    outbox_flush_task()
    assert message.status == EmailMessage.Status.WITHHELD and message.to == []
    assert message.withheld == [{"to": "ann@example.com", "user": ann.pk, "delivery": "digest"}]
    assert list(DigestEntry.objects.values_list("user", "message")) == [(ann.pk, message.pk)]
    assert mail.outbox == []


def test_off_sends_nothing_and_holds_nothing(ann):
    choose(ann, Kind.BUDGET_ALERTS, "off")
    message = notice()
    outbox_flush_task()
    assert message.status == EmailMessage.Status.WITHHELD and message.withheld[0]["delivery"] == "off"
    assert not DigestEntry.objects.exists() and mail.outbox == []


def test_each_recipient_of_one_message_is_routed_by_their_own_choice(ann, max_):
    choose(ann, Kind.BUDGET_ALERTS, "digest")
    message = notice(to=["ann@example.com", "max@example.com", "team@example.com"])
    assert message.to == ["max@example.com", "team@example.com"]  # an address of nobody gets it now
    assert [(w["to"], w["delivery"]) for w in message.withheld] == [("ann@example.com", "digest")]


def test_a_choice_of_another_kind_does_not_route_this_one(ann):
    choose(ann, Kind.DECISIONS, "off")
    assert notice(kind=Kind.BUDGET_ALERTS).to == ["ann@example.com"]


def test_a_message_without_a_kind_is_not_tunable(ann):
    for kind in Kind.values:
        choose(ann, kind, "off")
    assert notice(kind="").to == ["ann@example.com"]


def test_addresses_match_whatever_their_case(ann):
    choose(ann, Kind.BUDGET_ALERTS, "off")
    assert notice(to=["Ann@Example.com"]).status == EmailMessage.Status.WITHHELD


def test_an_off_the_role_no_longer_allows_is_sent_now(ann):
    choose(ann, Kind.SLA_ALERTS, "off")  # chosen as a rep
    ann.groups.add(Group.objects.get_or_create(name=Role.MANAGER)[0])  # now a manager: breaches must reach her
    assert notice(kind=Kind.SLA_ALERTS).to == ["ann@example.com"]


def test_enqueuing_again_after_a_change_of_mind_routes_as_the_first_time(ann):
    choose(ann, Kind.BUDGET_ALERTS, "digest")
    first = notice()
    choose(ann, Kind.BUDGET_ALERTS, "immediate")
    again = notice()
    assert again.pk == first.pk and again.status == EmailMessage.Status.WITHHELD
    assert DigestEntry.objects.count() == 1


def test_routing_costs_one_query_per_kind_whatever_the_number_of_messages(ann, max_, django_assert_num_queries):
    choose(ann, Kind.BUDGET_ALERTS, "off")
    emails = [
        OutgoingEmail(key=f"n:{i}", to=["ann@example.com", "max@example.com"], template="notice",
                      context={"headline": "h", "body": "b"}, kind=Kind.BUDGET_ALERTS)
        for i in range(30)
    ]  # fmt: skip
    # The people and their choices; the rows written and read back; the savepoint pair of the test's transaction
    # is not there (no atomic block here).
    with django_assert_num_queries(3):
        email_enqueue_many(emails)


# --- the daily digest ------------------------------------------------------------------------------------------


def test_the_digest_lists_every_held_message_in_one_email_once_a_day(ann, frozen, mailoutbox):
    choose(ann, Kind.BUDGET_ALERTS, "digest")
    choose(ann, Kind.DECISIONS, "digest")
    notice(key="n:1", headline="Spring search is over")
    notice(key="n:2", kind=Kind.DECISIONS, headline="Approved: Northwind")
    assert notification_digests_send(day=DAY) == 1
    assert notification_digests_send(day=DAY) == 0
    outbox_flush_task()
    (digest,) = mailoutbox
    assert digest.to == ["ann@example.com"] and digest.subject.startswith("Your smops digest for Mon 23 Nov 2026: 2")
    assert "Spring search is over" in digest.body and "Approved: Northwind" in digest.body
    assert "Budget alerts" in digest.body and "Decisions (on my deal requests)" in digest.body


def test_what_arrives_after_the_days_digest_waits_for_the_next_one(ann, frozen):
    choose(ann, Kind.BUDGET_ALERTS, "digest")
    notice(key="n:1")
    notification_digests_send(day=DAY)
    frozen.move_to(T0 + dt.timedelta(hours=5))
    notice(key="n:2", headline="Summer search is over")
    assert notification_digests_send(day=DAY) == 0
    frozen.move_to(T0 + dt.timedelta(days=1))
    assert notification_digests_send(day=DAY + dt.timedelta(days=1)) == 1
    latest = EmailMessage.objects.get(idempotency_key=f"digest:{ann.pk}:{(DAY + dt.timedelta(days=1)).isoformat()}")
    assert [item["subject"] for item in latest.context["items"]] == ["Summer search is over"]


def test_nobody_with_nothing_held_gets_a_digest(ann):
    notice()
    assert notification_digests_send(day=DAY) == 0


def test_the_digest_task_sends_todays_digest(ann):
    from apps.core.tasks import notification_digest_task

    choose(ann, Kind.BUDGET_ALERTS, "digest")
    notice()
    assert notification_digest_task() == 1
    assert EmailMessage.objects.filter(idempotency_key=f"digest:{ann.pk}:{DAY.isoformat()}").exists()


# --- the Notifications page -----------------------------------------------------------------------------------


def test_the_page_needs_a_sign_in(client, db):
    response = client.get("/notifications/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_page_shows_each_kind_and_why_a_mandatory_one_cannot_be_off(client, max_):
    client.force_login(max_)
    page = client.get("/notifications/").content.decode()
    for kind in Kind:
        assert str(kind.label) in page
    assert "Managers are the SLA" in page
    assert 'name="sla_alerts" value="off" id="id_sla_alerts_2" disabled' in page
    assert not NotificationPreference.objects.exists()  # GET writes nothing


def _form(**changes):
    return {**dict.fromkeys(Kind.values, "immediate"), **changes}


def test_saving_stores_the_choices_and_redirects_back(client, ann):
    client.force_login(ann)
    response = client.post("/notifications/", _form(decisions="digest", budget_alerts="off"))
    assert response.status_code == 302 and response["Location"] == "/notifications/"
    assert notifications.notification_preferences(user=ann)[Kind.DECISIONS] == "digest"
    assert notifications.notification_preferences(user=ann)[Kind.BUDGET_ALERTS] == "off"


def test_a_mandatory_kind_posted_off_is_a_form_error_and_nothing_is_written(client, max_):
    client.force_login(max_)
    response = client.post("/notifications/", _form(decisions="digest", sla_alerts="off"))
    assert response.status_code == 400
    assert "cannot be turned off" in response.context["form"].errors["sla_alerts"][0]
    assert not NotificationPreference.objects.exists()


def test_approvals_posted_off_by_a_rep_are_refused(client, ann):
    client.force_login(ann)
    response = client.post("/notifications/", _form(approvals="off"))
    assert response.status_code == 400 and "approvals" in response.context["form"].errors
    assert not NotificationPreference.objects.exists()
