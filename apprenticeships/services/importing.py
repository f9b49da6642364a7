"""Importing apprentices from a spreadsheet (CSV): check every row, then add all or none.

Each row is checked by the same rules as the "Add an apprentice" page (services/apprentice_rules.py),
so a rule holds the same whichever way an apprentice arrives. A row matches an apprentice already
held by ULN, else email, else name, cohort and start date; a match is updated instead of
added, so importing the same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    Cohort,
    Mentor,
    ServiceArea,
    TrainingProvider,
    User,
)
from ..text import minutes_from_hours
from . import apprentice_rules, apprentices, audit

MAX_ROWS = 2000
COLUMNS = ["first_name", "last_name", "email", "uln", "cohort", "standard", "provider", "service_area", "team",
           "job_title", "contracted_hours_per_week", "start_date", "planned_end_date", "mentor_email",
           "consent_to_be_named"]
REQUIRED_COLUMNS = {"first_name", "last_name", "cohort", "standard", "provider", "service_area",
                    "contracted_hours_per_week", "start_date", "planned_end_date"}
# Optional columns: left empty on a row for someone already held, what is held stays.
KEPT_WHEN_EMPTY = {"mentor_id": "mentor_email", "email": "email", "uln": "uln", "team": "team",
                   "job_title": "job_title", "consent_to_be_named": "consent_to_be_named"}
# Which CSV column a rule's message about a field belongs to.
FIELD_COLUMNS = {"cohort_id": "cohort", "standard_id": "standard", "provider_id": "provider",
                 "mentor_id": "mentor_email", "contracted_minutes_per_week": "contracted_hours_per_week"}
# The example leaves out a mentor: each can take only so many mentees, and the file is checked for that.
TEMPLATE_EXAMPLE = ["Sam", "Taylor", "sam.taylor@example.org", "1234567890", "Digital apprentices 2026 to 2028",
                    "ST0116", "Riverside College", "Software development", "Digital services",
                    "Software developer apprentice", "37.5", "2026-09-07", "2028-09-07", "", "no"]


@dataclass
class RowResult:
    number: int  # the spreadsheet's row number, counting the header as row 1
    name: str
    action: str = "new"  # new, update or unchanged
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column, message)
    values: dict = field(default_factory=dict)
    match: Apprentice | None = None
    changes: list[str] = field(default_factory=list)  # for an update: the columns whose values change


@dataclass
class Preview:
    rows: list[RowResult]
    file_problem: str | None = None

    @property
    def problem_count(self) -> int:
        return sum(len(r.problems) for r in self.rows) + (1 if self.file_problem else 0)

    @property
    def ok(self) -> bool:
        return self.problem_count == 0 and bool(self.rows)

    @property
    def rows_with_problems(self) -> int:
        """Rows that cannot be imported as they are (and so stop the whole file)."""
        return sum(1 for r in self.rows if r.problems)

    @property
    def rows_ready(self) -> int:
        return len(self.rows) - self.rows_with_problems

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action)

    @property
    def changes(self) -> int:
        """Rows that would add or change an apprentice: a file already imported has none."""
        return self.count("new") + self.count("update")

    @property
    def cohort_ids(self) -> set[int]:
        """The cohorts the rows that change something belong to."""
        return {r.values["cohort_id"] for r in self.rows if r.action != "unchanged" and "cohort_id" in r.values}


def template_csv() -> str:
    """The columns, and an example row naming this programme's newest cohort, a standard and a
    provider it has (the example's own names where it has none), so the row imports as it is."""
    example = dict(zip(COLUMNS, TEMPLATE_EXAMPLE, strict=True))
    for column, name in (("cohort", sa.select(Cohort.name).order_by(Cohort.start_date.desc(), Cohort.id.desc())),
                         ("standard", sa.select(ApprenticeshipStandard.reference).order_by(ApprenticeshipStandard.id)),
                         ("provider", sa.select(TrainingProvider.name).order_by(TrainingProvider.id))):
        example[column] = db.session.scalar(name.limit(1)) or example[column]
    buffer = io.StringIO()
    csv.writer(buffer).writerows([COLUMNS, [example[c] for c in COLUMNS]])
    return buffer.getvalue()


def decode(raw: bytes) -> str | None:
    """The file as text (UTF-8, with or without the mark Excel adds, or Windows-1252), or None."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return None


def _date(value: str) -> date | None:
    """A date written as 2026-09-07, 07/09/2026, 07-09-2026 or 7 9 2026; None when it is none of those."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d %m %Y"):
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


