"""Edits of shared records: a save based on an old copy is refused, and nothing typed is lost.

Each shared record (apprentice, cohort, placement, employer, review, programme settings, log
entry) has a `version` that every UPDATE checks and moves on (models/types.py `Versioned`).
Its edit form carries the version the person loaded (`VersionedForm`); the service refuses
the save when the stored version has moved since (`expect`), and the UPDATE's
`WHERE version = ?` refuses it when someone saves in between. Either way it is a
`StaleRecord`.

The view wraps its save in `conflict_shown_on(form, row, noun)`: on a stale save the form is
shown again with everything the person typed, a message that someone else changed the record,
the value now stored next to each field where it differs from theirs, and the current version,
so that saving again (after a look) goes through.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound
from wtforms import HiddenField

from .extensions import db
from .services.errors import StaleRecord


class VersionedForm:
    """Add to the bases of a shared record's edit form: the version the person loaded, posted back.

    Filled from the record (`obj=`) like any other field; a form built from `data=` needs
    `"version": row.version` in it.
    """

    version = HiddenField()

    def seen_version(self) -> int | None:
        text = str(self.version.data or "").strip()
        return int(text) if text.isascii() and text.isdigit() and len(text) < 10 else None


def stale_message(noun: str) -> str:
    return f"Someone else changed this {noun} while you were editing"


def expect(row: Any, seen: int | None, noun: str) -> None:
    """Refuse to save `row` if it has changed since the person loaded it at version `seen`.

    `seen` None (a post without a version) checks nothing here; the UPDATE still refuses a
    change made after this request loaded the row.
    """
    if row.id is not None and seen is not None and seen != row.version:
        raise StaleRecord(stale_message(noun))


def flush(noun: str) -> None:
    """Flush, turning an UPDATE that found its row changed (StaleDataError) into StaleRecord."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise StaleRecord(stale_message(noun)) from None


@contextmanager
def conflict_shown_on(form: VersionedForm, row: Any, noun: str) -> Iterator[None]:
    """Run a save; if the record changed meanwhile, show the conflict on `form` and carry on to render it.

    The body should end by returning its response (a redirect): after a refused save,
    control continues after the `with` block, where the view renders the form again.
    """
    try:
        yield
        db.session.flush()
    except (StaleRecord, StaleDataError):
        db.session.rollback()
        show_conflict(form, row, noun)


def show_conflict(form: VersionedForm, row: Any, noun: str) -> None:
    """Mark `form` (as posted) with what someone else changed in `row` (as now stored)."""
    try:
        db.session.refresh(row)
    except sa.exc.InvalidRequestError:  # deleted meanwhile: nothing left to edit
        raise NotFound() from None
    values = form.values() if hasattr(form, "values") else {}
    others = []
    for key, typed in values.items():
        stored = getattr(row, key, None)
        if _same(stored, typed):
            continue
        field = form._fields.get(key)
        if field is None:  # a value the form builds from several fields, or under another name
            others.append(f"{key.replace('_', ' ')} is now {_shown(None, stored)}")
            continue
        field.errors = [*field.errors, f"Someone else changed this to: {_shown(field, stored)}. "
                                       "Save again to keep yours"]
    message = stale_message(noun) + ". Their values are shown next to the fields; save again to keep yours"
    if others:
        message += f" (also: {'; '.join(others)})"
    form.form_errors.append(message)
    form.version.data = str(row.version)
    form.version.raw_data = [str(row.version)]


def _same(stored: Any, typed: Any) -> bool:
    if isinstance(stored, list) or isinstance(typed, list):
        return {getattr(x, "id", x) for x in stored or []} == {getattr(x, "id", x) for x in typed or []}
    return (getattr(stored, "value", stored) if stored != "" else None) == (
        getattr(typed, "value", typed) if typed != "" else None)


def _shown(field, value: Any) -> str:
    """The stored value as the field would offer it: a choice's label, a date in words, hours."""
    if value is None or value == "":
        return "nothing (left blank)"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    raw = getattr(value, "value", value)
    if isinstance(raw, bool):
        raw = "yes" if raw else "no"
    for choice in getattr(field, "choices", None) or []:
        choice_value, label = (choice.value, choice.label) if hasattr(choice, "label") else choice[:2]
        if str(choice_value) == str(raw):
            return str(label)
    if hasattr(field, "minutes") and isinstance(value, int):
        return f"{value / 60:g} hours"
    label = getattr(value, "label", None)
    return str(label if isinstance(label, str) else raw)
