"""Each membership keeps its member's newest sign of life in its club (``clubs.activity``); lapses get an index.

The backfill reads the activity sources the apps register (events: RSVPs and check-ins, feed: achievements)
through ``clubs.activity.last_activity_refresh``, so clubs names none of them; the dependencies only make
sure their tables exist when this runs on a database that has memberships.
"""

from django.db import migrations, models


def backfill(apps, schema_editor):
    from clubs import activity
    from clubs.models import Membership

    if Membership.objects.exists():
        activity.last_activity_refresh(Membership.objects.all())


class Migration(migrations.Migration):
    dependencies = [
        ("clubs", "0009_club_email_branding"),
        ("events", "0001_initial"),
        ("feed", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="membership",
            name="last_activity_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="last activity"),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="membershipstatuschange",
            index=models.Index(
                condition=models.Q(("to_status__in", ("canceled", "expired"))),
                fields=["membership", "changed_at"],
                name="clubs_status_lapses",
            ),
        ),
    ]
