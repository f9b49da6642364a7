"""What the council's levy transfers achieved, per pledge and overall, and the summary of them that
anyone holding a share link can read (issue 17).

The coordinator's own figures (`outcomes`) are exact: starts, completions, withdrawals, apprentices
who live in the borough, and money pledged, committed and used. The shared summary is published
with the same disclosure rules as a cohort's summary: counts through services/disclosure.py (small
counts not shown, with the reason; a breakdown where one count is hidden hides another so it cannot
be worked out from the total; everyone in one group shows none of it), rounded to 5 when the
programme's setting says so, and each new version checked against every version published before by
services/publication.py's differencing rule, so two versions never differ by one apprentice. Money
used is a sum over apprentices, so it is published only over at least the threshold's number of
apprentices, as a cohort's total hours are; what a pledge offers is public already (DfE lists
pledges), so it is always shown. Aggregates only: no apprentice's reference, price or dates leaves.
The published figures download as CSV (`csv_rows`) and as open data in DfE's format (`open_data_file`,
written by services/open_data.py as the cohort summaries and the sector return are), never raw ones.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    ApplicationStatus,
    LevyApplication,
    LevyPledge,
    LevyTransaction,
    PledgeStatus,
    ProgrammeSettings,
    ShareMode,
    TransactionKind,
    TransferApprentice,
    TransferOutcome,
    TransferPublishedVersion,
    TransferShareLink,
    User,
    utcnow,
)
from . import audit, changes, disclosure, open_data, publication, sharing
from .errors import ServiceError
from .levy_transfers import COMMITTED, FUNDED, total
from .pagination import Page, paginate
from .sector_return import FinancialYear, financial_year_of
from .tokens import new_token, token_hash

PAGE_SIZE = 50


@dataclass(frozen=True)
class Outcomes:
    """What the transfers of one pledge (or of all of them) achieved, exactly."""

    pledged: int = 0
    committed: int = 0
    used: int = 0
    starts: int = 0
    in_learning: int = 0
    completions: int = 0
    withdrawals: int = 0
    in_borough: int = 0
    employers: int = 0  # employer partners with funds accepted

    def __add__(self, other: Outcomes) -> Outcomes:
        return Outcomes(*(a + b for a, b in zip(self._values(), other._values(), strict=True)))

    def _values(self) -> tuple[int, ...]:
        return (self.pledged, self.committed, self.used, self.starts, self.in_learning, self.completions,
                self.withdrawals, self.in_borough, self.employers)


def _pledged_amount() -> sa.ColumnElement[int]:
    """What a pledge offers: its amount while open; once closed, what it had committed."""
    committed = (sa.select(total(LevyApplication.amount_pence))
                 .where(LevyApplication.pledge_id == LevyPledge.id, LevyApplication.status.in_(COMMITTED))
                 .scalar_subquery())
    return sa.case((LevyPledge.status == PledgeStatus.OPEN, LevyPledge.amount_pence), else_=committed)


def by_pledge(pledge_ids: list[int] | None = None) -> dict[int, Outcomes]:
    """Each pledge's outcomes (of these pledges, or all): three statements whatever the number."""
    def only(column):
        return [column.in_(pledge_ids)] if pledge_ids is not None else []

    found: dict[int, dict[str, int]] = {}
    for pledge_id, pledged, committed, employers in db.session.execute(
            sa.select(LevyPledge.id, _pledged_amount(),
                      sa.select(total(LevyApplication.amount_pence))
                      .where(LevyApplication.pledge_id == LevyPledge.id, LevyApplication.status.in_(COMMITTED))
                      .scalar_subquery(),
                      sa.select(sa.func.count(sa.distinct(LevyApplication.employer_id)))
                      .where(LevyApplication.pledge_id == LevyPledge.id, LevyApplication.status.in_(FUNDED))
                      .scalar_subquery())
            .where(*only(LevyPledge.id))):
        found[pledge_id] = {"pledged": int(pledged), "committed": int(committed), "employers": int(employers)}
    for pledge_id, starts, in_learning, completions, withdrawals, in_borough in db.session.execute(
            sa.select(LevyApplication.pledge_id, sa.func.count(TransferApprentice.id),
                      *(total(sa.case((TransferApprentice.outcome == outcome, 1), else_=0))
                        for outcome in TransferOutcome),
                      total(sa.case((TransferApprentice.lives_in_borough.is_(True), 1),
                                                           else_=0)))
            .join(LevyApplication, LevyApplication.id == TransferApprentice.application_id)
            .where(*only(LevyApplication.pledge_id)).group_by(LevyApplication.pledge_id)):
        found.setdefault(pledge_id, {}).update(
            starts=int(starts), in_learning=int(in_learning), completions=int(completions),
            withdrawals=int(withdrawals), in_borough=int(in_borough))
    for pledge_id, used in db.session.execute(
            sa.select(LevyApplication.pledge_id, total(LevyTransaction.amount_pence))
            .join(TransferApprentice, TransferApprentice.id == LevyTransaction.transfer_apprentice_id)
            .join(LevyApplication, LevyApplication.id == TransferApprentice.application_id)
            .where(LevyTransaction.kind == TransactionKind.TRANSFER, *only(LevyApplication.pledge_id))
            .group_by(LevyApplication.pledge_id)):
        found.setdefault(pledge_id, {})["used"] = int(used)
    return {pledge_id: Outcomes(**values) for pledge_id, values in found.items()}


