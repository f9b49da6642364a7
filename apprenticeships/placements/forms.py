"""Forms for placements and the apprentices on them."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ..extensions import db
from ..fields import CheckboxesInput, GovDateField, HoursField, RadioInput, WholeNumberField, text_area
from ..forms import AppForm
from ..models import ApprenticeshipStandard, EmployerContact, Placement, PlacementStatus, WorkingPattern
from ..services.placements import held_words
from ..versioning import VersionedForm

# The fields the employer's form and the coordinator's changes to a published placement share,
# made afresh for each form: WTForms orders a form's fields, and so its error summary, by when
# each field was made.

def _title():
    return StringField("Title", widget=GovTextInput(), validators=[
        InputRequired(message="Enter a title for the placement"),
        Length(max=160, message="Title must be 160 characters or fewer")])


def _team():
    return StringField("Team (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Team must be 120 characters or fewer")])


def _description():
    return text_area("What the apprentice will do", 4000, missing="Describe what the apprentice will do")


def _learning_outcomes():
    return text_area("What they will learn (optional)", 4000)


def _skills():
    return text_area("Skills it needs or builds (optional)", 2000)


def _location():
    return StringField("Location (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=160, message="Location must be 160 characters or fewer")])


class _PlacesField(WholeNumberField):
    """A whole number of places: one too large to store is still a number, so it gets the range
    message (NumberRange) rather than being told it is not a whole number."""

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "").strip().replace(",", "")
        if text.isascii() and text.isdigit() and len(text) > 9:
            self.raw_data, self.data = valuelist, 10 ** 9  # beyond any range here: NumberRange says so
            return
        super().process_formdata(valuelist)


class _OptionalDateField(GovDateField):
    """A date that may be left empty: its messages name it without the label's "(optional)"."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            label = self.label.text
            raise ValueError(str(error).replace(label, label.removesuffix(" (optional)"), 1)) from None


def _places():
    return _PlacesField("Number of places", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the number of places"),
        NumberRange(min=1, max=50, message="Number of places must be between 1 and 50")])


def _closing_date():
    return _OptionalDateField("Closing date for applications (optional)")


def _not_past(field, name: str, today: date, saved: date | None = None, *, always: bool = False) -> None:
    """The one rule for a placement's dates as a person changes them: a date given, or changed from
    what was saved (any date when `always`), is today or later."""
    if field.data and field.data < today and (always or field.data != saved):
        raise ValidationError(f"{name} must be today or in the future")


def _clean(value: str | None) -> str | None:
    return (value or "").strip() or None


