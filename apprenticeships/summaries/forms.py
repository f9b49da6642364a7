"""The share link form."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from ..fields import GovDateField, text_area
from ..forms import AppForm
from ..models import ShareMode


class ShareLinkForm(AppForm):
    label = StringField("Who is it for?", widget=GovTextInput(), description="For example, Board paper, January",
                        validators=[InputRequired(message="Enter who the link is for"),
                                    Length(max=120, message="Who it is for must be 120 characters or fewer")])
    mode = RadioField("Which figures should it show?", widget=GovRadioInput(), default="live", choices=[
        SelectChoice("live", "Live figures, kept up to date"),
        SelectChoice("snapshot", "A snapshot of the figures now (for a paper)")],
        validators=[InputRequired(message="Select live figures or a snapshot")])
    expires_on = GovDateField("Expiry date (optional)", description="The link stops working after this day")
    narrative = text_area("Highlights and what's next (optional)", 5000,
                          description="Write in plain sentences. For emphasis, put *stars* round words "
                                      "(**two** for bold); a line starting with - makes a list")
    submit = SubmitField("Create share link", widget=GovSubmitInput())

    def validate_expires_on(self, field) -> None:
        if field.data and field.data < date.today():
            raise ValidationError("Expiry date must be today or in the future")

    def values(self) -> dict:
        return {"label": self.label.data.strip(), "mode": ShareMode(self.mode.data), "expires_on": self.expires_on.data,
                "narrative": (self.narrative.data or "").strip() or None}
