"""Invariants of the shared records: normalised unique identities, consent, money, the organisation."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from apps.core.exceptions import ApplicationError
from apps.core.factories import (
    AccountFactory,
    BusinessCalendarFactory,
    ContactFactory,
    OpportunityFactory,
    UserFactory,
)
from apps.core.models import Contact, WorkingHours
from apps.core.models.customers import normalize_domain
from apps.core.services import customers


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Example.COM", "example.com"),
        ("https://www.example.com/about?x=1", "example.com"),
        ("  shop.example.co.uk. ", "shop.example.co.uk"),
        ("http://EXAMPLE.com:8080", "example.com"),
    ],
)
def test_domains_are_normalised(raw, normalised):
    assert normalize_domain(raw) == normalised


def test_account_domain_is_unique_whatever_its_case(db):
    customers.account_create(name="Acme", domain="acme.example")
    with pytest.raises(ApplicationError, match="domain 'acme.example' exists") as caught:
        customers.account_create(name="ACME GmbH", domain="https://WWW.Acme.Example/")
    assert caught.value.field == "domain"


def test_database_enforces_domain_uniqueness_case_insensitively(db):
    AccountFactory(domain="acme.example")
    with pytest.raises(IntegrityError):
        AccountFactory(domain="ACME.example")


def test_a_domain_must_look_like_one(db):
    with pytest.raises(ApplicationError, match="not a domain name"):
        customers.account_create(name="Acme", domain="not a domain")


def test_contact_email_is_unique_whatever_its_case(db):
    account = AccountFactory()
    customers.contact_create(account=account, email="Jane.Doe@Example.com")
    with pytest.raises(ApplicationError, match="e-mail") as caught:
        customers.contact_create(account=account, email="jane.doe@EXAMPLE.COM")
    assert caught.value.field == "email"


def test_database_enforces_email_uniqueness_case_insensitively(db):
    ContactFactory(email="jane@example.com")
    with pytest.raises(IntegrityError):
        ContactFactory(email="JANE@example.com")


def test_a_contact_can_be_emailed_by_default(db):
    assert ContactFactory().can_be_emailed


def test_an_opted_out_contact_cannot_be_emailed(db):
    contact = ContactFactory(email_opt_out=True)
    assert not contact.can_be_emailed
    assert not Contact.objects.filter(Contact.EMAILABLE, pk=contact.pk).exists()


def test_withdrawn_consent_means_no_email(db):
    contact = ContactFactory(consent_status="withdrawn")
    assert not contact.can_be_emailed
    assert not Contact.objects.filter(Contact.EMAILABLE, pk=contact.pk).exists()


def test_the_property_and_the_queryset_filter_agree(db):
    for opt_out in (False, True):
        for status in ("unknown", "granted", "withdrawn"):
            ContactFactory(email_opt_out=opt_out, consent_status=status)
    emailable = set(Contact.objects.filter(Contact.EMAILABLE).values_list("pk", flat=True))
    assert emailable == {c.pk for c in Contact.objects.all() if c.can_be_emailed}
    assert len(emailable) == 2


def test_opting_out_records_when_and_where(db):
    contact = ContactFactory()
    customers.contact_opt_out(contact_id=contact.pk, source="unsubscribe link")
    contact.refresh_from_db()
    assert (contact.email_opt_out, contact.consent_status, contact.consent_source) == (
        True,
        "withdrawn",
        "unsubscribe link",
    )
    assert contact.consent_at is not None


def test_creating_a_contact_with_consent_stamps_its_time(db):
    contact = customers.contact_create(account=AccountFactory(), email="a@b.example", consent_status="granted")
    assert contact.consent_at is not None


def test_creating_a_contact_without_consent_leaves_the_time_empty(db):
    contact = customers.contact_create(account=AccountFactory(), email="a@b.example", email_opt_out=False)
    assert contact.consent_at is None


def test_opportunity_amount_cannot_be_negative(db):
    with pytest.raises(IntegrityError):
        OpportunityFactory(amount=-1)


def test_opportunity_currency_must_be_iso_4217(db):
    opportunity = OpportunityFactory.build(currency="EURO", owner=UserFactory(), account=AccountFactory())
    with pytest.raises(ValidationError, match="ISO 4217"):
        opportunity.full_clean()


def test_a_closed_lost_opportunity_needs_a_reason(db):
    from apps.core.services.opportunities import opportunity_move

    opportunity = OpportunityFactory()
    with pytest.raises(ApplicationError, match="needs a reason"):
        opportunity_move(opportunity_id=opportunity.pk, stage="closed_lost")
    moved = opportunity_move(opportunity_id=opportunity.pk, stage="closed_lost", lost_reason="Price")
    assert (moved.probability, moved.closed_at is not None) == (0, True)
    with pytest.raises(ApplicationError, match="already closed lost"):
        opportunity_move(opportunity_id=opportunity.pk, stage="negotiation")


def test_manager_chain_climbs_to_the_top(db):
    vp = UserFactory(username="vp")
    manager = UserFactory(username="m", manager=vp)
    rep = UserFactory(username="r", manager=manager)
    assert rep.manager_chain() == [manager, vp]


def test_a_manager_cycle_is_refused(db):
    boss = UserFactory(username="boss")
    rep = UserFactory(username="r", manager=boss)
    boss.manager = rep
    with pytest.raises(ValidationError, match="cycle"):
        boss.clean()


def test_calendar_time_zone_must_be_iana(db):
    calendar = BusinessCalendarFactory.build(timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="IANA"):
        calendar.clean()


def test_overlapping_working_hours_are_refused(db):
    calendar = BusinessCalendarFactory()  # Monday to Friday 09:00–17:00
    window = WorkingHours(calendar=calendar, weekday=0, start=dt.time(16), end=dt.time(18))
    with pytest.raises(ValidationError, match="overlaps"):
        window.clean()


def test_working_hours_that_end_before_they_start_are_refused(db):
    window = WorkingHours(calendar=BusinessCalendarFactory(), weekday=5, start=dt.time(12), end=dt.time(11))
    with pytest.raises(ValidationError, match="end after it starts"):
        window.clean()
