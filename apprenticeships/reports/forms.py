"""Forms of the public sector return: employee headcounts, the HR file, the answers, submitting and reopening."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation, ValidationError

from ..fields import WholeNumberField, text_area
from ..forms import AppForm
from ..models import EmployedBy
from ..services.sector_return import MAX_COUNT, PARTS, full_time_equivalent

HEADCOUNT_FIELDS = {  # name: (label, hint); the figures as DfE's form and the open data file name them
    "employees_start": ("Employees at the start of the period", "Working in England on 1 April"),
    "employees_end": ("Employees at the end of the period", "Working in England on 31 March"),
    "employees_new": ("New employees in the period", "Who started working for you in England during the year"),
    "fte_start": ("Full-time equivalent at the start of the period (optional)", "For example, 412.5"),
    "fte_end": ("Full-time equivalent at the end of the period (optional)", "For example, 420"),
    "fte_new": ("Full-time equivalent of the new employees (optional)", "For example, 38.5"),
}
ANSWER_LENGTH = 5000


def figure_of(label: str, part: str) -> str:
    """A figure of one part of the council, as every message about it names it: both parts' fields share
    their labels, so "Employees at the start of the period (maintained schools) must be ..."."""
    return f"{label.removesuffix(' (optional)')} ({part})"


class HeadcountField(WholeNumberField):
    """A headcount: a whole number from 0 to MAX_COUNT, required."""

    def __init__(self, label: str, part: str = "", **kwargs):
        self.figure = figure_of(label, part)
        super().__init__(label, widget=GovTextInput(), validators=[
            InputRequired(message=f"Enter the number of {self.figure[0].lower()}{self.figure[1:]}"),
            NumberRange(min=0, max=MAX_COUNT, message=f"{self.figure} must be between 0 and {MAX_COUNT:,}")],
            **kwargs)

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError(f"{self.figure} must be a whole number, like 250") from None


class FullTimeEquivalentField(StringField):
    """An optional number with up to 2 decimal places, held as a Decimal in `number`."""

    number = None

    def __init__(self, label: str, part: str = "", **kwargs):
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.figure = figure_of(label, part)

    def process_data(self, value):
        self.number = value
        self.data = "" if value is None else f"{value.normalize():f}"

    def pre_validate(self, form):
        self.number, problem = full_time_equivalent(self.data or "", self.figure)
        if problem:
            raise StopValidation(problem)  # one message, naming the part (not also the text checks' own)


def field_name(part: EmployedBy, name: str) -> str:
    return f"{part.value}_{name}"


class HeadcountForm(AppForm):
    """Both parts' employee numbers on one page (fields named like council_employees_start)."""

    version = HiddenField()
    submit = SubmitField("Save employee numbers", widget=GovSubmitInput())

    def headcounts(self) -> dict[EmployedBy, dict[str, object]]:
        return {part: {name: (self[field_name(part, name)].number if name.startswith("fte")
                              else self[field_name(part, name)].data) for name in HEADCOUNT_FIELDS}
                for part in PARTS}

    def fields_of(self, part: EmployedBy) -> list:
        return [self[field_name(part, name)] for name in HEADCOUNT_FIELDS]


for _part in PARTS:
    for _name, (_label, _hint) in HEADCOUNT_FIELDS.items():
        _kind = FullTimeEquivalentField if _name.startswith("fte") else HeadcountField
        setattr(HeadcountForm, field_name(_part, _name), _kind(_label, part=_part.part.lower(), description=_hint))


class HeadcountImportForm(AppForm):
    version = HiddenField()
    file = FileField("Upload a file", widget=GovFileInput(), description="A CSV file, 100 KB at most",
                     validators=[FileRequired(message="Select a CSV file")])
    submit = SubmitField("Import employee numbers", widget=GovSubmitInput())

    def validate_file(self, field) -> None:
        if not (field.data.filename or "").lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class AnswersForm(AppForm):
    version = HiddenField()
    actions_taken = text_area("What actions have you taken to meet the target? (optional)", ANSWER_LENGTH)
    challenges = text_area("What challenges have you faced in meeting the target? (optional)", ANSWER_LENGTH)
    future_plans = text_area("How are you planning to meet the target in future? (optional)", ANSWER_LENGTH)
    submit = SubmitField("Save answers", widget=GovSubmitInput())

    def answers(self) -> dict[str, str | None]:
        return {name: self[name].data or None for name in ("actions_taken", "challenges", "future_plans")}


class SubmitReturnForm(AppForm):
    version = HiddenField()
    figures = HiddenField()  # the figures the person checked (services/sector_return.py `fingerprint`)
    submit = SubmitField("Mark as submitted", widget=GovSubmitInput())


class ReopenForm(AppForm):
    version = HiddenField()
    confirm = RadioField("Are you sure you want to reopen this return?", widget=GovRadioInput(),
                         choices=[SelectChoice("yes", "Yes, reopen it so its figures and answers can change"),
                                  SelectChoice("no", "No, keep it as submitted")],
                         validators=[InputRequired(message="Select yes if you want to reopen the return")])
    submit = SubmitField("Continue", widget=GovSubmitInput())
