"""Subject access: everything held about one apprentice, as one ZIP file.

A person may ask for a copy of all the personal data held about them (UK GDPR, article 15),
and must have it within a month. `export` gathers every record about one apprentice and
writes one ZIP:

- `report.html`: the whole record to read and print (GOV.UK style, self-contained: it is a
  file in the ZIP, never a page of the app, so its styles are inline; everything in it is
  escaped by Jinja's autoescaping);
- `data.json`: every record, table by table, with every column (apart from the security
  secrets in WITHHELD) and the names of the people its ids point to;
- `csv/<table>.csv`: the same rows, one spreadsheet per table, every cell made safe
  (services/spreadsheets.py);
- `evidence/<id>-<name>`: the evidence files themselves, read through the evidence storage.

What is covered is declared, table by table: EXPORTED (what the export holds from each table)
and LEFT_OUT (tables that refer to people but hold nothing about the apprentice, each with the
reason). tests/unit/test_subject_access_coverage.py walks the models' foreign keys and fails
when a table that refers to apprentices or users, directly or through other tables, is in
neither list, so a new table cannot be forgotten.

The rule for other people's data (OTHER_PEOPLE_RULE, also written at the top of the report)
is carried out in one place: `People.name` and `_apply_the_rule`, which every row passes
through on its way into the export.

- Staff (coordinators, mentors, employers' staff) are named where they did something to the
  apprentice's record, and what they wrote about the apprentice stays as they wrote it: it is
  part of the apprentice's record. Nothing else about them is included (no contact details,
  accounts or other work).
- Organisations stay: the employers of the apprentice's placements, their training provider,
  their cohort's name.
- Another apprentice's name or records never appear: only this apprentice's rows are read
  (not a placement's other apprentices, not the rest of their cohort), and an id that points
  to another apprentice, or to another apprentice's account, is blanked and named "another
  apprentice".

Security secrets are withheld (WITHHELD): password, recovery code and one-time link hashes,
the two-factor secret, and one-time links in queued emails. They say nothing about the person
and anyone holding a copy could use them against the account; the report says which exist.

The export reads a fixed number of SQL statements whatever the size of the record (one per
table, and one for the names of the people its rows point to), and is written to a temporary
file with one evidence file in memory at a time: the ZIP is never held in memory.
"""

from __future__ import annotations

import csv
import io
import json
import tempfile
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from types import SimpleNamespace
from typing import IO, Any

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import (
    ActivityType,
    Apprentice,
    ApprenticeshipStandard,
    AuditEvent,
    BreakInLearning,
    Cohort,
    EmployerContact,
    EmployerPartner,
    EvidenceFile,
    Ksb,
    LevyAccount,
    LevyFunding,
    LevyTransaction,
    LogDayTotal,
    LogEntry,
    LogEntryRevision,
    Mentor,
    Notification,
    NotificationPreference,
    OutboxMessage,
    PasswordReset,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    ProgressReview,
    RecoveryCode,
    ReviewAction,
    ReviewReopening,
    ReviewSignoff,
    Role,
    SignInFailure,
    StatusChange,
    TrainingProvider,
    User,
    UserSession,
    log_entry_ksbs,
    utcnow,
)
from ..templating import format_date
from ..text import hour_figure, hours_in_words
from . import audit, evidence, retention
from .sign_in import account_key
from .spreadsheets import safe_cell

