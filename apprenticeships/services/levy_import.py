"""Importing an account's ledger from the apprenticeship service's "Download transactions" CSV.

All or nothing, with a preview, by the apprentice import's machinery (services/importing.py: the
file's text, its rows and their problems, the preview): every row is checked, every problem is
listed by its row, and nothing is stored unless every row is good. Money is read as decimals and
kept in whole pence (a figure with fractions of a penny, as DfE's file has, is rounded to the
nearest penny, halves up, and the row says so); never a float.

The columns read (a header row names them; others, such as Description, Training provider,
Cohort reference, Course level and the co-investment columns, are ignored, and the name in
"Apprentice" or "Learner" is never stored):

- Transaction date: the day DfE recorded it (07/03/2026 or 2026-03-07); its month is the ledger's month.
- Transaction type: Levy and Levy Adjustment (funds in), Payment (or Monthly, Completion, Balance,
  Balancing or Milestone Payment: a training payment), Transfer (a transfer payment sent), and
  Expired Levy (or Expired funds: what DfE says expired).
- Total: the amount of funds in, a transfer and an expiry (payments and transfers out are negative in
  DfE's file; the sign is read for funds in only).
- Paid from levy: what a payment took from the levy (the rest of its Total is co-investment, which is
  not the levy's); Paid from transfer, when the file has it, for a transfer.
- 10% top up: the government's top up within funds in (optional).
- Unique learner number: matches a payment to one of the council's apprentices held here; a payment
  for anyone else is kept with its course and no name (optional).
- Apprenticeship training course, or Course name: said on a payment or transfer (optional).
- PAYE scheme, Payroll month, Levy declared, English %: shown in the preview only (optional).

How duplicates are recognised, so that importing the same file again (or one overlapping it)
adds nothing:
- Funds in are one ledger row per month: a month's Levy and Levy Adjustment rows are added up
  (an adjustment corrects an earlier declaration, and the ledger holds no negative rows), and the
  month's imported row is recognised by the account and month. A month already held with another
  total is a problem, not a second row; so is funds in typed in by hand for the month, unless it is
  the same amount (then the file's row is that one).
- Payments and transfers are one ledger row each, recognised by a digest of what identifies them
  in the file (the kind, month, transaction date, type, course, amount, the apprentice held here
  for that ULN, and which of several identical rows it is), stored with the row (`import_key`,
  unique per account). A row typed in by hand for the same month, kind, amount (and apprentice)
  is taken to be the same payment.
- Expired funds are not ledger rows (the ledger works them out, levy_ledger.py): the file's figure
  for each month is kept to compare with them (`LevyReportedExpiry`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Apprentice,
    LevyAccount,
    LevyReportedExpiry,
    LevyTransaction,
    TransactionKind,
    TransactionSource,
    User,
)
from ..models.levy import MAX_PENCE
from ..text import control_character_problem, money
from . import audit, levy_ledger
from .importing import Preview, RowResult
from .levy_ledger import first_of_month, month_name

MAX_ROWS = 5000
MAX_FILE_BYTES = 2 * 1024 * 1024

DATE, TYPE, TOTAL = "transaction date", "transaction type", "total"
PAID_FROM_LEVY, PAID_FROM_TRANSFER, TOP_UP = "paid from levy", "paid from transfer", "10% top up"
ULN, COURSE, COURSE_NAME = "unique learner number", "apprenticeship training course", "course name"
PAYE, PAYROLL_MONTH, LEVY_DECLARED, ENGLISH = "paye scheme", "payroll month", "levy declared", "english %"
REQUIRED_COLUMNS = (DATE, TYPE, TOTAL)
# The columns read, as DfE's file names them (the template's header, in its order).
COLUMNS = ["Transaction date", "Transaction type", "PAYE scheme", "Payroll month", "Levy declared", "English %",
           "10% top up", "Unique learner number", "Apprentice", "Apprenticeship training course", "Paid from levy",
           "Paid from transfer", "Total"]

CREDIT_TYPES = {"levy", "levy adjustment"}
PAYMENT_TYPES = {"payment", "monthly payment", "completion payment", "balance payment", "balancing payment",
                 "milestone payment"}
TRANSFER_TYPES = {"transfer"}
EXPIRED_TYPES = {"expired levy", "expired funds", "expired fund"}
TYPES_IN_WORDS = ("Levy, Levy Adjustment, Payment (or Monthly, Completion, Balance or Milestone Payment), "
                  "Transfer or Expired Levy")

_MONEY = re.compile(r"(?P<sign>[-\u2212])?£?(?P<whole>[0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,12})"
                    r"(?:\.(?P<frac>[0-9]{1,6}))?")


def pence_from_file(text: str) -> tuple[int, bool] | None:
    """An amount as DfE's file (or a spreadsheet saving it) writes it: "1234.50000", "-£1,234.50",
    "(1,234.50)". Whole pence, and whether fractions of a penny were rounded off; None if not money."""
    text = text.strip().replace(" ", "")
    negative = text.startswith("(") and text.endswith(")")
    match = _MONEY.fullmatch(text[1:-1] if negative else text)
    if match is None:
        return None
    exact = Decimal(match["whole"].replace(",", "") + "." + (match["frac"] or "0")) * 100
    rounded = int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    if rounded > MAX_PENCE:
        return None
    sign = -1 if negative or match["sign"] else 1
    return sign * rounded, exact != rounded


def _date(text: str) -> date | None:
    text = text.strip().split(" ")[0].split("T")[0]
    for pattern in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(str(p) for p in parts).encode()).hexdigest()


@dataclass
class LevyPreview(Preview):
    """The apprentice import's preview, with the file's money in pence as the ledger will hold it."""

    account_id: int | None = None
    credits: int = 0
    training: int = 0
    transfers: int = 0
    reported_expiries: dict[date, int] = field(default_factory=dict)
    rounded: int = 0  # rows with fractions of a penny rounded off
    overdrawn: tuple[date, int] | None = None  # the first month the file would take the balance below zero, by

    def count(self, action: str) -> int:
        return sum(1 for r in self.rows if r.action == action and not r.problems)


@dataclass
class _Held:
    """What the ledger already holds that a file's rows may be."""

    keys: set[str]
    credit_months: dict[date, tuple[int, bool]]  # month: (pence, imported)
    entered: dict[tuple, list[int]]  # (month, kind, pence, apprentice id): ids of rows typed in by hand
    reported: dict[date, int]
    by_uln: dict[str, int]


