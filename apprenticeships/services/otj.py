"""Off-the-job (OTJ) training hours: how many an apprentice should have logged by now.

The rules (DOMAIN.md) depend on when the apprenticeship started:
- before 1 August 2022: 20% of contracted hours, week by week;
- 1 August 2022 to 31 July 2025: 6 hours a week for 30+ hour weeks; part-time, 20% of their hours;
- from 1 August 2025: a fixed minimum per standard, spread evenly over the planned weeks.

"Weeks in learning" leave out breaks in learning, and stop at gateway (no OTJ hours count
after it), withdrawal or completion. A break that has ended has already moved the planned
end date out by its length, so it is taken off the planned span; one still going has not.

This module is the specification: `apprenticeships.services.progress` computes the same
figures in SQL so that tables can filter and sort on them, and a test holds the two equal.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

PER_STANDARD_FROM = date(2025, 8, 1)
SIX_HOURS_FROM = date(2022, 8, 1)
FULL_TIME_MINUTES = 30 * 60
BEHIND_MARGIN = 0.9  # "behind" when verified hours are more than 10% under the expected figure


@dataclass(frozen=True)
class Break:
    start: date
    returned_on: date | None  # None while the break goes on


@dataclass(frozen=True)
class Learner:
    """What the arithmetic needs to know about an apprentice."""

    start: date
    planned_end: date
    contracted_minutes_per_week: int
    standard_minimum_hours: int
    stopped_on: date | None = None  # gateway, withdrawal or completion: whichever came first
    breaks: tuple[Break, ...] = ()


def _overlap_days(start: date, end: date, breaks: Iterable[Break], today: date) -> int:
    """Days of breaks that fall between start and end (a running break runs until today)."""
    total = 0
    for b in breaks:
        b_end = min(b.returned_on or today, today)
        total += max(0, (min(b_end, end) - max(b.start, start)).days)
    return total


def planned_days_in_learning(learner: Learner) -> int:
    ended_breaks = [b for b in learner.breaks if b.returned_on is not None]
    span = (learner.planned_end - learner.start).days
    return max(0, span - sum((b.returned_on - b.start).days for b in ended_breaks))


def days_in_learning(learner: Learner, today: date) -> int:
    """Days from the start to today (or the stop), less breaks, never beyond the planned span."""
    end = min(today, learner.stopped_on or today)
    if end <= learner.start:
        return 0
    elapsed = (end - learner.start).days - _overlap_days(learner.start, end, learner.breaks, today)
    return max(0, min(elapsed, planned_days_in_learning(learner)))


def weekly_minutes_required(learner: Learner) -> float | None:
    """For the week-by-week rules, the minutes a week; None under the per-standard rule."""
    if learner.start >= PER_STANDARD_FROM:
        return None
    fifth = learner.contracted_minutes_per_week * 0.2
    if learner.start >= SIX_HOURS_FROM and learner.contracted_minutes_per_week >= FULL_TIME_MINUTES:
        return 6 * 60
    return fifth


def total_minutes_required(learner: Learner) -> float:
    """The whole apprenticeship's OTJ minimum, in minutes."""
    weekly = weekly_minutes_required(learner)
    if weekly is None:
        return learner.standard_minimum_hours * 60
    return weekly * planned_days_in_learning(learner) / 7


def expected_minutes_to_date(learner: Learner, today: date) -> float:
    """The minimum spread evenly over the planned days in learning, times the days so far."""
    planned = planned_days_in_learning(learner)
    if planned == 0:
        return 0.0
    return total_minutes_required(learner) * days_in_learning(learner, today) / planned


def is_behind(verified_minutes: float, expected_minutes: float) -> bool:
    """More than 10% under the figure expected by now: at risk, reminded, not counted as on track."""
    return expected_minutes > 0 and verified_minutes < BEHIND_MARGIN * expected_minutes


# Under this many minutes short is on track: the figure expected by now is an estimate, shown to the hour.
ON_TRACK_SHORTFALL = 30


class Pace(enum.Enum):
    """How an apprentice's verified off-the-job hours stand against the figure expected by now, in the
    words every page uses (`pace` decides). Slightly behind is short, but by no more than the 10% that
    counts as behind (`is_behind`): not at risk, and not yet reminded, but not on track either."""

    ON_TRACK = "On track"
    SLIGHTLY_BEHIND = "Slightly behind"
    BEHIND = "Behind"

    @property
    def label(self) -> str:
        return self.value

    @property
    def tag_class(self) -> str:
        return {"ON_TRACK": "govuk-tag--green", "SLIGHTLY_BEHIND": "govuk-tag--yellow",
                "BEHIND": "govuk-tag--red"}[self.name]


def pace(verified_minutes: float, expected_minutes: float) -> Pace:
    """The one rule for "On track", "Slightly behind" and "Behind" (see Pace)."""
    if is_behind(verified_minutes, expected_minutes):
        return Pace.BEHIND
    if expected_minutes - verified_minutes >= ON_TRACK_SHORTFALL:
        return Pace.SLIGHTLY_BEHIND
    return Pace.ON_TRACK