def overall(figures: dict[int, Outcomes] | None = None) -> Outcomes:
    """Every pledge's outcomes (`figures`, when already worked out) added up; employers counted once
    however many pledges funded them."""
    total = sum((by_pledge() if figures is None else figures).values(), Outcomes())
    employers = db.session.scalar(sa.select(sa.func.count(sa.distinct(LevyApplication.employer_id)))
                                  .where(LevyApplication.status.in_(FUNDED)))
    return Outcomes(*total._values()[:-1], employers)


@dataclass(frozen=True)
class PledgeOutcomes:
    pledge: LevyPledge
    outcomes: Outcomes


def pledges_page(page: int) -> Page:
    """A page of pledges (newest first) with each one's outcomes: five statements."""
    found = paginate(sa.select(LevyPledge).order_by(LevyPledge.year.desc(), LevyPledge.id.desc()), page, PAGE_SIZE)
    figures = by_pledge([p.id for p in found.items])
    return Page([PledgeOutcomes(p, figures.get(p.id, Outcomes())) for p in found.items], found.number, found.size,
                found.total)


# ---------------------------------------------------------------------------------------------
# The shared summary

OUTCOME_LABELS = {TransferOutcome.IN_LEARNING: "In learning", TransferOutcome.COMPLETED: "Completed",
                  TransferOutcome.WITHDRAWN: "Withdrawn"}
BOROUGH_LABELS = ("Live in the borough", "Live elsewhere")
# Headline counts, rounded with the breakdowns when the programme rounds published counts.
COUNTS = ("starts", "employers")
COUNT_BREAKDOWNS = ("outcomes", "living_in_borough", "starts_by_pledge")


def _pounds(pence: int) -> int:
    return (pence + 50) // 100


def raw_figures() -> dict[str, Any]:
    """The exact aggregates behind the summary (not safe to publish as they are): plain values."""
    pledges = list(db.session.execute(sa.select(LevyPledge.id, LevyPledge.title, LevyPledge.year, LevyPledge.status)
                                      .order_by(LevyPledge.year, LevyPledge.id)))
    figures = by_pledge()
    everyone = overall(figures)
    # Two pledges may share a title: the label a reader sees names the year, and the id when still the same.
    labels, seen = {}, set()
    for pledge_id, title, year, _ in pledges:
        label = f"{title} ({FinancialYear(year).label})"
        labels[pledge_id] = label if label not in seen else f"{label}, pledge {pledge_id}"
        seen.add(labels[pledge_id])
    return {
        "pledges": [{"label": labels[pid], "open": status.value == "open", "pledged": one.pledged,
                     "starts": one.starts, "used": one.used}
                    for pid, _, _, status in pledges for one in [figures.get(pid, Outcomes())]],
        "starts": everyone.starts, "employers": everyone.employers, "used": everyone.used,
        "pledged": everyone.pledged,
        "outcomes": {label: getattr(everyone, key) for label, key in zip(
            OUTCOME_LABELS.values(), ("in_learning", "completions", "withdrawals"), strict=True)},
        "living_in_borough": dict(zip(BOROUGH_LABELS, (everyone.in_borough, everyone.starts - everyone.in_borough),
                                      strict=True)),
    }