def _held(account: LevyAccount) -> _Held:
    t = LevyTransaction
    keys, credits, entered = set(), defaultdict(lambda: [0, False]), defaultdict(list)
    for row in db.session.execute(sa.select(t.id, t.month, t.kind, t.amount_pence, t.apprentice_id, t.import_key,
                                            t.source).where(t.account_id == account.id,
                                                            t.kind != TransactionKind.EXPIRY)):
        if row.import_key:
            keys.add(row.import_key)
        if row.kind is TransactionKind.CREDIT:
            credits[row.month][0] += row.amount_pence
            credits[row.month][1] |= row.source is TransactionSource.IMPORTED
        elif row.source is not TransactionSource.IMPORTED:
            entered[(row.month, row.kind, row.amount_pence, row.apprentice_id)].append(row.id)
    reported = {m: p for m, p in db.session.execute(sa.select(LevyReportedExpiry.month, LevyReportedExpiry.amount_pence)
                                                    .where(LevyReportedExpiry.account_id == account.id))}
    by_uln = {u: i for i, u in db.session.execute(sa.select(Apprentice.id, Apprentice.uln).where(
        Apprentice.uln.is_not(None))).tuples()}
    return _Held(keys, {m: (p, i) for m, (p, i) in credits.items()}, entered, reported, by_uln)


def _credit_key(month: date) -> str:
    return _digest("credit", month.isoformat())


