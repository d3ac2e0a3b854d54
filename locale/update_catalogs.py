#!/usr/bin/env python
"""Refresh the ar, de and fa catalogs, list what still needs a translator, and compile them.

    .venv/bin/python locale/update_catalogs.py                   # makemessages, list what is left, compile
    .venv/bin/python locale/update_catalogs.py --check           # the same; exit 1 while anything is left
    .venv/bin/python locale/update_catalogs.py --todo todo.tsv   # the same, and write what is left as a table
    .venv/bin/python locale/update_catalogs.py --apply todo.tsv  # fill the catalogs from the table, then as above

The table (tab-separated, UTF-8) has one line per string: msgid, then its German, Arabic and Persian text.
A plural string's cells hold every form separated by " || " (German and Persian 2 forms, Arabic 6: zero, one,
two, few 3-10, many 11-99, other); its msgid cell is the singular msgid. Newlines in a msgid or a translation
are written as \\n. Placeholders (%(club)s, %%) must stay exactly as in the msgid.
One can also translate in locale/<lang>/LC_MESSAGES/django.po directly (remove a "fuzzy" flag once checked).
Commit the .po and .mo files; tests/i18n/test_catalogs.py enforces that nothing is left.
"""

import argparse
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LANGUAGES = ["ar", "de", "fa"]
TABLE_COLUMNS = ["de", "ar", "fa"]  # after the msgid, in this order
FORMS_SEPARATOR = " || "
PLURAL_FORMS = {"ar": 6, "de": 2, "fa": 2}  # Django's own rules for these languages
# Strings in these are not ours (dependencies, vendored assets) or not shown to users (tests, benchmarks).
IGNORE = [
    ".venv",
    ".venv/*",
    "static/vendor/*",
    "staticfiles/*",
    "bench/*",
    "tests/*",
    "test-artifacts/*",
    "media/*",
    "node_modules/*",
]


def catalog_path(language: str) -> Path:
    return BASE_DIR / "locale" / language / "LC_MESSAGES" / "django.po"


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def _unescape(text: str) -> str:
    return text.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")


def needs_translation(language: str) -> list:
    """Every entry that is untranslated or fuzzy; obsolete entries do not count."""
    import polib

    catalog = polib.pofile(str(catalog_path(language)))
    return catalog.fuzzy_entries() + catalog.untranslated_entries()


def write_todo(path: Path) -> int:
    rows: dict[str, list[str]] = {}
    for language in LANGUAGES:
        for entry in needs_translation(language):
            # A plural string's cells come with their form separators, ready to fill in.
            cells = [
                FORMS_SEPARATOR.join([""] * PLURAL_FORMS[column]) if entry.msgid_plural else ""
                for column in TABLE_COLUMNS
            ]
            rows.setdefault(entry.msgid, [_escape(entry.msgid), *cells])
    path.write_text("".join("\t".join(row) + "\n" for row in rows.values()), encoding="utf-8")
    return len(rows)


def apply_table(path: Path) -> list[str]:
    """Fill untranslated or fuzzy entries from the table; returns the problems found (nothing is half-applied)."""
    import polib

    table, problems = {}, []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        cells = line.split("\t")
        if len(cells) != 1 + len(TABLE_COLUMNS):
            problems.append(f"{path.name}:{number}: expected {1 + len(TABLE_COLUMNS)} tab-separated cells")
            continue
        table[_unescape(cells[0])] = dict(zip(TABLE_COLUMNS, map(_unescape, cells[1:]), strict=True))
    catalogs = {language: polib.pofile(str(catalog_path(language))) for language in LANGUAGES}
    for language, catalog in catalogs.items():
        for entry in catalog.fuzzy_entries() + catalog.untranslated_entries():
            text = table.get(entry.msgid, {}).get(language, "").strip()
            if entry.msgid_plural:
                parts = [part.strip() for part in text.split(FORMS_SEPARATOR.strip())]
                if not any(parts):
                    continue
                if len(parts) != PLURAL_FORMS[language] or not all(parts):
                    problems.append(f"{language}: {entry.msgid!r} needs {PLURAL_FORMS[language]} forms: {text!r}")
                    continue
                entry.msgstr_plural = dict(enumerate(parts))
            elif text:
                entry.msgstr = text
            else:
                continue
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    if not problems:
        for language, catalog in catalogs.items():
            catalog.save(str(catalog_path(language)))
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if any entry is untranslated or fuzzy")
    parser.add_argument("--report", action="store_true", help="only report; skip makemessages and compilemessages")
    parser.add_argument("--todo", type=Path, help="write what is left to translate to this table")
    parser.add_argument("--apply", type=Path, help="fill the catalogs from this table first")
    args = parser.parse_args()

    os.chdir(BASE_DIR)
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
    import django
    from django.core.management import call_command
    from django.core.management.commands.makemessages import Command as MakeMessages

    class MakeMessagesWithoutGuesses(MakeMessages):
        """msgmerge's fuzzy matching pre-fills new strings with a similar string's translation ("Cancel" for
        "Cancelled"): plain untranslated entries are easier to spot and cannot ship a wrong guess."""

        msgmerge_options = [*MakeMessages.msgmerge_options, "--no-fuzzy-matching"]

    django.setup()
    if not args.report:
        call_command(
            MakeMessagesWithoutGuesses(),
            locale=LANGUAGES,
            domain="django",
            extensions=["html", "txt", "py"],
            ignore_patterns=IGNORE,
            no_obsolete=True,
            add_location="file",
            verbosity=0,
        )
    if args.apply:
        problems = apply_table(args.apply)
        for problem in problems:
            print(f"not applied: {problem}")
        if problems:
            return 1
    pending: dict[str, list[str]] = {}
    for language in LANGUAGES:
        entries = needs_translation(language)
        print(f"{language}: {len(entries)} to translate in {catalog_path(language).relative_to(BASE_DIR)}")
        for entry in entries:
            state = " fuzzy" if "fuzzy" in entry.flags else ""
            pending.setdefault(entry.msgid, []).append(f"{language}{state}")
    for msgid, where in pending.items():
        print(f"  [{', '.join(where)}] {msgid!r}")
    if args.todo:
        print(f"{write_todo(args.todo)} strings to translate written to {args.todo}")
    if not args.report:
        call_command("compilemessages", locale=LANGUAGES, ignore_patterns=IGNORE, verbosity=0)
        print("compiled: " + ", ".join(f"locale/{language}/LC_MESSAGES/django.mo" for language in LANGUAGES))
    return 1 if args.check and pending else 0


if __name__ == "__main__":
    sys.exit(main())
