"""Councils side by side: our cohort's published figures beside other councils' and England's.

Everything compared is open data in the Explore Education Statistics (EES) standard, read with
services/open_data.py: other councils' files as they published them, England's from a National
file, and ours written through the same format from the figures a share link would publish
(services/sharing.current_figures, written by summaries.open_data_file: already through disclosure
control, never raw counts).

Figures are lined up by their column names (`col_name`) and filter values, and shown exactly
as their files give them: a suppressed cell (`c`) stays suppressed, a figure a file does not have
is not available (`x`), and nothing is worked out from anything else.

Files are taken whole or not at all: a file with anything wrong is refused with the list of what
is wrong, and nothing is stored.
"""

from __future__ import annotations

import http.client
import io
import ipaddress
import socket
import ssl
import time
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import Cohort, ComparisonLink, CouncilFile, User, utcnow
from . import audit, open_data, sharing, summaries
from .errors import ServiceError
from .evidence import clean_filename
from .tokens import new_token, token_hash

LEVELS = {"National": "England", "Local authority": None}
TOTALS = ("total", "all")  # a filter's value in a row about every value
# Shown first, in this order, when a file has them; then the rest as the files give them.
FIRST = ("starts", "achievements", "withdrawals")
SYMBOLS = {open_data.SUPPRESSED: "not shown", open_data.UNAVAILABLE: "not available",
           open_data.NOT_APPLICABLE: "not applicable"}
USER_AGENT = "apprenticeships-comparison/1 (a council's apprenticeship programme)"


class NotInTheFormat(Exception):
    """A file refused: `problems` says what is wrong with it, each in a sentence."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Pair:
    """A data file and its metadata file, as text, ready to check."""

    filename: str
    data: str
    meta: str
    size: int


def level_code(level: str) -> str:
    """A geographic level as the audit log keeps it: "local_authority", "national" (a code, not words)."""
    return level.lower().replace(" ", "_")


def max_bytes() -> int:
    return current_app.config.get("COMPARISON_MAX_FILE_KB", 900) * 1024


def size_in_words(size: int) -> str:
    return f"{size // 1024:,} KB" if size >= 1024 else f"{size} bytes"


# Reading what was sent ---------------------------------------------------------------------------

def _shown(name: str) -> str:
    name = clean_filename(name)
    return name if len(name) <= 60 else name[:57] + "..."


def _text(name: str, raw: bytes, problems: list[str]) -> str:
    """The file as text: UTF-8 (as the standard asks), new lines as \\n, no control characters."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{_shown(name)} must be saved as UTF-8 text (CSV UTF-8)")
        return ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text):
        problems.append(f"{_shown(name)} has control characters in it, so it is not a CSV file")
        return ""
    if not text.strip():
        problems.append(f"{_shown(name)} is empty")
    return text


def _is_meta(name: str) -> bool:
    return name.lower().endswith(".meta.csv")


def from_files(files: list[tuple[str, bytes]]) -> Pair:
    """The pair from what was uploaded: the data file and its `.meta.csv`, or one ZIP holding both.
    Each file's bytes are read up to one more than the limit, so a larger one shows as larger."""
    limit = max_bytes()
    too_large = [f"{_shown(name)} must be smaller than {size_in_words(limit)}" for name, raw in files
                 if len(raw) > limit]
    if too_large:
        raise NotInTheFormat(too_large)
    if len(files) == 1 and (files[0][1][:4] == b"PK\x03\x04" or files[0][0].lower().endswith(".zip")):
        return from_zip(*files[0])
    metas = [f for f in files if _is_meta(f[0])]
    datas = [f for f in files if not _is_meta(f[0]) and f[0].lower().endswith(".csv")]
    if len(files) != 2 or len(metas) != 1 or len(datas) != 1:
        raise NotInTheFormat(["Select 2 files, the data file (.csv) and its metadata file (.meta.csv), "
                              "or one ZIP file holding both"])
    return _pair(datas[0], metas[0])


def _pair(data: tuple[str, bytes], meta: tuple[str, bytes]) -> Pair:
    problems: list[str] = []
    data_text, meta_text = _text(*data, problems), _text(*meta, problems)
    if problems:
        raise NotInTheFormat(problems)
    return Pair(clean_filename(data[0]), data_text, meta_text, len(data[1]) + len(meta[1]))


