"""What a person reads on a page: text nodes and the attributes that are read out or shown (placeholders, labels)."""

import re
from html.parser import HTMLParser

# Attributes whose value people see or hear (assistive technology reads aria-label, title and alt).
READ_ATTRIBUTES = frozenset(["placeholder", "title", "alt", "aria-label", "aria-description"])
SKIPPED_ELEMENTS = frozenset(["script", "style", "template", "noscript"])
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019]{2,}")

# Names that stay as they are in every language: the product, third parties and file formats.
ALLOWED_WORDS = frozenset(
    [
        "Returnpath",
        "Django",
        "Stripe",
        "JPEG",
        "PNG",
        "WebP",
        "CSV",
        "PDF",
        "MRR",
        "NPS",
        "ARPU",
        "LTV",
        "JavaScript",
        "API",
        "URL",
        "Message-ID",
        "HTML",
        # Platforms a club moves from, the map service, and the formats of an import or a data export.
        "Ghost",
        "Patreon",
        "Memberful",
        "OpenStreetMap",
        "ZIP",
        "JSON",
        "UTF",
        "Windows",
        "http",
        "https",
    ]
)


VOID_ELEMENTS = frozenset(["area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"])


class _TextCollector(HTMLParser):
    """Skips, besides scripts and styles, any element whose ``lang`` differs from the page's: its text is in that
    language on purpose (a leader's preview of an email in each member language), or ``zxx`` (no language:
    placeholders such as ``{club}``)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0
        self._page_lang = ""
        self._other_lang: list[str] = []  # tags opened inside an element in another language, its own first

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED_ELEMENTS:
            self._skipping += 1
        lang = dict(attrs).get("lang")
        if tag == "html":
            self._page_lang = lang or ""
        elif self._other_lang or (lang is not None and lang != self._page_lang):
            if tag not in VOID_ELEMENTS:
                self._other_lang.append(tag)
            return
        for name, value in attrs:
            if name in READ_ATTRIBUTES and value:
                self.texts.append(value)
            if tag == "input" and name == "value" and value and ("type", "submit") in attrs:
                self.texts.append(value)

    def handle_endtag(self, tag):
        if tag in SKIPPED_ELEMENTS and self._skipping:
            self._skipping -= 1
        if self._other_lang and tag == self._other_lang[-1]:
            self._other_lang.pop()

    def handle_data(self, data):
        if not self._skipping and not self._other_lang and data.strip():
            self.texts.append(data)


def visible_texts(html: str) -> list[str]:
    """Each text node and read attribute, whitespace collapsed."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return [" ".join(text.split()) for text in collector.texts]


class KnownText:
    """Strings that are data, not our prose (names, titles, emails...); longest first: "Club 1" before "Club"."""

    def __init__(self, values):
        self.exact = frozenset(values)
        self.longest_first = tuple(sorted((value for value in self.exact if value.strip()), key=len, reverse=True))

    def remove_from(self, text: str) -> str:
        if text in self.exact:
            return ""
        for value in self.longest_first:
            if value in text:
                text = text.replace(value, " ")
        return text


def latin_words(text: str, *, known: KnownText | None = None) -> list[str]:
    """Latin-script words of 3+ letters left after removing known strings (user data) and allowed names."""
    if known is not None:
        text = known.remove_from(text)
    text = re.sub(r"\S+@\S+|https?://\S+|/\S*", " ", text)  # addresses and paths are data, not prose
    return [word for word in LATIN_WORD.findall(text) if word not in ALLOWED_WORDS]
