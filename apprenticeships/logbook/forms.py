"""Forms for log entries and their verification."""

from __future__ import annotations

from datetime import date, timedelta

from govuk_frontend_wtf.wtforms_widgets import GovSelect, GovSubmitInput
from wtforms import Field, RadioField, SelectField, SelectMultipleField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from ..evidence.forms import EvidenceField
from ..fields import (
    FILTER_DATES_IN_ORDER,
    CheckboxesInput,
    FilterDateField,
    GovDateField,
    HoursField,
    RadioInput,
    text_area,
)
from ..forms import AppForm
from ..ids import parse_id
from ..models import ActivityType, Apprentice, Ksb, LogEntry
from ..services import evidence
from ..services.apprentices import long_date
from ..services.logbook import (
    MAX_MINUTES_A_DAY,
    MAX_VERIFIED_AT_ONCE,
    QueueApprentices,
    QueueFilters,
    QueueStatus,
    day_limit_message,
    minutes_logged_on,
)
from ..versioning import VersionedForm


class LogEntryForm(VersionedForm):
    activity_date = GovDateField("Date", validators=[DataRequired(message="Enter the date of the learning")])
    activity_type = SelectField("Activity", widget=GovSelect(), validate_choice=False,
                                choices=[SelectChoice("", "Select an activity")] + ActivityType.choices(),
                                validators=[DataRequired(message="Select the activity")])
    off_the_job = RadioField("Was it off-the-job training?", widget=RadioInput(), default="yes",
                             choices=[SelectChoice("yes", "Yes"), SelectChoice("no", "No, part of my day job")],
                             description="Learning in paid hours that is not your day job: courses, study, "
                                         "shadowing, mentoring, project work for learning",
                             validators=[InputRequired(message="Select yes if it was off-the-job training")])
    minutes = HoursField("Hours", description="In quarter hours, like 1.5, 2.25 or 1:30", example="1.5",
                         validators=[InputRequired(message="Enter the hours")])
    description = text_area("What you did and learned", 4000, missing="Describe what you did and learned")
    ksb_ids = SelectMultipleField("Knowledge, skills and behaviours it shows (optional)", validate_choice=False,
                                  widget=CheckboxesInput())
    evidence = EvidenceField()  # files attached with the entry, saved with it or not at all
    submit = SubmitField("Add entry", widget=GovSubmitInput())

    def __init__(self, apprentice: Apprentice, *args, entry: LogEntry | None = None, today: date | None = None,
                 **kwargs):
        if entry is not None and "formdata" not in kwargs:
            kwargs["data"] = {"off_the_job": "yes" if entry.off_the_job else "no",
                              "activity_type": entry.activity_type.value,
                              "ksb_ids": [str(k.id) for k in entry.ksbs]}
        super().__init__(*args, obj=entry, **kwargs)
        self.apprentice, self.entry, self.today = apprentice, entry, today or date.today()
        self.ksb_ids.choices = [SelectChoice(str(k.id), f"{k.code} {k.description}") for k in apprentice.standard.ksbs]

    def validate_activity_date(self, field) -> None:
        if field.data and field.data > self.today:
            raise ValidationError("Date must be today or in the past")
        if field.data and field.data < self.apprentice.start_date:
            raise ValidationError("Date must be on or after the start of your apprenticeship")
        # Off-the-job expectations pause during a break in learning (DOMAIN.md): its days are not part of
        # the apprenticeship. An entry already on such a day (the break recorded after it) keeps its date.
        pause = field.data and self.apprentice.break_on(field.data)
        if pause and not (self.entry and self.entry.activity_date == field.data):
            raise ValidationError(f"That day is in your break in learning (from {long_date(pause.start_date)}"
                                  + (f" to {long_date(pause.returned_on - timedelta(days=1))}" if pause.returned_on
                                     else "") + "): days in a break are not logged")

    def validate_activity_type(self, field) -> None:
        if field.data not in ActivityType._value2member_map_:
            raise ValidationError("Select the activity")

    def validate_minutes(self, field) -> None:
        if field.minutes is None:
            return
        if field.minutes <= 0:
            raise ValidationError("Hours must be more than 0")
        if field.minutes % 15:
            raise ValidationError("Hours must be in quarter hours, like 1.25, 1.5 or 1.75")
        if self.activity_date.data:
            already = minutes_logged_on(self.apprentice.id, self.activity_date.data,
                                        except_entry=self.entry.id if self.entry else None)
            if already + field.minutes > MAX_MINUTES_A_DAY:
                raise ValidationError(day_limit_message(already))

    def validate_ksb_ids(self, field) -> None:
        allowed = {c.value for c in field.choices}
        if any(value not in allowed for value in field.data or []):
            raise ValidationError("Select knowledge, skills and behaviours from the list")

    def values(self) -> dict:
        return {"activity_date": self.activity_date.data, "activity_type": ActivityType(self.activity_type.data),
                "off_the_job": self.off_the_job.data == "yes", "minutes": self.minutes.minutes,
                "description": self.description.data.strip()}

    def ksbs(self) -> list[Ksb]:
        chosen = set(self.ksb_ids.data or [])
        return [k for k in self.apprentice.standard.ksbs if str(k.id) in chosen]

    def evidence_owner(self) -> tuple[int, int]:
        """For the evidence field: whose quota, and how many files the entry has already."""
        return self.apprentice.id, evidence.count_on(entry=self.entry)

    def validate(self, extra_validators=None) -> bool:
        return self.evidence.ask_again_if_refused(super().validate(extra_validators))


class QueryForm(VersionedForm):
    comment = text_area("Your question for the apprentice", 1000, missing="Enter what you need to know")
    submit = SubmitField("Send query", widget=GovSubmitInput())


