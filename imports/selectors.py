"""Reads for imports: a club's import jobs and a job's rows, scoped to the club in the URL."""

from django.db.models import Count, OuterRef, QuerySet, Subquery

from billing.models import Subscription
from clubs.models import Club, Consent, ConsentPurpose, ConsentStatus, Membership
from imports.models import ImportJob, ImportRow, RowOutcome

EXPORT_HEADER = ["email", "name", "plan", "complimentary_until", "stripe_subscription_id", "club_emails", "status",
                 "complimentary", "member_since", "current_period_end"]  # fmt: skip


def import_job_for_club(*, club: Club, job_id: int) -> ImportJob | None:
    return ImportJob.objects.select_related("default_plan").filter(club=club, pk=job_id).first()


def import_jobs_recent(*, club: Club, limit: int = 10) -> list[ImportJob]:
    return list(ImportJob.objects.filter(club=club).select_related("created_by")[:limit])


def import_rows(*, job: ImportJob) -> QuerySet[ImportRow]:
    return ImportRow.objects.filter(job=job).select_related("plan").order_by("line")


def import_outcome_counts(*, job: ImportJob) -> list[tuple[str, int]]:
    """(label, rows) for each outcome the job has, in the order of RowOutcome (1 query)."""
    counts = dict(
        ImportRow.objects.filter(job=job).values("outcome").annotate(n=Count("pk")).values_list("outcome", "n")
    )
    return [(outcome.label, counts[outcome.value]) for outcome in RowOutcome if outcome.value in counts]


def _day(value) -> str:
    return value.date().isoformat() if value else ""


def member_export_rows(*, club: Club):
    """The club's members as CSV rows, header first: the template's columns, so the file imports again.

    One query, streamed (``iterator``), whatever the number of members; the Stripe id is the newest
    subscription's, read in the same query.
    """
    newest = Subscription.objects.filter(membership=OuterRef("pk")).order_by("-stripe_created", "-pk")
    consent = Consent.objects.filter(
        user=OuterRef("user_id"), club=OuterRef("club_id"), purpose=ConsentPurpose.AUTOMATIONS
    )
    memberships = (
        Membership.objects.filter(club=club)
        .select_related("user", "plan")
        .annotate(
            stripe_id=Subquery(newest.values("stripe_subscription_id")[:1]),
            consent_status=Subquery(consent.values("status")[:1]),
        )
        .order_by("user__email")
    )
    yield EXPORT_HEADER
    for membership in memberships.iterator(chunk_size=500):
        consent_word = {ConsentStatus.GIVEN: "yes", ConsentStatus.WITHDRAWN: "no"}.get(membership.consent_status, "")
        yield [
            membership.user.email,
            membership.user.display_name,
            membership.plan.name if membership.plan else "",
            _day(membership.complimentary_until) if membership.is_complimentary else "",
            membership.stripe_id or "",
            consent_word,
            membership.status,
            "yes" if membership.is_complimentary else "no",
            _day(membership.started_at),
            _day(membership.current_period_end),
        ]
