"""A deleted person's id is never given to anyone else (migration 0015): the audit log keeps naming
rows by id after they are deleted, so a reused id would make old events seem to be about someone new.

On SQLite the tables are rebuilt with AUTOINCREMENT, keeping every row of every table; PostgreSQL's
sequences never go back on their own."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from apprenticeships.extensions import db
from apprenticeships.models import Apprentice, AuditEvent, Role, User
from apprenticeships.services import accounts, apprentices, retention

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def _coordinator() -> User:
    return db.session.scalar(sa.select(User).where(User.email == "coordinator@example.org"))


def _add_apprentice(name: str) -> tuple[int, int]:
    """A new apprentice, with an invitation to sign in, as a coordinator adds them: (their id, their account's)."""
    boss = _coordinator()
    model = db.session.scalar(sa.select(Apprentice).where(Apprentice.first_name == "Liam"))
    added = apprentices.create(boss, {
        "first_name": name, "last_name": "Person", "email": f"{name.lower()}@example.org",
        "cohort_id": model.cohort_id, "standard_id": model.standard_id, "provider_id": model.provider_id,
        "service_area": model.service_area, "contracted_minutes_per_week": 37 * 60,
        "start_date": model.start_date, "planned_end_date": model.planned_end_date})
    user, _ = accounts.invite(boss, f"{name} Person", f"{name.lower()}@example.org", Role.APPRENTICE, apprentice=added)
    db.session.commit()
    return added.id, user.id


def _delete_apprentice(apprentice_id: int) -> None:
    retention.delete_created_in_error(_coordinator(), db.session.get(Apprentice, apprentice_id))
    db.session.commit()


def _every_row() -> dict[str, tuple[list[str], list[tuple]]]:
    """Every table's columns and rows, in id order, as the database has them now (a later migration may
    have added columns the models know and this revision does not)."""
    with db.engine.connect() as connection:
        found = sa.MetaData()
        found.reflect(connection)
        return {name: ([c.name for c in table.columns], [tuple(row) for row in connection.execute(
            sa.select(table).order_by(*table.primary_key.columns))])
            for name, table in found.tables.items() if name in db.metadata.tables}


def _same_rows(before: dict, after: dict) -> bool:
    """`after` has every table of `before` (and maybe tables later migrations add), holding the same rows
    in the columns both have."""
    if not before.keys() <= after.keys():
        return False
    for name, (columns, rows) in before.items():
        other_columns, other_rows = after[name]
        common = [c for c in columns if c in other_columns]
        if [tuple(row[columns.index(c)] for c in common) for row in rows] != \
                [tuple(row[other_columns.index(c)] for c in common) for row in other_rows]:
            return False
    return True


def _schema() -> set[tuple[str, str]]:
    """The tables, indexes and triggers on SQLite."""
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            return set()
        return set(connection.execute(sa.text(
            "SELECT type, name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'")).all())


def test_upgrading_keeps_every_row_and_a_deleted_apprentices_id_is_never_given_again(demo_db):
    # Before the migration: the newest apprentice is added in error and deleted, which on SQLite
    # without AUTOINCREMENT would hand their id (and their account's) to the next one.
    deleted_apprentice, deleted_user = _add_apprentice("Mistake")
    _delete_apprentice(deleted_apprentice)
    db.session.remove()
    schema = _schema()  # at the newest revision: downgrading and upgrading again gives it back exactly
    downgrade(directory=MIGRATIONS, revision="0014")
    rows = _every_row()
    assert sum(len(table[1]) for table in rows.values()) > 5000 and len(rows["apprentices"][1]) > 30

    upgrade(directory=MIGRATIONS)

    assert _same_rows(rows, _every_row())  # every row of every table, unchanged
    assert _schema() == schema  # the same tables, indexes and triggers
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA foreign_key_check").all() == []
    # The audit log still names the deleted apprentice by their id alone...
    deleted = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "apprentice.deleted"))
    assert (deleted.subject_id, deleted.apprentice_id) == (deleted_apprentice, None)
    # ...and nobody after them is given it, or their account's, before or after another deletion.
    second_apprentice, second_user = _add_apprentice("Second")
    assert second_apprentice > deleted_apprentice and second_user > deleted_user
    _delete_apprentice(second_apprentice)
    third_apprentice, third_user = _add_apprentice("Third")
    assert third_apprentice > second_apprentice and third_user > second_user
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.subject_type == "apprentices", AuditEvent.subject_id == third_apprentice)) == 1  # only its own


def test_the_database_says_ids_are_never_reused_where_the_models_do(empty_app):
    never_reused = {table.name for table in db.metadata.tables.values()
                    if table.dialect_options["sqlite"].get("autoincrement")}
    assert {"apprentices", "users", "log_entries", "progress_reviews", "evidence_files"} <= never_reused
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            declared = {name for name, sql in connection.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table'")) if "AUTOINCREMENT" in sql}
            assert declared == never_reused
        else:  # PostgreSQL: every one of these ids comes from a sequence (an identity or serial column)
            for name in never_reused:
                default = connection.scalar(sa.text("SELECT pg_get_serial_sequence(:table, 'id')"), {"table": name})
                assert default is not None, name


def test_downgrading_keeps_every_row_too(demo_db):
    db.session.remove()
    rows = _every_row()
    downgrade(directory=MIGRATIONS, revision="0014")
    assert _same_rows(_every_row(), rows)  # every table 0014 has, with every row
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            assert not connection.scalar(sa.text(
                "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"))
    upgrade(directory=MIGRATIONS)


@pytest.mark.parametrize("table", ["apprentices", "users", "log_entries"])
def test_a_new_row_takes_an_id_past_every_one_the_audit_log_names(demo_db, table):
    """Whatever was deleted before the migration: its id is past the largest the log names."""
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="0014")
    with db.engine.begin() as connection:
        named = connection.scalar(sa.text("SELECT max(id) FROM " + table)) + 7
        connection.execute(sa.insert(AuditEvent.__table__).values(
            occurred_at=sa.func.now(), action="something.deleted", subject_type=table, subject_id=named, details={}))
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL: the sequence is the database's own")
        assert connection.scalar(sa.text("SELECT seq FROM sqlite_sequence WHERE name = :t"), {"t": table}) == named
