"""Off-the-job hours: the arithmetic (DOMAIN.md), its properties, and SQL agreeing with it."""

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
    BreakInLearning,
    Cohort,
    ServiceArea,
    TrainingProvider,
)
from apprenticeships.services.otj import (
    Break,
    Learner,
    Pace,
    days_in_learning,
    expected_minutes_to_date,
    is_behind,
    pace,
    planned_days_in_learning,
    total_minutes_required,
)
from apprenticeships.services.progress import learner_for, progress_subquery

START = date(2025, 9, 1)


def learner(**overrides) -> Learner:
    values = {"start": START, "planned_end": START + timedelta(weeks=100), "contracted_minutes_per_week": 37 * 60,
              "standard_minimum_hours": 500}
    return Learner(**{**values, **overrides})


def test_per_standard_minimum_is_spread_evenly_over_the_planned_weeks():
    one = learner()
    assert total_minutes_required(one) == 500 * 60
    assert expected_minutes_to_date(one, START + timedelta(weeks=50)) == pytest.approx(250 * 60)
    assert expected_minutes_to_date(one, START + timedelta(weeks=200)) == pytest.approx(500 * 60)
    assert expected_minutes_to_date(one, START - timedelta(days=3)) == 0


def test_2022_to_2025_starts_need_six_hours_a_week_or_a_fifth_part_time():
    full = learner(start=date(2023, 9, 4), planned_end=date(2023, 9, 4) + timedelta(weeks=60))
    assert total_minutes_required(full) == pytest.approx(6 * 60 * 60)
    part = learner(start=date(2023, 9, 4), planned_end=date(2023, 9, 4) + timedelta(weeks=60),
                   contracted_minutes_per_week=20 * 60)
    assert total_minutes_required(part) == pytest.approx(4 * 60 * 60)  # 20% of 20 hours, 60 weeks


def test_starts_before_august_2022_need_a_fifth_of_contracted_hours():
    old = learner(start=date(2021, 9, 6), planned_end=date(2021, 9, 6) + timedelta(weeks=52),
                  contracted_minutes_per_week=35 * 60)
    assert total_minutes_required(old) == pytest.approx(7 * 60 * 52)


def test_a_running_break_pauses_the_expected_line():
    paused = learner(breaks=(Break(START + timedelta(weeks=10), None),))
    at_break = expected_minutes_to_date(paused, START + timedelta(weeks=10))
    assert expected_minutes_to_date(paused, START + timedelta(weeks=16)) == pytest.approx(at_break)


def test_an_ended_break_moves_the_end_out_and_is_left_out_of_the_weeks():
    # The planned end already moved out by the 6 weeks of the break, as the app does on return.
    returned = learner(planned_end=START + timedelta(weeks=106),
                       breaks=(Break(START + timedelta(weeks=10), START + timedelta(weeks=16)),))
    assert planned_days_in_learning(returned) == 100 * 7
    assert days_in_learning(returned, START + timedelta(weeks=20)) == 14 * 7
    assert expected_minutes_to_date(returned, START + timedelta(weeks=20)) == pytest.approx(500 * 60 * 14 / 100)


def test_gateway_or_withdrawal_stops_the_clock():
    stopped = learner(stopped_on=START + timedelta(weeks=40))
    assert expected_minutes_to_date(stopped, START + timedelta(weeks=80)) == pytest.approx(200 * 60)


def test_behind_means_more_than_ten_percent_under():
    assert not is_behind(90, 100)
    assert is_behind(89.9, 100)
    assert not is_behind(0, 0)


