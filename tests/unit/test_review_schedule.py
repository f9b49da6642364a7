"""When a progress review is due: the interval (12 weeks, or 3 calendar months under the 2025/26
rules), breaks in learning moving it later, and the SQL for lists agreeing with the rule."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apprenticeships.extensions import db
from apprenticeships.models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    BreakInLearning,
    Cohort,
    ProgrammeSettings,
    ProgressReview,
    Rag,
    ReviewIntervalUnit,
    ServiceArea,
    TrainingProvider,
)
from apprenticeships.services import calendar
from apprenticeships.services.progress import (
    Pause,
    ReviewClock,
    add_months,
    next_review,
    progress_subquery,
    review_clock_for,
    review_due_after,
    review_due_on,
)
from apprenticeships.services.reviews import DueReview

WEEKS = ProgrammeSettings(review_interval_unit=ReviewIntervalUnit.WEEKS, review_interval_value=12)
MONTHS = ProgrammeSettings(review_interval_unit=ReviewIntervalUnit.MONTHS, review_interval_value=3)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
START = date(2025, 9, 1)


def test_examples():
    assert review_due_after(date(2025, 9, 1), WEEKS) == date(2025, 11, 24)
    assert review_due_after(date(2025, 11, 30), MONTHS) == date(2026, 2, 28)  # no 30 February
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)


@given(days)
def test_twelve_weeks_is_exactly_84_days(day):
    assert review_due_after(day, WEEKS) - day == timedelta(days=84)


@given(days)
def test_three_months_lands_on_the_same_day_or_the_month_end(day):
    due = review_due_after(day, MONTHS)
    assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == 3
    assert due.day == day.day or (due.day < day.day and (due + timedelta(days=1)).day == 1)


@given(days, days)
def test_due_dates_keep_their_order(a, b):
    for rules in (WEEKS, MONTHS):
        if a <= b:
            assert review_due_after(a, rules) <= review_due_after(b, rules)


def test_due_an_interval_after_the_last_review_or_the_start():
    today = START + timedelta(weeks=30)
    assert review_due_on(ReviewClock(START, None), WEEKS, today) == START + timedelta(weeks=12)
    held = START + timedelta(weeks=13)
    assert review_due_on(ReviewClock(START, held), WEEKS, today) == held + timedelta(weeks=12)
    assert review_due_on(ReviewClock(START, held), MONTHS, today) == add_months(held, 3)


def test_a_break_moves_the_due_date_later_by_its_length():
    back = Pause(START + timedelta(weeks=4), START + timedelta(weeks=10), START + timedelta(weeks=9))
    assert review_due_on(ReviewClock(START, None, (back,)), WEEKS, START + timedelta(weeks=20)) \
        == START + timedelta(weeks=12 + 5)
    # Still going: counted to the expected return, then to today once that has passed.
    going = Pause(START + timedelta(weeks=4), START + timedelta(weeks=10), None)
    assert review_due_on(ReviewClock(START, None, (going,)), WEEKS, START + timedelta(weeks=5)) \
        == START + timedelta(weeks=12 + 6)
    assert review_due_on(ReviewClock(START, None, (going,)), WEEKS, START + timedelta(weeks=11)) \
        == START + timedelta(weeks=12 + 7)
    # A break that began after the review was due does not move it, nor does one before the last review.
    late = Pause(START + timedelta(weeks=14), START + timedelta(weeks=20), START + timedelta(weeks=20))
    assert review_due_on(ReviewClock(START, None, (late,)), WEEKS, START + timedelta(weeks=30)) \
        == START + timedelta(weeks=12)
    assert review_due_on(ReviewClock(START, START + timedelta(weeks=21), (late,)), WEEKS,
                         START + timedelta(weeks=30)) == START + timedelta(weeks=33)


def test_no_review_is_due_after_leaving_or_gateway_and_none_is_overdue_on_a_break():
    assert review_due_on(ReviewClock(START, None, reviewed=False), WEEKS, START + timedelta(weeks=30)) is None
    today = START + timedelta(weeks=20)
    due = START + timedelta(weeks=12)
    assert next_review(due, None, ApprenticeStatus.ACTIVE, today).overdue
    assert not next_review(due, None, ApprenticeStatus.BREAK_IN_LEARNING, today).overdue
    assert not next_review(None, due, ApprenticeStatus.WITHDRAWN, today).overdue
    assert not next_review(today, None, ApprenticeStatus.ACTIVE, today).overdue  # due by the end of the day
    late = next_review(due, due + timedelta(days=1), ApprenticeStatus.ACTIVE, START)
    assert late.scheduled_late and not next_review(due, due, ApprenticeStatus.ACTIVE, START).scheduled_late


@st.composite
def clocks(draw) -> tuple[ReviewClock, ApprenticeStatus, date | None]:
    """An apprentice's start, held reviews, breaks (apart, the last perhaps still going), status and gateway."""
    start = draw(st.dates(min_value=date(2021, 1, 1), max_value=date(2028, 12, 31)))
    held = draw(st.none() | st.integers(0, 700).map(lambda d: start + timedelta(days=d)))
    breaks, cursor = [], start + timedelta(days=draw(st.integers(-30, 300)))
    for _ in range(draw(st.integers(0, 3))):
        cursor = max(cursor, start)
        expected = draw(st.integers(28, 120))
        ended = draw(st.booleans())
        returned = cursor + timedelta(days=draw(st.integers(0, 150))) if ended else None
        breaks.append(Pause(cursor, cursor + timedelta(days=expected), returned))
        if not ended:
            break
        cursor = returned + timedelta(days=draw(st.integers(1, 200)))
    still_on_break = bool(breaks) and breaks[-1].returned_on is None
    status = ApprenticeStatus.BREAK_IN_LEARNING if still_on_break else draw(st.sampled_from(
        [ApprenticeStatus.ACTIVE, ApprenticeStatus.ACTIVE, ApprenticeStatus.WITHDRAWN, ApprenticeStatus.COMPLETED]))
    gateway = draw(st.none() | st.just(start + timedelta(days=400)))
    reviewed = status in ApprenticeStatus.CURRENT and gateway is None
    return ReviewClock(start, held, tuple(breaks), reviewed), status, gateway


