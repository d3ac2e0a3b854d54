from django.core.management.base import BaseCommand, CommandError

from billing.services.catalog import catalog_sync


class Command(BaseCommand):
    help = "Create or update a Stripe Product per club and a recurring Price per plan (safe to re-run)."

    def handle(self, *args, **options):
        report = catalog_sync()
        self.stdout.write(
            f"products created {report.products_created}, renamed {report.products_renamed}; "
            f"prices created {report.prices_created}, archived {report.prices_archived}"
        )
        if report.errors:
            raise CommandError("Stripe refused some changes:\n" + "\n".join(report.errors))
