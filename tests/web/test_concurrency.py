"""Races: simultaneous requests from real threads against a real server, on the test's own database.

Each test starts the app in a threaded werkzeug server on its copy of the demo programme
(SQLite, or PostgreSQL when TEST_DATABASE_URL is set), signs people in over HTTP, loads the
pages they would have open, and then releases their posts at the same instant with a barrier.
The rules held are the database's, not a read-then-write in Python: the daily limit (a CHECK
on log_day_totals kept by triggers), a verification decided on the state the person saw, and
a shared record saved only from the version the person loaded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
import requests
import sqlalchemy as sa
from bs4 import BeautifulSoup

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    LogDayTotal,
    LogEntry,
    LogEntryRevision,
    Role,
    VerificationStatus,
)
from apprenticeships.services import accounts
from apprenticeships.services.demo import DEMO_PASSWORD

from ..helpers import DEMO_EMAILS, lookup, served

TIMEOUT = 30  # seconds for any one request: a deadlock fails the test instead of hanging it


@pytest.fixture
def server(app) -> Iterator[str]:
    """The app served by a threaded werkzeug server on a free port; its base address."""
    with served(app) as address:
        yield address


def hidden_fields(html: str, action_contains: str = "") -> dict[str, str]:
    """The hidden inputs (CSRF token, version) of the page's first post form whose action matches."""
    soup = BeautifulSoup(html, "html.parser")
    for form in soup.find_all("form", method="post"):
        if action_contains in (form.get("action") or "") and form.find("input", attrs={"name": "csrf_token"}):
            return {i["name"]: i.get("value", "") for i in form.find_all("input", type="hidden") if i.get("name")}
    raise AssertionError(f"no post form matching {action_contains!r}")


def form_fields(html: str) -> list[tuple[str, str]]:
    """Everything the page's edit form (the one carrying a version) would post, as a browser sends it."""
    soup = BeautifulSoup(html, "html.parser")
    form = next(f for f in soup.find_all("form", method="post") if f.find("input", attrs={"name": "version"}))
    fields = []
    for tag in form.find_all(["input", "select", "textarea"]):
        name = tag.get("name")
        if not name or tag.get("type") == "submit":
            continue
        if tag.name == "select":
            chosen = tag.find("option", selected=True) or tag.find("option")
            fields.append((name, chosen.get("value", "") if chosen else ""))
        elif tag.name == "textarea":
            fields.append((name, tag.get_text()))
        elif tag.get("type") in ("radio", "checkbox"):
            if tag.has_attr("checked"):
                fields.append((name, tag.get("value", "on")))
        else:
            fields.append((name, tag.get("value", "")))
    return fields


def signed_in(base: str, email: str) -> requests.Session:
    client = requests.Session()
    token = hidden_fields(client.get(f"{base}/sign-in", timeout=TIMEOUT).text)["csrf_token"]
    response = client.post(f"{base}/sign-in", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token},
                           allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 303, "could not sign in"
    return client


def copies(client: requests.Session, count: int) -> list[requests.Session]:
    """`count` browsers on the same sign-in (one sign-in: the sign-in form is rate limited)."""
    clones = []
    for _ in range(count):
        clone = requests.Session()
        clone.cookies.update(client.cookies)
        clones.append(clone)
    return clones


