"""Record ids as they arrive from outside: in addresses, filters and form choices.

An id is a positive whole number that fits the database's integer columns. Anything else
('²', which `str.isdigit` accepts but `int` refuses, 20 digits, '-1', ' 7') is no id at all:
a page answers 404 and a form says "Select ...", never a database overflow.
"""

from __future__ import annotations

import re

from werkzeug.routing import IntegerConverter, ValidationError

MAX_ID = 2**31 - 1  # PostgreSQL's integer; SQLite's is wider, so this bound serves both
_ID = re.compile(r"[1-9][0-9]{0,9}")


def parse_id(value: object) -> int | None:
    """The id in `value` (a string or int), or None when it cannot be one."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value if 0 < value <= MAX_ID else None
    if not isinstance(value, str) or not _ID.fullmatch(value):
        return None
    number = int(value)
    return number if number <= MAX_ID else None


def is_id(value: object) -> bool:
    return parse_id(value) is not None


class IdConverter(IntegerConverter):
    """`<int:...>` in every route: a number too large for an id does not match, so it is a 404."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)

    def to_python(self, value: str):
        if not value.isascii():  # \d also matches other scripts' digits, which int() accepts
            raise ValidationError()
        return super().to_python(value)
