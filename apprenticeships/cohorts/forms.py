"""The cohort form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..fields import GovDateField, WholeNumberField, text_area
from ..services.cohorts import name_taken
from ..versioning import VersionedForm


class CohortForm(VersionedForm):
    name = StringField(
        "Name", widget=GovTextInput(), description="For example, Digital apprentices 2026 to 2028",
        validators=[InputRequired(message="Enter a name for the cohort"),
                    Length(max=120, message="Name must be 120 characters or fewer")],
    )
    start_date = GovDateField("Start date", validators=[DataRequired(message="Enter the start date")],
                              description="For example, 27 3 2026")
    description = text_area("Description (optional)", 2000)
    intake_target = WholeNumberField(
        "Intake target (optional)", widget=GovTextInput(), description="How many apprentices you plan to take on",
        validators=[Optional(), NumberRange(min=1, max=10000, message="Intake target must be between 1 and 10,000")],
    )
    submit = SubmitField("Save cohort", widget=GovSubmitInput())

    def __init__(self, *args, cohort_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._cohort_id = cohort_id

    def validate_name(self, field) -> None:
        if field.data and name_taken(field.data, self._cohort_id):
            raise ValidationError("A cohort with this name already exists")

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "start_date": self.start_date.data,
                "description": (self.description.data or "").strip() or None, "intake_target": self.intake_target.data}
