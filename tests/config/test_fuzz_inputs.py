"""Property: no input a visitor can send makes a page answer with a server error.

Walks the access matrix (every app's rows, including ones added later) and every admin add form,
and sends hypothesis-generated values (unicode, huge numbers, empty, wrong types, lists, NUL
bytes, markup) for every field the page's forms declare, as each role that may use the page. A
clear refusal (form errors, 400, 403, 404, 405, 429) is fine; a 5xx is a bug. Example counts stay
small so this file runs in well under a minute.
"""

import pytest
from django.contrib import admin
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.urls import reverse
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
