"""Forms for keeping a record longer and for confirming that records are anonymised."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovCheckboxInput, GovSubmitInput, GovTextInput
from wtforms import BooleanField, RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..fields import RadioInput
from ..forms import AppForm
from ..versioning import VersionedForm


class KeepLongerForm(VersionedForm):
    keep_longer = RadioField(
        "Must this record be kept past the retention period?", widget=RadioInput(),
        choices=[SelectChoice("yes", "Yes, keep it until this is changed back"),
                 SelectChoice("no", "No, list it for anonymising once its retention period ends")],
        validators=[InputRequired(message="Select yes if this record must be kept longer")])
    reason = StringField(
        "Why it must be kept longer", widget=GovTextInput(),
        description="If yes. For example, match-funded evidence that must be kept until the funder's date",
        validators=[Length(max=200, message="The reason must be 200 characters or fewer")])
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_reason(self, field) -> None:
        if self.keep_longer.data == "yes" and not field.data:
            raise ValidationError("Enter why this record must be kept longer")

    def values(self) -> tuple[bool, str | None]:
        keep = self.keep_longer.data == "yes"
        return keep, (self.reason.data or None) if keep else None


class AnonymiseForm(AppForm):
    """The confirmation: the records chosen travel as `apprentice` ids beside it (read by the view)."""

    confirm = BooleanField(
        "I understand that anonymising these records cannot be undone", widget=GovCheckboxInput(),
        description="It happens at once, for everyone who uses the service",
        validators=[DataRequired(message="Confirm that you understand anonymising cannot be undone")])
    submit = SubmitField("Anonymise", widget=GovSubmitInput())
