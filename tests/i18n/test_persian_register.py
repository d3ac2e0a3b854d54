"""Persian speaks to the reader in one register, the formal "شما": no "تو", no singular imperatives on buttons."""

import re

import polib
from django.conf import settings

CATALOG = settings.BASE_DIR / "locale" / "fa" / "LC_MESSAGES" / "django.po"
# The informal pronoun and its forms, and the singular imperatives the catalog once used ("نگه دار", "کن", "بفرست").
INFORMAL = re.compile(r"(?<![\w\u200c])(تو|ترا|تورا|خودت|نگه دار|نگهش دار|کن|بفرست|بکن|بزن|بیا|برو|باش)(?![\w\u200c])")


def test_persian_catalog_uses_the_formal_register_only():
    informal = []
    for entry in polib.pofile(str(CATALOG)):
        if entry.obsolete:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            if text and (match := INFORMAL.search(text)):
                informal.append(f"{entry.msgid!r}: {text!r} ({match.group(0)})")
    assert not informal, "informal Persian:\n" + "\n".join(informal)
