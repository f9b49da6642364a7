"""A cohort's summary for publishing: aggregates only, passed through disclosure control.

`figures` counts what the records say (never leaving this module unprotected); `publish`
turns them into what may be shown to anyone. Nothing row-level reaches a summary except the
first names and teams of apprentices who agreed to be named, in their own section.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AssignmentStatus,
    BreakInLearning,
    Cohort,
    Placement,
    PlacementAssignment,
    ProgrammeSettings,
    ProgressReview,
    ServiceArea,
    TrainingProvider,
)
from . import disclosure, open_data
from .otj import is_behind
from .progress import Pause, due_when_held, progress_subquery

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
STATUS_LABELS = {s.value: s.label for s in ApprenticeStatus}
ON_TIME_DAYS = 14


def _due_when_held(in_cohort: sa.ColumnElement[bool]) -> list[tuple[date, date]]:
    """Every review held in the cohort, with the day it was due."""
    held, breaks = defaultdict(list), defaultdict(list)
    starts = {}
    for apprentice_id, start, held_on in db.session.execute(
            sa.select(Apprentice.id, Apprentice.start_date, ProgressReview.held_date).join(ProgressReview.apprentice)
            .where(in_cohort, ProgressReview.held_date.is_not(None))):
        starts[apprentice_id] = start
        held[apprentice_id].append(held_on)
    for pause in db.session.scalars(sa.select(BreakInLearning).join(Apprentice).where(in_cohort)):
        breaks[pause.apprentice_id].append(Pause(pause.start_date, pause.expected_return_date, pause.returned_on))
    settings = ProgrammeSettings.current()
    return [pair for apprentice_id, dates in held.items()
            for pair in due_when_held(starts[apprentice_id], dates, tuple(breaks[apprentice_id]), settings)]


def figures(cohort: Cohort, today: date) -> dict[str, Any]:
    """The raw aggregates of a cohort (not safe to publish as they are)."""
    in_cohort = Apprentice.cohort_id == cohort.id
    statuses = dict.fromkeys(STATUS_LABELS, 0) | dict(db.session.execute(
        sa.select(Apprentice.status, sa.func.count()).where(in_cohort).group_by(Apprentice.status)).all())
    intake = sum(statuses.values())
    standards = {f"{t} (level {lv})": n for t, lv, n in db.session.execute(
        sa.select(ApprenticeshipStandard.title, ApprenticeshipStandard.level, sa.func.count())
        .join(Apprentice, Apprentice.standard_id == ApprenticeshipStandard.id).where(in_cohort)
        .group_by(ApprenticeshipStandard.title, ApprenticeshipStandard.level))}
    areas = dict.fromkeys((a.label for a in ServiceArea), 0) | {ServiceArea(a).label: n for a, n in db.session.execute(
        sa.select(Apprentice.service_area, sa.func.count()).where(in_cohort).group_by(Apprentice.service_area))}
    providers = dict(db.session.execute(
        sa.select(TrainingProvider.name, sa.func.count())
        .join(Apprentice, Apprentice.provider_id == TrainingProvider.id).where(in_cohort)
        .group_by(TrainingProvider.name)).all())
    progress = progress_subquery(today)
    rows = db.session.execute(
        sa.select(Apprentice.status, progress.c.verified_minutes, progress.c.expected_minutes)
        .join(progress, progress.c.apprentice_id == Apprentice.id).where(in_cohort)).all()
    active = [r for r in rows if r.status == ApprenticeStatus.ACTIVE]
    on_track = sum(1 for r in active if not is_behind(r.verified_minutes, r.expected_minutes))
    held = _due_when_held(in_cohort)
    # On time: held within 14 days of the date it was due (progress.py's rule, as it stood then).
    on_time = sum(1 for held_on, due in held if (held_on - due).days <= ON_TIME_DAYS)
    placements = db.session.execute(
        sa.select(sa.func.count(sa.distinct(Placement.id)), sa.func.count(sa.distinct(Placement.employer_id)))
        .select_from(PlacementAssignment).join(Placement).join(Apprentice)
        .where(in_cohort, PlacementAssignment.status.in_(
            (*AssignmentStatus.HOSTING, AssignmentStatus.COMPLETED, AssignmentStatus.ENDED_EARLY)))).one()
    return {
        "intake": intake, "start_date": cohort.start_date.isoformat(), "statuses": statuses,
        "standards": standards, "service_areas": areas, "providers": providers,
        "otj_hours_total": round(sum(r.verified_minutes for r in rows) / 60),
        "active": len(active), "on_track": on_track,
        "reviews_held": len(held), "reviews_on_time": on_time,
        "withdrawn": statuses["withdrawn"], "completed": statuses["completed"],
        "placements": placements[0], "employers": placements[1],
    }


def _cells(counts: dict[str, int], threshold: int, labels: dict[str, str] | None = None) -> list[dict]:
    return [{"label": (labels or {}).get(c.label, c.label), "value": c.value, "hidden": c.reason}
            for c in disclosure.protect(counts, threshold)]


def publish(raw: dict[str, Any], threshold: int) -> dict[str, Any]:
    """What may be shown: every count and rate through disclosure control. `hidden` names, for each
    headline figure not shown, the rule that hid it (disclosure.explain says it in words)."""
    intake = raw["intake"]
    mean = disclosure.mean_figure(raw["otj_hours_total"], intake, threshold)
    headline = {
        "intake": disclosure.count_figure(intake, threshold),
        "retention_rate": disclosure.rate_figure(intake - raw["withdrawn"], intake, threshold),
        "completion_rate": disclosure.rate_figure(raw["completed"], intake, threshold),
        "otj_hours_total": disclosure.Figure(raw["otj_hours_total"]) if intake >= threshold
        else disclosure.Figure(None, disclosure.SMALL_BASE),
        "otj_hours_mean": disclosure.Figure(round(mean.value)) if mean.value is not None else mean,
        "on_track_rate": disclosure.rate_figure(raw["on_track"], raw["active"], threshold),
        "reviews_on_time_rate": disclosure.rate_figure(raw["reviews_on_time"], raw["reviews_held"], threshold),
        "placements": disclosure.count_figure(raw["placements"], threshold),
        "employers": disclosure.count_figure(raw["employers"], threshold),
    }
    return {
        "threshold": threshold,
        "intake": headline["intake"].value,
        "start_date": raw["start_date"],
        "statuses": _cells(raw["statuses"], threshold, STATUS_LABELS),
        "standards": _cells(raw["standards"], threshold),
        "service_areas": _cells(raw["service_areas"], threshold),
        "providers": _cells(raw["providers"], threshold),
        **{key: figure.value for key, figure in headline.items() if key != "intake"},
        "hidden": {key: figure.reason for key, figure in headline.items() if figure.reason},
    }


# What each headline figure counts, for saying why one is not shown ("fewer than 5 employers").
COUNTED = {"placements": "placements", "employers": "employer partners"}


def why_hidden(published: dict[str, Any]) -> dict[str, str]:
    """For each headline figure not shown, why not, in words; figures published before reasons were
    kept with them have none, and are only said to be not shown."""
    threshold = published["threshold"]
    return {key: disclosure.explain(reason, threshold, COUNTED.get(key, "people"))
            for key, reason in (published.get("hidden") or {}).items()}


def why_cell_hidden(cell: dict[str, Any], threshold: int) -> str:
    """What a breakdown's table says in place of a hidden count."""
    if cell["hidden"] == disclosure.PRIMARY:
        return f"fewer than {threshold}"
    return f"not shown: {disclosure.explain(cell['hidden'], threshold)}" if cell["hidden"] else "not shown"