class _Lookups:
    """Names in the spreadsheet to the records they mean, loaded once for the whole file."""

    def __init__(self) -> None:
        def by(column, key=str.lower):
            return {key(v): i for i, v in db.session.execute(sa.select(column.class_.id, column)).all() if v}

        self.cohorts = by(Cohort.name)
        self.standards = by(ApprenticeshipStandard.reference, str.upper)
        self.providers = by(TrainingProvider.name)
        self.mentors = by(Mentor.email)
        self.by_uln = {u: i for i, u in db.session.execute(sa.select(Apprentice.id, Apprentice.uln)) if u}
        self.by_email = {e.lower(): i for i, e in db.session.execute(sa.select(Apprentice.id, Apprentice.email)) if e}
        self.by_identity = {(f.lower(), la.lower(), c, s): i for i, f, la, c, s in db.session.execute(sa.select(
            Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.cohort_id, Apprentice.start_date))}
        self.options = apprentice_rules.Options.load()
        # A service area may be written as its label ("Software development") or its value.
        self.service_areas = {key: area.value for area in ServiceArea for key in (area.value, area.label.lower())}


def _check_row(number: int, raw: dict[str, str], lookups: _Lookups, cohort: str | None) -> RowResult:
    cell = {c: (raw.get(c) or "").strip() for c in COLUMNS}
    cell["cohort"] = cell["cohort"] or cohort or ""  # imported from a cohort's page: its rows may leave it out
    result = RowResult(number, f"{cell['first_name']} {cell['last_name']}".strip() or "(no name)")

    def look_up(column: str, table: dict, key: str, message: str) -> str:
        if not cell[column]:
            return ""
        found = table.get(key)
        if found is None:
            result.problems.append((column, message))
            return ""
        return str(found)

    given = {k: cell[k] for k in ("first_name", "last_name", "email", "uln", "team", "job_title")}
    given["cohort_id"] = look_up("cohort", lookups.cohorts, cell["cohort"].lower(),
                                 f"There is no cohort called \u201c{cell['cohort']}\u201d")
    given["standard_id"] = look_up("standard", lookups.standards, cell["standard"].upper(),
                                   f"There is no standard with the reference \u201c{cell['standard']}\u201d")
    given["provider_id"] = look_up("provider", lookups.providers, cell["provider"].lower(),
                                   f"There is no training provider called \u201c{cell['provider']}\u201d")
    given["mentor_id"] = look_up("mentor_email", lookups.mentors, cell["mentor_email"].lower(),
                                 f"There is no mentor with the email address \u201c{cell['mentor_email']}\u201d")
    given["service_area"] = lookups.service_areas.get(cell["service_area"].lower(), cell["service_area"])
    hours = cell["contracted_hours_per_week"]
    given["contracted_minutes_per_week"] = minutes_from_hours(hours) if hours else None
    if hours and given["contracted_minutes_per_week"] is None:
        result.problems.append(("contracted_hours_per_week", "Contracted hours a week must be a number, like 37.5"))
    for column in ("start_date", "planned_end_date"):
        given[column] = _date(cell[column]) if cell[column] else None
        if cell[column] and given[column] is None:
            label = apprentice_rules.DATES[column][0]
            result.problems.append((column, f"{label} must be a real date, like 2026-09-07"))
    consent = cell["consent_to_be_named"].lower() or "no"
    given["consent_to_be_named"] = {"y": "yes", "n": "no"}.get(consent, consent)

    match_id = (lookups.by_uln.get(cell["uln"]) if cell["uln"] else None) or \
        (lookups.by_email.get(cell["email"].lower()) if cell["email"] else None)
    match = db.session.get(Apprentice, match_id) if match_id else None
    reported = {column for column, _ in result.problems}
    checked = apprentice_rules.check(given, apprentice=match, options=lookups.options)
    for name, message in checked.problems.items():
        column = FIELD_COLUMNS.get(name, name)
        if column not in reported:
            # The rules speak to a form ("Select a cohort"); a spreadsheet's cells are typed in.
            result.problems.append((column, "Enter " + message.removeprefix("Select ")
                                    if message.startswith("Select ") else message))
    if result.problems:
        return result
    result.values = checked.values
    if match is None:
        identity = (result.values["first_name"].lower(), result.values["last_name"].lower(),
                    result.values["cohort_id"], result.values["start_date"])
        match = db.session.get(Apprentice, lookups.by_identity[identity]) if identity in lookups.by_identity else None
    result.match = match
    if match is not None:
        # An empty optional cell keeps what is held: a spreadsheet that leaves out a mentor or a
        # team must not take them away without saying so.
        for field_name, column in KEPT_WHEN_EMPTY.items():
            if not cell[column]:
                result.values[field_name] = getattr(match, field_name)
        result.changes = [FIELD_COLUMNS.get(f, f).replace("_", " ")
                          for f in apprentices.changed_fields(match, result.values)]
        result.action = "update" if result.changes else "unchanged"
    return result


