"""Forms for apprentices: their details, their mentor, and each status change."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import (
    GovFileInput,
    GovRadioInput,
    GovSelect,
    GovSubmitInput,
    GovTextInput,
)
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..extensions import db
from ..fields import GovDateField, HoursField, text_area
from ..forms import AppForm
from ..ids import parse_id
from ..models import (
    Apprentice,
    ApprenticeshipStandard,
    Cohort,
    EmployedBy,
    EpaOutcome,
    Mentor,
    ServiceArea,
    TrainingProvider,
)
from ..services import apprentice_rules
from ..services.apprentices import MINIMUM_BREAK
from ..versioning import VersionedForm


def _options(model, label, prompt: str, *where) -> list[SelectChoice]:
    rows = db.session.execute(sa.select(model.id, label).where(*where).order_by(label)).all()
    return [SelectChoice("", prompt)] + [SelectChoice(str(i), text) for i, text in rows]


class ApprenticeForm(VersionedForm):
    first_name = StringField("First name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the apprentice’s first name"),
        Length(max=80, message="First name must be 80 characters or fewer")])
    last_name = StringField("Last name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the apprentice’s last name"),
        Length(max=80, message="Last name must be 80 characters or fewer")])
    email = StringField("Email address (optional)", widget=GovTextInput(), validators=[
        Optional(), Regexp(r"^[^@\s]+@[^@\s]+\.[^@\s]+$",
                           message="Enter an email address in the correct format, like name@example.org"),
        Length(max=254, message="Email address must be 254 characters or fewer")])
    uln = StringField("Unique learner number (ULN) (optional)", widget=GovTextInput(),
                      description="10 digits, from the training provider", validators=[
                          Optional(), Regexp(r"^\d{10}$", message="ULN must be 10 digits")])
    cohort_id = SelectField("Cohort", widget=GovSelect(), validate_choice=False,
                            validators=[DataRequired(message="Select a cohort")])
    standard_id = SelectField("Apprenticeship standard", widget=GovSelect(), validate_choice=False,
                              validators=[DataRequired(message="Select the apprenticeship standard")])
    provider_id = SelectField("Training provider", widget=GovSelect(), validate_choice=False,
                              validators=[DataRequired(message="Select the training provider")])
    service_area = SelectField("Service area", widget=GovSelect(), validate_choice=False,
                               choices=[SelectChoice("", "Select a service area")] + ServiceArea.choices(),
                               validators=[DataRequired(message="Select the service area")])
    team = StringField("Team (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Team must be 120 characters or fewer")])
    job_title = StringField("Job title (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Job title must be 120 characters or fewer")])
    contracted_minutes_per_week = HoursField("Contracted hours a week", description="For example, 37.5",
                                             validators=[InputRequired(message="Enter the contracted hours a week")])
    start_date = GovDateField("Start date", validators=[DataRequired(message="Enter the start date")])
    planned_end_date = GovDateField("Planned end date", validators=[DataRequired(message="Enter the planned end date")])
    mentor_id = SelectField("Mentor (optional)", widget=GovSelect(), validate_choice=False)
    consent_to_be_named = RadioField(
        "Have they agreed to be named in published summaries?", widget=GovRadioInput(),
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")], default="no",
        description="Only their first name and team, and only if they say yes",
        validators=[InputRequired(message="Select yes if they have agreed to be named")])
    # For the public sector return (services/sector_return.py), which splits every figure this way.
    # Left out of a post (an older page, a script), it stays as it is: the council for someone new.
    employed_by = RadioField("Who employs them?", widget=GovRadioInput(), choices=EmployedBy.choices(),
                             default=EmployedBy.COUNCIL.value, validators=[Optional()])
    employed_by_since = GovDateField(
        "Date they moved there (optional)",
        description="Only if they moved between the council and a maintained school after they started. "
                    "For example, 27 3 2026")
    submit = SubmitField("Save apprentice", widget=GovSubmitInput())

    def __init__(self, *args, apprentice: Apprentice | None = None, choices: dict | None = None, **kwargs):
        if apprentice is not None and "data" not in kwargs:
            kwargs["data"] = {"consent_to_be_named": "yes" if apprentice.consent_to_be_named else "no",
                              **{f: str(getattr(apprentice, f) or "") for f in
                                 ("cohort_id", "standard_id", "provider_id", "mentor_id")},
                              "service_area": apprentice.service_area.value,
                              "employed_by": apprentice.employed_by.value}
        super().__init__(*args, obj=apprentice, **kwargs)
        self._apprentice = apprentice
        for name, options in (choices or self.load_choices(apprentice)).items():
            self[name].choices = options

    @staticmethod
    def load_choices(apprentice: Apprentice | None = None) -> dict[str, list[SelectChoice]]:
        """The options of the select fields."""
        return {
            "cohort_id": _options(Cohort, Cohort.name, "Select a cohort", apprentice_rules.cohorts_open_to(apprentice)),
            "standard_id": [SelectChoice("", "Select a standard")] + [
                SelectChoice(str(i), f"{t} (level {lv}, {ref})") for i, t, lv, ref in db.session.execute(
                    sa.select(ApprenticeshipStandard.id, ApprenticeshipStandard.title, ApprenticeshipStandard.level,
                              ApprenticeshipStandard.reference).order_by(ApprenticeshipStandard.title))],
            "provider_id": _options(TrainingProvider, TrainingProvider.name, "Select a training provider"),
            "mentor_id": _options(Mentor, Mentor.name, "No mentor yet"),
        }

    def validate(self, extra_validators=None) -> bool:
        """Each field reads its input (a date is a date); then the rules for a valid apprentice, which
        live in services/apprentice_rules.py so that the import keeps them too."""
        valid = super().validate(extra_validators)
        given = {name: self[name].data for name in apprentice_rules.FIELDS}
        given["contracted_minutes_per_week"] = getattr(self.contracted_minutes_per_week, "minutes", None)
        offered = apprentice_rules.Options.offered({name: [c.value for c in self[name].choices]
                                                    for name in apprentice_rules.LINKS})
        self._checked = apprentice_rules.check(given, apprentice=self._apprentice, options=offered)
        for name, message in self._checked.problems.items():
            if not self[name].errors:  # a field's own message (it could not read the input) comes first
                self[name].errors.append(message)
        since, start = self.employed_by_since.data, self.start_date.data
        if since and start and since <= start:
            self.employed_by_since.errors.append("Date they moved there must be after the start date")
            valid = False
        return valid and self._checked.ok

    def values(self) -> dict:
        """The details to save, as the rules cleaned them (call after `validate`)."""
        chosen = self.employed_by.data
        employed_by = EmployedBy(chosen) if chosen else (
            self._apprentice.employed_by if self._apprentice else EmployedBy.COUNCIL)
        return dict(self._checked.values, employed_by=employed_by, employed_by_since=self.employed_by_since.data)


class StatusForm(AppForm):
    """Shared checks for status changes: dates within the apprenticeship and not in the future."""

    submit = SubmitField("Save", widget=GovSubmitInput())

    def __init__(self, apprentice: Apprentice, *args, today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.apprentice = apprentice
        self.today = today or date.today()

    def _not_future(self, field) -> None:
        if field.data and field.data > self.today:
            raise ValidationError(f"{field.label.text} must be today or in the past")

    def _after_start(self, field) -> None:
        if field.data and field.data < self.apprentice.start_date:
            raise ValidationError(f"{field.label.text} must be on or after the start date")


class StartBreakForm(StatusForm):
    start_date = GovDateField("Date the break starts",
                              validators=[DataRequired(message="Enter the date the break starts")])
    expected_return_date = GovDateField("Expected return date",
                                        validators=[DataRequired(message="Enter the expected return date")])
    reason = text_area("Reason for the break", 1000, missing="Enter the reason for the break")

    def validate_start_date(self, field):
        self._after_start(field)

    def validate_expected_return_date(self, field):
        if field.data and self.start_date.data and field.data < self.start_date.data + MINIMUM_BREAK:
            raise ValidationError("A break in learning must last at least 4 weeks")


class EndBreakForm(StatusForm):
    returned_on = GovDateField("Date they returned", validators=[DataRequired(message="Enter the date they returned")])

    def validate_returned_on(self, field):
        self._not_future(field)
        pause = next((b for b in self.apprentice.breaks if b.returned_on is None), None)
        if field.data and pause and field.data < pause.start_date:
            raise ValidationError("Date they returned must be on or after the start of the break")


class WithdrawForm(StatusForm):
    withdrawal_date = GovDateField("Date they withdrew",
                                   validators=[DataRequired(message="Enter the date they withdrew")])
    reason = text_area("Reason for withdrawing", 1000, missing="Enter the reason for withdrawing")

    def validate_withdrawal_date(self, field):
        self._not_future(field)
        self._after_start(field)


class GatewayForm(StatusForm):
    gateway_date = GovDateField("Gateway date", validators=[DataRequired(message="Enter the gateway date")])

    def validate_gateway_date(self, field):
        self._not_future(field)
        self._after_start(field)


class EpaForm(StatusForm):
    epa_date = GovDateField("Date of the result", validators=[DataRequired(message="Enter the date of the result")])
    outcome = RadioField("Result", widget=GovRadioInput(), choices=EpaOutcome.choices(),
                         validators=[InputRequired(message="Select the result")])

    def validate_epa_date(self, field):
        self._not_future(field)
        if field.data and self.apprentice.gateway_date and field.data < self.apprentice.gateway_date:
            raise ValidationError("Date of the result must be on or after the gateway date")


class CompleteForm(StatusForm):
    completion_date = GovDateField("Completion date", validators=[DataRequired(message="Enter the completion date")])

    def validate_completion_date(self, field):
        self._not_future(field)
        if field.data and self.apprentice.gateway_date and field.data < self.apprentice.gateway_date:
            raise ValidationError("Completion date must be on or after the gateway date")


class MentorChoiceForm(AppForm):
    mentor_id = RadioField("Mentor", validate_choice=False)
    submit = SubmitField("Save mentor", widget=GovSubmitInput())

    def validate_mentor_id(self, field) -> None:
        # The picker shows only some of the mentors (there can be thousands): any that exists will do.
        mentor_id = parse_id(field.data)
        if field.data != "none" and not (mentor_id and db.session.get(Mentor, mentor_id)):
            raise ValidationError("Select a mentor")



class ImportUploadForm(AppForm):
    file = FileField("Upload a file", widget=GovFileInput(), description="A CSV file, 2 MB at most",
                     validators=[FileRequired(message="Select a CSV file")])
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_file(self, field) -> None:
        name = (field.data.filename or "").lower()
        if not name.endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class ImportConfirmForm(AppForm):
    """The checked file goes back with the confirmation and is checked again before anything is added."""

    content = HiddenField()
    cohort = HiddenField()  # the cohort the file was imported from (rows may leave theirs out)