def _cells(counts: dict[str, int], threshold: int) -> list[dict]:
    return [{"label": c.label, "value": c.value, "hidden": c.reason} for c in disclosure.protect(counts, threshold)]


def _money_cells(pledges: list[dict], threshold: int, total_shown: bool) -> list[dict]:
    """Money used per pledge, in pounds: hidden over 1 to threshold-1 apprentices (a sum over so few could
    tell what one apprentice's training cost); where exactly one is hidden and the total is shown, the
    smallest other one with money used is hidden too, so it cannot be worked out by subtraction."""
    hidden = {p["label"]: disclosure.SMALL_BASE for p in pledges if 0 < p["starts"] < threshold}
    if len(hidden) == 1 and total_shown:
        others = sorted((p["used"] == 0, p["used"], p["label"]) for p in pledges if p["label"] not in hidden)
        if others:
            hidden[others[0][2]] = disclosure.SECONDARY
    return [{"label": p["label"], "value": None if p["label"] in hidden else _pounds(p["used"]),
             "hidden": hidden.get(p["label"])} for p in pledges]


def publish(raw: dict[str, Any], threshold: int, round_to_five: bool = False) -> dict[str, Any]:
    """What may be shown to anyone: every count through disclosure control, money used only over enough
    apprentices, and (with the setting) counts rounded to 5. `hidden` names, for each headline figure
    not shown, the rule that hid it."""
    starts = disclosure.count_figure(raw["starts"], threshold)
    employers = disclosure.count_figure(raw["employers"], threshold)
    used = (disclosure.Figure(_pounds(raw["used"])) if raw["starts"] >= threshold
            else disclosure.Figure(None, disclosure.SMALL_BASE))
    published = {
        "threshold": threshold,
        # What each pledge offers: public on DfE's service, about no one (publication.NOT_FIGURES).
        "pledged": {"total": _pounds(raw["pledged"]),
                    "pledges": [{"label": p["label"], "pounds": _pounds(p["pledged"]), "open": p["open"]}
                                for p in raw["pledges"]]},
        "starts": starts.value,
        "employers": employers.value,
        "used": used.value,
        "outcomes": _cells(raw["outcomes"], threshold),
        "living_in_borough": _cells(raw["living_in_borough"], threshold),
        "starts_by_pledge": _cells({p["label"]: p["starts"] for p in raw["pledges"]}, threshold),
        "used_by_pledge": _money_cells(raw["pledges"], threshold, used.value is not None),
        "hidden": {key: figure.reason for key, figure in (("starts", starts), ("employers", employers),
                                                          ("used", used)) if figure.reason},
    }
    if round_to_five:
        for key in COUNTS:
            published[key] = publication.rounded(published[key])
        for key in COUNT_BREAKDOWNS:
            published[key] = [{**cell, "value": publication.rounded(cell["value"])} for cell in published[key]]
        published["rounded_to"] = publication.ROUND_TO
    return published


COUNTED = {"employers": "employer partners", "starts": "apprentices"}


def why_hidden(published: dict[str, Any]) -> dict[str, str]:
    """For each headline figure not shown, why not, in words."""
    threshold = published["threshold"]
    return {key: PAID_FOR_FEW.format(threshold=threshold) if reason == disclosure.SMALL_BASE
            else disclosure.explain(reason, threshold, COUNTED.get(key, "people"))
            for key, reason in (published.get("hidden") or {}).items()}


# Why money used is not shown: a sum over so few apprentices could tell what one apprentice's training cost.
PAID_FOR_FEW = "it was paid for fewer than {threshold} apprentices"


def why_cell_hidden(cell: dict[str, Any], threshold: int) -> str:
    """What a table says in place of a hidden figure."""
    if cell["hidden"] == disclosure.PRIMARY:
        return f"fewer than {threshold}"
    if cell["hidden"] == disclosure.SMALL_BASE:
        return f"not shown: {PAID_FOR_FEW.format(threshold=threshold)}"
    return f"not shown: {disclosure.explain(cell['hidden'], threshold)}" if cell["hidden"] else "not shown"