def _store(clock: ReviewClock, status: ApprenticeStatus, gateway: date | None, refs: dict) -> Apprentice:
    ended = clock.start + timedelta(days=500)
    apprentice = Apprentice(
        first_name="Test", last_name="Learner", cohort=refs["cohort"], provider=refs["provider"],
        standard=refs["standard"], service_area=ServiceArea.DATA, contracted_minutes_per_week=37 * 60,
        start_date=clock.start, planned_end_date=clock.start + timedelta(days=900), status=status,
        gateway_date=gateway, withdrawal_date=ended if status == ApprenticeStatus.WITHDRAWN else None,
        completion_date=ended if status == ApprenticeStatus.COMPLETED else None)
    apprentice.breaks = [BreakInLearning(start_date=p.start, expected_return_date=p.expected_return,
                                         returned_on=p.returned_on, reason="test") for p in clock.breaks]
    db.session.add(apprentice)
    if clock.last_held:
        db.session.add(ProgressReview(apprentice=apprentice, scheduled_date=clock.last_held,
                                      held_date=clock.last_held, rag=Rag.GREEN))
        earlier = max(clock.start, clock.last_held - timedelta(days=90))
        db.session.add(ProgressReview(apprentice=apprentice, scheduled_date=earlier, held_date=earlier, rag=Rag.RED))
    db.session.add(ProgressReview(apprentice=apprentice, scheduled_date=clock.start + timedelta(days=77)))
    # Someone else with other reviews and breaks, which must not count for this apprentice.
    other = Apprentice(first_name="Other", last_name="Learner", cohort=refs["cohort"], provider=refs["provider"],
                       standard=refs["standard"], service_area=ServiceArea.DATA, contracted_minutes_per_week=37 * 60,
                       start_date=START, planned_end_date=START + timedelta(days=900))
    other.breaks = [BreakInLearning(start_date=START + timedelta(days=30), expected_return_date=START + timedelta(
        days=90), reason="test")]
    db.session.add_all([other, ProgressReview(apprentice=other, scheduled_date=date(2031, 1, 1),
                                              held_date=date(2031, 1, 1), rag=Rag.GREEN)])
    db.session.flush()
    return apprentice


def _sql_due(apprentice_id: int, today: date) -> date | None:
    progress = progress_subquery(today)
    return db.session.scalar(sa.select(progress.c.review_due_date).where(progress.c.apprentice_id == apprentice_id))


