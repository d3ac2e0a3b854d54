"""What on member pages feed's rows change: posts, cheers, comments, highlights, announcements (core/pagecache.py)."""

from django.apps import apps

from core import pagecache


def register() -> None:
    from feed.models import Cheer, Comment

    pagecache.watch_club_rows(apps.get_app_config("feed"), section="feed")
    pagecache.watch(Cheer, section="feed", club_id=lambda cheer: cheer.achievement.club_id)
    pagecache.watch(Comment, section="feed", club_id=lambda comment: comment.achievement.club_id)
    try:
        from feed.models import AnnouncementComment
    except ImportError:  # announcements not there (yet)
        return
    pagecache.watch(AnnouncementComment, section="feed", club_id=lambda comment: comment.announcement.club_id)
