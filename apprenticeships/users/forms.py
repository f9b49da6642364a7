"""The invitation form."""

from __future__ import annotations

import sqlalchemy as sa
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, ValidationError

from ..extensions import db
from ..fields import email_field
from ..forms import AppForm
from ..ids import parse_id
from ..models import Apprentice, EmployerPartner, Mentor, Role, User
from ..services.accounts import email_taken

NEW_MENTOR = ""


ROLE_HINTS = {
    Role.COORDINATOR: "Runs the programme: sees and changes everything.",
    Role.MENTOR: "A council colleague who supports and verifies the work of their mentees.",
    Role.EMPLOYER: "A contact at an employer partner: sees only their own organisation's placements.",
    Role.APPRENTICE: "Logs their learning and hours and sees their own progress.",
}


class RoleForm(AppForm):
    """Step 1 of an invitation: the role decides what else we need to know."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    role = RadioField(
        "What will they do?",
        choices=Role.choices(),
        validators=[InputRequired(message="Select the person's role")],
    )


class InviteForm(AppForm):
    """Step 2 of an invitation: who they are, and the record their account acts for."""

    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's full name"),
                    Length(max=120, message="Full name must be 120 characters or fewer")],
    )
    email = email_field("Enter the person's email address")
    record = SelectField(widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Create invitation", widget=GovSubmitInput())

    def __init__(self, role: Role, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.role = role
        self.linked = None
        label, choices = _RECORD_CHOICES.get(role, (None, None))
        if label is None:
            del self.record
        else:
            self.record.label.text = label
            self.record.choices = choices()
            if role == Role.MENTOR:
                self.record.description = (
                    "Mentors without an account. A new record starts with a capacity of 4 mentees.")
        if role == Role.APPRENTICE:
            # Their record holds their name and (usually) their email: choose it first, type only what is missing.
            for name in ("name", "email", "submit"):
                self._fields.move_to_end(name)
            self.name.description = "Leave empty to use the name on their record"
            self.email.description = "Leave empty to use the email address on their record"

    def validate(self, extra_validators=None) -> bool:
        if self.role == Role.APPRENTICE:
            self._fill_in_from_the_record()
        return super().validate(extra_validators)

    def _fill_in_from_the_record(self) -> None:
        record_id = parse_id(self.record.data)
        if record_id is None or str(record_id) not in {choice.value for choice in self.record.choices}:
            return  # no record chosen, or not one that may be invited: validate_record says so
        apprentice = db.session.get(Apprentice, record_id)
        for field, held in ((self.name, apprentice.full_name), (self.email, apprentice.email)):
            if held and not (field.data or "").strip():
                field.process_formdata([held])  # as if typed: InputRequired looks at what was sent
                field.raw_data = [held]

    def validate_email(self, field) -> None:
        if field.data and email_taken(field.data):
            raise ValidationError("Someone already has an account with this email address")

    def validate_record(self, field) -> None:
        if self.role == Role.MENTOR and field.data == NEW_MENTOR:
            return
        if not field.data or field.data not in {choice.value for choice in field.choices if choice.value}:
            raise ValidationError(_RECORD_ERRORS[self.role])
        self.linked = db.session.get(_RECORD_MODELS[self.role], int(field.data))

    def links(self) -> dict:
        """The record the new account acts for, as keyword arguments for accounts.invite."""
        return {name: self.linked for name, role in _LINK_NAMES.items() if role == self.role}


def _employer_choices() -> list[tuple[str, str]]:
    return [SelectChoice("", "Select an employer partner")] + [
        SelectChoice(str(i), n) for i, n in db.session.execute(
            sa.select(EmployerPartner.id, EmployerPartner.name).order_by(EmployerPartner.name))
    ]


def _apprentice_choices() -> list[tuple[str, str]]:
    # Only apprentices nobody signs in as yet: one account per apprentice.
    return [SelectChoice("", "Select an apprentice")] + [
        SelectChoice(str(i), f"{first} {last} ({email or 'no email'})")
        for i, first, last, email in db.session.execute(
            sa.select(Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.email)
            .where(~sa.exists().where(User.apprentice_id == Apprentice.id), Apprentice.anonymised_at.is_(None))
            .order_by(Apprentice.last_name, Apprentice.first_name)
        )
    ]


def _mentor_choices() -> list[tuple[str, str]]:
    return [SelectChoice(NEW_MENTOR, "Create a new mentor record")] + [
        SelectChoice(str(i), f"{n} ({e})") for i, n, e in db.session.execute(
            sa.select(Mentor.id, Mentor.name, Mentor.email)
            .where(~sa.exists().where(User.mentor_id == Mentor.id)).order_by(Mentor.name))
    ]


_RECORD_CHOICES = {
    Role.EMPLOYER: ("Employer partner", _employer_choices),
    Role.APPRENTICE: ("Apprentice record", _apprentice_choices),
    Role.MENTOR: ("Mentor record", _mentor_choices),
}
_RECORD_MODELS = {Role.EMPLOYER: EmployerPartner, Role.APPRENTICE: Apprentice, Role.MENTOR: Mentor}
_RECORD_ERRORS = {
    Role.EMPLOYER: "Select the employer partner this person works for",
    Role.APPRENTICE: "Select the apprentice record this account is for",
    Role.MENTOR: "Select a mentor record, or create a new one",
}
_LINK_NAMES = {"employer": Role.EMPLOYER, "apprentice": Role.APPRENTICE, "mentor": Role.MENTOR}


class ConfirmForm(AppForm):
    """A form with nothing but its CSRF token, for confirming an action."""
