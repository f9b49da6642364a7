"""Forms of the public sector return: employee headcounts, the HR file, the answers, submitting and reopening."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, ValidationError

from ..fields import WholeNumberField, text_area
from ..forms import AppForm
from ..models import EmployedBy
from ..services.sector_return import MAX_COUNT, PARTS, full_time_equivalent

HEADCOUNT_FIELDS = {  # name: (label, hint)
    "employees_start": ("Employees at the start of the year", "Working in England on 1 April"),
    "employees_end": ("Employees at the end of the year", "Working in England on 31 March"),
    "employees_new": ("New employees during the year", "Who started working for you in England during the year"),
    "fte_start": ("Full-time equivalent at the start (optional)", "For example, 412.5"),
    "fte_end": ("Full-time equivalent at the end (optional)", "For example, 420"),
    "fte_new": ("Full-time equivalent of the new employees (optional)", "For example, 38.5"),
}
ANSWER_LENGTH = 5000


class FullTimeEquivalentField(StringField):
    """An optional number with up to 2 decimal places, held as a Decimal in `number`."""

    number = None

    def __init__(self, label: str, part: str = "", **kwargs):
        super().__init__(label, widget=GovTextInput(), **kwargs)
        self.part = part

    def process_data(self, value):
        self.number = value
        self.data = "" if value is None else f"{value.normalize():f}"

    def pre_validate(self, form):
        name = self.label.text.removesuffix(" (optional)")
        self.number, problem = full_time_equivalent(self.data or "", f"{name} ({self.part})")
        if problem:
            raise ValidationError(problem)


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
        if _name.startswith("fte"):
            _field = FullTimeEquivalentField(_label, part=_part.part.lower(), description=_hint)
        else:
            _field = WholeNumberField(_label, widget=GovTextInput(), description=_hint, validators=[
                InputRequired(message=f"Enter the number of {_label.lower()} ({_part.part.lower()})"),
                NumberRange(min=0, max=MAX_COUNT,
                            message=f"{_label} ({_part.part.lower()}) must be between 0 and {MAX_COUNT:,}")])
        setattr(HeadcountForm, field_name(_part, _name), _field)


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