def named_apprentices(cohort: Cohort) -> list[tuple[str, str | None]]:
    """First name and team of those who agreed to be named, and only them."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Apprentice.first_name, Apprentice.team)
        .where(Apprentice.cohort_id == cohort.id, Apprentice.consent_to_be_named.is_(True),
               Apprentice.anonymised_at.is_(None))
        .order_by(Apprentice.first_name))]


# A cohort's published figures as open data in DfE's format (services/open_data.py) ---------------

OPEN_DATA_FILTERS = [
    open_data.Column("status", "Status now", "Filter", hint="Where the apprentices who started are now"),
    open_data.Column("service_area", "Service area", "Filter"),
    open_data.Column("standard", "Apprenticeship standard", "Filter"),
    open_data.Column("provider", "Training provider", "Filter"),
]
OPEN_DATA_INDICATORS = [
    open_data.Column("starts", "Starts", "Indicator"),
    open_data.Column("achievements", "Achievements", "Indicator"),
    open_data.Column("withdrawals", "Withdrawals", "Indicator"),
    open_data.Column("retention_rate", "Retention rate", "Indicator", unit="%", dp=0),
    open_data.Column("completion_rate", "Completion rate", "Indicator", unit="%", dp=0),
    open_data.Column("otj_hours_total", "Off-the-job hours verified", "Indicator", dp=0),
    open_data.Column("otj_hours_mean", "Off-the-job hours per apprentice", "Indicator", dp=0),
    open_data.Column("on_track_rate", "On track with their hours, or less than 10% behind", "Indicator",
                     unit="%", dp=0),
    open_data.Column("reviews_on_time_rate", "Progress reviews held on time", "Indicator", unit="%", dp=0),
    open_data.Column("employers", "Employer partners hosting", "Indicator"),
    open_data.Column("placements", "Work placements", "Indicator"),
]
OPEN_DATA_BREAKDOWNS = {"status": "statuses", "service_area": "service_areas", "standard": "standards",
                        "provider": "providers"}


def academic_year(day: date) -> str:
    """The academic year (1 August to 31 July) a day falls in, as EES writes it: 202526."""
    start = day.year if day.month >= 8 else day.year - 1
    return f"{start}{(start + 1) % 100:02d}"


def open_data_period(cohort: Cohort, published: dict[str, Any]) -> str:
    """The time period of a cohort's open data: the academic year its figures' start date falls in (the
    time identifier "Academic year", as DfE's apprenticeship statistics count starts)."""
    return academic_year(date.fromisoformat(published.get("start_date") or cohort.start_date.isoformat()))


def academic_year_in_words(period: str) -> str:
    """202526 as a reader says it: "the 2025/26 academic year (1 August 2025 to 31 July 2026)"."""
    start = int(period[:4])
    return f"the {start}/{period[4:]} academic year (1 August {start} to 31 July {start + 1})"


def open_data_file(cohort: Cohort, published: dict[str, Any]) -> open_data.OpenDataFile:
    """Published figures (never raw ones) as an EES pair: a row of totals, then one row for each category
    of each breakdown, for the academic year the cohort started in. A figure not published is c; one a
    row cannot have (a rate on a breakdown's row) is z; one these figures do not hold (published before
    it was worked out) is x."""
    cells = {key: {c["label"]: c["value"] for c in published.get(key, [])} for key in OPEN_DATA_BREAKDOWNS.values()}
    statuses = cells["statuses"]

    def headline(key: str) -> object:
        return published[key] if key in published else open_data.UNAVAILABLE

    total = dict.fromkeys((f.name for f in OPEN_DATA_FILTERS), "Total")
    rows: list[dict[str, object]] = [{
        **total, "starts": published.get("intake"),
        # the status table's own cells, so a hidden one stays hidden here
        "achievements": statuses.get(STATUS_LABELS["completed"], open_data.UNAVAILABLE),
        "withdrawals": statuses.get(STATUS_LABELS["withdrawn"], open_data.UNAVAILABLE),
        **{column.name: headline(column.name) for column in OPEN_DATA_INDICATORS[3:]},
    }]
    not_applicable = {column.name: open_data.NOT_APPLICABLE for column in OPEN_DATA_INDICATORS[1:]}
    for column, key in OPEN_DATA_BREAKDOWNS.items():
        for label, value in cells[key].items():
            rows.append({**total, column: label, "starts": value, **not_applicable})
    period = open_data_period(cohort, published)
    return open_data.write(f"apprenticeship_cohort_{cohort.id}_{period}", period, "Academic year",
                           OPEN_DATA_FILTERS, OPEN_DATA_INDICATORS, rows)
