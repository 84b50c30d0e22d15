"""Sharing: only a live, customer-facing asset, to a contact who may be e-mailed, on the rep's own opportunity."""

import datetime as dt

import pytest

from apps.core.exceptions import ApplicationError
from apps.core.factories import ContactFactory, OpportunityFactory
from apps.core.models.customers import ConsentStatus
from apps.marketing_ops.content.factories import VersionFactory, published_asset
from apps.marketing_ops.content.models import AssetStatus, Audience, ContentShare, ContentUsage
from apps.marketing_ops.content.services import usage
from tests.marketing_ops.content.conftest import TODAY


@pytest.fixture
def deal(rep, frozen):
    return OpportunityFactory(owner=rep)


@pytest.fixture
def contact(deal):
    return ContactFactory(account=deal.account)


@pytest.fixture
def asset(owner, frozen):
    return published_asset(owner=owner, expires_on=TODAY + dt.timedelta(days=30))


def share(asset, rep, contact, deal, **kwargs):
    return usage.content_share(asset_id=asset.pk, actor=rep, contact_id=contact.pk, opportunity_id=deal.pk, **kwargs)


def refused(*args) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        share(*args)
    assert not ContentShare.objects.exists()
    return caught.value


def test_a_rep_shares_the_current_version_with_a_contact_on_their_deal(asset, rep, contact, deal):
    shared = share(asset, rep, contact, deal, note="After the demo")
    assert (shared.version, shared.contact, shared.opportunity, shared.shared_by, shared.note) == (
        asset.current_version,
        contact,
        deal,
        rep,
        "After the demo",
    )


def test_an_opted_out_contact_is_refused(asset, rep, contact, deal):
    contact.email_opt_out = True
    contact.save()
    error = refused(asset, rep, contact, deal)
    assert (error.code, error.field) == ("no_consent", "contact")


def test_a_contact_who_withdrew_consent_is_refused(asset, rep, contact, deal):
    contact.consent_status = ConsentStatus.WITHDRAWN
    contact.save()
    assert refused(asset, rep, contact, deal).code == "no_consent"


def test_a_contact_without_an_address_is_refused(asset, rep, contact, deal):
    contact.email = ""
    contact.save()
    assert refused(asset, rep, contact, deal).code == "no_consent"


def test_an_internal_asset_is_not_shareable(owner, rep, contact, deal):
    internal = published_asset(owner=owner, audience=Audience.INTERNAL)
    error = refused(internal, rep, contact, deal)
    assert (error.code, error.field) == ("not_shareable", "asset")


def test_an_expired_asset_is_not_live(asset, rep, contact, deal, frozen):
    asset.expires_on = TODAY
    asset.save()
    error = refused(asset, rep, contact, deal)
    assert error.code == "not_live" and "expired" in error.message


@pytest.mark.parametrize("status", [AssetStatus.DRAFT, AssetStatus.IN_REVIEW, AssetStatus.ARCHIVED])
def test_an_asset_not_published_is_not_live(owner, rep, contact, deal, status):
    asset = published_asset(owner=owner)
    asset.status = status
    asset.save()
    assert refused(asset, rep, contact, deal).code == "not_live"


def test_another_reps_opportunity_is_refused(asset, rep, other_rep, frozen):
    theirs = OpportunityFactory(owner=other_rep)
    contact = ContactFactory(account=theirs.account)
    error = refused(asset, rep, contact, theirs)
    assert (error.code, error.field) == ("not_your_opportunity", "opportunity")


def test_a_contact_of_another_account_is_refused(asset, rep, deal):
    stranger = ContactFactory()
    error = refused(asset, rep, stranger, deal)
    assert (error.code, error.field) == ("contact_not_on_account", "contact")


def test_marketing_ops_record_no_shares(asset, marketing_ops, contact, deal):
    error = refused(asset, marketing_ops, contact, deal)
    assert (error.code, error.status_code) == ("forbidden", 403)


def test_a_new_draft_version_is_not_what_is_shared(asset, rep, contact, deal):
    VersionFactory(asset=asset)  # a draft v2 waiting for review
    assert share(asset, rep, contact, deal).version == asset.current_version


def test_usage_is_a_row_naming_version_and_user(asset, rep):
    row = usage.usage_record(version=asset.current_version, user=rep, action=ContentUsage.Action.DOWNLOAD)
    assert (row.asset, row.version, row.user, row.action) == (asset, asset.current_version, rep, "download")
