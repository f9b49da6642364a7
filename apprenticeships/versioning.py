"""Edits of shared records: a save based on an old copy is refused, and nothing typed is lost.

Each shared record (apprentice, cohort, placement, employer, review, programme settings, log
entry) has a `version` that every UPDATE checks and moves on (models/types.py `Versioned`).
Its edit form carries the version the person loaded (`VersionedForm`); the service refuses
the save when the stored version has moved since (`expect`), and the UPDATE's
`WHERE version = ?` refuses it when someone saves in between. Either way it is a
`StaleRecord`.

The view wraps its save in `conflict_shown_on(form, row, noun)`: on a stale save the form is
shown again, merged: what the person changed is kept, what only the other person changed is
taken in, and where both changed an answer the stored one is shown beside theirs. It carries
the current version, so that saving again (after a look) goes through, and nothing is lost.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import NotFound
from wtforms import Field, HiddenField, SubmitField

from .extensions import db
from .forms import AppForm
from .ids import parse_id
from .services.errors import StaleRecord


class VersionedForm(AppForm):
    """The base of a shared record's edit form: the version the person loaded, and what the form
    showed them then (`loaded`), both posted back.

    `loaded` lets a refused save tell the fields this person changed from those someone else
    changed (a three-way merge, see show_conflict). A form built from `data=` needs
    `"version": row.version` in it.
    """

    version = HiddenField()
    loaded = HiddenField()

    def __new__(cls, *args, **kwargs):
        form = super().__new__(cls)
        form._made_with = (args, kwargs)  # as the view asked for it: to build it again from the stored record
        return form

    def process(self, formdata=None, *args, **kwargs):
        formdata = self.meta.wrap_formdata(self, formdata)  # Flask-WTF's: None unless posted
        super().process(formdata, *args, **kwargs)
        if formdata is None:  # shown from the record, not posted: note what the person sees
            self.loaded.data = json.dumps({name: as_posted(field) for name, field in self._answers()})

    def seen_version(self) -> int | None:
        return parse_id(self.version.data)  # a version is a positive whole number, read like an id

    def fresh(self) -> VersionedForm:
        """The same form, filled from the record as it is stored now."""
        args, kwargs = self._made_with
        return type(self)(*args, **{**kwargs, "formdata": None})

    def loaded_answers(self) -> dict[str, list[str]] | None:
        try:
            answers = json.loads(self.loaded.data or "")
        except ValueError:
            return None
        return answers if isinstance(answers, dict) else None

    def _answers(self) -> Iterator[tuple[str, Field]]:
        for name, field in self._fields.items():
            if name not in ("csrf_token", "version", "loaded") and not isinstance(field, SubmitField):
                yield name, field


def as_posted(field: Field) -> list[str]:
    """A field's value as the browser would post it back, to compare one form's answers with another's."""
    data = field.data
    if isinstance(data, date):
        return [str(data.day), str(data.month), str(data.year)]
    if getattr(field, "minutes", None) is not None:
        return [f"{field.minutes / 60:g}"]
    if isinstance(data, list | tuple):
        return sorted(str(v) for v in data)
    return ["" if data is None else str(getattr(data, "value", data))]


def stale_message(noun: str) -> str:
    return f"Someone else changed this {noun} while you were editing"


def expect(row: Any, seen: int | None, noun: str) -> None:
    """Refuse to save `row` if it has changed since the person loaded it at version `seen`.

    `seen` None (a post without a version) checks nothing here; the UPDATE still refuses a
    change made after this request loaded the row.
    """
    if row.id is not None and seen is not None and seen != row.version:
        raise StaleRecord(stale_message(noun))


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
    """Merge what someone else saved into `form` (as posted) and show what needs the person's eye.

    Each answer is compared three ways: as the person loaded it, as they posted it, and as it
    is stored now. Answers only they changed stay theirs; answers only the other person changed
    are taken into the form (they had not touched them); answers both changed, differently, are
    marked with the stored value beside them. Nothing is saved until the person saves again.
    """
    try:
        db.session.refresh(row)
    except sa.exc.InvalidRequestError:  # deleted meanwhile: nothing left to edit
        raise NotFound() from None
    theirs = form.fresh()
    base = form.loaded_answers()
    clashes, taken = 0, []
    for name, field in list(form._answers()):
        other = theirs._fields.get(name)
        if other is None or as_posted(field) == as_posted(other):
            continue
        loaded = base.get(name) if base is not None else None
        if loaded == as_posted(field):  # untouched by this person: take the other person's answer
            form._fields[name] = other
            setattr(form, name, other)
            taken.append(_label(other))
        elif loaded != as_posted(other):  # both changed it
            clashes += 1
            field.errors = [*field.errors, f"Someone else changed this to \u201c{_shown(other)}\u201d while you "
                                           "were editing. Save again to keep your answer, or change it."]
    message = stale_message(noun) + "."
    if taken:
        message += f" Their changes to {_listed(taken)} are now in the form."
    message += " Check the answers marked below, then save again." if clashes else " Check it, then save again."
    form.form_errors.append(message)
    form.version.data = str(row.version)
    form.version.raw_data = [str(row.version)]
    form.loaded.data = theirs.loaded.data


def _label(field: Field) -> str:
    return field.label.text.removesuffix(" (optional)").lower()


def _listed(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _shown(field: Field) -> str:
    """A field's answer in words: a choice's label, a date, hours."""
    value = field.data
    if value is None or value == "" or value == []:
        return "nothing (left blank)"
    if isinstance(value, date):
        return f"{value.day} {value:%B %Y}"
    if getattr(field, "minutes", None) is not None:
        return f"{field.minutes / 60:g} hours"
    chosen = {str(v) for v in value} if isinstance(value, list | tuple) else {str(getattr(value, "value", value))}
    labels = [str(c.label) for c in getattr(field, "choices", None) or [] if hasattr(c, "label") and
              str(c.value) in chosen]
    return ", ".join(labels) if labels else ", ".join(sorted(chosen))
