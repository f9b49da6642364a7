"""The review interval: 12 weeks (older rules) or 3 calendar months (2025/26 rules)."""

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from apprenticeships.models import ProgrammeSettings, ReviewIntervalUnit
from apprenticeships.services.progress import add_months, review_due_after, review_overdue_before

WEEKS = ProgrammeSettings(review_interval_unit=ReviewIntervalUnit.WEEKS, review_interval_value=12)
MONTHS = ProgrammeSettings(review_interval_unit=ReviewIntervalUnit.MONTHS, review_interval_value=3)
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))


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
    for settings in (WEEKS, MONTHS):
        if a <= b:
            assert review_due_after(a, settings) <= review_due_after(b, settings)


@given(days)
def test_overdue_exactly_when_the_due_date_has_passed(today):
    for settings in (WEEKS, MONTHS):
        cutoff = review_overdue_before(today, settings)
        assert review_due_after(cutoff, settings) <= today
