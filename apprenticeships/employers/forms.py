"""Forms for employer partners, their contacts and their activity log."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import URL, DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..fields import GovDateField, RadioInput, email_field, text_area
from ..forms import AppForm
from ..models import ActivityKind, EmployerPartner, OrganisationSize, PartnershipStatus
from ..services.catalogue import is_taken
from ..versioning import VersionedForm


def _choice(enum, prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + enum.choices()


# Whether an employer pays the levy, as the form's radios say it (EmployerPartner.pays_levy: True, False or None).
PAYS_LEVY = {True: "yes", False: "no", None: "unknown"}


def _pays_levy_answer(value) -> str:
    """The radio for a stored value (True or False; WTForms leaves None) or a posted one ("yes", "no", "unknown")."""
    return PAYS_LEVY[value] if isinstance(value, bool) else str(value)


class EmployerForm(VersionedForm):
    name = StringField("Organisation name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the organisation's name"),
        Length(max=160, message="Organisation name must be 160 characters or fewer")])
    sector = StringField("Sector", widget=GovTextInput(), description="For example, Health, Retail, Manufacturing",
                         validators=[InputRequired(message="Enter the sector"),
                                     Length(max=80, message="Sector must be 80 characters or fewer")])
    size = SelectField("Size", widget=GovSelect(), validate_choice=False,
                       choices=_choice(OrganisationSize, "Select a size"),
                       validators=[DataRequired(message="Select the organisation's size")])
    status = SelectField("Partnership status", widget=GovSelect(), validate_choice=False,
                         choices=_choice(PartnershipStatus, "Select a status"),
                         validators=[DataRequired(message="Select the partnership status")])
    pays_levy = RadioField(
        "Does the employer pay the apprenticeship levy?", widget=RadioInput(), coerce=_pays_levy_answer,
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No"), SelectChoice("unknown", "Not known")],
        description=("Employers with a pay bill over £3 million a year do. The levy transfer rules use this, and it "
                     "changes to what the employer says when it applies for a levy transfer."),
        validators=[Optional()])
    address = text_area("Address (optional)", 500)
    postcode = StringField("Postcode (optional)", widget=GovTextInput(), validators=[
        Optional(), Regexp(r"^[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}$",
                           message="Enter a real postcode, like NM1 4QT")])
    website = StringField("Website (optional)", widget=GovTextInput(), validators=[
        Optional(), URL(message="Enter a full web address, like https://example.org"),
        Length(max=255, message="Website must be 255 characters or fewer")])
    notes = text_area("Notes (optional)", 4000)
    submit = SubmitField("Save employer partner", widget=GovSubmitInput())

    def __init__(self, *args, employer: EmployerPartner | None = None, **kwargs):
        if employer is not None and employer.id and "formdata" not in kwargs:
            kwargs["data"] = {"size": employer.size.value, "status": employer.status.value}
        super().__init__(*args, obj=employer, **kwargs)
        self._id = employer.id if employer else None
        if self.pays_levy.data is None:  # not known (WTForms does not coerce None)
            self.pays_levy.data = PAYS_LEVY[None]

    def validate_name(self, field) -> None:
        if field.data and is_taken(EmployerPartner.name, field.data, self._id):
            raise ValidationError("An employer partner with this name already exists")

    def validate_size(self, field) -> None:
        if field.data not in OrganisationSize._value2member_map_:
            raise ValidationError("Select the organisation's size")

    def validate_status(self, field) -> None:
        if field.data not in PartnershipStatus._value2member_map_:
            raise ValidationError("Select the partnership status")

    def values(self) -> dict:
        def clean(value):
            return (value or "").strip() or None

        return {"name": self.name.data.strip(), "sector": self.sector.data.strip(),
                "size": OrganisationSize(self.size.data), "status": PartnershipStatus(self.status.data),
                "pays_levy": {"yes": True, "no": False}.get(self.pays_levy.data),
                "address": clean(self.address.data),
                "postcode": clean(self.postcode.data).upper() if clean(self.postcode.data) else None,
                "website": clean(self.website.data), "notes": clean(self.notes.data)}


class ContactForm(AppForm):
    name = StringField("Full name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the contact's full name"),
        Length(max=120, message="Full name must be 120 characters or fewer")])
    email = email_field("Enter the contact's email address")
    job_title = StringField("Job title (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Job title must be 120 characters or fewer")])
    phone = StringField("Phone number (optional)", widget=GovTextInput(), validators=[
        Optional(), Regexp(r"^[0-9 +()\-]{6,40}$", message="Enter a phone number, like 01632 960 001")])
    submit = SubmitField("Save contact", widget=GovSubmitInput())

    def values(self) -> dict:
        return {"name": self.name.data.strip(), "email": self.email.data.strip().lower(),
                "job_title": (self.job_title.data or "").strip() or None,
                "phone": (self.phone.data or "").strip() or None}


class ActivityForm(AppForm):
    occurred_on = GovDateField("Date", validators=[DataRequired(message="Enter the date")])
    kind = SelectField("Type", widget=GovSelect(), validate_choice=False,
                       choices=_choice(ActivityKind, "Select a type"),
                       validators=[DataRequired(message="Select the type of activity")])
    note = text_area("Note", 2000, missing="Enter a note")
    submit = SubmitField("Add to the log", widget=GovSubmitInput())

    def validate_kind(self, field) -> None:
        if field.data not in ActivityKind._value2member_map_:
            raise ValidationError("Select the type of activity")

    def values(self) -> dict:
        return {"occurred_on": self.occurred_on.data, "kind": ActivityKind(self.kind.data),
                "note": self.note.data.strip()}