# The tables the export reads, and what it takes from each: the JSON and CSV hold one list per table.
EXPORTED: dict[str, str] = {
    "apprentices": "Your details: name, contact details, apprenticeship, dates, status, end-point assessment, "
                   "and whether you agreed to be named on shared summaries",
    "apprentice_status_changes": "Your status history: each change, when, why and who recorded it",
    "breaks_in_learning": "Your breaks in learning",
    "mentors": "Your mentor, and the mentors who signed your reviews (their name, job title and team)",
    "placements": "The placements you were proposed for, placed on or interested in (not who else was)",
    "placement_assignments": "Your proposals for placements, and your placements",
    "placement_interests": "The placements you said you were interested in",
    "log_entries": "Every entry in your log, with any query about it and your answer",
    "log_entry_ksbs": "The knowledge, skills and behaviours each log entry shows",
    "log_entry_revisions": "Every change to each log entry: what changed, who changed it and when",
    "log_day_totals": "The minutes logged on each day (kept to check the daily limit)",
    "progress_reviews": "Your progress reviews",
    "review_actions": "The actions agreed at your reviews",
    "review_signoffs": "Who signed each review, when, and their comments",
    "review_reopenings": "Reviews opened again after they were signed, and why",
    "evidence_files": "Your evidence files: what was attached, to what, by whom and when (the files are in "
                      "the evidence folder)",
    "notifications": "Notifications sent to you, and notifications about you sent to staff",
    "notification_preferences": "How often you asked to be emailed",
    "users": "Your account: how you sign in, when it was made and last used (not its security secrets)",
    "user_sessions": "When you signed in, and when each session was last used and ended",
    "recovery_codes": "When your two-factor recovery codes were made and used (not the codes)",
    "password_resets": "When a password reset was asked for, and whether it was used (not the link)",
    "sign_in_failures": "Failed attempts to sign in with your email address (the time only)",
    "outbox_messages": "Emails sent, or waiting to be sent, to you",
    "levy_fundings": "Which of the council's levy accounts paid for your training, and the agreed price",
    "levy_transactions": "The levy's payments for your training, month by month",
    "audit_events": "The audit log about you: who looked at, changed or exported your record, and what you "
                    "did yourself",
}

# Tables that refer to apprentices or users (directly or through others) but hold nothing about the
# apprentice, with the reason. Each is checked by tests/unit/test_subject_access_coverage.py.
LEFT_OUT: dict[str, str] = {
    "placement_standards": "Which apprenticeships a placement is open to: about the placement, not a person (your "
                           "placements themselves are included)",
    "employer_contacts": "Employers' staff and their contact details: about them, not you (your placement's host "
                         "supervisor is named with the placement)",
    "employer_activities": "The council's meetings and notes with employers: about organisations, never about one "
                           "apprentice",
    "share_links": "Cohort summaries shared by link: they hold only figures for groups, never one person's data "
                   "(whether you agreed to be named on them is with your details)",
    "sector_returns": "The council's public sector apprenticeship returns: counts for the whole council, never one "
                      "person (who employs you is with your details)",
    "sector_return_parts": "The returns' figures for the council and its maintained schools: counts, never one person",
    "council_files": "Other councils' published figures, added to compare programmes: counts for groups only",
    "comparison_links": "Comparisons of councils shared by link: they hold only figures for groups",
    "levy_pledges": "The council's levy transfer pledges to local employers: about money and organisations, never "
                    "one apprentice (who made each is a council officer, in the audit log)",
    "levy_applications": "Local employers' applications for the council's levy transfers: about organisations, never "
                         "one apprentice of the council",
    "transfer_apprentices": "Other employers' apprentices funded by the council's levy transfers: no names, and never "
                            "the council's own apprentices",
    "transfer_share_links": "Summaries of the levy transfers shared by link: they hold only figures for groups",
}

# Columns never exported: what each holds, and why it is left out (the report lists them).
SECURITY_SECRET = ("Security secrets, not information about you: anyone with a copy could use them to get into "
                   "your account. The copy says whether they exist (a password set, two-factor sign-in on, when "
                   "each recovery code or reset link was made and used).")
NOT_YOURS = ("Kept only to slow down anyone guessing passwords, and not yours to be given: anyone can type your "
             "email address, so the attempts may be someone else's.")
WITHHELD: dict[str, dict[str, tuple[str, str]]] = {
    "users": {
        "password_hash": ("the scrambled form (hash) of your password", SECURITY_SECRET),
        "totp_secret": ("the secret your authenticator app uses for two-factor sign-in", SECURITY_SECRET),
        "totp_last_step": ("the number of the last two-factor code accepted", SECURITY_SECRET),
        "invite_token_hash": ("the hash of your invitation link", SECURITY_SECRET),
        "calendar_token_hash": ("the hash of your private calendar link", SECURITY_SECRET),
    },
    "recovery_codes": {"code_hash": ("the hashes of your two-factor recovery codes", SECURITY_SECRET)},
    "user_sessions": {"token_hash": ("the hash of each signed-in session's cookie", SECURITY_SECRET)},
    "password_resets": {"token_hash": ("the hash of each password reset link", SECURITY_SECRET)},
    "outbox_messages": {"personalisation": ("the links in an email still waiting to be sent, which may be "
                                            "one-time sign-in links (the rest of the email is included)",
                                            SECURITY_SECRET)},
    "sign_in_failures": {
        "account_key": ("the scrambled form of the email address typed at a failed sign-in", NOT_YOURS),
        "client_address": ("the internet address each failed sign-in came from", NOT_YOURS),
    },
}
# Withheld in part, not as a whole column (see _apply_the_rule).
WITHHELD_IN_PART = {("outbox_messages", "personalisation")}


