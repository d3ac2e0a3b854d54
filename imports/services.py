"""Moving a club in: read a members CSV, preview every row's outcome, then apply it when the leader confirms.

Why in two steps: a leader moving hundreds of members must see, before anything is written, who becomes a new
member, who is updated, who was imported already, and which rows are wrong and why. The preview writes only
the import's own rows; ``import_confirm`` re-evaluates them against the database as it is then (someone may
have joined meanwhile) and applies the new and changed ones, each in its own savepoint, so one refused row
(a member who still pays) never undoes the others.

Idempotent by construction: a row's outcome compares the file with the club's current state (keyed on club
and email, plus the Stripe subscription id when there is one), so the same file imported again finds every
row *unchanged* and writes nothing; an invitation goes once per member and club, whatever the number of
imports (``ImportRow.invited_at``, claimed under a row lock).

Members come in either complimentary until a date (``clubs.services.membership_grant_complimentary``, the
one grant) or linked to the Stripe subscription they already pay (read through ``billing.gateway``,
tagged with the membership id, and mirrored by ``billing.services.subscriptions.subscription_apply``, the
same code the webhooks run).
"""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from billing import gateway
from billing.models import TERMINAL_SUBSCRIPTION_STATUSES, StripePrice, Subscription
from billing.services.customers import customer_adopt
from billing.services.subscriptions import subscription_apply
from clubs import hooks as club_hooks
from clubs.consent import consent_set
from clubs.models import Club, ConsentPurpose, ConsentSource, Membership, Plan
from clubs.services import membership_end_complimentary, membership_grant_complimentary, membership_request
from core import emails
from core.exceptions import DomainError
from core.tokens import BadToken, token_make, token_read
from imports import formats
from imports.exceptions import ImportsError
from imports.models import APPLICABLE_OUTCOMES, ImportFormat, ImportJob, ImportRow, ImportStatus, RowOutcome
from members.models import User

INVITATION_PURPOSE = "imports.invitation"


def max_bytes() -> int:
    return getattr(settings, "IMPORT_MAX_BYTES", 2 * 1024 * 1024)


def max_rows() -> int:
    return getattr(settings, "IMPORT_MAX_ROWS", 2000)


def invitation_max_age() -> timedelta:
    return timedelta(days=getattr(settings, "IMPORT_INVITATION_DAYS", 30))


