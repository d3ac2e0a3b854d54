"""Every page type answers with the security headers and contains nothing the strict CSP would block.

The pages come from the access matrix (every app's rows, as they are added) and from walking the URL
resolver for pages without arguments (allauth, MFA, admin), and from the admin registry (every
change list, add form and change form), so new pages are covered without editing this file.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from config.security import content_security_policy
from tests.config.inline_code import assert_secure_response, inline_code_in
from tests.test_access_matrix import PAGES

ROLES_THAT_SEE_PAGES = ["member", "leader", "staff"]
# Anonymous visitors too, on the pages they may see (club directory and detail, log-in, sign-up, ...).
MATRIX_CASES = [(page, role) for page in PAGES for role in ROLES_THAT_SEE_PAGES] + [
    (page, "anonymous") for page in PAGES if page.expected["anonymous"] == 200
]


@pytest.mark.parametrize(("page", "role"), MATRIX_CASES, ids=[f"{page.name}-{role}" for page, role in MATRIX_CASES])
def test_every_matrix_page_has_security_headers_and_no_inline_code(page, role, actor_client, club):
    client, _user = actor_client(role)
    url = page.url(club)
    response = getattr(client, page.method)(url)
    assert_secure_response(response, f"{role} {page.method.upper()} {url}")


def urls_without_arguments(resolver=None, prefix="", namespace=""):
    """(name, path) of every named URL that needs no argument, allauth's and the admin's included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}:{pattern.namespace}" if namespace and pattern.namespace else pattern.namespace
            yield from urls_without_arguments(pattern, prefix + str(pattern.pattern), inner or namespace)
        elif isinstance(pattern, URLPattern) and pattern.name and not pattern.pattern.regex.groups:
            yield (f"{namespace}:{pattern.name}" if namespace else pattern.name)


def is_admin_model_page(name: str) -> bool:
    """Model change lists and add forms are visited below, with data, by the admin-registry test."""
    return name.startswith("admin:") and name.endswith(("_changelist", "_add"))


PLAIN_URL_NAMES = sorted({name for name in urls_without_arguments() if not is_admin_model_page(name)})


@pytest.mark.parametrize("role", ["anonymous", "staff"])
@pytest.mark.parametrize("url_name", PLAIN_URL_NAMES)
def test_every_plain_url_has_security_headers_and_no_inline_code(url_name, role, actor_client, club):
    client, _user = actor_client(role)
    try:
        url = reverse(url_name)
    except Exception:  # a pattern whose arguments are all optional regex groups
        pytest.skip(f"{url_name} cannot be reversed without arguments")
    response = client.get(url)
    assert response.status_code < 500, f"{role} GET {url}: {response.status_code}"
    assert_secure_response(response, f"{role} GET {url}")


ADMIN_MODELS = sorted(admin.site._registry, key=lambda model: model._meta.label)


@pytest.mark.parametrize("model", ADMIN_MODELS, ids=lambda model: model._meta.label)
def test_every_admin_page_has_security_headers_and_no_inline_code(model, actor_client, club):
    client, _staff = actor_client("staff")
    info = (model._meta.app_label, model._meta.model_name)
    urls = [reverse("admin:{}_{}_changelist".format(*info)), reverse("admin:{}_{}_add".format(*info))]
    first = model._default_manager.first()
    if first is not None:
        urls.append(reverse("admin:{}_{}_change".format(*info), args=[first.pk]))
        urls.append(reverse("admin:{}_{}_history".format(*info), args=[first.pk]))
    for url in urls:
        response = client.get(url)
        assert response.status_code in (200, 302, 403), f"GET {url}: {response.status_code}"
        assert_secure_response(response, f"staff GET {url}")


def test_policy_allows_no_inline_code_and_no_framing():
    policy = content_security_policy()
    assert "script-src 'self';" in policy and "style-src 'self';" in policy
    assert "frame-ancestors 'none'" in policy
    assert "form-action 'self' https://checkout.stripe.com https://billing.stripe.com" in policy


def test_hsts_is_sent_over_https_in_production(client, settings, db):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("clubs:club-directory"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"


def test_static_and_json_responses_carry_the_headers_too(client, db):
    response = client.get(reverse("healthz"))
    assert response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def test_the_finder_spots_each_kind_of_inline_code():
    html = (
        '<script>alert(1)</script><style>p{}</style><p style="color:red" onclick="x()">'
        '<a href="javascript:void(0)">x</a><script type="application/json">{}</script><script src="/a.js"></script>'
    )
    problems = inline_code_in(html)
    assert len(problems) == 5, problems


def test_two_factor_setup_pages_render_without_inline_code(client, db):
    """The TOTP page shows its QR code as a data: image, which img-src allows; nothing inline."""
    from tests.factories import PASSWORD, UserFactory

    user = UserFactory(is_staff=True)
    client.force_login(user)
    # allauth asks for the password again before it shows a TOTP secret.
    assert client.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    for url_name in ("mfa_index", "mfa_activate_totp"):
        response = client.get(reverse(url_name))
        assert response.status_code == 200, url_name
        assert_secure_response(response, url_name)
    assert 'src="data:image/svg+xml' in client.get(reverse("mfa_activate_totp")).content.decode()


def test_only_a_script_free_sandbox_counts_as_an_email_frame():
    from tests.config.inline_code import is_sandboxed_email_frame

    frame = (
        "sandbox allow-popups; default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; "
        "frame-ancestors 'self'"
    )
    assert is_sandboxed_email_frame(frame)
    assert not is_sandboxed_email_frame(frame.replace("sandbox allow-popups", "sandbox allow-scripts"))
    assert not is_sandboxed_email_frame(frame.replace("default-src 'none'", "default-src 'self'"))
    assert not is_sandboxed_email_frame(frame + "; script-src 'unsafe-inline'")
    assert not is_sandboxed_email_frame("default-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'")
