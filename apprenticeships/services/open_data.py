"""Open data in the Explore Education Statistics (EES) open data standard: a tidy data CSV and its
`.meta.csv`, written for what the council publishes and read back from other councils' files.

The public sector return (services/sector_return.py) writes its file with `write`; the comparison
of councils (services/comparison.py) checks an uploaded pair with `problems` and reads it with `read`.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal

SUPPRESSED = "c"  # a count not published (disclosure control)
NOT_APPLICABLE = "z"  # no figure could exist here
UNAVAILABLE = "x"  # a figure that exists but is not available

# Columns every EES data file has; local authority files add LA_COLUMNS.
MANDATORY = ("time_period", "time_identifier", "geographic_level", "country_code", "country_name")
LA_COLUMNS = ("old_la_code", "new_la_code", "la_name")

SYMBOLS = (SUPPRESSED, NOT_APPLICABLE, UNAVAILABLE, "low", "u")  # GSS symbols EES accepts in an indicator
LEGACY_SYMBOLS = ("~", ":")  # older symbols the standard no longer accepts
META_COLUMNS = ("col_name", "col_type", "label", "indicator_grouping", "indicator_unit", "indicator_dp",
                "filter_hint", "filter_grouping_column")
OPTIONAL_META_COLUMNS = ("filter_default",)
UNITS = ("", "%", "£", "£m", "pp")
ENGLAND = ("E92000001", "England")

# time_identifier values and the length of the time_period each goes with (EES "allowable time values").
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_QUARTERS = tuple(f"{base} Q{q}" for base in ("Calendar year", "Financial year", "Academic year", "Tax year")
                  for q in range(1, 5))
FOUR_DIGIT_IDENTIFIERS = frozenset(("Calendar year", "Reporting year", *_MONTHS,
                                    *(q for q in _QUARTERS if q.startswith("Calendar")),
                                    *(f"Week {n}" for n in range(1, 54))))
SIX_DIGIT_IDENTIFIERS = frozenset(("Academic year", "Financial year", "Tax year", "Autumn term", "Spring term",
                                   "Summer term", "Autumn and spring term",
                                   *(q for q in _QUARTERS if not q.startswith("Calendar")),
                                   "Financial year part 1 (April to September)",
                                   "Financial year part 2 (October to March)"))
TIME_IDENTIFIERS = FOUR_DIGIT_IDENTIFIERS | SIX_DIGIT_IDENTIFIERS

# geographic_level values, and the columns each level's rows must fill in.
LEVEL_COLUMNS = {
    "National": ("country_code", "country_name"),
    "Regional": ("region_code", "region_name"),
    "Local authority": ("old_la_code", "new_la_code", "la_name"),
    "Local authority district": ("lad_code", "lad_name"),
    "Parliamentary constituency": ("pcon_code", "pcon_name"),
    "Local skills improvement plan area": ("lsip_code", "lsip_name"),
    "Local enterprise partnership": ("local_enterprise_partnership_code", "local_enterprise_partnership_name"),
    "Mayoral combined authority": ("mayoral_combined_authority_code", "mayoral_combined_authority_name"),
    "Opportunity area": ("opportunity_area_code", "opportunity_area_name"),
    "Ward": ("ward_code", "ward_name"),
    "RSC region": ("rsc_region_lead_name",),
    "MAT": ("trust_id", "trust_name"),
    "Sponsor": ("sponsor_id", "sponsor_name"),
    "School": ("school_laestab", "school_name"),
    "Provider": ("provider_ukprn", "provider_name"),
    "Institution": ("institution_id", "institution_name"),
}
# Columns that say when and where a row is about (observational units): never in the .meta.csv.
OBSERVATIONAL = frozenset((*MANDATORY, *(c for cols in LEVEL_COLUMNS.values() for c in cols),
                           "school_urn", "school_estab", "school_postcode", "provider_urn", "provider_upin",
                           "region_code", "region_name"))

# Limits: EES API data sets' character limits, and the largest file this service reads.
MAX_BYTES = 10 * 1024 * 1024
MAX_COLUMN_NAME = 50
MAX_LABEL = 80
MAX_ITEM = 120
MAX_LISTED = 20  # problems of one kind listed before "and N more"

_SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")
_NUMBER = re.compile(r"-?([0-9]+(\.[0-9]+)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_OLD_LA = re.compile(r"[0-9]{3}")
_NEW_LA = re.compile(r"[EWSN][0-9]{8}")
_TOTALS = ("Total", "total", "All", "all")


@dataclass(frozen=True)
class Column:
    """One filter or indicator column, as its row of the `.meta.csv` describes it."""

    name: str  # col_name: lower snake case
    label: str  # label: what a reader sees
    kind: str  # col_type: "Filter" or "Indicator"
    unit: str = ""  # indicator_unit: "" (a count), "%", "£"
    dp: int | None = None  # indicator_dp
    hint: str = ""  # filter_hint
    grouping: str = ""  # filter_grouping_column / indicator_grouping


@dataclass(frozen=True)
class OpenDataFile:
    """A data file and its metadata file, ready to download (`<stem>.csv` and `<stem>.meta.csv`)."""

    stem: str
    data: str
    meta: str


@dataclass(frozen=True)
class Table:
    """A file read back: its geography and period, its columns, and its rows as text (symbols kept)."""

    time_period: str
    time_identifier: str
    geographic_level: str  # "National" or "Local authority"
    la_name: str | None
    filters: list[Column] = field(default_factory=list)
    indicators: list[Column] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)


@dataclass(frozen=True)
class Council:
    """The council's codes, as the programme settings give them."""

    old_la_code: str
    new_la_code: str
    la_name: str