class PlacementForm(VersionedForm):
    title = _title()
    team = _team()
    description = _description()
    learning_outcomes = _learning_outcomes()
    skills = _skills()
    standard_ids = SelectMultipleField("Apprenticeship standards it suits", widget=CheckboxesInput(),
                                       validate_choice=False,
                                       validators=[DataRequired(message="Select at least one standard it suits")])
    location = _location()
    working_pattern = RadioField("Working pattern", widget=RadioInput(), choices=WorkingPattern.choices(),
                                 validators=[InputRequired(message="Select the working pattern")])
    minutes_per_week = HoursField("Hours a week", validators=[InputRequired(message="Enter the hours a week")])
    start_date = GovDateField("Start date", validators=[DataRequired(message="Enter the start date")])
    end_date = GovDateField("End date", validators=[DataRequired(message="Enter the end date")])
    places = _places()
    closing_date = _closing_date()
    host_supervisor_id = SelectField("Host supervisor (optional)", widget=GovSelect(), validate_choice=False,
                                     description="Who the apprentice reports to, from your contacts")
    save_draft = SubmitField("Save as draft", widget=GovSubmitInput())
    submit = SubmitField("Submit for approval", widget=GovSubmitInput())

    # What a draft may be saved without (only its title is needed): all are needed to submit it, or to
    # save a placement sent back (it stays sent back, not a draft).
    NEEDED_TO_SUBMIT = ("description", "standard_ids", "working_pattern", "minutes_per_week", "start_date",
                        "end_date", "places")

    def __init__(self, employer_id: int, *args, placement: Placement | None = None, today: date | None = None,
                 **kwargs):
        if placement is not None and placement.id and "formdata" not in kwargs:
            kwargs["data"] = {"standard_ids": [str(s.id) for s in placement.standards],
                              "host_supervisor_id": str(placement.host_supervisor_id or ""),
                              "working_pattern": placement.working_pattern.value if placement.working_pattern
                              else None}
        super().__init__(*args, obj=placement, **kwargs)
        draft = placement is None or placement.id is None or placement.status == PlacementStatus.DRAFT
        if draft and self.save_draft.data and not self.submit.data:
            for name in self.NEEDED_TO_SUBMIT:
                field = self[name]
                field.validators = [Optional()] + [v for v in field.validators
                                                   if not isinstance(v, InputRequired | DataRequired)]
        self.today = today or date.today()
        self.saved = placement if placement is not None and placement.id else None
        self.standard_ids.choices = [SelectChoice(str(i), f"{t} (level {lv})") for i, t, lv in db.session.execute(
            sa.select(ApprenticeshipStandard.id, ApprenticeshipStandard.title, ApprenticeshipStandard.level)
            .order_by(ApprenticeshipStandard.title))]
        self.host_supervisor_id.choices = [SelectChoice("", "Not decided yet")] + [
            SelectChoice(str(i), n) for i, n in db.session.execute(
                sa.select(EmployerContact.id, EmployerContact.name)
                .where(EmployerContact.employer_id == employer_id).order_by(EmployerContact.name))]

    def validate_standard_ids(self, field) -> None:
        allowed = {c.value for c in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Select standards from the list")

    def validate_host_supervisor_id(self, field) -> None:
        if field.data and field.data not in {c.value for c in field.choices}:
            raise ValidationError("Select a host supervisor from your contacts")

    def validate_minutes_per_week(self, field) -> None:
        if field.minutes is not None and not 60 <= field.minutes <= 3600:
            raise ValidationError("Hours a week must be between 1 and 60")

    def _saved(self, name: str) -> date | None:
        return getattr(self.saved, name) if self.saved is not None else None

    def validate_start_date(self, field) -> None:
        # A new placement, or one being submitted, starts today or later; a draft kept as a draft
        # may keep a start date that has passed (it cannot be submitted until it changes).
        _not_past(field, "Start date", self.today, self._saved("start_date"), always=bool(self.submit.data))

    def validate_end_date(self, field) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("End date must be on or after the start date")

    def validate_closing_date(self, field) -> None:
        if field.data and self.start_date.data and field.data > self.start_date.data:
            raise ValidationError("Closing date must be on or before the start date")
        _not_past(field, "Closing date", self.today, self._saved("closing_date"), always=bool(self.submit.data))

    def values(self) -> dict:
        clean = _clean
        return {
            "title": self.title.data.strip(), "team": clean(self.team.data),
            "description": clean(self.description.data),
            "learning_outcomes": clean(self.learning_outcomes.data), "skills": clean(self.skills.data),
            "location": clean(self.location.data),
            "working_pattern": WorkingPattern(self.working_pattern.data) if self.working_pattern.data else None,
            "minutes_per_week": self.minutes_per_week.minutes, "start_date": self.start_date.data,
            "end_date": self.end_date.data, "closing_date": self.closing_date.data,
            # A draft saved without its number of places has one until the employer says otherwise.
            "places": self.places.data if self.places.data is not None else 1,
            "host_supervisor_id": int(self.host_supervisor_id.data) if self.host_supervisor_id.data else None,
        }

    def standards(self) -> list[ApprenticeshipStandard]:
        ids = [int(i) for i in self.standard_ids.data or []]
        return list(db.session.scalars(sa.select(ApprenticeshipStandard).where(ApprenticeshipStandard.id.in_(ids))))


class _OpenPlacementRules:
    """The rules for changing a published placement's closing date and number of places, whoever
    changes them: never fewer places than are held, a closing date not past and not after the start."""

    def __init__(self, *args, placement: Placement, held: int, today: date | None = None, **kwargs):
        super().__init__(*args, obj=placement, **kwargs)
        self.placement, self.held, self.today = placement, held, today or date.today()
        self.places.description = held_words(held)
        if placement.start_date <= self.today:
            self.closing_date.description = ("It has started. With no closing date, apprentices can still be "
                                             "proposed for it and register interest until it ends.")

    def validate_places(self, field) -> None:
        if field.errors:  # out of range already: one message a field
            return
        if field.data is not None and field.data < self.held:
            raise ValidationError(f"Number of places must be at least {self.held}, the places held now")

    def validate_closing_date(self, field) -> None:
        if field.data is None:
            return
        start, end = self.placement.start_date, self.placement.end_date
        if field.data > start and start <= self.today:
            # Under way: with no closing date an apprentice can still join it until it ends
            # (placements.joinable); a closing date is never after the start (the database says so).
            raise ValidationError(f"Closing date must be on or before the start date, {start.day} {start:%B %Y}. "
                                  f"It has started: leave the closing date empty to keep it open until it ends, "
                                  f"{end.day} {end:%B %Y}")
        if field.data > start:
            raise ValidationError(f"Closing date must be on or before the start date, {start.day} {start:%B %Y}")
        _not_past(field, "Closing date", self.today, self.placement.closing_date)


class AmendPlacementForm(_OpenPlacementRules, VersionedForm):
    """The coordinator's changes to a published placement: its wording, closing date and places."""

    title = _title()
    team = _team()
    description = _description()
    learning_outcomes = _learning_outcomes()
    skills = _skills()
    location = _location()
    places = _places()
    closing_date = _closing_date()
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def values(self) -> dict:
        return {"title": self.title.data.strip(), "team": _clean(self.team.data),
                "description": self.description.data.strip(),
                "learning_outcomes": _clean(self.learning_outcomes.data), "skills": _clean(self.skills.data),
                "location": _clean(self.location.data), "places": self.places.data,
                "closing_date": self.closing_date.data}


class OpeningForm(_OpenPlacementRules, VersionedForm):
    """The employer's changes to their published placement: how long it is open and how many it
    takes (its wording is what the coordinator approved: they change that)."""

    places = _places()
    closing_date = _closing_date()
    submit = SubmitField("Save changes", widget=GovSubmitInput())

    def values(self) -> dict:
        return {"places": self.places.data, "closing_date": self.closing_date.data}


class ProposeForm(AppForm):
    """The coordinator puts an apprentice forward, as a reserve when every place was held."""

    note = text_area("Note to the employer (optional)", 2000, description=(
        "They read it when they decide. Say why this apprentice would suit the placement. "
        "Do not include anything the apprentice has not agreed to share."))
    # What the page offered: a reserve (every place held) or a place. If that changes before
    # the post arrives, the service refuses and says why, rather than doing the other thing.
    reserve = HiddenField()
    submit = SubmitField("Propose", widget=GovSubmitInput())

    @property
    def as_reserve(self) -> bool:
        return self.reserve.data == "yes"


class ReviewForm(AppForm):
    """A coordinator's decision on a submitted placement."""

    decision = RadioField("Decision", widget=RadioInput(), choices=[
        SelectChoice("publish", "Publish it"), SelectChoice("send_back", "Send it back to the employer")],
        validators=[InputRequired(message="Select publish or send back")])
    comment = text_area("Comment for the employer (needed to send it back)", 2000)
    submit = SubmitField("Save decision", widget=GovSubmitInput())

    def validate_comment(self, field) -> None:
        if self.decision.data == "send_back" and not (field.data or "").strip():
            raise ValidationError("Enter a comment so the employer knows what to change")


class DecisionForm(AppForm):
    """An employer's answer to a proposal."""

    decision = RadioField("Will you take them?", widget=RadioInput(), choices=[
        SelectChoice("accept", "Yes, accept"), SelectChoice("decline", "No, decline")],
        validators=[InputRequired(message="Select accept or decline")])
    reason = text_area("Reason (needed to decline)", 1000)
    submit = SubmitField("Send answer", widget=GovSubmitInput())

    def validate_reason(self, field) -> None:
        if self.decision.data == "decline" and not (field.data or "").strip():
            raise ValidationError("Enter the reason for declining")


class StartForm(AppForm):
    start_date = GovDateField("Date it started", validators=[DataRequired(message="Enter the date it started")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class FinishForm(AppForm):
    end_date = GovDateField("Date it ended", validators=[DataRequired(message="Enter the date it ended")])
    outcome = RadioField("How did it end?", widget=RadioInput(), choices=[
        SelectChoice("completed", "Completed as planned"), SelectChoice("ended_early", "Ended early")],
        validators=[InputRequired(message="Select how it ended")])
    reason = text_area("Reason (needed if it ended early)", 1000)
    submit = SubmitField("Save", widget=GovSubmitInput())

    def validate_reason(self, field) -> None:
        if self.outcome.data == "ended_early" and not (field.data or "").strip():
            raise ValidationError("Enter the reason it ended early")
