"""The base of every form: text is cleaned and checked the same way everywhere.

Whatever a person (or anyone with a script) sends in a text field:
- it is trimmed, Windows line endings become plain ones, and text with nothing visible in it
  (spaces, zero-width spaces, direction marks) counts as empty, so "required" means something;
- control characters (NUL and the rest; in a text area, all but new lines and tabs) are
  refused next to the field: PostgreSQL cannot store NUL, and none belong in a name or a note;
- its length is bounded: by the field's own Length rule, or by MAX_TEXT when it has none.

These checks run before the form's own `validate_<field>` methods, which may then query the
database with the value safely.
"""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm
from werkzeug.datastructures import ImmutableMultiDict
from wtforms import HiddenField, PasswordField, StringField, TextAreaField
from wtforms.csrf.core import CSRFTokenField
from wtforms.validators import DataRequired, InputRequired, Length, StopValidation

from .text import clean_text, control_character_problem, without_control_characters

MAX_TEXT = 10_000  # for a text field with no Length rule of its own
# Passwords are taken as typed; hidden fields carry the app's own data back (a checked file, a
# version) and are checked by what reads them.
_NOT_TEXT = (PasswordField, CSRFTokenField, HiddenField)


def _is_text(field) -> bool:
    return isinstance(field, StringField) and not isinstance(field, _NOT_TEXT)


def _name(field) -> str:
    return field.label.text.removesuffix(" (optional)")


def _required_message(field) -> str | None:
    for validator in field.validators:
        if isinstance(validator, InputRequired | DataRequired):
            return validator.message or f"Enter {_name(field).lower()}"
    return None


def check_text(form, field) -> None:
    """Refuse control characters, bound the length and require visible text where it is required."""
    value = field.data
    if not isinstance(value, str):
        return
    if problem := control_character_problem(value, _name(field), multiline=isinstance(field, TextAreaField)):
        raise StopValidation(problem)
    if not any(isinstance(v, Length) for v in field.validators) and len(value) > MAX_TEXT:
        raise StopValidation(f"{_name(field)} must be {MAX_TEXT:,} characters or fewer")
    if not value and field.raw_data and (message := _required_message(field)):
        raise StopValidation(message)


class AppForm(FlaskForm):
    """Every form's base (see the module's docstring)."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField) and not issubclass(
                    unbound_field.field_class, _NOT_TEXT):
                options = dict(options, filters=[clean_text, *unbound_field.kwargs.get("filters", ())])
            return unbound_field.bind(form=form, **options)

    def process(self, formdata=None, obj=None, data=None, extra_filters=None, **kwargs):
        # WTForms prefers the record's attribute to `data`; here `data` says how a form shows a
        # stored value (True as "yes", an id as its option's string), so it must win, or a
        # radio or select shows nothing chosen and the next save asks again.
        if obj is not None and data:
            obj = _Overlay(obj, data)
        super().process(formdata, obj, data=data, extra_filters=extra_filters, **kwargs)

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if _is_text(field):
                extra[name] = [check_text, *extra.get(name, [])]
        return super().validate(extra)


class _Overlay:
    """A record seen through a dict of values that take its place."""

    def __init__(self, record, values: dict):
        self._record, self._values = record, values

    def __getattr__(self, name: str):
        if name in self._values:
            return self._values[name]
        return getattr(self._record, name)


def clean_query_args() -> None:
    """Before every request: filters and searches in the address get the text fields' cleaning.

    A search box or filter is read straight from `request.args` rather than through a form, so
    control characters are dropped there (PostgreSQL refuses NUL even in a query's parameters)
    and each value trimmed; what is left is then read as any other filter value.
    """
    if not request.args:
        return
    request.args = ImmutableMultiDict([(without_control_characters(key), clean_text(without_control_characters(value)))
                                       for key, value in request.args.items(multi=True)])
