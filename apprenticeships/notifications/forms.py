"""Forms for notifications: how often to email, and marking an item done."""

from __future__ import annotations

from govuk_frontend_wtf.wtforms_widgets import GovSubmitInput
from wtforms import RadioField, SubmitField
from wtforms.validators import InputRequired

from ..fields import RadioInput
from ..forms import AppForm
from ..models import EmailFrequency


class PreferencesForm(AppForm):
    frequency = RadioField("How often do you want us to email you?", widget=RadioInput(),
                           choices=EmailFrequency.choices(),
                           validators=[InputRequired(message="Select how often you want us to email you")])
    submit = SubmitField("Save", widget=GovSubmitInput())


class DoneForm(AppForm):
    """Nothing but the CSRF token: marks one notification (or all of them) done."""
