"""Every count shown to people goes through ngettext / {% blocktranslate count %}: Arabic has six plural forms.

English gets by with "(s)", a ``pluralize`` filter or an ``{% if n == 1 %}`` branch; Arabic (zero, one, two, few,
many, other) and every language whose rule is not "one or not one" do not. So, in the apps' Python (migrations and
tests aside) and in every template, this finds:
- "(s)" / "(es)" after a word, in a string literal (docstrings aside) or in template text;
- the ``pluralize`` filter;
- one-versus-many branches around translated text: ``{% if n == 1 %}`` / ``{% if n > 1 %}`` in templates,
  ``_("... %(count)d date") if count == 1 else _("... dates")`` in Python;
- a singular gettext whose msgid interpolates a count (``%(count)d``, ``%(n)s``, ``{count}``, any ``%(...)d``);
- a ``{% blocktranslate %}`` without ``count`` that puts a number (``|number``, ``|length``, ``*_count``) before a
  plural noun ("{{ days }} days").
Each offender is reported as file:line.
"""

import ast
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.template.base import Lexer, TokenType
from django.utils import translation
from django.utils.translation import ngettext

BASE_DIR = Path(settings.BASE_DIR)
APPS = ["core", "members", "clubs", "events", "feed", "billing", "offers", "automations", "analytics", "config"]
APPS += ["devtools"]
TEMPLATE_SUFFIXES = {".html", ".txt"}

ENGLISH_PLURAL_SUFFIX = re.compile(r"[A-Za-z]\((?:e?s)\)")
PLURALIZE = re.compile(r"\|\s*pluralize\b")
# A count placeholder: a named count, or any integer conversion (%(limit)d, %d, {total:d}).
COUNT_NAMES = r"(?:count|counter|n|num|number|total|quantity|amount_of|days|weeks|months|years|hours|minutes|seconds)"
COUNT_PLACEHOLDER = re.compile(
    rf"%\({COUNT_NAMES}\)[sdi]|%\(\w+\)[di]|(?<!%)%[di]|\{{{COUNT_NAMES}(?::[^}}]*)?\}}|\{{\w*:[,_]?d\}}"
)
# Comparisons that split one from many: == 1, != 1, > 1, <= 1, < 2, >= 2 (either side).
ONE_OR_MANY = re.compile(r"(?:==|!=|>|<=)\s*1\b|(?:<|>=)\s*2\b|\b1\s*(?:==|!=|<|>=)|\b2\s*(?:>|<=)")

