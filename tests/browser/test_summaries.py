"""The coordinator shares a cohort summary, reads it signed out, downloads the CSV, then revokes it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_cohorts import open_current_cohort
from .test_placements import sign_out


def test_share_read_download_and_revoke(page: Page, live_server, console_errors, tmp_path):
    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Share a summary").click()
    page.get_by_role("button", name="Create a share link").click()
    page.get_by_label("Who is it for?").fill("Board paper")
    page.get_by_label("Highlights and what's next (optional)").fill("**A strong first year.** Next: more placements.")
    page.get_by_role("button", name="Create share link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share link created")
    assert_accessible(page)
    url = page.get_by_label("The link").input_value()
    sign_out(page)

    page.goto(url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("programme summary")
    expect(page.locator(".app-figure").first).to_contain_text("21")
    expect(page.get_by_text("A strong first year.")).to_be_visible()
    assert_accessible(page)
    page.emulate_media(media="print")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", page.pdf(format="A4")))
    assert pages <= 2, f"the printed handout is {pages} pages"
    page.emulate_media(media="screen")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the figures (CSV)").click()
    saved = tmp_path / "summary.csv"
    download.value.save_as(saved)
    content = saved.read_text()
    assert content.startswith("measure,category,value") and "Open Government Licence" in content

    open_current_cohort(page, live_server)
    page.get_by_role("link", name="Share a summary").click()
    page.get_by_role("link", name="Revoke the link for Board paper").click()
    page.get_by_role("button", name="Yes, revoke it").click()
    expect(page.get_by_text("The link for Board paper no longer works.")).to_be_visible()
    response = page.goto(url)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    assert [e for e in console_errors if "404" not in e] == []
