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
import re

from alembic import op

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
TEMPORARY = '_ids_never_reused_{}'


def _sqlite_rebuild(autoincrement: bool) -> None:
    if op.get_context().as_sql:
        raise RuntimeError('Migration 0015 reads the tables it rebuilds: run it against the database, not as SQL')
    # The sqlite3 connection itself: its transactions are driven by hand here (see the docstring).
    connection = op.get_bind().connection.dbapi_connection
    if connection.in_transaction:
        connection.commit()  # the migrations before this one: PRAGMA foreign_keys works only between transactions
    isolation_level = connection.isolation_level
    connection.isolation_level = None  # no transaction begun behind our back: BEGIN and COMMIT below are ours
    cursor = connection.cursor()
    try:
        cursor.execute('PRAGMA foreign_keys=OFF')
        cursor.execute('BEGIN IMMEDIATE')
        try:
            for table in TABLES:
                _rebuild(cursor, table, autoincrement)
            problems = cursor.execute('PRAGMA foreign_key_check').fetchall()
            if problems:
                raise RuntimeError(f'Rebuilding the tables broke foreign keys: {problems[:5]}')
        except BaseException:
            cursor.execute('ROLLBACK')
            raise
        cursor.execute('COMMIT')
    finally:
        cursor.execute('PRAGMA foreign_keys=ON')
        cursor.close()
        connection.isolation_level = isolation_level


def _rebuild(cursor, table: str, autoincrement: bool) -> None:
    create = cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    others = [row[0] for row in cursor.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", (table,))]
    new_sql = _with_autoincrement(create, table) if autoincrement else _without_autoincrement(create, table)
    if new_sql is None:  # already as wanted
        return
    temporary = TEMPORARY.format(table)
    new_sql, n = re.subn(r'^CREATE TABLE ("?)' + table + r'\1 \(', f'CREATE TABLE {temporary} (', new_sql)
    assert n == 1, f'unexpected CREATE TABLE statement for {table}'
    columns = ', '.join(f'"{row[1]}"' for row in cursor.execute(f'PRAGMA table_info("{table}")').fetchall())
    cursor.execute(new_sql)
    cursor.execute(f'INSERT INTO {temporary} ({columns}) SELECT {columns} FROM "{table}"')
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE {temporary} RENAME TO "{table}"')
    for sql in others:
        cursor.execute(sql)
    if autoincrement:
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
    largest = max(cursor.execute(sql).fetchone()[0] or 0 for sql in named)
    cursor.execute('DELETE FROM sqlite_sequence WHERE name = ?', (table,))
    cursor.execute('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', (table, largest))


def upgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(autoincrement=True)


def downgrade():
    if op.get_bind().dialect.name == 'sqlite':
        _sqlite_rebuild(autoincrement=False)
