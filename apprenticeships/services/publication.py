"""Everything published about a cohort keeps to one differencing rule, and counts may be rounded.

**Differencing.** Two published versions of a cohort's figures that differ in a count by 1 to
threshold-1 could reveal one person (the one who joined, left or withdrew between them), even when
each version on its own hides every small count. So every distinct version published anywhere (a
live link, a snapshot, a downloaded file) is kept in `published_versions`, and a new version is
published only if none of its counts differs by 1 to threshold-1 from the same count in ANY
earlier version. When it would, the latest version already published goes out instead, saying
"figures as of" the day it was first published. Every version published is therefore safe against
every other one (each was checked against all those before it).

Every whole number published is compared: counts of people, employers and placements, and also the
percentages, the total hours and the average (stricter than counts alone, as the live links did).

**Two requests at once.** Versions are numbered per cohort, and (cohort, number) is unique in the
database: two requests that both checked against versions 1..n and both try to add version n+1
cannot both succeed; the one refused checks again against the version just added. (cohort, digest)
is unique too, so the same figures are kept once. A request that adds a version marks its answer as
one that may only be sent once the version is saved (audit.VIEW_PENDING), so nothing is published
unrecorded.

**Rounding.** With the programme setting on, every published count is rounded to the nearest 5
after disclosure control (a count hidden stays hidden). Percentages and averages are worked out
from the exact counts, as DfE's statistics producers do (their guidance: round the published
numbers, never compute a rate from rounded ones, which would compound the rounding error).

A fixed number of SQL statements per publication: one to read the cohort's versions, and at most
one insert (plus a retry's two when two requests raced).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import Cohort, PublishedVersion, utcnow
from ..transactions import take_the_write_lock
from .audit import VIEW_PENDING

ROUND_TO = 5
# Keys of the figures that are not figures about people: never compared, never rounded. ("pledged":
# what the council's levy pledges offer, public on DfE's service, services/levy_transfers.py.)
NOT_FIGURES = frozenset(("threshold", "rounded_to", "start_date", "hidden", "pledged"))
# Headline counts rounded with the breakdowns' cells when the setting is on.
ROUNDED_COUNTS = ("intake", "otj_hours_total", "placements", "employers")
ATTEMPTS = 3


def rounded(value: int | None, to: int = ROUND_TO) -> int | None:
    """A count to the nearest `to` (never a tie: a whole number is never exactly halfway for 5)."""
    return None if value is None else int(to * round(value / to))


def round_counts(figures: dict[str, Any], to: int = ROUND_TO) -> dict[str, Any]:
    """Published figures with every count rounded; rates and averages left as worked out from exact counts."""
    out = dict(figures)
    for key, value in figures.items():
        if isinstance(value, list):
            out[key] = [{**cell, "value": rounded(cell["value"], to)} for cell in value]
        elif key in ROUNDED_COUNTS and isinstance(value, int):
            out[key] = rounded(value, to)
    out["rounded_to"] = to
    return out


def numbers(figures: dict[str, Any]) -> dict[str, int | float]:
    """Every number a version of the figures publishes, by a name that is the same in every version."""
    flat: dict[str, int | float] = {}
    for key, value in figures.items():
        if key in NOT_FIGURES:
            continue
        if isinstance(value, list):
            flat.update({f"{key}:{cell['label']}": cell["value"] for cell in value
                         if isinstance(cell.get("value"), int | float)})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat[key] = value
    return flat


def too_close(one: dict[str, Any], other: dict[str, Any], threshold: int) -> bool:
    """True when some number both publish differs by more than nothing and less than the threshold."""
    a, b = numbers(one), numbers(other)
    return any(0 < abs(a[k] - b[k]) < threshold for k in a.keys() & b.keys())


def digest(figures: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(figures, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@dataclass(frozen=True)
class Publication:
    figures: dict[str, Any]
    as_of: datetime  # when these figures were first published
    latest: bool  # False when newer figures were held back by the differencing rule


def _versions(model: type, series: dict[str, Any]) -> list:
    return list(db.session.scalars(sa.select(model).filter_by(**series)
                                   .order_by(model.sequence).execution_options(populate_existing=True)))


def publish(cohort: Cohort, fresh: dict[str, Any]) -> Publication | None:
    """The figures to publish now about `cohort`, given what it would publish if nothing had gone out
    before (`fresh`, through disclosure control and rounding): `fresh` itself when it is safe against
    every version published before (and then it is recorded), else the latest version published. None
    when nothing may be published: the fresh figures are too close to an earlier version, and every
    earlier version was published under a smaller threshold than today's."""
    return publish_in(PublishedVersion, {"cohort_id": cohort.id}, fresh)


def publish_in(model: type, series: dict[str, Any], fresh: dict[str, Any]) -> Publication | None:
    """`publish` for any series of published figures: its versions are the rows of `model` (a table
    like published_versions: sequence, digest, figures, published_at) whose columns have the values
    `series` names (a cohort's; none for the summary of levy transfers, which is one series)."""
    threshold = fresh["threshold"]
    key = digest(fresh)
    # Most reads find these figures published already: one row by its digest (a unique index), rather
    # than every version the series has had, which grows with each change.
    same = db.session.execute(sa.select(model.figures, model.published_at).filter_by(**series, digest=key)).first()
    if same is not None:
        return Publication(same.figures, same.published_at, latest=True)
    for _ in range(ATTEMPTS):
        versions = _versions(model, series)
        same = next((v for v in versions if v.digest == key), None)
        if same is not None:  # published by another request meanwhile
            return Publication(same.figures, same.published_at, latest=True)
        if any(too_close(fresh, v.figures, threshold) for v in versions):
            # The latest version hiding at least as much as the rules now ask (a version published
            # before the threshold was raised hides too little to publish again).
            last = next((v for v in reversed(versions) if v.figures.get("threshold", 0) >= threshold), None)
            return Publication(last.figures, last.published_at, latest=False) if last else None
        take_the_write_lock()  # on SQLite a read starts again, holding it, and comes back here
        version = model(**series, sequence=(versions[-1].sequence + 1) if versions else 1,
                        digest=key, figures=fresh, published_at=utcnow())
        try:
            with db.session.begin_nested():
                db.session.add(version)
        except IntegrityError:
            continue  # another request published first: check against what it published
        db.session.info[VIEW_PENDING] = True  # the answer goes only with this version saved
        return Publication(version.figures, version.published_at, latest=True)
    raise RuntimeError("could not record a publication after several attempts")
