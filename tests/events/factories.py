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


def cover_upload(name: str = "cover.png", size: tuple[int, int] = (320, 180)):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, "orange").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def occurrence_with_cover(club) -> EventOccurrence:
    """An event whose series has a cover image, stored by the service (the one image pipeline)."""
    from events.services.schedule import series_cover_set

    occurrence = EventOccurrenceFactory(club=club)
    series_cover_set(series=occurrence.series, cover=cover_upload())
    return occurrence