def withheld_by_reason() -> dict[str, list[str]]:
    """What is withheld, grouped by the reason: for the report."""
    grouped: dict[str, list[str]] = defaultdict(list)
    for columns in WITHHELD.values():
        for what, why in columns.values():
            grouped[why].append(what)
    return dict(grouped)


# The rule for other people's data, written once: at the top of the report and in the JSON.
OTHER_PEOPLE_RULE = (
    "Staff who worked on your record (programme coordinators, mentors and employers' staff) are named where "
    "they did something to it, and what they wrote about you is included as they wrote it: it is part of your "
    "record. Nothing else about them is included, such as their contact details or their other work.",
    "Organisations are named: the employers of your placements, your training provider and your cohort.",
    "No other apprentice's name or records are included: not the other apprentices on a placement or in your "
    "cohort, and not who else was proposed for a placement. Where a record points to another apprentice it "
    "says \u201canother apprentice\u201d instead.",
)
ANOTHER_APPRENTICE = "another apprentice"


@dataclass
class People:
    """The names of the people the rows point to, after the rule for other people's data."""

    apprentice_id: int
    users: dict[int, tuple[str, Role, int | None]] = field(default_factory=dict)
    mentors: dict[int, str] = field(default_factory=dict)

    def is_another_apprentice(self, user_id: int | None) -> bool:
        person = self.users.get(user_id) if user_id is not None else None
        return person is not None and person[1] == Role.APPRENTICE and person[2] != self.apprentice_id

    def name(self, user_id: int | None) -> str | None:
        """A user's name and role ("Alex Morgan, programme coordinator"): staff and the apprentice
        are named; another apprentice never is."""
        if user_id is None or user_id not in self.users:
            return None
        name, role, apprentice_id = self.users[user_id]
        if role == Role.APPRENTICE:
            return name if apprentice_id == self.apprentice_id else ANOTHER_APPRENTICE
        return staff_name(name, role)


def staff_name(name: str, role: Role) -> str:
    return f"{name}, {role.label[:1].lower()}{role.label[1:]}"


@dataclass
class Record:
    """Everything held about one apprentice, table by table, after the rule for other people's data."""

    apprentice: Apprentice
    tables: dict[str, list[dict[str, Any]]]
    made_at: datetime

    def rows(self, table: str) -> list[dict[str, Any]]:
        return self.tables[table]

    def by(self, table: str, key: str) -> dict[Any, list[dict[str, Any]]]:
        grouped: dict[Any, list[dict[str, Any]]] = defaultdict(list)
        for row in self.tables[table]:
            grouped[row[key]].append(row)
        return grouped

    @property
    def counts(self) -> dict[str, int]:
        return {table: len(rows) for table, rows in self.tables.items()}


def _columns(model_or_table) -> list[sa.Column]:
    table = getattr(model_or_table, "__table__", model_or_table)
    hidden = {name for name in WITHHELD.get(table.name, {}) if (table.name, name) not in WITHHELD_IN_PART}
    return [column for column in table.c if column.name not in hidden]


def _user_fk_columns(table: sa.Table) -> set[str]:
    return {c.name for c in table.c if any(fk.column.table.name == "users" for fk in c.foreign_keys)}