def from_zip(name: str, raw: bytes) -> Pair:
    """The data file and metadata file in a ZIP (as EES downloads come), each no larger than the limit."""
    limit = max_bytes()
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = [i for i in archive.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
                   and i.filename.lower().endswith(".csv")]
        metas = [i for i in members if _is_meta(i.filename)]
        datas = [i for i in members if not _is_meta(i.filename)]
        if len(metas) != 1 or len(datas) != 1:
            raise NotInTheFormat([f"{_shown(name)} must hold one data file (.csv) and its metadata file "
                                  f"(.meta.csv); it holds {len(datas)} data files and {len(metas)} metadata files"])
        files = []
        for info in (datas[0], metas[0]):
            if info.file_size > limit:
                raise NotInTheFormat([f"{_shown(info.filename)} in the ZIP must be smaller than "
                                      f"{size_in_words(limit)}"])
            with archive.open(info) as member:
                content = member.read(limit + 1)
            if len(content) > limit:
                raise NotInTheFormat([f"{_shown(info.filename)} in the ZIP must be smaller than "
                                      f"{size_in_words(limit)}"])
            files.append((info.filename.rsplit("/", 1)[-1], content))
    except (zipfile.BadZipFile, zlib.error, RuntimeError, NotImplementedError, EOFError, ValueError):
        raise NotInTheFormat([f"{_shown(name)} is not a ZIP file that can be opened"]) from None
    return _pair(files[0], files[1])


def check(pair: Pair) -> open_data.Table:
    """The pair read, or every problem with it."""
    problems = open_data.problems(pair.data, pair.meta)
    if problems:
        raise NotInTheFormat(problems)
    table = open_data.read(pair.data, pair.meta)
    # One place and one period a file: the comparison puts each file's figures in a column of their own.
    problems = []
    levels = sorted({r["geographic_level"] for r in table.rows})
    if len(levels) > 1:
        problems.append(f"The file has rows for {len(levels)} geographic levels ({', '.join(levels)}): add a file "
                        "with the rows of one level only (National for England, or one local authority's)")
    places = sorted({r.get("la_name", "") for r in table.rows if r["geographic_level"] == "Local authority"})
    if len(places) > 1:
        problems.append(f"The file has rows for {len(places)} local authorities: add a file with one local "
                        "authority's rows")
    periods = sorted({(r["time_period"], r["time_identifier"]) for r in table.rows})
    if len(periods) > 1:
        problems.append(f"The file has rows for {len(periods)} time periods: add a file with the rows of one "
                        "period")
    if problems:
        raise NotInTheFormat(problems)
    if table.geographic_level not in LEVELS:
        raise NotInTheFormat([f"The file is for the geographic level {table.geographic_level}: add a file for "
                              "a local authority, or a National file for England"])
    if table.geographic_level == "Local authority" and not (table.la_name or "").strip():
        raise NotInTheFormat(["The file has no la_name: it must say which local authority its figures are for"])
    return table


# Fetching from an address ------------------------------------------------------------------------

class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to the address already checked, with the certificate checked for the host name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


def _allowed_address(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _get(url: str, deadline: float) -> bytes:
    """The body at `url`: https only, to a public address (both unless COMPARISON_FETCH_ALLOW_PRIVATE),
    no redirects followed, within the size limit and the time allowed."""
    allow_private = current_app.config.get("COMPARISON_FETCH_ALLOW_PRIVATE", False)
    limit = max_bytes()
    parts = urlsplit(url)
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise NotInTheFormat(["The address must start with https://"])
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise NotInTheFormat(["Enter a real address, like https://www.example.gov.uk/data.zip"]) from None
    if not parts.hostname or parts.username or parts.password:
        raise NotInTheFormat(["Enter a real address, like https://www.example.gov.uk/data.zip"])
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError):
        raise NotInTheFormat([f"No server could be found at {parts.hostname}"]) from None
    addresses = [info[4][0] for info in found]
    if not allow_private and not all(_allowed_address(a) for a in addresses):
        raise NotInTheFormat(["The address must be on the internet, not a private network"])
    connection_class = _PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP
    timeout = max(0.1, deadline - time.monotonic())
    connection = connection_class(parts.hostname, addresses[0], port, timeout)
    try:
        connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                           headers={"User-Agent": USER_AGENT, "Accept": "*/*"})
        response = connection.getresponse()
        if response.status != 200:
            where = " (it moves elsewhere: enter the address it moves to)" if 300 <= response.status < 400 else ""
            raise NotInTheFormat([f"The server answered {response.status} for {_shown(parts.path)}{where}"])
        length = response.getheader("Content-Length")
        if length and length.isdigit() and int(length) > limit:
            raise NotInTheFormat([f"The file at the address must be smaller than {size_in_words(limit)}"])
        body = b""
        while len(body) <= limit:
            if time.monotonic() > deadline:
                raise NotInTheFormat(["The server took too long to send the file"])
            chunk = response.read(min(65536, limit + 1 - len(body)))
            if not chunk:
                break
            body += chunk
        if len(body) > limit:
            raise NotInTheFormat([f"The file at the address must be smaller than {size_in_words(limit)}"])
        return body
    except TimeoutError:
        raise NotInTheFormat(["The server took too long to send the file"]) from None
    except (OSError, http.client.HTTPException, ssl.SSLError):
        raise NotInTheFormat([f"The file could not be fetched from {parts.hostname}"]) from None
    finally:
        connection.close()