def current_figures(today: date) -> dict[str, Any]:
    """The figures as they may be published today: kept until the data or the date changes."""
    def work_out() -> dict[str, Any]:
        settings = ProgrammeSettings.current()
        return publish(raw_figures(), settings.disclosure_threshold, settings.round_to_five)

    return copy.deepcopy(changes.cached(("levy-transfers-summary", today), work_out))


TOO_CLOSE = ("The figures cannot be published today: they differ too little from figures published about the "
             "transfers before, under a smaller threshold than now. Try again when more has changed.")


def published(today: date) -> publication.Publication:
    """What may be published now (the differencing rule, services/publication.py), or a refusal."""
    found = publication.publish_in(TransferPublishedVersion, {}, current_figures(today))
    if found is None:
        raise ServiceError(TOO_CLOSE)
    return found


# ---------------------------------------------------------------------------------------------
# Downloads: the published figures (never raw ones) as CSV, and as open data in DfE's format


def download(actor: User, today: date, what: str) -> publication.Publication:
    """A coordinator's download of the figures a share link would publish today (`what`: "csv" or
    "open_data"): published like a link's, so the differencing rule holds across both, and noted in the
    audit log (the file leaves the service, as a link's figures do)."""
    now = published(today)
    audit.record(actor, "transfer_figures.exported", TransferPublishedVersion.__tablename__, file=what)
    return now


MONEY_MEASURES = {"pledged": "pledged_pounds", "used": "used_pounds", "used_by_pledge": "used_by_pledge_pounds"}


def csv_rows(published: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Every published figure as (measure, category, value), saying why a figure is not shown as the
    page does; money in whole pounds (its measure says so)."""
    why, threshold = why_hidden(published), published["threshold"]
    rows = [(MONEY_MEASURES["pledged"], "", str(published["pledged"]["total"]))]
    rows += [(MONEY_MEASURES["pledged"], p["label"], str(p["pounds"])) for p in published["pledged"]["pledges"]]
    for key in ("used", *COUNTS):
        value = published[key]
        shown = value if value is not None else f"not shown: {why[key]}" if key in why else "not shown"
        rows.append((MONEY_MEASURES.get(key, key), "", str(shown)))
    for key in (*COUNT_BREAKDOWNS, "used_by_pledge"):
        for cell in published[key]:
            shown = cell["value"] if cell["value"] is not None else why_cell_hidden(cell, threshold)
            rows.append((MONEY_MEASURES.get(key, key), cell["label"], str(shown)))
    if published.get("rounded_to"):
        rows.append(("rounded_to", "", str(published["rounded_to"])))
    return rows


OPEN_DATA_FILTERS = [
    # Its hint says the figures are cumulative, with the day (`open_data_file`, by `coverage`).
    open_data.Column("pledge", "Pledge", "Filter", hint="The council’s pledges of its levy to local employers"),
    open_data.Column("status_now", "Where the apprentices are now", "Filter"),
    open_data.Column("residence", "Where the apprentices live", "Filter"),
]
OPEN_DATA_INDICATORS = [
    open_data.Column("starts", "Apprentices started", "Indicator"),
    open_data.Column("employers", "Employers funded", "Indicator"),
    open_data.Column("used", "Paid for training and assessment", "Indicator", unit="£", dp=0),
    open_data.Column("pledged", "Pledged to local employers", "Indicator", unit="£", dp=0),
]


def _items(labels: list[str]) -> dict[str, str]:
    """Each label as a filter's value may be (open_data.MAX_ITEM characters at most), still one of a kind."""
    made: dict[str, str] = {}
    for label in labels:
        item, n = label, 1
        while len(item) > open_data.MAX_ITEM or item in made.values():
            n += 1
            end = f"… ({n})"
            item = label[:open_data.MAX_ITEM - len(end)].rstrip() + end
        made[label] = item
    return made


def open_data_period(as_of: datetime | date) -> FinancialYear:
    """The time period of the open data: the financial year the figures are as of."""
    return financial_year_of(as_of.date() if isinstance(as_of, datetime) else as_of)


def coverage(as_of: datetime | date) -> str:
    """What the figures count, in words, for the metadata: they are cumulative, not the time period's alone."""
    day = as_of.date() if isinstance(as_of, datetime) else as_of
    return (f"All pledges up to {day.day} {day:%B %Y}: cumulative, every pledge since the first and what it "
            "achieved, not only in the financial year of the time period. Total: all of them")


def open_data_file(published: dict[str, Any], as_of: datetime | date) -> open_data.OpenDataFile:
    """Published figures as an EES pair (open_data.write), for the financial year they are as of, every pledge
    so far counted (cumulative: the pledge filter's hint says so, "All pledges up to <date>", `coverage`): a row of
    totals, one for each pledge (its starts, money used and offered; employers per pledge are not
    published, x), and one for each category of where the apprentices are now and where they live (their
    starts; money and employers have no meaning there, z). A figure not published is c."""
    total = dict.fromkeys((f.name for f in OPEN_DATA_FILTERS), "Total")
    not_applicable = dict.fromkeys(("employers", "used", "pledged"), open_data.NOT_APPLICABLE)
    rows: list[dict[str, object]] = [{**total, "starts": published["starts"], "employers": published["employers"],
                                      "used": published["used"], "pledged": published["pledged"]["total"]}]
    starts = {c["label"]: c["value"] for c in published["starts_by_pledge"]}
    used = {c["label"]: c["value"] for c in published["used_by_pledge"]}
    offers = published["pledged"]["pledges"]
    items = _items([p["label"] for p in offers])
    for offer in offers:
        label = offer["label"]
        rows.append({**total, "pledge": items[label], "starts": starts.get(label), "employers": open_data.UNAVAILABLE,
                     "used": used.get(label), "pledged": offer["pounds"]})
    for column, key in (("status_now", "outcomes"), ("residence", "living_in_borough")):
        for cell in published[key]:
            rows.append({**total, column: cell["label"], "starts": cell["value"], **not_applicable})
    year = open_data_period(as_of)
    filters = [replace(f, hint=coverage(as_of)) if f.name == "pledge" else f for f in OPEN_DATA_FILTERS]
    return open_data.write(f"levy_transfers_cumulative_{year.time_period}", year.time_period, "Financial year",
                           filters, OPEN_DATA_INDICATORS, rows)


def create_link(actor: User, label: str, expires_on: date | None, mode: ShareMode, narrative: str | None,
                today: date) -> tuple[TransferShareLink, str]:
    """A share link to the summary of transfers; its token is returned once and only its hash kept."""
    token = new_token()
    now = published(today)
    link = TransferShareLink(label=label, token_hash=token_hash(token), mode=mode, narrative=narrative,
                             expires_on=expires_on, created_by_id=actor.id, published_figures=now.figures,
                             figures_as_of=now.as_of)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "transfer_link.created", link, mode=mode.value)
    db.session.flush()
    return link, token


