"""Consent to a club's offer emails and club emails (automations): given, confirmed and withdrawn, with time and source.

Why here, in clubs: offers and automations, above clubs, must both read it, and the consent is given where a
member joins a club (checkout), on the privacy page, or by an import. Giving and withdrawing are one call
each (``consent_set``), so withdrawing is exactly as easy as giving.

The rule every sender applies is ``consent_given``: the member's consent for that club and purpose is
*given*; for offer emails of a club that requires double opt-in it must also have been confirmed through
the signed link of the confirmation email (``consent_confirm``). A club that turns double opt-in on later
therefore sends offers only to members who confirmed.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clubs.exceptions import ClubsError
from clubs.models import Club, Consent, ConsentChange, ConsentPurpose, ConsentSource, ConsentStatus
from core import emails
from core.tokens import BadToken, token_make, token_read
from members.models import User

CONFIRM_PURPOSE = "clubs.consent-confirm"


class ConsentError(ClubsError):
    """A consent could not be recorded or confirmed; the message says why."""


def confirm_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "CONSENT_CONFIRM_DAYS", 14))


def consent_given(*, purpose: str, user_ref: str = "user_id", club_ref: str = "club_id") -> Exists:
    """THE rule of who may get ``purpose`` emails: an Exists on the outer row's user and club (one subquery).

    Offer emails of a club with double opt-in need the confirmation as well.
    """
    consents = Consent.objects.filter(
        user_id=OuterRef(user_ref), club_id=OuterRef(club_ref), purpose=purpose, status=ConsentStatus.GIVEN
    )
    if purpose == ConsentPurpose.OFFERS:
        consents = consents.filter(Q(club__offer_double_opt_in=False) | Q(confirmed_at__isnull=False))
    return Exists(consents)


def needs_confirmation(*, club: Club, purpose: str) -> bool:
    return purpose == ConsentPurpose.OFFERS and club.offer_double_opt_in


@transaction.atomic
def consent_set(
    *, user: User, club: Club, purpose: str, given: bool, source: str, at: datetime | None = None
) -> Consent:
    """Give or withdraw one consent and record the change with its time and source.

    Giving an offer consent in a club with double opt-in leaves it *pending* and emails the confirmation link
    (after commit); a consent already confirmed stays confirmed. Repeating the current answer changes nothing
    (a double click, a retried request), so the history holds real changes only.
    """
    if purpose not in ConsentPurpose.values:
        raise ConsentError(_("Unknown kind of email."))
    if source not in ConsentSource.values:
        raise ConsentError(_("Unknown source of consent."))
    at = at or timezone.now()
    consent = Consent.objects.select_for_update().filter(user=user, club=club, purpose=purpose).first()
    if consent is None:
        consent = Consent(user=user, club=club, purpose=purpose, status=ConsentStatus.WITHDRAWN, source=source)
    needs = needs_confirmation(club=club, purpose=purpose)
    if given:
        if consent.status == ConsentStatus.GIVEN and (consent.confirmed_at or not needs):
            return consent
        if consent.status == ConsentStatus.PENDING and needs:
            return consent
        consent.status = ConsentStatus.PENDING if needs else ConsentStatus.GIVEN
        consent.given_at, consent.withdrawn_at, consent.confirmed_at = at, None, None
    else:
        if consent.pk is None or consent.status == ConsentStatus.WITHDRAWN:
            return consent  # never given, or withdrawn already: nothing to record
        consent.status, consent.withdrawn_at, consent.confirmed_at = ConsentStatus.WITHDRAWN, at, None
    consent.source = source
    consent.save()
    ConsentChange.objects.create(consent=consent, status=consent.status, source=source, changed_at=at)
    if consent.status == ConsentStatus.PENDING:
        from clubs.tasks import send_consent_confirmation

        consent_id = consent.pk
        transaction.on_commit(lambda: send_consent_confirmation.delay(consent_id))
    return consent


@transaction.atomic
def consent_confirm(*, token: str, at: datetime | None = None) -> Consent:
    """Double opt-in: the link in the confirmation email makes a pending consent count.

    Confirming twice is fine; a link for a consent withdrawn since, or a link too old, is refused.
    """
    try:
        (consent_id,) = token_read(token, purpose=CONFIRM_PURPOSE, shape=(int,), max_age=confirm_max_age())
    except BadToken as error:
        raise ConsentError(_("This confirmation link is not valid or has expired.")) from error
    consent = Consent.objects.select_for_update().select_related("club").filter(pk=consent_id).first()
    if consent is None or consent.status == ConsentStatus.WITHDRAWN:
        raise ConsentError(_("This consent was withdrawn; give it again on your privacy page."))
    if consent.status == ConsentStatus.GIVEN and consent.confirmed_at:
        return consent
    at = at or timezone.now()
    consent.status, consent.confirmed_at = ConsentStatus.GIVEN, at
    consent.given_at = consent.given_at or at
    consent.save(update_fields=["status", "confirmed_at", "given_at", "updated_at"])
    ConsentChange.objects.create(consent=consent, status=ConsentStatus.GIVEN, source=ConsentSource.EMAIL, changed_at=at)
    return consent


def consent_confirmation_send(*, consent_id: int) -> bool:
    """Email the double opt-in link of a pending consent; False (nothing sent) once it is no longer pending.

    A consent request is account mail about the member's own choice: transactional, so it reaches an address
    that turned club emails off, and it carries no offer.
    """
    from clubs.emails import branding_for
    from members.emails import recipient_for

    consent = Consent.objects.select_related("user", "club").filter(pk=consent_id).first()
    if consent is None or consent.status != ConsentStatus.PENDING:
        return False
    token = token_make(purpose=CONFIRM_PURPOSE, parts=[consent.pk])
    context = {
        "user": consent.user,
        "club": consent.club,
        "confirm_url": emails.site_url(reverse("clubs:consent-confirm", args=[token])),
        "days": confirm_max_age().days,
    }
    return emails.email_send(
        recipient=recipient_for(consent.user),
        branding=branding_for(consent.club),
        category=emails.TRANSACTIONAL,
        subject_template="clubs/email/consent_confirm_subject.txt",
        text_template="clubs/email/consent_confirm.txt",
        html_template="clubs/email/consent_confirm.html",
        context=context,
    )


def consents_for_user(*, user: User) -> dict[tuple[int, str], Consent]:
    """The member's consents by (club id, purpose) (1 query)."""
    return {(consent.club_id, consent.purpose): consent for consent in Consent.objects.filter(user=user)}
