"""A page that reads a person's record (`@records_a_view`) is sent only once its audit event is
saved, and, on SQLite, without holding the database's one write lock while it reads and renders:
the page's transaction only reads (a plain BEGIN), and its event is inserted once that has
committed, in a short transaction that takes the lock first (BEGIN IMMEDIATE). Two people opening
records at once do not take turns; and if the event cannot be saved, the page is refused.

Real threads, each with its own test client, on the test's own database: an SQLite file in WAL
mode (as in production), or PostgreSQL when TEST_DATABASE_URL is set (one transaction there).
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import sqlalchemy as sa
from flask import before_render_template
from flask.testing import FlaskClient
from sqlalchemy import event

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, AuditEvent, User

from ..helpers import DEMO_EMAILS, page, post_form, sign_in, text_of
from .test_summaries import current_cohort

JORDAN = 1  # the demo apprentice (apprentice@example.org)
TIMEOUT = 60  # seconds to wait for another thread: a deadlock fails the test instead of hanging it


def client_for(app, role: str, n: int) -> FlaskClient:
    """A client signed in as a demo role, from an address of its own (sign-in is rate limited per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = f"192.0.2.{n}"
    assert sign_in(client, DEMO_EMAILS[role]).status_code == 303
    return client


def dialect(app) -> str:
    with app.app_context():
        return db.engine.dialect.name


def views(app, action: str) -> Counter:
    """How many `action` events each (actor, apprentice) has."""
    with app.app_context():
        rows = db.session.execute(sa.select(AuditEvent.actor_id, AuditEvent.apprentice_id)
                                  .where(AuditEvent.action == action)).all()
    return Counter((actor, apprentice) for actor, apprentice in rows)


def user_id(app, role: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(User.id).where(User.email == DEMO_EMAILS[role]))


@contextmanager
def transactions_sent(app) -> Iterator[list[str]]:
    """What the app sends that begins, writes or ends a transaction, in order: "BEGIN...", the first
    words of each INSERT, UPDATE and DELETE, "COMMIT" and "ROLLBACK" (the driver's own, not SQL text)."""
    with app.app_context():
        engine = db.engine
    sent: list[str] = []

    def statement(_conn, _cursor, text, *_args):
        if text.startswith("BEGIN"):
            sent.append(text)
        elif text.startswith(("INSERT", "UPDATE", "DELETE")):
            sent.append(" ".join(text.split()[:3]))

    def commit(_conn):
        sent.append("COMMIT")

    def rollback(_conn):
        sent.append("ROLLBACK")

    listeners = [("before_cursor_execute", statement), ("commit", commit), ("rollback", rollback)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield sent
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


def test_a_profile_is_read_without_the_write_lock_and_its_view_saved_after_the_read_commits(app):
    coordinator = client_for(app, "coordinator", 1)
    before = views(app, "apprentice.viewed")
    with transactions_sent(app) as sent:
        response = coordinator.get(f"/apprentices/{JORDAN}")
    assert response.status_code == 200 and "Jordan Ellis" in text_of(page(response).select_one("h1"))
    if dialect(app) == "sqlite":
        # The read, then the event alone in a transaction that takes the lock first.
        assert sent == ["BEGIN", "COMMIT", "BEGIN IMMEDIATE", "INSERT INTO audit_events", "COMMIT"]
    else:  # PostgreSQL: one transaction, the event with the read
        assert sent == ["INSERT INTO audit_events", "COMMIT"]
    assert views(app, "apprentice.viewed") - before == Counter({(user_id(app, "coordinator"), JORDAN): 1})


def test_others_read_and_write_while_a_profile_is_being_rendered(app):
    """A profile held in the middle of rendering holds no lock: another person's profile is shown
    and its view saved, and another connection writes, before the first page is let go."""
    first, second = client_for(app, "coordinator", 1), client_for(app, "mentor", 2)
    inside, release = threading.Event(), threading.Event()

    def hold(_sender, template, **_context):
        if template.name == "apprentices/show.html" and threading.current_thread().name.startswith("held"):
            inside.set()
            assert release.wait(TIMEOUT)

    others = sa.select(sa.func.count(), sa.func.sum(Apprentice.version)).where(Apprentice.id != JORDAN)
    with app.app_context():
        how_many, versions = db.session.execute(others).one()
    before = views(app, "apprentice.viewed")
    with before_render_template.connected_to(hold, app), ThreadPoolExecutor(1, thread_name_prefix="held") as pool:
        held = pool.submit(first.get, f"/apprentices/{JORDAN}")
        try:
            assert inside.wait(TIMEOUT)
            meanwhile = second.get(f"/apprentices/{JORDAN}")  # the mentor's mentee, while the first is held
            with app.app_context():  # a write of another connection
                db.session.execute(sa.update(Apprentice).where(Apprentice.id != JORDAN)
                                   .values(version=Apprentice.version + 1))
                db.session.commit()
            saved_meanwhile = views(app, "apprentice.viewed") - before
        finally:
            release.set()
        answer = held.result(timeout=TIMEOUT)

    assert meanwhile.status_code == 200 and answer.status_code == 200
    assert saved_meanwhile == Counter({(user_id(app, "mentor"), JORDAN): 1})
    assert views(app, "apprentice.viewed") - before == Counter(
        {(user_id(app, "mentor"), JORDAN): 1, (user_id(app, "coordinator"), JORDAN): 1})
    with app.app_context():
        assert db.session.execute(others).one() == (how_many, versions + how_many)  # the write went through


def test_many_people_open_records_at_once_while_others_write_and_each_page_is_logged_once(app):
    with app.app_context():
        profiles = list(db.session.scalars(sa.select(Apprentice.id).order_by(Apprentice.id).limit(6)))
    cohort = current_cohort(app)
    readers = [client_for(app, "coordinator", n) for n in range(1, 4)] + [
        client_for(app, "apprentice", n) for n in range(4, 6)]
    writer = client_for(app, "coordinator", 9)
    rounds = 5
    start = threading.Barrier(len(readers) + 1)
    before_profiles, before_homes = views(app, "apprentice.viewed"), views(app, "apprentice.home_viewed")

    def read(client: FlaskClient, home: bool) -> list[tuple[str, int]]:
        start.wait(timeout=TIMEOUT)
        answers = []
        for n in range(rounds):
            path = "/apprentice" if home else f"/apprentices/{profiles[n % len(profiles)]}"
            answers.append((path, client.get(path).status_code))
        return answers

    def write() -> list[int]:
        """Meanwhile a coordinator makes share links: each a write and an audit event, taking the lock."""
        start.wait(timeout=TIMEOUT)
        return [post_form(writer, f"/cohorts/{cohort}/sharing/new",
                          {"label": f"Governors {n}", "mode": "snapshot", "expires_on": ["", "", ""],
                           "narrative": ""}).status_code for n in range(rounds)]

    with ThreadPoolExecutor(len(readers) + 1) as pool:
        written = pool.submit(write)
        reads = [pool.submit(read, client, n >= 3) for n, client in enumerate(readers)]
        answers = [answer for future in reads for answer in future.result(timeout=TIMEOUT * 2)]
        made = written.result(timeout=TIMEOUT * 2)

    assert [status for _path, status in answers] == [200] * len(readers) * rounds  # none refused or failed
    assert made == [303] * rounds
    coordinator, apprentice = user_id(app, "coordinator"), user_id(app, "apprentice")
    opened = Counter((coordinator, int(path.rpartition("/")[2])) for path, _status in answers if path != "/apprentice")
    assert views(app, "apprentice.viewed") - before_profiles == opened  # exactly one event per page answered
    assert views(app, "apprentice.home_viewed") - before_homes == Counter({(apprentice, JORDAN): 2 * rounds})


@contextmanager
def write_lock_held_elsewhere(app) -> Iterator[None]:
    """Another connection holds the lock on writing the audit log, and the app waits for it only 0.2 s."""
    with app.app_context():
        engine = db.engine
        url = engine.url
    sqlite = engine.dialect.name == "sqlite"

    def wait_briefly(dbapi_connection, _record, _proxy):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=200" if sqlite else "SET lock_timeout = '200ms'")
        cursor.close()
        if not sqlite:
            dbapi_connection.commit()  # kept for the connection's life, outside any transaction

    event.listen(engine, "checkout", wait_briefly)
    if sqlite:
        other = sqlite3.connect(url.database, isolation_level=None, timeout=5)
        other.execute("BEGIN IMMEDIATE")
    else:
        other = engine.connect()
        other.exec_driver_sql("LOCK TABLE audit_events IN EXCLUSIVE MODE")  # reads go on, inserts wait
    try:
        yield
    finally:
        other.rollback()
        other.close()
        event.remove(engine, "checkout", wait_briefly)


def test_a_profile_whose_view_cannot_be_saved_in_time_is_refused_not_shown(app):
    coordinator = client_for(app, "coordinator", 1)
    before = views(app, "apprentice.viewed")
    with write_lock_held_elsewhere(app):
        response = coordinator.get(f"/apprentices/{JORDAN}", headers={"Referer": "http://localhost/cohorts"})
    assert response.status_code == 303 and response.headers["Location"].startswith("/cohorts")
    shown = page(coordinator.get(response.headers["Location"]))
    assert "The service was too busy to show that page. Try again." in text_of(shown)
    assert "Jordan Ellis" not in text_of(shown.select_one("main"))
    assert views(app, "apprentice.viewed") == before  # nothing logged for a page not shown
    assert coordinator.get(f"/apprentices/{JORDAN}").status_code == 200  # once the lock is free, it is shown
    assert views(app, "apprentice.viewed") - before == Counter({(user_id(app, "coordinator"), JORDAN): 1})


def test_the_apprentice_home_whose_view_cannot_be_saved_in_time_is_refused_not_shown(app):
    apprentice = client_for(app, "apprentice", 1)
    before = views(app, "apprentice.home_viewed")
    with write_lock_held_elsewhere(app):
        response = apprentice.get("/apprentice")
    assert response.status_code == 303
    assert views(app, "apprentice.home_viewed") == before
    # Their home page again, once the lock is free: shown with the message, and logged this time.
    shown = page(apprentice.get(response.headers["Location"], follow_redirects=True))
    assert "The service was too busy to show that page. Try again." in text_of(shown)
    assert views(app, "apprentice.home_viewed") - before == Counter({(user_id(app, "apprentice"), JORDAN): 1})
