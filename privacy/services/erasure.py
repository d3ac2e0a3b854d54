"""Account erasure: the member (after re-entering their password) or staff (admin action, audit log) erase an account.

What happens, in this order, and why:
1. Stripe: every running subscription is cancelled, then the Stripe customer is deleted (billing/gateway.py), after
   reading the customer's country for the invoices we must keep. Stripe goes first: if it refuses, nothing here
   has changed and the member can try again.
2. The address gets an email saying the account is erased and what is kept (sent before the address is gone).
3. In one transaction the account row is anonymised, not deleted: memberships, invoices, subscriptions and kept
   posts point at it, and the club's history (retention, revenue, send results) stays true. Its address becomes
   ``erased-<id>@erased.invalid``, its name "Former member", it can never log in again, and every row that
   holds the person's data is deleted, emptied or detached as ``USER_FIELDS`` says.

Invoices keep what tax law requires (number, date, amount, currency and the buyer's country, in
``RetainedInvoice``); their links and payment references are stripped. Records kept for others keep their ids,
amounts and dates but lose the person's email and name: the stored Stripe webhook events about their customer
(``billing.services.customers.webhook_events_scrub_person``: personal fields null) and the staff audit log and
admin history (``privacy/services/records.py``: "erased user #<id>").
"""

import contextlib
import logging
from dataclasses import dataclass, field
from datetime import datetime

from allauth.account.models import EmailAddress
from django.apps import apps
from django.db import transaction
from django.db.models import JSONField
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, Gift, Invoice, StripeCustomer
from billing.services.customers import webhook_events_scrub_person
from clubs.models import Membership, MembershipStatus
from clubs.services import membership_transition
from core import emails
from core.audit import staff_action_record
from core.exceptions import DomainError
from events.models import Rsvp
from events.services.rsvps import rsvp_set
from feed.models import Achievement
from members.emails import recipient_for
from members.models import ERASED_EMAIL_DOMAIN, EmailSuppression, User
from privacy.exceptions import PrivacyError
from privacy.models import RetainedInvoice
from privacy.services.export import data_exports_delete
from privacy.services.records import audit_rows_pseudonymise

logger = logging.getLogger(__name__)

# Every foreign key to the user, what erasure does with its rows, and which of their fields hold personal text
# (emptied wherever the row stays). tests/privacy walks the models: a model with a user FK missing here fails the
# suite, so no one's data is forgotten. DELETE, NULL and POSTS rows are handled by ``_apply_table``; the few that
# need more (files, Stripe, memberships, the user row itself) have their own step below.
DELETE = "delete"  # the rows are the person's own and mean nothing without them
NULL = "null"  # the row is someone else's (a leader's post, a club's offer); only the pointer to the person goes
KEEP = "keep"  # the row is the club's history; it now points at the anonymised account
POSTS = "posts"  # the member's choice: deleted, or kept under "Former member"
USER_FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "admin.LogEntry.user": (KEEP, ()),  # staff's own admin history; staff accounts are refused below
    "account.EmailAddress.user": (DELETE, ()),
    "mfa.Authenticator.user": (DELETE, ()),
    "core.StaffAction.actor": (KEEP, ()),  # staff only, as above
    "clubs.Club.leaders": (DELETE, ()),  # no longer a leader of any club
    "clubs.Membership.user": (KEEP, ("complimentary_reason",)),  # retention and revenue history
    "clubs.MembershipStatusChange.actor": (NULL, ()),
    "clubs.Consent.user": (DELETE, ()),
    "billing.StripeCustomer.user": (KEEP, ("email",)),  # deleted at Stripe; ids stay for the retained invoices
    "billing.Gift.buyer": (KEEP, ("buyer_email", "message")),  # a payment (accounting)
    "billing.Gift.redeemed_by": (KEEP, ("recipient_email", "message")),
    "events.EventSeries.created_by": (NULL, ()),
    "events.Rsvp.user": (KEEP, ()),  # past answers stay in event counts; upcoming ones are withdrawn and deleted
    "events.Attendance.user": (KEEP, ()),  # attendance counts
    "events.Attendance.checked_in_by": (NULL, ()),
    "events.CalendarFeedToken.user": (DELETE, ()),
    "feed.Achievement.author": (POSTS, ()),
    "feed.Achievement.hidden_by": (NULL, ()),
    "feed.Cheer.user": (DELETE, ()),
    "feed.Comment.author": (POSTS, ()),
    "feed.Comment.hidden_by": (NULL, ()),
    "feed.Report.reporter": (KEEP, ()),  # moderation record, now anonymous
    "feed.Report.resolved_by": (NULL, ()),
    "feed.WeeklyHighlight.chosen_by": (NULL, ()),
    "feed.Announcement.author": (NULL, ()),  # the club's announcement
    "feed.AnnouncementComment.author": (POSTS, ()),
    "feed.AnnouncementComment.hidden_by": (NULL, ()),
    "feed.AnnouncementDelivery.user": (KEEP, ()),  # send results
    "feed.AnnouncementEmail.requested_by": (NULL, ()),
    "notifications.Notification.user": (DELETE, ()),
    "notifications.NotificationPreference.user": (DELETE, ()),
    "offers.Offer.created_by": (NULL, ()),
    "offers.OfferSend.started_by": (NULL, ()),
    "offers.OfferDelivery.user": (KEEP, ("error",)),  # the send's results
    "offers.OfferUnsubscribe.user": (DELETE, ()),
    "offers.Redemption.user": (KEEP, ("checkout_url", "stripe_checkout_session_id")),  # a purchase (accounting)
    "analytics.NpsResponse.respondent": (NULL, ("comment",)),  # the score counts
    "automations.AutomationSend.user": (KEEP, ("context", "error")),  # results; the personalised context goes
    "automations.ReferralCode.user": (DELETE, ()),
    "automations.Referral.referrer": (KEEP, ()),  # a credit already paid out (accounting)
    "automations.Referral.referred": (KEEP, ()),
    "automations.CancellationFeedback.user": (KEEP, ("comment",)),  # the reasons count
    "privacy.DataExport.user": (DELETE, ()),  # with the files (data_exports_delete)
    "imports.ImportJob.created_by": (NULL, ()),  # the club's import
    "imports.ImportJob.confirmed_by": (NULL, ()),
    "imports.ImportRow.user": (NULL, ("email", "name", "message")),  # the line that brought the member in
}


