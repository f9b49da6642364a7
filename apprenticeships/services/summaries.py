"""A cohort's summary for publishing: aggregates only, passed through disclosure control.

`figures` counts what the records say (never leaving this module unprotected); `publish`
turns them into what may be shown to anyone. Nothing row-level reaches a summary except the
first names and teams of apprentices who agreed to be named, in their own section.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AssignmentStatus,
    Cohort,
    Placement,
    PlacementAssignment,
    ProgressReview,
    ServiceArea,
    TrainingProvider,
)
from . import disclosure
from .otj import is_behind
from .progress import progress_subquery

LICENCE = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
STATUS_LABELS = {s.value: s.label for s in ApprenticeStatus}
ON_TIME_DAYS = 14


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
    held = db.session.execute(
        sa.select(ProgressReview.scheduled_date, ProgressReview.held_date).join(Apprentice)
        .where(in_cohort, ProgressReview.held_date.is_not(None))).all()
    # On time: held within 14 days of the date it was due.
    on_time = sum(1 for scheduled, held_on in held if (held_on - scheduled).days <= ON_TIME_DAYS)
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
    """What may be shown: every count and rate through disclosure control."""
    intake = raw["intake"]
    count = lambda value: disclosure.count(value, threshold)  # noqa: E731
    return {
        "threshold": threshold,
        "intake": count(intake),
        "start_date": raw["start_date"],
        "statuses": _cells(raw["statuses"], threshold, STATUS_LABELS),
        "standards": _cells(raw["standards"], threshold),
        "service_areas": _cells(raw["service_areas"], threshold),
        "providers": _cells(raw["providers"], threshold),
        "retention_rate": disclosure.rate(intake - raw["withdrawn"], intake, threshold),
        "completion_rate": disclosure.rate(raw["completed"], intake, threshold),
        "otj_hours_total": raw["otj_hours_total"] if intake >= threshold else None,
        "otj_hours_mean": (round(m) if (m := disclosure.mean(raw["otj_hours_total"], intake, threshold)) is not None
                           else None),
        "on_track_rate": disclosure.rate(raw["on_track"], raw["active"], threshold),
        "reviews_on_time_rate": disclosure.rate(raw["reviews_on_time"], raw["reviews_held"], threshold),
        "placements": count(raw["placements"]),
        "employers": count(raw["employers"]),
    }


def changed_too_little(previous: dict[str, Any], current: dict[str, Any], threshold: int) -> bool:
    """True when any published count moved by less than the threshold: publishing it could reveal one person."""
    def numbers(figures: dict[str, Any]) -> dict[str, int]:
        flat = {}
        for key, value in figures.items():
            if isinstance(value, list):
                flat.update({f"{key}:{c['label']}": c["value"] for c in value if c["value"] is not None})
            elif isinstance(value, int) and key != "threshold":
                flat[key] = value
        return flat

    before, after = numbers(previous), numbers(current)
    return any(0 < abs(after[k] - before[k]) < threshold for k in before.keys() & after.keys())


def named_apprentices(cohort: Cohort) -> list[tuple[str, str | None]]:
    """First name and team of those who agreed to be named, and only them."""
    return [tuple(r) for r in db.session.execute(
        sa.select(Apprentice.first_name, Apprentice.team)
        .where(Apprentice.cohort_id == cohort.id, Apprentice.consent_to_be_named.is_(True),
               Apprentice.anonymised_at.is_(None))
        .order_by(Apprentice.first_name))]
