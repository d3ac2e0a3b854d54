"""The README's newcomer journey against the stack `make run` starts, not the test's in-memory one: a
runserver and a real Celery worker on the embedded broker (kombu's filesystem transport), sharing a SQLite
file (what `make run` uses), the file cache and the outbox folder in tmp_path.

Sign up, confirm from the outbox page, join, pay in the demo checkout (the webhook is processed by the
worker), and the welcome email arrives in /dev/outbox/, sent by the worker.
"""

import re
import subprocess
import sys
import time

import pytest
from playwright.sync_api import expect

from devtools.run import commands
from tests.local_stack import BASE_DIR, free_port, health, local_env, start, stop_groups, wait_for

EMAIL = "you@example.com"
PASSWORD = "a-long-and-unusual-passphrase-42"
CONFIRM_URL = re.compile(r"https?://\S+/accounts/confirm-email/[^/\s]+/")
POLL_SECONDS = 45  # upper bound for each wait on the worker; the test polls, it never sleeps a fixed time


@pytest.fixture
def stack(tmp_path):
    """Migrated and seeded database, then web + worker; every process group is stopped at the end."""
    port = free_port()
    env = local_env(tmp_path, port)
    # Always the newcomer's own default: a SQLite file (never the suite's PostgreSQL database, which the
    # test process owns and which CI's DATABASE_URL points at).
    for step in (["migrate", "--noinput"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *step], cwd=BASE_DIR, env=env, check=True, capture_output=True, timeout=180
        )
    planned = commands(host="127.0.0.1", port=port, state_dir=env["DEV_STATE_DIR"])
    web = [*planned["web"], "--noreload"]
    processes = [
        start(web, env=env, log=tmp_path / "web.log"),
        start(planned["worker"], env=env, log=tmp_path / "worker.log"),
    ]
    try:
        wait_for(lambda: health(port), timeout=60, what="the web server", process=processes[0])
        yield {"url": f"http://127.0.0.1:{port}", "env": env, "tmp": tmp_path}
    finally:
        stop_groups(processes)


def _open_outbox_message(page, url: str, *, to: str, subject: str, timeout: float = POLL_SECONDS) -> None:
    """Reload /dev/outbox/ until a message to ``to`` with ``subject`` is listed, then open it."""
    deadline = time.monotonic() + timeout
    while True:
        page.goto(url + "/dev/outbox/")
        row = page.get_by_role("row").filter(has_text=to).filter(has_text=subject)
        if row.count():
            row.first.get_by_role("link").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text(subject)
            return
        if time.monotonic() > deadline:
            pytest.fail(f"no email {subject!r} to {to} in the outbox after {timeout} s:\n{page.inner_text('main')}")
        page.wait_for_timeout(500)


def test_newcomer_journey_on_the_embedded_broker_with_the_real_worker(stack, page, browser, artifacts_dir):
    url = stack["url"]
    page.goto(url + "/accounts/signup/")
    page.get_by_role("textbox", name="Email", exact=True).fill(EMAIL)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Password (again)", exact=True).fill(PASSWORD)
    page.get_by_role("main").get_by_role("button", name="Sign Up").click()
    expect(page).to_have_url(re.compile(r"/accounts/confirm-email/$"))

    # The confirmation, read on the outbox page as a newcomer would; its link points at this server.
    _open_outbox_message(page, url, to=EMAIL, subject="Confirm")
    match = CONFIRM_URL.search(page.locator("pre.outbox-text").inner_text())
    assert match, page.inner_text("main")
    assert match.group(0).startswith(url), match.group(0)
    page.goto(match.group(0))
    page.get_by_role("button", name="Confirm", exact=True).click()
    expect(page).to_have_url(re.compile(r"/my/clubs/$"))

    # Join the Monthly plan and pay in the demo checkout; access follows the webhook, which the worker handles.
    page.goto(url + "/clubs/healthy-and-happy/")
    page.get_by_role("link", name="Join — Monthly").click()
    # The welcome email is club news: it comes only to a newcomer who agreed to it here (clubs/consent.py).
    page.get_by_label("Send me club news and reminders by email.").check()
    page.get_by_role("button", name="Join", exact=True).click()
    expect(page).to_have_url(re.compile(r"/billing/demo-checkout/cs_test_\w+$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    expect(page.get_by_role("status").first).to_contain_text("Your payment is confirmed", timeout=POLL_SECONDS * 1000)

    # The welcome is claimed by the hourly automations run (beat, minute 7): ask the worker for that run now,
    # through the broker, as beat would.
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "config", "call", "automations.tasks.run_automations"],
        cwd=BASE_DIR,
        env=stack["env"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    _open_outbox_message(page, url, to=EMAIL, subject="Welcome to Healthy and Happy Club")
    expect(page.locator("pre.outbox-text")).to_contain_text("Healthy and Happy Club")

    # Screenshots for people to look at: the outbox and the welcome, English and Arabic, desktop and phone.
    for language in ("en", "ar"):
        for width in (1280, 390):
            context = browser.new_context(viewport={"width": width, "height": 900}, locale=language)
            try:
                visitor = context.new_page()
                visitor.goto(url + "/dev/outbox/")
                assert visitor.evaluate("document.documentElement.lang") == language
                visitor.screenshot(path=artifacts_dir / f"outbox_list_{language}_{width}.png", full_page=True)
                visitor.get_by_role("row").filter(has_text=EMAIL).filter(
                    has_text="Healthy and Happy Club"
                ).first.get_by_role("link").click()
                visitor.wait_for_load_state("load")
                visitor.screenshot(path=artifacts_dir / f"outbox_message_{language}_{width}.png", full_page=True)
            finally:
                context.close()