def fetch(url: str) -> Pair:
    """The pair at an address: a ZIP holding both, or a data file with its `.meta.csv` beside it."""
    deadline = time.monotonic() + current_app.config.get("COMPARISON_FETCH_TIMEOUT", 5)
    path = urlsplit(url).path
    name = path.rsplit("/", 1)[-1] or "file"
    body = _get(url, deadline)
    if body[:4] == b"PK\x03\x04":
        return from_zip(name, body)
    if not path.lower().endswith(".csv") or _is_meta(path):
        raise NotInTheFormat(["The address must be of a ZIP file, or of a data file (.csv) with its metadata "
                              "file (.meta.csv) beside it"])
    parts = urlsplit(url)
    meta_url = parts._replace(path=path[:-len(".csv")] + ".meta.csv").geturl()
    return _pair((name, body), (name[:-len(".csv")] + ".meta.csv", _get(meta_url, deadline)))


# Storing and removing ----------------------------------------------------------------------------

def add(actor: User, pair: Pair, table: open_data.Table, source_url: str | None = None) -> CouncilFile:
    name = LEVELS[table.geographic_level] or (table.la_name or "").strip()
    file = CouncilFile(name=name[:120], geographic_level=table.geographic_level, time_period=table.time_period[:20],
                       time_identifier=table.time_identifier[:60], filename=pair.filename, source_url=source_url,
                       data=pair.data, meta=pair.meta, size_bytes=max(1, pair.size), added_by_id=actor.id)
    db.session.add(file)
    db.session.flush()
    audit.record(actor, "council_file.added", file, level=level_code(table.geographic_level), rows=len(table.rows))
    return file


def remove(actor: User, file: CouncilFile) -> None:
    audit.record(actor, "council_file.removed", file, level=level_code(file.geographic_level))
    db.session.delete(file)
    db.session.flush()


def files() -> list[CouncilFile]:
    """Every file added: councils by name, then England."""
    return list(db.session.scalars(sa.select(CouncilFile).order_by(
        (CouncilFile.geographic_level == "National"), CouncilFile.name, CouncilFile.time_period.desc(),
        CouncilFile.id)))


# The comparison ----------------------------------------------------------------------------------

def period_in_words(time_period: str, time_identifier: str) -> str:
    if len(time_period) == 6 and time_period.isdigit():
        return f"{time_identifier} {time_period[:4]}/{time_period[4:]}".strip()
    return f"{time_identifier} {time_period}".strip()


def _is_total(value: str | None) -> bool:
    return (value or "").strip().lower() in TOTALS


def _value(row: dict[str, str] | None, indicator: str) -> str:
    if row is None or indicator not in row:
        return open_data.UNAVAILABLE
    value = (row.get(indicator) or "").strip()
    return value or open_data.UNAVAILABLE


@dataclass
class _Source:
    name: str
    kind: str  # "ours", "council" or "england"
    table: open_data.Table

    @property
    def filter_names(self) -> set[str]:
        return {f.name for f in self.table.filters}

    @property
    def indicator_names(self) -> set[str]:
        return {i.name for i in self.table.indicators}

    def total_row(self) -> dict[str, str] | None:
        return next((r for r in self.table.rows if all(_is_total(r.get(f)) for f in self.filter_names)), None)

    def breakdown_rows(self, column: str) -> dict[str, dict[str, str]]:
        """The rows of one breakdown (that filter set, every other filter at its total), by category."""
        if column not in self.filter_names:
            return {}
        found: dict[str, dict[str, str]] = {}
        for row in self.table.rows:
            category = (row.get(column) or "").strip()
            if category and not _is_total(category) and all(_is_total(row.get(f)) for f in self.filter_names
                                                             if f != column):
                found.setdefault(category, row)
        return found


def _columns(sources: list[_Source], attribute: str) -> list[open_data.Column]:
    """Every source's columns of a kind, each name once (labelled as its first file labels it)."""
    seen: dict[str, open_data.Column] = {}
    for source in sources:
        for column in getattr(source.table, attribute):
            seen.setdefault(column.name, column)
    ordered = [seen[name] for name in FIRST if name in seen] if attribute == "indicators" else []
    return ordered + [c for name, c in seen.items() if c not in ordered]


