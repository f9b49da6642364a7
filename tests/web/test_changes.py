"""The data version moves with every change to programme data, so cached results stay correct."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, LogEntry, ProgrammeSettings, UserSession
from apprenticeships.services import changes

from ..helpers import page, text_of


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


def test_the_dashboard_shows_a_new_risk_at_once(app, coordinator_client):
    """A planned end in the past while active is a risk, shown at once though the list was cached."""
    assert "Jordan Ellis" not in text_of(page(coordinator_client.get("/coordinator")))  # and now cached
    with app.app_context():
        jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
        jordan.planned_end_date = date.today() - timedelta(days=1)
        db.session.commit()
    text = text_of(page(coordinator_client.get("/coordinator")))
    assert "Jordan Ellis" in text and "Planned end date has passed" in text
