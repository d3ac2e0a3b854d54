"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from datetime import date

from celery import shared_task
from django.db import transaction

from analytics.services.nps import nps_survey_email, nps_surveys_create, unsent_survey_ids
from analytics.services.snapshots import metric_snapshots_take


@shared_task(acks_late=True)
def take_metric_snapshots(day: str | None = None) -> int:
    """Nightly: one row per club for yesterday (or the ISO ``day`` given), updated if it exists."""
    return metric_snapshots_take(day=date.fromisoformat(day) if day else None)


@shared_task(acks_late=True)
def send_nps_surveys() -> int:
    """Daily: create the surveys that are due, then email every survey not emailed yet."""
    nps_surveys_create()
    survey_ids = unsent_survey_ids()
    for survey_id in survey_ids:
        transaction.on_commit(lambda survey_id=survey_id: send_nps_survey_email.delay(survey_id))
    return len(survey_ids)


@shared_task(acks_late=True)
def send_nps_survey_email(survey_id: int) -> bool:
    return nps_survey_email(survey_pk=survey_id)
