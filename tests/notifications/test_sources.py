"""Sources wired to the bell: replies and cheers on my posts, a waitlist promotion, a new offer, a failed payment."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from clubs.models import MembershipStatus
from events.services.rsvps import rsvp_set
from feed.services import cheer_set, comment_create
from notifications.models import Notification
from offers.models import OfferKind
from offers.services.posting import offer_create, offer_update
from tests.billing.flows import deliver, join_and_pay
from tests.events.factories import EventOccurrenceFactory
from tests.factories import MembershipFactory, UserFactory
from tests.feed.factories import AchievementFactory

pytestmark = pytest.mark.django_db


def told(user, kind=None):
    rows = Notification.objects.filter(user=user)
    return list(rows.filter(kind=kind) if kind else rows)


# --- feed --------------------------------------------------------------------------------------------------


def test_a_comment_on_my_post_notifies_me_once_after_commit(club, member_of, django_capture_on_commit_callbacks):
    author, commenter = member_of(club), member_of(club, display_name="Bea")
    post = AchievementFactory(club=club, author=author)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        comment = comment_create(achievement=post, author=commenter, text="Great run, well done!")
    assert told(author) == []  # nothing before the comment is committed
    for callback in callbacks:
        callback()
    [notification] = told(author, "reply")
    assert notification.params == {
        "comment_id": comment.pk,
        "actor_name": "Bea",
        "excerpt": "Great run, well done!",
        "club_name": club.name,
    }
    assert notification.url == f"{post.get_absolute_url()}#comment-{comment.pk}"
    assert notification.text == "Bea commented on your post: “Great run, well done!”"
    assert told(commenter) == []


def test_commenting_on_my_own_post_notifies_nobody(club, member_of, django_capture_on_commit_callbacks):
    author = member_of(club)
    with django_capture_on_commit_callbacks(execute=True):
        comment_create(achievement=AchievementFactory(club=club, author=author), author=author, text="Me again")
    assert not Notification.objects.exists()


def test_a_cheer_given_taken_back_and_given_again_notifies_once(club, member_of, django_capture_on_commit_callbacks):
    author, fan = member_of(club), member_of(club, display_name="Carl")
    post = AchievementFactory(club=club, author=author)
    with django_capture_on_commit_callbacks(execute=True):
        cheer_set(achievement=post, user=fan, cheered=True)
        cheer_set(achievement=post, user=fan, cheered=False)
        cheer_set(achievement=post, user=fan, cheered=True)
    [notification] = told(author, "cheer")
    assert notification.text == "Carl cheered your post."
    assert notification.url == post.get_absolute_url()


def test_an_author_who_lost_access_hears_nothing(club, member_of, django_capture_on_commit_callbacks):
    author = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED).user
    post = AchievementFactory(club=club, author=author)
    with django_capture_on_commit_callbacks(execute=True):
        cheer_set(achievement=post, user=member_of(club), cheered=True)
    assert told(author) == []


# --- events: waitlist promotion --------------------------------------------------------------------------


def test_my_waitlist_promotion_notifies_me(club, member_of, django_capture_on_commit_callbacks):
    occurrence = EventOccurrenceFactory(club=club, capacity=1, title="Cooking class")
    seated, waiting, still_waiting = member_of(club), member_of(club), member_of(club)
    for person in (seated, waiting, still_waiting):
        rsvp_set(occurrence_pk=occurrence.pk, user=person, going=True)
    with django_capture_on_commit_callbacks(execute=True):
        rsvp_set(occurrence_pk=occurrence.pk, user=seated, going=False)
    [notification] = Notification.objects.all()
    assert (notification.user_id, notification.kind) == (waiting.pk, "waitlist_promoted")
    assert notification.text == "A seat opened up: you are now going to Cooking class."
    assert notification.url == occurrence.get_absolute_url()
    # events' own promotion email goes as before; the notification adds no second one by default.
    assert [message.to for message in mail.outbox] == [[waiting.email]]


# --- offers ------------------------------------------------------------------------------------------------


def offer_data(**overrides):
    return {
        "title": "Cookbook for members",
        "body": "Our cookbook.",
        "kind": OfferKind.PRODUCT,
        "price_minor": 2500,
        "valid_from": timezone.now() - timedelta(hours=1),
        **overrides,
    }


def test_a_published_offer_notifies_its_audience_once(club, member_of):
    members = [member_of(club) for _ in range(3)]
    lapsed = MembershipFactory(club=club, plan=club.plans.first(), status=MembershipStatus.CANCELED).user
    leader = UserFactory()
    club.leaders.add(leader)
    offer = offer_create(club=club, actor=leader, data=offer_data(publish_at=timezone.now() - timedelta(minutes=1)))
    assert set(Notification.objects.values_list("user_id", flat=True)) == {member.pk for member in members}
    assert told(lapsed) == [] and told(leader) == []
    offer_update(offer=offer, data={"body": "Now with recipes."})  # editing it again tells nobody again
    assert Notification.objects.count() == 3
    assert told(members[0])[0].url == reverse("offers:offer-detail", args=[club.slug, offer.pk])


def test_a_draft_offer_notifies_nobody_until_it_is_published(club, member_of):
    member = member_of(club)
    leader = UserFactory()
    club.leaders.add(leader)
    offer = offer_create(club=club, actor=leader, data=offer_data(publish_at=None))
    assert told(member) == []
    offer_update(offer=offer, data={"publish_at": timezone.now() - timedelta(seconds=1)})
    assert [row.kind for row in told(member)] == ["offer_new"]


def test_a_scheduled_offer_notifies_its_audience_when_it_appears_not_when_it_is_saved(club, member_of):
    from offers.services.posting import offers_notify_newly_visible

    members = [member_of(club) for _ in range(2)]
    leader = UserFactory()
    club.leaders.add(leader)
    saved_at = timezone.now()
    offer = offer_create(club=club, actor=leader, data=offer_data(publish_at=saved_at + timedelta(hours=2)))
    assert offers_notify_newly_visible(now=saved_at + timedelta(hours=1)) == 0
    assert Notification.objects.count() == 0

    assert offers_notify_newly_visible(now=saved_at + timedelta(hours=2, minutes=5)) == 1
    assert set(Notification.objects.values_list("user_id", flat=True)) == {member.pk for member in members}
    assert offers_notify_newly_visible(now=saved_at + timedelta(hours=2, minutes=10)) == 0  # told once
    assert Notification.objects.filter(kind="offer_new", key=str(offer.pk)).count() == 2


def test_a_scheduled_offer_is_still_told_after_a_day_without_beat_but_an_expired_one_is_not(club, member_of):
    from offers.services.posting import offers_notify_newly_visible

    member = member_of(club)
    leader = UserFactory()
    club.leaders.add(leader)
    saved_at = timezone.now()
    late = offer_create(club=club, actor=leader, data=offer_data(publish_at=saved_at + timedelta(minutes=5)))
    offer_create(
        club=club,
        actor=leader,
        data=offer_data(publish_at=saved_at + timedelta(minutes=5), valid_until=saved_at + timedelta(hours=3)),
    )
    assert offers_notify_newly_visible(now=saved_at + timedelta(days=1)) == 1
    assert [(row.kind, row.key) for row in told(member)] == [("offer_new", str(late.pk))]


# --- billing: invoice.payment_failed ---------------------------------------------------------------------------


def test_my_failed_payment_notifies_me_once(client, club, stripe_emulator, django_capture_on_commit_callbacks):
    member = UserFactory()
    membership = join_and_pay(
        client, stripe_emulator, django_capture_on_commit_callbacks, user=member, plan=club.plans.get(name="Monthly")
    )
    subscription = membership.subscriptions.order_by("-pk").first()
    renewal = stripe_emulator.advance_to_renewal(subscription.stripe_subscription_id, succeed=False)
    [failed] = [event for event in renewal if event["type"] == "invoice.payment_failed"]
    deliver(renewal, django_capture_on_commit_callbacks)
    deliver([failed], django_capture_on_commit_callbacks)  # Stripe delivers it again
    [notification] = told(member, "payment_failed")
    assert notification.url == reverse("billing:club-billing", args=[club.slug])
    assert notification.text == f"Your payment for {club.name} failed. Update your card to keep your membership."
