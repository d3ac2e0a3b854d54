"""Billing emails, each sent once, in the member's language."""

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from billing.models import Invoice


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
    with translation.override(user.preferred_language or club.default_language), timezone.override(user.time_zone):
        subject = render_to_string("billing/email/payment_failed_subject.txt", context).strip()
        message = EmailMultiAlternatives(
            subject=subject,
            body=render_to_string("billing/email/payment_failed.txt", context),
            to=[user.email],
        )
        message.attach_alternative(render_to_string("billing/email/payment_failed.html", context), "text/html")
    message.send()
    invoice.payment_failed_notified_at = timezone.now()
    invoice.save(update_fields=["payment_failed_notified_at", "updated_at"])
    return True
