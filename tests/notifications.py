"""What the notification tests of every sender share: choosing a delivery, and checking how a person was told."""

import datetime as dt

from apps.core.models import DigestEntry, EmailMessage, NotificationPreference
from apps.core.services.digests import notification_digests_send


def choose(user, kind: str, delivery: str) -> None:
    """Store a choice as it stands, rules or not (the rules have their own tests): a row as the page writes it."""
    NotificationPreference.objects.update_or_create(user=user, kind=kind, defaults={"delivery": delivery})


def to(user) -> list[EmailMessage]:
    """Every outbox row that goes (or went) to `user` now."""
    return [m for m in EmailMessage.objects.order_by("id") if user.email in m.to]


def assert_routed(user, delivery: str, *, kind: str, day: dt.date) -> None:
    """`user` was told as `delivery` says, by messages of `kind`: an outbox row now; held, then listed in one
    digest (and only one, however often the digest runs); or nothing at all."""
    held = [
        m
        for m in EmailMessage.objects.filter(kind=kind).order_by("id")
        if any(w["user"] == user.pk for w in m.withheld)
    ]
    if delivery == "immediate":
        assert [m.kind for m in to(user)] and {m.kind for m in to(user)} == {kind}
        assert held == [] and not DigestEntry.objects.filter(user=user).exists()
        return
    assert to(user) == [], "nothing goes to them now"
    assert held, "the message was made, and withheld from them"
    assert {w["delivery"] for m in held for w in m.withheld if w["user"] == user.pk} == {delivery}
    entries = DigestEntry.objects.filter(user=user)
    if delivery == "off":
        assert not entries.exists()
        assert notification_digests_send(day=day) == 0
        assert to(user) == []
        return
    assert sorted(entries.values_list("message_id", flat=True)) == sorted(m.pk for m in held)
    assert notification_digests_send(day=day) == 1
    assert notification_digests_send(day=day) == 0  # once a day
    (digest,) = to(user)
    assert digest.idempotency_key == f"digest:{user.pk}:{day.isoformat()}"
    assert [item["subject"] for item in digest.context["items"]] == [m.subject for m in held]
    assert set(entries.values_list("digest_id", flat=True)) == {digest.pk}
    assert notification_digests_send(day=day + dt.timedelta(days=1)) == 0  # listed once, not again tomorrow
