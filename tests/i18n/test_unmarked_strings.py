"""Text shown to people is marked for translation, in templates and in Python.

Templates: every text node and read attribute (placeholder, title, alt, aria-label) outside
{% translate %}/{% blocktranslate %} must hold no Latin-script words (variables, tags and the allowed names of
tests/i18n/visible_text.py aside). Email .txt templates are all text.
Python: literal strings given to people (messages, ValidationError and each app's own errors, form labels,
help texts, verbose names, choices, admin descriptions) must be gettext calls.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template.base import Lexer, TokenType

from tests.i18n.visible_text import ALLOWED_WORDS, latin_words, visible_texts

BASE_DIR = Path(settings.BASE_DIR)
TEMPLATES_DIR = BASE_DIR / "templates"
PLACEHOLDER = "\u2063"  # stands for a variable or a tag: no letters, so it never looks like prose
TRANSLATING_BLOCKS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans", "comment": "endcomment"}
NOT_OURS = {".venv", "tests", "migrations", "bench", "static", "templates", "locale", "media", "node_modules"}


# allauth's "elements" build tags out of template logic (<{% if href %}a{% else %}button{% endif %}): markup only.
MARKUP_ONLY = {TEMPLATES_DIR / "allauth" / "elements"}
CSS_CLASSES = re.compile(r"\b[a-z0-9]+(?:-[a-z0-9]+)+\b")  # "narrow-column", "col-lg-8": block values, not prose


def template_paths() -> list[Path]:
    return sorted(
        path
        for path in TEMPLATES_DIR.rglob("*")
        if path.suffix in {".html", ".txt"} and path.is_file() and not MARKUP_ONLY.intersection(path.parents)
    )


def text_outside_translation(source: str) -> str:
    """The template with translated blocks, comments, variables and tags replaced by a letter-free mark."""
    parts, closing = [], None
    for token in Lexer(source).tokenize():
        if closing:
            if token.token_type == TokenType.BLOCK and token.contents.split()[0] == closing:
                closing = None
            continue
        if token.token_type == TokenType.TEXT:
            parts.append(token.contents)
        elif token.token_type == TokenType.BLOCK and token.contents.split()[0] in TRANSLATING_BLOCKS:
            closing = TRANSLATING_BLOCKS[token.contents.split()[0]]
        else:
            parts.append(PLACEHOLDER)
    return "".join(parts)


def unmarked_template_text(path: Path) -> list[str]:
    text = text_outside_translation(path.read_text(encoding="utf-8"))
    texts = visible_texts(text) if path.suffix == ".html" else text.splitlines()
    return [piece.strip() for piece in texts if latin_words(CSS_CLASSES.sub(" ", piece))]


@pytest.mark.parametrize("path", template_paths(), ids=lambda path: str(path.relative_to(TEMPLATES_DIR)))
def test_template_text_is_marked_for_translation(path):
    unmarked = unmarked_template_text(path)
    assert not unmarked, f"{path.relative_to(BASE_DIR)}: wrap in {{% translate %}} / {{% blocktranslate %}}:\n" + (
        "\n".join(f"  {text!r}" for text in unmarked)
    )


def test_the_template_lint_finds_unmarked_text_and_accepts_marked_text(tmp_path):
    page = tmp_path / "page.html"
    page.write_text(
        '{% load i18n %}<h1>{% translate "Welcome" %}</h1><p>Plain words</p>'
        '<input placeholder="Search here"><img alt="{% translate \'Logo\' %}">'
        "{% blocktranslate %}Hello {{ name }}{% endblocktranslate %}<span>{{ club.name }} · Returnpath</span>"
    )
    assert unmarked_template_text(page) == ["Plain words", "Search here"]


# --- Python --------------------------------------------------------------------------------------------------

SHOWN_KEYWORDS = {"label", "help_text", "verbose_name", "verbose_name_plural", "empty_label", "description"}
SHOWN_ATTRIBUTES = {"placeholder", "title", "aria-label"}
MESSAGE_FUNCTIONS = {"success", "error", "warning", "info", "add_message"}
CHOICES_BASES = {"TextChoices", "IntegerChoices", "Choices"}
ADMIN_DECORATORS = {"action", "display"}  # @admin.action(description=...), elsewhere "description" is data


def python_paths() -> list[Path]:
    return sorted(
        path
        for path in BASE_DIR.rglob("*.py")
        if not NOT_OURS.intersection(path.relative_to(BASE_DIR).parts[:-1])
        and "management" not in path.parts  # command output is for operators at a terminal
        and not path.name.startswith("test")
    )


def domain_errors() -> set[str]:
    """Each app's own exceptions (<app>/exceptions.py): views show their messages to people."""
    names = {"ValidationError", "PermissionDenied"}
    for path in BASE_DIR.glob("*/exceptions.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names.update(node.name for node in ast.walk(tree) if isinstance(node, ast.ClassDef))
    return names


def _literal(node) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and latin_words(node.value):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return ast.unparse(node)
    return None


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def unmarked_python_strings(source: str, errors: set[str]) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _callee(node)
            if name in MESSAGE_FUNCTIONS and isinstance(node.func, ast.Attribute) and len(node.args) >= 2:
                candidates = [node.args[-1]]
            elif name in errors and node.args:
                candidates = [node.args[0]]
            else:
                candidates = []
            shown = SHOWN_KEYWORDS if name in ADMIN_DECORATORS else SHOWN_KEYWORDS - {"description"}
            candidates += [keyword.value for keyword in node.keywords if keyword.arg in shown]
            for keyword in node.keywords:
                if keyword.arg == "choices" and isinstance(keyword.value, ast.List | ast.Tuple):
                    candidates += [pair.elts[-1] for pair in keyword.value.elts if isinstance(pair, ast.Tuple)]
                if keyword.arg == "attrs" and isinstance(keyword.value, ast.Dict):
                    candidates += [
                        value
                        for key, value in zip(keyword.value.keys, keyword.value.values, strict=True)
                        if isinstance(key, ast.Constant) and key.value in SHOWN_ATTRIBUTES
                    ]
            found += [(candidate.lineno, text) for candidate in candidates if (text := _literal(candidate))]
        elif isinstance(node, ast.ClassDef):
            bases = {base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "") for base in node.bases}
            for statement in node.body:
                is_choice = isinstance(statement, ast.Assign) and isinstance(statement.value, ast.Tuple)
                choice_label = statement.value.elts[-1] if is_choice and len(statement.value.elts) >= 2 else None
                if bases & CHOICES_BASES and choice_label is not None and (text := _literal(choice_label)):
                    found.append((statement.lineno, text))
                if isinstance(statement, ast.Assign) and node.name == "Meta":
                    names = {getattr(target, "id", "") for target in statement.targets}
                    if names & {"verbose_name", "verbose_name_plural"} and (text := _literal(statement.value)):
                        found.append((statement.lineno, text))
    return sorted(found)


