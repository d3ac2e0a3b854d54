"""The browser's time zone reaches the sign-up form (static/js/time-zone.js), and the picker filters by typing."""

from django.urls import reverse

from members.models import User
from tests.browser.test_i18n_rtl import sign_in
from tests.factories import UserFactory


def test_signup_form_carries_the_browsers_time_zone(live_server, browser):
    context = browser.new_context(timezone_id="Asia/Tehran")
    try:
        page = context.new_page()
        page.goto(live_server.url + reverse("account_signup"))
        assert page.locator('input[name="time_zone"]').input_value() == "Asia/Tehran"
        page.fill('input[name="email"]', "tehran@example.com")
        page.fill('input[name="password1"]', "a long passphrase 42")
        page.fill('input[name="password2"]', "a long passphrase 42")
        page.locator('main form [type="submit"]').first.click()
        page.wait_for_url(lambda url: "signup" not in url)
        assert User.objects.get(email="tehran@example.com").time_zone == "Asia/Tehran"
    finally:
        context.close()


def test_time_zone_picker_filters_as_one_types(live_server, page):
    sign_in(page, live_server.url, UserFactory())
    page.goto(live_server.url + reverse("members:profile"))
    page.locator('input[type="search"][aria-controls="id_time_zone"]').fill("berlin")
    visible = page.evaluate(
        "() => [...document.querySelectorAll('#id_time_zone option')].filter(o => !o.hidden).map(o => o.value)"
    )
    assert "Europe/Berlin" in visible
    assert "Asia/Tehran" not in visible
