"""The rules for a valid apprentice record, whichever way the details arrive.

The "Add an apprentice" and edit forms and the spreadsheet import both call `check` with the
details as plain values, and get back the values to save or a problem for each field that
breaks a rule, in words for the person. Reading the input is the caller's part: a form turns
three date boxes into a date and "37.5" into minutes, the import reads a CSV cell; a value the
caller could not read is passed as None, with the caller's own message, and `check` leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..ids import parse_id
from ..models import Apprentice, ApprenticeshipStandard, Cohort, Mentor, ServiceArea, TrainingProvider
from ..text import clean_text, control_character_problem
from .apprentices import minimum_duration_months
from .catalogue import is_taken
from .progress import add_months

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
ULN = re.compile(r"^\d{10}$")
YEARS = (1900, 2100)
MINUTES_A_WEEK = (60, 3600)  # 1 to 60 hours, as the database's CHECK has it

# Text fields: (label in messages, longest allowed, the message when a required one is empty).
TEXT = {
    "first_name": ("First name", 80, "Enter the apprentice’s first name"),
    "last_name": ("Last name", 80, "Enter the apprentice’s last name"),
    "email": ("Email address", 254, None),
    "uln": ("ULN", 10, None),
    "team": ("Team", 120, None),
    "job_title": ("Job title", 120, None),
}
# Linked records: the message when none (or one that cannot be chosen) is given.
LINKS = {
    "cohort_id": "Select a cohort",
    "standard_id": "Select the apprenticeship standard",
    "provider_id": "Select the training provider",
    "mentor_id": "Select a mentor from the list",  # optional
}
DATES = {"start_date": ("Start date", "Enter the start date"),
         "planned_end_date": ("Planned end date", "Enter the planned end date")}
FIELDS = (*TEXT, *LINKS, "service_area", "contracted_minutes_per_week", *DATES, "consent_to_be_named")


def cohorts_open_to(apprentice: Apprentice | None) -> sa.ColumnElement[bool]:
    """The cohorts an apprentice can be put in: any not archived, and the one they are in already."""
    return sa.or_(Cohort.archived_at.is_(None), Cohort.id == (apprentice.cohort_id if apprentice else None))


@dataclass(frozen=True)
class Options:
    """The ids each link may take. Load once to check many rows (an import)."""

    ids: Mapping[str, frozenset[int]]

    @classmethod
    def load(cls, apprentice: Apprentice | None = None) -> Options:
        def ids(query) -> frozenset[int]:
            return frozenset(db.session.scalars(query))

        return cls({
            "cohort_id": ids(sa.select(Cohort.id).where(cohorts_open_to(apprentice))),
            "standard_id": ids(sa.select(ApprenticeshipStandard.id)),
            "provider_id": ids(sa.select(TrainingProvider.id)),
            "mentor_id": ids(sa.select(Mentor.id)),
        })

    @classmethod
    def offered(cls, choices: Mapping[str, Iterable[Any]]) -> Options:
        """From the options a form showed (values as strings): what the person could choose is what counts."""
        return cls({name: frozenset(i for i in map(parse_id, values) if i is not None)
                    for name, values in choices.items()})


@dataclass
class Checked:
    values: dict[str, Any] = field(default_factory=dict)  # ready for create/update when there are no problems
    problems: dict[str, str] = field(default_factory=dict)  # field name -> message

    @property
    def ok(self) -> bool:
        return not self.problems


def check(given: Mapping[str, Any], *, apprentice: Apprentice | None = None, options: Options | None = None,
          unread: Iterable[str] = ()) -> Checked:
    """Check an apprentice's details against every rule.

    `given` holds text as typed (str or None), links as ids (int or text), the service area's
    value, contracted hours in minutes (int or None), dates (date or None), and consent (a
    bool, or "yes"/"no"). `apprentice` is the record being edited (None when adding); `unread`
    names fields the caller could not read and has reported itself: they get no second message.
    """
    options = options or Options.load(apprentice)
    result = Checked()
    problems, values = result.problems, result.values
    except_id = apprentice.id if apprentice else None

    for name, (label, longest, missing) in TEXT.items():
        text = clean_text(given.get(name) or "")
        if problem := control_character_problem(text, label):
            problems[name] = problem
        elif not text and missing:
            problems[name] = missing
        elif len(text) > longest:
            problems[name] = f"{label} must be {longest} characters or fewer"
        values[name] = text or None
    if values["email"]:
        values["email"] = values["email"].lower()
        if "email" not in problems and not EMAIL.match(values["email"]):
            problems["email"] = "Enter an email address in the correct format, like name@example.org"
        elif "email" not in problems and is_taken(Apprentice.email, values["email"], except_id):
            problems["email"] = "Another apprentice has this email address"
    if values["uln"] and "uln" not in problems:
        if not ULN.match(values["uln"]):
            problems["uln"] = "ULN must be 10 digits"
        elif is_taken(Apprentice.uln, values["uln"], except_id):
            problems["uln"] = "Another apprentice has this ULN"

    for name, message in LINKS.items():
        raw = given.get(name)
        chosen = parse_id(raw)
        values[name] = chosen
        if (raw not in (None, "") or name != "mentor_id") and chosen not in options.ids[name]:
            problems[name] = message

    area = given.get("service_area")
    values["service_area"] = ServiceArea(area) if area in ServiceArea._value2member_map_ else None
    if values["service_area"] is None:
        problems["service_area"] = "Select the service area"

    minutes = given.get("contracted_minutes_per_week")
    values["contracted_minutes_per_week"] = minutes
    if minutes is None:
        problems["contracted_minutes_per_week"] = "Enter the contracted hours a week"
    elif not MINUTES_A_WEEK[0] <= minutes <= MINUTES_A_WEEK[1]:
        problems["contracted_minutes_per_week"] = "Contracted hours must be between 1 and 60 a week"

    for name, (label, missing) in DATES.items():
        day = given.get(name)
        values[name] = day
        if not isinstance(day, date):
            problems[name] = missing
        elif not YEARS[0] <= day.year <= YEARS[1]:
            problems[name] = f"{label} must be a year between {YEARS[0]} and {YEARS[1]}"
    start, end = values["start_date"], values["planned_end_date"]
    if "start_date" not in problems and "planned_end_date" not in problems:
        months = minimum_duration_months(start)
        if end < add_months(start, months):
            problems["planned_end_date"] = f"Planned end date must be at least {months} months after the start date"

    consent = given.get("consent_to_be_named")
    values["consent_to_be_named"] = consent if isinstance(consent, bool) else {"yes": True, "no": False}.get(consent)
    if values["consent_to_be_named"] is None:
        problems["consent_to_be_named"] = "Select yes if they have agreed to be named"

    for name in unread:
        problems.pop(name, None)
    return result