def end_of_day(*, day: date, club: Club) -> datetime:
    """Access through ``day`` in the club's time zone: it ends when the next day begins there."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=ZoneInfo(club.time_zone or "UTC"))


# --- Preview ---------------------------------------------------------------------------------------------


@transaction.atomic
def import_preview(
    *,
    club: Club,
    actor: User,
    data: bytes,
    filename: str,
    complimentary_until: date | None,
    default_plan: Plan | None,
    send_invitations: bool,
    source_format: str = "",
) -> ImportJob:
    """Read an uploaded file and store each row's outcome; no member, membership or subscription is written.

    The format is recognised from the header unless the leader chose one; the columns are mapped by the
    format's known names (``import_remap`` changes them).
    """
    if len(data) > max_bytes():
        raise ImportsError(_("The file is larger than %(size)d MB.") % {"size": max(1, max_bytes() // 2**20)})
    if default_plan is not None and default_plan.club_id != club.pk:
        raise ImportsError(_("This plan is not one of the club's plans."))
    if complimentary_until is not None and complimentary_until < timezone.localdate():
        raise ImportsError(_("The complimentary period must end today or later."))
    decoded = formats.decode(data)
    headers, _rows = formats.read_rows(decoded.text, max_rows=max_rows())
    if source_format and source_format not in ImportFormat.values:
        raise ImportsError(_("Unknown file format."))
    source_format = source_format or formats.detect(headers)
    job = ImportJob.objects.create(
        club=club,
        created_by=actor,
        filename=filename[:200],
        text=decoded.text,
        encoding=decoded.encoding,
        headers=headers,
        source_format=source_format,
        mapping=formats.default_mapping(source_format, headers),
        complimentary_until=end_of_day(day=complimentary_until, club=club) if complimentary_until else None,
        default_plan=default_plan,
        send_invitations=send_invitations,
    )
    _evaluate(job)
    return job


@transaction.atomic
def import_remap(*, job: ImportJob, source_format: str, mapping: dict[str, str]) -> ImportJob:
    """Read the same file again with another format or column mapping (field -> header, '' for none)."""
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.PREVIEW:
        raise ImportsError(_("This import is already done; upload the file again to import it anew."))
    if source_format not in ImportFormat.values:
        raise ImportsError(_("Unknown file format."))
    unknown = {header for header in mapping.values() if header} - set(job.headers)
    if unknown or set(mapping) - set(formats.FIELDS):
        raise ImportsError(_("Choose columns of the file."))
    if not mapping.get("email"):
        raise ImportsError(_("Choose the column that holds the email addresses."))
    if job.source_format != source_format:
        mapping = {**formats.default_mapping(source_format, job.headers), **{k: v for k, v in mapping.items() if v}}
    job.source_format = source_format
    job.mapping = {name: header for name, header in mapping.items() if header}
    job.save(update_fields=["source_format", "mapping"])
    _evaluate(job)
    return job


@dataclass
class _Parsed:
    line: int
    email: str = ""
    name: str = ""
    plan: Plan | None = None
    stripe_subscription_id: str = ""
    complimentary_until: datetime | None = None
    club_emails: bool | None = None
    outcome: str = ""
    message: str = ""
    user: User | None = None


def _parse(
    job: ImportJob, line: int, cells: list[str], *, index: dict[str, int], plans: dict[str, Plan], seen: dict[str, int]
) -> _Parsed:
    """One row of the file as the fields we read, or the first thing wrong with it."""
    spec = formats.FORMATS[job.source_format]

    def cell(name: str) -> str:
        header = job.mapping.get(name)
        position = index.get(header, -1) if header else -1
        return cells[position].strip() if 0 <= position < len(cells) else ""

    row = _Parsed(line=line)
    raw_email = cell("email")
    row.email = raw_email.lower()
    row.name = (cell("name") or " ".join(filter(None, (cell("first_name"), cell("last_name")))))[:80]
    if spec.active_statuses and job.mapping.get("status"):
        status = cell("status")
        if status.lower() not in spec.active_statuses:
            row.outcome = RowOutcome.SKIP
            row.message = _("Not an active member at the old platform (%(status)s): not imported.") % {
                "status": status or "—"
            }
            return row
    try:
        validate_email(row.email)
    except ValidationError:
        return _error(row, _("Not a valid email address: “%(email)s”.") % {"email": raw_email[:100] or "—"})
    if row.email in seen:
        return _error(row, _("This email is already on line %(line)d of the file.") % {"line": seen[row.email]})
    seen[row.email] = line
    plan_name = cell("plan").split(",")[0].strip()
    if plan_name:
        row.plan = plans.get(plan_name.casefold())
        if row.plan is None:
            return _error(row, _("The club has no plan called “%(plan)s”.") % {"plan": plan_name[:80]})
    else:
        row.plan = job.default_plan
    until = cell("complimentary_until")
    if until:
        try:
            day = formats.parse_date(until)
        except ValueError:
            return _error(row, _("Not a date: “%(value)s”. Write dates as YYYY-MM-DD.") % {"value": until[:40]})
        if day < timezone.localdate():
            return _error(row, _("The end date %(date)s has passed.") % {"date": day.isoformat()})
        row.complimentary_until = end_of_day(day=day, club=job.club)
    else:
        row.complimentary_until = job.complimentary_until
    row.stripe_subscription_id = cell("stripe_subscription_id")[:255]
    if job.mapping.get("club_emails"):
        row.club_emails = formats.parse_bool(cell("club_emails"))
    if not row.stripe_subscription_id and row.complimentary_until is None:
        return _error(row, _("Choose until when imported members are complimentary, or give a Stripe subscription."))
    return row


def _error(row: _Parsed, message: str) -> _Parsed:
    row.outcome, row.message = RowOutcome.ERROR, message[:300]
    return row


def _stripe_check(row: _Parsed, *, club: Club, membership: Membership | None) -> str:
    """'' when the subscription can be linked to this row's member; else why not. Reads Stripe once."""
    subscription_id = row.stripe_subscription_id
    if not subscription_id.startswith("sub_"):
        return _("“%(id)s” is not a Stripe subscription id (they start with sub_).") % {"id": subscription_id[:60]}
    try:
        stripe_subscription = gateway.as_json(gateway.subscription_retrieve(subscription_id=subscription_id))
    except gateway.GatewayError:
        return _("Stripe has no subscription %(id)s.") % {"id": subscription_id}
    if stripe_subscription.get("status") in TERMINAL_SUBSCRIPTION_STATUSES:
        return _("The Stripe subscription %(id)s has ended.") % {"id": subscription_id}
    linked = Subscription.objects.filter(stripe_subscription_id=subscription_id).values_list("membership_id", flat=True)
    owner = linked.first()
    if owner is not None and (membership is None or owner != membership.pk):
        return _("The Stripe subscription %(id)s already belongs to another membership.") % {"id": subscription_id}
    if row.plan is None:
        price_id = ((stripe_subscription.get("items") or {}).get("data") or [{}])[0].get("price", {}).get("id", "")
        known = StripePrice.objects.filter(stripe_price_id=price_id, plan__club=club).select_related("plan").first()
        if known is None:
            return _("Choose a plan for members linked to a Stripe subscription (a plan column or a default plan).")
        row.plan = known.plan
    return ""


