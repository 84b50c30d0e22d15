"""The contact page shows the campaigns the person responded to (a panel marketing ops add through core's hook)."""

import datetime as dt

import time_machine

from apps.core.factories import ContactFactory
from apps.marketing_ops.budgets.factories import CampaignTouchFactory

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)


def test_a_contact_page_lists_their_campaign_touches(client, rep):
    contact = ContactFactory()
    with time_machine.travel(T0, tick=False):
        touch = CampaignTouchFactory(contact=contact, response="attended")
        CampaignTouchFactory(contact=ContactFactory())
        client.force_login(rep)
        page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert touch.campaign.name in page and "Attended" in page
    assert page.count('data-label="Campaign"') == 1


def test_a_contact_without_touches_says_how_they_come(client, rep):
    contact = ContactFactory()
    client.force_login(rep)
    page = client.get(f"/contacts/{contact.pk}/").content.decode()
    assert "No campaign touches yet" in page
