"""Leaders tune their club's automations."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from automations.exceptions import AutomationError
from automations.models import AutomationWording, ClubAutomationSettings
from automations.wording import placeholders_check
from clubs.models import Club
from core.audit import staff_action_record

SETTING_FIELDS = [
    field.name
    for field in ClubAutomationSettings._meta.get_fields()
    if getattr(field, "editable", False) and field.name not in ("id", "club", "updated_at")
]


@transaction.atomic
def automation_settings_update(*, club: Club, values: dict[str, Any]) -> ClubAutomationSettings:
    """Save the club's settings (the row is created on the first change)."""
    gift = values.get("birthday_gift_offer")
    if gift is not None and gift.club_id != club.pk:
        raise AutomationError(_("The birthday gift must be one of this club's offers."))
    stages = [values.get(f"win_back_stage{n}_days") for n in (1, 2, 3)]
    if all(stages) and not stages[0] < stages[1] < stages[2]:
        raise AutomationError(_("Each win-back offer must come later than the one before."))
    config, _created = ClubAutomationSettings.objects.select_for_update().get_or_create(club=club)
    for name in SETTING_FIELDS:
        if name in values:
            setattr(config, name, values[name])
    config.full_clean()
    config.save()
    return config


@transaction.atomic
def automation_wording_save(
    *, club: Club, kind: str, language: str, subject: str, opening: str, actor
) -> AutomationWording | None:
    """Store the club's own subject and opening for one kind and language; both blank restores the standard text.

    The texts are checked again here (placeholders_check): the senders fill them in without asking twice.
    """
    try:
        placeholders_check(subject, kind=kind)
        placeholders_check(opening, kind=kind)
    except ValueError as error:
        raise AutomationError(str(error)) from error
    existing = AutomationWording.objects.select_for_update().filter(club=club, kind=kind, language=language).first()
    before = {"subject": existing.subject, "opening": existing.opening} if existing else {}
    if not subject and not opening:
        if existing:
            existing.delete()
        wording = None
    else:
        wording, _created = AutomationWording.objects.update_or_create(
            club=club, kind=kind, language=language, defaults={"subject": subject, "opening": opening}
        )
    after = {"subject": subject, "opening": opening} if wording else {}
    if before != after:
        staff_action_record(
            actor=actor, action="automation_wording", target=f"{club} {kind} ({language})", before=before, after=after
        )
    return wording