def _evaluate(job: ImportJob) -> None:
    """Store each row's outcome against the club's state now (replacing any earlier evaluation)."""
    club = job.club
    _header, raw_rows = formats.read_rows(job.text, max_rows=max_rows())
    plans = {plan.name.casefold(): plan for plan in Plan.objects.filter(club=club)}
    seen: dict[str, int] = {}
    index = {header: position for position, header in reversed(list(enumerate(job.headers)))}
    parsed = [_parse(job, line, cells, index=index, plans=plans, seen=seen) for line, cells in raw_rows]
    emails_in_file = [row.email for row in parsed if row.email]
    users = {
        user.email_lower: user
        for user in User.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=emails_in_file)
    }
    memberships = {
        membership.user_id: membership
        for membership in Membership.objects.filter(club=club, user__in=list(users.values())).select_related("club")
    }
    linked = set(
        Subscription.objects.filter(
            stripe_subscription_id__in=[row.stripe_subscription_id for row in parsed if row.stripe_subscription_id]
        ).values_list("stripe_subscription_id", "membership_id")
    )
    for row in parsed:
        if row.outcome:
            continue
        row.user = users.get(row.email)
        membership = memberships.get(row.user.pk) if row.user else None
        if row.stripe_subscription_id:
            if membership is not None and (row.stripe_subscription_id, membership.pk) in linked:
                row.outcome, row.message = RowOutcome.UNCHANGED, _("Already linked to this Stripe subscription.")
                continue
            problem = _stripe_check(row, club=club, membership=membership)
            if problem:
                _error(row, problem)
                continue
        elif membership is not None:
            if membership.is_complimentary and membership.complimentary_until == row.complimentary_until:
                row.outcome, row.message = RowOutcome.UNCHANGED, _("Already complimentary until this date.")
                continue
            paying = club_hooks.paid_access_describe(membership=membership)
            if paying:
                _error(row, _("Still pays at this club (%(paying)s): left as it is.") % {"paying": paying})
                continue
        if row.user is None:
            row.outcome = RowOutcome.CREATE
        else:
            row.outcome = RowOutcome.UPDATE
            row.message = _("Has an account already.") if membership is None else _("Already in the club.")
    ImportRow.objects.filter(job=job).delete()
    ImportRow.objects.bulk_create(
        ImportRow(
            job=job,
            line=row.line,
            email=row.email[:254],
            name=row.name,
            plan=row.plan,
            stripe_subscription_id=row.stripe_subscription_id,
            complimentary_until=row.complimentary_until,
            club_emails=row.club_emails,
            outcome=row.outcome,
            message=row.message,
            user=row.user,
        )
        for row in parsed
    )


