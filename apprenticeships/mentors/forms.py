"""The mentor form."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import StringField, SubmitField
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from ..fields import WholeNumberField, email_field
from ..forms import AppForm
from ..models import Mentor
from ..services.catalogue import is_taken


class MentorForm(AppForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the mentor's full name"),
        Length(max=120, message="Full name must be 120 characters or fewer")])
    email = email_field("Enter the mentor's email address")
    job_title = StringField("Job title (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Job title must be 120 characters or fewer")])
    team = StringField("Team (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Team must be 120 characters or fewer")])
    capacity = WholeNumberField("Capacity", widget=GovTextInput(),
                                description="How many apprentices they can support at once",
                                validators=[InputRequired(message="Enter how many apprentices they can support"),
                                            NumberRange(min=0, max=50, message="Capacity must be between 0 and 50")])
    submit = SubmitField("Save mentor", widget=GovSubmitInput())

    def __init__(self, *args, mentor_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._id = mentor_id

    def validate_email(self, field) -> None:
        if field.data and is_taken(Mentor.email, field.data, self._id):
            raise ValidationError("Another mentor has this email address")

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "email": self.email.data.strip().lower(),
                "job_title": (self.job_title.data or "").strip() or None,
                "team": (self.team.data or "").strip() or None,
                "capacity": self.capacity.data}