@settings(max_examples=80, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(facts=clocks(), today=days, rules=st.sampled_from([(ReviewIntervalUnit.WEEKS, 12),
                                                          (ReviewIntervalUnit.MONTHS, 3),
                                                          (ReviewIntervalUnit.MONTHS, 1)]))
def test_the_sql_due_date_equals_the_rule(empty_app, facts, today, rules):
    clock, status, gateway = facts
    programme = ProgrammeSettings.current()
    programme.review_interval_unit, programme.review_interval_value = rules
    refs = {"cohort": Cohort(name="c", start_date=START), "provider": TrainingProvider(name="p"),
            "standard": ApprenticeshipStandard(reference="ST0001", title="t", level=3, otj_minimum_hours=300,
                                               typical_duration_months=12)}
    try:
        apprentice = _store(clock, status, gateway, refs)
        assert _sql_due(apprentice.id, today) == review_due_on(clock, programme, today)
        # The same facts read back from the stored apprentice give the same answer.
        assert review_due_on(review_clock_for(apprentice, clock.last_held), programme, today) \
            == review_due_on(clock, programme, today)
    finally:
        db.session.rollback()


@pytest.mark.parametrize("unit,value", [(ReviewIntervalUnit.WEEKS, 12), (ReviewIntervalUnit.MONTHS, 3)])
def test_the_sql_due_date_equals_the_rule_for_every_demo_apprentice(demo_db, unit, value):
    programme = ProgrammeSettings.current()
    programme.review_interval_unit, programme.review_interval_value = unit, value
    db.session.flush()
    today = date.today()
    for apprentice in db.session.scalars(sa.select(Apprentice)):
        last_held = db.session.scalar(sa.select(sa.func.max(ProgressReview.held_date)).where(
            ProgressReview.apprentice_id == apprentice.id))
        assert _sql_due(apprentice.id, today) == review_due_on(review_clock_for(apprentice, last_held), programme,
                                                               today), apprentice.full_name


def test_a_booked_day_gone_by_is_known_and_the_calendar_event_is_on_the_day_booked():
    today = date(2026, 12, 1)
    active = ApprenticeStatus.ACTIVE
    booked_early = next_review(date(2026, 10, 29), date(2026, 10, 26), active, today)
    assert booked_early.overdue and booked_early.scheduled_passed and not booked_early.scheduled_late
    assert not next_review(date(2027, 1, 19), date(2027, 1, 18), active, today).scheduled_passed
    assert not next_review(None, date(2026, 10, 26), ApprenticeStatus.WITHDRAWN, today).scheduled_passed

    def event(next_) -> dict[str, str]:
        body = calendar.ics([DueReview(1, "Liam Walsh", 7, next_)], "example.org", "Council",
                            lambda review_id: f"https://example.org/reviews/{review_id}")
        block = body.replace("\r\n ", "").split("BEGIN:VEVENT\r\n")[1].split("\r\nEND:VEVENT")[0]
        return dict(line.split(":", 1) for line in block.split("\r\n"))

    # Booked the day before it is due: the meeting day, saying when it is due.
    meeting = event(next_review(date(2027, 1, 19), date(2027, 1, 18), active, today))
    assert meeting["DTSTART;VALUE=DATE"] == "20270118" and meeting["DTEND;VALUE=DATE"] == "20270119"
    assert meeting["SUMMARY"] == "Progress review: Liam Walsh"
    assert meeting["DESCRIPTION"].startswith("Is due by 19 January 2027.")
    assert "after it is due" not in meeting["DESCRIPTION"].lower()
    # Booked after it is due.
    late = event(next_review(date(2027, 1, 19), date(2027, 2, 2), active, today))
    assert late["DTSTART;VALUE=DATE"] == "20270202"
    assert late["DESCRIPTION"].startswith("Is due by 19 January 2027. Booked after it is due.")
    # Booked for a day gone by and not recorded.
    gone = event(booked_early)
    assert gone["DTSTART;VALUE=DATE"] == "20261026"
    assert gone["DESCRIPTION"].startswith("Was due by 29 October 2026. Overdue. Not recorded as held yet.")
    # Nothing booked: on the day it is due.
    unbooked = event(next_review(date(2027, 1, 19), None, active, today))
    assert unbooked["DTSTART;VALUE=DATE"] == "20270119" and unbooked["SUMMARY"] == "Progress review due: Liam Walsh"
