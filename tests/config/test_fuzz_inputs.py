"""Property: no input a visitor can send makes a page answer with a server error.

Walks the access matrix (every app's rows, including ones added later) and every admin add form,
and sends hypothesis-generated values (unicode, huge numbers, empty, wrong types, lists, NUL
bytes, markup) for every field the page's forms declare, as each role that may use the page. A
clear refusal (form errors, 400, 403, 404, 405, 429) is fine; a 5xx is a bug. Example counts stay
small so this file stays a small part of the suite.
"""

import importlib
import inspect
from pathlib import Path

import pytest
from django import forms as django_forms
from django.apps import apps
from django.contrib import admin
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.http import HttpResponseServerError
from django.urls import path, reverse
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from tests.access import LOGIN
from tests.test_access_matrix import PAGES

USING_ROLES = ("member", "leader", "staff")
EXAMPLES = 2

NASTY_STRINGS = [
    "",
    " ",
    "0",
    "-1",
    "1e308",
    "NaN",
    "-inf",
    "2026-02-30",
    "9999-12-31 23:59:59",
    "0000-00-00",
    "true",
    "null",
    "[]",
    "{}",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\x00",
    "a\x00b",
    "\u202e\u0645\u0631\u062d\u0628\u0627",
    "🙂" * 50,
    "x" * 5000,
    "9" * 400,
    "https://example.com/" + "a" * 300,
]

field_value = st.one_of(
    st.sampled_from(NASTY_STRINGS),
    st.text(max_size=200),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.lists(st.sampled_from(NASTY_STRINGS), min_size=2, max_size=3),
)

HYPOTHESIS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # derandomize makes runs repeatable without a stored example database
    # No shrinking: a failure is reported with the input that caused it, without minutes of retries.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def forms_in(response):
    if response.context is None:
        return
    contexts = response.context if isinstance(response.context, list) else [response.context]
    for context in contexts:
        for layer in context.dicts:
            for value in layer.values():
                if isinstance(value, BaseForm):
                    yield value
                elif isinstance(value, BaseFormSet):
                    yield value.management_form
                    yield from value.forms


def field_names(response) -> list[str]:
    names = {form.add_prefix(name) for form in forms_in(response) for name in form.fields}
    return sorted(names)


def using_role(page) -> str | None:
    """The first role that gets past the door of this page (not 404, not the log-in redirect).

    One role per page keeps the run short; the access matrix already proves who gets in.
    """
    allowed = [role for role in USING_ROLES if page.expected[role] not in (404, LOGIN)]
    return next((role for role in allowed if page.expected[role] == 200), allowed[0] if allowed else None)


# Names a form-less POST endpoint might read (redirect targets, choices, free text, amounts).
GUESSED_NAMES = ["next", "status", "text", "body", "reason", "amount", "email", "language", "plan", "q"]
QUERY_NAMES = ["q", "page", "before", "tag", "sort", "month", "next", "status"]

CASES = [(page, using_role(page)) for page in PAGES if using_role(page)]


@pytest.mark.parametrize(("page", "role"), CASES, ids=[f"{page.name}-{role}" for page, role in CASES])
@HYPOTHESIS
@given(data=st.data())
def test_no_input_makes_a_page_fail(page, role, data, actor_client, club):
    client, _user = actor_client(role)
    url = page.url(club)
    if page.method == "get":
        names = field_names(client.get(url))
        query = data.draw(st.dictionaries(st.sampled_from(QUERY_NAMES), field_value, max_size=2), label="query")
        read = client.get(url, query)
        assert read.status_code < 500, f"{role} GET {url} {query!r}: {read.status_code}"
        if not names:
            return  # nothing to post on a page without a form
    else:
        names = GUESSED_NAMES
    payload = data.draw(st.fixed_dictionaries({name: field_value for name in names}), label="form data")
    posted = client.post(url, payload)
    assert posted.status_code < 500, f"{role} POST {url} {payload!r}: {posted.status_code}"


def can_add(model) -> bool:
    from django.test import RequestFactory

    from members.models import User

    request = RequestFactory().get("/")
    request.user = User(is_staff=True, is_superuser=True, is_active=True)
    return admin.site._registry[model].has_add_permission(request)


