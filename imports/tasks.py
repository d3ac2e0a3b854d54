from celery import shared_task

from imports.models import ImportJob
from imports.services import import_confirm, import_invitation_send, import_previews_purge
from members.models import User


@shared_task
def send_import_invitations(row_ids: list[int]) -> int:
    """Send the invitations of one confirmed import; each is claimed once, so a retry sends no duplicate."""
    return sum(import_invitation_send(row_id=row_id) for row_id in row_ids)


@shared_task
def purge_import_previews() -> int:
    """Daily (Celery beat): previews left unconfirmed for a week are deleted with their rows."""
    return import_previews_purge()


@shared_task(acks_late=True)
def apply_import(job_id: int, actor_id: int) -> int:
    """Apply a confirmed import; a second run finds it done and changes nothing."""
    job = ImportJob.objects.filter(pk=job_id).first()
    actor = User.objects.filter(pk=actor_id).first()
    if job is None or actor is None:
        return 0
    return import_confirm(job=job, actor=actor).applied
