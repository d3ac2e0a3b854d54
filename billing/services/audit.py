"""The staff audit trail (after pretix's log_action): every staff change leaves a row."""

from billing.models import StaffAction
from members.models import User


def staff_action_record(
    *, actor: User | None, action: str, target: object, before: dict | None = None, after: dict | None = None, note=""
) -> StaffAction:
    return StaffAction.objects.create(
        actor=actor,
        action=action,
        target=str(target)[:255],
        before=before or {},
        after=after or {},
        note=str(note)[:255],
    )
