"""Matching apprentices to a published placement: who fits, and why."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..ids import is_id
from ..models import Apprentice, ApprenticeStatus, Cohort, Placement, PlacementInterest, ServiceArea
from .placements import overlapping

SHOWN = 50


@dataclass
class CandidateFilters:
    standard: str = "placement"  # "placement": any standard the placement suits; "any"; or a standard id
    service_area: str = ""
    available_only: bool = True

    @classmethod
    def from_args(cls, args) -> CandidateFilters:
        standard = args.get("standard", "placement")
        area = args.get("service_area", "")
        return cls(
            standard=standard if standard in ("placement", "any") or is_id(standard) else "placement",
            service_area=area if area in ServiceArea._value2member_map_ else "",
            available_only=args.get("available", "yes") == "yes",
        )


@dataclass(frozen=True)
class Candidate:
    apprentice: Apprentice
    suits_standard: bool
    interested: bool
    available: bool

    @property
    def reasons(self) -> list[str]:
        why = []
        if self.interested:
            why.append("Registered interest in this placement")
        if self.suits_standard:
            why.append(f"On a standard it suits: {self.apprentice.standard.display_name}")
        why.append("Free for the placement's dates" if self.available
                   else "Already placed or proposed (perhaps as a reserve) for some of these dates")
        return why


def candidates(placement: Placement, filters: CandidateFilters) -> tuple[list[Candidate], int]:
    """Apprentices in learning who could take this placement, best fits first, and how many there are."""
    standard_ids = [s.id for s in placement.standards]
    suits = Apprentice.standard_id.in_(standard_ids) if standard_ids else sa.false()
    interested = sa.exists().where(PlacementInterest.placement_id == placement.id,
                                   PlacementInterest.apprentice_id == Apprentice.id)
    busy = overlapping(Apprentice.id, placement.start_date, placement.end_date)
    query = (
        sa.select(Apprentice, suits.label("suits"), interested.label("interested"), busy.label("busy"))
        .join(Cohort, Cohort.id == Apprentice.cohort_id)
        .where(Cohort.archived_at.is_(None), Apprentice.status == ApprenticeStatus.ACTIVE)
    )
    if filters.standard == "placement":
        query = query.where(suits)
    elif filters.standard != "any":
        query = query.where(Apprentice.standard_id == int(filters.standard))
    if filters.service_area:
        query = query.where(Apprentice.service_area == filters.service_area)
    if filters.available_only:
        query = query.where(~busy)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    rows = db.session.execute(
        query.options(joinedload(Apprentice.standard), joinedload(Apprentice.cohort))
        .order_by(interested.desc(), suits.desc(), Apprentice.last_name, Apprentice.first_name).limit(SHOWN)
    ).all()
    return [Candidate(a, bool(s), bool(i), not b) for a, s, i, b in rows], total