def kept_explanations() -> list[str]:
    """What erasure keeps and why, for the page and the email (translated in the active language)."""
    return [
        _(
            "Invoices: their number, date, amount and your country, because tax law requires us to keep invoices "
            "for up to ten years. Your name, address and payment details are removed from them."
        ),
        _(
            "Your memberships, event attendance and the emails we sent, without your name or address, so that "
            "each club's figures (members, attendance, revenue) stay correct. They can no longer be linked to you."
        ),
        _("Your posts and comments, if you choose to keep them: they then show “Former member” instead of your name."),
        _("Payments you made for offers and referral credits, without your name, for the club's accounts."),
        _(
            "The messages Stripe sent us about your payments, and our staff's log of changes to your account: "
            "with their amounts, dates and reference numbers, so that the accounts can be checked, but without "
            "your name, email address, phone number or address. The log then calls you only by a number."
        ),
    ]


@dataclass
class ErasureResult:
    user_id: int
    posts_deleted: int = 0
    posts_kept: int = 0
    invoices_retained: int = 0
    stripe_customer_deleted: bool = False
    counts: dict = field(default_factory=dict)

    def as_audit(self) -> dict:
        return {
            "posts_deleted": self.posts_deleted,
            "posts_kept": self.posts_kept,
            "invoices_retained": self.invoices_retained,
            "stripe_customer_deleted": self.stripe_customer_deleted,
            **self.counts,
        }


def erasure_refusal(*, user: User) -> str:
    """Why this account cannot be erased here (empty when it can)."""
    if user.is_erased:
        return _("This account is already erased.")
    if user.is_staff or user.is_superuser:
        return _("Staff accounts are not erased here: take away the staff rights first.")
    return ""


