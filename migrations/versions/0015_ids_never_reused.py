"""Ids never reused: a deleted person's id is never given to the next one, on SQLite too

The audit log keeps naming rows by id after they are deleted (`audit_events.subject_id`, a
deleted log entry's `entry_id` in its event's details, the CSV export's ids, a subject access
export on someone's disk). SQLite without AUTOINCREMENT gives a new row max(id) + 1, so after
the newest apprentice (or user account, log entry...) is deleted, the next one created gets the
same id, and the old events would seem to be about the new person. PostgreSQL's sequences never
go back, so there this migration does nothing.

On SQLite these tables are rebuilt with `id INTEGER ... PRIMARY KEY AUTOINCREMENT` (the models
say `sqlite_autoincrement=True`): every table whose rows the app deletes (itself, or through
ON DELETE CASCADE from a deleted apprentice or review) and whose ids the audit log names:
apprentices, users, log_entries, progress_reviews, review_actions, placement_assignments,
placement_interests and evidence_files.

Each table is rebuilt as SQLite's documentation says (lang_altertable.html, "other kinds of
table schema changes"): its own CREATE TABLE statement, read from sqlite_master and changed
only where the primary key is declared (so every CHECK, default and foreign key stays word for
word), the rows copied with their ids, the old table dropped, the new one renamed, and its
indexes and triggers (log_entries' daily totals) made again from their stored SQL. Dropping a
table that others refer to with ON DELETE CASCADE would delete their rows (the reason 0010 and
0011 add columns in place), so this runs with foreign keys off, which SQLite allows only
outside a transaction: the migrations' transaction so far is committed (as Alembic's
autocommit_block would; it cannot here, SQLite's DDL not being transactional to Alembic), the
rebuild is one transaction of its own, checked by PRAGMA foreign_key_check before it commits
(rolled back on any error), and foreign keys are turned back on whatever happens.

Each table's counter starts past the largest id it holds or the audit log names for it (an
apprentice deleted before this migration keeps their id to themselves too).

Downgrading rebuilds the tables the old way (their rows kept).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 09:00:00.000000

"""

from functools import partial

from alembic import op

from sqlite_rebuild import foreign_keys_off, rebuild, set_counter

# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ('apprentices', 'users', 'log_entries', 'progress_reviews', 'review_actions', 'placement_assignments',
          'placement_interests', 'evidence_files')
# Where else the audit log names a row of a table by id, beyond (subject_type, subject_id).
AUDIT_ID_COLUMNS = {
    'apprentices': ('apprentice_id',),
    'users': ('user_id', 'actor_id'),
}
AUDIT_DETAIL_IDS = {'log_entries': 'entry_id'}  # log_entry.deleted names the apprentice, with the entry's id


def _sqlite_rebuild(autoincrement: bool) -> None:
    with foreign_keys_off('0015') as cursor:
        for table in TABLES:
            change = partial(_with_autoincrement if autoincrement else _without_autoincrement, table=table)
            if rebuild(cursor, table, change) and autoincrement:
                _start_counter_past_named_ids(cursor, table)


def _with_autoincrement(create: str, table: str) -> str | None:
    if 'AUTOINCREMENT' in create:
        return None
    constraint = f'CONSTRAINT pk_{table} PRIMARY KEY (id)'
    lines = create.split('\n')
    kept = [line for line in lines if line.strip().rstrip(',') != constraint]
    assert len(kept) == len(lines) - 1, f'no single primary key constraint in {table}'
    column = [i for i, line in enumerate(kept) if line.strip() == 'id INTEGER NOT NULL,']
    assert len(column) == 1, f'no single id column in {table}'
    kept[column[0]] = kept[column[0]].replace(
        'id INTEGER NOT NULL,', f'id INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT,')
    return _without_trailing_comma('\n'.join(kept))


def _without_autoincrement(create: str, table: str) -> str | None:
    declared = f'id INTEGER NOT NULL CONSTRAINT pk_{table} PRIMARY KEY AUTOINCREMENT,'
    if declared not in create:
        return None
    create = create.replace(declared, 'id INTEGER NOT NULL,')
    body, close = create.rstrip().rsplit('\n', 1)
    return f'{body.rstrip()}, \n\tCONSTRAINT pk_{table} PRIMARY KEY (id)\n{close}'


def _without_trailing_comma(create: str) -> str:
    """The primary key was the last line before the closing bracket: the line before it ends the list now."""
    body, close = create.rstrip().rsplit('\n', 1)
    return f'{body.rstrip().rstrip(",")}\n{close}'


def _start_counter_past_named_ids(cursor, table: str) -> None:
    named = [f'SELECT max(id) FROM "{table}"',
             f"SELECT max(subject_id) FROM audit_events WHERE subject_type = '{table}'"]
    named += [f'SELECT max({column}) FROM audit_events' for column in AUDIT_ID_COLUMNS.get(table, ())]
    if table in AUDIT_DETAIL_IDS:
        named.append(f"SELECT max(CAST(json_extract(details, '$.{AUDIT_DETAIL_IDS[table]}') AS INTEGER)) "
                     "FROM audit_events WHERE json_valid(details)")
    set_counter(cursor, table, max(cursor.execute(sql).fetchone()[0] or 0 for sql in named))


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(autoincrement=True)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(autoincrement=False)
