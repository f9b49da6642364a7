"""Forms for levy transfers: pledges, applications, decisions, transfer apprentices, payments, the scheme."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..extensions import db
from ..fields import GovDateField, GovMonthField, MoneyField, RadioInput, WholeNumberField, text_area
from ..forms import AppForm
from ..ids import parse_id
from ..models import (
    ApplicationStatus,
    ApprenticeshipStandard,
    EmployerPartner,
    LevyAccount,
    LevyApplication,
    LevyPledge,
    LevyScheme,
    TransferApprentice,
    TransferOutcome,
)
from ..services import levy_transfers
from ..services.levy_ledger import add_months, first_of_month, month_name
from ..text import money
from ..versioning import VersionedForm

YES_NO = [SelectChoice("yes", "Yes"), SelectChoice("no", "No")]
LEVELS = [SelectChoice("", "Any level")] + [SelectChoice(str(n), f"Level {n}") for n in range(2, 8)]
MAX_WAGE_PENCE = 100_000  # £1,000 an hour: the database's bound


def _standard_choices(prompt: str) -> list[SelectChoice]:
    return [SelectChoice("", prompt)] + [SelectChoice(str(i), f"{title} (level {level})") for i, title, level in
                                         db.session.execute(sa.select(ApprenticeshipStandard.id,
                                                                      ApprenticeshipStandard.title,
                                                                      ApprenticeshipStandard.level)
                                                            .order_by(ApprenticeshipStandard.title))]


def _chosen_id(field, model, message: str) -> None:
    """A select's id: one of the records it offers (any other value, tampered or stale, is refused)."""
    chosen = parse_id(field.data)
    if chosen is None or db.session.get(model, chosen) is None:
        raise ValidationError(message)


def _optional_text(value: str | None) -> str | None:
    return (value or "").strip() or None