def _stripe_end(*, customer: StripeCustomer | None) -> tuple[str, bool]:
    """Cancel running subscriptions, read the country, delete the customer at Stripe: (country, deleted)."""
    if customer is None or customer.deleted_at is not None:
        return "", False
    try:
        for subscription in customer.subscriptions.exclude(status__in=TERMINAL_SUBSCRIPTION_STATUSES):
            try:
                gateway.subscription_cancel(subscription_id=subscription.stripe_subscription_id)
            except gateway.GatewayError:
                current = gateway.subscription_retrieve(subscription_id=subscription.stripe_subscription_id)
                if current.status not in TERMINAL_SUBSCRIPTION_STATUSES:
                    raise
        found = gateway.as_json(gateway.customer_retrieve(customer_id=customer.stripe_customer_id))
        if found.get("deleted"):
            return "", False
        address = found.get("address") or {}
        country = (address.get("country") or "")[:2].upper()
        gateway.customer_delete(customer_id=customer.stripe_customer_id)
    except gateway.GatewayError as error:
        raise PrivacyError(
            _("Stripe could not end your subscription right now, so nothing was erased. Please try again later.")
        ) from error
    return country, True


def _goodbye_email(*, user: User) -> None:
    """The address hears that the account is erased and what is kept, before the address itself is erased."""
    try:
        emails.email_send(
            recipient=recipient_for(user),
            branding=emails.site_branding(),
            category=emails.TRANSACTIONAL,
            subject=lambda: _("Your account is erased"),
            text_template="privacy/email/account_erased.txt",
            html_template="privacy/email/account_erased.html",
            context={"user": user, "kept": kept_explanations},
            reason=lambda: _("You get this email because your account was erased."),
        )
    except Exception:  # a mail server down must not keep the account alive: erasure still happens
        logger.exception("The erasure email to user %s could not be sent.", user.pk)


def _withdraw_upcoming_rsvps(*, user: User, now: datetime) -> int:
    """Free the member's seats at upcoming events (the waitlist moves up), then drop those answers."""
    upcoming = Rsvp.objects.filter(user=user, occurrence__starts_at__gt=now)
    for occurrence_pk in upcoming.values_list("occurrence_id", flat=True):
        with contextlib.suppress(DomainError):  # answers closed or the event cancelled: no seat to hand on
            rsvp_set(occurrence_pk=occurrence_pk, user=user, going=False, now=now)
    return upcoming.delete()[0]


def _delete_files_on_commit(*files) -> None:
    stored = [(file.storage, file.name) for file in files if file]
    transaction.on_commit(lambda: [storage.delete(name) for storage, name in stored])


def _posts(*, user: User, keep_posts: bool, result: ErasureResult) -> None:
    """Posts with photos: the files go once the rows are gone (comments follow in ``_apply_table``)."""
    posts = Achievement.objects.filter(author=user)
    if keep_posts:
        result.posts_kept = posts.count()
        return
    for post in posts.only("pk", "photo", "photo_feed"):
        _delete_files_on_commit(post.photo, post.photo_feed)
    result.posts_deleted = posts.delete()[1].get(Achievement._meta.label, 0)


def _empty_value(model, name: str):
    return {} if isinstance(model._meta.get_field(name), JSONField) else ""


def _apply_table(*, user: User, keep_posts: bool) -> dict[str, int]:
    """USER_FIELDS for every model: personal text emptied, then rows deleted or detached (one statement each)."""
    counts: dict[str, int] = {}
    for path, (action, personal) in USER_FIELDS.items():
        label, _dot, name = path.rpartition(".")
        try:
            model = apps.get_model(label)
        except LookupError:  # an app not installed in this deployment
            continue
        if model._meta.get_field(name).many_to_many:
            continue  # leaders: cleared on the user's side
        rows = model._default_manager.filter(**{name: user})
        if personal:
            rows.update(**{field: _empty_value(model, field) for field in personal})
        if action == DELETE or (action == POSTS and not keep_posts):
            deleted = rows.delete()[0]
            if deleted:
                counts[f"{path}:deleted"] = deleted
        elif action == NULL:
            rows.update(**{name: None})
    return counts


def _invoices(*, customer: StripeCustomer | None, country: str, now: datetime) -> int:
    if customer is None:
        return 0
    count = 0
    for invoice in Invoice.objects.filter(customer=customer):
        RetainedInvoice.objects.get_or_create(
            invoice=invoice,
            defaults={
                "number": invoice.stripe_invoice_id,
                "issued_at": invoice.stripe_created,
                "amount_minor": invoice.amount_paid_minor or invoice.amount_due_minor,
                "currency": invoice.currency,
                "country": country,
                "erased_at": now,
            },
        )
        count += 1
    Invoice.objects.filter(customer=customer).update(
        hosted_invoice_url="", invoice_pdf="", stripe_payment_intent_id="", stripe_charge_id=""
    )
    return count


