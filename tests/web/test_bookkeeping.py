"""Bookkeeping written while reading a page (a share link's view count, a session's last-seen time)
is never lost, and never costs the page, when many people read and write at the same moment.

Real threads, each with its own test client, on the test's own database: an SQLite file in WAL
mode (as in production), or PostgreSQL when TEST_DATABASE_URL is set. On SQLite a transaction that
read first cannot take the write lock once another connection has committed since it began: the
write is refused at once, whatever the busy timeout (see apprenticeships/transactions.py).
"""

from __future__ import annotations

import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import closing
from datetime import timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import ProgrammeSettings, PublishedVersion, ShareLink, UserSession, utcnow
from apprenticeships.services.tokens import token_hash as hash_of

from ..helpers import DEMO_EMAILS, post_form, sign_in, sql_statements
from .test_summaries import current_cohort, make_link

VIEWERS, VIEWS_EACH = 4, 12
TIMEOUT = 60  # seconds to wait for the others at the start: a deadlock fails the test instead of hanging it


def visitor(n: int) -> dict:
    """A visitor's own address (the public pages are rate limited per address)."""
    return {"REMOTE_ADDR": f"192.0.2.{n}"}


def test_every_view_of_a_share_link_is_counted_while_others_write(app, coordinator_client):
    cohort = current_cohort(app)
    board, forum = make_link(coordinator_client, cohort), make_link(coordinator_client, cohort, label="Forum")
    start = threading.Barrier(VIEWERS + 1)

    def read(n: int) -> list[int]:
        client = app.test_client()
        start.wait(timeout=TIMEOUT)
        statuses = []
        for _ in range(VIEWS_EACH):  # each view writes its count: the viewers' writes interleave
            statuses.append(client.get(board, environ_base=visitor(n)).status_code)
            statuses.append(client.get(forum, environ_base=visitor(n)).status_code)
        return statuses

    def share() -> list[int]:
        """Meanwhile the coordinator makes more links (each a write, and an audit event)."""
        start.wait(timeout=TIMEOUT)
        return [post_form(coordinator_client, f"/cohorts/{cohort}/sharing/new",
                          {"label": f"Governors {n}", "mode": "snapshot", "expires_on": ["", "", ""],
                           "narrative": ""}).status_code for n in range(6)]

    with ThreadPoolExecutor(VIEWERS + 1) as pool:
        shared = pool.submit(share)
        read_ = [pool.submit(read, n) for n in range(VIEWERS)]
        statuses = [status for future in read_ for status in future.result()]
        made = shared.result()

    assert statuses == [200] * (2 * VIEWERS * VIEWS_EACH)  # every page shown, none refused or failed
    assert made == [303] * 6
    with app.app_context():
        counts = dict(db.session.execute(sa.select(ShareLink.label, ShareLink.view_count)).all())
    assert counts["Board paper"] == counts["Forum"] == VIEWERS * VIEWS_EACH  # every view counted
    assert len(counts) == 2 + 6


def test_last_seen_is_kept_for_every_session_while_others_write(app):
    """Each page load finds its session last seen two minutes ago, so each one writes last-seen."""
    people = [app.test_client() for _ in range(VIEWERS)]
    for n, client in enumerate(people):
        assert sign_in(client, DEMO_EMAILS["coordinator"], environ_base=visitor(n)).status_code == 303
    with app.app_context():
        sessions = list(db.session.scalars(sa.select(UserSession.id).where(UserSession.ended_at.is_(None))
                                           .order_by(UserSession.id.desc()).limit(VIEWERS)))
    start = threading.Barrier(VIEWERS)

    def browse(client, session_id: int, n: int) -> list[int]:
        start.wait(timeout=TIMEOUT)
        statuses = []
        for _ in range(VIEWS_EACH):
            with app.app_context():  # a write of its own, committed between the others' reads and writes
                db.session.execute(sa.update(UserSession).where(UserSession.id == session_id)
                                   .values(last_seen_at=utcnow() - timedelta(minutes=2)))
                db.session.commit()
            statuses.append(client.get("/account/password", environ_base=visitor(n)).status_code)
        return statuses

    with ThreadPoolExecutor(VIEWERS) as pool:
        results = [pool.submit(browse, client, session_id, n)
                   for n, (client, session_id) in enumerate(zip(people, sorted(sessions), strict=True))]
        statuses = [status for future in results for status in future.result()]

    assert statuses == [200] * (VIEWERS * VIEWS_EACH)  # every page shown, nobody signed out or refused
    with app.app_context():
        last_seen = db.session.scalars(sa.select(UserSession.last_seen_at).where(UserSession.id.in_(sessions)))
        assert all(utcnow() - seen < timedelta(minutes=1) for seen in last_seen)


def test_on_sqlite_a_read_counts_its_view_once_committed_in_a_transaction_that_takes_the_lock_first(
        app, coordinator_client):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's own locking: on PostgreSQL the count is written in the request's transaction")
    path = make_link(coordinator_client, current_cohort(app))
    with sql_statements(app, lambda statement: statement.startswith(("BEGIN", "INSERT", "UPDATE"))) as sent:
        assert app.test_client().get(path).status_code == 200
    assert [statement.split(" SET ")[0] for statement in sent] == ["BEGIN", "BEGIN IMMEDIATE", "UPDATE share_links"]


def test_on_sqlite_a_share_link_with_new_figures_to_publish_is_read_again_holding_the_write_lock(
        app, coordinator_client):
    """Reading a live link may publish a new version of its figures, which the page must not be sent
    without. A read's transaction on SQLite could not take the write lock that late once someone else
    had written meanwhile, and the reader was refused: so the request starts again holding it."""
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("SQLite's own locking: on PostgreSQL the version is written in the request's transaction")
        database = db.engine.url.database
    path = make_link(coordinator_client, current_cohort(app))
    digest = hash_of(path.rsplit("/", 1)[1])
    with app.app_context():  # a higher threshold: the next view publishes figures hiding more
        ProgrammeSettings.current().disclosure_threshold = 10
        db.session.commit()
    others_write = []

    def someone_else_writes_meanwhile(_conn, _cursor, statement, *_args):
        if statement.startswith("INSERT INTO published_versions") and not others_write:
            with closing(sqlite3.connect(database, timeout=0)) as other:
                try:
                    with other:
                        other.execute("UPDATE share_links SET view_count = view_count + 1 WHERE token_hash = ?",
                                      (digest,))
                    others_write.append("saved")
                except sqlite3.OperationalError as error:
                    others_write.append(str(error))

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", someone_else_writes_meanwhile)
    try:
        with sql_statements(app, lambda statement: statement.startswith(("BEGIN", "INSERT"))) as sent:
            response = app.test_client().get(path)
    finally:
        sa.event.remove(engine, "before_cursor_execute", someone_else_writes_meanwhile)
    assert response.status_code == 200
    # The other writer had to wait: the request held the write lock when it published.
    assert others_write == ["database is locked"]
    assert [s.split(" (")[0] for s in sent] == ["BEGIN", "BEGIN IMMEDIATE", "INSERT INTO published_versions"]
    with app.app_context():
        link = db.session.scalar(sa.select(ShareLink).where(ShareLink.token_hash == digest))
        versions = db.session.scalars(sa.select(PublishedVersion.figures).where(
            PublishedVersion.cohort_id == link.cohort_id).order_by(PublishedVersion.sequence)).all()
        assert len(versions) == 2 and versions[-1]["threshold"] == 10 and link.published_figures == versions[-1]
        assert link.view_count == 1  # counted once, though read twice
