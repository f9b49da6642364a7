"""Daily work in a real browser: the progress chart read on a phone, where focus goes after an
entry is added with htmx, the log's pages and changes landing at the log, the title after an htmx
error, the answer link's cursor, and the calendar page's "Copy link" button."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from .conftest import assert_accessible
from .test_phones import PHONE
from .test_progress import log_entry
from .test_sign_in import sign_in

# Each label's box and the SVG's, as drawn, in CSS pixels.
LABELS = """(svg) => {
  const box = svg.getBoundingClientRect();
  return {
    svg: {left: box.left, right: box.right, top: box.top, bottom: box.bottom},
    labels: [...svg.querySelectorAll("text")].map((text) => {
      const b = text.getBoundingClientRect();
      return {text: text.textContent, left: b.left, right: b.right, top: b.top, bottom: b.bottom,
              size: parseFloat(getComputedStyle(text).fontSize) * box.width / svg.viewBox.baseVal.width};
    }),
  };
}"""


def test_every_label_of_the_progress_chart_is_whole_and_readable_on_a_phone(page: Page, live_server,
                                                                             console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "apprentice@example.org")
    charts = page.locator("#otj-chart-title, #otj-chart-narrow-title").locator("xpath=..")
    expect(charts.filter(visible=True)).to_have_count(1)  # one drawing shows, the one for a phone
    chart = charts.filter(visible=True)
    drawn = chart.evaluate(LABELS)
    svg, labels = drawn["svg"], drawn["labels"]
    assert svg["right"] <= PHONE["width"]
    x_labels = [label for label in labels if label["top"] > svg["top"] + (svg["bottom"] - svg["top"]) * 0.8]
    assert len(x_labels) >= 3
    for label in labels:
        assert label["size"] >= 12, label  # no smaller than the smallest GOV.UK text on a phone
        assert svg["left"] <= label["left"] and label["right"] <= svg["right"], label  # nothing clipped
        assert svg["top"] <= label["top"] and label["bottom"] <= svg["bottom"], label
    for before, after in zip(x_labels, x_labels[1:], strict=False):
        assert before["right"] < after["left"], (before, after)  # none runs into the next
    assert_accessible(page)
    page.set_viewport_size({"width": 1024, "height": 800})  # a wider screen shows the wide drawing
    expect(page.locator("#otj-chart-title").locator("xpath=..")).to_be_visible()
    expect(page.locator("#otj-chart-narrow-title").locator("xpath=..")).to_be_hidden()
    assert console_errors == []


def test_after_adding_an_entry_focus_and_the_view_go_to_the_message(page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "apprentice@example.org")
    url = page.url
    log_entry(page, "Read the provider's notes on accessibility testing.", "1.5")
    banner = page.locator("#logbook .govuk-notification-banner--success")
    expect(banner).to_contain_text("Added 1.5 hours on")
    expect(banner).to_be_focused()
    expect(banner).to_be_in_viewport()
    expect(page.locator("#log-entries")).to_contain_text("Read the provider's notes on accessibility testing.")
    assert page.url == url  # htmx: no page load
    assert_accessible(page)
    assert console_errors == []


def test_the_copy_link_button_copies_the_calendar_link_and_says_so(page: Page, live_server, console_errors):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server)
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/reviews/calendar")
    page.get_by_role("button", name="Make my calendar link").click()
    address = page.get_by_label("Your calendar link").input_value()
    assert "/calendar/" in address
    page.get_by_role("button", name="Copy link").click()
    expect(page.locator("#calendar-url-copied")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == address
    assert_accessible(page)
    assert console_errors == []


def test_without_javascript_there_is_no_copy_button_and_the_link_can_be_selected(browser, live_server):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/reviews/calendar")
    page.get_by_role("button", name="Make my calendar link").click()
    expect(page.get_by_role("button", name="Copy link")).to_be_hidden()
    field = page.get_by_label("Your calendar link")
    field.select_text()
    assert page.evaluate("window.getSelection().toString() || document.activeElement.value") == field.input_value()
    context.close()


def _query_a_jordan_entry(page: Page, live_server: str) -> str:
    """As Priya, query one of Jordan's entries waiting for verification; the entry's id."""
    sign_in(page, live_server, "mentor@example.org")
    page.goto(live_server + "/verification")
    row_id = page.locator("tr[id^=entry-]", has_text="Jordan").first.get_attribute("id")
    page.goto(live_server + f"/log/{row_id.removeprefix('entry-')}/query")
    page.get_by_label(re.compile(r"Your question for")).fill("Which module was this?")
    page.get_by_role("button", name="Send query").click()
    # The answer to the POST sets the session's cookie (its message): wait for the page after it, then sign out.
    page.wait_for_url(re.compile(r"/verification\?done="))
    page.wait_for_load_state("networkidle")  # nothing still on its way to set the cookie again
    page.context.clear_cookies()  # signed out (on a phone the button is in the collapsed menu)
    return row_id.removeprefix("entry-")


def _inside_the_phone(page: Page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]


def test_on_a_phone_the_log_shows_status_and_links_and_the_answer_error_is_by_its_box(page: Page, live_server,
                                                                                     console_errors):
    page.set_viewport_size(PHONE)
    entry = _query_a_jordan_entry(page, live_server)
    sign_in(page, live_server, "apprentice@example.org")
    page.goto(live_server + f"/apprentice#entry-{entry}")
    row = f"#entry-{entry}"
    # Each entry's cells stack: its status and its links are within the screen, no scrolling sideways.
    for part in (f"{row} .govuk-tag", f"{row} a[href$='/edit']", f"{row} a[href$='/delete']"):
        assert _inside_the_phone(page, part), part
    expect(page.locator(f"{row} .govuk-tag")).to_have_text("Queried")
    box = page.locator(f"#response-{entry}").bounding_box()
    assert box["width"] > 300  # the answer box has the screen's width, not a squeezed column's
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    # An empty answer: the error by its box, in place, and the summary above it takes the focus.
    page.get_by_role("button", name="Send answer").click()
    message = page.locator(f"#response-{entry}-error")
    expect(message).to_have_text("Error: Enter your answer")
    expect(page.locator(f"#answer-{entry} .govuk-error-summary")).to_be_focused()
    assert _inside_the_phone(page, f"#response-{entry}-error")
    expect(page).to_have_title(re.compile(r"^Error: Your apprenticeship"))
    assert_accessible(page)
    page.locator(f"#response-{entry}").fill("The databases module.")
    address = page.url
    page.get_by_role("button", name="Send answer").click()
    # The person keeps their place: the message under the entry takes the focus, in view; no banner at the top.
    said = page.locator(f"#answered-{entry}")
    expect(said).to_have_text("Answer sent. The entry is waiting for verification again.")
    expect(said).to_be_focused()
    expect(said).to_be_in_viewport()
    expect(page.locator(f"{row} .govuk-tag")).to_have_text("Waiting")
    expect(page.locator(f"#answer-{entry}")).to_have_count(0)
    expect(page.locator("#waiting-for-you")).not_to_contain_text("your answer")  # nothing else waits for one
    expect(page).to_have_title(re.compile(r"^Your apprenticeship"))  # no error now
    expect(page.locator(".govuk-notification-banner--success")).to_have_count(0)
    assert page.url == address and page.evaluate("window.scrollY") > 300  # no page load, not at the top
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert_accessible(page)
    assert console_errors == []


def test_without_javascript_an_empty_answer_comes_back_on_its_own_page(browser, live_server):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    entry = _query_a_jordan_entry(page, live_server)
    sign_in(page, live_server, "apprentice@example.org")
    page.goto(live_server + f"/apprentice#entry-{entry}")
    page.locator(f"#answer-{entry}").get_by_role("button", name="Send answer").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Answer the question about your entry")
    expect(page.locator(".govuk-error-summary")).to_contain_text("Enter your answer")
    expect(page.locator("#response-error")).to_have_text("Error: Enter your answer")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_with_htmx_an_error_on_the_log_form_starts_the_title_with_error_until_it_is_put_right(
        page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    sign_in(page, live_server, "apprentice@example.org")
    expect(page).to_have_title(re.compile(r"^Your apprenticeship"))
    url = page.url
    page.get_by_role("button", name="Add entry").click()  # the date is today's already: the rest is missing
    expect(page.locator("#logbook .govuk-error-summary")).to_contain_text("Select the activity")
    expect(page).to_have_title(re.compile(r"^Error: Your apprenticeship"))
    assert page.url == url  # in place, with htmx
    log_entry(page, "Read the provider's notes on accessibility testing.", "1.5")
    expect(page.locator("#logbook .govuk-notification-banner--success")).to_contain_text("Added 1.5 hours on")
    expect(page).to_have_title(re.compile(r"^Your apprenticeship"))
    assert console_errors == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_log_opens_at_the_log_and_a_change_comes_back_to_it(browser, live_server, javascript):
    context = browser.new_context(java_script_enabled=javascript, viewport=PHONE)
    page = context.new_page()
    sign_in(page, live_server, "apprentice@example.org")
    page.locator("#log-list .govuk-pagination__next a").click()
    page.wait_for_url("**/apprentice?page=2#your-log")
    expect(page.locator("#your-log")).to_be_in_viewport()
    page.locator("#log-list .govuk-pagination__prev a").click()
    page.wait_for_url("**/apprentice?page=1#your-log")
    expect(page.locator("#your-log")).to_be_in_viewport()
    change = page.locator("#log-entries a[href*='/edit']").first
    change.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Change a log entry")
    page.get_by_label("What you did and learned").fill("Pair-programmed the stock report with Priya.")
    page.get_by_role("button", name="Save changes").click()
    page.wait_for_url("**/apprentice#log-message")
    banner = page.locator("#log-list .govuk-notification-banner--success")
    expect(banner).to_contain_text("saved.")
    expect(banner).to_be_in_viewport()
    if javascript:
        expect(banner).to_be_focused()
    expect(page.locator("#log-entries")).to_contain_text("Pair-programmed the stock report with Priya.")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    context.close()


def test_the_link_to_answer_a_question_puts_the_cursor_in_the_answer_box(page: Page, live_server, console_errors):
    page.set_viewport_size(PHONE)
    entry = _query_a_jordan_entry(page, live_server)
    sign_in(page, live_server, "apprentice@example.org")
    waiting = page.locator("#waiting-for-you")
    waiting.get_by_role("link", name=re.compile("Answer the question about your entry")).click()
    box = page.locator(f"#response-{entry}")
    expect(box).to_be_focused()
    expect(box).to_be_in_viewport()
    page.keyboard.type("The databases module.")
    expect(box).to_have_value("The databases module.")
    assert console_errors == []
