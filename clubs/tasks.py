from celery import shared_task

from clubs.services import complimentary_memberships_expire


@shared_task
def expire_complimentary_memberships() -> int:
    return complimentary_memberships_expire()
