"""Hours as people type them, on a phone especially: each way in, and what is not a number of hours."""

import pytest

from apprenticeships.text import minutes_from_hours


@pytest.mark.parametrize("typed,minutes", [
    ("1.5", 90), (".25", 15), ("37.5", 2250), ("  2  ", 120),
    ("1:30", 90), ("0:45", 45), ("12:00", 720),
    ("1h30", 90), ("1h 30m", 90), ("1 hour 30 minutes", 90), ("2 hrs 15 mins", 135), ("1h and 30 mins", 90),
    ("1.5 hours", 90), ("1.5h", 90), ("3 Hours", 180),
    ("90 mins", 90), ("90 minutes", 90), ("45m", 45),
    ("1,5", 90), ("7,25", 435),
])
def test_hours_written_the_ways_people_write_them(typed, minutes):
    assert minutes_from_hours(typed) == minutes


@pytest.mark.parametrize("typed", ["abc", "h", "m", "hours", "1:75", "1:5", "1:30:00", "1 30", "1,250", "1e5",
                                   "1e999999", "NaN", "1.5.2", "-", "", "１.５", "\u00b2", "999999 hours"])
def test_what_is_not_a_number_of_hours(typed):
    assert minutes_from_hours(typed) is None
