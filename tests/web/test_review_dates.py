"""One truth for when a progress review is due: every page that shows it says what the rule says.

For every apprentice of the demo programme, the rule (services/progress.py `review_due_on`, worked
out here from the stored records in Python) is compared with what each page shows of their next
review: the cohort table, the apprentice's page, their own home page, their mentor's home page,
the employer's pages, the reviews page, the coordinator's dashboard and the calendar feed. Once
on the demo as it loads, once with a review booked for after it is due, an apprentice at gateway,
reviews due in the next days and the 3-month interval of the 2025/26 rules.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeStatus,
    Cohort,
    EmployerPartner,
    ProgrammeSettings,
    ProgressReview,
    ReviewIntervalUnit,
    Role,
    User,
)
from apprenticeships.services.progress import add_months, review_clock_for, review_due_on

from ..helpers import page, post_form, sign_in, text_of

TODAY = date.today()
DATE = re.compile(r"\d{1,2} (?:January|February|March|April|May|June|July|August|September|October|November"
                  r"|December) \d{4}")
DUE_SOON = timedelta(days=14)


def day(text: str) -> date:
    return datetime.strptime(text, "%d %B %Y").date()


def long(when: date) -> str:
    return f"{when.day} {when:%B %Y}"


@dataclass(frozen=True)
class Expected:
    """What the rule says about one apprentice's next review."""

    id: int
    name: str
    status: ApprenticeStatus
    mentor_id: int | None
    listed: bool  # in a current (not archived) cohort and on the programme: in the lists of reviews to do
    due: date | None
    scheduled: date | None
    overdue: bool

    @property
    def late(self) -> bool:
        return self.due is not None and self.scheduled is not None and self.scheduled > self.due

    @property
    def due_soon(self) -> bool:
        return self.listed and self.due is not None and TODAY <= self.due <= TODAY + DUE_SOON


def the_rule(app) -> dict[str, Expected]:
    """Every demo apprentice's next review, by the rule, from the records."""
    with app.app_context():
        settings = ProgrammeSettings.current()
        expected = {}
        for apprentice in db.session.scalars(sa.select(Apprentice).order_by(Apprentice.id)):
            reviews = db.session.scalars(sa.select(ProgressReview).where(
                ProgressReview.apprentice_id == apprentice.id)).all()
            last_held = max((r.held_date for r in reviews if r.held_date), default=None)
            booked = min((r.scheduled_date for r in reviews if r.held_date is None), default=None)
            due = review_due_on(review_clock_for(apprentice, last_held), settings, TODAY)
            expected[apprentice.full_name] = Expected(
                id=apprentice.id, name=apprentice.full_name, status=apprentice.status, mentor_id=apprentice.mentor_id,
                listed=apprentice.cohort.archived_at is None and apprentice.status in ApprenticeStatus.CURRENT,
                due=due, scheduled=booked if due else None,
                overdue=due is not None and apprentice.status == ApprenticeStatus.ACTIVE and due < TODAY)
        assert len(expected) == db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice))  # unique names
    return expected


def check_cell(text: str, e: Expected) -> None:
    """A table cell with the next review: the due date, its tags, the booked date when another day."""
    if e.due is None:
        assert text == "None due", (e.name, text)
        return
    assert DATE.findall(text)[0] == long(e.due), (e.name, text)
    assert ("Overdue" in text) == e.overdue, (e.name, text)
    assert ("Scheduled late" in text) == e.late, (e.name, text)
    if e.scheduled and e.scheduled < TODAY:  # the day booked has gone by, and it is not recorded as held
        assert f"Scheduled for {long(e.scheduled)}{', after it was due,' if e.late else ''} but not recorded" in text, (
            e.name, text)
        assert text.count("Scheduled for") == 1, (e.name, text)  # said once, in the past tense
    elif e.scheduled and e.scheduled != e.due:
        assert f"Scheduled for {long(e.scheduled)}" in text, (e.name, text)
    else:
        assert "Scheduled for" not in text, (e.name, text)


