"""Forms for recording, signing and reopening progress reviews."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput, GovTextInput
from wtforms import RadioField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ..fields import GovDateField, RadioInput, text_area
from ..forms import AppForm
from ..models import Apprentice, ProgrammeSettings, Rag
from ..services.progress import interval_words
from ..versioning import VersionedForm

ACTION_ROWS = (1, 2, 3)


def _action_fields() -> dict:
    """Up to three agreed actions, each with who does it and when it is due."""
    fields = {}
    for n in ACTION_ROWS:
        fields[f"action_{n}"] = StringField(f"Action {n} (optional)", widget=GovTextInput(), validators=[
            Optional(), Length(max=500, message="An action must be 500 characters or fewer")])
        fields[f"owner_{n}"] = StringField(f"Who will do action {n}", widget=GovTextInput(), validators=[
            Optional(), Length(max=120, message="Who will do it must be 120 characters or fewer")])
        fields[f"due_{n}"] = GovDateField(f"When action {n} is due")
    return fields


ActionFields = type("ActionFields", (), _action_fields())


class RecordReviewForm(VersionedForm, ActionFields):
    held_date = GovDateField("Date held", validators=[DataRequired(message="Enter the date the review was held")])
    attendees = StringField("Who attended", widget=GovTextInput(),
                            description="For example, the apprentice, their line manager and the provider's tutor",
                            validators=[InputRequired(message="Enter who attended"),
                                        Length(max=500, message="Who attended must be 500 characters or fewer")])
    rag = RadioField("Overall rating", widget=RadioInput(), choices=Rag.choices(),
                     validators=[InputRequired(message="Select a rating")])
    progress_notes = text_area("Progress against the training plan", 4000,
                               missing="Enter the progress against the training plan")
    ksb_progress = text_area("Progress on knowledge, skills and behaviours (optional)", 4000)
    next_review_date = GovDateField("Next review date (optional)")
    submit = SubmitField("Save review", widget=GovSubmitInput())

    def __init__(self, apprentice: Apprentice, *args, settings: ProgrammeSettings, today: date | None = None,
                 **kwargs):
        super().__init__(*args, **kwargs)
        self.apprentice, self.today = apprentice, today or date.today()
        self.next_review_date.description = (
            f"Leave it empty to book it for the day it is due: {interval_words(settings)} after the date held, "
            "later if there is a break in learning")

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        for n in ACTION_ROWS:
            action, owner, due = self[f"action_{n}"], self[f"owner_{n}"], self[f"due_{n}"]
            if (action.data or "").strip():
                if not (owner.data or "").strip():
                    owner.errors.append(f"Enter who will do action {n}")
                    valid = False
                if due.data is None and not due.errors:
                    due.errors.append(f"Enter when action {n} is due")
                    valid = False
            elif (owner.data or "").strip() or due.data:
                action.errors.append(f"Enter action {n}, or leave its owner and date empty")
                valid = False
        return valid

    def actions(self) -> list[dict]:
        return [{"description": self[f"action_{n}"].data.strip(), "owner": self[f"owner_{n}"].data.strip(),
                 "due_date": self[f"due_{n}"].data} for n in ACTION_ROWS if (self[f"action_{n}"].data or "").strip()]

    def validate_held_date(self, field) -> None:
        if field.data and field.data > self.today:
            raise ValidationError("Date held must be today or in the past")
        if field.data and field.data < self.apprentice.start_date:
            raise ValidationError("Date held must be on or after the start of the apprenticeship")

    def validate_next_review_date(self, field) -> None:
        if field.data and self.held_date.data and field.data <= self.held_date.data:
            raise ValidationError("Next review date must be after the date held")

    def values(self) -> dict:
        return {"held_date": self.held_date.data, "attendees": self.attendees.data.strip(), "rag": Rag(self.rag.data),
                "progress_notes": self.progress_notes.data.strip(),
                "ksb_progress": (self.ksb_progress.data or "").strip() or None,
                "next_review_date": self.next_review_date.data}


class SignForm(AppForm):
    comment = text_area("Your comments (optional)", 2000)
    submit = SubmitField("Sign off the review", widget=GovSubmitInput())


class ReopenForm(AppForm):
    reason = text_area("Why does it need reopening?", 1000, missing="Enter why the review needs reopening")
    submit = SubmitField("Reopen the review", widget=GovSubmitInput())
