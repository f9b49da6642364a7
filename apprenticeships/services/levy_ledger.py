"""The levy ledger: money into and out of the council's levy accounts, in whole pence (issue 17).

Every movement of money is one `LevyTransaction`, written by `record` (here and nowhere else), so
that every figure the levy pages show is a sum of the same rows and reconciles to the penny.
"""

from __future__ import annotations

from datetime import date

from ..extensions import db
from ..models import (
    Apprentice,
    LevyAccount,
    LevyTransaction,
    TransactionKind,
    TransactionSource,
    TransferApprentice,
    User,
)
from . import audit
from .errors import ServiceError


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def record(account: LevyAccount, month: date, kind: TransactionKind, amount_pence: int, *, actor: User | None,
           apprentice: Apprentice | None = None, transfer_apprentice: TransferApprentice | None = None,
           top_up_pence: int | None = None, description: str | None = None,
           source: TransactionSource = TransactionSource.ENTERED) -> LevyTransaction:
    """Add one movement of money to `account`'s ledger in `month` (any day of it), and audit it."""
    if amount_pence < 1:
        raise ServiceError("An amount must be at least 1p")
    if (kind is TransactionKind.TRAINING) != (apprentice is not None):
        raise ServiceError("A training payment is for one of the council's apprentices")
    if (kind is TransactionKind.TRANSFER) != (transfer_apprentice is not None):
        raise ServiceError("A transfer payment is for a transfer apprentice")
    row = LevyTransaction(account=account, month=first_of_month(month), kind=kind, amount_pence=amount_pence,
                          top_up_pence=top_up_pence, apprentice=apprentice, transfer_apprentice=transfer_apprentice,
                          description=description, source=source, created_by_id=actor.id if actor else None)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "levy.transaction_recorded", row, kind=kind.value, source=source.value)
    return row