def preview(account: LevyAccount, text: str, today: date) -> LevyPreview:
    """Check every row of the file against the ledger of `account`; nothing is written."""
    if not text.strip():
        return LevyPreview([], "The file is empty: download the transactions from the apprenticeship service "
                               "and save them as CSV", account_id=account.id)
    reader = csv.DictReader(io.StringIO(text))
    headers = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED_COLUMNS if c not in headers]
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if missing and ";" in first_line and not any(c not in [h.strip().strip('"').lower() for h in first_line.split(";")]
                                                 for c in REQUIRED_COLUMNS):
        return LevyPreview([], "The file’s columns are separated by semicolons: save it as CSV (comma separated) "
                               "and upload it again", account_id=account.id)
    if missing:
        names = ", ".join(c.capitalize() for c in missing)
        return LevyPreview([], f"The file needs these columns: {names}. It should be the transactions file the "
                               "apprenticeship service downloads, saved as CSV: download an example file to see them",
                           account_id=account.id)
    reader.fieldnames = headers
    rows = list(reader)
    if not rows:
        return LevyPreview([], "The file has no transactions under its header", account_id=account.id)
    if len(rows) > MAX_ROWS:
        return LevyPreview([], f"The file has {len(rows):,} rows: import {MAX_ROWS:,} or fewer at a time",
                           account_id=account.id)
    held = _held(account)
    result = LevyPreview([], account_id=account.id)
    this_month = first_of_month(today)
    credit_rows: dict[date, list[RowResult]] = defaultdict(list)
    seen: Counter = Counter()
    claimed: set[int] = set()
    expired_rows: dict[date, list[RowResult]] = defaultdict(list)
    for number, raw in enumerate(rows, start=2):
        row = _read_row(number, raw, this_month, held)
        result.rows.append(row)
        result.rounded += bool(row.values.pop("rounded", False))
        if row.problems:
            continue
        kind = row.values["kind"]
        if kind == "credit":
            credit_rows[row.values["month"]].append(row)
        elif kind == "expired":
            expired_rows[row.values["month"]].append(row)
        elif kind == "skip":
            row.action = "skipped"
        else:
            _match_payment(row, held, seen, claimed)
    for month, group in sorted(credit_rows.items()):
        _check_credits(month, group, held)
    for month, group in sorted(expired_rows.items()):
        pence = sum(r.values["pence"] for r in group)
        for r in group:
            r.values["reported_month_total"] = pence
            r.action = "unchanged" if held.reported.get(month) == pence else \
                "update" if month in held.reported else "new"
            r.changes = ["what DfE says expired"] if r.action == "update" else []
        result.reported_expiries[month] = pence
    for r in result.rows:  # what the file says, including a month that clashes with the ledger
        kind = r.values.get("kind")
        if kind == "credit" and r.values.get("first_of_month"):
            result.credits += r.values["month_total"]
        elif r.problems or r.action == "skipped":
            continue
        elif kind == "training":
            result.training += r.values["pence"]
        elif kind == "transfer":
            result.transfers += r.values["pence"]
    if result.ok:
        result.overdrawn = _overdraws(account, result, this_month)
    return result


def _overdraws(account: LevyAccount, checked: LevyPreview, this_month: date) -> tuple[date, int] | None:
    """The first month the file's new rows would take the balance below zero (and by how much), where it was
    not before: DfE's account never goes below zero, so funds in are missing (an earlier file, most likely)."""
    history = levy_ledger.histories([account.id]).get(account.id, {})
    added = dict(history)
    names = {"training": "training", "transfer": "transfers"}
    for r in checked.rows:
        v = r.values
        if r.action != "new" or r.problems or v["kind"] not in ("credit", "training", "transfer"):
            continue
        totals = added.get(v["month"], levy_ledger.MonthTotals())
        if v["kind"] == "credit":
            if v.get("first_of_month"):
                added[v["month"]] = replace(totals, credits=totals.credits + v["month_total"])
        else:
            added[v["month"]] = replace(totals, **{names[v["kind"]]: getattr(totals, names[v["kind"]]) + v["pence"]})
    before = levy_ledger.overdrawn_by_month(history, this_month)
    return next(((m, p) for m, p in sorted(levy_ledger.overdrawn_by_month(added, this_month).items())
                 if p > before.get(m, 0)), None)