def _queries(apprentice: Apprentice, user: User | None) -> dict[str, sa.Select]:
    """One statement per table, each reading only this apprentice's rows (never another's)."""
    a = apprentice.id
    entries = sa.select(LogEntry.id).where(LogEntry.apprentice_id == a)
    reviews = sa.select(ProgressReview.id).where(ProgressReview.apprentice_id == a)
    placements = sa.union(sa.select(PlacementAssignment.placement_id).where(PlacementAssignment.apprentice_id == a),
                          sa.select(PlacementInterest.placement_id).where(PlacementInterest.apprentice_id == a))
    mentors = sa.union(sa.select(Apprentice.mentor_id).where(Apprentice.id == a),
                       sa.select(ProgressReview.signing_mentor_id).where(ProgressReview.apprentice_id == a))
    queries: dict[str, sa.Select] = {
        "apprentices": sa.select(*_columns(Apprentice), Cohort.name.label("cohort_name"),
                                 ApprenticeshipStandard.reference.label("standard_reference"),
                                 ApprenticeshipStandard.title.label("standard_title"),
                                 ApprenticeshipStandard.level.label("standard_level"),
                                 TrainingProvider.name.label("training_provider_name"))
        .join(Cohort, Cohort.id == Apprentice.cohort_id)
        .join(ApprenticeshipStandard, ApprenticeshipStandard.id == Apprentice.standard_id)
        .join(TrainingProvider, TrainingProvider.id == Apprentice.provider_id).where(Apprentice.id == a),
        "apprentice_status_changes": sa.select(*_columns(StatusChange)).where(StatusChange.apprentice_id == a)
        .order_by(StatusChange.recorded_at, StatusChange.id),
        "breaks_in_learning": sa.select(*_columns(BreakInLearning)).where(BreakInLearning.apprentice_id == a)
        .order_by(BreakInLearning.start_date, BreakInLearning.id),
        # Staff: their name and role at work only.
        "mentors": sa.select(Mentor.id, Mentor.name, Mentor.job_title, Mentor.team)
        .where(Mentor.id.in_(mentors)).order_by(Mentor.id),
        # The placement itself, and the organisation hosting it; never its other apprentices.
        "placements": sa.select(Placement.id, Placement.title, EmployerPartner.name.label("employer_name"),
                                Placement.team, Placement.description, Placement.learning_outcomes, Placement.skills,
                                Placement.location, Placement.working_pattern, Placement.minutes_per_week,
                                Placement.start_date, Placement.end_date, Placement.status,
                                EmployerContact.name.label("host_supervisor_name"))
        .join(EmployerPartner, EmployerPartner.id == Placement.employer_id)
        .outerjoin(EmployerContact, EmployerContact.id == Placement.host_supervisor_id)
        .where(Placement.id.in_(placements)).order_by(Placement.start_date, Placement.id),
        "placement_assignments": sa.select(*_columns(PlacementAssignment))
        .where(PlacementAssignment.apprentice_id == a)
        .order_by(PlacementAssignment.proposed_at, PlacementAssignment.id),
        "placement_interests": sa.select(*_columns(PlacementInterest)).where(PlacementInterest.apprentice_id == a)
        .order_by(PlacementInterest.registered_at, PlacementInterest.id),
        "log_entries": sa.select(*_columns(LogEntry)).where(LogEntry.apprentice_id == a)
        .order_by(LogEntry.activity_date, LogEntry.id),
        "log_entry_ksbs": sa.select(*_columns(log_entry_ksbs), Ksb.code.label("ksb_code"),
                                    Ksb.description.label("ksb_description"))
        .join(Ksb, Ksb.id == log_entry_ksbs.c.ksb_id).where(log_entry_ksbs.c.entry_id.in_(entries))
        .order_by(log_entry_ksbs.c.entry_id, Ksb.position, Ksb.id),
        "log_entry_revisions": sa.select(*_columns(LogEntryRevision)).where(LogEntryRevision.entry_id.in_(entries))
        .order_by(LogEntryRevision.entry_id, LogEntryRevision.changed_at, LogEntryRevision.id),
        "log_day_totals": sa.select(*_columns(LogDayTotal)).where(LogDayTotal.apprentice_id == a)
        .order_by(LogDayTotal.activity_date),
        "progress_reviews": sa.select(*_columns(ProgressReview)).where(ProgressReview.apprentice_id == a)
        .order_by(ProgressReview.scheduled_date, ProgressReview.id),
        "review_actions": sa.select(*_columns(ReviewAction)).where(ReviewAction.review_id.in_(reviews))
        .order_by(ReviewAction.review_id, ReviewAction.due_date, ReviewAction.id),
        "review_signoffs": sa.select(*_columns(ReviewSignoff)).where(ReviewSignoff.review_id.in_(reviews))
        .order_by(ReviewSignoff.review_id, ReviewSignoff.signed_at, ReviewSignoff.id),
        "review_reopenings": sa.select(*_columns(ReviewReopening)).where(ReviewReopening.review_id.in_(reviews))
        .order_by(ReviewReopening.review_id, ReviewReopening.reopened_at, ReviewReopening.id),
        "evidence_files": sa.select(*_columns(EvidenceFile)).where(EvidenceFile.apprentice_id == a)
        .order_by(EvidenceFile.uploaded_at, EvidenceFile.id),
        "levy_fundings": sa.select(*_columns(LevyFunding), LevyAccount.name.label("levy_account_name"))
        .join(LevyAccount, LevyAccount.id == LevyFunding.account_id).where(LevyFunding.apprentice_id == a),
        "levy_transactions": sa.select(*_columns(LevyTransaction)).where(LevyTransaction.apprentice_id == a)
        .order_by(LevyTransaction.month, LevyTransaction.id),
    }
    about_them = [AuditEvent.apprentice_id == a]
    to_them = [Notification.apprentice_id == a]
    if user is not None:
        u = user.id
        about_them += [AuditEvent.user_id == u, AuditEvent.actor_id == u]
        to_them.append(Notification.user_id == u)
        queries |= {
            "notification_preferences": sa.select(*_columns(NotificationPreference))
            .where(NotificationPreference.user_id == u),
            "users": sa.select(*_columns(User), User.password_hash.is_not(None).label("password_set"))
            .where(User.id == u),
            "user_sessions": sa.select(*_columns(UserSession)).where(UserSession.user_id == u)
            .order_by(UserSession.created_at, UserSession.id),
            "recovery_codes": sa.select(*_columns(RecoveryCode)).where(RecoveryCode.user_id == u)
            .order_by(RecoveryCode.created_at, RecoveryCode.id),
            "password_resets": sa.select(*_columns(PasswordReset)).where(PasswordReset.user_id == u)
            .order_by(PasswordReset.created_at, PasswordReset.id),
        }
    emails = sorted({e.strip().lower() for e in (apprentice.email, user.email if user else None) if e})
    secret = current_app.config["SECRET_KEY"]
    queries |= {
        "notifications": sa.select(*_columns(Notification)).where(sa.or_(*to_them))
        .order_by(Notification.created_at, Notification.id),
        "sign_in_failures": sa.select(*_columns(SignInFailure))
        .where(SignInFailure.account_key.in_([account_key(e, secret) for e in emails]))
        .order_by(SignInFailure.occurred_at, SignInFailure.id),
        "outbox_messages": sa.select(*_columns(OutboxMessage))
        .where(sa.func.lower(OutboxMessage.recipient).in_(emails)).order_by(OutboxMessage.created_at, OutboxMessage.id),
        "audit_events": sa.select(*_columns(AuditEvent)).where(sa.or_(*about_them))
        .order_by(AuditEvent.occurred_at, AuditEvent.id),
    }
    return queries


