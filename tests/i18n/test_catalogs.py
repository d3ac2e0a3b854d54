"""The ar, de and fa catalogs are complete, current, compiled, and use each language's plural rule.

When one of these fails: ``.venv/bin/python locale/update_catalogs.py``, translate what it lists in
locale/<lang>/LC_MESSAGES/django.po, run it again (it compiles), and commit the .po and .mo files.
"""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

LANGUAGES = ["ar", "de", "fa"]
LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
# Django's own rules (django/conf/locale/<lang>/LC_MESSAGES/django.po), so our catalogs merge with Django's.
PLURAL_FORMS = {
    "ar": (
        "nplurals=6; plural=n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
        "n%100>=3 && n%100<=10 ? 3 : n%100>=11 && n%100<=99 ? 4 : 5;"
    ),
    "de": "nplurals=2; plural=(n != 1);",
    "fa": "nplurals=2; plural=(n > 1);",
}
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "media", "staticfiles", "test-artifacts", "vendor", "bench", "tests",
    "locale", "__pycache__", "*.sqlite3", "*.png", "*.jpg", ".test-media*", ".pytest_cache", ".ruff_cache",
)  # fmt: skip


def catalog(language: str) -> polib.POFile:
    return polib.pofile(str(LOCALE_DIR / language / "LC_MESSAGES" / "django.po"))


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_has_no_untranslated_or_fuzzy_entries(language):
    po = catalog(language)
    missing = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not missing and not fuzzy, (
        f"locale/{language}: {len(missing)} untranslated, {len(fuzzy)} fuzzy. "
        f"Run `.venv/bin/python locale/update_catalogs.py` and translate:\n"
        + "\n".join(f"  untranslated: {msgid!r}" for msgid in missing)
        + "\n".join(f"  fuzzy: {msgid!r}" for msgid in fuzzy)
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_catalog_uses_the_languages_plural_rule_and_every_plural_form(language):
    po = catalog(language)
    assert po.metadata["Plural-Forms"].replace("\n", "") == PLURAL_FORMS[language]
    forms = int(PLURAL_FORMS[language].split("nplurals=")[1].split(";")[0])
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert len(entry.msgstr_plural) == forms and all(entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language):
    """A .po edited without compiling changes nothing on the site: the committed .mo must carry the same text."""
    source = {(entry.msgctxt, entry.msgid): entry for entry in catalog(language).translated_entries()}
    compiled_path = LOCALE_DIR / language / "LC_MESSAGES" / "django.mo"
    assert compiled_path.exists(), f"{compiled_path} is missing: run locale/update_catalogs.py"
    compiled = {(entry.msgctxt, entry.msgid): entry for entry in polib.mofile(str(compiled_path)) if entry.msgid}
    assert set(source) == set(compiled), "run locale/update_catalogs.py: the .mo is older than the .po"
    for key, entry in source.items():
        expected = entry.msgstr_plural if entry.msgid_plural else entry.msgstr
        actual = compiled[key].msgstr_plural if entry.msgid_plural else compiled[key].msgstr
        if entry.msgid_plural:
            expected = {int(index): text for index, text in expected.items()}
            actual = {int(index): text for index, text in actual.items()}
        assert expected == actual, f"{key[1]!r}: run locale/update_catalogs.py to compile"


def test_catalogs_hold_every_string_marked_in_the_code(tmp_path):
    """makemessages on a copy of the sources finds no string that the catalogs lack (or no longer need)."""
    copy = tmp_path / "src"
    shutil.copytree(settings.BASE_DIR, copy, ignore=NOT_SOURCE)
    (copy / "locale").mkdir()
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "--locale", "de", "--extension", "html,txt,py", "--no-wrap"],
        cwd=copy,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "config.settings.test", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    marked = {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(copy / "locale/de/LC_MESSAGES/django.po"))}
    for language in LANGUAGES:
        known = {(entry.msgctxt, entry.msgid) for entry in catalog(language) if not entry.obsolete}
        new, stale = sorted(marked - known, key=str), sorted(known - marked, key=str)
        assert not new and not stale, (
            f"locale/{language} is not current: run `.venv/bin/python locale/update_catalogs.py`.\n"
            + "".join(f"  not in the catalog: {msgid!r}\n" for _context, msgid in new)
            + "".join(f"  no longer in the code: {msgid!r}\n" for _context, msgid in stale)
        )
