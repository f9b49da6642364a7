"""The migrations make exactly the schema the models describe, and can be undone."""

from pathlib import Path

import sqlalchemy as sa
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
    db.session.remove()
    downgrade(directory=MIGRATIONS, revision="base")
    assert set(sa.inspect(db.engine).get_table_names()) <= {"alembic_version"}
    upgrade(directory=MIGRATIONS)
    assert set(sa.inspect(db.engine).get_table_names()) == set(db.metadata.tables) | {"alembic_version"}
