"""The demo programme: what the issue promises a person judging the product will find."""

from datetime import date, timedelta

import sqlalchemy as sa

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    Cohort,
    EmployerPartner,
    LogEntry,
    Mentor,
    Placement,
    PlacementAssignment,
    ProgressReview,
    Rag,
    Role,
    TrainingProvider,
    User,
)
from apprenticeships.services.demo import current_cohort_start, load_demo
from apprenticeships.services.passwords import password_matches


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def cohorts() -> tuple[Cohort, Cohort]:
    current, earlier = db.session.scalars(sa.select(Cohort).order_by(Cohort.start_date.desc())).all()
    return current, earlier


def test_the_current_cohort_has_21_apprentices_across_seven_areas_some_part_time(demo_db):
    current, _ = cohorts()
    assert current.start_date.month == 9  # started in the autumn
    apprentices = current.apprentices
    assert len(apprentices) == 21
    assert len({a.service_area for a in apprentices}) == 7
    assert len({a.standard_id for a in apprentices}) >= 5
    assert len({a.provider_id for a in apprentices}) == 3
    assert any(a.is_part_time for a in apprentices)


def test_the_earlier_cohort_has_finished_with_completions_and_one_withdrawal(demo_db):
    _, earlier = cohorts()
    statuses = [a.status for a in earlier.apprentices]
    assert statuses.count(ApprenticeStatus.WITHDRAWN) == 1
    assert statuses.count(ApprenticeStatus.COMPLETED) == len(statuses) - 1 >= 5
    assert all(a.epa_outcome is not None for a in earlier.apprentices if a.status == ApprenticeStatus.COMPLETED)


def test_people_and_partners(demo_db):
    assert count(TrainingProvider) == 3
    assert count(Mentor) == 6
    assert count(EmployerPartner) == 8
    assert count(Placement) >= 8
    assert count(ApprenticeshipStandard) >= 5


def test_nine_months_of_progress_entries_and_reviews(demo_db):
    current, _ = cohorts()
    first, last = db.session.execute(
        sa.select(sa.func.min(LogEntry.activity_date), sa.func.max(LogEntry.activity_date))
        .join(Apprentice).where(Apprentice.cohort_id == current.id)
    ).one()
    assert (last - first).days >= 270
    assert last <= date.today()
    held = count(ProgressReview, ProgressReview.held_date.is_not(None))
    assert held >= 21 * 2


def test_some_apprentices_are_visibly_at_risk(demo_db):
    current, _ = cohorts()
    today = date.today()
    ids = [a.id for a in current.apprentices]
    on_break = count(Apprentice, Apprentice.id.in_(ids), Apprentice.status == ApprenticeStatus.BREAK_IN_LEARNING)
    assert on_break == 1
    # A red rating on a review.
    assert count(ProgressReview, ProgressReview.apprentice_id.in_(ids), ProgressReview.rag == Rag.RED) >= 1
    # A review overdue: scheduled more than 12 weeks ago and not held.
    overdue = count(ProgressReview, ProgressReview.apprentice_id.in_(ids), ProgressReview.held_date.is_(None),
                    ProgressReview.scheduled_date < today - timedelta(weeks=12))
    assert overdue >= 1
    # Someone active who has logged nothing for four weeks.
    recent = sa.select(LogEntry.apprentice_id).where(LogEntry.activity_date >= today - timedelta(weeks=4))
    silent = count(Apprentice, Apprentice.id.in_(ids), Apprentice.status == ApprenticeStatus.ACTIVE,
                   Apprentice.id.not_in(recent))
    assert silent >= 1


def test_the_demo_sign_ins_are_connected_as_the_issue_describes(demo_db):
    users = {u.email: u for u in db.session.scalars(sa.select(User).where(User.email.like("%@example.org")))}
    assert {u.role for u in users.values()} == set(Role)
    for user in users.values():
        assert password_matches(user.password_hash, "demo-password-2026")
    apprentice = users["apprentice@example.org"].apprentice
    assert apprentice.mentor_id == users["mentor@example.org"].mentor_id
    placed_with = db.session.scalars(
        sa.select(Placement.employer_id).join(PlacementAssignment)
        .where(PlacementAssignment.apprentice_id == apprentice.id, PlacementAssignment.status == "active")
    ).all()
    assert placed_with == [users["employer@example.org"].employer_id]


def test_loading_again_changes_nothing(demo_db):
    before = count(Apprentice), count(LogEntry), count(User)
    assert load_demo() is False
    assert (count(Apprentice), count(LogEntry), count(User)) == before


def test_the_current_cohort_is_the_latest_autumn_at_least_nine_months_back():
    assert current_cohort_start(date(2026, 11, 24)) == date(2025, 9, 1)
    assert current_cohort_start(date(2027, 6, 15)) == date(2026, 9, 7)
