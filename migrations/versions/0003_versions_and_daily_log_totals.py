"""Versions on shared records, and each apprentice's minutes logged per day

Two rules that a race between requests used to break, now kept by the database:

- `version` on the records that several people edit (apprentices, cohorts, placements,
  employer partners, progress reviews, programme settings, log entries). The app maps it as
  SQLAlchemy's version_id_col: every UPDATE says `WHERE id = ? AND version = ?` and moves it
  on, so a save based on what someone loaded before another person's save changes nothing
  and is refused ("someone else changed this").
- `log_day_totals`: the minutes logged by each apprentice on each day, with a CHECK that
  holds them to 0-720 (the 12-hour limit, services/logbook.py MAX_MINUTES_A_DAY). Triggers
  on log_entries keep it on every insert, delete and change of apprentice, date or minutes,
  whichever path writes the entry (the app, the demo loader, the scale generator's bulk
  inserts, a cascade from a deleted apprentice, a psql session), each with an atomic upsert
  (INSERT ... ON CONFLICT DO UPDATE SET minutes = minutes + excluded.minutes). So two
  entries posted at the same instant cannot both fit into a day that has room for one: the
  second one's insert fails the CHECK and is refused.

A day already over 12 hours before this migration (only the race could do that) is counted
as full, 720, so nothing more can be added to it; subtractions stop at 0 so its entries can
still be changed or deleted.

On SQLite a batch migration that recreates log_entries drops its triggers: create them again
after it (tests/unit/test_races.py fails if they are missing).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

VERSIONED = ('apprentices', 'cohorts', 'employer_partners', 'log_entries', 'placements', 'programme_settings',
             'progress_reviews')
DAY_LIMIT = 720

SQLITE_TRIGGERS = [
    """
    CREATE TRIGGER log_day_totals_on_insert AFTER INSERT ON log_entries
    BEGIN
        INSERT INTO log_day_totals (apprentice_id, activity_date, minutes)
        VALUES (NEW.apprentice_id, NEW.activity_date, NEW.minutes)
        ON CONFLICT (apprentice_id, activity_date) DO UPDATE SET minutes = log_day_totals.minutes + excluded.minutes;
    END
    """,
    """
    CREATE TRIGGER log_day_totals_on_delete AFTER DELETE ON log_entries
    BEGIN
        UPDATE log_day_totals SET minutes = MAX(minutes - OLD.minutes, 0)
        WHERE apprentice_id = OLD.apprentice_id AND activity_date = OLD.activity_date;
    END
    """,
    """
    CREATE TRIGGER log_day_totals_on_update AFTER UPDATE OF apprentice_id, activity_date, minutes ON log_entries
    BEGIN
        UPDATE log_day_totals SET minutes = MAX(minutes - OLD.minutes, 0)
        WHERE apprentice_id = OLD.apprentice_id AND activity_date = OLD.activity_date;
        INSERT INTO log_day_totals (apprentice_id, activity_date, minutes)
        VALUES (NEW.apprentice_id, NEW.activity_date, NEW.minutes)
        ON CONFLICT (apprentice_id, activity_date) DO UPDATE SET minutes = log_day_totals.minutes + excluded.minutes;
    END
    """,
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS log_day_totals_on_insert", "DROP TRIGGER IF EXISTS log_day_totals_on_delete",
               "DROP TRIGGER IF EXISTS log_day_totals_on_update"]

POSTGRESQL_TRIGGERS = [
    """
    CREATE FUNCTION log_day_totals_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            UPDATE log_day_totals SET minutes = GREATEST(minutes - OLD.minutes, 0)
            WHERE apprentice_id = OLD.apprentice_id AND activity_date = OLD.activity_date;
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            INSERT INTO log_day_totals AS total (apprentice_id, activity_date, minutes)
            VALUES (NEW.apprentice_id, NEW.activity_date, NEW.minutes)
            ON CONFLICT (apprentice_id, activity_date) DO UPDATE SET minutes = total.minutes + EXCLUDED.minutes;
        END IF;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER log_day_totals_keep AFTER INSERT OR DELETE OR UPDATE OF apprentice_id, activity_date, minutes
    ON log_entries FOR EACH ROW EXECUTE FUNCTION log_day_totals_keep()
    """,
]
POSTGRESQL_DROP = ["DROP TRIGGER IF EXISTS log_day_totals_keep ON log_entries",
                   "DROP FUNCTION IF EXISTS log_day_totals_keep()"]


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('version', sa.Integer(), server_default='1', nullable=False))

    op.create_table(
        'log_day_totals',
        sa.Column('apprentice_id', sa.Integer(), nullable=False),
        sa.Column('activity_date', sa.Date(), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.CheckConstraint(f'minutes BETWEEN 0 AND {DAY_LIMIT}', name=op.f('ck_log_day_totals_within_a_day')),
        sa.ForeignKeyConstraint(['apprentice_id'], ['apprentices.id'],
                                name=op.f('fk_log_day_totals_apprentice_id_apprentices'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('apprentice_id', 'activity_date', name=op.f('pk_log_day_totals')),
    )
    op.execute(
        "INSERT INTO log_day_totals (apprentice_id, activity_date, minutes) "
        f"SELECT apprentice_id, activity_date, CASE WHEN SUM(minutes) > {DAY_LIMIT} THEN {DAY_LIMIT} "
        "ELSE SUM(minutes) END FROM log_entries GROUP BY apprentice_id, activity_date"
    )
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_TRIGGERS if postgresql else SQLITE_TRIGGERS:
        op.execute(statement)


def downgrade():
    postgresql = op.get_bind().dialect.name == 'postgresql'
    for statement in POSTGRESQL_DROP if postgresql else SQLITE_DROP:
        op.execute(statement)
    op.drop_table('log_day_totals')
    for table in reversed(VERSIONED):
        # Not a batch: on SQLite that recreates the table, and dropping a table that others
        # refer to (apprentices) would delete through their foreign keys. SQLite 3.35+ drops
        # a plain column in place.
        op.execute(f'ALTER TABLE {table} DROP COLUMN version')