def revoke_link(actor: User, link: TransferShareLink) -> None:
    if link.revoked_at is not None:
        raise ServiceError(f"The link for {link.label} has already been revoked")
    link.revoked_at = utcnow()
    audit.record(actor, "transfer_link.revoked", link)
    db.session.flush()


def links() -> list[tuple[TransferShareLink, str | None]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(TransferShareLink, User.name).outerjoin(User, User.id == TransferShareLink.created_by_id)
        .order_by(TransferShareLink.created_at.desc(), TransferShareLink.id.desc()))]


def open_link(token: str, today: date) -> TransferShareLink | None:
    """The link for this token if it may be read now (not revoked, not expired); counts the view. A live
    link moves on to today's figures when the differencing rule lets them out."""
    link = db.session.scalar(sa.select(TransferShareLink).where(TransferShareLink.token_hash == token_hash(token)))
    if link is None or link.revoked_at is not None or (link.expires_on is not None and link.expires_on < today):
        return None
    if link.mode == ShareMode.LIVE:
        now = publication.publish_in(TransferPublishedVersion, {}, current_figures(today))
        if now is not None and now.figures != link.published_figures:
            link.published_figures, link.figures_as_of = now.figures, now.as_of
    sharing.count_view(TransferShareLink, link)
    return link


def statuses_counted() -> dict[ApplicationStatus, int]:
    """How many applications are in each of DfE's statuses: one statement."""
    counts = dict.fromkeys(ApplicationStatus, 0)
    counts.update(dict(db.session.execute(sa.select(LevyApplication.status, sa.func.count())
                                          .group_by(LevyApplication.status)).all()))
    return counts