def council_set() -> bool:
    """Whether the programme settings hold the council's codes and name, so files can be written."""
    from ..models import ProgrammeSettings

    settings = ProgrammeSettings.current()
    return bool(settings.old_la_code and settings.new_la_code and settings.la_name)


def council() -> Council:
    """This council's codes from the programme settings; a refusal when they are not set yet."""
    from ..models import ProgrammeSettings
    from .errors import ServiceError

    settings = ProgrammeSettings.current()
    if not (settings.old_la_code and settings.new_la_code and settings.la_name):
        raise ServiceError("Enter the council’s local authority codes and name in the programme settings first.")
    return Council(settings.old_la_code, settings.new_la_code, settings.la_name)


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _number(value: object, dp: int | None) -> str:
    if isinstance(value, bool):
        raise ValueError("an indicator is a number or a symbol, not true or false")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float | Decimal):
        if dp is not None:
            return f"{value:.{dp}f}"
        text = f"{value:f}".rstrip("0").rstrip(".")
        return text or "0"
    if isinstance(value, str) and (value in SYMBOLS or _NUMBER.fullmatch(value)):
        return value
    raise ValueError(f"{value!r} is neither a number nor one of the symbols {', '.join(SYMBOLS)}")


def write(stem: str, time_period: str, time_identifier: str, filters: list[Column], indicators: list[Column],
          rows: list[dict[str, object]], place: Council | None = None) -> OpenDataFile:
    """A local authority file for this council (codes and name from the programme settings). Each row gives
    a value for every filter and indicator; None is written as SUPPRESSED unless the row gives a symbol.
    `place` gives the codes instead of the settings (tests, and files about another council)."""
    place = place or council()
    where = [time_period, time_identifier, "Local authority", *ENGLAND,
             place.old_la_code, place.new_la_code, place.la_name]
    data = [[*MANDATORY, *LA_COLUMNS, *(c.name for c in filters), *(c.name for c in indicators)]]
    for row in rows:
        cells = list(where)
        for column in filters:
            value = row[column.name]
            if value is None or value == "":
                raise ValueError(f"a row has no value for the filter {column.name}")
            cells.append(str(value))
        for column in indicators:
            value = row.get(column.name)
            cells.append(SUPPRESSED if value is None else _number(value, column.dp))
        data.append(cells)
    meta = [list(META_COLUMNS)]
    for column in filters:
        meta.append([column.name, "Filter", column.label, "", "", "", column.hint, column.grouping])
    for column in indicators:
        meta.append([column.name, "Indicator", column.label, column.grouping, column.unit,
                     "" if column.dp is None else str(column.dp), "", ""])
    return OpenDataFile(stem, _csv(data), _csv(meta))


