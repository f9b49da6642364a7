"""A coordinator compares a cohort with another council and England, shares it, and removes a file;
every page is checked by axe on a wide screen and on a phone."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from apprenticeships.extensions import db
from apprenticeships.models import ProgrammeSettings

from ..conftest import close_app, make_app
from ..helpers import served
from ..web.test_comparison import OURS, england, other_council
from .conftest import assert_accessible
from .test_phones import _regions_scrolled_sideways
from .test_placements import sign_out
from .test_sign_in import sign_in

WIDE = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def comparing_server(databases, demo_database, tmp_path) -> Iterator[str]:
    """The demo programme with the council's local authority codes set, served on a free port."""
    app = make_app(databases, demo_database, tmp_path)
    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.old_la_code, settings.new_la_code, settings.la_name = OURS.old_la_code, OURS.new_la_code, \
            OURS.la_name
        db.session.commit()
    with served(app) as address:
        yield address
    close_app(app, databases)


def _fits(page: Page, size: dict) -> None:
    """The page fits the screen, and on a phone no table needs scrolling sideways either: each figure's row
    stacks, every council's figure under its name (app-table--stacked)."""
    page.set_viewport_size(size)
    page.wait_for_load_state()
    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"], page.url
    if size == PHONE:
        assert _regions_scrolled_sideways(page) == {}, page.url


def test_compare_share_and_remove(page: Page, comparing_server, console_errors, tmp_path):
    base = comparing_server
    theirs, (england_data, england_meta) = other_council(), england()
    files = {"southgate.csv": theirs.data, "southgate.meta.csv": theirs.meta, "england.csv": england_data,
             "england.meta.csv": england_meta, "broken.csv": "time_period\n2025\n",
             "broken.meta.csv": "col_name\n"}
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")

    page.set_viewport_size(WIDE)
    sign_in(page, base, "coordinator@example.org")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="Compare councils").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Councils side by side")
    expect(page.get_by_text("England’s figures are not shown")).to_be_visible()
    for size in (WIDE, PHONE):
        _fits(page, size)
    page.set_viewport_size(WIDE)

    page.get_by_role("button", name="Add a council’s file").click()
    page.get_by_label("Upload the files").set_input_files([tmp_path / "broken.csv", tmp_path / "broken.meta.csv"])
    page.get_by_role("button", name="Add the file").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text("The data file is missing the mandatory columns")
    for size in (WIDE, PHONE):
        _fits(page, size)
    page.set_viewport_size(WIDE)

    for stem in ("southgate", "england"):
        page.get_by_label("Upload the files").set_input_files([tmp_path / f"{stem}.csv",
                                                               tmp_path / f"{stem}.meta.csv"])
        page.get_by_role("button", name="Add the file").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Councils side by side")
        if stem == "southgate":
            page.get_by_role("button", name="Add a council’s file").click()
    expect(page.get_by_text("Added the figures for England.")).to_be_visible()
    headline = page.get_by_role("region", name="Headline figures")
    expect(headline.get_by_role("row", name="Starts")).to_contain_text("12,345")
    expect(page.get_by_text("England’s figures are not shown")).to_have_count(0)
    for size in (WIDE, PHONE):
        _fits(page, size)
    page.set_viewport_size(WIDE)

    page.get_by_role("button", name="Share this comparison").click()
    page.get_by_label("Who is it for?").fill("London councils")
    page.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share link created")
    assert_accessible(page)
    url = page.get_by_label("The link").input_value()
    sign_out(page)

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Councils side by side")
    expect(page.get_by_role("region", name="Headline figures")).to_contain_text("Southgate (test)")
    for size in (WIDE, PHONE):
        _fits(page, size)
    page.set_viewport_size(WIDE)

    sign_in(page, base, "coordinator@example.org")
    page.goto(base + "/comparison")
    page.get_by_role("link", name="Remove the figures for England").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Remove the figures for England")
    assert_accessible(page)
    page.get_by_role("button", name="Yes, remove them").click()
    expect(page.get_by_text("Removed the figures for England.")).to_be_visible()
    expect(page.get_by_text("England’s figures are not shown")).to_be_visible()

    page.get_by_role("link", name="Share links").click()
    _fits(page, PHONE)
    views = page.locator("tbody tr", has_text="London councils").locator("td[data-label=Views]")
    expect(views).to_have_text("1")  # shown as "Views: 1", within the screen
    assert views.evaluate("td => getComputedStyle(td, '::before').content") == '"Views: "'
    box = views.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
    page.set_viewport_size(WIDE)
    page.get_by_role("link", name="Revoke the link for London councils").click()
    page.get_by_role("button", name="Yes, revoke it").click()
    expect(page.get_by_text("The link for London councils no longer works.")).to_be_visible()
    assert page.goto(url).status == 404
    assert [e for e in console_errors if "404" not in e] == []
