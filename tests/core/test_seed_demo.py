"""`manage.py seed_demo`: a believable company, the demo logins, and no duplicates on a second run."""

from django.core.management import call_command

from apps.core.models import Account, Lead, LeadStage, LeadTransition, Opportunity, Territory, User


def test_seed_demo_twice_does_not_duplicate(db, settings):
    settings.SMOPS_DEMO_PASSWORD = "demo-pass-42"
    call_command("seed_demo", accounts=20)
    counts = (User.objects.count(), Account.objects.count(), Lead.objects.count(), LeadTransition.objects.count())
    call_command("seed_demo", accounts=20)
    again = (User.objects.count(), Account.objects.count(), Lead.objects.count(), LeadTransition.objects.count())
    assert counts == again
    assert counts[1] == 20


def test_seed_demo_creates_the_demo_logins(db, settings, client):
    settings.SMOPS_DEMO_PASSWORD = "demo-pass-42"
    call_command("seed_demo", accounts=10)
    for username in ("admin", "salesops", "marketingops", "manager", "rep"):
        assert client.login(username=username, password="demo-pass-42"), username
    assert User.objects.get(username="rep").manager.username == "manager"
    assert User.objects.get(username="admin").is_superuser
    assert User.objects.get(username="salesops").has_role("sales_ops")


def test_seed_demo_builds_a_whole_company(db):
    call_command("seed_demo", accounts=60)
    assert set(Lead.objects.values_list("stage", flat=True)) == set(LeadStage.values)
    # two regions (sales ops' routing demo puts territories under them), every territory on a working calendar
    assert Territory.objects.filter(parent=None).count() == 2
    assert not Territory.objects.filter(calendar__working_hours__isnull=True).exists()
    assert Opportunity.objects.exists()
    # Every demo lead's history ends in the stage it is in.
    for lead in Lead.objects.all()[:50]:
        assert lead.transitions.order_by("at", "id").last().to_stage == lead.stage
