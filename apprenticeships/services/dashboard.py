"""The coordinator's and mentor's view of who needs attention, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..models import (
    Apprentice,
    ApprenticeStatus,
    AssignmentStatus,
    Cohort,
    Placement,
    PlacementAssignment,
    PlacementStatus,
    ProgrammeSettings,
)
from . import changes, reviews
from .pagination import Listing, first_with_total
from .progress import progress_subquery, risk_conditions

AT_RISK_SHOWN = 50
DUE_SOON_SHOWN = 20


@dataclass(frozen=True)
class Reason:
    code: str
    text: str
    anchor: str  # the part of the apprentice's page where it can be put right


@dataclass(frozen=True)
class AtRisk:
    """Plain values, not database objects, so that the list can be cached between requests."""

    apprentice_id: int
    name: str
    standard: str
    cohort: str
    reasons: tuple[Reason, ...]


def _nothing_logged_words(last_logged: date | None, started: date, today: date) -> str:
    """How long it has really been: "Nothing logged for 7 weeks, since 12 October 2026"."""
    since = last_logged or started
    weeks = (today - since).days // 7
    when = f"{since.day} {since:%B %Y}"
    if last_logged is None:
        return f"Nothing logged in the {weeks} weeks since starting on {when}"
    return f"Nothing logged for {weeks} weeks, since {when}"


def _reasons(row, settings: ProgrammeSettings, today: date) -> tuple[Reason, ...]:
    reasons = []
    if row.review_overdue:
        due = row.review_due_date
        reasons.append(Reason("review_overdue", f"Progress review overdue: it was due by {due.day} {due:%B %Y}",
                              "reviews"))
    if row.otj_behind:
        verified, expected = row.verified_minutes / 60, row.expected_minutes / 60
        reasons.append(Reason("otj_behind", f"Off-the-job hours behind: {verified:.0f} verified of "
                                            f"{expected:.0f} expected by now", "progress"))
    if row.red_review:
        reasons.append(Reason("red_review", "Last review rated red", "reviews"))
    if row.nothing_logged:
        reasons.append(Reason("nothing_logged", _nothing_logged_words(row.last_log_date, row[0].start_date, today),
                              "progress"))
    if row.past_planned_end:
        reasons.append(Reason("past_planned_end", "Planned end date has passed", "status"))
    return tuple(reasons)


def at_risk(scope_key: str, scope: sa.ColumnElement[bool], today: date, settings: ProgrammeSettings,
            limit: int = AT_RISK_SHOWN) -> tuple[list[AtRisk], int]:
    """Apprentices in current cohorts within `scope` who are at risk (the first `limit`), and how many there are.

    Working this out takes a while at scale, so the answer is kept until the programme's data
    or the date changes; `scope_key` names the scope (whose apprentices) in that cache.
    """
    return changes.cached(("at_risk", scope_key, today, limit),
                          lambda: _at_risk(scope, today, settings, limit))


def _at_risk(scope: sa.ColumnElement[bool], today: date, settings: ProgrammeSettings,
             limit: int) -> tuple[list[AtRisk], int]:
    progress = progress_subquery(today)
    risk = risk_conditions(progress, today, settings)
    # Every reason applies only to active apprentices: saying so up front lets the database
    # work out progress for them alone rather than for everyone who ever took part.
    where = [scope, Apprentice.status == ApprenticeStatus.ACTIVE, Cohort.archived_at.is_(None), risk.any()]
    rows, total = first_with_total(
        sa.select(Apprentice).join(Cohort).join(progress, progress.c.apprentice_id == Apprentice.id).where(*where)
        .add_columns(
            progress.c.verified_minutes, progress.c.expected_minutes, progress.c.review_due_date,
            progress.c.last_log_date, risk.review_overdue.label("review_overdue"), risk.otj_behind.label("otj_behind"),
            risk.red_review.label("red_review"), risk.nothing_logged.label("nothing_logged"),
            risk.past_planned_end.label("past_planned_end"),
        )
        .options(joinedload(Apprentice.cohort), joinedload(Apprentice.standard))
        .order_by(Apprentice.last_name, Apprentice.first_name, Apprentice.id), limit)
    return [AtRisk(row[0].id, row[0].full_name, row[0].standard.display_name, row[0].cohort.name,
                   _reasons(row, settings, today)) for row in rows], total


# The reviews due in the next 14 days: the same list, by the same rule, as the reviews page's.
ReviewDue = reviews.DueReview


def reviews_due(scope_key: str, scope: sa.ColumnElement[bool], today: date,
                limit: int = DUE_SOON_SHOWN) -> tuple[list[ReviewDue], int]:
    """Reviews due in the next 14 days for the apprentices in `scope` (the soonest `limit`), and how
    many there are. Kept like the at-risk list until the data or the date changes."""
    return changes.cached(("reviews_due", scope_key, today, limit), lambda: _reviews_due(scope, today, limit))


def _reviews_due(scope: sa.ColumnElement[bool], today: date, limit: int) -> tuple[list[ReviewDue], int]:
    due = reviews.due_soon(scope, today, limit=limit)
    return due.items, due.total


WAITING_SHOWN = 10  # of each kind of placement work waiting; the placements page has them all


# Built once (pagination.Listing says why), as the two lists below.
_PLACEMENTS_AWAITING_APPROVAL = Listing(
    sa.select(Placement).where(Placement.status == PlacementStatus.SUBMITTED)
    .options(joinedload(Placement.employer))
    .order_by(Placement.submitted_at.asc().nulls_last(), Placement.id))  # as placements.longest_waiting
_PROPOSALS_AWAITING_EMPLOYERS = Listing(
    sa.select(PlacementAssignment).where(PlacementAssignment.status == AssignmentStatus.PROPOSED)
    .options(joinedload(PlacementAssignment.apprentice),
             joinedload(PlacementAssignment.placement).joinedload(Placement.employer))
    .order_by(PlacementAssignment.proposed_at, PlacementAssignment.id))


def placements_awaiting_approval(limit: int = WAITING_SHOWN) -> tuple[list[Placement], int]:
    """The placements submitted for approval longest ago, and how many are waiting in all."""
    rows, total = _PLACEMENTS_AWAITING_APPROVAL.first(limit)
    return [row[0] for row in rows], total


def proposals_awaiting_employers(limit: int = WAITING_SHOWN) -> tuple[list[PlacementAssignment], int]:
    """The proposals waiting longest for an employer's answer, and how many are waiting in all."""
    rows, total = _PROPOSALS_AWAITING_EMPLOYERS.first(limit)
    return [row[0] for row in rows], total
