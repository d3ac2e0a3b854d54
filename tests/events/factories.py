"""factory-boy factories for events: occurrences are built directly (the services are tested on their own)."""

from datetime import time, timedelta

import factory
from django.utils import timezone

from events.models import Attendance, CalendarFeedToken, EventOccurrence, EventSeries, Rsvp, RsvpStatus
from tests.factories import ClubFactory, UserFactory


class EventSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventSeries

    club = factory.SubFactory(ClubFactory)
    title = factory.Sequence(lambda n: f"Meeting {n}")
    description = "We talk about the week."
    online_url = "https://meet.example.com/secret-room"
    place = "Secret Garden Hall"
    time_zone = factory.SelfAttribute("club.time_zone")
    start_date = factory.LazyFunction(lambda: (timezone.now() + timedelta(days=7)).date())
    start_time = time(19, 0)
    duration = timedelta(hours=1)


class EventOccurrenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EventOccurrence

    class Params:
        starts_in = timedelta(days=7)

    club = factory.SubFactory(ClubFactory)
    series = factory.SubFactory(EventSeriesFactory, club=factory.SelfAttribute("..club"))
    title = factory.SelfAttribute("series.title")
    description = factory.SelfAttribute("series.description")
    online_url = factory.SelfAttribute("series.online_url")
    place = factory.SelfAttribute("series.place")
    starts_at = factory.LazyAttribute(lambda o: (timezone.now() + o.starts_in).replace(microsecond=0))
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
    rsvp_deadline = factory.LazyAttribute(lambda o: o.starts_at)
    original_date = factory.LazyAttribute(lambda o: o.starts_at.date())


class RsvpFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Rsvp

    occurrence = factory.SubFactory(EventOccurrenceFactory)
    user = factory.SubFactory(UserFactory)
    status = RsvpStatus.GOING
    responded_at = factory.LazyAttribute(lambda o: o.occurrence.starts_at - timedelta(days=3))


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    occurrence = factory.SubFactory(EventOccurrenceFactory)
    user = factory.SubFactory(UserFactory)
    checked_in_at = factory.LazyAttribute(lambda o: o.occurrence.starts_at)


class CalendarFeedTokenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CalendarFeedToken

    user = factory.SubFactory(UserFactory)
