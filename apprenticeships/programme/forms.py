"""Forms for training providers and apprenticeship standards."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovRadioInput, GovSelect, GovSubmitInput, GovTextArea, GovTextInput
from wtforms import RadioField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from ..fields import WholeNumberField
from ..forms import AppForm
from ..models import ApprenticeshipStandard, ReviewIntervalUnit, TrainingProvider
from ..services.catalogue import is_taken, ksbs_as_text, ksbs_in_use, parse_ksbs
from ..versioning import VersionedForm


class ProviderForm(AppForm):
    name = StringField("Name", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the provider's name"),
        Length(max=160, message="Name must be 160 characters or fewer")])
    ukprn = StringField("UK provider reference number (UKPRN) (optional)", widget=GovTextInput(),
                        description="8 digits, starting with 1", validators=[
                            Optional(), Regexp(r"^1\d{7}$", message="UKPRN must be 8 digits, starting with 1")])
    contact_name = StringField("Contact name (optional)", widget=GovTextInput(), validators=[
        Optional(), Length(max=120, message="Contact name must be 120 characters or fewer")])
    contact_email = StringField("Contact email address (optional)", widget=GovTextInput(), validators=[
        Optional(), Email(message="Enter an email address in the correct format, like name@example.org"),
        Length(max=254, message="Email address must be 254 characters or fewer")])
    contact_phone = StringField("Contact phone number (optional)", widget=GovTextInput(), validators=[
        Optional(), Regexp(r"^[0-9 +()\-]{6,40}$", message="Enter a phone number, like 01632 960 001")])
    submit = SubmitField("Save provider", widget=GovSubmitInput())

    def __init__(self, *args, provider_id: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._id = provider_id

    def validate_name(self, field) -> None:
        if field.data and is_taken(TrainingProvider.name, field.data, self._id):
            raise ValidationError("A provider with this name already exists")

    def validate_ukprn(self, field) -> None:
        if field.data and is_taken(TrainingProvider.ukprn, field.data, self._id):
            raise ValidationError("Another provider has this UKPRN")

    def values(self) -> dict:
        def clean(value):
            return (value or "").strip() or None

        return {"name": self.name.data.strip(), "ukprn": clean(self.ukprn.data),
                "contact_name": clean(self.contact_name.data), "contact_email": clean(self.contact_email.data),
                "contact_phone": clean(self.contact_phone.data)}


class StandardForm(AppForm):
    reference = StringField("Reference", widget=GovTextInput(), description="For example, ST0116", validators=[
        InputRequired(message="Enter the standard's reference"),
        Regexp(r"^(?i:ST)\d{4}$", message="Reference must be ST followed by 4 digits, like ST0116")])
    title = StringField("Title", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the standard's title"),
        Length(max=160, message="Title must be 160 characters or fewer")])
    level = SelectField("Level", widget=GovSelect(), validate_choice=False,
                        choices=[SelectChoice("", "Select a level")] + [
        SelectChoice(str(n), f"Level {n}") for n in range(2, 8)], validators=[DataRequired(message="Select the level")])
    otj_minimum_hours = WholeNumberField(
        "Off-the-job minimum (hours)", widget=GovTextInput(),
        description="The published minimum for apprentices starting from August 2025",
        validators=[InputRequired(message="Enter the off-the-job minimum in hours"),
                    NumberRange(min=0, max=5000, message="Off-the-job minimum must be between 0 and 5,000 hours")])
    typical_duration_months = WholeNumberField(
        "Typical duration (months)", widget=GovTextInput(),
        validators=[InputRequired(message="Enter the typical duration in months"),
                    NumberRange(min=8, max=72, message="Typical duration must be between 8 and 72 months")])
    ksbs = TextAreaField(
        "Knowledge, skills and behaviours (KSBs)", widget=GovTextArea(),
        description="One a line: the code, then the description. For example, K1 All stages of the software "
                    "development life cycle",
        validators=[Length(max=50000, message="KSBs must be 50,000 characters or fewer")])
    submit = SubmitField("Save standard", widget=GovSubmitInput())

    def __init__(self, *args, standard: ApprenticeshipStandard | None = None, **kwargs):
        if standard is not None and "data" not in kwargs:
            # Shown as a person edits them; a post without the KSBs field leaves them as they are.
            kwargs["data"] = {"ksbs": ksbs_as_text(standard), "level": str(standard.level)}
        super().__init__(*args, obj=standard, **kwargs)
        self._standard = standard
        self.parsed_ksbs = []

    def validate_reference(self, field) -> None:
        if field.data and is_taken(ApprenticeshipStandard.reference, field.data,
                                   self._standard.id if self._standard else None):
            raise ValidationError("A standard with this reference already exists")

    def validate_level(self, field) -> None:
        if field.data not in {str(n) for n in range(2, 8)}:
            raise ValidationError("Select the level")

    def validate_ksbs(self, field) -> None:
        self.parsed_ksbs, problems = parse_ksbs(field.data)
        if problems:
            raise ValidationError(problems[0])
        if self._standard is not None:
            removed = {k.code for k in self._standard.ksbs} - {k.code for k in self.parsed_ksbs}
            in_use = ksbs_in_use(self._standard, removed)
            if in_use:
                raise ValidationError(f"{', '.join(in_use)} cannot be removed: log entries give evidence of "
                                      f"{'it' if len(in_use) == 1 else 'them'}")

    def values(self) -> dict:
        return {"reference": self.reference.data.strip().upper(), "title": self.title.data.strip(),
                "level": int(self.level.data), "otj_minimum_hours": self.otj_minimum_hours.data,
                "typical_duration_months": self.typical_duration_months.data}


def _kept_when_not_sent(form, field) -> None:
    """A post without this field (a form from before it existed) leaves the setting as it is."""
    if not field.raw_data:
        field.errors[:] = []
        raise StopValidation()


class SettingsForm(VersionedForm):
    review_interval = RadioField(
        "How often must progress reviews happen?", widget=GovRadioInput(),
        choices=[SelectChoice("12-weeks", "At least every 12 weeks (older funding rules)"),
                 SelectChoice("3-months", "At least every 3 calendar months (2025 to 2026 rules)")],
        validators=[InputRequired(message="Select how often reviews must happen")])
    mentors_sign_reviews = RadioField(
        "Do mentors sign progress reviews?", widget=GovRadioInput(),
        description="If yes, a review recorded from now on also needs the signature of the apprentice's mentor "
                    "at the time of the review: 4 signatures instead of 3",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[InputRequired(message="Select yes if mentors sign progress reviews")])
    disclosure_threshold = WholeNumberField(
        "Smallest number published on a summary", widget=GovTextInput(),
        description="Counts below this are shown as \u201cfewer than\u201d it on public summaries. "
                    "Official statistics usually use 5; some use 10",
        validators=[InputRequired(message="Enter the smallest number to publish"),
                    NumberRange(min=2, max=20, message="The smallest number must be between 2 and 20")])
    retention_years = WholeNumberField(
        "Years to keep an apprentice's records after their apprenticeship ends", widget=GovTextInput(),
        description="Then they are listed for you to anonymise. The apprenticeship funding rules ask for "
                    "evidence to be kept for 6 years, so 6 is the usual choice",
        validators=[_kept_when_not_sent, InputRequired(message="Enter how many years to keep records"),
                    NumberRange(min=1, max=100, message="Years to keep records must be between 1 and 100")])
    audit_retention_years = WholeNumberField(
        "Years to keep the audit log", widget=GovTextInput(),
        description="Who looked at or changed each record. Keep it a year longer than the records, usually 7, "
                    "so you can still answer questions about a record in the year after it is anonymised",
        validators=[_kept_when_not_sent, InputRequired(message="Enter how many years to keep the audit log"),
                    NumberRange(min=1, max=100, message="Years to keep the audit log must be between 1 and 100")])
    round_to_five = RadioField(
        "Round every published count to the nearest 5?", widget=GovRadioInput(),
        description="As many producers of official statistics do. Applies to share links, snapshots and "
                    "downloads from now on; percentages are still worked out from the exact numbers",
        choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No")],
        validators=[_kept_when_not_sent, InputRequired(message="Select yes to round published counts")])
    la_name = StringField(
        "Council name in open data", widget=GovTextInput(),
        description="As DfE's open data names it, for example Wandsworth",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), Length(max=120, message="The council name must be 120 characters or fewer")])
    old_la_code = StringField(
        "Old local authority code", widget=GovTextInput(),
        description="3 digits, for example 212",
        filters=[lambda v: v.strip() if isinstance(v, str) else v],
        validators=[Optional(), Regexp(r"^[0-9]{3}$", message="Enter the old local authority code as 3 digits, "
                                                             "like 212")])
    new_la_code = StringField(
        "New local authority code (GSS code)", widget=GovTextInput(),
        description="A letter and 8 digits, for example E09000032",
        filters=[lambda v: v.strip().upper() if isinstance(v, str) else v],
        validators=[Optional(), Regexp(r"^[EWSN][0-9]{8}$", message="Enter the new local authority code as a letter "
                                                                 "and 8 digits, like E09000032")])
    submit = SubmitField("Save settings", widget=GovSubmitInput())

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        council = (self.la_name, self.old_la_code, self.new_la_code)
        if any(f.data for f in council):  # all three, or none
            for field, what in zip(council, ("council name", "old local authority code",
                                             "new local authority code"), strict=True):
                if not field.data and not field.errors:
                    field.errors = [f"Enter the {what}, or leave the council's name and codes empty"]
                    valid = False
        return valid

    def values(self) -> dict:
        value, unit = self.review_interval.data.split("-")
        kept = {name: getattr(self, name).data for name in ("retention_years", "audit_retention_years")
                if getattr(self, name).data is not None}  # not sent: as they are
        if self.round_to_five.raw_data:
            kept["round_to_five"] = self.round_to_five.data == "yes"
        if any(f.raw_data for f in (self.la_name, self.old_la_code, self.new_la_code)):
            kept |= {"la_name": self.la_name.data or None, "old_la_code": self.old_la_code.data or None,
                     "new_la_code": self.new_la_code.data or None}
        return {"review_interval_value": int(value), "review_interval_unit": ReviewIntervalUnit(unit),
                "mentors_sign_reviews": self.mentors_sign_reviews.data == "yes",
                "disclosure_threshold": self.disclosure_threshold.data, **kept}