def _addresses(*, user: User, customer: StripeCustomer | None) -> list[str]:
    """Every email address known to be the person's: the login, allauth's other addresses, the one at Stripe, and
    those they bought or received gifts with."""
    addresses = {user.email, *EmailAddress.objects.filter(user=user).values_list("email", flat=True)}
    addresses.update(Gift.objects.filter(buyer=user).values_list("buyer_email", flat=True))
    addresses.update(Gift.objects.filter(redeemed_by=user).values_list("recipient_email", flat=True))
    if customer is not None:
        addresses.add(customer.email)
    return sorted(address for address in addresses if address)


@transaction.atomic
def _anonymise(*, user: User, keep_posts: bool, country: str, stripe_deleted: bool, now: datetime) -> ErasureResult:
    user = User.objects.select_for_update().get(pk=user.pk)
    result = ErasureResult(user_id=user.pk, stripe_customer_deleted=stripe_deleted)
    counts = result.counts
    address = user.email
    # Seats at upcoming events go first, while the member may still answer for them.
    counts["upcoming_rsvps_deleted"] = _withdraw_upcoming_rsvps(user=user, now=now)
    for membership in (
        Membership.objects.select_related("club")
        .filter(user=user)
        .exclude(status__in=(MembershipStatus.CANCELED, MembershipStatus.EXPIRED))
    ):
        membership_transition(
            membership=membership, to_status=MembershipStatus.CANCELED, actor=None, reason=_("Account erased"), at=now
        )
    Membership.objects.filter(user=user).update(complimentary_reason="", is_complimentary=False)

    customer = StripeCustomer.objects.filter(user=user).first()
    # The records kept for others (Stripe's events, staff's audit) lose the person's email and name, while the
    # rows that say which addresses and name were theirs are still here.
    addresses = _addresses(user=user, customer=customer)
    counts["webhook_events_scrubbed"] = webhook_events_scrub_person(
        customers=[customer] if customer else [], emails=addresses, names=[user.display_name]
    )
    counts["audit_rows_pseudonymised"] = audit_rows_pseudonymise(
        user_id=user.pk, emails=addresses, display_name=user.display_name, public_name=user.public_name
    )
    result.invoices_retained = _invoices(customer=customer, country=country, now=now)
    if customer is not None:
        customer.email = ""
        customer.deleted_at = customer.deleted_at or now
        customer.save(update_fields=["email", "deleted_at", "updated_at"])

    _posts(user=user, keep_posts=keep_posts, result=result)
    counts["exports_deleted"] = data_exports_delete(user=user)
    user.led_clubs.clear()
    EmailSuppression.objects.filter(email=address).delete()
    counts.update(_apply_table(user=user, keep_posts=keep_posts))

    # The account itself: no name, no address, no way in.
    if user.avatar:
        _delete_files_on_commit(user.avatar)
    user.email = f"erased-{user.pk}@{ERASED_EMAIL_DOMAIN}"
    user.display_name = ""
    user.avatar = ""
    user.birthday = None
    user.time_zone = "UTC"
    user.preferred_language = ""
    user.calendar = ""
    user.email_event_reminders = user.email_offers = user.email_club_news = user.email_activity_digest = False
    user.is_active = False
    user.last_login = None
    user.set_unusable_password()
    user.save()
    return result


def account_erase(
    *, user: User, actor: User, keep_posts: bool, note: str = "", now: datetime | None = None
) -> ErasureResult:
    """Erase ``user``'s account (see the module docstring); ``actor`` is the member or a staff member.

    Not atomic as a whole on purpose: Stripe is called first and outside the transaction (a network call must not
    hold row locks), then all local changes commit together. Running it again on an erased account is refused.
    """
    refusal = erasure_refusal(user=user)
    if refusal:
        raise PrivacyError(refusal)
    now = now or timezone.now()
    country, stripe_deleted = _stripe_end(customer=StripeCustomer.objects.filter(user=user).first())
    _goodbye_email(user=user)
    user_id = user.pk
    result = _anonymise(user=user, keep_posts=keep_posts, country=country, stripe_deleted=stripe_deleted, now=now)
    if actor.pk != user_id:
        staff_action_record(
            actor=actor,
            action="account_erase",
            target=f"user #{user_id}",
            after={"posts": "kept" if keep_posts else "deleted", **result.as_audit()},
            note=note,
        )
    user.refresh_from_db()
    return result
