"""Check each campaign's stored spend totals against its ledger summed again; `--repair` rebuilds the wrong ones."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from apps.marketing_ops.budgets.selectors import money_text, spend_totals_mismatches
from apps.marketing_ops.budgets.services.totals import spend_totals_rebuild


class Command(BaseCommand):
    help = (
        "Compare every campaign's stored committed and actual spend with its ledger summed again. Exits 1 when any "
        "differs (for a cron job or a monitor); --repair writes those campaigns' totals again from the ledger."
    )

    def add_arguments(self, parser):
        parser.add_argument("--repair", action="store_true", help="rebuild the totals of the campaigns that differ")

    def handle(self, *args, repair: bool, **options):
        wrong = spend_totals_mismatches()
        if not wrong:
            self.stdout.write("Every campaign's stored spend totals match its ledger.")
            return
        for mismatch in wrong:
            (stored_committed, stored_actual), (ledger_committed, ledger_actual) = mismatch.stored, mismatch.ledger
            self.stdout.write(
                f"campaign {mismatch.campaign_id}: stored committed {money_text(stored_committed)}, "
                f"actual {money_text(stored_actual)}; ledger committed {money_text(ledger_committed)}, "
                f"actual {money_text(ledger_actual)}"
            )
        if not repair:
            raise CommandError(f"{len(wrong)} campaign(s) differ from their ledger; --repair rebuilds them.")
        with transaction.atomic():
            spend_totals_rebuild(campaign_ids=[mismatch.campaign_id for mismatch in wrong])
        self.stdout.write(f"Rebuilt the totals of {len(wrong)} campaign(s) from their ledger.")
