"""Date arithmetic in SQL that reads the same on SQLite and PostgreSQL."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement


class days_between(FunctionElement):
    """Whole days from `start` to `end` (end - start), as an integer."""

    type = sa.Integer()
    inherit_cache = True
    name = "days_between"


@compiles(days_between)
def _days_between_default(element, compiler, **kw):
    end, start = list(element.clauses)
    return f"(CAST({compiler.process(end, **kw)} AS DATE) - CAST({compiler.process(start, **kw)} AS DATE))"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    end, start = list(element.clauses)
    return f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) AS INTEGER)"


class least(FunctionElement):
    """The smallest of its arguments (none may be NULL: the databases treat NULL differently)."""

    inherit_cache = True
    name = "least"


class greatest(FunctionElement):
    """The largest of its arguments (none may be NULL)."""

    inherit_cache = True
    name = "greatest"


@compiles(least, "sqlite")
def _least_sqlite(element, compiler, **kw):
    return f"min({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element, compiler, **kw):
    return f"max({compiler.process(element.clauses, **kw)})"


@compiles(least)
def _least_default(element, compiler, **kw):
    return f"least({compiler.process(element.clauses, **kw)})"


@compiles(greatest)
def _greatest_default(element, compiler, **kw):
    return f"greatest({compiler.process(element.clauses, **kw)})"


class add_days(FunctionElement):
    """The date `days` (an integer, may be negative) after `day`."""

    type = sa.Date()
    inherit_cache = True
    name = "add_days"


@compiles(add_days)
def _add_days_default(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"(CAST({compiler.process(day, **kw)} AS DATE) + CAST({compiler.process(days, **kw)} AS INTEGER))"


@compiles(add_days, "sqlite")
def _add_days_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, printf('%+d days', {compiler.process(days, **kw)}))"


class add_months(FunctionElement):
    """The same day `months` calendar months after `day`, or that month's last day if it is shorter
    (31 January + 1 month is 28 or 29 February), as Python's `progress.add_months` does."""

    type = sa.Date()
    inherit_cache = True
    name = "add_months"


@compiles(add_months)
def _add_months_default(element, compiler, **kw):
    # PostgreSQL's date + interval already keeps to the end of a shorter month.
    day, months = list(element.clauses)
    return (f"CAST(CAST({compiler.process(day, **kw)} AS DATE) + "
            f"make_interval(months => CAST({compiler.process(months, **kw)} AS INTEGER)) AS DATE)")


@compiles(add_months, "sqlite")
def _add_months_sqlite(element, compiler, **kw):
    # SQLite's '+N months' runs on into the next month (31 January + 1 month is 3 March): count
    # from the first of the month, then keep within the target month.
    day, months = compiler.process(list(element.clauses)[0], **kw), compiler.process(list(element.clauses)[1], **kw)
    first = f"date({day}, 'start of month', printf('%+d months', {months}))"
    last = f"date({day}, 'start of month', printf('%+d months', ({months}) + 1), '-1 day')"
    same_day = f"date({first}, printf('%+d days', CAST(strftime('%d', {day}) AS INTEGER) - 1))"
    return f"min({same_day}, {last})"
