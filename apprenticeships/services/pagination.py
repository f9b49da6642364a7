"""Pagination done in the database: one count and one page of rows, whatever the table size."""

from __future__ import annotations

import functools
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


class Listing:
    """A list's statement, with its count, its pages and its first rows derived from it once.

    Built once (at import, with `sa.bindparam`s for what varies from one request to the next), it costs
    less each time: SQLAlchemy finds a statement's compiled form by a key it works out by walking the
    statement, and a statement object keeps its key, so one built once is looked up at once, where one
    built afresh for each request costs building and walking it again (about half a millisecond for a
    list's). `paginate` uses one for a statement built in the request."""

    def __init__(self, query: sa.Select, *, rows: bool = False) -> None:
        self.query = query
        self.rows = rows

    @functools.cached_property
    def _count(self) -> sa.Select:
        return sa.select(sa.func.count()).select_from(self.query.order_by(None).subquery())

    @functools.cached_property
    def _page(self) -> sa.Select:
        return self.query.limit(sa.bindparam("page_size", type_=sa.Integer)) \
            .offset(sa.bindparam("page_offset", type_=sa.Integer))

    @functools.cached_property
    def _counted(self) -> sa.Select:
        return self.query.add_columns(sa.func.count().over().label("total")) \
            .limit(sa.bindparam("page_size", type_=sa.Integer)).offset(sa.bindparam("page_offset", type_=sa.Integer))

    def page(self, number: int, size: int, **params: Any) -> Page:
        """A count, then the page asked for (kept between the first and the last): its first column's
        objects, or whole rows when `rows` is set."""
        total = db.session.scalar(self._count, params)
        number = page_number(number, total, size)
        found = db.session.execute(self._page, {**params, "page_size": size, "page_offset": (number - 1) * size})
        return Page(found.all() if self.rows else list(found.scalars().unique()), number, size, total)

    def _counted_rows(self, number: int, size: int, params: dict[str, Any]) -> list[sa.Row]:
        return db.session.execute(self._counted, {**params, "page_size": size,
                                                  "page_offset": (number - 1) * size}).all()

    def first(self, limit: int, **params: Any) -> tuple[list[sa.Row], int]:
        """The first `limit` rows and how many there are in all, in one statement (a window count): for
        lists that show their start and say how many more there are."""
        rows = self._counted_rows(1, limit, params)
        return rows, rows[0].total if rows else 0

    def page_in_one(self, number: int, size: int, **params: Any) -> Page:
        """As `page`, in one statement (a window count) rather than two; past the last page (an old
        link), the last page after all, as `page` finds it."""
        number = max(1, number)
        rows = self._counted_rows(number, size, params)
        if not rows and number > 1:
            return self.page(number, size, **params)
        return Page([row[0] for row in rows] if not self.rows else rows, number, size, rows[0].total if rows else 0)


def first_with_total(query: sa.Select, limit: int | None) -> tuple[list[sa.Row], int]:
    """The first `limit` rows of `query` (all of them when None) and how many rows it has in all, in one
    statement (a window count), for a statement built in the request (see `Listing.first`)."""
    rows = db.session.execute(query.add_columns(sa.func.count().over().label("total")).limit(limit)).all()
    return rows, rows[0].total if rows else 0


def page_number(number: int, total: int, size: int) -> int:
    """The page asked for, kept between the first and the last (an empty list has one page)."""
    return min(max(1, number), max(1, math.ceil(total / size)))


def paginate(query: sa.Select, number: int, size: int, *, rows: bool = False) -> Page:
    """`Listing.page` of a statement built in the request."""
    return Listing(query, rows=rows).page(number, size)
