"""Form fields that several forms share, with GOV.UK widgets and GOV.UK-style messages."""

from govuk_frontend_wtf.wtforms_widgets import GovTextInput
from wtforms import EmailField
from wtforms.validators import Email, InputRequired, Length


def email_field(missing: str, label: str = "Email address") -> EmailField:
    """A required email address; `missing` is the message when it is left empty."""
    return EmailField(
        label,
        widget=GovTextInput(),
        validators=[
            InputRequired(message=missing),
            Email(message="Enter an email address in the correct format, like name@example.org"),
            Length(max=254, message="Email address must be 254 characters or fewer"),
        ],
    )
