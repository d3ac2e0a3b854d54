"""Thin Celery wrappers: take ids, call a service, safe to run twice."""

from celery import shared_task

from privacy.services.export import data_export_build, exports_remove_expired


@shared_task(acks_late=True)
def build_data_export(export_id: int) -> bool:
    return data_export_build(export_id=export_id)


@shared_task(acks_late=True)
def remove_expired_exports() -> int:
    """Periodic (CELERY_BEAT_SCHEDULE "privacy-exports-cleanup")."""
    return exports_remove_expired()
