"""Data at scale, for measuring: many cohorts of apprentices with logs and reviews.

In the proportions of "every London council's programme for a decade": per 20 apprentices,
one cohort, one mentor for every four, 50 log entries each and a review every 12 weeks of
the programme. Cohorts started over ten years, so most apprentices have finished; the newest
cohort is a large intake (a twentieth of everyone) so that long tables can be measured.
Entries older than three weeks are verified and reviews held more than four weeks ago are
signed off and locked, as a working programme's would be; about one current apprentice in
ten has missed their last review. Rows go in with bulk inserts in
chunks, so 20,000 apprentices (1,000,000 entries) take well under a minute on SQLite.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ActivityType,
    Apprentice,
    ApprenticeshipStandard,
    ApprenticeStatus,
    Cohort,
    LogEntry,
    Mentor,
    ProgressReview,
    Rag,
    ReviewSignoff,
    Role,
    ServiceArea,
    SignoffParty,
    TrainingProvider,
    User,
    VerificationStatus,
    utcnow,
)
from .demo import load_demo
from .progress import add_months

PER_COHORT, PER_MENTOR, ENTRIES_EACH, REVIEW_EVERY = 20, 4, 50, timedelta(weeks=12)
VERIFIED_AFTER, LOCKED_AFTER = timedelta(weeks=3), timedelta(weeks=4)
CHUNK = 20_000
FIRST_NAMES = ["Alex", "Sam", "Jo", "Priya", "Tom", "Aisha", "Ben", "Chen", "Dami", "Eve", "Femi", "Gail", "Hana",
               "Ivan", "Jas", "Kit", "Lola", "Mo", "Nia", "Oli"]
LAST_NAMES = ["Smith", "Khan", "Jones", "Patel", "Brown", "Ali", "Taylor", "Wilson", "Evans", "Okafor", "Nowak",
              "Green", "Hall", "Wood", "Clarke", "Ahmed", "Lee", "Hughes", "Price", "Reid"]


def _insert(table, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(table), rows[start:start + CHUNK])


def fill(apprentices: int, today: date | None = None, seed: int = 7) -> dict[str, int]:
    """Add `apprentices` apprentices (and their cohorts, mentors, logs, reviews). Returns the counts added."""
    today = today or date.today()
    rng = random.Random(seed)
    load_demo(today)  # the catalogue (standards, providers) and the demo sign-ins
    standards = db.session.execute(sa.select(ApprenticeshipStandard.id, ApprenticeshipStandard.typical_duration_months)
                                   ).all()
    providers = db.session.scalars(sa.select(TrainingProvider.id)).all()
    verifier = db.session.scalar(sa.select(User.id).where(User.role == Role.COORDINATOR).order_by(User.id))
    run = db.session.scalar(sa.select(sa.func.count()).select_from(Cohort))
    cohorts = max(1, apprentices // PER_COHORT)
    now = utcnow()

    cohort_rows = [{"name": f"Scale cohort {run}-{n:05d}", "intake_target": PER_COHORT, "created_at": now,
                    "start_date": today - timedelta(days=60 + (n * 3653) // cohorts)} for n in range(cohorts)]
    _insert(Cohort.__table__, cohort_rows)
    cohort_ids = db.session.execute(sa.select(Cohort.id, Cohort.start_date).where(
        Cohort.name.like(f"Scale cohort {run}-%")).order_by(Cohort.id)).all()
    mentor_rows = [{"name": f"Mentor {run}-{n}", "email": f"scale-mentor-{run}-{n}@example.org", "capacity": PER_MENTOR,
                    "created_at": now} for n in range(max(1, apprentices // PER_MENTOR))]
    _insert(Mentor.__table__, mentor_rows)
    mentor_ids = db.session.scalars(sa.select(Mentor.id).where(Mentor.email.like(f"scale-mentor-{run}-%"))).all()

    areas = list(ServiceArea)
    apprentice_rows = []
    large = apprentices // 20 if len(cohort_ids) > 1 else 0
    for n in range(apprentices):
        # The first `large` go to the newest cohort; the rest are shared out among the others.
        cohort_id, start = cohort_ids[0 if n < large else 1 + n % (len(cohort_ids) - 1) if large else 0]
        standard_id, months = standards[n % len(standards)]
        planned_end = add_months(start, months)
        finished = planned_end < today
        withdrawn = rng.random() < 0.08
        status = (ApprenticeStatus.WITHDRAWN if withdrawn else
                  ApprenticeStatus.COMPLETED if finished else ApprenticeStatus.ACTIVE)
        apprentice_rows.append({
            "first_name": rng.choice(FIRST_NAMES), "last_name": rng.choice(LAST_NAMES), "cohort_id": cohort_id,
            "standard_id": standard_id, "provider_id": providers[n % len(providers)],
            "mentor_id": mentor_ids[n % len(mentor_ids)], "service_area": areas[n % len(areas)].value,
            "contracted_minutes_per_week": 37 * 60, "start_date": start, "planned_end_date": planned_end,
            "status": status.value, "consent_to_be_named": False, "created_at": now,
            "withdrawal_date": start + timedelta(days=120) if withdrawn else None,
            "withdrawal_reason": "Left for another job" if withdrawn else None,
            "completion_date": planned_end if status == ApprenticeStatus.COMPLETED else None,
            "gateway_date": planned_end - timedelta(days=60) if status == ApprenticeStatus.COMPLETED else None,
        })
    _insert(Apprentice.__table__, apprentice_rows)
    people = db.session.execute(
        sa.select(Apprentice.id, Apprentice.start_date, Apprentice.planned_end_date, Apprentice.status)
        .join(Cohort).where(Cohort.name.like(f"Scale cohort {run}-%"))).all()

    entries, reviews = [], []
    for apprentice_id, start, planned_end, status in people:
        end = min(today, planned_end)
        span = max(1, (end - start).days)
        for k in range(ENTRIES_EACH):
            day = start + timedelta(days=(k * span) // ENTRIES_EACH)
            verified = day < today - VERIFIED_AFTER
            entries.append({"apprentice_id": apprentice_id, "activity_date": day,
                            "activity_type": ActivityType.STUDY_TIME.value, "off_the_job": True,
                            "minutes": 15 * rng.randint(4, 28), "description": "Study on the provider's course",
                            "status": (VerificationStatus.VERIFIED if verified else VerificationStatus.PENDING).value,
                            "verified_by_id": verifier if verified else None,
                            "verified_at": now if verified else None, "created_at": now, "updated_at": now})
        missed_last = status == ApprenticeStatus.ACTIVE and rng.random() < 0.1
        scheduled = start + REVIEW_EVERY
        while scheduled <= planned_end:
            held = scheduled <= today and not (missed_last and scheduled + REVIEW_EVERY > today)
            locked = held and scheduled < today - LOCKED_AFTER
            reviews.append({"apprentice_id": apprentice_id, "scheduled_date": scheduled,
                            "held_date": scheduled if held else None, "created_at": now,
                            "locked_at": now if locked else None,
                            "rag": rng.choice([Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.RED]).value if held else None})
            if not held:
                break  # only the next review is on the calendar
            scheduled += REVIEW_EVERY
    _insert(LogEntry.__table__, entries)
    evidence = _add_evidence(run, now)
    _insert(ProgressReview.__table__, reviews)
    # The coordinator's sign-off on each locked review (scale apprentices have no sign-in).
    _insert(ReviewSignoff.__table__, [
        {"review_id": review_id, "party": SignoffParty.COORDINATOR.value, "user_id": verifier, "signed_at": now}
        for review_id in db.session.scalars(sa.select(ProgressReview.id).join(Apprentice).join(Cohort).where(
            ProgressReview.locked_at.is_not(None), Cohort.name.like(f"Scale cohort {run}-%")))])
    if db.engine.dialect.name == "sqlite":
        db.session.execute(sa.text("ANALYZE"))  # PostgreSQL's autovacuum does this by itself
    db.session.commit()
    return {"cohorts": cohorts, "mentors": len(mentor_rows), "apprentices": apprentices, "log_entries": len(entries),
            "evidence_files": evidence, "reviews": len(reviews)}


EVIDENCE_EVERY = 5  # one entry in five has a file: a certificate, a screenshot, notes
SAMPLE_EVIDENCE = b"%PDF-1.4\n% a sample certificate for the scale data\n%%EOF\n"


def _add_evidence(run: int, now) -> int:
    """Evidence rows on one entry in five of this run's apprentices, in one INSERT ... SELECT. They
    all name one small PDF, stored once in the evidence storage (content-addressed), so a download works."""
    from flask import current_app

    from ..models import EvidenceFile
    from ..models.types import UTCDateTime

    digest, _ = current_app.extensions["evidence_storage"].put(SAMPLE_EVIDENCE)
    table = EvidenceFile.__table__
    chosen = (sa.select(LogEntry.apprentice_id, LogEntry.id, sa.literal("certificate.pdf"),
                        sa.literal("application/pdf"), sa.literal(len(SAMPLE_EVIDENCE)), sa.literal(digest),
                        sa.literal("clean"), sa.literal(now, UTCDateTime))
              .join(Apprentice, Apprentice.id == LogEntry.apprentice_id).join(Cohort, Cohort.id == Apprentice.cohort_id)
              .where(Cohort.name.like(f"Scale cohort {run}-%"), LogEntry.id % EVIDENCE_EVERY == 0))
    db.session.execute(table.insert().from_select(
        ["apprentice_id", "log_entry_id", "filename", "media_type", "size_bytes", "digest", "scan_status",
         "uploaded_at"], chosen))
    # Counted, not the statement's rowcount: PostgreSQL's driver gives -1 for an INSERT ... SELECT.
    return db.session.scalar(sa.select(sa.func.count()).select_from(chosen.subquery()))
