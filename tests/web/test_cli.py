"""Our flask commands."""

import pytest
import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, Cohort, LogEntry, ProgressReview, Role, User, VerificationStatus
from apprenticeships.services.passwords import password_matches


def test_demo_load_loads_once(empty_app):
    if db.engine.dialect.name != "sqlite":
        # load_demo runs on PostgreSQL for the test session's demo database (tests/databases.py); the
        # command around it is the same on every database. Half a minute a run saved.
        pytest.skip("load_demo runs on PostgreSQL for the session's demo database; the command is checked on SQLite")
    runner = empty_app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0 and "Loaded the demo programme" in first.output
    again = runner.invoke(args=["demo", "load"])
    assert "already loaded" in again.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice)) == 32
    # Each held review records the off-the-job hours verified by its day, as recording one in the app does.
    held = db.session.scalars(sa.select(ProgressReview).where(ProgressReview.held_date.is_not(None))
                              .order_by(ProgressReview.apprentice_id, ProgressReview.held_date)).all()
    assert held and all(r.otj_minutes_at_review is not None for r in held)
    for review in held:
        verified_by_then = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(LogEntry.minutes), 0)).where(
            LogEntry.apprentice_id == review.apprentice_id, LogEntry.off_the_job.is_(True),
            LogEntry.status == VerificationStatus.VERIFIED, sa.func.date(LogEntry.verified_at) <= review.held_date))
        assert review.otj_minutes_at_review == verified_by_then


def test_users_create_asks_for_a_password_and_checks_it(empty_app):
    runner = empty_app.test_cli_runner()
    weak = runner.invoke(args=["users", "create", "--email", "Lead@Example.org", "--name", "Lead",
                               "--role", "coordinator"], input="password1234\npassword1234\n")
    assert weak.exit_code != 0 and "too common" in weak.output
    made = runner.invoke(args=["users", "create", "--email", "Lead@Example.org", "--name", "Lead",
                               "--role", "coordinator"], input="Tangerine-Kettle-Orbit-42\nTangerine-Kettle-Orbit-42\n")
    assert made.exit_code == 0, made.output
    user = db.session.scalar(sa.select(User).where(User.email == "lead@example.org"))
    assert user.role == Role.COORDINATOR and password_matches(user.password_hash, "Tangerine-Kettle-Orbit-42")
    again = runner.invoke(args=["users", "create", "--email", "lead@example.org", "--name", "Lead",
                                "--role", "coordinator", "--password", "Tangerine-Kettle-Orbit-42"])
    assert again.exit_code != 0 and "already has an account" in again.output


def test_users_create_needs_the_record_an_employer_acts_for(empty_app):
    result = empty_app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "e@example.org", "--name", "E", "--role", "employer",
        "--password", "Tangerine-Kettle-Orbit-42"])
    assert result.exit_code != 0 and "--employer-id is required" in result.output


def test_demo_scale_adds_data_in_proportion(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["demo", "scale", "--apprentices", "40"])
    assert result.exit_code == 0, result.output
    assert "2 cohorts, 10 mentors, 40 apprentices, 2,000 log entries, " in result.output
    scaled = db.session.scalar(sa.select(sa.func.count()).select_from(Apprentice)
                               .where(Apprentice.first_name.not_in(["Jordan"])))
    assert scaled == 40 + 31  # and the demo programme it builds on
    scale_reviews = db.session.scalar(sa.select(sa.func.count()).select_from(ProgressReview).join(Apprentice)
                                      .join(Cohort).where(Cohort.name.like("Scale cohort %")))
    assert f"{scale_reviews:,} reviews added" in result.output
    # Evidence on one entry in five, all naming one sample file stored once.
    assert "2,000 log entries, 400 evidence files, " in result.output
    from apprenticeships.models import EvidenceFile
    digests = db.session.scalars(sa.select(EvidenceFile.digest).distinct()).all()
    assert len(digests) == 1 and empty_app.extensions["evidence_storage"].exists(digests[0])
    # A working programme's shape: old entries verified, recent ones waiting; one large newest cohort.
    statuses = dict(db.session.execute(
        sa.select(LogEntry.status, sa.func.count()).join(Apprentice).join(Cohort)
        .where(Cohort.name.like("Scale cohort %")).group_by(LogEntry.status)).tuples().all())
    assert statuses[VerificationStatus.VERIFIED] > statuses.get(VerificationStatus.PENDING, 0)
    sizes = db.session.scalars(sa.select(sa.func.count()).select_from(Apprentice).join(Cohort)
                               .where(Cohort.name.like("Scale cohort %")).group_by(Cohort.id)
                               .order_by(Cohort.start_date.desc())).all()
    assert sizes == [2, 38]
