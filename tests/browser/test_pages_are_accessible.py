"""Every coordinator page the other browser tests do not reach, scanned by axe."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in

PAGES = [
    ("/mentors", "Mentors"),
    ("/mentors/new", "Add a mentor"),
    ("/providers", "Training providers"),
    ("/providers/new", "Add a training provider"),
    ("/standards", "Apprenticeship standards"),
    ("/standards/1/edit", "Edit Software developer (level 4)"),
    ("/users/invite/employer", "Invite an employer partner"),
    ("/cohorts/1/edit", None),
    ("/cohorts/1/archive", None),
    ("/apprentices/1/edit", "Edit Jordan Ellis’s details"),
    ("/apprentices/1/status/withdraw", "Withdraw from the programme"),
    ("/employers", "Employer partners"),
    ("/employers/1", "Kestrel Logistics Ltd"),
    ("/employers/1/contacts/new", "Add a contact"),
    ("/placements", "Placements"),
    ("/placements/2", "Fleet data placement"),
    ("/placements/assignments/1/finish", None),
    ("/no-such-page", "Page not found"),
]
OTHER_ROLES = [
    ("employer", "/placements/1", "Warehouse systems developer"),
    ("employer", "/placements/proposals/6", "Will you take Yusuf Ali?"),
    ("apprentice", "/opportunities/1", "Warehouse systems developer"),
    ("mentor", "/apprentices/1", "Jordan Ellis"),
]


@pytest.mark.parametrize("path,heading", PAGES)
def test_coordinator_pages_have_no_accessibility_violations(page: Page, live_server, console_errors, path, heading):
    sign_in(page, live_server, "coordinator@example.org")
    page.goto(live_server + path)
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    assert [e for e in console_errors if "404" not in e] == []


@pytest.mark.parametrize("role,path,heading", OTHER_ROLES)
def test_other_roles_pages_have_no_accessibility_violations(page: Page, live_server, console_errors, role, path,
                                                             heading):
    sign_in(page, live_server, f"{role}@example.org")
    page.goto(live_server + path)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    assert console_errors == []
