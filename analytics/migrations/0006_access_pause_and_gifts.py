"""Access records learn pauses; snapshots count paused members and new members from gifts.

History before this change is unknown: each membership whose subscription is paused now gets one record from
now on that carries the pause (and, in a club that gives paused members no access, the access it withholds).
"""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import Q
from django.utils import timezone

TERMINAL = ("canceled", "incomplete_expired")


def backfill(apps, schema_editor):
    Subscription = apps.get_model("billing", "Subscription")
    BillingSettings = apps.get_model("billing", "BillingSettings")
    AccessRecord = apps.get_model("analytics", "AccessRecord")
    now = timezone.now()
    keeps = set(BillingSettings.objects.filter(paused_keep_access=True).values_list("club_id", flat=True))
    paused = (
        Subscription.objects.filter(pause_behavior__gt="")
        .exclude(status__in=TERMINAL)
        .filter(Q(pause_resumes_at__isnull=True) | Q(pause_resumes_at__gt=now))
    )
    ends: dict[int, list] = {}
    for membership_id, resumes_at in paused.values_list("membership_id", "pause_resumes_at"):
        ends.setdefault(membership_id, []).append(resumes_at)
    for membership_id, resumes in ends.items():
        latest = AccessRecord.objects.filter(membership_id=membership_id, valid_to__isnull=True).first()
        if latest is None or not latest.has_access:
            continue
        until = None if None in resumes else max(resumes)
        at = max(now, latest.valid_from)
        begin = latest.valid_from
        end = min(at, latest.access_until) if latest.access_until else at
        access_before = latest.access_before + max(end - begin, timedelta())
        has_access, access_from, access_until = True, None, latest.access_until
        access_since = latest.access_since or at
        if latest.club_id not in keeps:
            access_from = until
            if until is None or (access_until is not None and access_until <= until):
                has_access, access_from, access_until = False, None, None
            access_since = access_from
        latest.valid_to = at
        latest.save(update_fields=["valid_to"])
        AccessRecord.objects.create(
            membership_id=membership_id,
            club_id=latest.club_id,
            valid_from=at,
            status=latest.status,
            has_access=has_access,
            access_from=access_from,
            access_until=access_until,
            is_complimentary=latest.is_complimentary,
            plan_id=latest.plan_id,
            is_paused=True,
            paused_until=until,
            access_before=access_before,
            access_since=access_since if has_access else None,
            monthly_amount_minor=latest.monthly_amount_minor,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0005_metricsnapshot_events_and_revenue"),
        ("billing", "0010_pause_and_gifts"),
    ]

    operations = [
        migrations.AddField(
            model_name="accessrecord",
            name="access_from",
            field=models.DateTimeField(blank=True, null=True, verbose_name="access resumes"),
        ),
        migrations.AddField(
            model_name="accessrecord",
            name="is_paused",
            field=models.BooleanField(default=False, verbose_name="paused"),
        ),
        migrations.AddField(
            model_name="accessrecord",
            name="paused_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="pause ends"),
        ),
        migrations.AddField(
            model_name="metricsnapshot",
            name="gift_new_members",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="new members from gifts that day"),
        ),
        migrations.AddField(
            model_name="metricsnapshot",
            name="paused_members",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="paused members"),
        ),
        migrations.AddIndex(
            model_name="accessrecord",
            index=models.Index(
                condition=models.Q(("is_paused", True)),
                fields=["club", "valid_from"],
                name="analytics_access_paused",
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
