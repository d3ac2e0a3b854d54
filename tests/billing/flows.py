"""Drive a member through checkout with the emulator and the real webhook endpoint."""

from django.urls import reverse

from clubs.models import Membership
from devtools.demo.checkout import demo_events_deliver


def join_and_pay(client, stripe_emulator, capture, *, user, plan, consent: bool = True) -> Membership:
    """Join on a plan, complete the emulated checkout, deliver Stripe's events; returns the membership.

    ``consent``: the member ticks the join page's boxes for the club's offer and club emails (clubs.consent).
    """
    client.force_login(user)
    boxes = {"consent_offers": "yes", "consent_automations": "yes"} if consent else {}
    response = client.post(reverse("billing:club-join", args=[plan.club.slug, plan.pk]), boxes)
    session_id = response["Location"].rsplit("/", 1)[-1]
    with capture(execute=True):
        demo_events_deliver(stripe_emulator.complete_checkout(session_id))
    return Membership.objects.get(user=user, club=plan.club)


def deliver(events, capture) -> None:
    with capture(execute=True):
        demo_events_deliver(events)
