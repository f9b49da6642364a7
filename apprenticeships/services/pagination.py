"""Pagination done in the database: one count and one page of rows, whatever the table size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from ..extensions import db


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    @property
    def first_item(self) -> int:
        return 0 if self.total == 0 else (self.number - 1) * self.size + 1

    @property
    def last_item(self) -> int:
        return min(self.number * self.size, self.total)


def first_with_total(query: sa.Select, limit: int) -> tuple[list[sa.Row], int]:
    """The first `limit` rows of `query` and how many rows it has in all, in one statement
    (a window count): for lists that show their start and say how many more there are."""
    rows = db.session.execute(query.add_columns(sa.func.count().over().label("total")).limit(limit)).all()
    return rows, rows[0].total if rows else 0


def page_number(number: int, total: int, size: int) -> int:
    """The page asked for, kept between the first and the last (an empty list has one page)."""
    return min(max(1, number), max(1, math.ceil(total / size)))


def paginate(query: sa.Select, number: int, size: int, *, rows: bool = False) -> Page:
    """One page of `query`: its first column's objects, or whole rows when `rows` is set."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    number = page_number(number, total, size)
    page_query = query.limit(size).offset((number - 1) * size)
    items = db.session.execute(page_query).all() if rows else list(db.session.scalars(page_query).unique())
    return Page(items, number, size, total)
