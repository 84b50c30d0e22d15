"""Run one pass of the SLA scan by hand (the same pass beat runs every minute)."""

from django.core.management.base import BaseCommand

from apps.sales_ops.sla.services import sla_scan


class Command(BaseCommand):
    help = "Handle every SLA clock whose warning, breach or escalation has come due."

    def handle(self, *args, **options):
        self.stdout.write(f"{sla_scan()} clock(s) handled.")
