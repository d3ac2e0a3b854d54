from django.core.management.base import BaseCommand, CommandError

from billing.services.reconcile import STRIPE_EVENT_RETENTION_DAYS, stripe_reconcile


class Command(BaseCommand):
    help = "Store and process Stripe events missed in the last 30 days; re-sync subscriptions that disagree."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=STRIPE_EVENT_RETENTION_DAYS, choices=range(1, 31))

    def handle(self, *args, days, **options):
        report = stripe_reconcile(days=days)
        self.stdout.write(
            f"events seen {report.events_seen}, missing and now stored {report.events_missing}; "
            f"subscriptions checked {report.subscriptions_checked}, corrected {report.subscriptions_corrected}"
        )
        if report.errors:
            raise CommandError("\n".join(report.errors))
