"""Form fields that several forms share, with GOV.UK widgets and GOV.UK-style messages."""

import re
from datetime import date

from govuk_frontend_wtf.wtforms_widgets import (
    GovCharacterCount,
    GovCheckboxesInput,
    GovDateInput,
    GovFormBase,
    GovRadioInput,
    GovTextInput,
)
from wtforms import DateField, EmailField, IntegerField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, StopValidation

from .text import minutes_from_hours, money, pence_from_pounds

_DATE_PART = re.compile(r"[0-9]{1,4}")
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,9}")  # up to 999,999,999: beyond any count or duration here


def email_field(missing: str, label: str = "Email address") -> EmailField:
    """A required email address; `missing` is the message when it is left empty."""
    return EmailField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=missing),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )


class _NoEmptyHint:
    """govuk-frontend-wtf gives radios and checkboxes a hint even when the field has no description:
    an empty hint, which the GOV.UK macro still renders and names in the fieldset's aria-describedby
    (a screen reader would announce nothing). Only a hint with words is kept."""

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        hint = params.get("hint")
        if hint is not None and not (hint.get("text") or hint.get("html")):
            del params["hint"]
        return params


class RadioInput(_NoEmptyHint, GovRadioInput):
    """GOV.UK radios, with no empty hint (use it rather than GovRadioInput)."""


class CheckboxesInput(_NoEmptyHint, GovCheckboxesInput):
    """GOV.UK checkboxes, with no empty hint (use it rather than GovCheckboxesInput)."""


class GovDateField(DateField):
    """A GOV.UK date input (day, month, year) with GOV.UK-style messages.

    WTForms' own DateField joins whatever arrives; this one insists on exactly three parts of
    plain digits, so a tampered or partial post is an error next to the field, never a crash
    (a year of eleven digits would overflow `date`). A real date falls within `years`. Make
    it required with DataRequired("Enter the ...").
    """

    def __init__(self, label: str, validators=None, years: tuple[int, int] = (1900, 2100), **kwargs):
        kwargs.setdefault("widget", GovDateInput())
        super().__init__(label, validators, format="%d %m %Y", **kwargs)
        self.years = years

    def process_formdata(self, valuelist):
        parts = [v.strip() for v in valuelist][:3]
        self.raw_data = parts + [""] * (3 - len(parts))  # the widget always expects three
        self.data = None
        if not any(self.raw_data):
            return
        missing = [part for part, text in zip(("day", "month", "year"), self.raw_data, strict=True) if not text]
        if missing:  # GOV.UK: "Date of birth must include a month", "... must include a day and year"
            raise ValueError(f"{self.label.text} must include a {' and '.join(missing)}")
        if not all(_DATE_PART.fullmatch(p) for p in self.raw_data):
            raise ValueError(f"{self.label.text} must be a real date")
        day, month, year = (int(p) for p in self.raw_data)
        first, last = self.years
        if not first <= year <= last:
            raise ValueError(f"{self.label.text} must be a year between {first} and {last}")
        try:
            self.data = date(year, month, day)
        except ValueError:
            raise ValueError(f"{self.label.text} must be a real date") from None

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # one message is enough: it is already there


class GovMonthInput(GovDateInput):
    """GOV.UK's date input with a month and a year only (as for "a month's funds")."""

    def map_gov_params(self, field, **kwargs):
        month, year = field.raw_data if field.raw_data is not None else (
            (f"{field.data.month:02d}", str(field.data.year)) if field.data else (None, None))
        params = GovFormBase.map_gov_params(self, field, **kwargs)  # not GovDateInput's: it expects a day
        classes = " govuk-input--error" if field.errors else ""
        params.setdefault("fieldset", {"legend": {"text": field.label.text}})
        params.setdefault("items", [
            {"label": "Month", "id": f"{field.name}-month", "name": field.name,
             "classes": "govuk-input--width-2" + classes, "value": month},
            {"label": "Year", "id": f"{field.name}-year", "name": field.name,
             "classes": "govuk-input--width-4" + classes, "value": year},
        ])
        return params


class GovMonthField(DateField):
    """A month and year (held as the first day of the month), with GOV.UK-style messages: like
    GovDateField, exactly two parts of plain digits, or an error next to the field."""

    def __init__(self, label: str, validators=None, years: tuple[int, int] = (1900, 2100), **kwargs):
        kwargs.setdefault("widget", GovMonthInput())
        super().__init__(label, validators, format="%m %Y", **kwargs)
        self.years = years

    def process_formdata(self, valuelist):
        parts = [v.strip() for v in valuelist][:2]
        self.raw_data = parts + [""] * (2 - len(parts))
        self.data = None
        if not any(self.raw_data):
            return
        missing = [part for part, text in zip(("month", "year"), self.raw_data, strict=True) if not text]
        if missing:
            raise ValueError(f"{self.label.text} must include a {missing[0]}")
        if not all(_DATE_PART.fullmatch(p) for p in self.raw_data):
            raise ValueError(f"{self.label.text} must be a real month")
        month, year = (int(p) for p in self.raw_data)
        first, last = self.years
        if not first <= year <= last:
            raise ValueError(f"{self.label.text} must be a year between {first} and {last}")
        if not 1 <= month <= 12:
            raise ValueError(f"{self.label.text} must be a real month")
        self.data = date(year, month, 1)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class WholeNumberField(IntegerField):
    """A whole number, with a GOV.UK-style message when it is not one (or too long to be a sensible one)."""

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        self.data = None
        if not text:
            return
        if not _WHOLE_NUMBER.fullmatch(text):
            raise ValueError(f"{self.label.text.removesuffix(' (optional)')} must be a whole number")
        self.data = int(text)

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # one message is enough: not also "must be between ..." for the same input


