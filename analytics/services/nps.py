"""NPS surveys: who is asked when, the email with its signed link, and the one answer per survey."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from analytics.exceptions import AnalyticsError
from analytics.models import ClubNpsSettings, NpsResponse, NpsSurvey
from clubs.emails import branding_for
from clubs.models import Club, Membership
from core import emails
from core.tokens import BadToken, token_make, token_read
from members.emails import links_for, recipient_for

TOKEN_PURPOSE = "analytics.nps-survey"  # noqa: S105 (a signing purpose, not a secret)
# A survey link keeps working for a quarter: after that the next survey is on its way anyway.
TOKEN_MAX_AGE = timedelta(days=91)
# Unsent surveys older than this are left alone (a long broker outage should not flood members).
EMAIL_WINDOW = timedelta(days=7)


def survey_token(*, survey: NpsSurvey) -> str:
    return token_make(purpose=TOKEN_PURPOSE, parts=[survey.pk])


def survey_from_token(*, token: str) -> NpsSurvey | None:
    """The survey a signed link stands for; None when the link was altered or is too old."""
    try:
        (survey_pk,) = token_read(token, purpose=TOKEN_PURPOSE, shape=(int,), max_age=TOKEN_MAX_AGE, legacy_id=True)
    except BadToken:
        return None
    return NpsSurvey.objects.select_related("club", "membership__user", "response").filter(pk=survey_pk).first()


def _due_memberships(*, club: Club, nps_settings: ClubNpsSettings, now: datetime):
    """Members with access for at least N days whose last survey is a whole interval old (1 query)."""
    surveys = NpsSurvey.objects.filter(membership=OuterRef("pk")).order_by().values("membership")
    return (
        Membership.objects.filter(club=club, started_at__lte=now - timedelta(days=nps_settings.first_after_days))
        .with_access(now)
        .annotate(
            last_sent=Subquery(surveys.annotate(last=Max("created_at")).values("last")),
            last_round=Subquery(surveys.annotate(last=Max("round")).values("last")),
        )
        .filter(Q(last_sent__isnull=True) | Q(last_sent__lte=now - timedelta(days=nps_settings.repeat_every_days)))
        .values("pk", "last_round")
    )


def nps_surveys_create(*, now: datetime | None = None) -> list[int]:
    """Daily: create the surveys that are due in every club that sends them; returns their ids.

    The (membership, round) pair is unique, so a second run the same day creates nothing.
    """
    now = now or timezone.now()
    settings_by_club = {row.club_id: row for row in ClubNpsSettings.objects.all()}
    created: list[int] = []
    for club in Club.objects.order_by("pk"):
        nps_settings = settings_by_club.get(club.pk) or ClubNpsSettings(club=club)
        if not nps_settings.is_enabled:
            continue
        for due in _due_memberships(club=club, nps_settings=nps_settings, now=now):
            try:
                with transaction.atomic():
                    survey = NpsSurvey.objects.create(
                        club=club, membership_id=due["pk"], round=(due["last_round"] or 0) + 1, created_at=now
                    )
            except IntegrityError:
                continue  # another run created this round a moment ago
            created.append(survey.pk)
    return created


def unsent_survey_ids(*, now: datetime | None = None) -> list[int]:
    now = now or timezone.now()
    return list(
        NpsSurvey.objects.filter(emailed_at__isnull=True, created_at__gte=now - EMAIL_WINDOW).values_list(
            "pk", flat=True
        )
    )


@transaction.atomic
def nps_survey_email(*, survey_pk: int) -> bool:
    """Email one survey's link to its member, once; False when it was sent already."""
    survey = (
        NpsSurvey.objects.select_for_update(of=("self",))
        .select_related("club", "membership__user")
        .filter(pk=survey_pk)
        .first()
    )
    if survey is None or survey.emailed_at is not None:
        return False
    user, club = survey.membership.user, survey.club
    context = {
        "user": user,
        "club": club,
        "answer_url": settings.SITE_URL + reverse("analytics:nps-answer", args=[survey_token(survey=survey)]),
        "scores": range(11),
    }
    emails.email_send(
        recipient=recipient_for(user),
        branding=branding_for(club),
        category=emails.NPS,
        subject_template="analytics/email/nps_survey_subject.txt",
        text_template="analytics/email/nps_survey.txt",
        html_template="analytics/email/nps_survey.html",
        context=context,
        links=links_for(user=user, category=emails.NPS),
    )
    survey.emailed_at = timezone.now()
    survey.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def nps_answer_record(*, survey: NpsSurvey, score: int, comment: str, now: datetime | None = None) -> NpsResponse:
    """Store the member's one answer to this survey; a second answer is refused, never overwrites."""
    if not 0 <= score <= 10:
        raise AnalyticsError(_("Choose a score from 0 to 10."))
    locked = NpsSurvey.objects.select_for_update().get(pk=survey.pk)
    if NpsResponse.objects.filter(survey=locked).exists():
        raise AnalyticsError(_("You have already answered this survey. Thank you!"))
    return NpsResponse.objects.create(
        survey=locked,
        club_id=locked.club_id,
        score=score,
        comment=comment.strip()[:2000],
        answered_at=now or timezone.now(),
        respondent_id=survey.membership.user_id,
    )


@transaction.atomic
def nps_settings_update(
    *, club: Club, is_enabled: bool, first_after_days: int, repeat_every_days: int
) -> ClubNpsSettings:
    """Leaders choose when their members are asked; the next daily run follows the new rule."""
    if not 1 <= first_after_days <= 365 or not 30 <= repeat_every_days <= 365:
        raise AnalyticsError(_("Choose 1 to 365 days before the first survey and 30 to 365 days between surveys."))
    nps_settings, _created = ClubNpsSettings.objects.update_or_create(
        club=club,
        defaults={
            "is_enabled": is_enabled,
            "first_after_days": first_after_days,
            "repeat_every_days": repeat_every_days,
        },
    )
    return nps_settings