def at_once(posts: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the posts in threads, released together by a barrier; their responses in order."""
    barrier = threading.Barrier(len(posts))

    def run(post):
        barrier.wait(timeout=TIMEOUT)
        return post()

    with ThreadPoolExecutor(len(posts)) as pool:
        return list(pool.map(run, posts))


def flash_text(client: requests.Session, response: requests.Response) -> str:
    """The page a redirect leads to, as text (where the flashed message shows)."""
    assert response.status_code == 303, response.status_code
    target = client.get(requests.compat.urljoin(response.url, response.headers["Location"]), timeout=TIMEOUT)
    return " ".join(BeautifulSoup(target.text, "html.parser").get_text(" ").split())


def test_eight_posts_of_seven_hours_for_one_day_save_exactly_one(app, server):
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        busy = set(db.session.scalars(sa.select(LogEntry.activity_date).where(LogEntry.apprentice_id == jordan.id)))
        day = next(d for d in (date.today() - timedelta(days=n) for n in range(1, 60))
                   if d not in busy and d >= jordan.start_date)
        jordan_id = jordan.id
    browsers = copies(signed_in(server, DEMO_EMAILS["apprentice"]), 8)
    tokens = [hidden_fields(b.get(f"{server}/apprentice", timeout=TIMEOUT).text, "/log")["csrf_token"]
              for b in browsers]
    entry = [("activity_date", str(day.day)), ("activity_date", str(day.month)), ("activity_date", str(day.year)),
             ("activity_type", "study_time"), ("off_the_job", "yes"), ("minutes", "7"),
             ("description", "A long day on the provider's course.")]

    responses = at_once([
        lambda b=b, t=t: b.post(f"{server}/log", data=[*entry, ("csrf_token", t)], allow_redirects=False,
                                timeout=TIMEOUT)
        for b, t in zip(browsers, tokens, strict=True)])

    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 7 + [303], statuses
    for refused in (r for r in responses if r.status_code == 200):
        errors = BeautifulSoup(refused.text, "html.parser").select(".govuk-error-message")
        assert any("You can log up to 12 hours on one day" in e.get_text() for e in errors)
    with app.app_context():
        logged = db.session.scalar(sa.select(sa.func.sum(LogEntry.minutes)).where(
            LogEntry.apprentice_id == jordan_id, LogEntry.activity_date == day))
        total = db.session.get(LogDayTotal, (jordan_id, day))
        assert logged == 7 * 60
        assert total.minutes == 7 * 60


def _pending_entry(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(LogEntry.id).join(Apprentice).where(
            Apprentice.first_name == "Jordan", LogEntry.status == VerificationStatus.PENDING,
            LogEntry.query_comment.is_(None)).order_by(LogEntry.id).limit(1))


def _revisions(app, entry_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(LogEntryRevision.action).where(
            LogEntryRevision.entry_id == entry_id).order_by(LogEntryRevision.id)))


def test_verify_and_query_at_the_same_instant_one_wins_and_the_other_is_told(app, server):
    entry_id = _pending_entry(app)
    before = _revisions(app, entry_id)
    mentor = signed_in(server, DEMO_EMAILS["mentor"])
    coordinator = signed_in(server, DEMO_EMAILS["coordinator"])
    verify = hidden_fields(mentor.get(f"{server}/verification", timeout=TIMEOUT).text, f"/log/{entry_id}/verify")
    query = hidden_fields(coordinator.get(f"{server}/log/{entry_id}/query", timeout=TIMEOUT).text)

    verified, queried = at_once([
        lambda: mentor.post(f"{server}/log/{entry_id}/verify", data=verify, allow_redirects=False, timeout=TIMEOUT),
        lambda: coordinator.post(f"{server}/log/{entry_id}/query", data={**query, "comment": "Which module?"},
                                 allow_redirects=False, timeout=TIMEOUT),
    ])

    verified_page, queried_page = flash_text(mentor, verified), flash_text(coordinator, queried)
    with app.app_context():
        entry = db.session.get(LogEntry, entry_id)
        status, verifier, comment = entry.status, entry.verified_by_id, entry.query_comment
    added = _revisions(app, entry_id)[len(before):]
    if status == VerificationStatus.VERIFIED:
        assert verifier is not None and comment is None and added == ["verified"]
        assert "was verified by Priya Shah while you were looking at it" in queried_page
        assert "Verified" in verified_page
    else:
        assert status == VerificationStatus.QUERIED
        assert verifier is None and comment == "Which module?" and added == ["queried"]
        assert "was queried by Alex Morgan while you were looking at it" in verified_page
        assert "Query sent" in queried_page


def test_two_verifies_at_the_same_instant_leave_one_revision(app, server):
    entry_id = _pending_entry(app)
    before = _revisions(app, entry_id)
    mentor = signed_in(server, DEMO_EMAILS["mentor"])
    coordinator = signed_in(server, DEMO_EMAILS["coordinator"])
    forms = [hidden_fields(c.get(f"{server}/verification", timeout=TIMEOUT).text, f"/log/{entry_id}/verify")
             for c in (mentor, coordinator)]

    responses = at_once([
        lambda c=c, f=f: c.post(f"{server}/log/{entry_id}/verify", data=f, allow_redirects=False, timeout=TIMEOUT)
        for c, f in zip((mentor, coordinator), forms, strict=True)])

    pages = [flash_text(c, r) for c, r in zip((mentor, coordinator), responses, strict=True)]
    assert _revisions(app, entry_id)[len(before):] == ["verified"]
    assert sum("was verified by" in p and "while you were looking at it" in p for p in pages) == 1
    with app.app_context():
        assert db.session.get(LogEntry, entry_id).status == VerificationStatus.VERIFIED


def test_two_coordinators_saving_one_apprentice_lose_nothing(app, server):
    with app.app_context():
        accounts.create_with_password("Sam Second", "second.coordinator@example.org", Role.COORDINATOR,
                                      DEMO_PASSWORD)
        db.session.commit()
        apprentice_id = db.session.scalar(sa.select(Apprentice.id).where(Apprentice.first_name == "Jordan"))
    first = signed_in(server, DEMO_EMAILS["coordinator"])
    second = signed_in(server, "second.coordinator@example.org")
    edit = f"{server}/apprentices/{apprentice_id}/edit"
    loaded = [form_fields(c.get(edit, timeout=TIMEOUT).text) for c in (first, second)]
    changes = [("team", "Street Lighting"), ("job_title", "Senior Lighting Technician")]

    def typed(fields, name, value):
        return [(n, value if n == name else v) for n, v in fields]

    responses = at_once([
        lambda c=c, f=f, ch=ch: c.post(edit, data=typed(f, *ch), allow_redirects=False, timeout=TIMEOUT)
        for c, f, ch in zip((first, second), loaded, changes, strict=True)])

    assert sorted(r.status_code for r in responses) == [200, 303]
    loser = next(i for i, r in enumerate(responses) if r.status_code == 200)
    winner_field, winner_value = changes[1 - loser]
    loser_field, loser_value = changes[loser]
    soup = BeautifulSoup(responses[loser].text, "html.parser")
    summary = " ".join(soup.select_one(".govuk-error-summary").get_text(" ").split())
    assert "Someone else changed this apprentice while you were editing" in summary
    assert soup.find(attrs={"name": loser_field})["value"] == loser_value  # what they typed is kept
    # The other person's change, to an answer this person never touched, is taken into the form.
    assert soup.find(attrs={"name": winner_field})["value"] == winner_value
    assert f"Their changes to {winner_field.replace('_', ' ')} are now in the form" in summary
    with app.app_context():
        stored = db.session.get(Apprentice, apprentice_id)
        assert getattr(stored, winner_field) == winner_value and getattr(stored, loser_field) != loser_value

    # They look and save again as the form stands: it goes through, and both changes are kept.
    client = (first, second)[loser]
    assert client.post(edit, data=form_fields(responses[loser].text), allow_redirects=False,
                       timeout=TIMEOUT).status_code == 303
    with app.app_context():
        stored = db.session.get(Apprentice, apprentice_id)
        assert (stored.team, stored.job_title) == ("Street Lighting", "Senior Lighting Technician")
        assert stored.version == 3


def test_an_answer_both_changed_is_marked_with_the_stored_one_and_nothing_is_lost(app, server):
    apprentice_id = lookup(app, sa.select(Apprentice.id).where(Apprentice.first_name == "Jordan"))
    first = signed_in(server, DEMO_EMAILS["coordinator"])
    edit = f"{server}/apprentices/{apprentice_id}/edit"
    loaded = form_fields(first.get(edit, timeout=TIMEOUT).text)  # an old tab, loaded before the change below

    def typed(**changes):
        return [(n, changes.get(n, v)) for n, v in loaded]

    assert first.post(edit, data=typed(team="Parks", job_title="Ranger"), allow_redirects=False,
                      timeout=TIMEOUT).status_code == 303
    response = first.post(edit, data=typed(team="Highways"), allow_redirects=False, timeout=TIMEOUT)
    assert response.status_code == 200
    soup = BeautifulSoup(response.text, "html.parser")
    assert soup.find(attrs={"name": "team"})["value"] == "Highways"  # theirs, kept
    assert " ".join(soup.find(id="team-error").get_text(" ").split()) == (
        "Error: Someone else changed this to \u201cParks\u201d while you were editing. "
        "Save again to keep your answer, or change it.")
    assert soup.find(attrs={"name": "job_title"})["value"] == "Ranger"  # the other change, taken in
    assert soup.find(id="job_title-error") is None
    assert first.post(edit, data=form_fields(response.text), allow_redirects=False,
                      timeout=TIMEOUT).status_code == 303
    with app.app_context():
        stored = db.session.get(Apprentice, apprentice_id)
        assert (stored.team, stored.job_title) == ("Highways", "Ranger")