class PledgeForm(VersionedForm):
    account_id = SelectField("Levy account", widget=GovSelect(), validate_choice=False,
                             description="Whose transfer allowance the pledge comes from")
    year = RadioField("Which year’s transfer allowance does it come from?", widget=RadioInput(),
                      validate_choice=False)
    title = StringField("Title", widget=GovTextInput(), description="For example, Digital apprenticeships in Northmoor",
                        validators=[InputRequired(message="Enter a title for the pledge"),
                                    Length(max=120, message="Title must be 120 characters or fewer")])
    amount = MoneyField("Amount", description="How much of the year’s transfer allowance to offer",
                        validators=[InputRequired(message="Enter the amount of the pledge")])
    locations = StringField("Locations (optional)", widget=GovTextInput(), description=(
        "Where the apprentices must work, with commas between them. Give postcode areas or districts, such as NM "
        "or NM1, for an automatic check of each workplace’s postcode; a town’s name is checked by hand. Leave it "
        "empty for anywhere"), validators=[
            Length(max=500, message="Locations must be 500 characters or fewer")])
    sectors = StringField("Sectors (optional)", widget=GovTextInput(), description=(
        "The employers’ sectors the pledge is for, as their records name them (such as Health), with commas "
        "between them. Leave it empty for any sector"), validators=[
            Length(max=500, message="Sectors must be 500 characters or fewer")])
    standard_id = SelectField("Apprenticeship standard (optional)", widget=GovSelect(), validate_choice=False)
    min_level = SelectField("Lowest level (optional)", widget=GovSelect(), validate_choice=False, choices=LEVELS)
    max_level = SelectField("Highest level (optional)", widget=GovSelect(), validate_choice=False, choices=LEVELS)
    submit = SubmitField("Save pledge", widget=GovSubmitInput())

    def __init__(self, *args, pledge: LevyPledge | None = None, accounts: list[LevyAccount] = (),
                 years: list[levy_transfers.PledgeYear] = (), **kwargs):
        """`years`: the financial years a new pledge may draw on (levy_transfers.pledge_years), this one first;
        a choice of them is asked only when there are two."""
        if pledge is not None and pledge.id and "formdata" not in kwargs:
            kwargs["data"] = {"amount": pledge.amount_pence, "standard_id": str(pledge.standard_id or ""),
                              "min_level": str(pledge.min_level or ""), "max_level": str(pledge.max_level or ""),
                              "version": pledge.version}
        elif years:
            kwargs.setdefault("data", {"year": str(years[0].year.year)})
        super().__init__(*args, obj=pledge, **kwargs)
        self.standard_id.choices = _standard_choices("Any standard")
        self._pledge = pledge if pledge is not None and pledge.id else None
        self._years = {str(y.year.year): y for y in years}
        if pledge is not None and pledge.id:
            del self.account_id  # a pledge stays with its account, and its year
        else:
            self.account_id.choices = [SelectChoice(str(a.id), a.name) for a in accounts]
        if self._pledge is not None or len(years) < 2:
            del self.year
        else:
            self.year.choices = [SelectChoice(key, f"{y.year.label} ({'this year' if n == 0 else 'next year'}, "
                                                   f"{y.year.in_words})")
                                 for n, (key, y) in enumerate(self._years.items())]

    def chosen_year(self) -> int:
        """The financial year a new pledge draws on (1 April of it): the one chosen, else this one."""
        if "year" in self and self.year.data in self._years:
            return int(self.year.data)
        return next(iter(self._years.values())).year.year

    def year_hints(self) -> list[dict]:
        """Beside each year offered, what is left of each account's allowance for it (the radios' items)."""
        def said(account: LevyAccount, summary: levy_transfers.AllowanceSummary | None) -> str:
            if summary is None:
                return f"{account.name}: not known yet"
            return f"{account.name}: {money(summary.left)} left of the {money(summary.allowance)} allowance"

        return [{"hint": {"text": "; ".join(said(a, s) for a, s in y.allowances)}} for y in self._years.values()]

    def validate_account_id(self, field) -> None:
        _chosen_id(field, LevyAccount, "Select the levy account")

    def validate_year(self, field) -> None:
        if field.data not in self._years:
            raise ValidationError("Select the year whose transfer allowance the pledge comes from")
        account_id = parse_id(self.account_id.data)
        if account_id is not None and (problem := levy_transfers.year_problem(account_id, int(field.data))):
            raise ValidationError(problem)

    def validate_amount(self, field) -> None:
        pledge = self._pledge
        account_id = pledge.account_id if pledge is not None else parse_id(self.account_id.data)
        if field.pence is None or account_id is None or ("year" in self and self.year.errors):
            return
        year = pledge.year if pledge is not None else self.chosen_year()
        if problem := levy_transfers.amount_problem(account_id, year, field.pence, pledge):
            raise ValidationError(problem)

    def validate_standard_id(self, field) -> None:
        if field.data:
            _chosen_id(field, ApprenticeshipStandard, "Select a standard from the list, or any standard")

    def _level(self, field) -> int | None:
        if field.data and field.data not in {str(n) for n in range(2, 8)}:
            raise ValidationError("Select a level from the list")
        return int(field.data) if field.data else None

    def validate_min_level(self, field) -> None:
        self._level(field)

    def validate_max_level(self, field) -> None:
        low, high = self._level(self.min_level) if not self.min_level.errors else None, self._level(field)
        if low is not None and high is not None and low > high:
            raise ValidationError("The highest level must be the same as the lowest level or above it")

    def values(self) -> dict:
        return {"title": self.title.data.strip(), "amount_pence": self.amount.pence,
                "locations": _optional_text(self.locations.data), "sectors": _optional_text(self.sectors.data),
                "standard_id": parse_id(self.standard_id.data) if self.standard_id.data else None,
                "min_level": int(self.min_level.data) if self.min_level.data else None,
                "max_level": int(self.max_level.data) if self.max_level.data else None}


