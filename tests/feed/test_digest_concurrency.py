import pytest
from django.core import mail

from feed import services
from feed.models import Cheer, Comment
from tests.concurrency import at_once, require_postgresql
from tests.feed.factories import AchievementFactory, CheerFactory, CommentFactory, member_of


@pytest.mark.django_db(transaction=True)
def test_two_digest_runs_at_the_same_moment_tell_each_item_once(club):
    """PostgreSQL: the author's row lock makes the second run wait, then find nothing new."""
    require_postgresql("needs PostgreSQL's row locks; runs under CI=true")
    post = AchievementFactory(club=club, author=member_of(club))
    for _ in range(3):
        CheerFactory(achievement=post, user=member_of(club))
    CommentFactory(achievement=post, author=member_of(club))

    def send():
        return services.activity_digest_send(user_id=post.author_id)

    told, errors = at_once(send, send)
    assert errors == []
    assert sorted(told) == [0, 4]
    assert len(mail.outbox) == 1
    assert not Cheer.objects.filter(digested_at__isnull=True).exists()
    assert not Comment.objects.filter(digested_at__isnull=True).exists()
