"""The audit trail names the person acted on, and its rows cannot be changed

- `audit_events.apprentice_id`: the apprentice the event's record is, or belongs to (a log
  entry, a review, a placement proposal, an evidence file, their user account...), and
  `audit_events.user_id`: the user account the event's record is (mentor, employer and
  coordinator accounts have no apprentice). Both are ids, never personal data; both are set to
  NULL if that person's row is ever deleted (the event stays, with its subject_type/subject_id).
  Indexed with the time, for "everything done to this person, newest first".
- Existing events are filled in where the record they name still exists (an event about a row
  since deleted stays without a person).
- A trigger refuses any UPDATE of an audit event (on SQLite and on PostgreSQL), other than the
  one the foreign keys above make when a person's row is deleted (a link set to NULL, nothing
  else changed). DELETE is not refused: the log has its own retention period, and the
  retention job deletes the events older than it (services/retention.py); the app has no other
  way to delete an event.

Revision ID: 0010
Revises: 0009
Create Date: 2027-01-08 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

# Tables whose rows belong to one apprentice through their own apprentice_id column.
OWN_APPRENTICE = ('log_entries', 'progress_reviews', 'placement_assignments', 'placement_interests',
                  'evidence_files', 'breaks_in_learning', 'apprentice_status_changes', 'notifications')
# Tables whose rows belong to one through their parent: (table, parent key, parent table).
THROUGH_PARENT = (('review_actions', 'review_id', 'progress_reviews'),
                  ('review_signoffs', 'review_id', 'progress_reviews'),
                  ('review_reopenings', 'review_id', 'progress_reviews'),
                  ('log_entry_revisions', 'entry_id', 'log_entries'))

SQLITE_TRIGGER = """
CREATE TRIGGER audit_events_unchangeable BEFORE UPDATE ON audit_events
WHEN NOT (NEW.id IS OLD.id AND NEW.occurred_at IS OLD.occurred_at AND NEW.actor_id IS OLD.actor_id
          AND NEW.action IS OLD.action AND NEW.subject_type IS OLD.subject_type
          AND NEW.subject_id IS OLD.subject_id AND NEW.details IS OLD.details
          AND (NEW.apprentice_id IS OLD.apprentice_id OR NEW.apprentice_id IS NULL)
          AND (NEW.user_id IS OLD.user_id OR NEW.user_id IS NULL))
BEGIN
    SELECT RAISE(ABORT, 'audit events cannot be changed');
END
"""

# Compares whole rows (as jsonb: the json column has no equality), so a column added later is
# covered without changing the function.
POSTGRESQL_FUNCTION = """
CREATE FUNCTION audit_events_unchangeable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF to_jsonb(NEW) - 'apprentice_id' - 'user_id' IS DISTINCT FROM to_jsonb(OLD) - 'apprentice_id' - 'user_id'
       OR (NEW.apprentice_id IS NOT NULL AND NEW.apprentice_id IS DISTINCT FROM OLD.apprentice_id)
       OR (NEW.user_id IS NOT NULL AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
        RAISE EXCEPTION 'audit events cannot be changed';
    END IF;
    RETURN NEW;
END
$$
"""
POSTGRESQL_TRIGGER = """
CREATE TRIGGER audit_events_unchangeable BEFORE UPDATE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_unchangeable()
"""


def upgrade():
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('apprentice_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('user_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_apprentice_id_apprentices'), 'apprentices',
                                    ['apprentice_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_audit_events_user_id_users'), 'users',
                                    ['user_id'], ['id'], ondelete='SET NULL')
        batch_op.create_index('ix_audit_events_apprentice_occurred', ['apprentice_id', 'occurred_at'], unique=False)
        batch_op.create_index('ix_audit_events_user_occurred', ['user_id', 'occurred_at'], unique=False)

    _backfill()

    if op.get_bind().dialect.name == 'postgresql':
        op.execute(POSTGRESQL_FUNCTION)
        op.execute(POSTGRESQL_TRIGGER)
    else:
        op.execute(SQLITE_TRIGGER)


def _backfill():
    def fill(subject_type, column, value_sql):
        op.execute(f"UPDATE audit_events SET {column} = ({value_sql}) "
                   f"WHERE subject_type = '{subject_type}' AND subject_id IS NOT NULL")

    fill('apprentices', 'apprentice_id', "SELECT a.id FROM apprentices a WHERE a.id = audit_events.subject_id")
    fill('users', 'apprentice_id', "SELECT u.apprentice_id FROM users u WHERE u.id = audit_events.subject_id")
    fill('users', 'user_id', "SELECT u.id FROM users u WHERE u.id = audit_events.subject_id")
    for table in OWN_APPRENTICE:
        fill(table, 'apprentice_id', f"SELECT t.apprentice_id FROM {table} t WHERE t.id = audit_events.subject_id")
    for table, key, parent in THROUGH_PARENT:
        fill(table, 'apprentice_id', f"SELECT p.apprentice_id FROM {table} t JOIN {parent} p ON p.id = t.{key} "
                                     "WHERE t.id = audit_events.subject_id")


def downgrade():
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP TRIGGER audit_events_unchangeable ON audit_events')
        op.execute('DROP FUNCTION audit_events_unchangeable()')
    else:
        op.execute('DROP TRIGGER audit_events_unchangeable')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_user_occurred')
        batch_op.drop_index('ix_audit_events_apprentice_occurred')
        batch_op.drop_constraint(batch_op.f('fk_audit_events_user_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_audit_events_apprentice_id_apprentices'), type_='foreignkey')
        batch_op.drop_column('user_id')
        batch_op.drop_column('apprentice_id')
