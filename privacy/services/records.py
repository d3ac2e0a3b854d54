"""Erasure in the audit trails: staff's log (core ``StaffAction``) and Django admin's history (``LogEntry``).

Those rows are kept: they say which staff member did what and when, which an erasure must not undo. But their
text was written from the person's rows at the time (a target like "Erin Erasable @ Healthy Club", a before/after
snapshot with the email, an admin history line naming the user), so after the erasure the person's email and
name are replaced with a pseudonym, "erased user #<id>": the action, the time, the actor and every object id stay,
and rows about the same person still read as the same (erased) person.

No audit row points at the person it is about (the target is text), so the rows are found by what they say:
one query per table over its text and JSON columns, then an exact check in Python. Emails match anywhere (they
are unique to the person); the display name matches as a whole word; the name a row shows for the user when they
had no display name (the part of the email before the @) is replaced only where audit_value wrote it with the
user's id ("erin (#12)"): on its own it could be another person's.
"""

import json
import re
from dataclasses import dataclass

from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q

from core.models import StaffAction


def pseudonym(user_id: int) -> str:
    """What the audit trails call an erased person (stored text, not translated: it is a record, not a page)."""
    return f"erased user #{user_id}"


@dataclass(frozen=True)
class _Replacer:
    user_id: int
    patterns: tuple[re.Pattern, ...]

    def text(self, value: str) -> str:
        for pattern in self.patterns:
            value = pattern.sub(pseudonym(self.user_id), value)
        return value

    def json(self, value):
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(item) for item in value]
        if isinstance(value, dict):
            return {self.text(key): self.json(item) for key, item in value.items()}
        return value


def _replacer(*, user_id: int, emails: list[str], display_name: str, public_name: str) -> tuple[_Replacer, set]:
    """The patterns to replace, most specific first, and the substrings that find candidate rows."""
    emails = sorted({email.strip() for email in emails if email and email.strip()}, key=len, reverse=True)
    patterns = [re.compile(rf"{re.escape(public_name)} \(#{user_id}\)")] if public_name else []
    patterns += [re.compile(re.escape(email), re.IGNORECASE) for email in emails]
    terms = {*emails, f"(#{user_id})"} if public_name else set(emails)
    name = display_name.strip()
    if len(name) >= 3:  # "Al" as a whole word is still too common to be this person
        patterns.append(re.compile(rf"(?<!\w){re.escape(name)}(?!\w)", re.IGNORECASE))
        terms.add(name)
    # JSON columns read as text: PostgreSQL's jsonb keeps letters, SQLite's stored json.dumps escapes non-ASCII.
    terms |= {json.dumps(term)[1:-1] for term in terms}
    return _Replacer(user_id=user_id, patterns=tuple(patterns)), terms


def _found(fields: tuple[str, ...], terms: set) -> Q:
    found = Q()
    for term in sorted(terms):
        for field in fields:
            found |= Q(**{f"{field}__icontains": term})
    return found


def audit_rows_pseudonymise(*, user_id: int, emails: list[str], display_name: str, public_name: str) -> int:
    """Replace the person's email and name in every staff audit row and admin history line; rows changed.

    Call it before the account row loses its email and name (they are what the rows are searched for).
    """
    replace, terms = _replacer(user_id=user_id, emails=emails, display_name=display_name, public_name=public_name)
    if not terms:
        return 0
    changed_actions = []
    text_fields = ("target", "note", "before", "after")
    for row in StaffAction.objects.filter(_found(text_fields, terms)).only("pk", *text_fields).iterator():
        values = (replace.text(row.target), replace.text(row.note), replace.json(row.before), replace.json(row.after))
        if values != (row.target, row.note, row.before, row.after):
            row.target, row.note, row.before, row.after = values
            changed_actions.append(row)
    StaffAction.objects.bulk_update(changed_actions, list(text_fields), batch_size=200)

    # Django admin's own history: the user's row is known by its id; other rows name them in their text.
    user_type = ContentType.objects.get_for_model(get_user_model())
    own = Q(content_type=user_type, object_id=str(user_id))
    changed_entries = []
    for entry in LogEntry.objects.filter(own | _found(("object_repr",), terms)).only(
        "pk", "content_type_id", "object_id", "object_repr"
    ):
        is_own = entry.content_type_id == user_type.pk and entry.object_id == str(user_id)
        text = pseudonym(user_id) if is_own else replace.text(entry.object_repr)
        if text != entry.object_repr:
            entry.object_repr = text
            changed_entries.append(entry)
    LogEntry.objects.bulk_update(changed_entries, ["object_repr"], batch_size=200)
    return len(changed_actions) + len(changed_entries)
