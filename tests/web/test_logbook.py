"""The learning log: apprentices log hours, mentors and coordinators verify them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    LogEntry,
    LogEntryRevision,
    ProgrammeSettings,
    Role,
    User,
    VerificationStatus,
)
from apprenticeships.services import apprentices

from ..helpers import csrf_token_from, page, post_form, text_of
from .test_apprentices import errors

TODAY = date.today()


def entry_data(**changes) -> dict:
    day = TODAY - timedelta(days=1)
    values = {"activity_date": [str(day.day), str(day.month), str(day.year)], "activity_type": "study_time",
              "off_the_job": "yes", "minutes": "1.5", "description": "Practised SQL window functions."}
    return {**values, **changes}


def figures(soup: BeautifulSoup) -> dict[str, str]:
    return {text_of(f).split(" ", 1)[1]: f.find(class_="app-figure__number").get_text() for f in soup.select(
        ".app-figure")}


def newest_entry(app, first_name: str = "Jordan") -> LogEntry:
    with app.app_context():
        entry = db.session.scalar(sa.select(LogEntry).join(Apprentice).where(Apprentice.first_name == first_name)
                                  .order_by(LogEntry.id.desc()).limit(1))
        db.session.expunge(entry)
        return entry


def test_the_home_page_shows_hours_against_expected_with_a_chart_and_table(app, apprentice_client):
    from apprenticeships.services import logbook

    soup = page(apprentice_client.get("/apprentice"))
    numbers = figures(soup)
    assert set(numbers) == {"hours verified", "hours waiting for verification", "hours expected by now",
                            "hours minimum in all"}
    assert numbers["hours minimum in all"] == "555"
    # Where the demo's Jordan stands against the figure expected by now depends on today's date (its
    # history is laid out back from today): the page says what the figures say (otj.pace; each pace's
    # words are tested in test_daily_work.py).
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.email == "apprentice@example.org"))
        pace = logbook.totals(jordan, date.today(), ProgrammeSettings.current()).pace
    assert text_of(soup.find(id="otj-pace")).startswith(f"{pace.label} Your verified hours ")
    svg = soup.find("svg")
    assert svg["role"] == "img" and svg.find("title").get_text().startswith("Off-the-job hours")
    assert len(soup.select("#progress table tbody tr")) >= 12  # a row a month since the autumn start
    assert "Your next progress review is due by" in text_of(soup)


def test_logging_an_entry_adds_to_the_waiting_hours(app, apprentice_client):
    before = figures(page(apprentice_client.get("/apprentice")))["hours waiting for verification"]
    response = post_form(apprentice_client, "/log", entry_data(ksb_ids=[]), page="/apprentice")
    assert response.status_code == 303
    soup = page(apprentice_client.get(response.headers["Location"].split("#")[0]))
    assert "Added 1.5 hours on" in text_of(soup)
    assert float(figures(soup)["hours waiting for verification"]) == float(before) + 1.5
    entry = newest_entry(app)
    assert (entry.minutes, entry.status, entry.description) == (90, VerificationStatus.PENDING,
                                                                "Practised SQL window functions.")
    with app.app_context():
        assert db.session.scalar(sa.select(LogEntryRevision.action).where(LogEntryRevision.entry_id == entry.id)) \
            == "created"


def test_htmx_logging_returns_the_log_and_tells_the_totals_to_refresh(app, apprentice_client):
    token = csrf_token_from(apprentice_client.get("/apprentice").get_data(as_text=True))
    response = apprentice_client.post("/log", data={**entry_data(), "csrf_token": token},
                                      headers={"HX-Request": "true", "HX-Target": "logbook"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "log-changed"
    part = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert part.find(id="logbook") and not part.find("html")
    assert "Added 1.5 hours" in text_of(part.find(id="logbook"))
    assert part.find(id="minutes")["value"] == ""  # a fresh form for the next entry
    # The log, further down the page, comes out of band with the new entry in it.
    log = part.find(id="log-list")
    assert log["hx-swap-oob"] == "true"
    assert "Practised SQL window functions." in text_of(log.find(id="log-entries"))
    progress = apprentice_client.get("/apprentice", headers={"HX-Request": "true", "HX-Target": "progress"})
    assert 'id="progress"' in progress.get_data(as_text=True) and "<html" not in progress.get_data(as_text=True)


def log_ids(soup: BeautifulSoup) -> list[str]:
    return [row["id"] for row in soup.select("#log-entries tbody tr[id]")]


def swapped_in(log: BeautifulSoup, answer: BeautifulSoup) -> list[str]:
    """The log's entries after htmx's out-of-band swaps of `answer` (rows in <template>s): each
    "beforebegin:#id" or "beforeend:#log-entries > tbody" tbody's rows put in place, each "delete" taken out."""
    ids = log_ids(log)
    for template in answer.find_all("template"):
        part = template.find(attrs={"hx-swap-oob": True})
        swap = part["hx-swap-oob"]
        if swap == "delete":
            ids.remove(part["id"])
            continue
        rows = [row["id"] for row in part.find_all("tr")]
        where, target = swap.split(":", 1)
        assert where in ("beforebegin", "beforeend") and part.name == "tbody"
        at = ids.index(target.removeprefix("#")) if where == "beforebegin" else len(ids)
        assert where == "beforebegin" or target == "#log-entries > tbody"
        ids[at:at] = rows
    return ids


