"""What the feed contributes to the clubs' definition of member activity (``clubs.activity``).

Registered from ``FeedConfig.ready()``: posting an achievement (hidden later or not) is a sign of life.
"""

from clubs.activity import ActivitySource, source_register
from feed.models import Achievement


def register() -> None:
    source_register(
        ActivitySource(
            name="achievement", model=Achievement, member_field="author", club_field="club", at_field="created_at"
        )
    )
