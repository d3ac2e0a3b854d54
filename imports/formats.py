"""The CSV formats an import reads: our template and the member exports of Ghost, Patreon and Memberful.

Each format names, for every field we read, the column headers it is known by (compared without case or
spaces around them). The format is recognised by the columns only that platform writes (``signature``); the
leader may choose another format or another column for any field before confirming. docs/import.md lists
the columns of each format and which ones are read.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from imports.exceptions import ImportsError
from imports.models import ImportFormat

# The fields of a row, in the order of the template; only ``email`` is required.
FIELDS = ("email", "name", "first_name", "last_name", "plan", "complimentary_until", "stripe_subscription_id",
          "club_emails", "status")  # fmt: skip
FIELD_LABELS = {
    "email": gettext_lazy("Email"),
    "name": gettext_lazy("Name"),
    "first_name": gettext_lazy("First name"),
    "last_name": gettext_lazy("Last name"),
    "plan": gettext_lazy("Plan"),
    "complimentary_until": gettext_lazy("Complimentary until"),
    "stripe_subscription_id": gettext_lazy("Stripe subscription id"),
    "club_emails": gettext_lazy("Agreed to club emails"),
    "status": gettext_lazy("Status at the old platform"),
}
TEMPLATE_HEADER = ["email", "name", "plan", "complimentary_until", "stripe_subscription_id", "club_emails"]
TEMPLATE_EXAMPLE = ["ada@example.com", "Ada Lovelace", "Monthly", "2027-06-30", "", "yes"]


@dataclass(frozen=True)
class Format:
    key: str
    columns: dict  # field -> header names this platform uses (lower case)
    signature: frozenset = field(default_factory=frozenset)  # headers only this platform writes
    # Rows whose status column is not one of these are skipped (a former patron is no member).
    active_statuses: frozenset = field(default_factory=frozenset)


FORMATS = {
    ImportFormat.GENERIC: Format(
        key=ImportFormat.GENERIC,
        columns={name: (name,) for name in TEMPLATE_HEADER},
        signature=frozenset({"email", "complimentary_until", "stripe_subscription_id"}),
    ),
    ImportFormat.GHOST: Format(
        key=ImportFormat.GHOST,
        columns={
            "email": ("email",),
            "name": ("name",),
            "plan": ("tiers",),
            "club_emails": ("subscribed_to_emails",),
            "stripe_subscription_id": ("stripe_subscription_id",),
        },
        signature=frozenset({"email", "subscribed_to_emails", "complimentary_plan"}),
    ),
    ImportFormat.PATREON: Format(
        key=ImportFormat.PATREON,
        columns={
            "email": ("email",),
            "name": ("name",),
            "plan": ("tier",),
            "status": ("patron status",),
            "complimentary_until": ("access expiration",),
        },
        signature=frozenset({"email", "patron status", "pledge amount"}),
        active_statuses=frozenset({"active patron"}),
    ),
    ImportFormat.MEMBERFUL: Format(
        key=ImportFormat.MEMBERFUL,
        columns={
            "email": ("email",),
            "name": ("full name",),
            "first_name": ("first name",),
            "last_name": ("last name",),
            "plan": ("plan",),
            "complimentary_until": ("expiration date",),
            "stripe_subscription_id": ("stripe subscription id",),
            "status": ("subscription status",),
        },
        signature=frozenset({"email", "member id", "full name", "stripe customer id"}),
        active_statuses=frozenset({"active", ""}),
    ),
}


def _norm(header: str) -> str:
    return " ".join(header.strip().lower().split())


def detect(headers: list[str]) -> str:
    """The format whose signature columns are all present; the template when none matches."""
    present = {_norm(header) for header in headers}
    for key in (ImportFormat.GHOST, ImportFormat.PATREON, ImportFormat.MEMBERFUL):
        if FORMATS[key].signature <= present:
            return key
    return ImportFormat.GENERIC


def default_mapping(source_format: str, headers: list[str]) -> dict[str, str]:
    """field -> the file's header for it, for the columns of ``source_format`` that the file has."""
    by_norm = {}
    for header in headers:
        by_norm.setdefault(_norm(header), header)
    mapping = {}
    for name, known in FORMATS[source_format].columns.items():
        for candidate in known:
            if candidate in by_norm:
                mapping[name] = by_norm[candidate]
                break
    return mapping


# --- Reading the file ----------------------------------------------------------------------------------


@dataclass
class Decoded:
    text: str
    encoding: str


def decode(data: bytes) -> Decoded:
    """UTF-8 (with or without a byte-order mark), else Windows-1252 (Excel's "CSV" on Windows).

    A file that is neither (a spreadsheet, an image, UTF-16) is refused with a message, never guessed at.
    """
    if not data.strip():
        raise ImportsError(_("The file is empty."))
    if b"\x00" in data:
        raise ImportsError(_("This is not a CSV file (it holds binary data). Save it as CSV UTF-8 and try again."))
    try:
        return Decoded(text=data.decode("utf-8-sig"), encoding="utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return Decoded(text=data.decode("cp1252"), encoding="cp1252")
    except UnicodeDecodeError as error:
        raise ImportsError(_("The file is neither UTF-8 nor Windows-1252 text. Save it as CSV UTF-8.")) from error


def read_rows(text: str, *, max_rows: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header and the data rows with their line numbers (blank lines left out); at most ``max_rows``."""
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect, strict=True)
    try:
        header = next(reader, None)
        if not header or not any(cell.strip() for cell in header):
            raise ImportsError(_("The file has no header row."))
        rows = []
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if len(rows) >= max_rows:
                raise ImportsError(
                    _("The file has more than %(max)d members. Split it into files of at most %(max)d rows.")
                    % {"max": max_rows}
                )
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise ImportsError(_("The file is not valid CSV (line %(line)d).") % {"line": reader.line_num}) from error
    if not rows:
        raise ImportsError(_("The file has a header row but no members."))
    return [cell.strip() for cell in header], rows


DATE_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%m/%d/%Y", "%d.%m.%Y", "%b %d, %Y")


def parse_date(value: str) -> date:
    """A date the platforms write (ISO, ISO with a time or a Z, Memberful's mm/dd/yyyy, German dd.mm.yyyy).

    Raises ValueError for anything else: a day/month order we cannot tell apart is not guessed.
    """
    value = value.strip()
    iso = value.removesuffix("Z").split(".")[0] if "T" in value or value.endswith("Z") else value
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(iso, pattern).date()
        except ValueError:
            continue
    raise ValueError(value)


TRUE_WORDS = frozenset({"yes", "true", "1", "y", "ja", "subscribed"})
FALSE_WORDS = frozenset({"no", "false", "0", "n", "nein", "unsubscribed"})


def parse_bool(value: str) -> bool | None:
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None
