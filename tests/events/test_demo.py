import pytest
from django.core.management import call_command

from events.models import Attendance, EventOccurrence, EventSeries, Rsvp, RsvpStatus


@pytest.mark.django_db
def test_seed_demo_plans_weekly_meetings_and_a_past_event_once():
    call_command("seed_demo", verbosity=0)
    counts = (EventSeries.objects.count(), EventOccurrence.objects.count(), Rsvp.objects.count())
    call_command("seed_demo", verbosity=0)
    assert (EventSeries.objects.count(), EventOccurrence.objects.count(), Rsvp.objects.count()) == counts
    weekly = EventSeries.objects.get(title="Weekly check-in meeting", club__slug="healthy-and-happy")
    assert weekly.occurrences.count() == 12
    first = weekly.occurrences.order_by("starts_at").first()
    assert set(first.rsvps.filter(status=RsvpStatus.GOING).values_list("user__email", flat=True)) == {
        "member@example.com",
        "trial@example.com",
        "pastdue@example.com",
    }
    assert Attendance.objects.filter(occurrence__title="Kick-off picnic").count() == 2