@pytest.mark.parametrize("path", python_paths(), ids=lambda path: str(path.relative_to(BASE_DIR)))
def test_python_strings_shown_to_people_are_marked_for_translation(path):
    unmarked = unmarked_python_strings(path.read_text(encoding="utf-8"), domain_errors())
    assert not unmarked, f"{path.relative_to(BASE_DIR)}: wrap in gettext / gettext_lazy:\n" + "\n".join(
        f"  line {line}: {text!r}" for line, text in unmarked
    )


def test_the_python_lint_finds_unmarked_strings_and_accepts_marked_ones():
    source = """
messages.success(request, "Saved.")
messages.success(request, _("Saved."))
raise ClubError("You are not a member.")
raise ClubError(_("You are not a member."))
name = forms.CharField(label="Name", help_text=_("Your name."), widget=forms.TextInput(attrs={"placeholder": "Jane"}))
class Status(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", _("Paused")
class Meta:
    verbose_name = "club"
"""
    assert [text for _line, text in unmarked_python_strings(source, {"ClubError"})] == [
        "Saved.",
        "You are not a member.",
        "Jane",
        "Name",
        "Active",
        "club",
    ]


def test_allowed_names_are_names_not_prose():
    assert all(" " not in word for word in ALLOWED_WORDS)
