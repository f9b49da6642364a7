"""Changing a table on SQLite that other tables refer to, without losing a row or a reference.

SQLite cannot alter most of a table in place, and Alembic's batch mode drops and recreates it
with foreign keys on, which would empty or break the tables that refer to it. Here a table is
rebuilt from its own stored CREATE TABLE statement, changed as a migration needs, in one
transaction of its own with foreign keys off and `PRAGMA foreign_key_check` before it commits
(the procedure SQLite's documentation gives for "other kinds of table schema changes").
Migrations 0015 and 0016 use it; env.py puts this folder on the import path.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from alembic import op


@contextmanager
def foreign_keys_off(revision: str) -> Iterator:
    """A cursor on the sqlite3 connection itself, in a transaction of its own with foreign keys off."""
    if op.get_context().as_sql:
        raise RuntimeError(f'Migration {revision} reads the tables it rebuilds: run it against the database, '
                           'not as SQL')
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
            yield cursor
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


def rebuild(cursor, table: str, change: Callable[[str], str | None]) -> bool:
    """Rebuild `table` from its CREATE TABLE statement as `change` rewrites it (None: leave it as it is).

    Every row is copied in the columns both versions have; its indexes and triggers are made again,
    and an AUTOINCREMENT counter goes on from where it was. Says whether the table was rebuilt."""
    create = cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone()[0]
    changed = change(create)
    if changed is None:
        return False
    others = [row[0] for row in cursor.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name = ? AND type IN ('index', 'trigger') AND sql IS NOT NULL "
        "ORDER BY type, name", (table,))]
    old_columns = [row[1] for row in cursor.execute(f'PRAGMA table_info("{table}")').fetchall()]
    temporary = f'_{table}_rebuilt'
    changed, n = re.subn(r'^CREATE TABLE ("?)' + table + r'\1 \(', f'CREATE TABLE {temporary} (', changed)
    assert n == 1, f'unexpected CREATE TABLE statement for {table}'
    cursor.execute(changed)
    new_columns = {row[1] for row in cursor.execute(f'PRAGMA table_info("{temporary}")').fetchall()}
    columns = ', '.join(f'"{column}"' for column in old_columns if column in new_columns)
    cursor.execute(f'INSERT INTO {temporary} ({columns}) SELECT {columns} FROM "{table}"')
    counted = 'AUTOINCREMENT' in changed
    seq = cursor.execute('SELECT seq FROM sqlite_sequence WHERE name = ?', (table,)).fetchone() if counted else None
    cursor.execute(f'DROP TABLE "{table}"')
    cursor.execute(f'ALTER TABLE {temporary} RENAME TO "{table}"')
    for sql in others:
        cursor.execute(sql)
    if seq is not None:
        set_counter(cursor, table, seq[0])
    return True


def set_counter(cursor, table: str, value: int) -> None:
    """The AUTOINCREMENT counter of `table`: the next id given is `value` + 1."""
    cursor.execute('DELETE FROM sqlite_sequence WHERE name = ?', (table,))
    cursor.execute('INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)', (table, value))
