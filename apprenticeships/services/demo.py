"""Loads the demo programme: realistic enough to judge the product by, and all invented.

A fictional council with a current cohort of 21 apprentices who started last autumn and an
earlier cohort that has finished, three training providers, six mentors, eight employer
partners with placements, and months of progress entries and reviews, with a few
apprentices visibly at risk. Dates are relative to the day it is loaded, so the demo always
looks current. The same day gives the same data: the random choices are seeded.

Everything carries the time it would have happened at: an entry is logged on the day of the
activity and verified a few days later, a review is signed in the days after it was held, a
status changes on its effective date. Those times come from a random stream of their own (so
the data itself does not change with them), always in office hours and never later than
yesterday.

The notifications are the ones this history would have made, made by the app's own functions
(services/notifications.py, and the daily job's, services/reminders.py) as each event happens,
dated then and emailed to nobody (notifications.as_of): placements submitted and published,
apprentices proposed and accepted, entries queried, reviews to sign and signed, and yesterday's
reminders. So what is still open waits for its person: the employer's decision on Yusuf, the
queries Amara and Zainab have to answer, the demo apprentice's signature on their latest review
(DEMO_UNSIGNED), the placement waiting for the coordinator's approval, and the reminders of
reviews due and of hours behind for the mentors and the coordinator.

The audit log holds the same history, written by the app's own function (services/audit.py's
`record`, as each service calls it) and dated when each thing happened: records and accounts
created, mentors assigned, entries logged, verified and queried, reviews recorded, signed and
locked, placements submitted, published and filled, statuses changed, and the coordinator
looking at a record on the day of its review. So the audit page, an apprentice's "who has
looked at or changed this" and a subject access export read as they would in a real programme.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ActivityKind,
    ActivityType,
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    AssignmentStatus,
    BreakInLearning,
    Cohort,
    EmployerActivity,
    EmployerContact,
    EmployerPartner,
    EpaOutcome,
    Ksb,
    KsbKind,
    LogEntry,
    LogEntryRevision,
    Mentor,
    Placement,
    PlacementAssignment,
    PlacementInterest,
    PlacementStatus,
    ProgrammeSettings,
    ProgressReview,
    Rag,
    ReviewAction,
    ReviewSignoff,
    Role,
    SignoffParty,
    StatusChange,
    TrainingProvider,
    User,
    VerificationStatus,
    utcnow,
)
from . import audit, levy_ledger, notifications, reminders
from .demo_content import (
    ACTIVITIES,
    CURRENT_COHORT_NAMES,
    EARLIER_COHORT_NAMES,
    EMPLOYERS,
    MENTORS,
    PLACEMENTS,
    PROVIDERS,
    STANDARDS,
    TOPICS,
)
from .passwords import hash_password
from .progress import add_months
from .reviews import must_sign

DEMO_PASSWORD = "demo-password-2026"
REVIEW_WEEKS = 12
KSB_KINDS = {"K": KsbKind.KNOWLEDGE, "S": KsbKind.SKILL, "B": KsbKind.BEHAVIOUR}

# Which mentor (index into MENTORS) supports each current apprentice; None: not yet assigned.
CURRENT_MENTORS = [0, 0, 0, 0, 5, 5, 1, 1, 1, 5, 2, 2, 2, 2, None, 3, 3, 3, 4, 4, 4]
# Which provider (index into PROVIDERS) trains each service area.
PROVIDER_FOR_AREA = {"software_development": 2, "applications": 2, "data": 1, "delivery": 1,
                     "digital_service_design": 0, "infrastructure": 0, "user_support": 0}


@dataclass(frozen=True)
class AtRisk:
    """The current apprentices made visibly at risk, by their first names."""

    hours_behind: str = "Liam"
    red_review: str = "Callum"
    review_overdue: str = "Ella"
    not_logging: str = "Reece"
    on_break: str = "Ruby"
    withdrawn: str = "Josh"


AT_RISK = AtRisk()


def first_monday_of_september(year: int) -> date:
    day = date(year, 9, 1)
    return day + timedelta(days=(7 - day.weekday()) % 7)


def current_cohort_start(today: date) -> date:
    """The most recent autumn start at least nine months ago."""
    start = first_monday_of_september(today.year)
    if start > today - timedelta(days=270):
        start = first_monday_of_september(today.year - 1)
    return start


def is_loaded() -> bool:
    settings = db.session.get(ProgrammeSettings, 1)
    return settings is not None and settings.demo_loaded_at is not None


def load_demo(today: date | None = None) -> bool:
    """Load the demo programme in one transaction. Returns False if it was already loaded."""
    if is_loaded():
        return False
    _DemoBuilder(today or date.today()).build()
    db.session.commit()
    return True


# The demo apprentice (apprentice@example.org) has not signed their latest review yet: the others have.
DEMO_UNSIGNED = "Jordan"

# What the coordinator tells the employer about the demo's one open proposal.
PROPOSAL_NOTE = ("Yusuf has built two small stock-tracking tools in his current team and wants to learn how a "
                 "warehouse runs day to day. He can start any Monday.")

class _DemoBuilder:
    def __init__(self, today: date) -> None:
        self.today = today
        self.rng = random.Random(today.toordinal())
        self.clock = random.Random(-today.toordinal())  # the times things happened at: see the docstring
        self.audit_clock = random.Random(-2 * today.toordinal())  # times only the audit log holds: its own stream
        # One hash for every demo account: they share the published demo password.
        self.password_hash = hash_password(DEMO_PASSWORD)
        # Current apprentices on an active placement, by first name (reviews ask the host to sign).
        self.hosting: dict[str, Placement] = {}
        # Off-the-job minutes verified, with when, per apprentice: a review records the total by its day.
        self.verified: dict[Apprentice, list[tuple[date, int]]] = {}
        self.apprentice_users: dict[int, User] = {}  # the current apprentices' accounts, once made
        # What the audit log will say happened: (when, who, action, record, details), written at the end
        # (_audit_history), once every record has its id.
        self.history: list[tuple[datetime, User | None, str, object, dict]] = []
        self.must_sign: sa.ColumnElement[bool] | None = None  # reviews.must_sign(), once (see _record_and_sign)

    def _at(self, day: date, hours: tuple[int, int] = (9, 17)) -> datetime:
        """A time in office hours on `day` (UTC), or on yesterday if `day` has not passed yet."""
        day = min(day, self.today - timedelta(days=1))
        minute = self.clock.randrange(hours[0] * 60, hours[1] * 60)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UTC)

    def _happened(self, at: datetime, actor: User | None, action: str, subject: object, **details) -> None:
        """Note an event for the audit log, as the service doing it would record it (see _audit_history)."""
        self.history.append((at, actor, action, subject, details))

    def _setup_history(self) -> None:
        """The records and accounts the coordinator set up before each cohort started, as the app records them."""
        earliest = min(cohort.start_date for cohort in (self.current[0].cohort, self.earlier_cohort))
        setup = self._later(earliest - timedelta(weeks=10), 0, 4)
        for provider in self.providers:
            self._happened(self._then(setup), self.coordinator, "provider.created", provider,
                           fields=["contact_email", "contact_name", "name", "ukprn"])
        for standard in self.standards.values():
            self._happened(self._then(setup), self.coordinator, "standard.created", standard)
        for mentor, user in zip(self.mentors, self.mentor_users, strict=True):
            self._happened(self._then(setup), self.coordinator, "mentor.created", mentor,
                           fields=["capacity", "email", "job_title", "name", "team"])
            invited = self._then(self._later(setup, 0, 3))
            self._happened(invited, self.coordinator, "user.invited", user, role=user.role.value)
            self._happened(self._then(self._later(invited.date(), 0, 3)), user, "user.password_set", user)
        for employer in self.employers:
            self._happened(self._then(self._later(setup, 0, 20)), self.coordinator, "employer.created", employer,
                           fields=["address", "name", "postcode", "sector", "size", "status", "website"])
        self._happened(self._then(self._later(setup, 1, 5)), self.coordinator, "user.invited",
                       self.employer_user, role=self.employer_user.role.value)
        self._happened(self._then(self._later(setup, 6, 9)), self.employer_user, "user.password_set",
                       self.employer_user)
        apprentice_users = {user.apprentice_id: user for user in db.session.scalars(
            sa.select(User).where(User.role == Role.APPRENTICE))}
        for cohort in (self.earlier_cohort, self.current[0].cohort):
            self._happened(self._then(cohort.start_date - timedelta(weeks=8)), self.coordinator, "cohort.created", cohort,
                           fields=["description", "intake_target", "name", "start_date"])
            for apprentice in cohort.apprentices:
                added = self._then(self._later(apprentice.start_date - timedelta(weeks=5), 0, 7))
                self._happened(added, self.coordinator, "apprentice.created", apprentice)
                if apprentice.mentor is not None:
                    self._happened(added + timedelta(minutes=2), self.coordinator, "apprentice.mentor_assigned",
                                   apprentice, mentor_id=apprentice.mentor.id)
                user = apprentice_users.get(apprentice.id)
                if user is not None and cohort is not self.earlier_cohort:  # the earlier cohort had no invitations
                    self._happened(added + timedelta(minutes=5), self.coordinator, "user.invited", user,
                                   role=user.role.value)
                    self._happened(self._then(self._later(added.date(), 1, 6)), user, "user.password_set", user)

    def _audit_history(self) -> None:
        """The history's events through audit.record, oldest first, each dated when it happened."""
        now = utcnow()
        for at, actor, action, subject, details in sorted(self.history, key=lambda event: event[0]):
            event = audit.record(actor, action, subject, **details)
            event.occurred_at = min(at, now)
        db.session.info.pop(audit.VIEW_PENDING, None)  # the demo's own looks at records: nothing waits on them
        db.session.flush()

    def _days_after(self, day: date, fewest: int, most: int) -> date:
        return day + timedelta(days=self.clock.randint(fewest, most))

    def _then(self, day: date) -> datetime:
        """As _at, from the audit log's own stream: the other records' times stay as they were without it."""
        day = min(day, self.today - timedelta(days=1))
        minute = self.audit_clock.randrange(9 * 60, 17 * 60)
        return datetime.combine(day, time(minute // 60, minute % 60), tzinfo=UTC)

    def _later(self, day: date, fewest: int, most: int) -> date:
        return day + timedelta(days=self.audit_clock.randint(fewest, most))

    def build(self) -> None:
        settings = ProgrammeSettings.current()
        # The council's codes for open data: made-up ones no council has (E99..., like the example councils').
        settings.old_la_code, settings.new_la_code, settings.la_name = "990", "E99999990", DEMO_COUNCIL
        self.coordinator = self._user("Alex Morgan", "coordinator@example.org", Role.COORDINATOR)
        self.providers = [TrainingProvider(name=n, ukprn=u, contact_name=c, contact_email=e) for n, u, c, e in PROVIDERS]
        db.session.add_all(self.providers)
        self._standards()
        self._mentors()
        self._employers()
        self.current_start = current_cohort_start(self.today)
        self._current_cohort()
        self._earlier_cohort()
        self._placements()
        self._current_progress()
        db.session.flush()
        demo_sector_returns(self)  # last year's public sector return, submitted; this year's, a draft
        demo_council_files(self)  # two example councils' open data files to compare with (invented, named so)
        demo_levy(self)  # the council's levy account: 30 months of funds in, training payments, funds expiring
        demo_levy_transfers(self)  # after the account: three pledges of its transfer allowance, and their applications
        levy_ledger.write_expiries(self.today)  # the levy's expiries, worked out once every payment is in
        self._setup_history()
        self._audit_history()
        self._daily_reminders()
        settings.demo_loaded_at = utcnow()
        audit.record(None, "demo.loaded", settings)

    # People and organisations -------------------------------------------------------------

    def _user(self, name: str, email: str, role: Role, active: bool = True, ended: date | None = None,
              **links) -> User:
        # Shared by everyone trying the demo: never asked for two-factor sign-in (services/two_factor.py).
        user = User(name=name, email=email, role=role, password_hash=self.password_hash, active=active,
                    two_factor_exempt=True, **links)
        if not active:
            user.deactivated_at = self._at(ended) if ended else utcnow()
        db.session.add(user)
        return user

    def _standards(self) -> None:
        self.standards: dict[str, ApprenticeshipStandard] = {}
        self.standard_for_area = {}
        for ref, title, level, otj, months, area, ksbs in STANDARDS:
            standard = ApprenticeshipStandard(reference=ref, title=title, level=level, otj_minimum_hours=otj,
                                              typical_duration_months=months)
            standard.ksbs = [Ksb(code=code, kind=KSB_KINDS[code[0]], description=text, position=i)
                             for i, (code, text) in enumerate(ksbs)]
            db.session.add(standard)
            self.standards[ref] = standard
            self.standard_for_area[area] = standard

    def _mentors(self) -> None:
        self.mentors = []
        self.mentor_users = []
        for name, email, title, team, capacity in MENTORS:
            mentor = Mentor(name=name, email=email, job_title=title, team=team, capacity=capacity)
            db.session.add(mentor)
            self.mentors.append(mentor)
            self.mentor_users.append(self._user(name, email, Role.MENTOR, mentor=mentor))

    def _employers(self) -> None:
        self.employers = []
        for i, (name, sector, size, status, postcode, website, contacts) in enumerate(EMPLOYERS):
            employer = EmployerPartner(name=name, sector=sector, size=size, status=status, postcode=postcode,
                                       website=website, address=f"{10 + i} Market Street, Northmoor")
            db.session.add(employer)
            for contact_name, email, title in contacts:
                contact = EmployerContact(employer=employer, name=contact_name, email=email, job_title=title)
                db.session.add(contact)
            db.session.add_all([
                EmployerActivity(employer=employer, occurred_on=self.today - timedelta(days=200 - 9 * i),
                                 kind=ActivityKind.MEETING, note="Introductory meeting about hosting placements.",
                                 recorded_by_id=None),
                EmployerActivity(employer=employer, occurred_on=self.today - timedelta(days=60 - 5 * i),
                                 kind=ActivityKind.EVENT if i % 2 else ActivityKind.PLEDGE,
                                 note="Attended the digital skills breakfast." if i % 2
                                 else "Pledged to host placements next year."),
            ])
            self.employers.append(employer)
        db.session.flush()
        demo_contact = self.employers[0].contacts[0]
        self.employer_user = self._user(demo_contact.name, demo_contact.email, Role.EMPLOYER,
                                        employer=self.employers[0])
        db.session.flush()
        demo_contact.user_id = self.employer_user.id

    # Cohorts and apprentices --------------------------------------------------------------

    def _apprentice(self, cohort: Cohort, first: str, last: str, area, hours: int, start: date,
                    email_domain: str, **extra) -> Apprentice:
        standard = self.standard_for_area[area]
        months = standard.typical_duration_months
        if hours < 30:  # part-time: the duration is extended in proportion to the hours
            months = math.ceil(months * min(1.5, 30 / hours))
        apprentice = Apprentice(
            first_name=first, last_name=last, cohort=cohort, standard=standard,
            provider=self.providers[PROVIDER_FOR_AREA[area.value]], service_area=area,
            team=area.label, job_title=f"{standard.title} apprentice",
            contracted_minutes_per_week=hours * 60, start_date=start, planned_end_date=add_months(start, months),
            uln=f"{9000000000 + self.rng.randrange(10 ** 9)}",
            **extra,
        )
        apprentice.email = extra.get("email") or f"{first}.{last}@{email_domain}".lower()
        db.session.add(apprentice)
        db.session.add(StatusChange(apprentice=apprentice, from_status=None, to_status=ApprenticeStatus.ACTIVE,
                                    effective_date=start, reason="Started the programme", recorded_at=self._at(start)))
        return apprentice

    def _current_cohort(self) -> None:
        start = self.current_start
        cohort = Cohort(name=f"Digital apprentices {start.year} to {start.year + 2}", start_date=start,
                        intake_target=20,
                        description="Our digital apprenticeship intake, across seven service areas.")
        db.session.add(cohort)
        self.current = []
        for i, (first, last, area, hours, consent) in enumerate(CURRENT_COHORT_NAMES):
            mentor_index = CURRENT_MENTORS[i]
            email = "apprentice@example.org" if i == 0 else None
            apprentice = self._apprentice(
                cohort, first, last, area, hours, start, "northmoor.example", consent_to_be_named=consent,
                mentor=self.mentors[mentor_index] if mentor_index is not None else None, email=email,
            )
            # The cohort started 9 to 21 months ago and is still learning: an apprenticeship shorter than
            # that would have ended already, so its end is put back, as an agreed extension would.
            while apprentice.planned_end_date < self.today:
                apprentice.planned_end_date = add_months(apprentice.planned_end_date, 3)
            self.current.append(apprentice)
        db.session.flush()
        self.apprentice_users = {a.id: self._user(a.full_name, a.email, Role.APPRENTICE, apprentice=a)
                                 for a in self.current}
        self._risky_statuses()

    def _by_first_name(self, first: str) -> Apprentice:
        return next(a for a in self.current if a.first_name == first)

    def _risky_statuses(self) -> None:
        on_break = self._by_first_name(AT_RISK.on_break)
        break_start = self.today - timedelta(weeks=5)
        on_break.status = ApprenticeStatus.BREAK_IN_LEARNING
        db.session.add(BreakInLearning(apprentice=on_break, start_date=break_start,
                                       expected_return_date=break_start + timedelta(weeks=10),
                                       reason="Agreed break for health reasons", recorded_by_id=self.coordinator.id,
                                       created_at=self._at(break_start)))
        db.session.add(StatusChange(apprentice=on_break, from_status=ApprenticeStatus.ACTIVE,
                                    to_status=ApprenticeStatus.BREAK_IN_LEARNING, effective_date=break_start,
                                    reason="Break in learning agreed", recorded_by_id=self.coordinator.id,
                                    recorded_at=(break_start_recorded := self._at(break_start))))
        self._happened(break_start_recorded, self.coordinator, "apprentice.break_started", on_break)
        withdrawn = self._by_first_name(AT_RISK.withdrawn)
        withdrawn.status = ApprenticeStatus.WITHDRAWN
        withdrawn.withdrawal_date = self.current_start + timedelta(weeks=20)
        withdrawn.withdrawal_reason = "Left for a permanent job with another employer"
        db.session.add(StatusChange(apprentice=withdrawn, from_status=ApprenticeStatus.ACTIVE,
                                    to_status=ApprenticeStatus.WITHDRAWN, effective_date=withdrawn.withdrawal_date,
                                    reason="Withdrew from the programme", recorded_by_id=self.coordinator.id,
                                    recorded_at=(withdrawal_recorded := self._at(withdrawn.withdrawal_date))))
        self._happened(withdrawal_recorded, self.coordinator, "apprentice.withdrawn", withdrawn)

    def _earlier_cohort(self) -> None:
        start = first_monday_of_september(self.current_start.year - 2)
        cohort = Cohort(name=f"Digital apprentices {start.year} to {start.year + 2}", start_date=start,
                        intake_target=12, description="Our first digital intake. All finished.")
        db.session.add(cohort)
        self.earlier_cohort = cohort
        outcomes = [EpaOutcome.PASS, EpaOutcome.MERIT, EpaOutcome.DISTINCTION]
        for i, (first, last, area) in enumerate(EARLIER_COHORT_NAMES):
            apprentice = self._apprentice(cohort, first, last, area, 37, start, "alumni.northmoor.example",
                                          mentor=self.mentors[i % 5])
            db.session.flush()
            if first == "Gareth":
                apprentice.status = ApprenticeStatus.WITHDRAWN
                apprentice.withdrawal_date = start + timedelta(weeks=30)
                apprentice.withdrawal_reason = "Moved out of the area"
                end = apprentice.withdrawal_date
            else:
                apprentice.gateway_date = apprentice.planned_end_date - timedelta(weeks=12)
                apprentice.epa_date = apprentice.planned_end_date - timedelta(weeks=4)
                apprentice.epa_outcome = outcomes[i % 3]
                apprentice.status = ApprenticeStatus.COMPLETED
                apprentice.completion_date = apprentice.planned_end_date
                end = apprentice.completion_date
            db.session.add(StatusChange(apprentice=apprentice, from_status=ApprenticeStatus.ACTIVE,
                                        to_status=apprentice.status, effective_date=end,
                                        reason="Finished the programme", recorded_by_id=self.coordinator.id,
                                        recorded_at=(end_recorded := self._at(end))))
            if apprentice.gateway_date is not None:
                self._happened(self._then(apprentice.gateway_date), self.coordinator, "apprentice.gateway_recorded",
                               apprentice)
                self._happened(self._then(self._later(apprentice.epa_date, 7, 14)), self.coordinator,
                               "apprentice.epa_recorded", apprentice)
            self._happened(end_recorded, self.coordinator,
                           "apprentice.withdrawn" if first == "Gareth" else "apprentice.completed", apprentice)
            user = self._user(apprentice.full_name, apprentice.email, Role.APPRENTICE, active=False,
                              ended=end + timedelta(days=1), apprentice=apprentice)
            self._happened(user.deactivated_at, self.coordinator, "user.deactivated", user)
            db.session.flush()
            self._monthly_logs(apprentice, end)
            self._reviews(apprentice, user, end, overdue_after=None, red_last=False)

    # Placements ---------------------------------------------------------------------------

    def _placements(self) -> None:
        t = self.today
        self.placements = []
        for employer_index, title, team, pattern, hours, refs, places, status in PLACEMENTS:
            if status == "published" and employer_index in (0, 1, 2, 3, 7):
                start, end, closing = t - timedelta(weeks=26), t + timedelta(weeks=13), t - timedelta(weeks=30)
            elif status == "closed":
                start, end, closing = t - timedelta(weeks=40), t - timedelta(weeks=16), t - timedelta(weeks=44)
            else:
                start, end, closing = t + timedelta(weeks=8), t + timedelta(weeks=34), t + timedelta(weeks=3)
            if status == "open":
                status = "published"
            employer = self.employers[employer_index]
            submitted = self._days_after(min(start, closing) - timedelta(weeks=6), 0, 6)
            placement = Placement(
                employer=employer, title=title, team=team, working_pattern=pattern, minutes_per_week=hours * 60,
                description=f"{title}: join the {team} team at {employer.name} and work on real projects.",
                learning_outcomes="How a team outside the council works, and practice against your standard's KSBs.",
                skills="Curiosity, clear writing, willingness to learn.",
                location="Northmoor", start_date=start, end_date=end, places=places, closing_date=closing,
                host_supervisor=employer.contacts[0], status=PlacementStatus(status),
                standards=[self.standards[r] for r in refs],
                created_at=self._at(submitted - timedelta(days=3)),
                submitted_at=self._at(submitted) if status != "draft" else None,
                published_at=self._at(self._days_after(submitted, 1, 4)) if status in ("published", "closed") else None,
            )
            db.session.add(placement)
            self.placements.append(placement)
        db.session.flush()
        for placement in self.placements:  # what the coordinators and the employer were told
            author = self.employer_user if placement.employer is self.employers[0] else self.coordinator
            self._happened(placement.created_at, author, "placement.created", placement)
            if placement.submitted_at is not None:
                self._happened(placement.submitted_at, author, "placement.submitted", placement)
            if placement.published_at is not None:
                self._happened(placement.published_at, self.coordinator, "placement.published", placement)
            if placement.submitted_at is not None:
                with notifications.as_of(placement.submitted_at):
                    notifications.placement_submitted(placement)
            if placement.published_at is not None:
                with notifications.as_of(placement.published_at):
                    notifications.placement_decided(placement)
                    notifications.placement_published(placement)
        warehouse, fleet, patient, _, network, tenancy, accessibility, _, shop, _ = self.placements
        for first, placement, status in [
            ("Jordan", warehouse, AssignmentStatus.ACTIVE),
            ("Fatima", patient, AssignmentStatus.ACTIVE),
            ("Isla", network, AssignmentStatus.ACTIVE),
            ("Zainab", tenancy, AssignmentStatus.ACTIVE),
            ("Amara", accessibility, AssignmentStatus.COMPLETED),
            ("Yusuf", warehouse, AssignmentStatus.PROPOSED),
        ]:
            apprentice = self._by_first_name(first)
            proposed = status == AssignmentStatus.PROPOSED
            assignment = PlacementAssignment(
                placement=placement, apprentice=apprentice, status=status,
                start_date=None if proposed else placement.start_date,
                end_date=None if proposed else placement.end_date,
                proposed_by_id=self.coordinator.id,
                proposed_at=self._at(self.today - timedelta(days=3) if proposed
                                     else placement.start_date - timedelta(weeks=4)),
                decided_by_id=None if proposed else self.coordinator.id,
                decided_at=None if proposed else self._at(placement.start_date - timedelta(weeks=3)),
                note_to_employer=PROPOSAL_NOTE if proposed else None,
            )
            db.session.add(assignment)
            db.session.flush()
            with notifications.as_of(assignment.proposed_at):
                notifications.placement_proposed(assignment)
            self._happened(assignment.proposed_at, self.coordinator, "placement.apprentice_proposed", assignment,
                           reserve=False, note=proposed)
            if assignment.decided_at is not None:
                self._happened(assignment.decided_at, self.coordinator, "placement.proposal_accepted", assignment,
                               reserve=False)
                self._happened(self._then(assignment.start_date), self.coordinator, "placement.started", assignment)
            if status == AssignmentStatus.COMPLETED:
                self._happened(self._then(assignment.end_date), self.coordinator, "placement.completed", assignment)
            if assignment.decided_at is not None:
                with notifications.as_of(assignment.decided_at):
                    notifications.proposal_decided(assignment, accepted=True)
            if status == AssignmentStatus.ACTIVE:
                self.hosting[first] = placement
        for first, placement in (("Ethan", fleet), ("Callum", fleet), ("Megan", shop)):
            apprentice = self._by_first_name(first)
            interest = PlacementInterest(placement=placement, apprentice=apprentice,
                                         registered_at=self._at(self._days_after(self.today, -20, -2)))
            db.session.add(interest)
            self._happened(interest.registered_at, self.apprentice_users[apprentice.id],
                           "placement.interest_registered", interest, placement_id=placement.id)

    # Progress logs and reviews ------------------------------------------------------------

    def _verifier(self, apprentice: Apprentice) -> User:
        if apprentice.mentor is not None:
            return self.mentor_users[self.mentors.index(apprentice.mentor)]
        return self.coordinator

    def _entry(self, apprentice: Apprentice, day: date, minutes: int, verified: bool, off_the_job: bool = True,
               activity: int | None = None) -> LogEntry:
        activity_type, _, text = ACTIVITIES[activity if activity is not None else self.rng.randrange(len(ACTIVITIES))]
        topic = self.rng.choice(TOPICS[apprentice.service_area])
        ksbs = self.rng.sample(apprentice.standard.ksbs, k=2)
        entry = LogEntry(
            apprentice=apprentice, activity_date=day, activity_type=activity_type if off_the_job else ActivityType.OTHER,
            off_the_job=off_the_job, minutes=minutes,
            description=text.format(topic=topic) if off_the_job else "Day-to-day work on the team's tickets.",
            ksbs=ksbs if off_the_job else [],
        )
        # Logged that evening (an entry for today, early today), verified a few days later.
        entry.created_at = self._at(day, (17, 21)) if day < self.today else self._today_early()
        entry.updated_at = entry.created_at
        # Its history as the app records it (services/logbook.py): who logged it and when, then who
        # verified it. An earlier apprentice has no account (they finished before the service), so
        # only the verification of their entries is recorded.
        author = self.apprentice_users.get(apprentice.id)
        if author is not None:
            entry.created_by_id = author.id
            self._revision(entry, "created", author, entry.created_at, {
                "activity_date": day.isoformat(), "activity_type": entry.activity_type.value,
                "off_the_job": off_the_job, "minutes": minutes})
            self._happened(entry.created_at, author, "log_entry.created", entry)
        if verified:
            entry.status = VerificationStatus.VERIFIED
            entry.verified_by_id = self._verifier(apprentice).id
            entry.verified_at = entry.updated_at = max(self._at(self._days_after(day, 1, 6)), entry.created_at)
            self._revision(entry, "verified", self._verifier(apprentice), entry.verified_at)
            self._happened(entry.verified_at, self._verifier(apprentice), "log_entry.verified", entry)
            if off_the_job:
                self.verified.setdefault(apprentice, []).append((entry.verified_at.date(), minutes))
        db.session.add(entry)
        return entry

    def _revision(self, entry: LogEntry, action: str, by: User, at: datetime, changes: dict | None = None) -> None:
        db.session.add(LogEntryRevision(entry=entry, action=action, changes=changes or {}, changed_by_id=by.id,
                                        changed_at=at))

    def _query(self, entry: LogEntry, comment: str) -> None:
        """The mentor asks about `entry` a day or two after it was logged, as logbook.query records it."""
        mentor = self._verifier(entry.apprentice)
        entry.status, entry.query_comment, entry.query_response = VerificationStatus.QUERIED, comment, None
        entry.updated_at = max(self._at(self._days_after(entry.activity_date, 1, 2)),
                               entry.created_at + timedelta(minutes=30))
        self._revision(entry, "queried", mentor, entry.updated_at, {"comment": comment})
        self._happened(entry.updated_at, mentor, "log_entry.queried", entry)
        db.session.flush()
        with notifications.as_of(entry.updated_at):
            notifications.entry_queried(entry)

    def _today_early(self) -> datetime:
        return datetime.combine(self.today, time(0, self.clock.randrange(60)), tzinfo=UTC)

    def _weekly_minutes(self, apprentice: Apprentice) -> int:
        """A little over the per-standard minimum spread across the planned weeks."""
        weeks = (apprentice.planned_end_date - apprentice.start_date).days / 7
        rate = apprentice.standard.otj_minimum_hours / weeks * 1.15
        if apprentice.first_name == AT_RISK.hours_behind:
            rate *= 0.45
        return max(60, round(rate * 60 / 15) * 15)

    def _current_progress(self) -> None:
        db.session.flush()
        for apprentice in self.current:
            stop = self.today
            if apprentice.first_name == AT_RISK.not_logging:
                stop = self.today - timedelta(weeks=6)
            elif apprentice.status == ApprenticeStatus.BREAK_IN_LEARNING:
                stop = apprentice.breaks[0].start_date
            elif apprentice.status == ApprenticeStatus.WITHDRAWN:
                stop = apprentice.withdrawal_date
            self._weekly_logs(apprentice, stop)
            self._reviews(
                apprentice, self.apprentice_users[apprentice.id], stop,
                overdue_after=2 if apprentice.first_name == AT_RISK.review_overdue else None,
                red_last=apprentice.first_name == AT_RISK.red_review,
            )

    def _record_and_sign(self, review: ProgressReview, recorded: datetime, signoffs: list[ReviewSignoff]) -> None:
        """The review recorded, then signed one part at a time, each when it was, as the app does it
        (services/reviews.py): everyone who must sign is told when it is recorded, and each person's
        notification is done once they need not sign any more. Locked by the third signature."""
        db.session.add(review)
        db.session.flush()
        self._happened(recorded - timedelta(minutes=5), self.coordinator, "apprentice.viewed", review.apprentice)
        self._happened(recorded, self.coordinator, "review.recorded", review)
        # The rule of who must sign, as one SQL expression: built once for every review (building it
        # each time was a fifth of the demo's time), the same statements as reviews.py makes.
        if self.must_sign is None:
            self.must_sign = must_sign()
        with notifications.as_of(recorded):
            notifications.review_to_sign(review, self.must_sign)
        for signoff in sorted(signoffs, key=lambda s: s.signed_at):
            review.signoffs.append(signoff)
            signer = db.session.get(User, signoff.user_id)
            self._happened(signoff.signed_at, signer, "review.signed", review, party=signoff.party.value)
            if len(review.signoffs) == len(review.parties):
                review.locked_at = signoff.signed_at
                self._happened(signoff.signed_at, signer, "review.locked", review)
            db.session.flush()
            with notifications.as_of(signoff.signed_at):
                notifications.review_signed(review.id, self.must_sign)

    def _daily_reminders(self) -> None:
        """Yesterday's run of the daily job (services/reminders.py), early that morning: the reminders
        of reviews due soon or overdue, signatures waiting, nothing logged and hours behind."""
        yesterday = self.today - timedelta(days=1)
        at = datetime.combine(yesterday, time(6, self.clock.randrange(30)), tzinfo=UTC)
        with notifications.as_of(at):
            reminders.run(yesterday, now=at)

    def _weekly_logs(self, apprentice: Apprentice, stop: date) -> None:
        weekly = self._weekly_minutes(apprentice)
        week = apprentice.start_date
        queried = 0
        while week < stop:
            if self.rng.random() > 0.08:  # some weeks are holidays
                first = round(weekly * 0.6 / 15) * 15
                for offset, minutes in ((1, first), (3, weekly - first)):
                    day = week + timedelta(days=offset)
                    if day >= min(stop, self.today + timedelta(days=1)) or minutes <= 0:
                        continue
                    recent = (self.today - day).days <= 14
                    entry = self._entry(apprentice, day, minutes, verified=not recent)
                    if recent and queried == 0 and apprentice.first_name in ("Amara", "Zainab"):
                        self._query(entry, "Could you say which module this was, so it matches the provider's record?")
                        queried += 1
                day_job = week + timedelta(days=2)
                # Verified, so done by the day before yesterday: a verification comes a day or more
                # after the work, and by yesterday (_at).
                if self.rng.random() < 0.15 and day_job < min(stop, self.today - timedelta(days=1)):
                    self._entry(apprentice, day_job, 120, verified=True, off_the_job=False)
            week += timedelta(weeks=1)

    def _monthly_logs(self, apprentice: Apprentice, stop: date) -> None:
        day = apprentice.start_date + timedelta(days=3)
        while day < stop:
            self._entry(apprentice, day, 7 * 60, verified=True, activity=0)
            self._entry(apprentice, day + timedelta(days=7), 6 * 60 + 30, verified=True, activity=1)
            day = add_months(day, 1)

    def _reviews(self, apprentice: Apprentice, apprentice_user: User, stop: date, *,
                 overdue_after: int | None, red_last: bool) -> None:
        """Reviews every 12 weeks from the start: held and signed until `stop`, then one scheduled."""
        number = 1
        host = self.hosting.get(apprentice.first_name)
        booked = apprentice.start_date  # when the next review was booked: at the start, then at each review
        while True:
            scheduled = apprentice.start_date + timedelta(weeks=REVIEW_WEEKS * number)
            skipped = overdue_after is not None and number > overdue_after
            if scheduled > stop or scheduled >= self.today or skipped:
                if apprentice.status in ApprenticeStatus.CURRENT:
                    db.session.add(ProgressReview(apprentice=apprentice, scheduled_date=scheduled,
                                                  created_at=self._at(booked)))
                return
            # Held on the day or a few days after, and by yesterday: signing takes the days after.
            held = min(scheduled + timedelta(days=self.rng.randrange(0, 5)), self.today - timedelta(days=1))
            last = apprentice.start_date + timedelta(weeks=REVIEW_WEEKS * (number + 1)) > min(stop, self.today)
            rag = Rag.RED if (red_last and last) else self.rng.choice([Rag.GREEN, Rag.GREEN, Rag.GREEN, Rag.AMBER])
            review = ProgressReview(
                apprentice=apprentice, scheduled_date=scheduled, held_date=held,
                attendees=f"{apprentice.first_name}, mentor, coordinator" + (", host employer" if host else ""),
                rag=rag,
                progress_notes={Rag.GREEN: "On track against the training plan.",
                                Rag.AMBER: "Slightly behind on provider modules; a catch-up plan is agreed.",
                                Rag.RED: "Behind on the training plan and off-the-job hours; support plan agreed."}[rag],
                ksb_progress="Good progress on the knowledge KSBs; skills evidence building.",
                next_review_date=scheduled + timedelta(weeks=REVIEW_WEEKS),
                otj_minutes_at_review=sum(m for on, m in self.verified.get(apprentice, []) if on <= held),
                recorded_by_id=self.coordinator.id, created_at=self._at(booked),
            )
            review.actions = [ReviewAction(description="Complete the next provider module", owner=apprentice.first_name,
                                           due_date=held + timedelta(weeks=4),
                                           completed_on=held + timedelta(weeks=3) if not last else None)]
            # The host signs only reviews from its placement's start; the coordinator signs the employer part before.
            employer_signer = self.employer_user if host is not None and host.employer is self.employers[0] \
                and held >= host.start_date else self.coordinator
            # Recorded at the meeting, signed in the days after it, the coordinator last, which locks the
            # review; but the demo apprentice has not signed their latest one yet.
            recorded = self._at(held, (9, 12))
            apprentice_signed = max(self._at(self._days_after(held, 0, 2)), recorded + timedelta(minutes=30))
            employer_signed = max(self._at(self._days_after(held, 1, 4)), recorded + timedelta(minutes=30))
            coordinator_signed = max(self._at(self._days_after(held, 2, 5)), apprentice_signed, employer_signed)
            signoffs = [
                ReviewSignoff(party=SignoffParty.APPRENTICE, user_id=apprentice_user.id, comment="Agreed.",
                              signed_at=apprentice_signed),
                ReviewSignoff(party=SignoffParty.EMPLOYER, user_id=employer_signer.id, signed_at=employer_signed),
                ReviewSignoff(party=SignoffParty.COORDINATOR, user_id=self.coordinator.id,
                              signed_at=coordinator_signed),
            ]
            if last and apprentice.first_name == DEMO_UNSIGNED:
                signoffs = signoffs[1:]
            self._record_and_sign(review, recorded, signoffs)
            booked = held
            number += 1


def demo_sector_returns(builder: _DemoBuilder) -> None:
    """The public sector returns (services/sector_return.py): the apprentices in user support work in
    maintained schools; last financial year's return was submitted in September with its figures as
    filed, and this year's has its employee numbers entered. The employee numbers are invented."""
    from ..models import EmployedBy, SectorReturn, SectorReturnPart, ServiceArea
    from .demo_content import SECTOR_RETURN_ANSWERS, SECTOR_RETURN_HEADCOUNTS
    from .sector_return import APPRENTICE_NAMES, PARTS, FinancialYear, financial_year_of, load

    for apprentice in db.session.scalars(sa.select(Apprentice).where(Apprentice.service_area
                                                                    == ServiceArea.USER_SUPPORT)):
        apprentice.employed_by = EmployedBy.MAINTAINED_SCHOOL
    this_year = financial_year_of(builder.today)
    last_year = FinancialYear(this_year.year - 1)
    for year, headcounts in zip((last_year, this_year), SECTOR_RETURN_HEADCOUNTS, strict=True):
        entered = builder._then(year.first_day + timedelta(days=40 if year == this_year else 400))
        record = SectorReturn(year=year.year, created_at=entered, updated_at=entered,
                              parts=[SectorReturnPart(employed_by=part, **headcounts[part.value]) for part in PARTS])
        db.session.add(record)
        db.session.flush()
        builder._happened(entered, builder.coordinator, "sector_return.headcounts_imported", record, year=year.label,
                          fields=[])
        if year == last_year:
            filed = load(year)
            for row in record.parts:
                for name in APPRENTICE_NAMES:
                    setattr(row, name, getattr(filed.parts[row.employed_by], name))
            for name, text in SECTOR_RETURN_ANSWERS.items():
                setattr(record, name, text)
            answered = builder._then(date(year.year + 1, 9, 10))
            record.submitted_at = record.updated_at = builder._then(date(year.year + 1, 9, 20))
            record.submitted_by_id = builder.coordinator.id
            builder._happened(answered, builder.coordinator, "sector_return.answers_saved", record, year=year.label,
                              fields=list(SECTOR_RETURN_ANSWERS))
            builder._happened(record.submitted_at, builder.coordinator, "sector_return.submitted", record,
                              year=year.label)
    db.session.flush()


# Two example councils' published open data, for trying Compare councils (services/comparison.py). Their
# names say they are examples and their codes are no council's; the figures are invented. England's
# figures are never invented: a coordinator adds DfE's National file.
DEMO_COUNCIL = "Northmoor Borough Council (example)"
EXAMPLE_COUNCILS = [
    ("991", "E99999901", "Eastbrook Borough Council (example)",
     {"Total": (24, 6, None, 88, 25), "Active": 15, "Break in learning": None, "Withdrawn": None, "Completed": 6}),
    ("992", "E99999902", "Westmere Council (example)",
     {"Total": (31, 9, 5, 84, 29), "Active": 17, "Break in learning": None, "Withdrawn": 5, "Completed": 9}),
]


def demo_council_files(builder: _DemoBuilder) -> None:
    """The example councils' files, as a coordinator would have added them two weeks ago."""
    from ..models import CouncilFile
    from . import comparison, open_data, summaries

    filters = summaries.OPEN_DATA_FILTERS[:1]  # by status only
    indicators = summaries.OPEN_DATA_INDICATORS[:5]  # starts, achievements, withdrawals and two rates
    added = datetime.combine(builder.today - timedelta(days=14), time(10, 30), tzinfo=UTC)
    period = summaries.academic_year(builder.current_start)
    for old_code, new_code, name, figures in EXAMPLE_COUNCILS:
        rows = [{"status": "Total", **dict(zip((i.name for i in indicators), figures["Total"], strict=True))}]
        rows += [{"status": status, "starts": count, **dict.fromkeys((i.name for i in indicators[1:]), "z")}
                 for status, count in figures.items() if status != "Total"]
        written = open_data.write(f"example_{old_code}", period, "Academic year", filters, indicators, rows,
                                  place=open_data.Council(old_code, new_code, name))
        stem = f"apprenticeship_cohort_{old_code}_{period}"
        pair = comparison.from_files([(f"{stem}.csv", written.data.encode()), (f"{stem}.meta.csv", written.meta.encode())])
        table = comparison.check(pair)
        file = CouncilFile(name=name, geographic_level=table.geographic_level, time_period=table.time_period,
                           time_identifier=table.time_identifier, filename=pair.filename, data=pair.data,
                           meta=pair.meta, size_bytes=pair.size, added_by_id=builder.coordinator.id, added_at=added)
        db.session.add(file)
        db.session.flush()
        builder._happened(added, builder.coordinator, "council_file.added", file, level=comparison.level_code(table.geographic_level),
                          rows=len(table.rows))


# The demo's levy (services/levy_ledger.py): illustrative funding bands, not DfE's list (check its published
# bands), and one account's history, all invented.
DEMO_FUNDING_BANDS = {"ST0116": 18_000_00, "ST0128": 17_000_00, "ST0120": 13_000_00, "ST0118": 15_000_00,
                      "ST0117": 18_000_00, "ST0119": 27_000_00, "ST0125": 15_000_00}
DEMO_LEVY_MONTHS = 30  # months of funds in, up to last month
DEMO_LEVY_DECLARED = 36_400_00  # about a month's levy declared; x 100% English, plus the 10% top up: about £40,000 in


def demo_levy(builder: _DemoBuilder) -> None:
    """One levy account: funds in every month for the last DEMO_LEVY_MONTHS months, the training payments
    DfE would have made for the apprentices it funds (each at their standard's band, paid as DfE pays
    providers), as if imported from the apprenticeship service each month; the expiries worked out; and
    so, spending running below the funds coming in, some funds about to expire within three months."""
    from ..models import FundingBand, LevyAccount, LevyFunding, TransactionKind, TransactionSource
    from . import levy_funding

    rng = random.Random(builder.today.toordinal() + 17)  # its own stream: the rest of the demo stays as it was
    this_month = levy_ledger.first_of_month(builder.today)
    first = levy_ledger.add_months(this_month, -DEMO_LEVY_MONTHS)
    opened = builder._then(first - timedelta(days=20))
    account = LevyAccount(name=DEMO_LEVY_ACCOUNT, service_reference="N0RTHM", created_at=opened)
    db.session.add(account)
    for reference, band in DEMO_FUNDING_BANDS.items():
        if reference in builder.standards:
            db.session.add(FundingBand(standard_id=builder.standards[reference].id, max_pence=band))
    for month in (levy_ledger.add_months(first, n) for n in range(DEMO_LEVY_MONTHS)):
        declared = DEMO_LEVY_DECLARED + rng.randrange(-900_00, 900_01)
        top_up = declared // 10
        typed_in = month == levy_ledger.add_months(this_month, -1)  # last month's: DfE's file not imported yet
        levy_ledger.record(account, month, TransactionKind.CREDIT, declared + top_up, actor=None, top_up_pence=top_up,
                           source=TransactionSource.ENTERED if typed_in else TransactionSource.IMPORTED,
                           description="Funds in" if typed_in else "Funds in (from DfE's file)", audited=False)
    funded = [a for a in builder.current + list(builder.earlier_cohort.apprentices) if a.planned_end_date > a.start_date]
    agreed = []
    for apprentice in funded:
        band = DEMO_FUNDING_BANDS.get(apprentice.standard.reference)
        if band is None:
            continue
        price = band - 500_00 * rng.randrange(0, 3)  # most at the band, some a little under it
        funding = LevyFunding(apprentice=apprentice, account=account, price_pence=price)
        db.session.add(funding)
        agreed.append((builder._then(apprentice.start_date - timedelta(days=14)), funding))
        for month, pence in levy_funding.schedule(price, apprentice.start_date, apprentice.planned_end_date,
                                                  withdrawn_on=apprentice.withdrawal_date,
                                                  completed_on=apprentice.completion_date):
            if first <= month < this_month:
                levy_ledger.record(account, month, TransactionKind.TRAINING, pence, actor=None, apprentice=apprentice,
                                   source=TransactionSource.IMPORTED, description=apprentice.standard.title,
                                   audited=False)
    db.session.flush()
    builder._happened(opened, builder.coordinator, "levy.account_created", account, fields=["name", "service_reference"])
    for reference in DEMO_FUNDING_BANDS:
        if reference in builder.standards:
            builder._happened(opened, builder.coordinator, "levy.funding_band_saved", builder.standards[reference],
                              removed=False)
    for at, funding in agreed:
        builder._happened(at, builder.coordinator, "levy_funding.created", funding, fields=["account_id", "price_pence"])
    builder._happened(builder._then(builder.today - timedelta(days=3)), builder.coordinator,
                      "levy.transactions_imported", account, new=DEMO_LEVY_MONTHS, updated=0, unchanged=0, skipped=0)


# Levy transfers (services/levy_transfers.py): they come from the ledger demo's account (the first there
# is), or from one made here by this name if there is none, so that this works without the ledger's demo.
DEMO_LEVY_ACCOUNT = "Northmoor Borough Council levy"
DEMO_MONTHLY_LEVY_PENCE = 2_640_000  # £24,000 declared x 100% English, plus the 10% top up


def demo_levy_transfers(builder: _DemoBuilder) -> None:
    """The scheme's local rules, three pledges (last year's, closed; two of this year's, open) and their
    applications in a range of DfE's statuses, with transfer apprentices paid month by month through the
    ledger up to last month. Run after the ledger's demo, which puts two years of funds in the account; if
    the account has no funds yet (that demo not run), twenty-four months of them are put in here."""
    from ..models import (
        ApplicationStatus,
        LevyAccount,
        LevyApplication,
        LevyPledge,
        LevyScheme,
        LevyTransaction,
        PledgeStatus,
        TransactionKind,
        TransferApprentice,
        TransferOutcome,
    )
    from . import levy_ledger
    from .levy_transfers import planned_for
    from .sector_return import financial_year_of

    today, boss = builder.today, builder.coordinator
    this_month = levy_ledger.first_of_month(today)
    account = db.session.scalar(sa.select(LevyAccount).order_by(LevyAccount.name != DEMO_LEVY_ACCOUNT, LevyAccount.id)
                                .limit(1))  # the ledger demo's account, whatever it is called
    if account is None:
        account = LevyAccount(name=DEMO_LEVY_ACCOUNT)
        db.session.add(account)
        db.session.flush()
    has_funds = db.session.scalar(sa.select(sa.func.count()).where(
        LevyTransaction.account_id == account.id, LevyTransaction.kind == TransactionKind.CREDIT))
    if not has_funds:
        for back in range(24, 0, -1):
            levy_ledger.record(account, levy_ledger.add_months(this_month, -back), TransactionKind.CREDIT,
                               DEMO_MONTHLY_LEVY_PENCE, top_up_pence=DEMO_MONTHLY_LEVY_PENCE // 11, actor=None,
                               description="Levy declared, with the 10% top up", audited=False)
    db.session.merge(LevyScheme(id=1, non_levy_employers_only=True, apprentices_in_borough_only=True,
                                min_hourly_wage_pence=1345))  # the Real Living Wage outside London, 2025-26
    builder._happened(builder._then(today - timedelta(days=400)), boss, "levy_scheme.edited", LevyScheme.__tablename__)

    this_year = financial_year_of(today).year
    employers = {e.name.split()[0]: e for e in builder.employers}  # Kestrel, Northmoor, Ironbridge...
    standards = builder.standards

    def months_ago(months: int, day: int = 1) -> date:
        return levy_ledger.add_months(this_month, -months).replace(day=day)

    def pledge(title: str, year: int, amount: int, opened: date, status: PledgeStatus, **criteria) -> LevyPledge:
        made = LevyPledge(account_id=account.id, year=year, title=title, amount_pence=amount, status=status,
                          created_by_id=boss.id, created_at=builder._then(opened), **criteria)
        db.session.add(made)
        db.session.flush()
        builder._happened(made.created_at, boss, "levy_pledge.created", made,
                          fields=sorted(["title", "amount_pence", *criteria]))
        return made

    answered_on: dict[int, date] = {}  # each employer's latest application so far: its answer on paying the levy

    def application(on: LevyPledge, employer: str, standard: str, planned: int, amount: int, received: date,
                    status: ApplicationStatus, *, pays_levy: bool = False, wage: int | None = 1350,
                    in_borough: bool = True, location: str | None = None, reference: str | None = None,
                    decided: date | None = None, reason: str | None = None,
                    moved: date | None = None) -> LevyApplication:
        """An application as it came through DfE's service: `decided` the day the council approved or
        rejected it (with `reason`), `moved` the day the employer accepted, declined or withdrew."""
        partner = employers[employer]
        if received >= answered_on.get(partner.id, received):  # the record holds what they said last
            answered_on[partner.id], partner.pays_levy = received, pays_levy
        made = LevyApplication(
            pledge_id=on.id, employer_id=partner.id, service_reference=reference, status=status, amount_pence=amount,
            standard_id=standards[standard].id, apprentices_planned=planned, planned_start=received + timedelta(days=60),
            employer_pays_levy=pays_levy, hourly_wage_pence=wage, apprentices_live_in_borough=in_borough,
            location=location or partner.postcode, created_at=builder._then(received),
            decided_at=builder._then(decided) if decided else None, decided_by_id=boss.id if decided else None,
            decision_reason=reason)
        db.session.add(made)
        db.session.flush()
        builder._happened(made.created_at, boss, "levy_application.created", made, by_employer=False)
        if decided:
            rejected = status is ApplicationStatus.REJECTED
            builder._happened(made.decided_at, boss,
                              "levy_application.rejected" if rejected else "levy_application.approved", made,
                              from_employer=False, **({} if rejected else {"rules_not_met": int(reason is not None)}))
        if moved:
            done = {ApplicationStatus.DECLINED: "declined", ApplicationStatus.WITHDRAWN: "withdrawn"}.get(status,
                                                                                                         "accepted")
            builder._happened(builder._then(moved), boss, f"levy_application.{done}", made, from_employer=False)
        return made

    def apprentice(on: LevyApplication, reference: str, price: int, start: date, months: int, *,
                   outcome: TransferOutcome = TransferOutcome.IN_LEARNING, ended: date | None = None,
                   in_borough: bool = True) -> None:
        """A transfer apprentice, and each payment planned for them up to last month, through the ledger."""
        made = TransferApprentice(application_id=on.id, reference=reference, price_pence=price, start_date=start,
                                  planned_end_date=add_months(start, months) - timedelta(days=1), outcome=outcome,
                                  end_date=ended, lives_in_borough=in_borough, hourly_wage_pence=on.hourly_wage_pence)
        db.session.add(made)
        db.session.flush()
        builder._happened(builder._then(start - timedelta(days=5)), boss, "transfer_apprentice.created", made,
                          fields=["hourly_wage_pence", "lives_in_borough", "planned_end_date", "price_pence",
                                  "reference", "start_date"])
        if ended:
            builder._happened(builder._then(ended + timedelta(days=3)), boss, "transfer_apprentice.edited", made,
                              fields=["end_date", "outcome"])
        for month, pence in planned_for(made):
            if month < this_month:
                row = levy_ledger.record(account, month, TransactionKind.TRANSFER, pence, actor=boss,
                                         transfer_apprentice=made, description=f"Transfer to {on.employer.name}"[:200],
                                         audited=False)
                db.session.flush()
                builder._happened(builder._then(month + timedelta(days=14)), boss, "levy.transaction_recorded",
                                  row, kind="transfer", source="entered")

    # Last year's pledge, closed once its funds were committed.
    last = pledge("Small employers' first apprentices", this_year - 1, 3_000_000, months_ago(20, 12),
                  PledgeStatus.CLOSED, locations="Northmoor", min_level=2, max_level=3)
    iron = application(last, "Ironbridge", "ST0125", 2, 2_400_000, months_ago(19, 3), ApplicationStatus.ACCEPTED,
                       reference="IRN4821", decided=months_ago(18, 20), moved=months_ago(18, 27), location="Northmoor")
    apprentice(iron, "IRN-APP-01", 1_200_000, months_ago(15, 2), 12, outcome=TransferOutcome.COMPLETED,
               ended=months_ago(3, 1) - timedelta(days=1))
    apprentice(iron, "IRN-APP-02", 1_200_000, months_ago(15, 2), 12, outcome=TransferOutcome.WITHDRAWN,
               ended=months_ago(10, 12), in_borough=False)
    heath = application(last, "Heath", "ST0120", 1, 600_000, months_ago(18, 8), ApplicationStatus.FUNDS_USED,
                        reference="HST1170", decided=months_ago(17, 25), moved=months_ago(16, 3), location="Northmoor")
    apprentice(heath, "HST-0042", 600_000, months_ago(14, 1), 12, outcome=TransferOutcome.COMPLETED,
               ended=months_ago(2, 1) - timedelta(days=1))
    builder._happened(builder._then(months_ago(1, 15)), boss, "levy_application.funds_used", heath)
    application(last, "Cobalt", "ST0128", 1, 500_000, months_ago(18, 15), ApplicationStatus.DECLINED,
                decided=months_ago(17, 28), moved=months_ago(16, 10), location="Northmoor")
    last.status = PledgeStatus.CLOSED
    builder._happened(builder._then(months_ago(12, 2)), boss, "levy_pledge.closed", last)

    # This year's: digital skills in the borough, and health and care.
    digital = pledge("Digital apprenticeships in Northmoor", this_year, 6_000_000, months_ago(7, 5), PledgeStatus.OPEN,
                     locations="Northmoor, NM1, NM2, NM3", min_level=3, max_level=4)
    kestrel = application(digital, "Kestrel", "ST0116", 2, 3_600_000, months_ago(7, 20), ApplicationStatus.ACCEPTED,
                          reference="KST2207", decided=months_ago(6, 18), moved=months_ago(6, 25))
    apprentice(kestrel, "KST-DEV-01", 1_800_000, months_ago(5, 1), 24)
    apprentice(kestrel, "KST-DEV-02", 1_800_000, months_ago(5, 1), 24, in_borough=False)
    application(digital, "Brightside", "ST0118", 1, 1_500_000, today - timedelta(days=12), ApplicationStatus.PENDING,
                wage=1221, reference="BRS0913")
    application(digital, "Fenwick", "ST0120", 1, 1_400_000, months_ago(4, 9), ApplicationStatus.REJECTED,
                decided=months_ago(3, 22), reason="Digital support technician is level 3, but this round is for "
                                                  "software and data roles; please apply to the next one")
    health = pledge("Health and care apprenticeships", this_year, 4_000_000, months_ago(6, 2), PledgeStatus.OPEN,
                    locations="Northmoor", sectors="Health, Social care")
    application(health, "Northmoor", "ST0120", 2, 2_600_000, today - timedelta(days=6), ApplicationStatus.PENDING,
                pays_levy=True, wage=1400)
    application(health, "Millstone", "ST0117", 1, 1_200_000, months_ago(2, 11), ApplicationStatus.APPROVED,
                decided=months_ago(1, 4), location="Northmoor",
                reason="Supported housing works with the health trust's teams on hospital discharge")
    application(health, "Ironbridge", "ST0125", 1, 1_100_000, months_ago(3, 16), ApplicationStatus.WITHDRAWN,
                moved=months_ago(2, 2), location="Northmoor")
    db.session.flush()
    levy_ledger.write_expiries(today, actor=None, accounts=[account])
