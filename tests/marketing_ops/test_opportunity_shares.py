"""The opportunity page shows the content shared on it (a panel the content library adds through core's hook)."""

from apps.core.factories import ContactFactory, OpportunityFactory
from apps.marketing_ops.content.factories import published_asset
from apps.marketing_ops.content.services.usage import content_share


def test_an_opportunity_page_lists_the_content_shared_on_it(client, rep):
    opportunity = OpportunityFactory(owner=rep)
    contact = ContactFactory(account=opportunity.account, consent_status="granted")
    asset = published_asset(title="Security whitepaper")
    content_share(asset_id=asset.pk, actor=rep, contact_id=contact.pk, opportunity_id=opportunity.pk)
    client.force_login(rep)
    page = client.get(f"/opportunities/{opportunity.pk}/").content.decode()
    assert "Security whitepaper" in page and f"/contacts/{contact.pk}/" in page


def test_an_opportunity_without_shares_says_how_they_are_recorded(client, rep):
    opportunity = OpportunityFactory(owner=rep)
    client.force_login(rep)
    page = client.get(f"/opportunities/{opportunity.pk}/").content.decode()
    assert "No content shared on this opportunity yet" in page
