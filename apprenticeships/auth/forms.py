"""Forms for signing in (with a second step when two-factor sign-in is on) and choosing a password."""

from govuk_frontend_wtf.wtforms_widgets import GovPasswordInput, GovSubmitInput, GovTextInput
from wtforms import PasswordField, StringField, SubmitField
from wtforms.validators import EqualTo, InputRequired, Length, ValidationError

from ..fields import email_field
from ..forms import AppForm
from ..services.passwords import MAX_LENGTH, password_problem


class SignInForm(AppForm):
    email = email_field("Enter your email address")
    password = PasswordField(
        "Password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH)],
    )
    submit = SubmitField("Sign in", widget=GovSubmitInput())


PASSWORD_HINT = "Use 12 characters or more. A few unrelated words together make a strong password."


def new_password(label: str, missing: str) -> PasswordField:
    return PasswordField(label, widget=GovPasswordInput(), description=PASSWORD_HINT,
                         validators=[InputRequired(message=missing)])


def password_again(label: str, missing: str) -> PasswordField:
    return PasswordField(label, widget=GovPasswordInput(), validators=[
        InputRequired(message=missing), EqualTo("password", message="Passwords must match")])


class SetPasswordForm(AppForm):
    password = new_password("Create a password", "Enter a password")
    confirm = password_again("Confirm your password", "Enter your password again")
    submit = SubmitField("Save password", widget=GovSubmitInput())

    def __init__(self, *args, personal: tuple[str, ...] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self._personal = personal

    def validate_password(self, field) -> None:
        problem = password_problem(field.data or "", personal=self._personal)
        if problem:
            raise ValidationError(problem)


class ForgottenPasswordForm(AppForm):
    email = email_field("Enter your email address")
    submit = SubmitField("Send me a link", widget=GovSubmitInput())


class ResetPasswordForm(SetPasswordForm):
    password = new_password("New password", "Enter a new password")
    confirm = password_again("Confirm your new password", "Enter your new password again")
    submit = SubmitField("Save new password", widget=GovSubmitInput())


class ChangePasswordForm(ResetPasswordForm):
    # WTForms orders fields by when each field object was made, not by class: the new password's
    # fields are made again after this one, so the error summary lists them as the page does.
    current = PasswordField(
        "Current password",
        widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your current password"), Length(max=MAX_LENGTH)],
    )
    password = new_password("New password", "Enter a new password")
    confirm = password_again("Confirm your new password", "Enter your new password again")
    submit = SubmitField("Change password", widget=GovSubmitInput())


class TwoFactorCodeForm(AppForm):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = StringField(
        "Code", widget=GovTextInput(),
        description="The 6-digit code from your authenticator app, or one of your recovery codes",
        validators=[InputRequired(message="Enter the code from your authenticator app or a recovery code"),
                    Length(max=40, message="Enter a 6-digit code or a recovery code")])
    submit = SubmitField("Continue", widget=GovSubmitInput())


class ConfirmAuthenticatorForm(AppForm):
    code = StringField(
        "Code from your app", widget=GovTextInput(), description="For example, 123456",
        validators=[InputRequired(message="Enter the 6-digit code from your authenticator app"),
                    Length(max=20, message="Enter the 6-digit code from your authenticator app")])
    submit = SubmitField("Turn on two-factor sign-in", widget=GovSubmitInput())


class StartTwoFactorForm(AppForm):
    submit = SubmitField("Set up two-factor sign-in", widget=GovSubmitInput())


class PasswordCheckForm(AppForm):
    """Your password again, before a change to how you sign in."""

    password = PasswordField(
        "Your password", widget=GovPasswordInput(),
        validators=[InputRequired(message="Enter your password"), Length(max=MAX_LENGTH)])
    submit = SubmitField("Continue", widget=GovSubmitInput())