def build(cohort: Cohort, published: dict[str, Any], council_files: list[CouncilFile], organisation: str
          ) -> dict[str, Any]:
    """The comparison as it may be shown to anyone: plain data (it is what a share link keeps).
    Without the council's codes our own figures cannot be written as open data: `ours_missing`
    then says why, and the others are compared with each other."""
    sources, ours_missing = [], None
    try:
        ours = summaries.open_data_file(cohort, published)
    except ServiceError as refused:
        ours_missing = str(refused)
    else:
        sources.append(_Source(organisation, "ours", open_data.read(ours.data, ours.meta)))
    for file in council_files:
        sources.append(_Source(file.name, "england" if file.geographic_level == "National" else "council",
                               open_data.read(file.data, file.meta)))
    totals = [s.total_row() for s in sources]
    indicators = _columns(sources, "indicators")
    headline = [{"name": i.name, "label": i.label, "unit": i.unit,
                 "values": [_value(row, i.name) if i.name in s.indicator_names else open_data.UNAVAILABLE
                            for s, row in zip(sources, totals, strict=True)]}
                for i in indicators]
    breakdowns = []
    for column in _columns(sources, "filters"):
        by_source = [s.breakdown_rows(column.name) for s in sources]
        categories = list(dict.fromkeys(c for rows in by_source for c in rows))
        if not categories:
            continue
        for indicator in indicators:
            rows = [{"category": category,
                     "values": [_value(rows.get(category), indicator.name) if rows else open_data.UNAVAILABLE
                                for rows in by_source]} for category in categories]
            if any(v not in (open_data.UNAVAILABLE, open_data.NOT_APPLICABLE) for r in rows for v in r["values"]):
                breakdowns.append({"filter": column.name, "label": column.label, "indicator": indicator.name,
                                   "indicator_label": indicator.label, "unit": indicator.unit, "rows": rows})
    return {
        "cohort": cohort.name,
        "sources": [{"name": s.name, "kind": s.kind,
                     "period": period_in_words(s.table.time_period, s.table.time_identifier)} for s in sources],
        "headline": headline,
        "breakdowns": breakdowns,
        "has_england": any(s.kind == "england" for s in sources),
        "ours_missing": ours_missing,
        "threshold": published.get("threshold"),
    }


def number(value: str) -> float | None:
    """A figure as a number, or None for a symbol or anything that is not one."""
    try:
        result = float(value.replace(",", ""))
    except (ValueError, AttributeError):
        return None
    return result if result == result and abs(result) != float("inf") else None


def in_words(value: str, unit: str = "") -> str:
    """How a figure is shown: the number with its unit, or what its symbol means."""
    if value in SYMBOLS:
        return SYMBOLS[value]
    figure = number(value)
    if figure is None:
        return value
    text = f"{figure:,.0f}" if figure == int(figure) else f"{figure:,}"
    return f"£{text}" if unit == "£" else f"{text}{unit}"


# Share links -------------------------------------------------------------------------------------

def create_link(actor: User, cohort: Cohort, label: str, expires_on: date | None, today: date, organisation: str
                ) -> tuple[ComparisonLink, str]:
    """A link to the comparison as it stands: the cohort's figures as published (publication.publish keeps
    them safe against everything else published about the cohort) beside the files added."""
    publication = sharing.published(cohort, today)
    published = build(cohort, publication.figures, files(), organisation)
    if published["ours_missing"]:
        raise ServiceError(published["ours_missing"])
    token = new_token()
    link = ComparisonLink(cohort=cohort, label=label, token_hash=token_hash(token), expires_on=expires_on,
                          published=published, figures_as_of=publication.as_of, created_by_id=actor.id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "comparison_link.created", link, councils=len(published["sources"]) - 1)
    return link, token


def revoke_link(actor: User, link: ComparisonLink) -> None:
    link.revoked_at = utcnow()
    audit.record(actor, "comparison_link.revoked", link)
    db.session.flush()


def links() -> list[tuple[ComparisonLink, str, str | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(ComparisonLink, Cohort.name, User.name).join(Cohort, Cohort.id == ComparisonLink.cohort_id)
        .outerjoin(User, User.id == ComparisonLink.created_by_id).order_by(ComparisonLink.created_at.desc()))]


def open_link(token: str, today: date) -> ComparisonLink | None:
    """The link for this token if it may be read now (not revoked, not expired); counts the view."""
    link = db.session.scalar(sa.select(ComparisonLink).where(ComparisonLink.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or (link.expires_on is not None and link.expires_on < today):
        return None
    sharing.count_view(ComparisonLink, link)
    return link
