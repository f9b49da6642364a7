"""Migration 0004 (mentors sign reviews) undone on a programme that used it: nothing is left half-signed."""

from pathlib import Path

import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, Mentor, ProgressReview, ReviewSignoff, SignoffParty, User

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_downgrading_forgets_mentor_signatures_and_locks_reviews_waiting_only_for_the_mentor(demo_db):
    jordan = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Jordan"))
    mentor = db.session.scalar(sa.select(Mentor).where(Mentor.email == "mentor@example.org"))
    mentor_user = db.session.scalar(sa.select(User).where(User.mentor_id == mentor.id))
    waiting_for_mentor, signed_by_mentor = db.session.scalars(sa.select(ProgressReview).where(
        ProgressReview.apprentice_id == jordan.id, ProgressReview.held_date.is_not(None))
        .order_by(ProgressReview.held_date).limit(2)).all()
    for review in (waiting_for_mentor, signed_by_mentor):
        review.locked_at, review.signing_mentor_id = None, mentor.id
    signed_by_mentor.signoffs = [s for s in signed_by_mentor.signoffs if s.party != SignoffParty.COORDINATOR] + [
        ReviewSignoff(party=SignoffParty.MENTOR, user_id=mentor_user.id)]
    db.session.commit()
    ids = waiting_for_mentor.id, signed_by_mentor.id
    db.session.remove()

    downgrade(directory=MIGRATIONS, revision="0003")
    with db.engine.connect() as connection:
        def parties(review_id):
            return sorted(connection.scalars(sa.text("SELECT party FROM review_signoffs WHERE review_id = :id"),
                                             {"id": review_id}))

        def locked(review_id):
            return connection.scalar(sa.text("SELECT locked_at FROM progress_reviews WHERE id = :id"),
                                     {"id": review_id}) is not None

        assert parties(ids[0]) == ["apprentice", "coordinator", "employer"] and locked(ids[0])
        assert parties(ids[1]) == ["apprentice", "employer"] and not locked(ids[1])
        assert "signing_mentor_id" not in {c["name"] for c in sa.inspect(connection).get_columns("progress_reviews")}
    upgrade(directory=MIGRATIONS)
    assert db.session.get(ProgressReview, ids[0]).locked_at.tzinfo is not None  # read back as the app keeps it
    assert db.session.get(ProgressReview, ids[1]).signing_mentor_id is None