ADMIN_MODELS = sorted((model for model in admin.site._registry if can_add(model)), key=lambda m: m._meta.label)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
@settings(
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
@given(data=st.data())
def test_no_input_makes_an_admin_form_fail(model, data, actor_client, club):
    client, _staff = actor_client("staff")
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_add")
    names = field_names(client.get(url))
    payload = data.draw(st.fixed_dictionaries({name: field_value for name in names}), label="form data")
    response = client.post(url, payload)
    assert response.status_code < 500, f"POST {url} {payload!r}: {response.status_code}"


# --- Every query parameter, and numeric and date extremes (issue 16) -------------------------------------

# Every name a view reads from request.GET (grep request.GET), plus names a view might start to read.
ALL_QUERY_NAMES = [
    "q", "page", "before", "status", "start", "end", "preset", "tag", "month", "year", "table", "sort", "next",
    "portal", "date", "day", "week", "from", "to", "limit", "offset", "format", "lang",
]  # fmt: skip
NUMBER_EXTREMES = [str(10**18), str(-(10**18)), "0", "-1", "2147483648", "9" * 400, "NaN", "inf", "-inf", "1e999"]
DATE_EXTREMES = [
    "9999-12-31", "0001-01-01", "9999-12-31 23:00", "0001-01-01 00:30", "9999-12-31T23:59", "0001-01-01T00:00",
    "10000-01-01", "0000-00-00", "1999-12-31", "2000-02-30", "9997-01-01",
]  # fmt: skip
EXTREMES = NUMBER_EXTREMES + DATE_EXTREMES + ["\x00", "🙂" * 20, "x" * 5000, "../..", "[]"]
query_value = st.one_of(st.sampled_from(EXTREMES), field_value)
QUERY_EXAMPLES = 3


def answer_checked(client, method: str, url: str, data: dict, *, who: str):
    """The one checker: an exception out of a view (the test client re-raises it) or any 5xx fails the test."""
    try:
        response = getattr(client, method)(url, data)
    except Exception as error:
        pytest.fail(f"{who} {method.upper()} {url} {data!r} raised {error!r}")
    if response.status_code >= 500:
        pytest.fail(f"{who} {method.upper()} {url} {data!r}: {response.status_code}")
    return response


GET_CASES = [(page, role) for page, role in CASES if page.method == "get"]


@pytest.mark.parametrize(("page", "role"), GET_CASES, ids=[f"{page.name}-{role}" for page, role in GET_CASES])
@settings(HYPOTHESIS, max_examples=QUERY_EXAMPLES)
@given(data=st.data())
def test_no_query_parameter_makes_a_page_fail(page, role, data, actor_client, club):
    client, _user = actor_client(role)
    url = page.url(club)
    query = data.draw(st.dictionaries(st.sampled_from(ALL_QUERY_NAMES), query_value, max_size=4), label="query")
    answer_checked(client, "get", url, query, who=role)


@pytest.mark.parametrize(("page", "role"), GET_CASES, ids=[f"{page.name}-{role}" for page, role in GET_CASES])
def test_extreme_values_in_every_query_parameter_never_fail(page, role, actor_client, club):
    """Each extreme in every parameter at once, and the dashboard's period at the calendar's two ends."""
    client, _user = actor_client(role)
    url = page.url(club)
    # Every parameter at once, each with another extreme, rotated: every extreme reaches several parameters
    # in a few requests (the whole file has to stay a small part of CI).
    for shift in range(0, len(EXTREMES), 4):
        query = {name: EXTREMES[(index + shift) % len(EXTREMES)] for index, name in enumerate(ALL_QUERY_NAMES)}
        answer_checked(client, "get", url, query, who=role)
    for start, end in [("9997-01-01", "9999-12-31"), ("0001-01-01", "0001-01-02"), ("9999-12-31", "0001-01-01")]:
        answer_checked(client, "get", url, {"start": start, "end": end}, who=role)


@pytest.mark.parametrize(("page", "role"), GET_CASES, ids=[f"{page.name}-{role}" for page, role in GET_CASES])
def test_numeric_and_date_extremes_posted_to_a_page_never_fail(page, role, actor_client, club):
    """Every field of the page's forms gets each extreme in turn (shifted per field, so mixes occur too)."""
    client, _user = actor_client(role)
    url = page.url(club)
    names = field_names(answer_checked(client, "get", url, {}, who=role))
    if not names:
        return
    values = NUMBER_EXTREMES + DATE_EXTREMES
    for shift in range(0, len(values), 5):
        payload = {name: values[(index + shift) % len(values)] for index, name in enumerate(names)}
        answer_checked(client, "post", url, payload, who=role)


PROJECT_APPS = {"analytics", "automations", "billing", "clubs", "core", "events", "feed", "members", "offers"}
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _project_forms() -> list[type[BaseForm]]:
    for config in apps.get_app_configs():
        if not config.path.startswith(str(PROJECT_ROOT)) or "/.venv/" in config.path:
            continue
        for module in ("forms", "admin"):
            try:
                importlib.import_module(f"{config.name}.{module}")
            except ModuleNotFoundError:
                continue
    seen, queue = [], list(BaseForm.__subclasses__())
    while queue:
        form_class = queue.pop()
        queue.extend(form_class.__subclasses__())
        if form_class.__module__.split(".")[0] in PROJECT_APPS and form_class not in seen:
            seen.append(form_class)
    return sorted(seen, key=lambda form_class: f"{form_class.__module__}.{form_class.__qualname__}")


def _form_made(form_class, data, *, club, user):
    """The form as its view builds it: the keyword arguments it asks for, from the test's club and user."""
    model = getattr(getattr(form_class, "_meta", None), "model", None)
    if model is not None and model._meta.swapped:
        pytest.skip(f"{form_class.__qualname__} is a base for a swapped model; the admin's form is tested")
    wanted = {"club": club, "user": user, "actor": user, "membership": None, "request": None}
    parameters = inspect.signature(form_class.__init__).parameters
    kwargs = {name: wanted[name] for name, p in parameters.items() if p.kind == p.KEYWORD_ONLY and name in wanted}
    try:
        return form_class(data, **kwargs)
    except (TypeError, ValueError, AttributeError) as error:
        pytest.skip(f"{form_class.__qualname__} needs what its view gives it: {error}")


PROJECT_FORMS = _project_forms()
NUMBER_FIELDS = (django_forms.IntegerField, django_forms.DecimalField)
DATE_FIELD_TYPES = (django_forms.DateField, django_forms.DateTimeField, django_forms.SplitDateTimeField)


def _extremes_for(field) -> list[str]:
    if isinstance(field, DATE_FIELD_TYPES):
        return DATE_EXTREMES
    values = list(NUMBER_EXTREMES)
    low, high = getattr(field, "min_value", None), getattr(field, "max_value", None)
    values += [str(low - 1)] if low is not None else []
    values += [str(high + 1)] if high is not None else []
    return values


@pytest.mark.parametrize("form_class", PROJECT_FORMS, ids=lambda form_class: form_class.__qualname__)
def test_numeric_and_date_extremes_only_ever_give_validation_errors(form_class, club, actor_client):
    """Each number field gets min-1, max+1, ±10**18, 0, NaN...; each date field 9999/0001 and beyond.

    The only acceptable outcome is a bound form that is valid or lists errors; an exception is a 500 in its view.
    A date beyond the planning range or the calendar's ends must be refused by the field itself.
    """
    _client, user = actor_client("leader")
    probe = _form_made(form_class, None, club=club, user=user)
    fields = {
        name: field for name, field in probe.fields.items() if isinstance(field, NUMBER_FIELDS + DATE_FIELD_TYPES)
    }
    if not fields:
        pytest.skip("no number or date field")
    for name, field in fields.items():
        for value in _extremes_for(field):
            key = probe.add_prefix(name)
            data = {f"{key}_0": value, f"{key}_1": "23:00"} if isinstance(field, DATE_FIELD_TYPES[2]) else {key: value}
            form = _form_made(form_class, data, club=club, user=user)
            try:
                form.is_valid()
            except Exception as error:
                pytest.fail(f"{form_class.__qualname__}.{name}={value!r} raised {error!r}")
            if isinstance(field, DATE_FIELD_TYPES) and value.startswith(("9999", "0001", "9997", "10000")):
                assert name in form.errors, f"{form_class.__qualname__}.{name}={value!r} accepted"
            beyond = value in (str(10**18), str(-(10**18))) and (
                (field.max_value is not None and int(value) > field.max_value)
                or (field.min_value is not None and int(value) < field.min_value)
            )
            if isinstance(field, NUMBER_FIELDS) and beyond:
                assert name in form.errors, f"{form_class.__qualname__}.{name}={value!r} accepted"


# --- The checker catches a server error (self-check) ------------------------------------------------------


def _raising_view(request):
    raise OverflowError("date value out of range")


def _five_hundred_view(request):
    return HttpResponseServerError("broken")


urlpatterns = [
    path("raises/", _raising_view),
    path("five-hundred/", _five_hundred_view),
]


@pytest.mark.urls("tests.config.test_fuzz_inputs")
@pytest.mark.parametrize("path", ["/raises/", "/five-hundred/"])
def test_the_checker_fails_on_a_view_that_raises_or_answers_500(client, db, path):
    with pytest.raises(pytest.fail.Exception, match=r"raised OverflowError|: 500"):
        answer_checked(client, "get", path, {"start": "9999-12-31"}, who="anyone")
