"""Build a believable demo company: calendars, territories, managers and reps, accounts, leads, deals."""

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.services.demo import demo_seed


class Command(BaseCommand):
    help = "Create demo data and the demo logins (admin, salesops, marketingops, manager, rep). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--accounts", type=int, default=300)

    def handle(self, *args, **options):
        result = demo_seed(password=settings.SMOPS_DEMO_PASSWORD, accounts=options["accounts"])
        self.stdout.write(self.style.SUCCESS(result))
        # Each app adds its own demo data through its AppConfig, so core needs to know none of them.
        for app_config in apps.get_app_configs():
            if hasattr(app_config, "seed_demo"):
                self.stdout.write(self.style.SUCCESS(app_config.seed_demo()))