def preview(text: str, cohort: str | None = None) -> Preview:
    """Check every row of the file; nothing is written. Rows with no cohort are for `cohort`'s (a
    name), when the file is imported from that cohort's page."""
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = sorted(REQUIRED_COLUMNS - set(headers) - ({"cohort"} if cohort else set()))
    if missing:
        return Preview([], f"The file needs these columns: {', '.join(missing)}. "
                           "Download the template to see them all")
    reader.fieldnames = headers
    rows = list(reader)
    if not rows:
        return Preview([], "The file has no rows of apprentices under its header")
    if len(rows) > MAX_ROWS:
        return Preview([], f"The file has {len(rows):,} rows: import {MAX_ROWS:,} or fewer at a time")
    lookups = _Lookups()
    results = [_check_row(n, row, lookups, cohort) for n, row in enumerate(rows, start=2)]
    _no_repeats(results)
    _within_capacity(results)
    return Preview(results)


def _no_repeats(results: list[RowResult]) -> None:
    """Two rows for one person would import them twice: name both rows."""
    for column in ("uln", "email"):
        first_seen: dict[str, int] = {}
        for r in results:
            value = (r.values.get(column) or "") if r.values else ""
            if value and value in first_seen:
                label = "ULN" if column == "uln" else "email address"
                r.problems.append((column, f"Row {first_seen[value]} has the same {label}"))
            elif value:
                first_seen[value] = r.number


def _within_capacity(results: list[RowResult]) -> None:
    """No mentor ends up with more mentees than they can take because of the file: each row that
    gives such a mentor a new mentee says so. Mentees are counted as the mentor picker counts them
    (services/mentors.py): apprentices in learning or on a break; a row moving someone to another
    mentor frees a place. Rows with other problems are left out: they import nothing."""
    gains: dict[int, list[RowResult]] = defaultdict(list)  # mentor id: rows that give them a mentee
    losses: dict[int, int] = defaultdict(int)  # mentor id: their mentees the file moves to another
    for row in results:
        if row.problems or not row.values:
            continue
        match = row.match
        if match is not None and match.status not in ApprenticeStatus.CURRENT:
            continue  # someone who has left counts against no mentor's capacity
        before, after = (match.mentor_id if match is not None else None), row.values.get("mentor_id")
        if before == after:
            continue
        if before is not None:
            losses[before] += 1
        if after is not None:
            gains[after].append(row)
    if not gains:
        return
    mentees = {mentor_id: count for mentor_id, count in db.session.execute(
        sa.select(Apprentice.mentor_id, sa.func.count())
        .where(Apprentice.mentor_id.in_(list(gains)), Apprentice.status.in_(ApprenticeStatus.CURRENT))
        .group_by(Apprentice.mentor_id))}
    for mentor_id, name, capacity in db.session.execute(
            sa.select(Mentor.id, Mentor.name, Mentor.capacity).where(Mentor.id.in_(list(gains)))):
        rows = gains[mentor_id]
        has = mentees.get(mentor_id, 0) - losses[mentor_id]
        over = has + len(rows) - capacity
        if over <= 0:
            continue
        numbers = [str(r.number) for r in rows]
        which = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"
        limit = f"{capacity} {'apprentice' if capacity == 1 else 'apprentices'}"
        message = (f"{name} can mentor {limit} and already has {has}: {which} would take them to "
                   f"{has + len(rows)}. Choose another mentor for {_at_least(over, len(rows))}")
        for row in rows:
            row.problems.append(("mentor_email", message))


def _at_least(over: int, rows: int) -> str:
    if over >= rows:
        return "this row" if rows == 1 else f"these {rows} rows"
    return f"at least {over} of these rows"


def commit(actor: User, text: str, cohort: str | None = None) -> Preview:
    """Check the file again and, only if every row is good, add and update them all in one go."""
    checked = preview(text, cohort)
    if not checked.ok:
        return checked
    for row in checked.rows:
        if row.action == "new":
            apprentices.create(actor, row.values)
        elif row.action == "update":
            apprentices.update(actor, row.match, row.values)
    audit.record(actor, "apprentices.imported", "apprentices", new=checked.count("new"),
                 updated=checked.count("update"),
                 unchanged=checked.count("unchanged"))
    db.session.flush()
    return checked
