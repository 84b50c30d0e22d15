"""The daily sweep: reminders 14 and 3 days before review and expiry, archiving on the expiry day, the stale list;
every effect once, also when sweeps run twice, at once, or after one was killed half-way."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings

from apps.core.factories import UserFactory
from apps.core.models import EmailMessage, Role
from apps.core.tasks import outbox_flush_task
from apps.marketing_ops.content.factories import AssetFactory, VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetEvent, AssetStatus, VersionStatus
from apps.marketing_ops.content.services import sweep
from apps.marketing_ops.content.services.sweep import content_sweep
from tests.concurrency import run_at_once

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday
TODAY = T0.date()
DAY = dt.timedelta(days=1)
FAR = TODAY + 300 * DAY  # a review-by date no reminder is near


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def owner(db):
    return UserFactory(username="olga", first_name="Olga", last_name="Novak", email="olga@example.com",
                       roles=[Role.MARKETING_OPS])  # fmt: skip


@pytest.fixture
def ops(db):
    return UserFactory(username="mia", email="mia@example.com", roles=[Role.MARKETING_OPS])


def keys(prefix="content:") -> list[str]:
    return sorted(
        EmailMessage.objects.filter(idempotency_key__startswith=prefix).values_list("idempotency_key", flat=True)
    )


def sweep_days(first: dt.date, last: dt.date) -> dict[dt.date, list[str]]:
    """Sweep every day from `first` to `last`; the new outbox keys of each day that made any."""
    made = {}
    day = first
    while day <= last:
        before = set(keys())
        content_sweep(today=day)
        new = sorted(set(keys()) - before)
        if new:
            made[day] = new
        day += DAY
    return made


def test_the_owner_hears_of_the_review_date_14_and_3_days_before_once_each(owner):
    due = TODAY + 20 * DAY
    asset = published_asset(owner=owner, review_by=due, title="Northwind case study")
    made = sweep_days(TODAY, due + DAY)
    assert made == {
        due - 14 * DAY: [f"content:{asset.pk}:review-14:{due.isoformat()}"],
        due - 3 * DAY: [f"content:{asset.pk}:review-3:{due.isoformat()}"],
    }


def test_the_owner_hears_of_the_expiry_date_14_and_3_days_before_once_each(owner):
    expires = TODAY + 20 * DAY
    asset = published_asset(owner=owner, review_by=FAR, expires_on=expires)
    made = sweep_days(TODAY, expires + DAY)
    assert made == {
        expires - 14 * DAY: [f"content:{asset.pk}:expiry-14:{expires.isoformat()}"],
        expires - 3 * DAY: [f"content:{asset.pk}:expiry-3:{expires.isoformat()}"],
    }


def test_a_day_without_a_sweep_loses_no_reminder(owner):
    due = TODAY + 10 * DAY  # the 14-day reminder's day has passed already
    asset = published_asset(owner=owner, review_by=due)
    content_sweep(today=TODAY)
    assert keys() == [f"content:{asset.pk}:review-14:{due.isoformat()}"]


def test_a_moved_date_is_reminded_of_again(owner):
    asset = published_asset(owner=owner, review_by=TODAY + 3 * DAY)
    content_sweep(today=TODAY)
    asset.review_by = TODAY + 14 * DAY
    asset.save(update_fields=["review_by"])
    content_sweep(today=TODAY)
    assert len(keys()) == 2


def test_no_reminder_for_an_archived_asset(owner):
    AssetFactory(owner=owner, status=AssetStatus.ARCHIVED, review_by=TODAY + 3 * DAY)
    content_sweep(today=TODAY)
    assert keys() == []


def test_the_reminder_names_the_asset_the_date_its_zone_and_links_to_the_asset_page(owner, mailoutbox):
    asset = published_asset(owner=owner, review_by=FAR, expires_on=TODAY + 3 * DAY, title='"Q1" pricing & plans')
    content_sweep(today=TODAY)
    outbox_flush_task()
    (message,) = EmailMessage.objects.all()
    assert message.to == ["olga@example.com"]
    assert message.subject == 'Expires in 3 days: "Q1" pricing & plans'
    assert '""Q1" pricing & plans" expires on Thursday 5 March 2026, in 3 days.' in message.body_text
    assert "Expires on: Thursday 5 March 2026 (a day in the UTC time zone)" in message.body_text
    assert f"Open it in smops: {settings.SITE_URL}/marketing/content/{asset.pk}/\n" in message.body_text
    assert f'href="{settings.SITE_URL}/marketing/content/{asset.pk}/"' in message.body_html
    assert "<strong>&quot;Q1&quot; pricing &amp; plans</strong>" in message.body_html
    assert [m.subject for m in mailoutbox] == ['Expires in 3 days: "Q1" pricing & plans']


def test_the_reminder_of_an_owner_who_left_goes_to_marketing_ops(owner, ops):
    owner.is_active = False
    owner.save(update_fields=["is_active"])
    published_asset(owner=owner, review_by=TODAY + 3 * DAY)
    content_sweep(today=TODAY)
    (message,) = EmailMessage.objects.all()
    assert message.to == ["mia@example.com"]


def test_an_expired_asset_is_archived_on_the_day_not_the_day_before(owner):
    expires = TODAY + 5 * DAY
    asset = published_asset(owner=owner, review_by=FAR, expires_on=expires)
    assert content_sweep(today=expires - DAY).archived == 0
    asset.refresh_from_db()
    assert asset.status == AssetStatus.PUBLISHED
    assert content_sweep(today=expires).archived == 1
    asset.refresh_from_db()
    assert asset.status == AssetStatus.ARCHIVED
    (event,) = AssetEvent.objects.filter(asset=asset)
    assert (event.kind, event.from_status, event.to_status, event.actor) == (
        AssetEvent.Kind.ARCHIVED,
        AssetStatus.PUBLISHED,
        AssetStatus.ARCHIVED,
        None,
    )
    assert event.reason == "Expired on Saturday 7 March 2026: archived by the daily sweep."


def test_drafts_and_assets_in_review_expire_too_and_their_version_in_review_goes_back_to_draft(owner):
    draft = AssetFactory(owner=owner, expires_on=TODAY)
    in_review = AssetFactory(owner=owner, expires_on=TODAY - DAY, status=AssetStatus.IN_REVIEW)
    version = VersionFactory(asset=in_review, status=VersionStatus.IN_REVIEW)
    assert content_sweep(today=TODAY).archived == 2
    for asset in (draft, in_review):
        asset.refresh_from_db()
        assert asset.status == AssetStatus.ARCHIVED
    version.refresh_from_db()
    assert version.status == VersionStatus.DRAFT


def test_an_archived_asset_is_not_archived_again(owner):
    AssetFactory(owner=owner, status=AssetStatus.ARCHIVED, expires_on=TODAY - 10 * DAY)
    assert content_sweep(today=TODAY).archived == 0
    assert not AssetEvent.objects.exists()


def test_marketing_ops_get_the_stale_list_once_a_day(owner, ops, clock, mailoutbox):
    old = published_asset(owner=owner, review_by=FAR, title="2024 analyst report")
    old.reviewed_at = T0 - 400 * DAY
    old.save(update_fields=["reviewed_at"])
    never = AssetFactory(owner=owner, review_by=FAR, title="Draft nobody finished", created_at=T0 - 366 * DAY)
    recent = published_asset(owner=owner, review_by=FAR, title="Fresh deck")
    recent.reviewed_at = T0 - 100 * DAY
    recent.save(update_fields=["reviewed_at"])
    AssetFactory(owner=owner, review_by=FAR, status=AssetStatus.ARCHIVED, created_at=T0 - 900 * DAY)
    assert content_sweep(today=TODAY).stale == 2
    assert content_sweep(today=TODAY).stale == 0
    assert keys("content:stale:") == [f"content:stale:{TODAY.isoformat()}"]
    outbox_flush_task()
    (message,) = EmailMessage.objects.filter(idempotency_key__startswith="content:stale:")
    assert message.subject == "2 assets in the content library not reviewed for a year"
    assert sorted(message.to) == ["mia@example.com", "olga@example.com"]
    body = message.body_text
    assert body.index("2024 analyst report") < body.index("Draft nobody finished")  # the longest unreviewed first
    assert "never reviewed, created Saturday 1 March 2025" in body
    assert "last reviewed Sunday 26 January 2025" in body
    assert f"/marketing/content/{never.pk}/" in body
    assert "Fresh deck" not in body
    content_sweep(today=TODAY + DAY)
    assert len(keys("content:stale:")) == 2


def test_no_stale_list_when_nothing_is_stale(owner, ops):
    published_asset(owner=owner, review_by=FAR)
    content_sweep(today=TODAY)
    assert keys() == []


def test_sweeping_twice_makes_the_same_outbox_rows_and_history(owner, ops):
    library(owner)
    first = content_sweep(today=TODAY)
    rows = list(EmailMessage.objects.order_by("pk").values_list("pk", "idempotency_key"))
    events = AssetEvent.objects.count()
    second = content_sweep(today=TODAY)
    assert (first.archived, first.reminders, first.stale) == (2, 4, 1)
    assert (second.archived, second.reminders, second.stale) == (0, 0, 0)
    assert list(EmailMessage.objects.order_by("pk").values_list("pk", "idempotency_key")) == rows
    assert AssetEvent.objects.count() == events


def test_a_sweep_killed_half_way_is_completed_by_the_next_one(owner, ops, monkeypatch):
    library(owner)
    real = sweep._list_stale

    def killed(today):
        raise SystemExit("worker killed")

    monkeypatch.setattr(sweep, "_list_stale", killed)
    with pytest.raises(SystemExit):
        content_sweep(today=TODAY)
    assert len(keys()) == 4  # the reminders went, the stale list did not
    monkeypatch.setattr(sweep, "_list_stale", real)
    result = content_sweep(today=TODAY)
    assert (result.archived, result.reminders, result.stale) == (0, 0, 1)
    assert len(keys()) == 5
    assert AssetEvent.objects.filter(kind=AssetEvent.Kind.ARCHIVED).count() == 2


def test_the_task_sweeps_today(owner):
    from apps.marketing_ops.content.tasks import content_sweep_task

    published_asset(owner=owner, review_by=FAR, expires_on=TODAY)
    assert content_sweep_task() == {"archived": 1, "reminders": 0, "stale": 0, "given_up": 0}


def library(owner):
    """Two expired assets, two with both dates near, one stale: 2 archived, 4 reminders, 1 stale list."""
    published_asset(owner=owner, review_by=FAR, expires_on=TODAY)
    AssetFactory(owner=owner, review_by=FAR, expires_on=TODAY - DAY, status=AssetStatus.IN_REVIEW)
    published_asset(owner=owner, review_by=TODAY + 3 * DAY, expires_on=TODAY + 14 * DAY)
    published_asset(owner=owner, review_by=TODAY + 14 * DAY, expires_on=TODAY + 2 * DAY)
    stale = published_asset(owner=owner, review_by=FAR)
    stale.reviewed_at = T0 - 500 * DAY
    stale.save(update_fields=["reviewed_at"])


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sweeps_at_once_archive_remind_and_list_each_once(on_postgres):
    owner = UserFactory(username="olga", email="olga@example.com", roles=[Role.MARKETING_OPS])
    for _ in range(5):
        library(owner)
    results = run_at_once(lambda: content_sweep(today=TODAY), times=3)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert sum(r.archived for r in results) == 10
    assert AssetEvent.objects.filter(kind=AssetEvent.Kind.ARCHIVED).count() == 10
    assert EmailMessage.objects.filter(idempotency_key__startswith="content:").count() == 21
    assert EmailMessage.objects.filter(idempotency_key__startswith="content:stale:").count() == 1
