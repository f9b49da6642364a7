"""Column types shared by the models: UTC timestamps and string enums checked by the database."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.types import TypeDecorator
from wtforms.fields.choices import SelectChoice


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Stores naive UTC (SQLite has no time zones) and always hands back aware UTC."""

    impl = sa.DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):
        return None if value is None else value.replace(tzinfo=UTC)


class Choice(enum.StrEnum):
    """An enum whose members know the words a person reads."""

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def choices(cls) -> list[SelectChoice]:
        """The members as options for a form field (or a template's own loop)."""
        return [SelectChoice(m.value, m.label) for m in cls]


def choice_type(enum_cls: type[Choice], name: str) -> sa.Enum:
    """A VARCHAR with a CHECK constraint on the enum's values, the same on every database."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class Versioned:
    """A record several people edit: every UPDATE is `WHERE id = ? AND version = ?` and moves the version on.

    An update based on what someone loaded before another person's change matches no row and
    raises StaleDataError, which the services turn into StaleRecord (apprenticeships/versioning.py).
    """

    version: Mapped[int] = mapped_column(server_default="1")

    @declared_attr.directive
    def __mapper_args__(cls) -> dict:
        return {"version_id_col": cls.__table__.c.version}
