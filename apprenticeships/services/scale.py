"""Data at scale, for measuring: many cohorts of apprentices with logs and reviews.

In the proportions of "every London council's programme for a decade": per 20 apprentices,
one cohort, one mentor for every four, 50 log entries and 5 reviews each. Rows go in with
bulk inserts in chunks, so 20,000 apprentices (1,000,000 entries) take a few minutes.
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
    ServiceArea,
    TrainingProvider,
    VerificationStatus,
    utcnow,
)
from .demo import load_demo
from .progress import add_months

PER_COHORT, PER_MENTOR, ENTRIES_EACH, REVIEWS_EACH = 20, 4, 50, 5
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
    run = db.session.scalar(sa.select(sa.func.count()).select_from(Cohort))
    cohorts = max(1, apprentices // PER_COHORT)
    now = utcnow()

    cohort_rows = [{"name": f"Scale cohort {run}-{n:05d}", "start_date": today - timedelta(days=(n * 3653) // cohorts),
                    "intake_target": PER_COHORT, "created_at": now} for n in range(cohorts)]
    _insert(Cohort.__table__, cohort_rows)
    cohort_ids = db.session.execute(sa.select(Cohort.id, Cohort.start_date).where(
        Cohort.name.like(f"Scale cohort {run}-%")).order_by(Cohort.id)).all()
    mentor_rows = [{"name": f"Mentor {run}-{n}", "email": f"scale-mentor-{run}-{n}@example.org", "capacity": PER_MENTOR,
                    "created_at": now} for n in range(max(1, apprentices // PER_MENTOR))]
    _insert(Mentor.__table__, mentor_rows)
    mentor_ids = db.session.scalars(sa.select(Mentor.id).where(Mentor.email.like(f"scale-mentor-{run}-%"))).all()

    areas = list(ServiceArea)
    apprentice_rows = []
    for n in range(apprentices):
        cohort_id, start = cohort_ids[n % len(cohort_ids)]
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
    people = db.session.execute(sa.select(Apprentice.id, Apprentice.start_date, Apprentice.planned_end_date)
                                .join(Cohort).where(Cohort.name.like(f"Scale cohort {run}-%"))).all()

    entries, reviews = [], []
    for apprentice_id, start, planned_end in people:
        end = min(today, planned_end)
        span = max(1, (end - start).days)
        for k in range(ENTRIES_EACH):
            day = start + timedelta(days=(k * span) // ENTRIES_EACH)
            entries.append({"apprentice_id": apprentice_id, "activity_date": day,
                            "activity_type": ActivityType.STUDY_TIME.value, "off_the_job": True,
                            "minutes": 15 * rng.randint(4, 28), "description": "Study on the provider's course",
                            "status": VerificationStatus.PENDING.value, "created_at": now, "updated_at": now})
        for k in range(REVIEWS_EACH):
            scheduled = start + timedelta(weeks=12 * (k + 1))
            held = scheduled <= today
            reviews.append({"apprentice_id": apprentice_id, "scheduled_date": scheduled,
                            "held_date": scheduled if held else None, "created_at": now,
                            "rag": rng.choice([Rag.GREEN, Rag.GREEN, Rag.AMBER, Rag.RED]).value if held else None})
    _insert(LogEntry.__table__, entries)
    _insert(ProgressReview.__table__, reviews)
    db.session.commit()
    return {"cohorts": cohorts, "mentors": len(mentor_rows), "apprentices": apprentices, "log_entries": len(entries),
            "reviews": len(reviews)}
