from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0004_backfill_access_history"),
    ]

    operations = [
        migrations.AddField(
            model_name="metricsnapshot",
            name="events_going",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="said they were going to that day's events"
            ),
        ),
        migrations.AddField(
            model_name="metricsnapshot",
            name="events_attended",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="of those, checked in"),
        ),
        migrations.AddField(
            model_name="metricsnapshot",
            name="revenue_paid_minor",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="paid that day (minor units)"),
        ),
        migrations.AddField(
            model_name="metricsnapshot",
            name="revenue_refunded_minor",
            field=models.BigIntegerField(blank=True, null=True, verbose_name="refunded that day (minor units)"),
        ),
    ]