@pytest.mark.parametrize("days_ago", [0, 1, 40])
def test_htmx_logging_on_the_logs_first_page_sends_the_new_row_alone(app, apprentice_client, days_ago):
    home = apprentice_client.get("/apprentice").get_data(as_text=True)
    before = BeautifulSoup(home, "html.parser")
    assert len(log_ids(before)) == 20 and before.select_one("#log-list .govuk-pagination__next")  # a full first page
    day = TODAY - timedelta(days=days_ago)
    response = apprentice_client.post(
        "/log", data={**entry_data(activity_date=[str(day.day), str(day.month), str(day.year)], minutes="0.25"),
                      "csrf_token": csrf_token_from(home)},
        headers={"HX-Request": "true", "HX-Target": "logbook", "HX-Current-URL": "http://localhost/apprentice"})
    assert response.status_code == 200 and response.headers["HX-Trigger"] == "log-changed"
    answer = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert "Added 0.25 hours" in text_of(answer.find(id="logbook"))
    assert answer.find(id="log-list") is None  # not the whole log again
    after = page(apprentice_client.get("/apprentice"))
    # What htmx makes of the page is what the page is now: the new entry in its place, the first page still 20.
    assert swapped_in(before, answer) == log_ids(after)
    entry = newest_entry(app)
    if f"entry-{entry.id}" in log_ids(after):
        row = BeautifulSoup(str(answer.find(id=f"entry-{entry.id}")), "html.parser")  # out of its <template>
        assert text_of(row) == text_of(after.find(id=f"entry-{entry.id}"))
        assert [a["href"] for a in row.find_all("a")] == [f"/log/{entry.id}/edit", f"/log/{entry.id}/delete",
                                                          f"/log/{entry.id}/evidence"]
    else:  # older than the whole first page: nothing on it changes
        assert answer.find("template") is None


def test_htmx_logging_while_another_page_of_the_log_is_shown_sends_the_first_page(apprentice_client):
    home = apprentice_client.get("/apprentice?page=2").get_data(as_text=True)
    response = apprentice_client.post(
        "/log", data={**entry_data(), "csrf_token": csrf_token_from(home)},
        headers={"HX-Request": "true", "HX-Target": "logbook", "HX-Current-URL": "http://localhost/apprentice?page=2"})
    log = BeautifulSoup(response.get_data(as_text=True), "html.parser").find(id="log-list")
    assert log["hx-swap-oob"] == "true" and "Practised SQL window functions." in text_of(log.find(id="log-entries"))


@pytest.mark.parametrize("changes,field,message", [
    ({"activity_date": ["", "", ""]}, "activity_date", "Enter the date of the learning"),
    ({"activity_date": [str((TODAY + timedelta(days=1)).day), str((TODAY + timedelta(days=1)).month),
                        str((TODAY + timedelta(days=1)).year)]}, "activity_date", "Date must be today or in the past"),
    ({"activity_date": ["1", "1", "2024"]}, "activity_date",
     "Date must be on or after the start of your apprenticeship"),
    ({"activity_type": ""}, "activity_type", "Select the activity"),
    ({"minutes": ""}, "minutes", "Enter the hours"),
    ({"minutes": "1.1"}, "minutes", "Hours must be in quarter hours, like 1.25, 1.5 or 1.75"),
    ({"minutes": "0"}, "minutes", "Hours must be more than 0"),
    ({"minutes": "13"}, "minutes", "You can log up to 12 hours on one day"),
    ({"description": ""}, "description", "Describe what you did and learned"),
    ({"ksb_ids": ["999999"]}, "ksb_ids", "Select knowledge, skills and behaviours from the list"),
])
def test_log_validation(app, apprentice_client, changes, field, message):
    before = newest_entry(app).id
    soup = page(post_form(apprentice_client, "/log", entry_data(**changes), page="/apprentice"))
    assert errors(soup)[field].startswith(message.split(";")[0])
    assert soup.find(id="description").get_text().strip() == entry_data(**changes)["description"]
    assert newest_entry(app).id == before  # nothing was added


