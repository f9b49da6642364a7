"""Forms for log entries and their verification."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxesInput, GovRadioInput, GovSelect, GovSubmitInput
from wtforms import RadioField, SelectField, SelectMultipleField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, ValidationError

from ..fields import GovDateField, HoursField, text_area
from ..forms import AppForm
from ..models import ActivityType, Apprentice, Ksb, LogEntry
from ..services.logbook import MAX_MINUTES_A_DAY, day_limit_message, minutes_logged_on
from ..versioning import VersionedForm


class LogEntryForm(VersionedForm):
    activity_date = GovDateField("Date", validators=[DataRequired(message="Enter the date of the learning")])
    activity_type = SelectField("Activity", widget=GovSelect(), validate_choice=False,
                                choices=[SelectChoice("", "Select an activity")] + ActivityType.choices(),
                                validators=[DataRequired(message="Select the activity")])
    off_the_job = RadioField("Was it off-the-job training?", widget=GovRadioInput(), default="yes",
                             choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, part of my day job")],
                             description="Learning in paid hours that is not your day job: courses, study, "
                                         "shadowing, mentoring, project work for learning",
                             validators=[InputRequired(message="Select yes if it was off-the-job training")])
    minutes = HoursField("Hours", description="In quarter hours, like 1.5 or 2.25", example="1.5",
                         validators=[InputRequired(message="Enter the hours")])
    description = text_area("What you did and learned", 4000, missing="Describe what you did and learned")
    ksb_ids = SelectMultipleField("Knowledge, skills and behaviours it shows (optional)", validate_choice=False,
                                  widget=GovCheckboxesInput())
    submit = SubmitField("Add entry", widget=GovSubmitInput())

    def __init__(self, apprentice: Apprentice, *args, entry: LogEntry | None = None, today: date | None = None,
                 **kwargs):
        if entry is not None and "formdata" not in kwargs:
            kwargs["data"] = {"off_the_job": "yes" if entry.off_the_job else "no",
                              "activity_type": entry.activity_type.value,
                              "ksb_ids": [str(k.id) for k in entry.ksbs]}
        super().__init__(*args, obj=entry, **kwargs)
        self.apprentice, self.entry, self.today = apprentice, entry, today or date.today()
        self.ksb_ids.choices = [SelectChoice(str(k.id), f"{k.code} {k.description}") for k in apprentice.standard.ksbs]

    def validate_activity_date(self, field) -> None:
        if field.data and field.data > self.today:
            raise ValidationError("Date must be today or in the past")
        if field.data and field.data < self.apprentice.start_date:
            raise ValidationError("Date must be on or after the start of your apprenticeship")

    def validate_activity_type(self, field) -> None:
        if field.data not in ActivityType._value2member_map_:
            raise ValidationError("Select the activity")

    def validate_minutes(self, field) -> None:
        if field.minutes is None:
            return
        if field.minutes <= 0:
            raise ValidationError("Hours must be more than 0")
        if field.minutes % 15:
            raise ValidationError("Hours must be in quarter hours, like 1.25, 1.5 or 1.75")
        if self.activity_date.data:
            already = minutes_logged_on(self.apprentice.id, self.activity_date.data,
                                        except_entry=self.entry.id if self.entry else None)
            if already + field.minutes > MAX_MINUTES_A_DAY:
                raise ValidationError(day_limit_message(already))

    def validate_ksb_ids(self, field) -> None:
        allowed = {c.value for c in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Select knowledge, skills and behaviours from the list")

    def values(self) -> dict:
        return {"activity_date": self.activity_date.data, "activity_type": ActivityType(self.activity_type.data),
                "off_the_job": self.off_the_job.data == "yes", "minutes": self.minutes.minutes,
                "description": self.description.data.strip()}

    def ksbs(self) -> list[Ksb]:
        chosen = set(self.ksb_ids.data or [])
        return [k for k in self.apprentice.standard.ksbs if str(k.id) in chosen]


class QueryForm(VersionedForm):
    comment = text_area("Your question for the apprentice", 1000, missing="Enter what you need to know")
    submit = SubmitField("Send query", widget=GovSubmitInput())


class AnswerForm(AppForm):
    response = text_area("Your answer", 1000, missing="Enter your answer")
    submit = SubmitField("Send answer", widget=GovSubmitInput())