# --- Confirm ----------------------------------------------------------------------------------------------


def _subscription_link(*, row: ImportRow, user: User, club: Club, actor: User) -> Membership:
    """Tie the member's existing Stripe subscription to their membership and mirror it.

    The customer the subscription bills becomes the member's customer here (one per member); a member who
    already has another customer here is refused, never charged twice. The subscription is tagged with the
    membership id (as Checkout tags ours), so its later webhooks find the membership.
    """
    stripe_subscription = gateway.as_json(gateway.subscription_retrieve(subscription_id=row.stripe_subscription_id))
    customer_id = stripe_subscription.get("customer") or ""
    customer_adopt(user=user, stripe_customer_id=customer_id)  # BillingError: another member's, or a second one
    membership = Membership.objects.filter(user=user, club=club).first()
    if membership is None:
        membership = membership_request(user=user, club=club, plan=row.plan)
    elif membership.is_complimentary:
        # A member is never both given the membership and charged for it: the paid subscription takes over.
        membership_end_complimentary(membership=membership, actor=actor, reason=_("Linked to a Stripe subscription"))
    metadata = {"membership_id": str(membership.pk), "club_id": str(club.pk)}
    if row.plan is not None:
        metadata["plan_id"] = str(row.plan.pk)
    updated = gateway.subscription_update(subscription_id=row.stripe_subscription_id, params={"metadata": metadata})
    subscription, note = subscription_apply(stripe_subscription=gateway.as_json(updated), event_created=None)
    if subscription is None:
        raise ImportsError(note)
    membership.refresh_from_db()
    return membership


def _apply(*, row: ImportRow, job: ImportJob, actor: User) -> None:
    club = job.club
    user = row.user
    if user is None:
        # An invited account has no browser to ask: it starts in the club's time zone (issue 23).
        user = User.objects.create_user(email=row.email, password=None, display_name=row.name, time_zone=club.time_zone)
        row.user = user
    if row.stripe_subscription_id:
        _subscription_link(row=row, user=user, club=club, actor=actor)
    else:
        membership_grant_complimentary(
            user=user,
            club=club,
            actor=actor,
            reason=_("Imported (%(format)s)") % {"format": job.get_source_format_display()},
            until=row.complimentary_until,
        )
        if row.plan is not None:
            Membership.objects.filter(user=user, club=club, plan__isnull=True).update(plan=row.plan)
    if row.club_emails is not None:
        consent_set(
            user=user, club=club, purpose=ConsentPurpose.AUTOMATIONS, given=row.club_emails, source=ConsentSource.IMPORT
        )


@transaction.atomic
def import_confirm_request(*, job: ImportJob, actor: User) -> bool:
    """The leader confirms: the rows are applied by a Celery task after the commit (a large file takes minutes).

    False when the import was confirmed already (a double click): nothing is enqueued twice.
    """
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.PREVIEW:
        return False
    job.status, job.confirmed_by = ImportStatus.APPLYING, actor
    job.save(update_fields=["status", "confirmed_by"])
    from imports.tasks import apply_import

    job_id, actor_id = job.pk, actor.pk
    transaction.on_commit(lambda: apply_import.delay(job_id, actor_id))
    return True


@dataclass
class ConfirmResult:
    applied: int = 0
    failed: int = 0
    invitations: int = 0


