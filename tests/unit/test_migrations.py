"""The migrations make exactly the schema the models describe, and can be undone."""

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from apprenticeships.extensions import db

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


def test_the_migrated_schema_matches_the_models(empty_app):
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_removes_every_table_and_upgrade_rebuilds_them(empty_app):
    downgrade(directory=MIGRATIONS, revision="base")
    with db.engine.connect() as connection:
        tables = connection.exec_driver_sql(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name != 'alembic_version'"
        ).scalars().all()
    assert tables == []
    upgrade(directory=MIGRATIONS)
    with db.engine.connect() as connection:
        count = connection.exec_driver_sql("SELECT count(*) FROM sqlite_master WHERE type = 'table'").scalar()
    assert count == len(db.metadata.tables) + 1  # and alembic_version
