"""The database itself holds the rules that races used to break (migration 0003).

Whatever writes log entries (the app, a bulk insert, a cascade), the minutes a day stay
within the limit and log_day_totals stays equal to the entries; a versioned record's UPDATE
from an old copy changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError

from apprenticeships.extensions import db
from apprenticeships.models import MAX_MINUTES_A_DAY, Apprentice, LogDayTotal, LogEntry, User
from apprenticeships.services import logbook
from apprenticeships.services.errors import StaleRecord


def _jordan() -> Apprentice:
    return db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))


def _free_day(apprentice: Apprentice) -> date:
    busy = set(db.session.scalars(sa.select(LogEntry.activity_date).where(LogEntry.apprentice_id == apprentice.id)))
    return next(d for d in (date.today() - timedelta(days=n) for n in range(1, 90)) if d not in busy)


def _row(apprentice: Apprentice, day: date, minutes: int) -> dict:
    return {"apprentice_id": apprentice.id, "activity_date": day, "activity_type": "study_time", "off_the_job": True,
            "minutes": minutes, "description": "Study", "status": "pending", "created_at": sa.func.now(),
            "updated_at": sa.func.now()}


def _totals_match_entries() -> bool:
    entries = dict(((a, d), m) for a, d, m in db.session.execute(
        sa.select(LogEntry.apprentice_id, LogEntry.activity_date, sa.func.sum(LogEntry.minutes))
        .group_by(LogEntry.apprentice_id, LogEntry.activity_date)))
    totals = {(t.apprentice_id, t.activity_date): t.minutes for t in db.session.scalars(sa.select(LogDayTotal))
              if t.minutes}
    return entries == totals


def test_the_demo_programme_has_its_day_totals(demo_db):
    assert _totals_match_entries()


def test_a_bulk_insert_past_the_daily_limit_is_refused(demo_db):
    jordan = _jordan()
    day = _free_day(jordan)
    db.session.execute(sa.insert(LogEntry.__table__).values(_row(jordan, day, 7 * 60)))
    with pytest.raises(sa.exc.IntegrityError, match="ck_log_day_totals_within_a_day"):
        db.session.execute(sa.insert(LogEntry.__table__).values(_row(jordan, day, 6 * 60)))
    db.session.rollback()


def test_totals_follow_edits_moves_and_deletes(demo_db):
    jordan, actor = _jordan(), db.session.scalar(sa.select(User).where(User.apprentice_id.is_not(None)))
    day = _free_day(jordan)
    values = {"activity_date": day, "activity_type": "study_time", "off_the_job": True, "minutes": 5 * 60,
              "description": "Study"}
    first = logbook.add(actor, jordan, values, [])
    second = logbook.add(actor, jordan, {**values, "minutes": 7 * 60}, [])
    db.session.commit()  # the refusal below rolls back the request's transaction
    assert db.session.get(LogDayTotal, (jordan.id, day)).minutes == MAX_MINUTES_A_DAY
    with pytest.raises(logbook.DayIsFull, match="already logged 12 hours"):
        logbook.add(actor, jordan, {**values, "minutes": 15}, [])
    first, second = db.session.get(LogEntry, first.id), db.session.get(LogEntry, second.id)
    logbook.edit(actor, first, {**values, "minutes": 3 * 60}, [])
    logbook.edit(actor, second, {**values, "activity_date": day - timedelta(days=1)}, [])
    logbook.delete(actor, first)
    db.session.commit()
    assert _totals_match_entries()


def test_an_update_from_an_old_copy_changes_nothing(demo_db):
    jordan = _jordan()
    db.session.execute(sa.update(Apprentice).where(Apprentice.id == jordan.id).values(
        team="Changed elsewhere", version=Apprentice.version + 1).execution_options(synchronize_session=False))
    jordan.job_title = "From an old copy"
    with pytest.raises(StaleDataError):
        db.session.flush()
    db.session.rollback()


def test_verifying_an_entry_seen_at_an_old_version_is_refused_with_what_happened(demo_db):
    jordan = _jordan()
    entry = db.session.scalar(sa.select(LogEntry).where(LogEntry.apprentice_id == jordan.id,
                                                        LogEntry.status == "pending").limit(1))
    mentor = db.session.scalar(sa.select(User).where(User.email == "mentor@example.org"))
    logbook.query(mentor, entry, "Which module?", entry.version)
    db.session.commit()
    with pytest.raises(StaleRecord, match="You have already queried Jordan Ellis\u2019s entry for"):
        logbook.verify(mentor, entry, entry.version - 1)


def test_an_undone_verification_leaves_the_day_totals_and_counts_the_hours_as_waiting_again(demo_db):
    from apprenticeships.models import ProgrammeSettings, Role, VerificationStatus
    from apprenticeships.permissions import visible_apprentices_condition

    jordan = _jordan()
    mentor = db.session.scalar(sa.select(User).where(User.role == Role.MENTOR, User.mentor_id == jordan.mentor_id))
    waiting = db.session.scalars(sa.select(LogEntry).where(
        LogEntry.apprentice_id == jordan.id, LogEntry.status == VerificationStatus.PENDING)).all()[:2]
    before = logbook.totals(jordan, date.today(), ProgrammeSettings.current())
    logbook.verify_many(mentor, visible_apprentices_condition(mentor), {e.id: e.version for e in waiting})
    db.session.commit()
    versions = {e.id: e.version for e in waiting}
    logbook.undo_verification(mentor, visible_apprentices_condition(mentor), [e.id for e in waiting])
    db.session.commit()
    after = logbook.totals(jordan, date.today(), ProgrammeSettings.current())
    assert (after.verified_hours, after.pending_hours) == (before.verified_hours, before.pending_hours)
    assert _totals_match_entries()
    # Each entry's version moved on, so a page showing it verified cannot act on it as it was.
    assert all(db.session.get(LogEntry, entry_id).version == version + 1 for entry_id, version in versions.items())
