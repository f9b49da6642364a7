"""Text and hours as people type them, cleaned and checked the same way wherever they arrive.

Forms (apprenticeships/forms.py), the CSV import and the filters in an address all use these:
trim, make invisible-only text empty, and refuse control characters (PostgreSQL cannot store
NUL, and none belong in a name or a note).
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

_INVISIBLE = {"Cc", "Cf", "Zs", "Zl", "Zp", "Mn", "Me"}  # nothing a reader could see on its own
LINE_BREAKS = "\n\t"  # the control characters a text of several lines may hold


def clean_text(value):
    """Trim `value` and make invisible-only text empty (a filter on every form text field)."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    start, end = 0, len(value)
    while start < end and _blank(value[start]):
        start += 1
    while end > start and _blank(value[end - 1]):
        end -= 1
    value = value[start:end]
    if all(unicodedata.category(c) in _INVISIBLE for c in value):
        return ""
    return value


def _blank(char: str) -> bool:
    return char.isspace() or unicodedata.category(char) == "Cf"


def control_character_problem(value: str, name: str, *, multiline: bool = False) -> str | None:
    """The message when `value` holds a control character (in several lines: other than a new line or tab).

    Services that take text from elsewhere (a CSV import) use it too.
    """
    allowed = LINE_BREAKS if multiline else ""
    if any(unicodedata.category(c) == "Cc" and c not in allowed for c in value):
        if multiline:
            return f"{name} must not contain control characters"
        return f"{name} must not contain control characters, such as tabs or line breaks"
    return None


def without_control_characters(text: str) -> str:
    return "".join(c for c in text if unicodedata.category(c) != "Cc")


_HOURS = re.compile(r"(?=.*[0-9])[0-9]{0,5}(?:\.[0-9]{0,4})?")  # 37.5, 7.25, .5, 22
_DECIMAL_COMMA = re.compile(r"([0-9]{1,5}),([0-9]{1,2})")  # 1,5 or 7,25 (never 1,250: that is a thousand)
_CLOCK = re.compile(r"([0-9]{1,5}):([0-5][0-9])")  # 1:30, 0:45
# 1h30, 1h 30m, 1.5 hours, 2 hrs 15 mins, 90 minutes, 45m
_HOURS_WORDS = r"h|hr|hrs|hour|hours"
_MINUTES_WORDS = r"m|min|mins|minute|minutes"
_IN_WORDS = re.compile(rf"(?:([0-9]{{1,5}}(?:\.[0-9]{{1,4}})?)\s*(?:{_HOURS_WORDS})\.?)?\s*(?:and\s*)?"
                       rf"(?:([0-9]{{1,5}})\s*(?:{_MINUTES_WORDS})?\.?)?")


def minutes_from_hours(text: str) -> int | None:
    """Hours as a person writes them, in whole minutes; None when `text` is not a number of hours.

    37.5, 7.25 and .5 as the forms' hints say, and what people type on a phone without thinking:
    1:30, 1h30, 1 hour 30 minutes, 90 mins, 1,5. Strict patterns come before any arithmetic:
    '1e999999' would overflow Decimal, and '1e200000' would take a second of CPU to multiply.
    """
    text = text.strip().lower()
    if _HOURS.fullmatch(text):
        return int((Decimal(text) * 60).to_integral_value())
    if match := _DECIMAL_COMMA.fullmatch(text):
        return int((Decimal(f"{match[1]}.{match[2]}") * 60).to_integral_value())
    if match := _CLOCK.fullmatch(text):
        return int(match[1]) * 60 + int(match[2])
    match = _IN_WORDS.fullmatch(text)
    # Some unit must be written ("90" alone is hours, above), and bare minutes after hours need the hours' unit.
    if match and (match[1] or match[2]) and re.search(r"[a-z]", text):
        hours = Decimal(match[1]) if match[1] else Decimal(0)
        return int((hours * 60).to_integral_value()) + (int(match[2]) if match[2] else 0)
    return None


def hour_figure(hours: float) -> str:
    """A number of hours as people read it: 7.25, 312.43, 1,250 (to a hundredth at most).

    Every page writes hours this way, so the cohort table and the apprentice's own page agree.
    A hundredth keeps quarter hours exact (entries are in minutes).
    """
    return f"{round(hours, 2):,g}" if hours < 100_000 else f"{round(hours):,d}"


def hour_estimate(hours: float) -> str:
    """An estimate of hours (what is expected by now) to the nearest whole hour: 347, 1,250.

    Hours logged stay exact (`hour_figure`); an estimate written to a hundredth reads as more
    precise than it is."""
    return f"{round(hours):,d}"


def hours_estimate_in_words(hours: float) -> str:
    """An estimate as "347 hours", "1 hour"."""
    return f"{hour_estimate(hours)} hour" + ("" if round(hours) == 1 else "s")


def hours_in_words(hours: float) -> str:
    """7.5 as "7.5 hours", 1 as "1 hour"."""
    return f"{hour_figure(hours)} hour" + ("" if hours == 1 else "s")


# --- Money: always whole pence, never floats -----------------------------------------------------

_POUNDS = re.compile(r"(?P<pounds>[0-9]{1,12})(?:\.(?P<pence>[0-9]{1,2}))?")
# Commas, where there are any, come every three digits: 1,250 and 12,000,000.50.
_THOUSANDS = re.compile(r"[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?")


def pence_from_pounds(text: str) -> int | None:
    """Pounds as a person writes them ("£1,250", "1250.5", "1,250.50") in whole pence, or None.

    Commas are thousands separators only; more than two decimal places is not money."""
    text = text.strip().removeprefix("£").strip()
    if "," in text and not _THOUSANDS.fullmatch(text):
        return None  # "1,2,3" or "1,23" is a typo (or a decimal comma), not £123: asking is safer than guessing
    match = _POUNDS.fullmatch(text.replace(",", ""))
    if match is None:
        return None
    pence = match["pence"] or "0"
    return int(match["pounds"]) * 100 + int(pence.ljust(2, "0"))


def money(pence: int | None, *, whole: bool = False) -> str:
    """Pence as pounds: "£1,250.50"; "£1,250" for whole pounds (or every figure, when `whole`)."""
    if pence is None:
        return ""
    sign = "-" if pence < 0 else ""
    pounds, rest = divmod(abs(pence), 100)
    if whole:
        pounds += 1 if rest >= 50 else 0  # half a pound and over rounds up, as people expect
        return f"{sign}£{pounds:,}"
    return f"{sign}£{pounds:,}" if rest == 0 else f"{sign}£{pounds:,}.{rest:02d}"