def check_paragraph(text: str, e: Expected, yours: bool = False) -> None:
    """The sentence on an apprentice's page (or their own home) about their next review."""
    text = re.sub(r"\s+([.,])", r"\1", text)  # read as a person does: "2027 ." is "2027."
    if e.due is None:
        assert text == "No more progress reviews are due.", (e.name, text)
        return
    tense = "was" if e.due < TODAY else "is"
    assert text.startswith(f"{'Your next' if yours else 'The next'} progress review {tense} due by {long(e.due)}."), (
        e.name, text)
    assert ("Overdue" in text) == e.overdue, (e.name, text)
    if e.scheduled and e.scheduled < TODAY:
        late = ", after it was due," if e.late else ""
        booked = f"It was scheduled for {long(e.scheduled)}{late} but has not been recorded."
        assert booked in text and "It is scheduled" not in text, (e.name, text)
    elif e.scheduled:
        booked = f"It is scheduled for {long(e.scheduled)}{', after it is due' if e.late else ''}."
        assert booked in text, (e.name, text)
    assert ("Scheduled late" in text) == e.late, (e.name, text)
    assert ("never overdue" in text) == (e.status == ApprenticeStatus.BREAK_IN_LEARNING), (e.name, text)


def due_in_list(items, names) -> dict[str, tuple[date, str]]:
    """From a list of reviews to do: each apprentice named, with the due date given and the whole line."""
    found = {}
    for li in items:
        line = text_of(li)
        [name] = [n for n in names if n in line]
        when = re.search(rf"due by ({DATE.pattern})", line)
        assert when, line
        assert name not in found, f"{name} listed twice"
        found[name] = (day(when.group(1)), line)
    return found


def list_after(soup: BeautifulSoup, heading: str):
    """The list items under a heading (none when it says there is nothing)."""
    h2 = soup.find("h2", string=re.compile(rf"^\s*{re.escape(heading)}"))
    assert h2 is not None, heading
    following = h2.find_next_sibling()
    return following.find_all("li", recursive=False) if following.name == "ul" else []


def check_due_soon_list(items, expected: dict[str, Expected], whose) -> None:
    shown = due_in_list(items, expected)
    wanted = {n for n, e in expected.items() if e.due_soon and whose(e)}
    assert set(shown) == wanted
    for name, (when, line) in shown.items():
        assert when == expected[name].due, line


def check_overdue_reasons(soup: BeautifulSoup, expected: dict[str, Expected], whose) -> None:
    """The at-risk list gives "Progress review overdue: it was due by ..." for exactly those overdue."""
    reasons = {}
    for item in soup.select(".app-risk-list__item"):
        name = item.h3.a.get_text(strip=True)
        reasons[name] = [text_of(li) for li in item.select(":scope > ul li")]
    overdue = {n for n, r in reasons.items() if any(x.startswith("Progress review overdue") for x in r)}
    assert overdue == {n for n, e in expected.items() if e.overdue and e.listed and whose(e)}
    for name in overdue:
        assert f"Progress review overdue: it was due by {long(expected[name].due)}" in reasons[name]


def hosted_cells(soup: BeautifulSoup) -> dict[str, str]:
    """The employer's table of apprentices with it: each apprentice's next review cell."""
    tables = [t for t in soup.find_all("table")
              if any(th.get_text(strip=True) == "Next review due" for th in t.select("thead th"))]
    if not tables:
        return {}
    [table] = tables
    column = [th.get_text(strip=True) for th in table.select("thead th")].index("Next review due")
    cells = {}
    for tr in table.select("tbody tr"):
        tds = tr.find_all(["th", "td"])  # the apprentice's name heads their row
        name = tds[0].find(string=True, recursive=False).strip()
        cells[name] = text_of(tds[column])
    return cells


def calendar_events(body: str) -> list[dict[str, str]]:
    unfolded = body.replace("\r\n ", "")
    events = []
    for block in unfolded.split("BEGIN:VEVENT")[1:]:
        fields = dict(line.split(":", 1) for line in block.split("END:VEVENT")[0].strip().split("\r\n"))
        events.append({k: v.replace("\\n", "\n").replace("\\,", ",").replace("\\;", ";") for k, v in fields.items()})
    return events


