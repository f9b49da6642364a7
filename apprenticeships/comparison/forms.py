"""Adding another council's file, and making a share link to a comparison."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from werkzeug.datastructures import FileStorage
from wtforms import MultipleFileField, SelectField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..fields import GovDateField
from ..forms import AppForm
from ..ids import parse_id


class CouncilFilesField(MultipleFileField):
    """The files chosen: only real files count (a browser sends an empty part for a chooser left empty)."""

    def process_formdata(self, valuelist):
        self.data = [v for v in valuelist if isinstance(v, FileStorage) and (v.filename or v.content_length)]

    def read(self, limit: int) -> list[tuple[str, bytes]]:
        """Each file's name and bytes, read up to one more than the limit."""
        return [(f.filename or "", f.stream.read(limit + 1)) for f in self.data or []]

    def _value(self):
        return False


class CouncilFileForm(AppForm):
    files = CouncilFilesField("Upload the files")
    address = StringField("Or enter the address of a published file (optional)", widget=GovTextInput(),
                          description="An address starting https:// of a ZIP file, or of a data file with its "
                                      "metadata file beside it",
                          validators=[Optional(), Length(max=2000, message="The address must be 2,000 characters "
                                                                           "or fewer")])
    submit = SubmitField("Add the file", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if valid and not self.files.data and not self.address.data:
            self.files.errors = ["Select the data file and its metadata file, or a ZIP file, or enter an address"]
            return False
        if valid and self.files.data and self.address.data:
            self.address.errors = ["Upload files or enter an address, not both"]
            return False
        return valid


class ComparisonLinkForm(AppForm):
    cohort = SelectField("Which cohort’s figures should it compare?", widget=GovSelect(), validate_choice=False,
                         validators=[InputRequired(message="Select a cohort")])
    label = StringField("Who is it for?", widget=GovTextInput(), description="For example, London councils' network",
                        validators=[InputRequired(message="Enter who the link is for"),
                                    Length(max=120, message="Who it is for must be 120 characters or fewer")])
    expires_on = GovDateField("Expiry date (optional)", description="The link stops working after this day")
    submit = SubmitField("Create share link", widget=GovSubmitInput())

    def validate_cohort(self, field) -> None:
        chosen = parse_id(field.data)
        if chosen is None or chosen not in {parse_id(choice.value) for choice in self.cohort.choices or []}:
            raise ValidationError("Select a cohort")

    def validate_expires_on(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError("Expiry date must be today or in the future")
