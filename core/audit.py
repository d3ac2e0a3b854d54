"""The staff audit trail (after pretix's log_action): every staff change leaves a row."""

from datetime import date, datetime, time

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import Model, QuerySet
from django.db.models.fields.files import FieldFile

from core.models import StaffAction


def staff_action_record(
    *,
    actor: AbstractBaseUser | None,
    action: str,
    target: object,
    before: dict | None = None,
    after: dict | None = None,
    note="",
) -> StaffAction:
    return StaffAction.objects.create(
        actor=actor,
        action=action,
        target=str(target)[:255],
        before=before or {},
        after=after or {},
        note=str(note)[:255],
    )


def audit_value(value):
    """A JSON-safe, human-readable form of a field value for the before/after columns."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Model):
        return f"{value} (#{value.pk})"
    if isinstance(value, FieldFile):
        return value.name or ""
    if isinstance(value, QuerySet | list | tuple | set):
        return sorted((audit_value(item) for item in value), key=str)
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


# The audit log says that a secret changed, never what it is: not a password, nor its hash.
SECRET_FIELDS = frozenset({"password", "password1", "password2"})
REDACTED = "[redacted]"


def _audited(field: str, value):
    return REDACTED if field in SECRET_FIELDS else audit_value(value)


def audit_fields(data: dict, fields) -> dict:
    return {field: _audited(field, data.get(field)) for field in fields}


def model_snapshot(obj: Model) -> dict:
    """Every concrete field of a row as it is in the database now (what a delete takes away)."""
    return {field.name: _audited(field.name, getattr(obj, field.name)) for field in obj._meta.concrete_fields}