def change_the_demo(app) -> None:
    """A review booked for after it is due, an apprentice at gateway, and the 2025/26 interval."""
    with app.app_context():
        settings = ProgrammeSettings.current()
        settings.review_interval_unit, settings.review_interval_value = ReviewIntervalUnit.MONTHS, 3
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        booked = db.session.scalar(sa.select(ProgressReview).where(
            ProgressReview.apprentice_id == jordan.id, ProgressReview.held_date.is_(None)))
        booked.scheduled_date = TODAY + timedelta(weeks=26)  # well after 3 months from any review
        amara = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Amara"))
        amara.gateway_date = TODAY - timedelta(days=10)
        # Reviews due soon: Callum's today, Liam's (a mentee of the demo mentor) in a few days.
        for first, held in (("Callum", add_months(TODAY, -3)), ("Liam", TODAY - timedelta(days=85))):
            last = db.session.scalar(sa.select(ProgressReview).join(Apprentice).where(
                Apprentice.first_name == first, ProgressReview.held_date.is_not(None))
                .order_by(ProgressReview.held_date.desc()).limit(1))
            last.held_date = held
        db.session.commit()


@pytest.mark.parametrize("changed", [False, True], ids=["demo as loaded", "late booking, gateway, 3 months"])
def test_every_page_shows_the_rules_due_date_for_every_demo_apprentice(app, signed_in, changed):
    if changed:
        change_the_demo(app)
    expected = the_rule(app)
    # Each state is there to be shown: overdue, on a break, none due after leaving or completing.
    states = {(e.due is None, e.overdue, e.status) for e in expected.values()}
    assert {(False, True, ApprenticeStatus.ACTIVE), (False, False, ApprenticeStatus.BREAK_IN_LEARNING),
            (True, False, ApprenticeStatus.WITHDRAWN), (True, False, ApprenticeStatus.COMPLETED)} <= states
    if changed:
        assert expected["Jordan Ellis"].late and expected["Amara Okoro"].due is None
        assert expected["Liam Walsh"].due_soon and expected["Callum Murphy"].due_soon
    coordinator = signed_in("coordinator")

    # The cohort tables: every apprentice, in both cohorts.
    with app.app_context():
        cohorts = db.session.scalars(sa.select(Cohort.id)).all()
    seen = set()
    for cohort in cohorts:
        soup = page(coordinator.get(f"/cohorts/{cohort}"))
        headers = [th.get_text(strip=True) for th in soup.select("#cohort-table thead th")]
        column = next(i for i, h in enumerate(headers) if h.startswith("Next review"))
        for tr in soup.select("#cohort-table tbody tr"):
            name = tr.find("a").get_text(strip=True)
            check_cell(text_of(tr.find_all("td")[column]), expected[name])
            seen.add(name)
    assert seen == set(expected)

    # Sorted by the next review: in due-date order, those with none due last.
    with app.app_context():
        current = db.session.scalar(sa.select(Cohort.id).order_by(Cohort.start_date.desc()).limit(1))
    soup = page(coordinator.get(f"/cohorts/{current}?sort=next_review"))
    order = [expected[tr.find("a").get_text(strip=True)].due for tr in soup.select("#cohort-table tbody tr")]
    assert order == sorted(order, key=lambda d: d or date.max)
    # Newest first, those with none due still come last.
    soup = page(coordinator.get(f"/cohorts/{current}?sort=next_review&order=desc"))
    order = [expected[tr.find("a").get_text(strip=True)].due for tr in soup.select("#cohort-table tbody tr")]
    assert None in order and order == sorted([d for d in order if d], reverse=True) + [d for d in order if d is None]

    # Each apprentice's page, as the coordinator sees it.
    for e in expected.values():
        soup = page(coordinator.get(f"/apprentices/{e.id}"))
        check_paragraph(text_of(soup.find(id="next-review")), e)

    # Each apprentice's own home page (those in the current cohort can sign in).
    with app.app_context():
        accounts = db.session.execute(sa.select(User.email, Apprentice.first_name, Apprentice.last_name)
                                      .join(Apprentice, Apprentice.id == User.apprentice_id)
                                      .where(User.active.is_(True))).all()
    assert len(accounts) == 21
    for email, first, last in accounts:
        e = expected[f"{first} {last}"]
        client = app.test_client()
        assert sign_in(client, email).status_code == 303
        soup = page(client.get("/apprentice"))
        shown = soup.find(id="next-review")
        if e.status in ApprenticeStatus.CURRENT:
            check_paragraph(text_of(shown), e, yours=True)
        else:  # withdrawn: their record is closed, and no review is to come
            assert shown is None and e.due is None

    # Each mentor's home page: their mentees' reviews due soon, and those overdue among the at risk.
    with app.app_context():
        mentors = db.session.execute(sa.select(User.email, User.mentor_id).where(User.role == Role.MENTOR)).all()
    assert len(mentors) == 6
    for email, mentor_id in mentors:
        client = app.test_client()
        assert sign_in(client, email).status_code == 303
        soup = page(client.get("/mentor"))

        def theirs(e, mentor_id=mentor_id):
            return e.mentor_id == mentor_id

        check_due_soon_list(list_after(soup, "Reviews due in the next 14 days"), expected, theirs)
        check_overdue_reasons(soup, expected, theirs)

    # The employer pages: the employer's own home, and every employer's page as the coordinator sees it.
    employer_pages = [hosted_cells(page(signed_in("employer").get("/employer")))]
    with app.app_context():
        employers = db.session.scalars(sa.select(EmployerPartner.id)).all()
    employer_pages += [hosted_cells(page(coordinator.get(f"/employers/{i}"))) for i in employers]
    assert employer_pages[0] and sum(len(p) for p in employer_pages) >= 6
    for cells in employer_pages:
        for name, text in cells.items():
            check_cell(text, expected[name])

    # The reviews page: exactly those overdue, and those due in the next 14 days.
    soup = page(coordinator.get("/reviews"))
    overdue = due_in_list(list_after(soup, "Overdue"), expected)
    assert set(overdue) == {n for n, e in expected.items() if e.overdue and e.listed}
    for name, (when, line) in overdue.items():
        assert when == expected[name].due and f"was due by {long(when)}" in line and "Overdue" in line
    check_due_soon_list(list_after(soup, "Due in the next 14 days"), expected, lambda e: True)

    # The dashboard: reviews due in the next 14 days, and the overdue among the at risk.
    soup = page(coordinator.get("/coordinator"))
    check_due_soon_list(list_after(soup, "Reviews due in the next 14 days"), expected, lambda e: True)
    check_overdue_reasons(soup, expected, lambda e: True)

    # The calendar feed: one event for each next review, on the day it is booked for (the meeting) or,
    # when none is booked, on the day it is due; those from a month back to a year ahead.
    soup = page(post_form(coordinator, "/reviews/calendar", {}, follow_redirects=True))
    feed = app.test_client().get(soup.find(id="calendar-url")["value"].removeprefix("http://localhost"))
    events = {re.sub(r"^Progress review(?: due| overdue)?: ", "", e["SUMMARY"]): e
              for e in calendar_events(feed.get_data(as_text=True))}
    assert set(events) == {n for n, e in expected.items() if e.listed and e.due is not None
                           and TODAY - timedelta(days=31) <= (e.scheduled or e.due) <= TODAY + timedelta(days=366)}
    assert any(e.scheduled and e.scheduled != e.due for n, e in expected.items() if n in events)
    for name, event in events.items():
        e = expected[name]
        assert event["DTSTART;VALUE=DATE"] == f"{e.scheduled or e.due:%Y%m%d}", name
        if e.scheduled:
            assert event["SUMMARY"] == f"Progress review: {name}", name
        else:
            assert event["SUMMARY"] == f"Progress review {'overdue' if e.overdue else 'due'}: {name}", name
        assert event["DESCRIPTION"].startswith(f"{'Was' if e.due < TODAY else 'Is'} due by {long(e.due)}."), name
        assert ("Booked after it is due." in event["DESCRIPTION"]) == e.late, name
        assert ("Not recorded as held yet." in event["DESCRIPTION"]) == bool(e.scheduled and e.scheduled < TODAY), name
