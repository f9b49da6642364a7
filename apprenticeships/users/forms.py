"""The invitation form."""

from __future__ import annotations

import sqlalchemy as sa
from flask_wtf import FlaskForm
from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import EmailField, RadioField, SelectField, StringField, SubmitField
from wtforms.validators import Email, InputRequired, Length, ValidationError

from ..extensions import db
from ..models import Apprentice, EmployerPartner, Mentor, Role, User
from ..services.accounts import email_taken

NEW_MENTOR = ""


class InviteForm(FlaskForm):
    name = StringField(
        "Full name",
        widget=GovTextInput(),
        validators=[InputRequired(message="Enter the person's full name"),
                    Length(max=120, message="Full name must be 120 characters or fewer")],
    )
    email = EmailField(
        "Email address",
        widget=GovTextInput(),
        validators=[
            InputRequired(message="Enter the person's email address"),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
    role = RadioField(
        "Role",
        widget=GovRadioInput(),
        choices=Role.choices(),
        validators=[InputRequired(message="Select the person's role")],
    )
    employer_id = SelectField("Employer partner", widget=GovSelect(), validate_choice=False)
    apprentice_id = SelectField("Apprentice record", widget=GovSelect(), validate_choice=False)
    mentor_id = SelectField("Mentor record", widget=GovSelect(), validate_choice=False)
    submit = SubmitField("Create invitation", widget=GovSubmitInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.employer_id.choices = [("", "Select an employer partner")] + [
            (str(i), n) for i, n in db.session.execute(sa.select(EmployerPartner.id, EmployerPartner.name)
                                                      .order_by(EmployerPartner.name))
        ]
        # Only records nobody signs in as yet: one account per apprentice and per mentor.
        self.apprentice_id.choices = [("", "Select an apprentice")] + [
            (str(i), f"{first} {last} ({email or 'no email'})")
            for i, first, last, email in db.session.execute(
                sa.select(Apprentice.id, Apprentice.first_name, Apprentice.last_name, Apprentice.email)
                .where(~sa.exists().where(User.apprentice_id == Apprentice.id), Apprentice.anonymised_at.is_(None))
                .order_by(Apprentice.last_name, Apprentice.first_name)
            )
        ]
        self.mentor_id.choices = [(NEW_MENTOR, "Create a new mentor record")] + [
            (str(i), f"{n} ({e})") for i, n, e in db.session.execute(
                sa.select(Mentor.id, Mentor.name, Mentor.email)
                .where(~sa.exists().where(User.mentor_id == Mentor.id)).order_by(Mentor.name)
            )
        ]

    def validate_email(self, field) -> None:
        if field.data and email_taken(field.data):
            raise ValidationError("Someone already has an account with this email address")

    def _linked(self, field, model, message: str):
        if not field.data:
            raise ValidationError(message)
        if not field.data.isdigit() or field.data not in {value for value, _ in field.choices}:
            raise ValidationError(message)
        return db.session.get(model, int(field.data))

    def validate_employer_id(self, field) -> None:
        if self.role.data == Role.EMPLOYER:
            self.employer = self._linked(field, EmployerPartner, "Select the employer partner this person works for")

    def validate_apprentice_id(self, field) -> None:
        if self.role.data == Role.APPRENTICE:
            self.apprentice = self._linked(field, Apprentice, "Select the apprentice record this account is for")

    def validate_mentor_id(self, field) -> None:
        if self.role.data == Role.MENTOR and field.data != NEW_MENTOR:
            self.mentor = self._linked(field, Mentor, "Select a mentor record, or create a new one")

    def links(self) -> dict:
        """The record the new account acts for, as keyword arguments for accounts.invite."""
        role = Role(self.role.data)
        return {
            "employer": getattr(self, "employer", None) if role == Role.EMPLOYER else None,
            "apprentice": getattr(self, "apprentice", None) if role == Role.APPRENTICE else None,
            "mentor": getattr(self, "mentor", None) if role == Role.MENTOR else None,
        }


class ConfirmForm(FlaskForm):
    """A form with nothing but its CSRF token, for confirming an action."""