class HoursField(StringField):
    """Hours as a person writes them (37.5, 22, 7.25), held as whole minutes."""

    def __init__(self, label: str, validators=None, example: str = "37.5", **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.minutes: int | None = None
        self.example = example  # for the message when it is not a number: hours a week, or a day's

    def process_data(self, value):
        # From a record, `value` is minutes: show them as hours.
        self.minutes = value
        self.data = None if value is None else f"{value / 60:g}"

    def process_formdata(self, valuelist):
        self.data = (valuelist[0] if valuelist else "").strip()
        self.minutes = None
        if not self.data:
            return
        number = self.data.removeprefix("-")  # a negative number is still a number: the form's range speaks
        self.minutes = minutes_from_hours(number)
        if self.minutes is None:
            raise ValueError(f"{self.label.text} must be a number, like {self.example}")
        if number != self.data:
            self.minutes = -self.minutes


class MoneyField(StringField):
    """Pounds as a person writes them ("£1,250.50", "1250"), held as whole pence in `pence`.

    The range is checked here too, so a huge figure is an error next to the field, not a failed
    database CHECK."""

    def __init__(self, label: str, validators=None, *, minimum: int = 1, maximum: int = 100_000_000_000, **kwargs):
        kwargs.setdefault("widget", GovTextInput())
        super().__init__(label, validators, **kwargs)
        self.pence: int | None = None
        self.minimum, self.maximum = minimum, maximum

    def process_data(self, value):
        # From a record, `value` is pence: show them as pounds, without the sign (the prefix shows it).
        self.pence = value
        self.data = None if value is None else money(value).removeprefix("£")

    def process_formdata(self, valuelist):
        self.data = (valuelist[0] if valuelist else "").strip()
        self.pence = None
        if not self.data:
            return
        name = self.label.text.removesuffix(" (optional)")
        self.pence = pence_from_pounds(self.data)
        if self.pence is None:
            raise ValueError(f"{name} must be an amount in pounds, like 1,250 or 1,250.50")
        if not self.minimum <= self.pence <= self.maximum:
            low, high = money(self.minimum), money(self.maximum, whole=True)
            self.pence = None
            raise ValueError(f"{name} must be between {low} and {high}")

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class CharacterCount(GovCharacterCount):
    """GOV.UK's character count, which needs to know the limit to count down from."""

    def __init__(self, maxlength: int):
        super().__init__()
        self.maxlength = maxlength

    def map_gov_params(self, field, **kwargs):
        params = super().map_gov_params(field, **kwargs)
        params.setdefault("maxlength", self.maxlength)
        return params


def text_area(label: str, maxlength: int, *, missing: str | None = None, **kwargs) -> TextAreaField:
    """A text area counting down to `maxlength`; required when `missing` (its message) is given."""
    name = re.sub(r"\s*\([^)]*\)", "", label).strip()  # "Reason (needed to decline)" is "Reason" in a message
    # No Optional() when not required: it would stop a form's own check that needs the field
    # in some cases (a reason to decline, say). An empty text area passes Length anyway.
    validators = [InputRequired(message=missing)] if missing else []
    validators.append(Length(max=maxlength, message=f"{name} must be {maxlength:,} characters or fewer"))
    return TextAreaField(label, widget=CharacterCount(maxlength), validators=validators, **kwargs)


class FilterDateField(GovDateField):
    """A list's filter date, labelled "From" or "To" beside the other: its messages call it "the ‘from’
    date", as "From must be a real date" would not read as a sentence. The verification queue and the
    audit log both use it, so that their date filters say the same."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.type = "GovDateField"  # a date input as any other (the error summary links to its day box)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            message, label = str(error), self.label.text  # "From must be a real date"
            if message.startswith(label):
                message = filter_date_name(label) + message[len(label):]
            raise ValueError(message) from None


def filter_date_name(label: str) -> str:
    """A filter date's label as a sentence names it: "From" as "The ‘from’ date"."""
    return f"The ‘{label.lower()}’ date"


FILTER_DATES_IN_ORDER = "The ‘to’ date must be the same as or after the ‘from’ date"