class ApplicationForm(AppForm):
    """An application to a pledge: the coordinator's record of one made through DfE's service (with its
    employer and reference), or an employer partner's own (the same facts the local rules check)."""

    employer_id = SelectField("Employer partner", widget=GovSelect(), validate_choice=False)
    service_reference = StringField(
        "Application reference on the apprenticeship service (optional)", widget=GovTextInput(),
        description="Letters and numbers, as the apprenticeship service shows it",
        validators=[Optional(), Regexp(r"^[A-Za-z0-9-]{1,20}$", message=(
            "The reference must be up to 20 letters, numbers or hyphens"))])
    standard_id = SelectField("Apprenticeship standard", widget=GovSelect(), validate_choice=False)
    apprentices_planned = WholeNumberField(
        "Number of apprentices", widget=GovTextInput(), default=1,
        validators=[InputRequired(message="Enter the number of apprentices"),
                    NumberRange(min=1, max=1000, message="The number of apprentices must be between 1 and 1,000")])
    amount = MoneyField("Amount asked for", description=(
        "The whole cost of training and assessment for all of them, up to the standard’s funding band for each"),
        validators=[InputRequired(message="Enter the amount asked for")])
    planned_start = GovDateField("Planned start date",
                                 validators=[DataRequired(message="Enter the planned start date")])
    location = StringField("Where will the apprentices work?", widget=GovTextInput(),
                           description="The workplace’s postcode, such as NM1 4QT, or its town", validators=[
                               InputRequired(message="Enter where the apprentices will work"),
                               Length(max=120, message="Where they will work must be 120 characters or fewer")])
    employer_pays_levy = RadioField("Does the employer pay the apprenticeship levy?", widget=RadioInput(),
                                    choices=YES_NO, description="Employers with a pay bill over £3 million a year do",
                                    validators=[InputRequired(message="Select yes if the employer pays the levy")])
    hourly_wage = MoneyField("Hourly wage (optional)", description="What the apprentices will be paid an hour",
                             maximum=MAX_WAGE_PENCE)
    apprentices_live_in_borough = RadioField(
        "Will every apprentice live in the borough?", widget=RadioInput(), choices=YES_NO,
        validators=[InputRequired(message="Select yes if every apprentice will live in the borough")])
    details = text_area("Anything else about the application (optional)", 4000)
    submit = SubmitField("Send application", widget=GovSubmitInput())

    def __init__(self, *args, by_employer: bool, left: int | None = None, min_wage: int | None = None,
                 today: date | None = None, **kwargs):
        """An employer's own application (`by_employer`) asks no more than the pledge has `left`, starts today
        or later, and gives the hourly wage when the scheme sets a minimum (`min_wage`, in pence)."""
        super().__init__(*args, **kwargs)
        self.standard_id.choices = _standard_choices("Select a standard")
        self._by_employer, self._left, self._today = by_employer, left, today or date.today()
        self._wage_needed = by_employer and min_wage is not None
        if self._wage_needed:
            self.hourly_wage.label.text = "Hourly wage"
            self.hourly_wage.description = (f"What the apprentices will be paid an hour. The scheme asks for at least "
                                            f"{money(min_wage)} an hour")
        example = add_months(first_of_month(self._today), 3)  # a start date to come, whenever the form is seen
        self.planned_start.description = f"For example, {example.day} {example.month} {example.year}"
        if by_employer:
            del self.employer_id
            del self.service_reference
            self.employer_pays_levy.label.text = "Does your organisation pay the apprenticeship levy?"
            self.employer_pays_levy.validators = [
                InputRequired(message="Select yes if your organisation pays the levy")]
        else:
            self.employer_id.choices = [SelectChoice("", "Select an employer partner")] + [
                SelectChoice(str(i), name) for i, name in db.session.execute(
                    sa.select(EmployerPartner.id, EmployerPartner.name).order_by(EmployerPartner.name))]
            self.submit.label.text = "Save application"

    def validate_employer_id(self, field) -> None:
        _chosen_id(field, EmployerPartner, "Select the employer partner")

    def validate_standard_id(self, field) -> None:
        _chosen_id(field, ApprenticeshipStandard, "Select the apprenticeship standard")

    def validate_amount(self, field) -> None:
        if self._by_employer and self._left is not None and field.pence is not None and field.pence > self._left:
            raise ValidationError(f"Amount asked for must be {money(max(self._left, 0))} or less: that is what the "
                                  "pledge has left")

    def validate_planned_start(self, field) -> None:
        if self._by_employer and field.data and field.data < self._today:
            raise ValidationError("Planned start date must be today or in the future")

    def validate_hourly_wage(self, field) -> None:
        if self._wage_needed and field.pence is None and not field.errors:
            raise ValidationError("Enter the hourly wage")

    def validate_service_reference(self, field) -> None:
        if field.data and db.session.scalar(sa.select(LevyApplication.id).where(
                sa.func.upper(LevyApplication.service_reference) == field.data.strip().upper())):
            raise ValidationError("Another application already has this reference")

    def values(self) -> dict:
        values = {"standard_id": parse_id(self.standard_id.data), "apprentices_planned": self.apprentices_planned.data,
                  "amount_pence": self.amount.pence, "planned_start": self.planned_start.data,
                  "location": self.location.data.strip(), "employer_pays_levy": self.employer_pays_levy.data == "yes",
                  "hourly_wage_pence": self.hourly_wage.pence,
                  "apprentices_live_in_borough": self.apprentices_live_in_borough.data == "yes",
                  "details": _optional_text(self.details.data)}
        if "service_reference" in self:
            values["service_reference"] = (self.service_reference.data or "").strip().upper() or None
        return values