def test_on_track_only_when_the_figure_expected_is_reached_and_slightly_behind_up_to_ten_percent_under():
    minutes = 300 * 60  # expected by now
    assert pace(minutes, minutes) is Pace.ON_TRACK
    assert pace(minutes - 29, minutes) is Pace.ON_TRACK  # under half an hour: the estimate is to the hour
    assert pace(minutes - 30, minutes) is Pace.SLIGHTLY_BEHIND
    assert pace(0.9 * minutes, minutes) is Pace.SLIGHTLY_BEHIND  # 10% under: not yet behind
    assert pace(0.9 * minutes - 1, minutes) is Pace.BEHIND
    assert pace(0, 0) is Pace.ON_TRACK and pace(2 * minutes, minutes) is Pace.ON_TRACK
    assert [p.label for p in Pace] == ["On track", "Slightly behind", "Behind"]


dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2029, 12, 31))


@st.composite
def learners(draw) -> Learner:
    start = draw(dates)
    planned_end = start + timedelta(days=draw(st.integers(240, 1500)))
    breaks = []
    cursor = start + timedelta(days=draw(st.integers(1, 200)))
    for _ in range(draw(st.integers(0, 2))):
        length = draw(st.integers(28, 120))
        ended = draw(st.booleans())
        breaks.append(Break(cursor, cursor + timedelta(days=length) if ended else None))
        if not ended:
            break
        cursor += timedelta(days=length + draw(st.integers(1, 100)))
    stopped = draw(st.none() | st.integers(30, 1500).map(lambda d: start + timedelta(days=d)))
    return Learner(start=start, planned_end=planned_end, stopped_on=stopped, breaks=tuple(breaks),
                   contracted_minutes_per_week=draw(st.integers(4, 40)) * 60,
                   standard_minimum_hours=draw(st.integers(278, 1531)))


@given(learners(), dates, st.integers(0, 400))
def test_expected_never_falls_and_never_passes_the_total(one, today, later):
    now = expected_minutes_to_date(one, today)
    assert 0 <= now <= total_minutes_required(one) + 1e-6
    assert expected_minutes_to_date(one, today + timedelta(days=later)) >= now - 1e-6


def _store(one: Learner, refs: dict) -> Apprentice:
    apprentice = Apprentice(
        first_name="Test", last_name="Learner", cohort=refs["cohort"], provider=refs["provider"],
        standard=refs["standards"][one.standard_minimum_hours], service_area=ServiceArea.DATA,
        contracted_minutes_per_week=one.contracted_minutes_per_week, start_date=one.start,
        planned_end_date=one.planned_end, gateway_date=one.stopped_on,
    )
    apprentice.breaks = [BreakInLearning(start_date=b.start, expected_return_date=b.start + timedelta(days=28),
                                         returned_on=b.returned_on, reason="test") for b in one.breaks]
    db.session.add(apprentice)
    db.session.flush()
    return apprentice


def _sql_expected(apprentice_id: int, today: date) -> tuple[float, float]:
    progress = progress_subquery(today)
    return db.session.execute(sa.select(progress.c.expected_minutes, progress.c.total_minutes)
                              .where(progress.c.apprentice_id == apprentice_id)).one()


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(one=learners(), today=dates)
def test_the_sql_figures_equal_the_specification(empty_app, one, today):
    refs = {"cohort": Cohort(name="c", start_date=START), "provider": TrainingProvider(name="p"), "standards": {}}
    refs["standards"][one.standard_minimum_hours] = ApprenticeshipStandard(
        reference="ST0001", title="t", level=3, otj_minimum_hours=one.standard_minimum_hours,
        typical_duration_months=12)
    try:
        apprentice = _store(one, refs)
        expected, total = _sql_expected(apprentice.id, today)
        assert expected == pytest.approx(expected_minutes_to_date(one, today), abs=0.01)
        assert total == pytest.approx(total_minutes_required(one), abs=0.01)
    finally:
        db.session.rollback()


def test_the_sql_figures_equal_the_specification_for_every_demo_apprentice(demo_db):
    today = date.today()
    for apprentice in db.session.scalars(sa.select(Apprentice)):
        expected, _ = _sql_expected(apprentice.id, today)
        assert expected == pytest.approx(expected_minutes_to_date(learner_for(apprentice), today), abs=0.01)
