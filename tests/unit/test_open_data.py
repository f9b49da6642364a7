"""Open data in the EES standard: what `write` makes passes `problems`, and each rule catches what breaks it."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest

from apprenticeships.models import ProgrammeSettings
from apprenticeships.services import open_data, summaries
from apprenticeships.services.open_data import Column, Council

PLACE = Council("212", "E09000032", "Wandsworth")
FILTERS = [Column("status", "Status", "Filter", hint="Where apprentices are in their apprenticeship")]
INDICATORS = [Column("apprentices", "Apprentices", "Indicator"),
              Column("retention_rate", "Retention rate", "Indicator", unit="%", dp=0)]
ROWS = [{"status": "Total", "apprentices": 24, "retention_rate": 88},
        {"status": "Active", "apprentices": 19, "retention_rate": "z"},
        {"status": "Withdrawn", "apprentices": None, "retention_rate": "z"},
        {"status": "Completed", "apprentices": 0, "retention_rate": open_data.NOT_APPLICABLE}]


def written():
    return open_data.write("cohort_summary", "202526", "Academic year", FILTERS, INDICATORS, ROWS, place=PLACE)


def table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text)))


def edit(text: str, row: int, column: str, value: str) -> str:
    """The CSV with one cell changed (row 1 is the header, as a spreadsheet numbers it)."""
    rows = table(text)
    rows[row - 1][rows[0].index(column)] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def drop_column(text: str, column: str) -> str:
    rows = table(text)
    index = rows[0].index(column)
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows([r[:index] + r[index + 1:] for r in rows])
    return out.getvalue()


def test_what_write_makes_follows_the_standard_and_reads_back():
    pair = written()
    assert open_data.problems(pair.data, pair.meta) == []
    assert open_data.problems(pair.data.encode(), pair.meta.encode("utf-8-sig")) == []
    rows = table(pair.data)
    assert rows[0] == ["time_period", "time_identifier", "geographic_level", "country_code", "country_name",
                       "old_la_code", "new_la_code", "la_name", "status", "apprentices", "retention_rate"]
    assert rows[1] == ["202526", "Academic year", "Local authority", "E92000001", "England", "212", "E09000032",
                       "Wandsworth", "Total", "24", "88"]
    assert rows[3][-2:] == ["c", "z"]  # None is suppressed
    assert table(pair.meta) == [
        ["col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp", "filter_hint",
         "filter_grouping_column"],
        ["status", "Filter", "Status", "", "", "", "Where apprentices are in their apprenticeship", ""],
        ["apprentices", "Indicator", "Apprentices", "", "", "", "", ""],
        ["retention_rate", "Indicator", "Retention rate", "", "%", "0", "", ""]]
    read = open_data.read(pair.data, pair.meta)
    assert (read.time_period, read.time_identifier, read.geographic_level, read.la_name) == (
        "202526", "Academic year", "Local authority", "Wandsworth")
    assert [c.name for c in read.filters] == ["status"]
    assert read.indicators[1] == INDICATORS[1]
    assert [(r["status"], r["apprentices"]) for r in read.rows] == [
        ("Total", "24"), ("Active", "19"), ("Withdrawn", "c"), ("Completed", "0")]


def test_write_refuses_a_value_that_is_neither_a_number_nor_a_symbol():
    with pytest.raises(ValueError, match="neither a number nor one of the symbols"):
        open_data.write("s", "202526", "Academic year", FILTERS, INDICATORS,
                        [{"status": "Total", "apprentices": "lots", "retention_rate": 1}], place=PLACE)


def test_write_without_the_councils_codes_is_refused(demo_db):
    from apprenticeships.services.errors import ServiceError

    settings = ProgrammeSettings.current()
    settings.old_la_code = settings.new_la_code = settings.la_name = None  # the demo's made-up ones forgotten
    with pytest.raises(ServiceError, match="local authority codes"):  # none set yet
        open_data.write("s", "202526", "Academic year", FILTERS, INDICATORS, ROWS)


BROKEN = [
    # (what is changed, a function of (data, meta) giving the broken pair, the message expected)
    ("a mandatory column missing", lambda d, m: (drop_column(d, "time_identifier"), m),
     "The data file is missing the mandatory column time_identifier."),
    ("a time identifier the standard lacks", lambda d, m: (edit(d, 3, "time_identifier", "School year"), m),
     "Row 3: 'School year' in time_identifier is not one of the time identifiers"),
    ("a six-digit identifier with a four-digit period", lambda d, m: (
        edit(edit(edit(edit(edit(d, 2, "time_period", "2025"), 3, "time_period", "2025"), 4, "time_period", "2025"),
                  5, "time_period", "2025"), 2, "time_identifier", "Financial year"), m),
     "Row 2: time_period must be six digits (such as 202425) for 'Financial year', not '2025'."),
    ("a period of years not in a row", lambda d, m: (edit(d, 4, "time_period", "202527"), m),
     "Row 4: time_period '202527' is not two years in a row"),
    ("a geographic level the standard lacks", lambda d, m: (edit(d, 2, "geographic_level", "Borough"), m),
     "Row 2: 'Borough' in geographic_level is not one of the geographic levels"),
    ("a local authority row without its code", lambda d, m: (edit(d, 5, "new_la_code", ""), m),
     "Row 5, column new_la_code: a Local authority row needs this filled in."),
    ("a malformed old code", lambda d, m: (edit(d, 2, "old_la_code", "21"), m),
     "Row 2, column old_la_code: '21' is not a three-digit code"),
    ("a column name in capitals", lambda d, m: (edit(d, 1, "status", "Status"), edit(m, 2, "col_name", "Status")),
     "The column name 'Status' in the data file is not in lower snake case"),
    ("a column name with a space", lambda d, m: (edit(d, 1, "status", "app status"),
                                                 edit(m, 2, "col_name", "app status")),
     "The column name 'app status' in the data file has a space in it."),
    ("a data column the metadata does not describe", lambda d, m: (edit(d, 1, "status", "stage"), m),
     "The column stage in the data file is not described in the metadata file."),
    ("a described column the data lacks", lambda d, m: (drop_column(d, "retention_rate"), m),
     "The metadata file describes a column retention_rate that the data file does not have."),
    ("a metadata column missing", lambda d, m: (d, drop_column(m, "filter_hint")),
     "The metadata file is missing the column filter_hint."),
    ("a col_type the standard lacks", lambda d, m: (d, edit(m, 3, "col_type", "Measure")),
     "Row 3 of the metadata file (apprentices): col_type must be 'Filter' or 'Indicator', not 'Measure'."),
    ("an indicator unit the standard lacks", lambda d, m: (d, edit(m, 4, "indicator_unit", "percent")),
     "Row 4 of the metadata file (retention_rate): indicator_unit must be blank or one of"),
    ("decimal places that are not a whole number", lambda d, m: (d, edit(m, 4, "indicator_dp", "one")),
     "Row 4 of the metadata file (retention_rate): indicator_dp must be blank or a whole number"),
    ("a filter with a unit", lambda d, m: (d, edit(m, 2, "indicator_unit", "%")),
     "Row 2 of the metadata file (status) is a filter, so its indicator_unit must be blank."),
    ("a mandatory column described in the metadata", lambda d, m: (d, edit(m, 2, "col_name", "la_name")),
     "Row 2 of the metadata file (la_name): la_name says when or where a row is about"),
    ("a label missing", lambda d, m: (d, edit(m, 3, "label", "")),
     "Row 3 of the metadata file (apprentices) has no label."),
    ("a blank indicator", lambda d, m: (edit(d, 3, "apprentices", ""), m),
     "Row 3, column apprentices: the indicator is blank (use c for a suppressed value"),
    ("an indicator in words", lambda d, m: (edit(d, 2, "apprentices", "about 20"), m),
     "Row 2, column apprentices: 'about 20' is neither a number nor one of the symbols"),
    ("an old symbol", lambda d, m: (edit(d, 4, "apprentices", ":"), m),
     "Row 4, column apprentices: ':' is an old symbol; use c, z or x."),
    ("a blank filter", lambda d, m: (edit(d, 3, "status", ""), m),
     "Row 3, column status: the filter is blank (use 'Total' for a row about every value)."),
    ("a filter without its Total row", lambda d, m: (edit(d, 2, "status", "All statuses"), m),
     "The filter status has no 'Total' row"),
    ("Total in a geography column", lambda d, m: (edit(d, 2, "la_name", "Total"), m),
     "Row 2, column la_name: 'Total' belongs in a filter"),
    ("a row of the wrong width", lambda d, m: (d + "202526,Academic year\r\n", m),
     "Row 6 of the data file has 2 cells, but its header has 11 columns."),
    ("not UTF-8", lambda d, m: (d.encode("cp1252") + "£".encode("cp1252"), m),
     "The data file is not saved as UTF-8 text"),
    ("an empty metadata file", lambda d, m: (d, ""), "The metadata file is empty."),
    ("too large", lambda d, m: (d.encode() + b" " * open_data.MAX_BYTES, m), "The data file is larger than 10 MB."),
]


@pytest.mark.parametrize(("change", "broken", "message"), BROKEN, ids=[b[0] for b in BROKEN])
def test_each_rule_fails_with_a_message_naming_the_row_and_column(change, broken, message):
    pair = written()
    found = open_data.problems(*broken(pair.data, pair.meta))
    assert any(p.startswith(message) for p in found), found


def test_many_problems_of_one_kind_are_counted_not_listed():
    pair = written()
    data = pair.data + "".join("202526,Academic year,Local authority,E92000001,England,212,E09000032,"
                               f"Wandsworth,Active,{n} people,1\r\n" for n in range(30))
    found = open_data.problems(data, pair.meta)
    assert len([p for p in found if "people' is neither a number" in p]) == open_data.MAX_LISTED
    assert found[-1] == "And 10 more problems like the ones above."


@pytest.mark.parametrize("start,period,words", [
    (date(2025, 7, 31), "202425", "the 2024/25 academic year (1 August 2024 to 31 July 2025)"),
    (date(2025, 8, 1), "202526", "the 2025/26 academic year (1 August 2025 to 31 July 2026)"),
    (date(2026, 1, 5), "202526", "the 2025/26 academic year (1 August 2025 to 31 July 2026)"),
    (date(2099, 9, 1), "209900", "the 2099/00 academic year (1 August 2099 to 31 July 2100)"),
])
def test_a_cohorts_open_data_is_for_the_academic_year_it_started_in(start, period, words):
    """A cohort's file is about the academic year (1 August to 31 July) of its figures' start date, written
    as EES writes an "Academic year": a period the checks accept, and the page says it in words."""
    assert summaries.academic_year(start) == period
    assert summaries.academic_year_in_words(period) == words
    pair = open_data.write("cohort", period, "Academic year", FILTERS, INDICATORS, ROWS, place=PLACE)
    assert open_data.problems(pair.data, pair.meta) == []
