"""Browser tests: the app served on a local port, driven by Debian's Chromium through Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from ..conftest import close_app, make_app
from ..helpers import served

# A busy two-core machine can take more than the default 5 s for an htmx round trip.
expect.set_options(timeout=15_000)

# The flags the machine's closed network needs: no background calls home, no QUIC.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items):
    for item in items:
        if "browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def live_server(databases, demo_database, tmp_path) -> Iterator[str]:
    """The app on its own copy of the demo programme, served on a free local port."""
    app = make_app(databases, demo_database, tmp_path)
    with served(app) as address:
        yield address
    close_app(app, databases)


@pytest.fixture
def console_errors(page: Page) -> list[str]:
    """Errors the browser reports (a CSP violation shows here): each test ends with none."""
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


_axe = Axe()


def assert_accessible(page: Page) -> None:
    """Axe finds no violations on the page as it is now, once it has loaded.

    A click on a link returns once the navigation commits, and so does `page.url`'s change:
    on a busy machine the new page may still be arriving then, and axe would scan half a page.
    """
    page.wait_for_load_state()
    results = _axe.run(page)
    assert results.violations_count == 0, f"{page.url}\n{results.generate_report()}"
