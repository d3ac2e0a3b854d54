"""The welcome email goes out when a membership starts, not at the next hourly run.

A membership that moves from pending (or a lapse) to trialing or active enqueues the welcome automation of
its club after the transaction commits. The run claims each welcome once (``AutomationSend`` is unique per
member and trigger), so the hourly beat run and this one can never both send it.
"""

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from clubs.models import MembershipStatus, MembershipStatusChange

STARTING = (MembershipStatus.TRIALING, MembershipStatus.ACTIVE)
NOT_YET_WELCOMED = ("", MembershipStatus.PENDING, MembershipStatus.CANCELED, MembershipStatus.EXPIRED)


@receiver(post_save, sender=MembershipStatusChange, dispatch_uid="automations-welcome-on-start")
def welcome_when_a_membership_starts(sender, instance: MembershipStatusChange, created: bool, **kwargs) -> None:
    if not created or instance.to_status not in STARTING or instance.from_status not in NOT_YET_WELCOMED:
        return
    from automations.tasks import run_welcome

    club_id = instance.membership.club_id
    transaction.on_commit(lambda: run_welcome.delay(club_id))