def _read_row(number: int, raw: dict, this_month: date, held: _Held) -> RowResult:
    cell = {k: (v or "").strip() if isinstance(v, str) else "" for k, v in raw.items() if k}
    kind_text = " ".join(cell.get(TYPE, "").lower().split())
    row = RowResult(number, cell.get(TYPE, "") or "(no type)")
    for column, value in cell.items():
        if problem := control_character_problem(value, column.capitalize()):
            row.problems.append((column, problem))
            return row
    day = _date(cell.get(DATE, ""))
    if not cell.get(DATE):
        row.problems.append((DATE, "Enter the transaction date"))
    elif day is None:
        row.problems.append((DATE, "Transaction date must be a real date, like 07/03/2026"))
    elif first_of_month(day) > this_month:
        row.problems.append((DATE, "Transaction date cannot be after this month"))
    if kind_text in CREDIT_TYPES:
        kind = "credit"
    elif kind_text in PAYMENT_TYPES:
        kind = "training"
    elif kind_text in TRANSFER_TYPES:
        kind = "transfer"
    elif kind_text in EXPIRED_TYPES:
        kind = "expired"
    else:
        row.problems.append((TYPE, f"Transaction type must be {TYPES_IN_WORDS}" if kind_text else
                             "Enter the transaction type"))
        return row

    def amount(column: str, *, required: bool) -> int | None:
        text = cell.get(column, "")
        if not text:
            if required:
                row.problems.append((column, f"Enter the {column.capitalize().lower()} amount"))
            return None
        parsed = pence_from_file(text)
        if parsed is None:
            row.problems.append((column, f"{column.capitalize()} must be an amount in pounds, like 1234.50"))
            return None
        pence, rounded = parsed
        row.values["rounded"] = row.values.get("rounded", False) or rounded
        return pence

    # A payment's amount is what it took from the levy: its total, with co-investment, is read only without it.
    total = None if kind == "training" and cell.get(PAID_FROM_LEVY) else amount(TOTAL, required=kind != "training")
    if row.problems:
        return row
    month = first_of_month(day)
    row.values.update(kind=kind, month=month, day=day, type=kind_text)
    course = cell.get(COURSE) or cell.get(COURSE_NAME) or ""
    if kind == "credit":
        top_up = amount(TOP_UP, required=False)
        row.values.update(pence=total, top_up=top_up or 0)
        row.name = f"{cell[TYPE]}, {month_name(month)}: {money(total)}"
        extra = [cell.get(PAYE), cell.get(PAYROLL_MONTH) and f"payroll month {cell[PAYROLL_MONTH]}"]
        row.values["detail"] = ", ".join(e for e in extra if e)
    elif kind == "training":
        paid = amount(PAID_FROM_LEVY, required=True) if cell.get(PAID_FROM_LEVY) or total is None else None
        if row.problems:
            return row
        pence = abs(paid if paid is not None else total)
        uln = cell.get(ULN, "")
        apprentice_id = held.by_uln.get(uln) if uln else None
        row.values.update(pence=pence, apprentice_id=apprentice_id, course=course[:120])
        row.name = f"{cell[TYPE]}, {month_name(month)}: {money(pence)}"
        if not pence:
            row.values["kind"] = "skip"
        elif uln and apprentice_id is None:
            row.values["detail"] = "for an apprentice not held here (kept without a name)"
    elif kind == "transfer":
        sent = amount(PAID_FROM_TRANSFER, required=False) if cell.get(PAID_FROM_TRANSFER) else None
        if total is not None and total > 0:
            row.problems.append((TOTAL, "This transfer was received from another employer: this service records "
                                        "the transfers the council sends"))
            return row
        pence = abs(sent) if sent else abs(total)
        row.values.update(pence=pence, course=course[:120])
        row.name = f"Transfer, {month_name(month)}: {money(pence)}"
        if not pence:
            row.values["kind"] = "skip"
    else:
        row.values["pence"] = abs(total)
        row.name = f"Expired funds, {month_name(month)}: {money(abs(total))}"
    return row


def _match_payment(row: RowResult, held: _Held, seen: Counter, claimed: set[int]) -> None:
    v = row.values
    kind = TransactionKind.TRAINING if v["kind"] == "training" else TransactionKind.TRANSFER
    identity = (kind.value, v["month"].isoformat(), v["day"].isoformat(), v["type"], v.get("course", ""), v["pence"],
                v.get("apprentice_id") or "")
    seen[identity] += 1
    v["key"] = _digest(*identity, seen[identity])
    if v["key"] in held.keys:
        row.action = "unchanged"
        return
    apprentice = v.get("apprentice_id") if kind is TransactionKind.TRAINING else None
    for row_id in held.entered.get((v["month"], kind, v["pence"], apprentice), []):
        if row_id not in claimed:
            claimed.add(row_id)
            row.action = "unchanged"
            v["detail"] = "entered by hand"
            return
    row.action = "new"


