"""Access-matrix rows for the notifications app's URLs (collected by tests/test_access_matrix.py).

Notifications belong to one person, not to a club: every page is the signed-in person's own. Another
person's notification answers 404 to everyone (its existence does not leak). The bell answers signed-out
visitors with 204 (htmx swaps nothing); the one-click unsubscribe answers anyone holding the signed link.
"""

from django.urls import reverse

from core.tokens import token_make
from notifications.emails import UNSUBSCRIBE_PURPOSE
from notifications.models import Notification
from tests.access import Page, everyone, signed_in
from tests.factories import MembershipFactory


def _someone_elses_notification(club) -> str:
    owner = MembershipFactory(club=club, plan=club.plans.first()).user
    notification = Notification.objects.create(
        user=owner, kind="offer_new", key="1", club=club, params={"offer_title": "Tea"}, url="/"
    )
    return reverse("notifications:notification-open", args=[notification.pk])


def _unsubscribe(club) -> str:
    owner = MembershipFactory(club=club, plan=club.plans.first()).user
    return reverse(
        "notifications:email-unsubscribe", args=[token_make(purpose=UNSUBSCRIBE_PURPOSE, parts=[owner.pk, "reply"])]
    )


def _list(club) -> str:
    return reverse("notifications:notification-list")


def _preferences(club) -> str:
    return reverse("notifications:preferences")


PAGES = [
    Page("notification-list", _list, signed_in(200)),
    Page("notification-open", _someone_elses_notification, signed_in(404)),
    Page(
        "notification-mark-all-read",
        lambda club: reverse("notifications:notification-mark-all-read"),
        signed_in(_list),
        method="post",
    ),
    Page("bell", lambda club: reverse("notifications:bell"), {**everyone(200), "anonymous": 204}),
    Page("preferences", _preferences, signed_in(200)),
    # Nothing chosen: the form again with its errors (200), nothing stored.
    Page("preferences-post", _preferences, signed_in(200), method="post"),
    Page("email-unsubscribe", _unsubscribe, everyone(200)),
    Page("email-unsubscribe-post", _unsubscribe, everyone(200), method="post"),
]
