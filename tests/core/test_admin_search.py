"""Admin search that uses indexes: exact keys, e-mails and domains never LIKE over joins; trigram indexes on
PostgreSQL; change lists that never page deep into a big table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.core.admin_utils import LargeTablePaginator
from apps.core.factories import AccountFactory, ContactFactory, LeadFactory
from apps.core.models import Contact


@pytest.fixture
def bob(db):
    """Bob of Acme, with a lead; and a decoy whose address merely contains Bob's."""
    acme = AccountFactory(name="Acme", domain="acme.com")
    contact = ContactFactory(email="Bob@acme.com", account=acme)
    decoy = ContactFactory(email="x.bob@acme.com.evil.org", account=AccountFactory(domain="acme.com.evil.org"))
    return LeadFactory(contact=contact), LeadFactory(contact=decoy)


def search(admin_client, model: str, term: str) -> tuple[list[int], list[str]]:
    url = reverse(f"admin:core_{model}_changelist")
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"q": term})
    assert response.status_code == 200
    found = [obj.pk for obj in response.context["cl"].result_list]
    return found, [q["sql"] for q in queries]


def likes(sqls: list[str]) -> list[str]:
    return [sql for sql in sqls if " LIKE " in sql.upper()]


@pytest.mark.parametrize("term", ["bob@acme.com", "BOB@ACME.COM", " Bob@acme.com "])
def test_a_lead_search_for_an_address_finds_it_through_the_unique_index(admin_client, bob, term):
    lead, _ = bob
    found, sqls = search(admin_client, "lead", term)
    assert found == [lead.pk]
    assert not likes(sqls)


@pytest.mark.parametrize("term", ["acme.com", "https://www.Acme.com/"])
def test_a_lead_search_for_a_domain_finds_the_accounts_leads_exactly(admin_client, bob, term):
    lead, _ = bob
    found, sqls = search(admin_client, "lead", term)
    assert found == [lead.pk]
    assert not likes(sqls)


@pytest.mark.parametrize("shape", ["{}", "={}", "= {}"])
def test_a_lead_search_for_a_key_compares_the_key_not_its_text(admin_client, bob, shape):
    lead, _ = bob
    found, sqls = search(admin_client, "lead", shape.format(lead.pk))
    assert found == [lead.pk]
    assert not likes(sqls)
    assert not [sql for sql in sqls if "::text" in sql or "CAST(" in sql.upper()]


def test_contact_and_account_searches_for_an_address_or_a_domain_are_exact(admin_client, bob):
    lead, _ = bob
    found, sqls = search(admin_client, "contact", "bob@acme.com")
    assert found == [lead.contact_id] and not likes(sqls)
    found, sqls = search(admin_client, "contact", "acme.com")
    assert found == [lead.contact_id] and not likes(sqls)
    found, sqls = search(admin_client, "account", "acme.com")
    assert found == [lead.account_id] and not likes(sqls)
    found, sqls = search(admin_client, "account", "someone@Acme.com")
    assert found == [lead.account_id] and not likes(sqls)


def test_any_other_search_still_finds_part_of_a_text(admin_client, bob):
    lead, decoy = bob
    found, sqls = search(admin_client, "lead", "bob")
    assert sorted(found) == sorted([lead.pk, decoy.pk])
    assert likes(sqls)
    found, _ = search(admin_client, "contact", "evil")
    assert found == [decoy.contact_id]


def test_the_change_list_has_no_page_past_the_first_rows_cap(db):
    paginator = LargeTablePaginator(Contact.objects.order_by("pk"), per_page=50)
    paginator.count = 1_000_000  # as the planner's estimate of a big table says
    assert paginator.num_pages == LargeTablePaginator.CAP // 50
    assert paginator.page(paginator.num_pages).number == 200
    with pytest.raises(Exception, match="no results|contains no"):
        paginator.page(paginator.num_pages + 1)


def test_a_page_past_the_cap_is_refused_by_the_admin_not_read(admin_client, bob, monkeypatch):
    from apps.core.admin_leads import LeadAdmin

    # Three leads, one a page, and a cap of two rows: page 3 is past it (Django counts pages from 1).
    LeadFactory()
    monkeypatch.setattr(LeadAdmin, "list_per_page", 1)
    monkeypatch.setattr(LargeTablePaginator, "CAP", 2)
    url = reverse("admin:core_lead_changelist")
    assert admin_client.get(url, {"p": 2}).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url, {"p": 3})
    # The admin's answer to a page that does not exist: back to the first page, saying so.
    assert response.status_code == 302 and "e=1" in response["Location"]
    assert not [q for q in queries if "OFFSET" in q["sql"].upper()]


@pytest.mark.postgres
def test_on_postgres_the_trigram_indexes_exist_and_serve_a_search_for_part_of_an_address(on_postgres, bob):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'core_%%_trgm'")
        names = {row[0] for row in cursor.fetchall()}
        assert {"core_contact_email_trgm", "core_account_domain_trgm", "core_account_name_trgm"} <= names
        # The table is tiny: forbid the sequential scan so that the plan shows whether the index can serve.
        cursor.execute("SET LOCAL enable_seqscan = off")
        # No ORDER BY: the contacts' name order has an index of its own, which the planner prefers on a tiny table.
        plan = Contact.objects.filter(email__icontains="bob@acm").order_by().explain()
        assert "core_contact_email_trgm" in plan, plan
        plan = Contact.objects.filter(email__iexact="x").explain()  # noqa: F841 - the key path below
        from apps.core.admin_utils import lower_equals

        plan = Contact.objects.filter(lower_equals("email", "bob@acme.com")).explain()
        assert "contact_email_unique_ci" in plan, plan