def gather(apprentice: Apprentice) -> Record:
    """Everything held about this apprentice, in a fixed number of statements, after the rule for
    other people's data (every row goes through `_apply_the_rule`)."""
    user = db.session.scalar(sa.select(User).where(User.apprentice_id == apprentice.id))
    queries = _queries(apprentice, user)
    tables = {table: [dict(row._mapping) for row in db.session.execute(queries[table])] if table in queries else []
              for table in EXPORTED}
    people = People(apprentice.id, mentors={m["id"]: m["name"] for m in tables["mentors"]})
    referred = {row[column] for table, rows in tables.items()
                for column in _user_fk_columns(db.metadata.tables[table]) for row in rows
                if row.get(column) is not None}
    if referred:
        people.users = {r.id: (r.name, r.role, r.apprentice_id) for r in db.session.execute(
            sa.select(User.id, User.name, User.role, User.apprentice_id).where(User.id.in_(sorted(referred))))}
    for table, rows in tables.items():  # one table's rows at a time: never the whole record twice
        tables[table] = [_apply_the_rule(table, row, people) for row in rows]
    return Record(apprentice, tables, utcnow())


def _apply_the_rule(table: str, row: dict[str, Any], people: People) -> dict[str, Any]:
    """One row as exported, by the rule for other people's data (OTHER_PEOPLE_RULE): each user an
    id points to is named beside it (staff and this apprentice; "another apprentice" otherwise,
    with the id blanked); an id of another apprentice is blanked; the links of a queued email are
    withheld. The one place the rule is carried out."""
    columns = db.metadata.tables[table].c
    shown: dict[str, Any] = {}
    points_to_another = False
    for key, value in row.items():
        targets = {fk.column.table.name for fk in columns[key].foreign_keys} if key in columns else set()
        if "users" in targets:
            another = people.is_another_apprentice(value)
            points_to_another |= another
            shown[key] = None if another else value
            shown[key.removesuffix("_id") + "_name"] = people.name(value)
        elif "apprentices" in targets and value is not None and value != people.apprentice_id:
            points_to_another = True
            shown[key] = None
            shown[key.removesuffix("_id") + "_name"] = ANOTHER_APPRENTICE
        elif "mentors" in targets:
            shown[key] = value
            shown[key.removesuffix("_id") + "_name"] = people.mentors.get(value)
        else:
            shown[key] = value
    if table == "outbox_messages" and shown.get("personalisation"):
        shown["personalisation"] = {k: ("(withheld: a link)" if k.endswith("link") else v)
                                    for k, v in shown["personalisation"].items()}
    if table == "audit_events" and points_to_another:
        shown["subject_id"] = None  # the id of another apprentice's record (an event of theirs, or done to them)
    return shown