def test_an_apprentice_on_a_break_is_told_so_and_cannot_log_its_days(app, apprentice_client):
    """Off-the-job expectations pause during a break in learning (DOMAIN.md): the home page says so
    first, and days in the break are not logged; days before it still are."""
    start = TODAY - timedelta(days=10)
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        coordinator = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR).limit(1))
        apprentices.start_break(coordinator, jordan, start, start + timedelta(weeks=8), "Agreed break")
        db.session.commit()
    notice = page(apprentice_client.get("/apprentice")).find(id="on-break")
    assert text_of(notice).startswith(
        f"You are on a break in learning from {start.day} {start:%B %Y}. You are expected back on ")
    assert "Days in your break cannot be logged" in text_of(notice)
    before = newest_entry(app).id
    for day in (start, TODAY):
        soup = page(post_form(apprentice_client, "/log", entry_data(
            activity_date=[str(day.day), str(day.month), str(day.year)]), page="/apprentice"))
        assert errors(soup)["activity_date"] == (
            f"That day is in your break in learning (from {start.day} {start:%B %Y}): days in a break are not logged")
    assert newest_entry(app).id == before
    day = start - timedelta(days=1)
    assert post_form(apprentice_client, "/log", entry_data(
        activity_date=[str(day.day), str(day.month), str(day.year)]), page="/apprentice").status_code == 303
    # Back from the break: the notice goes, and its days stay closed (up to the day before the return).
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        coordinator = db.session.scalar(sa.select(User).where(User.role == Role.COORDINATOR).limit(1))
        apprentices.end_break(coordinator, jordan, TODAY - timedelta(days=2))
        db.session.commit()
    soup = page(apprentice_client.get("/apprentice"))
    assert soup.find(id="on-break") is None
    last = TODAY - timedelta(days=3)
    soup = page(post_form(apprentice_client, "/log", entry_data(
        activity_date=[str(start.day), str(start.month), str(start.year)]), page="/apprentice"))
    assert errors(soup)["activity_date"].endswith(f"to {last.day} {last:%B %Y}): days in a break are not logged")
    assert post_form(apprentice_client, "/log", entry_data(), page="/apprentice").status_code == 303


def test_editing_keeps_the_change_and_deleting_asks_first(app, apprentice_client):
    post_form(apprentice_client, "/log", entry_data(), page="/apprentice")
    entry = newest_entry(app)
    form = page(apprentice_client.get(f"/log/{entry.id}/edit"))
    assert form.find(id="minutes")["value"] == "1.5"
    post_form(apprentice_client, f"/log/{entry.id}/edit", entry_data(minutes="2.25"))
    with app.app_context():
        revisions = db.session.scalars(sa.select(LogEntryRevision).where(LogEntryRevision.entry_id == entry.id)
                                       .order_by(LogEntryRevision.id)).all()
        assert [r.action for r in revisions] == ["created", "edited"]
        assert revisions[1].changes == {"minutes": [90, 135]}
    assert page(apprentice_client.get(f"/log/{entry.id}/delete")).h1.get_text() == "Delete this log entry?"
    assert newest_entry(app).id == entry.id  # asking deleted nothing
    post_form(apprentice_client, f"/log/{entry.id}/delete", {})
    assert newest_entry(app).id != entry.id