def _check_credits(month: date, group: list[RowResult], held: _Held) -> None:
    total = sum(r.values["pence"] for r in group)
    top_up = sum(r.values["top_up"] for r in group)
    for i, r in enumerate(group):
        r.values.update(month_total=total, month_top_up=min(max(top_up, 0), max(total, 0)), first_of_month=i == 0)
    numbers = [str(r.number) for r in group]
    rows = f"row {numbers[0]}" if len(numbers) == 1 else f"rows {', '.join(numbers[:-1])} and {numbers[-1]}"
    if total <= 0:
        for r in group:
            r.problems.append((TOTAL, f"Funds in for {month_name(month)} ({rows}) add up to {money(total)}: "
                                      "a month's funds in must come to more than nothing"))
        return
    if month in held.credit_months:
        pence, imported = held.credit_months[month]
        if pence == total:
            for r in group:
                r.action = "unchanged"
                if not imported:
                    r.values["detail"] = "entered by hand"
            return
        how = "from an earlier file" if imported else "entered by hand"
        for r in group:
            r.problems.append((TOTAL, f"The ledger already holds {money(pence)} of funds in for {month_name(month)} "
                                      f"({how}), and this file says {money(total)} ({rows}). Check which is "
                                      "right: a month’s funds in are imported once"))
        return
    for r in group:
        r.action = "new"


def commit(actor: User, account: LevyAccount, text: str, today: date) -> LevyPreview:
    """Check the file again and, only if every row is good, add what is new in one go."""
    checked = preview(account, text, today)
    if not checked.ok:
        return checked
    for row in checked.rows:
        v = row.values
        if row.action != "new" or row.problems:
            continue
        if v["kind"] == "credit" and v.get("first_of_month"):
            levy_ledger.record(account, v["month"], TransactionKind.CREDIT, v["month_total"], actor=actor,
                               top_up_pence=v["month_top_up"], source=TransactionSource.IMPORTED,
                               import_key=_credit_key(v["month"]), description="Funds in (from DfE’s file)",
                               audited=False)
        elif v["kind"] in ("training", "transfer"):
            kind = TransactionKind.TRAINING if v["kind"] == "training" else TransactionKind.TRANSFER
            apprentice = db.session.get(Apprentice, v["apprentice_id"]) if v.get("apprentice_id") else None
            levy_ledger.record(account, v["month"], kind, v["pence"], actor=actor, apprentice=apprentice,
                               source=TransactionSource.IMPORTED, import_key=v["key"],
                               description=(v.get("course") or None), audited=False)
    for month, pence in checked.reported_expiries.items():
        reported = db.session.scalar(sa.select(LevyReportedExpiry).where(
            LevyReportedExpiry.account_id == account.id, LevyReportedExpiry.month == month))
        if reported is None:
            db.session.add(LevyReportedExpiry(account_id=account.id, month=month, amount_pence=pence))
        elif reported.amount_pence != pence:
            reported.amount_pence = pence
    db.session.flush()
    audit.record(actor, "levy.transactions_imported", account, new=checked.count("new"),
                 updated=checked.count("update"), unchanged=checked.count("unchanged"),
                 skipped=checked.count("skipped"))
    levy_ledger.write_expiries(today, actor=actor, accounts=[account])
    return checked


def template_csv(today: date) -> str:
    """The columns read, with an example of each kind of row, as DfE's file writes them. Dated this month, as
    a month whose funds in an account does not hold yet (the last month's arrive in this one), so that a first
    try imports it (the example's payments come to less than its funds in). No Expired Levy row: an expiry this
    month would differ from the ledger's (which works expiries out once a month has passed), and a first try
    would then show a difference to look into."""
    day = f"{today:%d/%m/%Y}"
    rows = [COLUMNS,
            [day, "Levy", "123/AB12345", "26-27 1", "36363.63636", "100.00000", "3636.36364", "", "", "",
             "", "", "40000.00000"],
            [day, "Payment", "", "", "", "", "", "1234567890", "", "Software developer", "-600.00000", "",
             "-600.00000"],
            [day, "Transfer", "", "", "", "", "", "", "", "Data analyst", "", "500.00000", "-500.00000"]]
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue()
