"""/api/v1/content/shares/: reps record sharing a live customer asset with a contact on their own opportunity;
every refusal is a 400 with its code and writes nothing; the list shows reps their own, ops everyone's."""

import datetime as dt

import pytest

from apps.core.factories import ContactFactory, OpportunityFactory
from apps.marketing_ops.content.factories import AssetFactory, published_asset
from apps.marketing_ops.content.models import Audience, ContentShare
from apps.marketing_ops.content.services import usage
from tests.marketing_ops.content.conftest import TODAY

URL = "/api/v1/content/shares/"


@pytest.fixture
def deal(rep, frozen):
    return OpportunityFactory(owner=rep, name="Acme renewal")


@pytest.fixture
def contact(deal):
    return ContactFactory(account=deal.account)


@pytest.fixture
def asset(owner, frozen):
    return published_asset(owner=owner, title="Pricing deck", expires_on=TODAY + dt.timedelta(days=30))


def share(api, user, asset, contact, deal, **extra):
    body = {"asset": asset.pk, "contact": contact.pk, "opportunity": deal.pk, **extra}
    return api.as_user(user).post(URL, body, format="json")


def test_a_rep_shares_the_current_version(api, rep, asset, contact, deal):
    response = share(api, rep, asset, contact, deal, note="After the demo")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["asset"] == {"id": asset.pk, "title": "Pricing deck"}
    assert (body["version"], body["contact"]["id"], body["opportunity"]) == (
        1,
        contact.pk,
        {"id": deal.pk, "name": "Acme renewal"},
    )
    assert (body["shared_by"]["username"], body["note"]) == ("rita", "After the demo")
    assert ContentShare.objects.get().version == asset.current_version


def refused(api, user, asset, contact, deal, code, field, **extra):
    response = share(api, user, asset, contact, deal, **extra)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == code and field in response.json()
    assert not ContentShare.objects.exists()


def test_an_opted_out_contact_is_refused(api, rep, asset, contact, deal):
    contact.email_opt_out = True
    contact.save()
    refused(api, rep, asset, contact, deal, "no_consent", "contact")


def test_an_internal_asset_is_refused(api, rep, owner, contact, deal):
    internal = published_asset(owner=owner, audience=Audience.INTERNAL)
    refused(api, rep, internal, contact, deal, "not_shareable", "asset")


def test_an_expired_asset_is_refused(api, rep, asset, contact, deal):
    asset.expires_on = TODAY
    asset.save()
    refused(api, rep, asset, contact, deal, "not_live", "asset")


def test_a_draft_is_refused(api, rep, owner, contact, deal):
    draft = AssetFactory(owner=owner, audience=Audience.CUSTOMER)
    refused(api, rep, draft, contact, deal, "not_live", "asset")


def test_another_reps_opportunity_is_refused(api, rep, other_rep, asset, frozen):
    theirs = OpportunityFactory(owner=other_rep)
    refused(api, rep, asset, ContactFactory(account=theirs.account), theirs, "not_your_opportunity", "opportunity")


def test_a_contact_of_another_account_is_refused(api, rep, asset, deal):
    refused(api, rep, asset, ContactFactory(), deal, "contact_not_on_account", "contact")


def test_a_missing_asset_is_refused(api, rep, asset, contact, deal):
    asset.pk = 999_999
    refused(api, rep, asset, contact, deal, "not_found", "asset")


@pytest.mark.parametrize(
    ("change", "field"),
    [({"asset": "x"}, "asset"), ({"contact": 2**70}, "contact"), ({"opportunity": None}, "opportunity")],
)
def test_ids_that_are_no_ids_are_a_400_naming_them(api, rep, asset, contact, deal, change, field):
    body = {"asset": asset.pk, "contact": contact.pk, "opportunity": deal.pk, **change}
    response = api.as_user(rep).post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json()
    assert not ContentShare.objects.exists()


def test_a_note_past_its_limit_is_refused(api, rep, asset, contact, deal):
    response = share(api, rep, asset, contact, deal, note="x" * 501)
    assert response.status_code == 400 and "note" in response.json()
    assert not ContentShare.objects.exists()


@pytest.mark.parametrize("role", ["marketing_ops", "sales_ops"])
def test_ops_record_no_shares(api, request, role, asset, contact, deal):
    assert share(api, request.getfixturevalue(role), asset, contact, deal).status_code == 403
    assert not ContentShare.objects.exists()


# --- the list -------------------------------------------------------------------------------------------------


@pytest.fixture
def shares(rep, other_rep, asset, contact, deal):
    mine = usage.content_share(asset_id=asset.pk, actor=rep, contact_id=contact.pk, opportunity_id=deal.pk)
    theirs_deal = OpportunityFactory(owner=other_rep)
    theirs = usage.content_share(
        asset_id=asset.pk,
        actor=other_rep,
        contact_id=ContactFactory(account=theirs_deal.account).pk,
        opportunity_id=theirs_deal.pk,
    )
    return mine, theirs, theirs_deal


def ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_a_rep_lists_their_own_shares(api, rep, shares):
    mine, _, _ = shares
    assert ids(api.as_user(rep).get(URL)) == [mine.pk]


def test_a_manager_lists_their_teams_shares(api, manager, shares):
    mine, _, _ = shares
    assert ids(api.as_user(manager).get(URL)) == [mine.pk]


def test_ops_list_every_share_newest_first_and_filter(api, marketing_ops, sales_ops, shares, asset):
    mine, theirs, theirs_deal = shares
    assert ids(api.as_user(marketing_ops).get(URL)) == [theirs.pk, mine.pk]
    assert ids(api.as_user(sales_ops).get(URL, {"opportunity": theirs_deal.pk})) == [theirs.pk]
    assert ids(api.as_user(sales_ops).get(URL, {"asset": asset.pk})) == [theirs.pk, mine.pk]
    assert ids(api.as_user(sales_ops).get(URL, {"asset": asset.pk + 1})) == []


def test_a_filter_that_is_no_id_is_a_400(api, marketing_ops, shares):
    response = api.as_user(marketing_ops).get(URL, {"asset": "pricing"})
    assert response.status_code == 400 and "asset" in response.json()
