"""Leaders tune their club's automations."""

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from automations.exceptions import AutomationError
from automations.models import ClubAutomationSettings
from clubs.models import Club

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
