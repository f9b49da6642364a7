"""Training providers and apprenticeship standards, which coordinators keep up to date."""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..models import ApprenticeshipStandard, Ksb, KsbKind, TrainingProvider, User, log_entry_ksbs
from . import audit

KSB_LINE = re.compile(r"^\s*([KSB])(\d{1,3})\s*[:.\-–]?\s*(.+?)\s*$", re.IGNORECASE)
KINDS = {"K": KsbKind.KNOWLEDGE, "S": KsbKind.SKILL, "B": KsbKind.BEHAVIOUR}


@dataclass(frozen=True)
class KsbLine:
    code: str
    description: str


def parse_ksbs(text: str) -> tuple[list[KsbLine], list[str]]:
    """One KSB a line, like "K1 All stages of the life cycle". Returns the KSBs and the problems."""
    ksbs, problems, seen = [], [], set()
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        match = KSB_LINE.match(line)
        if not match:
            problems.append(f"Line {number} must start with a code like K1, S2 or B3, then the description")
            continue
        code = match.group(1).upper() + str(int(match.group(2)))
        if code in seen:
            problems.append(f"Line {number}: {code} is listed twice")
            continue
        if len(match.group(3)) > 500:
            problems.append(f"Line {number}: the description must be 500 characters or fewer")
            continue
        seen.add(code)
        ksbs.append(KsbLine(code, match.group(3)))
    return ksbs, problems


def ksbs_as_text(standard: ApprenticeshipStandard) -> str:
    return "\n".join(f"{k.code} {k.description}" for k in standard.ksbs)


def ksbs_in_use(standard: ApprenticeshipStandard, codes: set[str]) -> list[str]:
    """Which of these codes are evidenced by log entries (and so cannot be removed)."""
    if standard.id is None or not codes:
        return []
    return sorted(db.session.scalars(
        sa.select(Ksb.code).join(log_entry_ksbs, log_entry_ksbs.c.ksb_id == Ksb.id)
        .where(Ksb.standard_id == standard.id, Ksb.code.in_(codes)).distinct()
    ))


def save_standard(actor: User, standard: ApprenticeshipStandard, values: dict, ksbs: list[KsbLine]) -> None:
    """Create or edit a standard; KSBs are matched by code so evidence linked to them stays."""
    creating = standard.id is None
    for key, value in values.items():
        setattr(standard, key, value)
    existing = {k.code: k for k in standard.ksbs}
    wanted = {line.code for line in ksbs}
    for code, ksb in existing.items():
        if code not in wanted:
            standard.ksbs.remove(ksb)
    for position, line in enumerate(ksbs):
        ksb = existing.get(line.code)
        if ksb is None:
            ksb = Ksb(code=line.code, kind=KINDS[line.code[0]])
            standard.ksbs.append(ksb)
        ksb.description, ksb.position = line.description, position
    db.session.add(standard)
    audit.record(actor, "standard.created" if creating else "standard.edited", standard)
    db.session.flush()


def save_provider(actor: User, provider: TrainingProvider, values: dict) -> None:
    audit.save(actor, provider, values, "provider")


def providers_with_counts() -> list[tuple[TrainingProvider, int]]:
    from ..models import Apprentice, ApprenticeStatus

    current = sa.select(sa.func.count()).where(
        Apprentice.provider_id == TrainingProvider.id,
        Apprentice.status.in_(ApprenticeStatus.CURRENT)).scalar_subquery()
    return [tuple(r) for r in db.session.execute(sa.select(TrainingProvider, current).order_by(TrainingProvider.name))]


def standards_with_counts() -> list[tuple[ApprenticeshipStandard, int]]:
    ksb_count = sa.select(sa.func.count()).where(Ksb.standard_id == ApprenticeshipStandard.id).scalar_subquery()
    return [tuple(r) for r in db.session.execute(
        sa.select(ApprenticeshipStandard, ksb_count).order_by(ApprenticeshipStandard.title))]


def is_taken(column, value: str, except_id: int | None) -> bool:
    """Whether another row already has this value in a unique column (case-insensitively)."""
    query = sa.select(sa.func.count()).where(sa.func.lower(column) == value.strip().lower())
    if except_id is not None:
        query = query.where(column.class_.id != except_id)
    return db.session.scalar(query) > 0