class DecisionForm(AppForm):
    """One move of an application's status: the status the page showed (so nothing is decided on a state
    the person did not see), and a reason where one is asked for."""

    seen = HiddenField()
    reason = text_area("Reason (optional)", 1000)

    def __init__(self, *args, reason_label: str | None = None, reason_needed: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._needed = reason_needed
        if reason_label:
            self.reason.label.text = reason_label
        self.reason.description = "The employer sees it with the decision"

    def validate_seen(self, field) -> None:
        if self.seen_status() is None:
            raise ValidationError("The page was out of date: check the application and try again")

    def validate_reason(self, field) -> None:
        if self._needed and not (field.data or "").strip():
            raise ValidationError(self._needed)

    def seen_status(self) -> ApplicationStatus | None:
        return ApplicationStatus._value2member_map_.get(self.seen.data or "")


class TransferApprenticeForm(VersionedForm):
    reference = StringField("Reference", widget=GovTextInput(), description=(
        "The employer’s reference for the apprentice, such as their ID on the apprenticeship service. Not their "
        "name: the council needs outcomes, not who they are"), validators=[
            InputRequired(message="Enter a reference for the apprentice"),
            Length(max=40, message="Reference must be 40 characters or fewer")])
    price = MoneyField("Agreed price", description=(
        "The total price of training and assessment, at most the standard’s funding band"),
        validators=[InputRequired(message="Enter the agreed price")])
    hourly_wage = MoneyField("Hourly wage (optional)", description="What the apprentice is paid an hour",
                             maximum=MAX_WAGE_PENCE)
    start_date = GovDateField("Start date", validators=[DataRequired(message="Enter the start date")])
    planned_end_date = GovDateField("Planned end date",
                                    validators=[DataRequired(message="Enter the planned end date")])
    lives_in_borough = RadioField("Do they live in the borough?", widget=RadioInput(), choices=YES_NO,
                                  validators=[InputRequired(message="Select yes if they live in the borough")])
    outcome = RadioField("Where are they now?", widget=RadioInput(), default=TransferOutcome.IN_LEARNING.value,
                         choices=[SelectChoice(o.value, o.label) for o in TransferOutcome],
                         validators=[InputRequired(message="Select where they are now")])
    end_date = GovDateField("End date (if they completed or withdrew)",
                            description="The day they completed, or their last day in learning")
    submit = SubmitField("Save apprentice", widget=GovSubmitInput())

    def __init__(self, *args, apprentice: TransferApprentice | None = None, application: LevyApplication,
                 min_wage: int | None = None, **kwargs):
        """`min_wage`: the scheme's minimum hourly wage in pence (None: no rule), which makes the wage needed."""
        if apprentice is not None and apprentice.id and "formdata" not in kwargs:
            kwargs["data"] = {"price": apprentice.price_pence, "hourly_wage": apprentice.hourly_wage_pence,
                              "outcome": apprentice.outcome.value,
                              "lives_in_borough": "yes" if apprentice.lives_in_borough else "no",
                              "version": apprentice.version}
        super().__init__(*args, obj=apprentice, **kwargs)
        self._apprentice = apprentice if apprentice is not None and apprentice.id else None
        self._apprentice_id = self._apprentice.id if self._apprentice is not None else None
        self._application = application
        self._application_id = application.id
        self._min_wage = min_wage
        said = (f" The application said {money(application.hourly_wage_pence)}."
                if application.hourly_wage_pence is not None else "")
        if min_wage is not None:
            self.hourly_wage.label.text = "Hourly wage"
            self.hourly_wage.description = (f"What the apprentice is paid an hour. The scheme asks for at least "
                                            f"{money(min_wage)} an hour (a lower wage is saved, and the "
                                            f"application shows the rule as not met).{said}")
        elif said:
            self.hourly_wage.description = f"What the apprentice is paid an hour.{said}"

    def validate_reference(self, field) -> None:
        taken = db.session.scalar(sa.select(TransferApprentice.id).where(
            TransferApprentice.application_id == self._application_id,
            sa.func.lower(TransferApprentice.reference) == (field.data or "").strip().lower(),
            TransferApprentice.id != (self._apprentice_id or 0)))
        if taken:
            raise ValidationError("Another apprentice on this application has this reference")

    def validate_price(self, field) -> None:
        if field.pence is not None and (
                problem := levy_transfers.apprentice_problem(self._application, self._apprentice, field.pence)):
            raise ValidationError(problem)

    def validate_hourly_wage(self, field) -> None:
        if field.errors:
            return
        if self._min_wage is not None and field.pence is None:
            raise ValidationError("Enter the hourly wage")

    def validate_planned_end_date(self, field) -> None:
        if field.data and self.start_date.data and field.data <= self.start_date.data:
            raise ValidationError("The planned end date must be after the start date")

    def validate_end_date(self, field) -> None:
        ended = self.outcome.data in (TransferOutcome.COMPLETED.value, TransferOutcome.WITHDRAWN.value)
        if ended and field.data is None and not field.errors:
            raise ValidationError("Enter the day they completed or withdrew")
        if ended and field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError("The end date must be on or after the start date")
        if ended and field.data and field.data > date.today():
            raise ValidationError("The end date must be today or in the past")

    def values(self) -> dict:
        outcome = TransferOutcome(self.outcome.data)
        return {"reference": self.reference.data.strip(), "price_pence": self.price.pence,
                "hourly_wage_pence": self.hourly_wage.pence, "start_date": self.start_date.data,
                "planned_end_date": self.planned_end_date.data,
                "lives_in_borough": self.lives_in_borough.data == "yes", "outcome": outcome,
                "end_date": None if outcome is TransferOutcome.IN_LEARNING else self.end_date.data}


class PaymentForm(AppForm):
    month = GovMonthField("Month", description="The month the apprenticeship service paid it in, for example 3 2026",
                          validators=[DataRequired(message="Enter the month of the payment")])
    amount = MoneyField("Amount", validators=[InputRequired(message="Enter the amount paid")])
    submit = SubmitField("Record payment", widget=GovSubmitInput())

    def __init__(self, *args, apprentice: TransferApprentice, today: date, **kwargs):
        super().__init__(*args, **kwargs)
        self._apprentice = apprentice
        self._first, self._last = first_of_month(apprentice.start_date), first_of_month(today)

    def validate_amount(self, field) -> None:
        if field.pence is not None and (problem := levy_transfers.payment_problem(self._apprentice, field.pence)):
            raise ValidationError(problem)

    def validate_month(self, field) -> None:
        if field.data and field.data > self._last:
            raise ValidationError("The month of the payment must be this month or before")
        if field.data and field.data < self._first:
            raise ValidationError(f"The month of the payment must be {month_name(self._first)} or later: the "
                                  "apprentice started then")


class SchemeForm(VersionedForm):
    non_levy_employers_only = RadioField(
        "Is the scheme only for employers who do not pay the levy?", widget=RadioInput(), choices=YES_NO,
        validators=[InputRequired(message="Select yes if the scheme is only for non-levy employers")])
    apprentices_in_borough_only = RadioField(
        "Must the apprentices live in the borough?", widget=RadioInput(), choices=YES_NO,
        validators=[InputRequired(message="Select yes if the apprentices must live in the borough")])
    min_hourly_wage = MoneyField("Lowest hourly wage (optional)", maximum=MAX_WAGE_PENCE, description=(
        "For example the Real Living Wage. Leave it empty for no rule beyond the law"))
    submit = SubmitField("Save the rules", widget=GovSubmitInput())

    def __init__(self, *args, scheme: LevyScheme, **kwargs):
        if "formdata" not in kwargs:
            kwargs["data"] = {"non_levy_employers_only": "yes" if scheme.non_levy_employers_only else "no",
                              "apprentices_in_borough_only": "yes" if scheme.apprentices_in_borough_only else "no",
                              "min_hourly_wage": scheme.min_hourly_wage_pence, "version": scheme.version or ""}
        super().__init__(*args, **kwargs)

    def values(self) -> dict:
        return {"non_levy_employers_only": self.non_levy_employers_only.data == "yes",
                "apprentices_in_borough_only": self.apprentices_in_borough_only.data == "yes",
                "min_hourly_wage_pence": self.min_hourly_wage.pence}