def as_zip(pair: OpenDataFile) -> bytes:
    """The pair in one ZIP, as EES takes an upload and as its readers keep them: `<stem>.csv` and
    `<stem>.meta.csv` side by side, nothing else."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"{pair.stem}.csv", pair.data.encode("utf-8"))
        archive.writestr(f"{pair.stem}.meta.csv", pair.meta.encode("utf-8"))
    return out.getvalue()


class _Problems:
    """Problems found, each kind listed at most MAX_LISTED times and the rest counted."""

    def __init__(self):
        self.messages: list[str] = []
        self.listed: dict[str, int] = {}
        self.more: dict[str, int] = {}

    def add(self, kind: str, message: str) -> None:
        if self.listed.get(kind, 0) < MAX_LISTED:
            self.messages.append(message)
            self.listed[kind] = self.listed.get(kind, 0) + 1
        else:
            self.more[kind] = self.more.get(kind, 0) + 1

    def done(self) -> list[str]:
        return self.messages + [f"And {n} more {'problem' if n == 1 else 'problems'} like the ones above."
                                for n in self.more.values()]


def _text(content: str | bytes, which: str, found: _Problems) -> str | None:
    if isinstance(content, bytes):
        if len(content) > MAX_BYTES:
            found.add("size", f"The {which} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
            return None
        try:
            content = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            found.add("encoding", f"The {which} is not saved as UTF-8 text (save it as 'CSV UTF-8').")
            return None
    elif len(content.encode("utf-8")) > MAX_BYTES:
        found.add("size", f"The {which} is larger than {MAX_BYTES // (1024 * 1024)} MB.")
        return None
    content = content.removeprefix("\ufeff")
    if "\x00" in content:
        found.add("encoding", f"The {which} is not a text file.")
        return None
    if not content.strip():
        found.add("empty", f"The {which} is empty.")
        return None
    return content


def _rows(content: str, which: str, found: _Problems) -> tuple[list[str], list[list[str]]] | None:
    try:
        rows = list(csv.reader(io.StringIO(content, newline="")))
    except csv.Error as error:
        found.add("csv", f"The {which} cannot be read as CSV: {error}.")
        return None
    header, body = rows[0], [r for r in rows[1:] if r]  # a trailing empty line is not a row
    for number, row in enumerate(rows[1:], start=2):
        if row and len(row) != len(header):
            found.add(f"width-{which}", f"Row {number} of the {which} has {len(row)} cells, "
                                        f"but its header has {len(header)} columns.")
    return header, body


def _header(header: list[str], which: str, found: _Problems) -> None:
    seen = set()
    for position, name in enumerate(header, start=1):
        if not name.strip():
            found.add("header", f"Column {position} of the {which} has no name.")
            continue
        if name in seen:
            found.add("header", f"The {which} has more than one column named '{name}'.")
        seen.add(name)
        if " " in name:
            found.add("header", f"The column name '{name}' in the {which} has a space in it.")
        elif not _SNAKE.fullmatch(name):
            found.add("header", f"The column name '{name}' in the {which} is not in lower snake case "
                                "(lower case letters, digits and underscores, starting with a letter).")
        if len(name) > MAX_COLUMN_NAME:
            found.add("header", f"The column name '{name}' in the {which} is longer than {MAX_COLUMN_NAME} "
                                "characters.")


def _meta_problems(header: list[str], body: list[list[str]], found: _Problems) -> dict[str, dict[str, str]]:
    """The meta rows by col_name, after checking them."""
    missing = [c for c in META_COLUMNS if c not in header]
    if missing:
        found.add("meta-header", "The metadata file is missing the "
                                 f"{'column' if len(missing) == 1 else 'columns'} {', '.join(missing)}.")
    for name in header:
        if name not in META_COLUMNS and name not in OPTIONAL_META_COLUMNS:
            found.add("meta-header", f"The metadata file has a column '{name}' that the standard does not have.")
    if missing:
        return {}
    described: dict[str, dict[str, str]] = {}
    labels: dict[str, str] = {}
    for number, cells in enumerate(body, start=2):
        row = dict(zip(header, (c.strip() for c in cells), strict=False))
        name, kind, label = row.get("col_name", ""), row.get("col_type", ""), row.get("label", "")
        where = f"Row {number} of the metadata file"
        if not name:
            found.add("meta", f"{where} has no col_name.")
            continue
        where = f"{where} ({name})"
        if name in described:
            found.add("meta", f"{where} describes a column the metadata file already describes.")
            continue
        described[name] = row
        if " " in name:
            found.add("meta", f"{where}: the col_name has a space in it.")
        if name in OBSERVATIONAL:
            found.add("meta", f"{where}: {name} says when or where a row is about, so it is not described "
                              "in the metadata file.")
        if kind not in ("Filter", "Indicator"):
            found.add("meta", f"{where}: col_type must be 'Filter' or 'Indicator', not '{kind}'.")
        if not label:
            found.add("meta", f"{where} has no label.")
        elif len(label) > MAX_LABEL:
            found.add("meta", f"{where}: the label is longer than {MAX_LABEL} characters.")
        elif label in labels:
            found.add("meta", f"{where} has the same label as {labels[label]}.")
        labels.setdefault(label, name)
        if kind == "Filter":
            for column in ("indicator_grouping", "indicator_unit", "indicator_dp"):
                if row.get(column):
                    found.add("meta", f"{where} is a filter, so its {column} must be blank.")
        if kind == "Indicator":
            for column in ("filter_hint", "filter_grouping_column", "filter_default"):
                if row.get(column):
                    found.add("meta", f"{where} is an indicator, so its {column} must be blank.")
            if row.get("indicator_unit", "") not in UNITS:
                found.add("meta", f"{where}: indicator_unit must be blank or one of "
                                  f"{', '.join(u for u in UNITS if u)}, not '{row['indicator_unit']}'.")
            dp = row.get("indicator_dp", "")
            if dp and not re.fullmatch(r"[0-9]{1,2}", dp):
                found.add("meta", f"{where}: indicator_dp must be blank or a whole number from 0 to 99, "
                                  f"not '{dp}'.")
    for name, row in described.items():
        group = row.get("filter_grouping_column", "")
        if row.get("col_type") == "Filter" and group:
            if group == name:
                found.add("meta", f"The filter {name} is grouped by itself.")
            elif group in described:
                found.add("meta", f"The filter {name} is grouped by {group}, which is itself described in the "
                                  "metadata file: a grouping column is not a filter of its own.")
    return described


def problems(data: str | bytes, meta: str | bytes) -> list[str]:
    """What is wrong with a data file and its metadata, in plain English; empty when they follow the standard.

    Rows are numbered as a spreadsheet shows them: the header is row 1."""
    found = _Problems()
    data_text, meta_text = _text(data, "data file", found), _text(meta, "metadata file", found)
    parsed_data = _rows(data_text, "data file", found) if data_text is not None else None
    parsed_meta = _rows(meta_text, "metadata file", found) if meta_text is not None else None
    if parsed_data is None or parsed_meta is None:
        return found.done()
    header, body = parsed_data
    _header(header, "data file", found)
    described = _meta_problems(*parsed_meta, found)
    if not body:
        found.add("empty", "The data file has a header but no rows.")
    missing = [c for c in MANDATORY if c not in header]
    if missing:
        found.add("mandatory", f"The data file is missing the mandatory "
                               f"{'column' if len(missing) == 1 else 'columns'} {', '.join(missing)}.")
    for name in header:
        if name and name not in OBSERVATIONAL and name not in described and parsed_meta[0]:
            if name not in {row.get("filter_grouping_column") for row in described.values()}:
                found.add("undescribed", f"The column {name} in the data file is not described in the "
                                         "metadata file.")
    for name in described:
        if name not in header:
            found.add("unmatched", f"The metadata file describes a column {name} that the data file does not "
                                   "have.")
    for name, row in described.items():
        group = row.get("filter_grouping_column", "")
        if group and group not in header:
            found.add("unmatched", f"The filter {name} is grouped by {group}, which is not a column of the "
                                   "data file.")
    if missing:
        return found.done()

    filters = [n for n, r in described.items() if r.get("col_type") == "Filter" and n in header]
    filters += [g for r in described.values() if (g := r.get("filter_grouping_column")) and g in header
                and g not in filters]
    indicators = [n for n, r in described.items() if r.get("col_type") == "Indicator" and n in header]
    position = {name: i for i, name in enumerate(header)}
    identifiers = set()
    for number, cells in enumerate(body, start=2):
        if len(cells) != len(header):
            continue  # already said
        row = dict(zip(header, cells, strict=True))
        identifier, period, level = row["time_identifier"], row["time_period"], row["geographic_level"]
        identifiers.add(identifier)
        if identifier not in TIME_IDENTIFIERS:
            found.add("time_identifier", f"Row {number}: '{identifier}' in time_identifier is not one of the "
                                         "time identifiers the standard allows (such as 'Financial year').")
        elif identifier in FOUR_DIGIT_IDENTIFIERS and not re.fullmatch(r"[0-9]{4}", period):
            found.add("time_period", f"Row {number}: time_period must be a year of four digits (such as 2025) "
                                     f"for '{identifier}', not '{period}'.")
        elif identifier in SIX_DIGIT_IDENTIFIERS:
            if not re.fullmatch(r"[0-9]{6}", period):
                found.add("time_period", f"Row {number}: time_period must be six digits (such as 202425) for "
                                         f"'{identifier}', not '{period}'.")
            elif (int(period[:4]) + 1) % 100 != int(period[4:]):
                found.add("time_period", f"Row {number}: time_period '{period}' is not two years in a row "
                                         f"(for 2024 to 2025 it is 202425).")
        if level not in LEVEL_COLUMNS:
            found.add("geographic_level", f"Row {number}: '{level}' in geographic_level is not one of the "
                                          "geographic levels the standard allows (such as 'Local authority').")
        else:
            needed = ("country_code", "country_name", *LEVEL_COLUMNS[level])
            for column in needed:
                if column not in position:
                    found.add(f"level-column-{column}", f"The data file has {level} rows, so it needs a "
                                                        f"{column} column.")
                elif not row[column].strip():
                    found.add("geography-blank", f"Row {number}, column {column}: a {level} row needs this "
                                                 "filled in.")
            if level == "Local authority" and "old_la_code" in position and "new_la_code" in position:
                if row["old_la_code"] and not _OLD_LA.fullmatch(row["old_la_code"]):
                    found.add("code", f"Row {number}, column old_la_code: '{row['old_la_code']}' is not a "
                                      "three-digit code (such as 202).")
                if row["new_la_code"] and not _NEW_LA.fullmatch(row["new_la_code"]):
                    found.add("code", f"Row {number}, column new_la_code: '{row['new_la_code']}' is not a "
                                      "nine-character code (such as E09000033).")
        for column in OBSERVATIONAL & position.keys():
            if row[column] in _TOTALS:
                found.add("ob-total", f"Row {number}, column {column}: '{row[column]}' belongs in a filter; "
                                      "this column is left blank when a row is about every value.")
        for column in filters:
            value = row[column]
            if not value.strip():
                found.add("blank", f"Row {number}, column {column}: the filter is blank (use 'Total' for a row "
                                   "about every value).")
            elif value != value.strip():
                found.add("whitespace", f"Row {number}, column {column}: '{value}' has spaces before or after it.")
            elif len(value) > MAX_ITEM:
                found.add("item", f"Row {number}, column {column}: the value is longer than {MAX_ITEM} "
                                  "characters.")
        for column in indicators:
            value = row[column]
            if not value.strip():
                found.add("blank", f"Row {number}, column {column}: the indicator is blank (use c for a "
                                   "suppressed value, z for not applicable, x for not available).")
            elif value in LEGACY_SYMBOLS:
                found.add("legacy", f"Row {number}, column {column}: '{value}' is an old symbol; use c, z or x.")
            elif value not in SYMBOLS and not _NUMBER.fullmatch(value):
                found.add("indicator", f"Row {number}, column {column}: '{value}' is neither a number nor one of "
                                       f"the symbols {', '.join(SYMBOLS)}.")
    if len(identifiers & TIME_IDENTIFIERS) > 1 and (
            identifiers & FOUR_DIGIT_IDENTIFIERS and identifiers & SIX_DIGIT_IDENTIFIERS):
        found.add("time_mix", "The data file mixes time identifiers of four-digit and six-digit periods.")
    for column in filters:
        values = {cells[position[column]] for cells in body if len(cells) == len(header)}
        default = described.get(column, {}).get("filter_default") or "Total"
        if body and default not in values:
            found.add("total", f"The filter {column} has no '{default}' row: each filter needs a row about "
                               "every value, so readers see the total.")
    return found.done()


def read(data: str | bytes, meta: str | bytes) -> Table:
    """A pair with no problems, read."""
    if isinstance(data, bytes):
        data = data.decode("utf-8-sig")
    if isinstance(meta, bytes):
        meta = meta.decode("utf-8-sig")
    data_rows = [r for r in csv.reader(io.StringIO(data.removeprefix("\ufeff"), newline="")) if r]
    meta_rows = [r for r in csv.reader(io.StringIO(meta.removeprefix("\ufeff"), newline="")) if r]
    header, meta_header = data_rows[0], meta_rows[0]
    columns = [dict(zip(meta_header, (c.strip() for c in cells), strict=False)) for cells in meta_rows[1:]]

    def column(row: dict[str, str]) -> Column:
        filter_ = row["col_type"] == "Filter"
        dp = row.get("indicator_dp", "")
        return Column(name=row["col_name"], label=row["label"], kind=row["col_type"],
                      unit=row.get("indicator_unit", ""), dp=int(dp) if dp else None,
                      hint=row.get("filter_hint", ""),
                      grouping=row.get("filter_grouping_column" if filter_ else "indicator_grouping", ""))

    rows = [dict(zip(header, cells, strict=True)) for cells in data_rows[1:]]
    first = rows[0] if rows else {}
    return Table(
        time_period=first.get("time_period", ""), time_identifier=first.get("time_identifier", ""),
        geographic_level=first.get("geographic_level", ""), la_name=first.get("la_name") or None,
        filters=[column(r) for r in columns if r["col_type"] == "Filter"],
        indicators=[column(r) for r in columns if r["col_type"] == "Indicator"],
        rows=rows)