@transaction.atomic
def import_confirm(*, job: ImportJob, actor: User) -> ConfirmResult:
    """Apply the previewed import; invitations leave after the commit, once per member and club.

    Confirming an import twice (a double click) applies it once: the job is locked and marked done.
    """
    job = ImportJob.objects.select_for_update(of=("self",)).select_related("club").get(pk=job.pk)
    result = ConfirmResult()
    if job.status not in (ImportStatus.PREVIEW, ImportStatus.APPLYING):
        return result
    _evaluate(job)
    now = timezone.now()
    already_invited = set(
        ImportRow.objects.filter(job__club=job.club, invited_at__isnull=False).values_list("user_id", flat=True)
    )
    to_invite = []
    rows = job.rows.filter(outcome__in=APPLICABLE_OUTCOMES).select_related("user", "plan")
    for row in rows:
        try:
            with transaction.atomic():
                _apply(row=row, job=job, actor=actor)
                row.applied_at = now
                row.save(update_fields=["user", "applied_at"])
        except DomainError as error:
            row.outcome, row.message = RowOutcome.ERROR, str(error)[:300]
            row.save(update_fields=["outcome", "message"])
            result.failed += 1
            continue
        result.applied += 1
        if job.send_invitations and row.user_id not in already_invited:
            already_invited.add(row.user_id)
            to_invite.append(row.pk)
    job.status, job.confirmed_at, job.confirmed_by = ImportStatus.CONFIRMED, now, actor
    job.text = ""  # the members are in; the file's personal data need not stay
    job.save(update_fields=["status", "confirmed_at", "confirmed_by", "text"])
    if to_invite:
        from imports.tasks import send_import_invitations

        transaction.on_commit(lambda: send_import_invitations.delay(to_invite))
    result.invitations = len(to_invite)
    return result


# --- Invitations ------------------------------------------------------------------------------------------


def _password_marker(user: User) -> str:
    """Changes when the password does: an invitation link works until the member has set one."""
    return hashlib.sha256(user.password.encode()).hexdigest()[:16]


def invitation_token(*, user: User, club: Club) -> str:
    return token_make(purpose=INVITATION_PURPOSE, parts=[user.pk, club.pk, _password_marker(user)])


@transaction.atomic
def import_invitation_send(*, row_id: int) -> bool:
    """Email one imported member their invitation; False (nothing sent) when it went already.

    Transactional: it is about the account just made for them, and it carries the only way in.
    """
    from clubs.emails import branding_for
    from members.emails import recipient_for

    row = (
        ImportRow.objects.select_for_update(of=("self",)).select_related("user", "job__club").filter(pk=row_id).first()
    )
    if row is None or row.invited_at is not None or row.user is None or row.applied_at is None:
        return False
    club, user = row.job.club, row.user
    if ImportRow.objects.filter(job__club=club, user=user, invited_at__isnull=False).exists():
        return False
    context = {
        "user": user,
        "club": club,
        "has_password": user.has_usable_password(),
        "accept_url": emails.site_url(
            reverse("imports:invitation-accept", args=[invitation_token(user=user, club=club)])
        ),
        "days": invitation_max_age().days,
    }
    emails.email_send(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.TRANSACTIONAL,
        subject_template="imports/email/invitation_subject.txt",
        text_template="imports/email/invitation.txt",
        html_template="imports/email/invitation.html",
        context=context,
    )
    row.invited_at = timezone.now()
    row.save(update_fields=["invited_at"])
    return True


def invitation_read(*, token: str) -> tuple[User, Club]:
    """The member and club of a valid invitation link; ImportsError when it is forged, old or used."""
    try:
        user_id, club_id, marker = token_read(
            token, purpose=INVITATION_PURPOSE, shape=(int, int, str), max_age=invitation_max_age()
        )
    except BadToken as error:
        raise ImportsError(_("This invitation link is not valid or has expired.")) from error
    user = User.objects.filter(pk=user_id, is_active=True).first()
    club = Club.objects.filter(pk=club_id).first()
    if user is None or club is None or _password_marker(user) != marker:
        raise ImportsError(_("This invitation link was used already. Log in with your email and password."))
    return user, club


@transaction.atomic
def invitation_accept(*, user: User, password: str) -> User:
    """The invited member sets a password; the click on the emailed link proved the address is theirs."""
    from allauth.account.models import EmailAddress

    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    EmailAddress.objects.update_or_create(user=user, email=user.email, defaults={"verified": True, "primary": True})
    return user


def import_previews_purge(*, older_than: timedelta = timedelta(days=7), now: datetime | None = None) -> int:
    """Delete previews never confirmed after ``older_than``: they hold a whole file of other people's data."""
    cutoff = (now or timezone.now()) - older_than
    deleted, _by_model = ImportJob.objects.filter(status=ImportStatus.PREVIEW, created_at__lt=cutoff).delete()
    return deleted
