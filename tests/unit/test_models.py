"""The database itself refuses bad data: constraints, foreign keys and SQLite settings."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError, StatementError

from apprenticeships.extensions import db
from apprenticeships.models import (
    ActivityType,
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    Cohort,
    EmployerPartner,
    Ksb,
    KsbKind,
    LogEntry,
    OrganisationSize,
    Placement,
    ProgressReview,
    Rag,
    ReviewSignoff,
    Role,
    ServiceArea,
    ShareLink,
    ShareMode,
    SignoffParty,
    TrainingProvider,
    User,
    WorkingPattern,
)


@pytest.fixture
def programme(empty_app):
    """A minimal programme: one standard, provider, cohort and apprentice, and a coordinator."""
    standard = ApprenticeshipStandard(reference="ST0116", title="Software developer", level=4,
                                      otj_minimum_hours=555, typical_duration_months=24)
    provider = TrainingProvider(name="Riverside College")
    cohort = Cohort(name="2026 intake", start_date=date(2026, 9, 7))
    apprentice = Apprentice(first_name="Ada", last_name="Lovelace", cohort=cohort, standard=standard,
                            provider=provider, service_area=ServiceArea.DATA, contracted_minutes_per_week=37 * 60,
                            start_date=date(2026, 9, 7), planned_end_date=date(2028, 9, 7))
    coordinator = User(name="Coordinator", email="c@example.org", role=Role.COORDINATOR)
    db.session.add_all([standard, provider, cohort, apprentice, coordinator])
    db.session.commit()
    return {"standard": standard, "provider": provider, "cohort": cohort, "apprentice": apprentice,
            "coordinator": coordinator}


def refused(*objects) -> None:
    """Assert the database refuses to store these objects, and leaves nothing behind."""
    db.session.add_all(objects)
    with pytest.raises((IntegrityError, StatementError)):
        db.session.commit()
    db.session.rollback()


def entry(apprentice, **overrides) -> LogEntry:
    values = {"apprentice": apprentice, "activity_date": date(2026, 10, 1), "activity_type": ActivityType.STUDY_TIME,
              "minutes": 90, "description": "Studied SQL joins"}
    return LogEntry(**{**values, **overrides})


def test_sqlite_runs_with_foreign_keys_wal_and_a_busy_timeout(empty_app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's own settings: PostgreSQL needs none of these")
    connection = db.session.connection()
    assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_foreign_keys_are_enforced(programme):
    refused(LogEntry(apprentice_id=999_999, activity_date=date(2026, 10, 1), activity_type=ActivityType.OTHER,
                     minutes=60, description="x"))


def test_a_valid_log_entry_is_stored(programme):
    db.session.add(entry(programme["apprentice"], minutes=15 * 3))
    db.session.commit()
    assert db.session.scalar(sa.select(LogEntry.minutes)) == 45


@pytest.mark.parametrize("minutes", [0, -15, 20, 1455])
def test_hours_are_positive_quarter_hours_within_a_day(programme, minutes):
    refused(entry(programme["apprentice"], minutes=minutes))


def test_a_verified_entry_names_who_verified_it(programme):
    refused(entry(programme["apprentice"], status="verified"))


def test_a_queried_entry_has_a_comment(programme):
    refused(entry(programme["apprentice"], status="queried"))


def test_enum_columns_refuse_values_outside_the_list(programme):
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text("UPDATE apprentices SET status = 'on_holiday'"))
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(sa.text("UPDATE apprentices SET service_area = 'catering'"))
    db.session.rollback()


def test_planned_end_is_after_start(programme):
    apprentice = programme["apprentice"]
    apprentice.planned_end_date = apprentice.start_date
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("minutes", [0, 59, 3601])
def test_contracted_hours_are_between_one_and_sixty(programme, minutes):
    programme["apprentice"].contracted_minutes_per_week = minutes
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_withdrawal_and_completion_are_dated(programme):
    apprentice = programme["apprentice"]
    apprentice.status = ApprenticeStatus.WITHDRAWN
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    apprentice.status = ApprenticeStatus.COMPLETED
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()
    apprentice.status = ApprenticeStatus.WITHDRAWN
    apprentice.withdrawal_date = date(2027, 1, 1)
    db.session.commit()
    assert db.session.scalar(sa.select(Apprentice.status)) == ApprenticeStatus.WITHDRAWN


def test_an_epa_outcome_needs_a_gateway(programme):
    programme["apprentice"].epa_outcome = "pass"
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


@pytest.mark.parametrize("role,links", [
    (Role.EMPLOYER, {}),
    (Role.APPRENTICE, {}),
    (Role.MENTOR, {}),
])
def test_each_role_is_tied_to_the_record_it_acts_for(programme, role, links):
    refused(User(name="Someone", email=f"{role.value}@example.org", role=role, **links))


def test_a_coordinator_is_tied_to_no_record(programme):
    refused(User(name="Someone", email="x@example.org", role=Role.COORDINATOR,
                 apprentice_id=programme["apprentice"].id))


def test_one_account_per_apprentice_and_email(programme):
    apprentice = programme["apprentice"]
    db.session.add(User(name="Ada", email="ada@example.org", role=Role.APPRENTICE, apprentice=apprentice))
    db.session.commit()
    refused(User(name="Ada again", email="ada2@example.org", role=Role.APPRENTICE, apprentice=apprentice))
    refused(User(name="Copy", email="ada@example.org", role=Role.COORDINATOR))


def test_emails_are_stored_in_lower_case(programme):
    refused(User(name="Upper", email="Upper@Example.org", role=Role.COORDINATOR))


def test_ksb_codes_match_their_kind(programme):
    refused(Ksb(standard=programme["standard"], code="S1", kind=KsbKind.KNOWLEDGE, description="x"))
    refused(Ksb(standard=programme["standard"], code="K1", kind=KsbKind.KNOWLEDGE, description="a"),
            Ksb(standard=programme["standard"], code="K1", kind=KsbKind.KNOWLEDGE, description="b"))


def test_standard_levels_are_two_to_seven(programme):
    programme["standard"].level = 8
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_review_is_rated_only_once_held_and_signed_once_per_party(programme):
    apprentice, coordinator = programme["apprentice"], programme["coordinator"]
    refused(ProgressReview(apprentice=apprentice, scheduled_date=date(2026, 12, 1), rag=Rag.GREEN))
    review = ProgressReview(apprentice=apprentice, scheduled_date=date(2026, 12, 1), held_date=date(2026, 12, 2),
                            rag=Rag.GREEN)
    db.session.add(review)
    db.session.commit()
    db.session.add(ReviewSignoff(review=review, party=SignoffParty.COORDINATOR, user_id=coordinator.id))
    db.session.commit()
    refused(ReviewSignoff(review=review, party=SignoffParty.COORDINATOR, user_id=coordinator.id))


def test_placements_have_places_and_sensible_dates(programme):
    employer = EmployerPartner(name="Kestrel", sector="Logistics", size=OrganisationSize.SMALL)
    start = date(2027, 1, 4)

    def placement(**overrides):
        values = {"employer": employer, "title": "Data", "description": "d", "working_pattern": WorkingPattern.HYBRID,
                  "minutes_per_week": 30 * 60, "start_date": start, "end_date": start + timedelta(weeks=12)}
        return Placement(**{**values, **overrides})

    refused(placement(places=0))
    refused(placement(end_date=start - timedelta(days=1)))
    refused(placement(closing_date=start + timedelta(days=1)))
    db.session.add(placement(places=2, closing_date=start - timedelta(days=14)))
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Placement)) == 1


def test_a_snapshot_share_link_holds_its_figures(programme):
    refused(ShareLink(cohort=programme["cohort"], label="Board", token_hash="a" * 64, mode=ShareMode.SNAPSHOT))


def test_timestamps_come_back_in_utc(programme):
    created = db.session.scalar(sa.select(User.created_at))
    assert created.utcoffset() == timedelta(0)