SINGULAR_GETTEXT = {"gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "gettext_noop", "ugettext", "ugettext_lazy"}
TRANSLATING_TAGS = {"translate", "trans", "blocktranslate", "blocktrans"}
BLOCK_TAGS = {"blocktranslate": "endblocktranslate", "blocktrans": "endblocktrans"}
# A with-value that is a number: its last filter formats a number, or (unfiltered) its name says it counts.
NUMBER_FILTERS = {"number", "length", "decimal", "floatformat", "add", "rounded"}
COUNT_ATTRIBUTE = re.compile(r"(?:^|_)(?:count|total|capacity|days|size)$")
COUNT_BEFORE_PLURAL_NOUN = re.compile(r"%\((\w+)\)s\+?\s+(?:[a-z-]+\s+)?([a-z]{2,}s)\b")
NOT_PLURAL_NOUNS = {"is", "was", "has", "does", "goes", "says", "this", "its", "us", "plus", "less", "unless", "as"}


# --- Python --------------------------------------------------------------------------------------------------


def python_paths() -> list[Path]:
    paths = []
    for app in APPS:
        if (BASE_DIR / app).is_dir():
            paths += [
                path
                for path in (BASE_DIR / app).rglob("*.py")
                if not {"migrations", "tests"}.intersection(path.relative_to(BASE_DIR).parts)
                and not path.name.startswith("test")
            ]
    return sorted(paths)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                found.add(id(first.value))
    return found


def _gettext_names(tree: ast.AST) -> set[str]:
    """Local names of Django's singular gettext functions (``_``, ``_lazy``...), whatever the import calls them."""
    names = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy", "gettext_noop"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names.update(alias.asname or alias.name for alias in node.names if alias.name in SINGULAR_GETTEXT)
    return names


def _callee(node: ast.Call) -> str:
    func = node.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def _msgid(call: ast.Call) -> str | None:
    index = 1 if _callee(call).startswith("pgettext") else 0
    if (
        len(call.args) > index
        and isinstance(call.args[index], ast.Constant)
        and isinstance(call.args[index].value, str)
    ):
        return call.args[index].value
    return None


def _translates(node: ast.AST, names: set[str]) -> bool:
    return any(isinstance(inner, ast.Call) and _callee(inner) in names for inner in ast.walk(node))


def _splits_one_from_many(test: ast.AST) -> bool:
    return isinstance(test, ast.Compare) and bool(ONE_OR_MANY.search(ast.unparse(test)))


def python_offenders(source: str) -> list[tuple[int, str]]:
    tree = ast.parse(source)
    docstrings, names, found = _docstrings(tree), _gettext_names(tree), []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            if ENGLISH_PLURAL_SUFFIX.search(node.value):
                found.append((node.lineno, f'"(s)" in {node.value!r}: use ngettext'))
        elif isinstance(node, ast.Call) and _callee(node) in names and (msgid := _msgid(node)) is not None:
            if COUNT_PLACEHOLDER.search(msgid):
                found.append((node.lineno, f"count in a singular gettext {msgid!r}: use ngettext"))
        elif isinstance(node, ast.If | ast.IfExp) and _splits_one_from_many(node.test):
            branches = [node.body, node.orelse] if isinstance(node, ast.IfExp) else [*node.body, *node.orelse]
            if any(_translates(branch, names) for branch in branches):
                found.append((node.lineno, f"one-or-many branch ({ast.unparse(node.test)}): use ngettext"))
    return sorted(found)


# --- Templates -----------------------------------------------------------------------------------------------


def template_paths() -> list[Path]:
    roots = [BASE_DIR / "templates", *(BASE_DIR / app / "templates" for app in APPS)]
    return sorted(
        path for root in roots if root.is_dir() for path in root.rglob("*") if path.suffix in TEMPLATE_SUFFIXES
    )


def _tag(token) -> str:
    return token.contents.split()[0] if token.contents.split() else ""


def _is_number(value: str) -> bool:
    """``x|number``, ``items|length``, ``occurrence.going_count``: a count; ``club.name``, ``a|ratio:b``: not."""
    base, *filters = value.split("|")
    if filters:
        return filters[-1].split(":")[0].strip() in NUMBER_FILTERS
    return bool(COUNT_ATTRIBUTE.search(base.strip().split(".")[-1]))


def _blocktranslate_offender(opening, body: list) -> str | None:
    """A blocktranslate without ``count`` whose number (by its with-value) stands before a plural noun."""
    bits = opening.split_contents()[1:]
    if "count" in bits:
        return None
    numbers = {name for name, _, value in (bit.partition("=") for bit in bits if "=" in bit) if _is_number(value)}
    text = "".join(
        f"%({token.contents.strip()})s" if token.token_type == TokenType.VAR else token.contents
        for token in body
        if token.token_type in {TokenType.VAR, TokenType.TEXT}
    )
    for match in COUNT_BEFORE_PLURAL_NOUN.finditer(text):
        if match.group(1) in numbers and match.group(2) not in NOT_PLURAL_NOUNS:
            return f"a number before a plural noun in {text!r}: use {{% blocktranslate count %}}"
    return None


def template_offenders(source: str) -> list[tuple[int, str]]:
    tokens, found = list(Lexer(source).tokenize()), []
    for index, token in enumerate(tokens):
        tag = _tag(token) if token.token_type == TokenType.BLOCK else ""
        if token.token_type == TokenType.COMMENT:
            continue
        shown = token.token_type == TokenType.TEXT or tag in TRANSLATING_TAGS
        if shown and ENGLISH_PLURAL_SUFFIX.search(token.contents):
            found.append((token.lineno, f'"(s)" in {token.contents.strip()!r}: use {{% blocktranslate count %}}'))
        if token.token_type in {TokenType.VAR, TokenType.BLOCK} and PLURALIZE.search(token.contents):
            found.append((token.lineno, f"pluralize in {{{{ {token.contents} }}}}: English only, use count"))
        if tag in {"if", "elif"} and ONE_OR_MANY.search(token.contents):
            depth, branch_translates = 0, False
            for inner in tokens[index + 1 :]:
                inner_tag = _tag(inner) if inner.token_type == TokenType.BLOCK else ""
                if inner_tag == "if":
                    depth += 1
                elif inner_tag == "endif":
                    if depth == 0:
                        break
                    depth -= 1
                branch_translates = branch_translates or inner_tag in TRANSLATING_TAGS
            if branch_translates:
                found.append((token.lineno, f"{{% {token.contents} %}} around translated text: use count"))
        if tag in BLOCK_TAGS:
            end = next(
                (
                    position
                    for position in range(index + 1, len(tokens))
                    if tokens[position].token_type == TokenType.BLOCK and _tag(tokens[position]) == BLOCK_TAGS[tag]
                ),
                len(tokens),
            )
            if problem := _blocktranslate_offender(token, tokens[index + 1 : end]):
                found.append((token.lineno, problem))
    return found


# --- The tree ------------------------------------------------------------------------------------------------


def _report(offenders: list[tuple[Path, int, str]]) -> str:
    return "\n".join(f"  {path.relative_to(BASE_DIR)}:{line}: {problem}" for path, line, problem in offenders)


def test_python_counts_go_through_ngettext():
    paths = python_paths()
    assert paths, "no Python sources found: is APPS current?"
    offenders = [
        (path, line, problem) for path in paths for line, problem in python_offenders(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "counts without plural forms (ngettext / ngettext_lazy):\n" + _report(offenders)


def test_template_counts_go_through_blocktranslate_count():
    paths = template_paths()
    assert paths, "no templates found"
    offenders = [
        (path, line, problem)
        for path in paths
        for line, problem in template_offenders(path.read_text(encoding="utf-8"))
    ]
    assert not offenders, "counts without plural forms ({% blocktranslate count %}):\n" + _report(offenders)


# --- The scanner itself --------------------------------------------------------------------------------------

PYTHON_SAMPLE = '''
"""Docstrings may say http(s)://."""
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.utils.translation import ngettext

a = _("%(count)d subscription(s) updated.") % {"count": 2}
b = _lazy("%(n)s members")
c = _("Event planned (%(count)d date).") if count == 1 else _("Event planned (%(count)d dates).")
d = "item(s)"
e = _("Please keep it under %(limit)d characters.")
f = _("{count} files")
ok = ngettext("%(count)d subscription updated.", "%(count)d subscriptions updated.", 2)
fine = _("Welcome to %(club)s") + _("Save %(percent)s%%")
'''

TEMPLATE_SAMPLE = """{% load i18n %}
<p>{{ count }} item(s)</p>
<p>{{ n }} member{{ n|pluralize }}</p>
{% if members|length == 1 %}{% translate "One member" %}{% else %}{% translate "Members" %}{% endif %}
{% if n > 1 %}{% blocktranslate %}Many{% endblocktranslate %}{% endif %}
{% blocktranslate with count=x|number %}{{ count }} members{% endblocktranslate %}
{% blocktranslate count counter=n %}{{ counter }} member{% plural %}{{ counter }} members{% endblocktranslate %}
{% if n == 1 %}<span class="one"></span>{% endif %}
{% blocktranslate with club_name=club.name %}{{ club_name }} members: hello{% endblocktranslate %}
{% blocktranslate with number=page|number total=pages|number %}Page {{ number }} of {{ total }}{% endblocktranslate %}
{% blocktranslate with value=e|ratio:m going=o.nr_count %}{{ value }} visits, {{ going }} came{% endblocktranslate %}
{% blocktranslate with going=o.going_count %}{{ going }} seats{% endblocktranslate %}
{# a comment may say (s) #}
"""


def test_the_python_scanner_finds_each_kind_of_offender_and_nothing_else():
    lines = [line for line, _problem in python_offenders(PYTHON_SAMPLE)]
    # a: "(s)" and a count in gettext; b, e, f: a count in gettext; c: a one-or-many branch (and its two msgids);
    # d: "(s)" in a plain literal. ngettext, the docstring and non-count placeholders pass.
    assert lines == [7, 7, 8, 9, 9, 9, 10, 11, 12]


def test_the_template_scanner_finds_each_kind_of_offender_and_nothing_else():
    lines = [line for line, _problem in template_offenders(TEMPLATE_SAMPLE)]
    # 9-11: a name, a page number and a ratio are not counts of a plural noun; 12: a count before "seats".
    assert lines == [2, 3, 4, 5, 6, 12]


def test_the_scanner_reports_file_and_line():
    path = BASE_DIR / "billing" / "admin.py"
    report = _report([(path, 12, "x")])
    assert report == "  billing/admin.py:12: x"


# --- Arabic gets every form ----------------------------------------------------------------------------------

ARABIC_COUNTS = [0, 1, 2, 5, 11, 100]  # zero, one, two, few (3-10), many (11-99), other
CONVERTED = [
    ("%(count)d subscription updated.", "%(count)d subscriptions updated."),
    ("%(count)d event queued again; processed events are left alone.",
     "%(count)d events queued again; processed events are left alone."),
    ("Event planned (%(count)d date).", "Event planned (%(count)d dates)."),
    ("%(count)d upcoming date cancelled.", "%(count)d upcoming dates cancelled."),
    ("Please keep it under %(limit)d character.", "Please keep it under %(limit)d characters."),
    ("%(going)s of %(capacity)s seat taken", "%(going)s of %(capacity)s seats taken"),
    ("%(members)s turned offer emails off", "%(members)s turned offer emails off"),
]  # fmt: skip


@pytest.mark.parametrize(("singular", "plural"), CONVERTED, ids=[singular for singular, _plural in CONVERTED])
def test_arabic_has_a_distinct_form_for_zero_one_two_few_many_and_other(singular, plural):
    with translation.override("ar"):
        forms = [ngettext(singular, plural, count) for count in ARABIC_COUNTS]
    assert len(set(forms)) == len(ARABIC_COUNTS), forms
    assert singular not in forms and plural not in forms, "not translated"


def test_the_admin_message_uses_the_arabic_dual():
    with translation.override("ar"):
        two = ngettext("%(count)d subscription updated.", "%(count)d subscriptions updated.", 2) % {"count": 2}
    assert two == "تم تحديث اشتراكين."


def test_a_converted_template_picks_the_arabic_form_and_keeps_native_digits():
    template = Template(
        "{% load i18n clubs_tags %}{% blocktranslate count counter=n with members=n|number %}"
        "{{ members }} turned offer emails off{% plural %}{{ members }} turned offer emails off{% endblocktranslate %}"
    )
    with translation.override("ar"):
        rendered = {count: template.render(Context({"n": count})) for count in ARABIC_COUNTS}
    assert len(set(rendered.values())) == len(ARABIC_COUNTS), rendered
    assert rendered[11] == "أوقف ١١ عضوًا رسائل العروض"  # noqa: RUF001 (Arabic-Indic digits are the point)
