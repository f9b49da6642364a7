"""Mentors as a fourth signatory of progress reviews

- `programme_settings.mentors_sign_reviews`: when on, a review recorded from then on needs its
  apprentice's mentor's signature as well as the apprentice's, the employer's and the
  coordinator's. Off by default, so nothing changes for a programme until it chooses.
- `progress_reviews.signing_mentor_id`: the apprentice's mentor when the review was recorded,
  who is asked to sign it (a mentor moved to other apprentices later still signs the reviews
  they were part of). Empty when mentors do not sign. A CHECK keeps it to held reviews.
- `review_signoffs.party` may now be `mentor` (its CHECK lists the parties).

On SQLite the new column is added in place with its foreign key and CHECK written on the
column, and dropped in place (SQLite 3.35+): recreating progress_reviews in a batch would drop
a table that review_actions, review_signoffs and review_reopenings refer to, deleting their
rows through ON DELETE CASCADE. review_signoffs is recreated in a batch to change its CHECK:
nothing refers to it.

Downgrading forgets mentors' signatures and who was asked to sign; a review that was waiting
only for its mentor is then signed by everyone the older schema knows, so it is locked.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

OLD_PARTIES = ('apprentice', 'employer', 'coordinator')
NEW_PARTIES = (*OLD_PARTIES, 'mentor')
HELD = 'signing_mentor_id IS NULL OR held_date IS NOT NULL'


def _in(parties) -> str:
    return ', '.join(f"'{p}'" for p in parties)


def _parties(parties) -> None:
    with op.batch_alter_table('review_signoffs', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_review_signoffs_signoff_party'), type_='check')
        batch_op.create_check_constraint(op.f('ck_review_signoffs_signoff_party'), f'party IN ({_in(parties)})')


def upgrade():
    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mentors_sign_reviews', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))

    if op.get_bind().dialect.name == 'sqlite':
        op.execute('ALTER TABLE progress_reviews ADD COLUMN signing_mentor_id INTEGER '
                   'CONSTRAINT fk_progress_reviews_signing_mentor_id_mentors REFERENCES mentors (id) '
                   f'CONSTRAINT ck_progress_reviews_mentor_signs_when_held CHECK ({HELD})')
    else:
        op.add_column('progress_reviews', sa.Column('signing_mentor_id', sa.Integer(), nullable=True))
        op.create_foreign_key(op.f('fk_progress_reviews_signing_mentor_id_mentors'), 'progress_reviews',
                              'mentors', ['signing_mentor_id'], ['id'])
        op.create_check_constraint(op.f('ck_progress_reviews_mentor_signs_when_held'), 'progress_reviews', HELD)
    op.create_index(op.f('ix_progress_reviews_signing_mentor_id'), 'progress_reviews', ['signing_mentor_id'],
                    unique=False)

    _parties(NEW_PARTIES)


def downgrade():
    op.execute("DELETE FROM review_signoffs WHERE party = 'mentor'")
    _parties(OLD_PARTIES)
    # A review waiting only for its mentor has every signature the older schema asks for.
    sqlite = op.get_bind().dialect.name == 'sqlite'
    now = 'CURRENT_TIMESTAMP' if sqlite else "(CURRENT_TIMESTAMP AT TIME ZONE 'UTC')"  # naive UTC, as the app keeps
    op.execute(
        f"UPDATE progress_reviews SET locked_at = {now} WHERE locked_at IS NULL "
        "AND signing_mentor_id IS NOT NULL AND "
        f"(SELECT COUNT(*) FROM review_signoffs s WHERE s.review_id = progress_reviews.id) = {len(OLD_PARTIES)}")

    op.drop_index(op.f('ix_progress_reviews_signing_mentor_id'), table_name='progress_reviews')
    if sqlite:
        # In place: the column's own foreign key and CHECK go with it.
        op.execute('ALTER TABLE progress_reviews DROP COLUMN signing_mentor_id')
    else:
        op.drop_constraint(op.f('ck_progress_reviews_mentor_signs_when_held'), 'progress_reviews', type_='check')
        op.drop_constraint(op.f('fk_progress_reviews_signing_mentor_id_mentors'), 'progress_reviews',
                           type_='foreignkey')
        op.drop_column('progress_reviews', 'signing_mentor_id')

    with op.batch_alter_table('programme_settings', schema=None) as batch_op:
        batch_op.drop_column('mentors_sign_reviews')
