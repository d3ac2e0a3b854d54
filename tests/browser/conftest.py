"""Browser tests: Debian's chromium driven by Playwright's sync API against pytest-django's live_server.

Chromium is required in CI (CI=true) and optional elsewhere: without it the tests are skipped there.
"""

import os
import re
import shutil
import warnings
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

BROWSER_DIR = Path(__file__).resolve().parent
ARTIFACTS_DIR = BROWSER_DIR.parents[1] / "test-artifacts"
DEBIAN_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWPORT = {"width": 1280, "height": 900}


def _is_browser_test(item) -> bool:
    return BROWSER_DIR in Path(str(item.path)).resolve().parents


def pytest_itemcollected(item):
    """Mark every test in this folder ``browser`` as it is collected, before ``-m`` selects."""
    if _is_browser_test(item):
        item.add_marker(pytest.mark.browser)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Move the browser tests to the end of the session, after pytest-django's own reordering.

    Once the session-scoped ``browser`` starts, Playwright's event loop stays in the main thread until the
    session ends; running browser tests last keeps that loop away from every other test, which would
    otherwise hit SynchronousOnlyOperation (or fail to start an event loop of its own).
    """
    items[:] = [item for item in items if not _is_browser_test(item)] + [
        item for item in items if _is_browser_test(item)
    ]


def _chromium_path() -> str | None:
    if os.access(DEBIAN_CHROMIUM, os.X_OK):
        return DEBIAN_CHROMIUM
    return shutil.which("chromium")


@pytest.fixture(scope="session")
def browser(request):
    executable = _chromium_path()
    if executable is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(
                f"Browser tests are required in CI, but Debian's chromium was not found at {DEBIAN_CHROMIUM} "
                "(nor as `chromium` on PATH). Install it with `apt-get install -y chromium`.",
                pytrace=False,
            )
        pytest.skip(f"Debian's chromium not found at {DEBIAN_CHROMIUM}; apt-get install chromium to run browser tests")
    # Playwright's event loop runs in this thread from here on: create the test database before it starts
    # (and so destroy it after it stops), since Django refuses database work beside a running loop.
    request.getfixturevalue("django_db_setup")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _allow_async_unsafe(monkeypatch):
    """Playwright's sync API keeps an event loop running in the test thread; Django checks this env var per call."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def transactional_db(_allow_async_unsafe, transactional_db):
    """pytest-django's ``transactional_db`` (which ``live_server`` brings in), inside ``_allow_async_unsafe``.

    pytest-django's own autouse fixtures request it before ours, so without this its teardown (the flush
    of the database) would run after the env var is gone and fail with SynchronousOnlyOperation.
    Use ``live_server`` in browser tests rather than the ``django_db`` marker, which bypasses this.
    """
    return transactional_db


@pytest.fixture
def artifacts_dir() -> Path:
    """test-artifacts/ at the repository root (git-ignored): screenshots for people and CI to look at."""
    ARTIFACTS_DIR.mkdir(exist_ok=True)
    return ARTIFACTS_DIR


@pytest.fixture
def page(browser, artifacts_dir, request):
    """A fresh browser context per test; on teardown, pass or fail, a full-page screenshot named after the test."""
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    yield page
    name = re.sub(r"[^\w.-]+", "_", request.node.name)
    try:
        page.screenshot(path=artifacts_dir / f"{name}.png", full_page=True)
    except PlaywrightError as error:
        warnings.warn(f"Could not save a screenshot of {request.node.nodeid}: {error}", stacklevel=1)
    finally:
        context.close()
