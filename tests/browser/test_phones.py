"""Every main page of every role on a phone 375 px wide: nothing pushes the page sideways.

Wide tables scroll inside their own region (a keyboard can reach it), so the page itself
never needs to; axe scans each page at that width too.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from .conftest import assert_accessible
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}
MAIN_PAGES = {
    "coordinator": ["/coordinator", "/cohorts", "/cohorts/1", "/apprentices/1", "/apprentices/1/edit", "/mentors",
                    "/employers", "/employers/1", "/placements", "/placements/2", "/verification", "/reviews",
                    "/providers", "/standards", "/users", "/settings", "/cohorts/1/sharing"],
    "mentor": ["/mentor", "/verification", "/reviews", "/apprentices/1"],
    "employer": ["/employer", "/placements", "/placements/1", "/reviews"],
    "apprentice": ["/apprentice", "/opportunities", "/opportunities/1", "/reviews"],
}


def _widest(page: Page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", MAIN_PAGES)
def test_no_main_page_is_wider_than_a_phone(page: Page, live_server, console_errors, role):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, f"{role}@example.org")
    too_wide = {}
    for path in MAIN_PAGES[role]:
        page.goto(live_server + path)
        page.wait_for_load_state("load")
        assert_accessible(page)
        if _widest(page) > PHONE["width"]:
            too_wide[path] = _widest(page)
    assert too_wide == {}
    assert console_errors == []
