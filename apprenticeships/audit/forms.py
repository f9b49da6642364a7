"""The audit page's filters, read from the address (a GET form, so no CSRF token)."""

from __future__ import annotations

from datetime import date

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovTextInput
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, ValidationError

from ..extensions import db
from ..fields import FILTER_DATES_IN_ORDER, FilterDateField
from ..forms import AppForm
from ..ids import parse_id
from ..models import Apprentice
from ..services import audit

NAME_LENGTH = 100
MAX_PAGE = 10**6

# The kinds of event, grouped by what they are about, in the order a coordinator looks for them: an
# action is in the first group whose test it passes (an action named after none is in "Other events").
KIND_GROUPS: list[tuple[str, object]] = [
    ("Data protection (exports, the audit log, anonymising)", lambda action: action in {
        "apprentice.exported", "apprentice.exported_with_cohort", "cohort.exported", "audit.exported",
        "apprentice.audit_viewed", "apprentice.audit_exported", "apprentice.anonymised", "apprentice.deleted"}),
    ("Apprentices’ records", lambda action: action.startswith(("apprentice.", "apprentices."))),
    ("Log entries", lambda action: action.startswith("log_entry.")),
    ("Progress reviews", lambda action: action.startswith(("review.", "review_action."))),
    ("Evidence files", lambda action: action.startswith("evidence.")),
    ("Placements and employers", lambda action: action.startswith(("placement.", "employer.", "employer_contact."))),
    ("User accounts and sign-in", lambda action: action.startswith(("user.", "notification_preference."))),
    ("Programme set-up (cohorts, mentors, standards, settings)", lambda action: action.startswith((
        "cohort.", "mentor.", "standard.", "provider.", "settings.", "share_link.", "demo."))),
    ("Returns and other councils", lambda action: action.startswith((
        "sector_return.", "council_file.", "comparison_link."))),
    ("The levy (accounts, funding and transfers)", lambda action: action.startswith(("levy.", "levy_", "transfer"))),
]
OTHER_EVENTS = "Other events"
ANY_KIND = "Any kind of event"
BROAD_KINDS = "Every event of one kind"


def kind_groups() -> list[tuple[str, list[SelectChoice]]]:
    """The select's groups: the three broad kinds first, then every action by what it is about."""
    groups: dict[str, list[SelectChoice]] = {BROAD_KINDS: [SelectChoice(value, label)
                                                           for value, label in audit.KINDS.items()]}
    groups.update((name, []) for name, _ in KIND_GROUPS)
    for value, label in audit.action_choices():
        name = next((name for name, about in KIND_GROUPS if about(value)), OTHER_EVENTS)
        groups.setdefault(name, []).append(SelectChoice(value, label))
    return [(name, choices) for name, choices in groups.items() if choices]


class FiltersForm(AppForm):
    """Filters that are not right (a date that is not a real one, an apprentice number that names no
    one, a kind of event not in the list) are errors next to their field, and the page lists nothing
    until they are put right: a log filtered by only part of what was asked for could be read as
    the whole answer."""

    class Meta:
        csrf = False

    apprentice = StringField("Apprentice number", widget=GovTextInput(), validators=[
        Length(max=20, message="Apprentice number must be 20 characters or fewer")],
        description="In the address of an apprentice\u2019s record: one apprentice, even if others share their name")
    person = StringField("Name of the person acted on", widget=GovTextInput(), validators=[
        Length(max=NAME_LENGTH, message=f"Name of the person acted on must be {NAME_LENGTH} characters or fewer")],
        description="All or part of the name of an apprentice, or of someone with a user account")
    actor = StringField("Name of who did it", widget=GovTextInput(), validators=[
        Length(max=NAME_LENGTH, message=f"Name of who did it must be {NAME_LENGTH} characters or fewer")])
    kind = SelectField("Kind of event", widget=GovSelect(), validate_choice=False)
    date_from = FilterDateField("From", years=(2000, 2100))
    date_to = FilterDateField("To", years=(2000, 2100))

    def __init__(self, args):
        super().__init__(formdata=args)
        self.kind_groups = kind_groups()
        self.kind.choices = [SelectChoice("", ANY_KIND)] + [choice for _, choices in self.kind_groups
                                                            for choice in choices]
        self.page = min(max(1, args.get("page", 1, type=int) or 1), MAX_PAGE)
        self.chosen_apprentice: Apprentice | None = None
        self.validate()

    def validate_apprentice(self, field) -> None:
        if not field.data:
            return
        if not (field.data.isascii() and field.data.isdigit()):
            raise ValidationError("Apprentice number must be a number, like 42")
        apprentice_id = parse_id(field.data)
        self.chosen_apprentice = db.session.get(Apprentice, apprentice_id) if apprentice_id else None
        if self.chosen_apprentice is None:
            # A deleted record's events keep no link to it (apprentice_id is set to null), so there is
            # nothing to show: say so, rather than leave the coordinator thinking they mistyped.
            raise ValidationError("There is no apprentice with that number. If their record was deleted, "
                                  "its events are still in the log but no longer name the apprentice")

    def validate_kind(self, field) -> None:
        if field.data and field.data not in {choice.value for choice in field.choices}:
            raise ValidationError("Select a kind of event from the list")

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(FILTER_DATES_IN_ORDER)

    def filters(self) -> audit.Filters:
        """Only called once the form has no errors."""
        return audit.Filters(
            apprentice_id=self.chosen_apprentice.id if self.chosen_apprentice else None,
            person=self.person.data or "", actor=self.actor.data or "", kind=self.kind.data or "",
            date_from=self.date_from.data, date_to=self.date_to.data, page=self.page)

    def used(self) -> list[str]:
        """The names of the filters in use (never their values): what an export of the log records."""
        filters = self.filters()
        return [name for name, value in (("apprentice", filters.apprentice_id), ("person", filters.person),
                                         ("actor", filters.actor), ("kind", filters.kind),
                                         ("date_from", filters.date_from), ("date_to", filters.date_to)) if value]

    def in_words(self) -> list[str]:
        """The filters in use, as the page says them back, so a filtered list is never read as the whole log."""
        if self.errors:
            return []
        filters = self.filters()
        kinds = {choice.value: choice.label for choice in self.kind.choices}
        return [words for words in (
            self.chosen_apprentice and f"apprentice {self.chosen_apprentice.full_name} (number {self.apprentice.data})",
            filters.person and f"person acted on \u201c{filters.person}\u201d",
            filters.actor and f"who did it \u201c{filters.actor}\u201d",
            filters.kind and f"kind of event: {kinds.get(filters.kind, filters.kind)}",
            filters.date_from and f"from {filters.date_from.day} {filters.date_from:%B %Y}",
            filters.date_to and f"to {filters.date_to.day} {filters.date_to:%B %Y}") if words]

    def args(self, **changes) -> dict:
        """These filters as an address's query, for the pages and the download."""
        filters = self.filters()
        values = {"apprentice": filters.apprentice_id, "person": filters.person or None,
                  "actor": filters.actor or None, "kind": filters.kind or None,
                  "date_from": _date_parts(filters.date_from), "date_to": _date_parts(filters.date_to),
                  "page": filters.page if filters.page > 1 else None}
        values.update(changes)
        return {key: value for key, value in values.items() if value is not None}


def _date_parts(day: date | None) -> list[str] | None:
    return None if day is None else [str(day.day), str(day.month), str(day.year)]
