"""Recognition: the highlight of the week a leader picks, in weeks that end at the club's midnight."""

import zoneinfo
from datetime import date, datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.models import Club
from feed.exceptions import FeedError
from feed.models import Achievement, WeeklyHighlight
from feed.services.rules import require_leader
from members.models import User


def club_week_start(*, club: Club, at: datetime) -> date:
    """The Monday of the ISO week ``at`` falls in, in the club's time zone (weeks end at the club's midnight)."""
    local_day = timezone.localtime(at, timezone=zoneinfo.ZoneInfo(club.time_zone)).date()
    return local_day - timedelta(days=local_day.weekday())


@transaction.atomic
def highlight_choose(*, achievement: Achievement, leader: User, now: datetime | None = None) -> WeeklyHighlight:
    """A leader picks this week's highlight; picking again the same week replaces the choice."""
    require_leader(user=leader, club=achievement.club)
    if achievement.is_hidden:
        raise FeedError(_("A hidden post cannot be the highlight of the week."))
    week_start = club_week_start(club=achievement.club, at=now or timezone.now())
    highlight, _created = WeeklyHighlight.objects.update_or_create(
        club=achievement.club, week_start=week_start, defaults={"achievement": achievement, "chosen_by": leader}
    )
    return highlight