def test_a_verified_entry_cannot_be_changed_or_deleted(app, apprentice_client):
    with app.app_context():
        verified = db.session.scalar(sa.select(LogEntry.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", LogEntry.status == VerificationStatus.VERIFIED).limit(1))
    response = apprentice_client.get(f"/log/{verified}/edit")
    assert response.status_code == 303
    post_form(apprentice_client, f"/log/{verified}/delete", {}, page="/apprentice")
    with app.app_context():
        assert db.session.get(LogEntry, verified) is not None


def test_the_mentor_verifies_and_queries_and_the_apprentice_answers(app, apprentice_client, mentor_client):
    post_form(apprentice_client, "/log", entry_data(description="Built a test harness."), page="/apprentice")
    entry = newest_entry(app)
    queue = text_of(page(mentor_client.get("/verification")))
    assert "Built a test harness." in queue
    soup = page(post_form(mentor_client, f"/log/{entry.id}/query", {"comment": ""}))
    assert errors(soup)["comment"] == "Enter what you need to know"
    post_form(mentor_client, f"/log/{entry.id}/query", {"comment": "Which course was this for?"})
    home = page(apprentice_client.get("/apprentice"))
    row = home.find(id=f"entry-{entry.id}")
    assert "Queried" in text_of(row)
    # The question and its answer box take a row of their own under the entry, across every column.
    answer_row = row.find_next_sibling("tr")
    assert answer_row.td["colspan"] == "5" and answer_row.find(id=f"answer-{entry.id}")
    assert "Which course was this for?" in text_of(answer_row)
    post_form(apprentice_client, f"/log/{entry.id}/answer", {"response": "The provider's testing module."},
              page="/apprentice")
    assert "They answered: The provider's testing module." in text_of(page(mentor_client.get("/verification")))
    post_form(mentor_client, f"/log/{entry.id}/verify", {}, page="/verification")
    with app.app_context():
        stored = db.session.get(LogEntry, entry.id)
        assert stored.status == VerificationStatus.VERIFIED and stored.verified_by_id is not None
    history = text_of(page(mentor_client.get(f"/log/{entry.id}")))
    for step in ("Created by Jordan Ellis", "Queried by Priya Shah", "Answered by Jordan Ellis",
                 "Verified by Priya Shah"):
        assert step in history


def queried_entry(app, mentor_client, apprentice_client) -> LogEntry:
    post_form(apprentice_client, "/log", entry_data(description="Built a test harness."), page="/apprentice")
    entry = newest_entry(app)
    post_form(mentor_client, f"/log/{entry.id}/query", {"comment": "Which course was this for?"})
    return entry


def test_an_empty_answer_without_javascript_comes_back_on_a_page_of_its_own(app, apprentice_client, mentor_client):
    entry = queried_entry(app, mentor_client, apprentice_client)
    soup = page(post_form(apprentice_client, f"/log/{entry.id}/answer", {"response": "  "}, page="/apprentice"))
    assert soup.title.get_text().startswith("Error: Answer the question about your entry")
    summary = soup.select_one(".govuk-error-summary")
    assert text_of(summary) == "There is a problem Enter your answer"
    assert summary.find("a")["href"] == "#response"
    assert errors(soup) == {"response": "Enter your answer"}
    assert soup.find("textarea", id="response").find_parent(class_="govuk-form-group--error")
    assert "Question: Which course was this for?" in text_of(soup)
    assert soup.select_one(".govuk-back-link")["href"] == f"/apprentice#entry-{entry.id}"
    with app.app_context():
        assert db.session.get(LogEntry, entry.id).status == VerificationStatus.QUERIED
    # Answered from that page, back to the log at the entry, with the message under it (no banner at the top).
    response = post_form(apprentice_client, f"/log/{entry.id}/answer", {"response": "The testing module."},
                         page="/apprentice")
    assert response.status_code == 303 and response.headers["Location"] == f"/apprentice#entry-{entry.id}"
    with app.app_context():
        assert db.session.get(LogEntry, entry.id).status == VerificationStatus.PENDING
    home = page(apprentice_client.get(response.headers["Location"]))
    said = home.find(id=f"entry-{entry.id}").find_next_sibling("tr")
    assert text_of(said) == "Answer sent. The entry is waiting for verification again."
    assert not home.select(".govuk-notification-banner--success")
    assert "Answer sent." not in text_of(page(apprentice_client.get("/apprentice")))  # said once


def test_an_empty_answer_with_htmx_comes_back_in_place(app, apprentice_client, mentor_client):
    entry = queried_entry(app, mentor_client, apprentice_client)
    html = apprentice_client.get("/apprentice").get_data(as_text=True)
    response = apprentice_client.post(f"/log/{entry.id}/answer",
                                      data={"response": "", "csrf_token": csrf_token_from(html)},
                                      headers={"HX-Request": "true", "HX-Target": f"answer-{entry.id}"})
    fragment = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert response.status_code == 200 and fragment.find(id=f"answer-{entry.id}")
    assert fragment.title.get_text().startswith("Error: ")
    assert fragment.select_one(".govuk-error-summary a")["href"] == f"#response-{entry.id}"
    assert errors(fragment) == {f"response-{entry.id}": "Enter your answer"}
    box = fragment.find("textarea", id=f"response-{entry.id}")
    assert "govuk-textarea--error" in box["class"] and box["aria-describedby"] == f"response-{entry.id}-error"
    sent = apprentice_client.post(f"/log/{entry.id}/answer",
                                  data={"response": "The testing module.", "csrf_token": csrf_token_from(html)},
                                  headers={"HX-Request": "true", "HX-Target": f"answer-{entry.id}"})
    # The log again in place of the old one (the page stays where it was): the entry waits for verification,
    # its answer box gone, the message under it taking the focus; what waits for the apprentice goes too.
    assert "HX-Redirect" not in sent.headers
    assert (sent.headers["HX-Retarget"], sent.headers["HX-Reswap"]) == ("#log-list", "outerHTML")
    assert sent.headers["HX-Trigger"] == "log-changed"  # the totals refresh
    swapped = BeautifulSoup(sent.get_data(as_text=True), "html.parser")
    log = swapped.find(id="log-list")
    assert not log.has_attr("hx-swap-oob") and log.find(id=f"answer-{entry.id}") is None
    assert "Waiting" in text_of(log.find(id=f"entry-{entry.id}").find(class_="govuk-tag"))
    said = log.find(id=f"answered-{entry.id}")
    assert text_of(said) == "Answer sent. The entry is waiting for verification again." and said.has_attr("autofocus")
    assert said.find_parent("tr").find_previous_sibling("tr")["id"] == f"entry-{entry.id}"
    waiting = swapped.find(id="waiting-for-you")
    assert waiting["hx-swap-oob"] == "true" and f"entry of {entry.activity_date.day}" not in text_of(waiting)
    assert not swapped.select(".govuk-notification-banner--success")
    assert "Answer sent." not in text_of(page(apprentice_client.get("/apprentice")))  # no flash left for later


def test_people_only_reach_entries_they_may_see(app, apprentice_client, mentor_client, employer_client):
    with app.app_context():
        others = db.session.scalar(sa.select(LogEntry.id).join(Apprentice).where(
            Apprentice.first_name == "Callum", LogEntry.status == VerificationStatus.PENDING).limit(1))
        mine = db.session.scalar(sa.select(LogEntry.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", LogEntry.status == VerificationStatus.PENDING).limit(1))
    for path in (f"/log/{others}", f"/log/{others}/edit", f"/log/{others}/delete"):
        assert apprentice_client.get(path).status_code == 404, path
    assert mentor_client.get(f"/log/{others}").status_code == 404  # Callum is not Priya's mentee
    response = post_form(mentor_client, f"/log/{others}/verify", {}, page="/verification")
    assert response.status_code == 404
    assert "Callum" not in text_of(page(mentor_client.get("/verification")))
    assert employer_client.get(f"/log/{mine}").status_code == 403
    with app.app_context():
        assert db.session.get(LogEntry, others).status == VerificationStatus.PENDING


def test_a_date_missing_a_part_says_which(app, apprentice_client):
    day = TODAY - timedelta(days=1)
    for parts, message in (([""] + [str(day.month), str(day.year)], "Date must include a day"),
                           ([str(day.day), "", str(day.year)], "Date must include a month"),
                           ([str(day.day), str(day.month), ""], "Date must include a year"),
                           ([str(day.day), "", ""], "Date must include a month and year")):
        soup = page(post_form(apprentice_client, "/log", entry_data(activity_date=parts), page="/apprentice"))
        assert errors(soup)["activity_date"] == message


def test_after_adding_without_javascript_the_page_opens_at_its_banner(app, apprentice_client):
    """The browser keeps the fragment it came from (an error summary's #activity_date-day, say) when a
    redirect names none: the redirect names the banner's place instead, by the form (as with htmx),
    not the top of the page, thousands of pixels above the log on a phone."""
    response = post_form(apprentice_client, "/log", entry_data(), page="/apprentice")
    assert response.status_code == 303 and response.headers["Location"] == "/apprentice#log-message"
    soup = page(apprentice_client.get("/apprentice"))
    banner = soup.find(id="logbook").select_one(".govuk-notification-banner--success")
    assert "Added 1.5 hours on" in text_of(banner)
    assert banner.sourceline < soup.find("form", action="/log").sourceline
    assert len(soup.select(".govuk-notification-banner--success")) == 1  # said once, not also at the top
    assert not page(apprentice_client.get("/apprentice")).select(".govuk-notification-banner--success")
