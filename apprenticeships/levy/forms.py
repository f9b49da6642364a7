"""Forms for levy accounts, their transactions and import, funding bands and an apprentice's funding."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from govuk_frontend_wtf.wtforms_widgets import GovFileInput, GovSelect, GovSubmitInput, GovTextInput
from wtforms import HiddenField, RadioField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, Regexp, ValidationError

from ..fields import GovMonthField, MoneyField, RadioInput
from ..forms import AppForm
from ..ids import parse_id
from ..models import LevyFunding, TransactionKind
from ..versioning import VersionedForm

NONE = "none"


class AccountForm(AppForm):
    name = StringField("Name of the account", widget=GovTextInput(), validators=[
        InputRequired(message="Enter the name of the account"),
        Length(max=120, message="Name of the account must be 120 characters or fewer")],
        description="As the council knows it, for example “Council” or “Maintained schools”")
    service_reference = StringField(
        "Account ID on the apprenticeship service (optional)", widget=GovTextInput(),
        description="6 letters and numbers, shown at the top of the account’s home page, for example V6BJKM",
        validators=[Optional(), Regexp(r"^[A-Za-z0-9]{4,20}$",
                                       message="Account ID must be 4 to 20 letters and numbers, like V6BJKM")])
    submit = SubmitField("Add the account", widget=GovSubmitInput())


class TransactionForm(AppForm):
    kind = RadioField("What is it?", widget=RadioInput(), choices=[
        SelectChoice(TransactionKind.CREDIT.value, "Funds in: the month’s levy, with the 10% top up"),
        SelectChoice(TransactionKind.TRAINING.value, "A training payment for one of the council’s apprentices")],
        validators=[InputRequired(message="Select what the transaction is")])
    month = GovMonthField("Month of the transaction", years=(2017, 2100),
                          validators=[DataRequired(message="Enter the month of the transaction")],
                          description="For example, 3 2026")
    amount = MoneyField("Amount", validators=[InputRequired(message="Enter the amount")],
                        description="In pounds, for example 40,000 or 612.50")
    top_up = MoneyField("Of which the 10% top up (optional)", minimum=0,
                        description="For funds in: the government’s top up, if you know it")
    apprentice = SelectField("Whose training (optional)", widget=GovSelect(), validate_choice=False,
                             description="For a training payment: the apprentices this account pays for")
    description = StringField("Note (optional)", widget=GovTextInput(), validators=[
        Length(max=200, message="Note must be 200 characters or fewer")],
        description="For example the training provider, or the course. Do not write anyone’s name")
    submit = SubmitField("Add the transaction", widget=GovSubmitInput())

    def __init__(self, *args, funded: list[tuple[int, str]] = (), today: date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.funded_ids = {i for i, _ in funded}
        self._last = today.replace(day=1) if today else None
        self.apprentice.choices = [SelectChoice(NONE, "Not one of these")] + [
            SelectChoice(str(i), name) for i, name in funded]

    def validate_apprentice(self, field) -> None:
        if field.data in (None, "", NONE):
            return
        if parse_id(field.data) not in self.funded_ids:
            raise ValidationError("Select an apprentice from the list")
        if self.kind.data != TransactionKind.TRAINING.value:
            raise ValidationError("Only a training payment is for an apprentice: choose “Not one of these”")

    def validate_month(self, field) -> None:
        if field.data and self._last and field.data > self._last:
            raise ValidationError("The month of the transaction must be this month or before")

    def validate_top_up(self, field) -> None:
        if field.pence is None:
            return
        if self.kind.data != TransactionKind.CREDIT.value:
            raise ValidationError("Only funds in have a 10% top up: leave it empty for a training payment")
        if self.amount.pence is not None and field.pence > self.amount.pence:
            raise ValidationError("The 10% top up is part of the amount, so it cannot be more than it")

    def apprentice_id(self) -> int | None:
        return parse_id(self.apprentice.data) if self.apprentice.data not in (None, "", NONE) else None


class ImportUploadForm(AppForm):
    file = FileField("Upload a file", widget=GovFileInput(), description="A CSV file, 2 MB at most",
                     validators=[FileRequired(message="Select a CSV file")])
    submit = SubmitField("Check the file", widget=GovSubmitInput())

    def validate_file(self, field) -> None:
        if not (field.data.filename or "").lower().endswith(".csv"):
            raise ValidationError("The selected file must be a CSV")


class ImportConfirmForm(AppForm):
    """The checked file goes back with the confirmation and is checked again before anything is added."""

    content = HiddenField()


class FundingBandForm(AppForm):
    max_pence = MoneyField("Funding band maximum", description="In pounds, for example 18,000. Leave it empty to "
                                                               "remove the band")
    submit = SubmitField("Save the funding band", widget=GovSubmitInput())


class FundingForm(VersionedForm):
    account = SelectField("Which levy account pays for their training", widget=GovSelect(), validate_choice=False,
                          validators=[InputRequired(message="Select the levy account")])
    price = MoneyField("Agreed price", validators=[InputRequired(message="Enter the agreed price")],
                       description="Of training and assessment: the total agreed with the training provider, in "
                                   "pounds, for example 18,000")
    submit = SubmitField("Save the funding", widget=GovSubmitInput())

    def __init__(self, *args, funding: LevyFunding | None = None, accounts: list[tuple[int, str]] = (), **kwargs):
        if funding is not None:  # as stored (again when a conflict is shown: see versioning.show_conflict)
            kwargs.setdefault("data", {"account": str(funding.account_id), "price": funding.price_pence,
                                       "version": funding.version})
        super().__init__(*args, **kwargs)
        self.account_ids = {i for i, _ in accounts}
        self.account.choices = [SelectChoice("", "Select an account")] + [
            SelectChoice(str(i), name) for i, name in accounts]

    def validate_account(self, field) -> None:
        if parse_id(field.data) not in self.account_ids:
            raise ValidationError("Select the levy account")


class RemoveFundingForm(AppForm):
    version = HiddenField()
    submit = SubmitField("Remove the levy funding", widget=GovSubmitInput())


class RemoveTransactionForm(AppForm):
    """The confirmation of a removal: it carries what the page showed (levy_ledger.fingerprint)."""

    seen = HiddenField()
