"""Flask extensions, created unbound and initialised in create_app."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_talisman import Talisman
from flask_wtf.csrf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints so that migrations can alter them on every database, SQLite included.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
talisman = Talisman()
htmx = Htmx()


# Flask-Migrate, and the alembic and mako it imports, serve only `flask db ...` and the tests: the
# web server's processes never load them (about 40 MB in each). create_app calls init_migrations,
# which puts two stand-ins in their places; the first use of either sets Flask-Migrate up for real.


def init_migrations(app: Flask) -> None:
    """`flask db ...` and app.extensions["migrate"], both loading Flask-Migrate on first use."""
    app.extensions["migrate"] = _MigrationsNotLoaded(app)
    app.cli.add_command(_MigrationCommands(app))


def migrations(app: Flask) -> Any:
    """Flask-Migrate's settings for `app` (flask_migrate._MigrateConfig), setting it up on first use."""
    config = app.extensions.get("migrate")
    if config is None or isinstance(config, _MigrationsNotLoaded):
        from flask_migrate import Migrate

        # Puts its settings in app.extensions["migrate"] and its `db` commands in app.cli, in place
        # of the stand-ins.
        Migrate().init_app(app, db, render_as_batch=True, compare_type=True)
        config = app.extensions["migrate"]
    return config


class _MigrationsNotLoaded:
    """Stands in app.extensions["migrate"] (where flask_migrate.upgrade() and migrations/env.py look)
    until something reads it: then Flask-Migrate is set up and answers."""

    def __init__(self, app: Flask) -> None:
        self._app = app

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # copy, pickle and the like asking what the object can do: not a use
            raise AttributeError(name)
        return getattr(migrations(self._app), name)


class _MigrationCommands(click.Group):
    """`flask db`: Flask-Migrate's command group (flask_migrate.cli.db), imported when a `flask db`
    command is run or its help is asked for; `flask --help` lists it without importing it."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Perform database migrations.")
        self._app = app

    def _loaded(self) -> click.Group:
        migrations(self._app)
        from flask_migrate.cli import db as commands

        return commands

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        # The context is Flask-Migrate's group's: click parses its options (-d, -x) and runs its commands.
        return self._loaded().make_context(info_name, args, parent=parent, **extra)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        return self._loaded().get_command(ctx, name)

    def list_commands(self, ctx: click.Context) -> list[str]:
        return self._loaded().list_commands(ctx)