class AnswerForm(AppForm):
    response = text_area("Your answer", 1000, missing="Enter your answer")
    submit = SubmitField("Send answer", widget=GovSubmitInput())


QUEUE_STATUS_CHOICES = [
    (QueueStatus.WAITING, "Waiting for verification", "Everything you can verify now, answered queries included"),
    (QueueStatus.QUERIED, "Queried", "Waiting for the apprentice\u2019s answer"),
    (QueueStatus.ANSWERED, "Answered", "Back from a query: the apprentice answered it or changed the entry"),
]
NEWEST_FIRST = "newest"


class QueueFilterForm(AppForm):
    """The verification queue's filters, read from the address (a GET form, so no CSRF token).

    A value that is not one of the choices (a hand-edited address, someone else's mentee) is
    ignored: the queue shows as if it were not there. A date that is not a real one is shown
    with its error next to it, and is not applied.
    """

    class Meta:
        csrf = False

    apprentice = SelectField("Apprentice", validate_choice=False)
    # Offered instead of the list when there are too many apprentices for one (a coordinator at scale).
    apprentice_name = StringField("Apprentice\u2019s name", validators=[
        Length(max=100, message="Apprentice\u2019s name must be 100 characters or fewer")])
    status = RadioField("Status", validate_choice=False, default=QueueStatus.WAITING.value,
                        choices=[SelectChoice(value.value, label) for value, label, _ in QUEUE_STATUS_CHOICES])
    date_from = FilterDateField("From")
    date_to = FilterDateField("To")
    sort = SelectField("Sort by", validate_choice=False, default="oldest",
                       choices=[SelectChoice("oldest", "Oldest first"), SelectChoice(NEWEST_FIRST, "Newest first")])

    def __init__(self, args, apprentices: QueueApprentices):
        super().__init__(formdata=args)
        self.apprentices = apprentices
        self.too_many_to_list = apprentices.choices is None
        self.apprentice.choices = [SelectChoice("", "All apprentices")] + [
            SelectChoice(str(a.id), a.full_name + (" (has left)" if a.has_left else ""))
            for a in apprentices.choices or []]
        self.page = args.get("page", 1, type=int) or 1
        self.validate()

    def validate_date_to(self, field) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(FILTER_DATES_IN_ORDER)

    def filters(self) -> QueueFilters:
        """The filters to apply: only the values that are choices offered and real dates."""
        selected = self.apprentices.selected
        status = self.status.data if self.status.data in QueueStatus._value2member_map_ else QueueStatus.WAITING
        name = self.apprentice_name.data if self.too_many_to_list and not self.apprentice_name.errors else ""
        return QueueFilters(
            status=QueueStatus(status),
            apprentice_id=selected.id if selected is not None else None,
            apprentice_name=name or "",
            date_from=None if self.date_from.errors else self.date_from.data,
            date_to=None if self.date_to.errors else self.date_to.data,
            newest_first=self.sort.data == NEWEST_FIRST,
            page=min(max(1, self.page), 10**6))

    def args(self, **changes) -> dict:
        """These filters as an address's query (for links and forms that come back to the same place)."""
        filters = self.filters()
        values = {
            "apprentice": filters.apprentice_id, "apprentice_name": filters.apprentice_name or None,
            "status": None if filters.status == QueueStatus.WAITING else filters.status.value,
            "date_from": _date_parts(filters.date_from), "date_to": _date_parts(filters.date_to),
            "sort": NEWEST_FIRST if filters.newest_first else None,
            "page": filters.page if filters.page > 1 else None,
        }
        values.update(changes)
        return {name: value for name, value in values.items() if value is not None}


def _date_parts(day: date | None) -> list[str] | None:
    """A date as the three boxes of a date input send it: day, month, year."""
    return None if day is None else [str(day.day), str(day.month), str(day.year)]


class EntryVersionsField(Field):
    """Entries chosen from the queue, each posted as "id:version" (the version the page showed).

    The data is {id: version}, in the order posted; anything else is an error, never a guess.
    """

    def process_formdata(self, valuelist):
        self.data = {}
        for value in valuelist:
            entry_id, _, version = str(value).partition(":")
            entry_id, version = parse_id(entry_id), parse_id(version)
            if entry_id is None or version is None:
                self.data = {}
                raise ValueError("Select entries from the list")
            self.data[entry_id] = version
        if len(self.data) > MAX_VERIFIED_AT_ONCE:
            self.data = {}
            raise ValueError(f"You can verify up to {MAX_VERIFIED_AT_ONCE} entries at a time")

    def _value(self):
        return ""


class VerifyManyForm(AppForm):
    """Verify several entries at once: those ticked, or every one the page showed."""

    entries = EntryVersionsField("Entries to verify")
    on_page = EntryVersionsField("Entries on this page")
    everything_on_page = SubmitField("Verify all on this page")

    def chosen(self) -> dict[int, int]:
        return (self.on_page.data if self.everything_on_page.data else self.entries.data) or {}

    def first_error(self) -> str | None:
        return next((errors[0] for errors in self.errors.values() if errors), None)


class EntryIdsField(Field):
    """Entries named by id (an undo names those just verified); anything else is an error, never a guess."""

    def process_formdata(self, valuelist):
        ids = [parse_id(str(value)) for value in valuelist]
        self.data = list(dict.fromkeys(ids))
        if None in ids or len(self.data) > MAX_VERIFIED_AT_ONCE:
            self.data = []
            raise ValueError("Choose the entries whose verification you want to undo")

    def _value(self):
        return ""


class UndoVerificationForm(AppForm):
    """Put entries just verified back to waiting."""

    undo = EntryIdsField("Entries to put back to waiting")
