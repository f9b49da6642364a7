"""Each apprentice's log version, moved on by the database whenever their log changes

- `apprentices.log_version`: a random number that triggers on log_entries set afresh whenever an
  entry of the apprentice is added, deleted, or has its apprentice, date, minutes, off-the-job
  flag or status changed, whichever path writes it (the app, a bulk statement, the scale
  generator, a psql session). Figures worked out from one apprentice's whole log (the chart
  points on their home page) are kept per worker under this version, so a write to anyone else's
  log no longer throws them away, and an apprentice's page no longer costs more as their log grows.
  Random rather than a counter for the reason `programme_settings.data_version` is: a database
  restored from a backup can never show a version that once meant other data.

A column added in place: nothing is rebuilt, on SQLite or PostgreSQL. On SQLite a later migration
that recreates log_entries drops these triggers, as it would 0003's: create them again after it
(tests/web/test_changes.py fails if these are missing, tests/unit/test_races.py if 0003's are).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-02 11:00:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None

WATCHED = 'apprentice_id, activity_date, minutes, off_the_job, status'

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER log_version_on_insert AFTER INSERT ON log_entries
    BEGIN
        UPDATE apprentices SET log_version = random() WHERE id = NEW.apprentice_id;
    END
    """,
    """
    CREATE TRIGGER log_version_on_delete AFTER DELETE ON log_entries
    BEGIN
        UPDATE apprentices SET log_version = random() WHERE id = OLD.apprentice_id;
    END
    """,
    f"""
    CREATE TRIGGER log_version_on_update AFTER UPDATE OF {WATCHED} ON log_entries
    BEGIN
        UPDATE apprentices SET log_version = random() WHERE id IN (OLD.apprentice_id, NEW.apprentice_id);
    END
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS log_version_on_insert", "DROP TRIGGER IF EXISTS log_version_on_delete",
               "DROP TRIGGER IF EXISTS log_version_on_update"]

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION log_version_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        -- A random bigint: random() gives 52 bits of a double, enough never to meet an earlier one.
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE apprentices SET log_version = floor((random() - 0.5) * 9e18)::bigint WHERE id = OLD.apprentice_id;
        END IF;
        IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.apprentice_id IS DISTINCT FROM OLD.apprentice_id) THEN
            UPDATE apprentices SET log_version = floor((random() - 0.5) * 9e18)::bigint WHERE id = NEW.apprentice_id;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    f"""
    CREATE TRIGGER log_version_move AFTER INSERT OR DELETE OR UPDATE OF {WATCHED}
    ON log_entries FOR EACH ROW EXECUTE FUNCTION log_version_move()
    """,
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS log_version_move ON log_entries",
                   "DROP FUNCTION IF EXISTS log_version_move()"]


def upgrade():
    op.add_column('apprentices', sa.Column('log_version', sa.BigInteger(), server_default='0', nullable=False))
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    # In place, not a batch: on SQLite that would recreate apprentices, which other tables refer to.
    op.execute('ALTER TABLE apprentices DROP COLUMN log_version')
