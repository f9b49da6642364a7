"""The data version moves with every change to programme data, so cached results stay correct."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, LogEntry, ProgrammeSettings, UserSession, VerificationStatus
from apprenticeships.services import changes

from ..helpers import page, sql_statements, text_of


def sql_statements_in(app):
    return sql_statements(app, lambda statement: "data_version" in statement)


def version() -> int:
    return db.session.scalar(sa.select(ProgrammeSettings.data_version))


def test_a_change_to_programme_data_moves_the_version(demo_db):
    before = version()
    entry = db.session.scalars(sa.select(LogEntry).limit(1)).one()
    entry.description = "Changed"
    db.session.commit()
    assert version() != before


def test_a_bulk_statement_moves_the_version(demo_db):
    before = version()
    db.session.execute(sa.update(Apprentice).where(Apprentice.first_name == "Jordan").values(service_area="data"))
    db.session.commit()
    assert version() != before


def test_a_rolled_back_change_leaves_the_version(demo_db):
    before = version()
    db.session.execute(sa.delete(LogEntry))
    db.session.rollback()
    assert version() == before


def test_sign_in_sessions_do_not_move_the_version(demo_db):
    before = version()
    db.session.execute(sa.update(UserSession).values(last_seen_at=sa.func.current_timestamp()))
    db.session.commit()
    assert version() == before


def test_a_cached_result_is_worked_out_again_after_a_change(demo_db):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert changes.cached("key", compute) == 1
    assert changes.cached("key", compute) == 1  # kept: nothing changed
    db.session.execute(sa.update(Apprentice).where(Apprentice.first_name == "Jordan").values(service_area="data"))
    db.session.commit()
    assert changes.cached("key", compute) == 2


def test_the_version_is_read_once_a_transaction_and_again_after_it_writes(demo_db):
    """Each cached list of a page asks for the version: it is read once, unless the transaction changes
    programme data (then the version it moved to), and afresh in the next transaction."""
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert changes.cached("key", compute) == 1
    with sql_statements_in(demo_db) as sent:
        assert changes.cached("key", compute) == 1
    assert sent == []  # the version this transaction read already
    entry = db.session.scalars(sa.select(LogEntry).limit(1)).one()
    entry.description = "Changed in the same transaction"
    db.session.flush()
    assert changes.cached("key", compute) == 2  # not the result kept under the version before the write
    db.session.rollback()
    assert changes.cached("key", compute) == 1  # the write undone: the version as it was, read afresh


def test_the_dashboard_shows_a_new_risk_at_once(app, coordinator_client):
    """A planned end in the past while active is a risk, shown at once though the list was cached."""
    assert "Jordan Ellis" not in text_of(page(coordinator_client.get("/coordinator")))  # and now cached
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        jordan.planned_end_date = date.today() - timedelta(days=1)
        db.session.commit()
    text = text_of(page(coordinator_client.get("/coordinator")))
    assert "Jordan Ellis" in text and "Planned end date has passed" in text


def log_versions() -> dict[int, int]:
    return {a: v for a, v in db.session.execute(sa.select(Apprentice.id, Apprentice.log_version))}


def test_the_database_moves_an_apprentices_log_version_whenever_their_log_changes(demo_db):
    """Triggers (migration 0021), so that every path that writes entries moves it: ORM and bulk alike."""
    jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
    seen = [log_versions()]

    def moved_for_jordan_alone() -> bool:
        now = log_versions()
        before, seen[0] = seen[0], now
        return now[jordan.id] != before[jordan.id] and {k: v for k, v in now.items() if k != jordan.id} == {
            k: v for k, v in before.items() if k != jordan.id}

    entry_id = db.session.execute(sa.insert(LogEntry.__table__).values(
        apprentice_id=jordan.id, activity_date=date.today() - timedelta(days=400), activity_type="study_time",
        off_the_job=True, minutes=30, description="Study", status="pending", created_at=sa.func.now(),
        updated_at=sa.func.now()).returning(LogEntry.__table__.c.id)).scalar_one()
    db.session.commit()
    assert moved_for_jordan_alone()
    db.session.execute(sa.update(LogEntry).where(LogEntry.id == entry_id).values(minutes=45))
    db.session.commit()
    assert moved_for_jordan_alone()
    db.session.execute(sa.update(LogEntry).where(LogEntry.id == entry_id).values(off_the_job=False))
    db.session.commit()
    assert moved_for_jordan_alone()
    entry = db.session.get(LogEntry, entry_id)
    entry.status, entry.query_comment = VerificationStatus.QUERIED, "Which course?"
    db.session.commit()
    assert moved_for_jordan_alone()
    entry.description = "Study, the course named"  # nothing the figures use: kept
    db.session.commit()
    assert log_versions() == seen[0]
    db.session.delete(entry)
    db.session.commit()
    assert moved_for_jordan_alone()


def test_the_chart_is_kept_until_that_apprentices_log_changes(app, apprentice_client):
    """Kept while another apprentice logs; drawn again at once when the apprentice's own log changes,
    by whatever path."""
    def logged_this_month() -> float:
        rows = page(apprentice_client.get("/apprentice")).select("#progress table tbody tr")
        return float(text_of(rows[-1].find_all("td")[0]).replace(",", ""))

    def charts_kept(apprentice_id: int) -> list:
        return [key for key in app.extensions["record_cache"]._items if key[:2] == ("progress_chart", apprentice_id)]

    first = logged_this_month()
    with app.app_context():
        jordan, other = db.session.scalars(sa.select(Apprentice).order_by(Apprentice.first_name != "Jordan",
                                                                          Apprentice.id).limit(2)).all()
        assert jordan.first_name == "Jordan"
        jordan, other = jordan.id, other.id
        kept = charts_kept(jordan)
        assert len(kept) == 1
        for who in (other, jordan):
            db.session.execute(sa.insert(LogEntry.__table__).values(
                apprentice_id=who, activity_date=date.today(), activity_type="study_time", off_the_job=True,
                minutes=60, description="Study", status="pending", created_at=sa.func.now(),
                updated_at=sa.func.now()))
            db.session.commit()
            if who == other:  # someone else's entry: Jordan's chart is the one already drawn
                assert logged_this_month() == first and charts_kept(jordan) == kept
    assert logged_this_month() == pytest.approx(first + 1)
    assert len(charts_kept(jordan)) == 2
