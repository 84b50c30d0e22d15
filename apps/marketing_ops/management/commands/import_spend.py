"""Import finance's spend CSV: every row checked first; nothing posted if one is bad; re-imports post nothing twice."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from apps.marketing_ops.budgets.services.spend_import import OPTIONAL, REQUIRED, spend_import


class Command(BaseCommand):
    help = (
        f"Import spend from a UTF-8 CSV with the columns {', '.join(REQUIRED)} (and optionally {', '.join(OPTIONAL)}). "
        "Nothing is posted when any row is bad; rows already posted (same external_ref) are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="check every row, post nothing")

    def handle(self, *args, file: Path, dry_run: bool, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from error
        report = spend_import(data=data, dry_run=dry_run, actor=None)
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(report.summary())
        self.stdout.write(self.style.SUCCESS(report.summary()))
