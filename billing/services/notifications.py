"""Billing emails, each sent once, in the member's language."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from billing.models import ActivationEmail, Invoice
from clubs.emails import branding_for
from clubs.models import MembershipStatus, MembershipStatusChange
from core import emails
from members.emails import recipient_for


@transaction.atomic
def payment_failed_notify(*, invoice_pk: int) -> bool:
    """Email the member a link to fix their card; returns False when already sent or not possible yet."""
    invoice = (
        Invoice.objects.select_for_update(of=("self",))
        .select_related("customer__user", "subscription__membership__club")
        .get(pk=invoice_pk)
    )
    if invoice.payment_failed_notified_at is not None or invoice.subscription is None:
        return False
    membership = invoice.subscription.membership
    user, club = invoice.customer.user, membership.club
    context = {
        "user": user,
        "club": club,
        "invoice": invoice,
        "grace_period_ends_at": membership.grace_period_ends_at,
        "billing_url": settings.SITE_URL + reverse("billing:club-billing", args=[club.slug]),
    }
    emails.email_send(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template="billing/email/payment_failed_subject.txt",
        text_template="billing/email/payment_failed.txt",
        html_template="billing/email/payment_failed.html",
        context=context,
    )
    invoice.payment_failed_notified_at = timezone.now()
    invoice.save(update_fields=["payment_failed_notified_at", "updated_at"])
    return True


# A status change from one of these to one of those is an activation: the member now has access through payment.
ACTIVATES_FROM = (MembershipStatus.PENDING, MembershipStatus.CANCELED, MembershipStatus.EXPIRED)
ACTIVATES_TO = (MembershipStatus.TRIALING, MembershipStatus.ACTIVE)


def activation_email_enqueue(*, status_change: MembershipStatusChange | None) -> None:
    """After the transaction commits, send the activation email when this change was an activation."""
    if status_change is None:
        return
    if status_change.from_status not in ACTIVATES_FROM or status_change.to_status not in ACTIVATES_TO:
        return
    from billing.tasks import send_activation_email

    change_pk = status_change.pk
    transaction.on_commit(lambda: send_activation_email.delay(change_pk))


@transaction.atomic
def activation_notify(*, status_change_pk: int) -> bool:
    """Email "your membership is active" once for this activation; False when already sent or not one.

    Transactional (it confirms what the member paid for): no opt-out, and suppression does not stop it.
    The marker row is locked first, so two workers (or a retried task) send it once.
    """
    change = (
        MembershipStatusChange.objects.select_related("membership__club", "membership__user", "membership__plan")
        .filter(pk=status_change_pk)
        .first()
    )
    if change is None or change.from_status not in ACTIVATES_FROM or change.to_status not in ACTIVATES_TO:
        return False
    ActivationEmail.objects.get_or_create(status_change=change)
    marker = ActivationEmail.objects.select_for_update().get(status_change=change)
    if marker.sent_at is not None:
        return False
    membership = change.membership
    user, club = membership.user, membership.club
    context = {
        "user": user,
        "club": club,
        "membership": membership,
        "plan": membership.plan,
        "trialing": change.to_status == MembershipStatus.TRIALING,
        "club_home_url": settings.SITE_URL + reverse("clubs:club-home", args=[club.slug]),
        "billing_url": settings.SITE_URL + reverse("billing:club-billing", args=[club.slug]),
    }
    emails.email_send(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template="billing/email/membership_active_subject.txt",
        text_template="billing/email/membership_active.txt",
        html_template="billing/email/membership_active.html",
        context=context,
    )
    marker.sent_at = timezone.now()
    marker.save(update_fields=["sent_at"])
    return True