# Writing the ZIP -----------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A value as JSON has it: dates and times in ISO 8601 (UTC), choices by their value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def _cell(value: Any) -> str:
    value = plain(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return safe_cell(value)


@dataclass(frozen=True)
class EvidenceInZip:
    row: dict[str, Any]
    path: str | None  # where its bytes are in the ZIP; None when they are not included
    missing: str | None  # why not


def _evidence_path(row: dict[str, Any]) -> str:
    name = evidence.download_name(SimpleNamespace(filename=row["filename"], media_type=row["media_type"]))
    return f"evidence/{row['id']}-{name}"


NOT_SERVABLE = {
    "pending": "Not included: it is still waiting for the virus check. Ask again once it has been checked.",
    "infected": "Not included: the virus check found a virus in it, so it was deleted.",
}


def _write_evidence(archive: zipfile.ZipFile, folder: str, rows: list[dict[str, Any]]) -> list[EvidenceInZip]:
    """Each file's bytes, read through the evidence storage one at a time (never all in memory)."""
    store, written = evidence.storage(), []
    for row in rows:
        status = plain(row["scan_status"])
        if status in NOT_SERVABLE:
            written.append(EvidenceInZip(row, None, NOT_SERVABLE[status]))
            continue
        data = store.get(row["digest"])
        if data is None:
            current_app.logger.error("Evidence file %s: its stored bytes are missing.", row["id"])
            written.append(EvidenceInZip(row, None, "Not included: its stored copy could not be found. Ask the "
                                                    "programme team about it."))
            continue
        path = _evidence_path(row)
        archive.writestr(_member(f"{folder}/{path}", row["uploaded_at"]), data)
        written.append(EvidenceInZip(row, path, None))
        del data
    return written


def _member(name: str, moment: datetime) -> zipfile.ZipInfo:
    """A file in the ZIP, dated, compressed, and readable by its owner once unzipped (0644)."""
    info = zipfile.ZipInfo(name, max(moment, datetime(1980, 1, 1, tzinfo=moment.tzinfo)).timetuple()[:6])
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


def _text_member(archive: zipfile.ZipFile, name: str, made_at: datetime) -> IO[str]:
    return io.TextIOWrapper(archive.open(_member(name, made_at), "w"), encoding="utf-8", newline="")


def _write_json(archive: zipfile.ZipFile, folder: str, record: Record) -> None:
    document = {
        "about": f"Everything held about apprentice {record.apprentice.id}, made {record.made_at.isoformat()}",
        "made_at": record.made_at,
        "apprentice_id": record.apprentice.id,
        "other_people": list(OTHER_PEOPLE_RULE),
        "tables": EXPORTED,
        "withheld": {table: {column: {"what": what, "why": why} for column, (what, why) in columns.items()}
                     for table, columns in WITHHELD.items()},
        "left_out": LEFT_OUT,
        "records": record.tables,
    }
    with _text_member(archive, f"{folder}/data.json", record.made_at) as out:
        # json.dump writes piece by piece: the document is never held again as one string.
        json.dump(document, out, ensure_ascii=False, indent=1, default=plain)


def _write_csvs(archive: zipfile.ZipFile, folder: str, record: Record) -> None:
    for table in EXPORTED:
        rows = record.rows(table)
        header = _header(table, rows)
        with _text_member(archive, f"{folder}/csv/{table}.csv", record.made_at) as out:
            writer = csv.writer(out)
            writer.writerow(header)
            writer.writerows([_cell(row.get(column)) for column in header] for row in rows)


def _header(table: str, rows: list[dict[str, Any]]) -> list[str]:
    """The columns of a table's CSV: those of its rows, or (with none) those its rows would have."""
    if rows:
        return list(dict.fromkeys(key for row in rows for key in row))
    names: list[str] = []
    for column in _columns(db.metadata.tables[table]):
        names.append(column.name)
        if column.foreign_keys and {fk.column.table.name for fk in column.foreign_keys} & {"users", "mentors"}:
            names.append(column.name.removesuffix("_id") + "_name")
    return names


def _write_report(archive: zipfile.ZipFile, folder: str, record: Record, files: list[EvidenceInZip],
                  made_by: str) -> None:
    template = current_app.jinja_env.get_template("subject_access/report.html")
    context = _report_context(record, files, made_by)
    with _text_member(archive, f"{folder}/report.html", record.made_at) as out:
        for chunk in template.generate(**context):
            out.write(chunk)


def _words(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(_words(v) for v in value) or "none"
    return "" if value is None else str(value)


# A log entry revision's fields (services/logbook.py stores their names and values as saved), as
# the apprentice reads them, and how each value is written.
REVISION_FIELDS = {"activity_date": "Date", "activity_type": "Activity", "off_the_job": "Off the job",
                   "minutes": "Hours", "description": "What you did", "ksbs": "Knowledge, skills and behaviours",
                   "comment": "Question", "response": "Answer", "note": "Note"}
REVISION_ACTIONS = {"created": "Added", "edited": "Changed", "verified": "Verified", "queried": "Queried",
                    "answered": "Answered", "verification undone": "Verification undone"}


def _revision_value(field: str, value: Any) -> str:
    if value is None or value == "":
        return "none"
    if field == "minutes" and isinstance(value, int | float) and not isinstance(value, bool):
        return hours_in_words(value / 60)
    if field == "activity_type" and isinstance(value, str):
        try:
            return ActivityType(value).label
        except ValueError:
            return value.replace("_", " ")
    if field == "activity_date" and isinstance(value, str):
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return _words(value)


def describe_changes(changes: dict[str, Any] | None) -> list[str]:
    """A log entry revision's changes in plain English ("Hours: 1 hour to 1.5 hours", "Activity:
    Training course", "Off the job: yes"): a pair is a value before and after the change."""
    ordered = sorted((changes or {}).items(), key=lambda item: (list(REVISION_FIELDS).index(item[0])
                                                                if item[0] in REVISION_FIELDS else 99, item[0]))
    lines = []
    for key, value in ordered:
        name = REVISION_FIELDS.get(key, key.replace("_", " ").capitalize())
        if key == "description" and value == "changed":
            lines.append(f"{name}: changed")
        elif isinstance(value, list) and len(value) == 2:  # before and after (services/logbook.py)
            lines.append(f"{name}: {_revision_value(key, value[0])} to {_revision_value(key, value[1])}")
        else:
            lines.append(f"{name}: {_revision_value(key, value)}")
    return lines


def describe_revision(action: str) -> str:
    return REVISION_ACTIONS.get(action, action[:1].upper() + action[1:].replace("_", " "))


def describe_event(event: dict[str, Any], apprentice_id: int, user_id: int | None) -> tuple[str, str]:
    """Who did what, in the audit log's own sentences (services/audit.py), written to the apprentice:
    ("Sam Coordinator", "viewed your record"), ("You", "viewed your own home page")."""
    to_them = event["apprentice_id"] == apprentice_id or (user_id is not None and event["user_id"] == user_id)
    themselves = to_them and user_id is not None and event["actor_id"] == user_id
    if themselves:
        actor = "You"
    else:
        actor = event["actor_name"] or audit.NO_ACTOR.get(event["action"], audit.SERVICE)
        if ", " in actor:  # staff are named with their role: "Alex Morgan, programme coordinator, viewed…"
            actor += ","
    person = None if to_them else (event.get("apprentice_name") or event.get("user_name"))
    return actor, audit.describe(event["action"], person, themselves=themselves, to_them=to_them)


def _report_context(record: Record, files: list[EvidenceInZip], made_by: str) -> dict[str, Any]:
    config = current_app.config
    user_id = record.rows("users")[0]["id"] if record.rows("users") else None
    return {
        "record": record, "a": record.rows("apprentices")[0], "made_by": made_by,
        "organisation_name": config["ORGANISATION_NAME"], "service_name": config["SERVICE_NAME"],
        "other_people": OTHER_PEOPLE_RULE, "exported": EXPORTED, "withheld": withheld_by_reason(),
        "left_out": LEFT_OUT, "periods": retention.periods(config),
        "counts": record.counts, "files": files,
        "files_of_entry": _grouped_files(files, "log_entry_id"),
        "files_of_review": _grouped_files(files, "review_id"),
        "ksbs_of": record.by("log_entry_ksbs", "entry_id"),
        "revisions_of": record.by("log_entry_revisions", "entry_id"),
        "actions_of": record.by("review_actions", "review_id"),
        "signoffs_of": record.by("review_signoffs", "review_id"),
        "reopenings_of": record.by("review_reopenings", "review_id"),
        "placements": {p["id"]: p for p in record.rows("placements")},
        "changes": describe_changes, "revision_action": describe_revision,
        "event_line": lambda event: describe_event(event, record.apprentice.id, user_id),
        "fields": audit.field_names,
        "sentence": lambda text: text[:1].upper() + text[1:],
        "hours": lambda minutes: hour_figure(minutes / 60), "hours_in_words": lambda m: hours_in_words(m / 60),
        "evidence_included": any(file.path for file in files),
    }


def _grouped_files(files: list[EvidenceInZip], key: str) -> dict[int, list[EvidenceInZip]]:
    grouped: dict[int, list[EvidenceInZip]] = defaultdict(list)
    for file in files:
        if file.row[key] is not None:
            grouped[file.row[key]].append(file)
    return grouped


@dataclass(frozen=True)
class Export:
    file: IO[bytes]  # the ZIP, in a temporary file (deleted once closed), ready to read from the start
    filename: str
    counts: dict[str, int]


def export(actor: User, apprentice: Apprentice) -> Export:
    """Everything held about `apprentice` as one ZIP, for a coordinator or the apprentice themself.

    The export is audited ("apprentice.exported": who, when, for which apprentice, and how many
    records and files, never their content); the event is flushed before the ZIP is handed back,
    so a copy is never given without it.
    """
    record = gather(apprentice)
    folder = f"subject-access-{apprentice.id}-{record.made_at:%Y-%m-%d}"
    mine = actor.role == Role.APPRENTICE
    made_by = "you" if mine else staff_name(actor.name, actor.role)
    out = tempfile.TemporaryFile()
    try:
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            files = _write_evidence(archive, folder, record.rows("evidence_files"))
            _write_json(archive, folder, record)
            _write_csvs(archive, folder, record)
            _write_report(archive, folder, record, files, made_by)
        audit.record(actor, "apprentice.exported", apprentice, by="apprentice" if mine else actor.role.value,
                     records=sum(record.counts.values()), files=sum(1 for f in files if f.path))
        db.session.flush()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return Export(out, f"{folder}.zip", record.counts)

