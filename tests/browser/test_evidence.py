"""Attaching evidence on a phone, 375 px wide: with JavaScript (htmx, with its upload progress) and without."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_sign_in import sign_in

PHONE = {"width": 375, "height": 740}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def photo_file(tmp_path):
    path = tmp_path / "site-visit.jpg"
    out = io.BytesIO()
    Image.new("RGB", (1600, 1200), "#00703c").save(out, "JPEG")
    path.write_bytes(out.getvalue())
    return path


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_an_apprentice_attaches_files_to_a_new_entry_on_a_phone(page: Page, live_server, console_errors, tmp_path):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "apprentice@example.org")
    certificate = tmp_path / "first-aid-certificate.pdf"
    certificate.write_bytes(PDF)
    yesterday = date.today() - timedelta(days=1)
    page.locator("#activity_date-day").fill(str(yesterday.day))
    page.locator("#activity_date-month").fill(str(yesterday.month))
    page.locator("#activity_date-year").fill(str(yesterday.year))
    page.locator("#activity_type").select_option("training_course")
    page.locator("#minutes").fill("2")
    page.locator("#description").fill("First aid at work course.")
    page.get_by_label("Attach evidence (optional)").set_input_files([certificate, photo_file(tmp_path)])
    # Record what the progress bar said while htmx sent the files.
    page.evaluate("""window.seenProgress = [];
        document.body.addEventListener('htmx:xhr:progress', (event) => {
            const bar = event.detail.elt.querySelector('[data-evidence-progress] progress');
            if (bar) { window.seenProgress.push(bar.value); }
        });""")
    page.get_by_role("button", name="Add entry").click()
    expect(page.locator("#logbook .govuk-notification-banner--success")).to_contain_text("with 2 files")
    seen = page.evaluate("window.seenProgress")
    assert seen and seen[-1] == 100 and seen == sorted(seen)  # the upload's progress, up to all of it
    _fits(page)
    assert_accessible(page)

    # The log says how many files the entry has.
    page.locator("#log-entries tbody tr").first.get_by_role("link", name=re.compile(r"^Evidence \(2\)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Evidence for your entry")
    expect(page.get_by_role("link", name="first-aid-certificate.pdf", exact=True)).to_be_visible()
    thumbnail = page.locator("img.app-evidence-list__thumbnail")
    expect(thumbnail).to_be_visible()
    assert page.evaluate("document.querySelector('img.app-evidence-list__thumbnail').naturalWidth") == 320
    _fits(page)
    assert_accessible(page)

    # Another file, from the entry's page: it appears in place.
    notes = tmp_path / "notes.txt"
    notes.write_text("What I learned: the recovery position.\n")
    page.get_by_label("Add files").set_input_files(notes)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#evidence-files .govuk-notification-banner--success")).to_contain_text("Added notes.txt.")
    expect(page.get_by_role("link", name="notes.txt", exact=True)).to_be_visible()
    # A program renamed as a PDF is refused next to the field.
    fake = tmp_path / "invoice.pdf"
    fake.write_bytes(b"MZ\x90\x00" + b"\x00" * 400)
    page.get_by_label("Add files").set_input_files(fake)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator("#evidence-error")).to_contain_text("The selected file must be a PDF")
    _fits(page)
    assert_accessible(page)
    assert console_errors == []


@pytest.mark.parametrize("javascript", [False])
def test_without_javascript_the_plain_form_attaches_files(browser, live_server, tmp_path, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "apprentice@example.org")
    page.locator("#log-entries tbody tr").first.get_by_role("link", name=re.compile(r"^Add evidence")).click()
    certificate = tmp_path / "course.pdf"
    certificate.write_bytes(PDF)
    page.get_by_label("Add files").set_input_files(certificate)
    page.get_by_role("button", name="Upload").click()
    expect(page.locator(".govuk-notification-banner--success")).to_contain_text("Added course.pdf.")
    expect(page.get_by_role("link", name="course.pdf", exact=True)).to_be_visible()
    _fits(page)
    context.close()
