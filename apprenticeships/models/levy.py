"""The apprenticeship levy: the council's levy accounts, their ledger, what funds its own apprentices,
and the transfers it pledges to local employers (issue 17).

Money is always whole pence (integers), never floats or decimals: every figure must reconcile to
the penny (credits - spending - transfers - expiries = balance).

- A `LevyAccount` is one account on the apprenticeship service (a council may have more than one,
  for example one for maintained schools).
- `LevyTransaction` is its ledger, one row per movement of money in a month, as the apprenticeship
  service's "transactions" download lists them: funds in (levy declared x English % + the 10% top
  up), payments for training, transfer payments to another employer's apprentice, and expiries.
  Amounts are positive; the kind says which way money moves. Expiries are only ever worked out by
  the first in, first out rule (services/levy_ledger.py), one row per account and month; what DfE's
  own file says expired is kept beside them (`LevyReportedExpiry`), to compare.
- `LevyFunding` says what one of the council's own apprentices costs the account: the agreed price
  (at most the standard's funding band), paid as DfE pays providers: 80% in equal monthly
  instalments over the planned duration, 20% on completion (services/levy_ledger.py).
- A `LevyPledge` offers part of an account's transfer allowance to local employers, with criteria;
  a `LevyApplication` is an employer partner's application to it, with DfE's statuses; each
  apprentice funded by an accepted application is a `TransferApprentice` (no name is held: the
  council needs outcomes, not identities), and their payments are the ledger's transfer rows.
- `LevyScheme` holds the council's own local eligibility rules (one row).
- `TransferShareLink` shares the summary of transfers as a cohort's share link does; every version of
  its figures published is a `TransferPublishedVersion`, for the same differencing rule.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .sharing import ShareMode
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow

# A pound is 100 pence; no single figure is above a billion pounds.
MAX_PENCE = 100_000_000_000
EXPIRY_MONTHS = 24  # unused funds expire 24 months after they enter the account, first in first out


class LevyAccount(Versioned, db.Model):
    """One apprenticeship service account that the council's levy is paid into."""

    __tablename__ = "levy_accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)
    # The apprenticeship service's account id (public, for example "V6BJKM"), when known.
    service_reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    transactions: Mapped[list[LevyTransaction]] = relationship(back_populates="account",
                                                              order_by="LevyTransaction.month")


class TransactionKind(Choice):
    """Which way money moves: a credit adds to the account, every other kind takes from it."""

    CREDIT = "credit"  # levy declared x English % plus the 10% top up
    TRAINING = "training"  # a payment for one of the account's own apprentices' training
    TRANSFER = "transfer"  # a payment for a transfer apprentice (another employer's)
    EXPIRY = "expiry"  # funds unused 24 months after they entered

    @property
    def label(self) -> str:
        return {"credit": "Funds in", "training": "Training payment", "transfer": "Transfer payment",
                "expiry": "Expired funds"}[self.value]


class TransactionSource(Choice):
    ENTERED = "entered"
    IMPORTED = "imported"  # from the apprenticeship service's transactions CSV
    WORKED_OUT = "worked_out"  # an expiry, worked out by the first in, first out rule (services/levy_ledger.py)


class LevyTransaction(db.Model):
    """One movement of money in a month. `month` is always the first day of its month."""

    __tablename__ = "levy_transactions"
    __table_args__ = (
        sa.CheckConstraint(f"amount_pence BETWEEN 1 AND {MAX_PENCE}", name="amount_range"),
        sa.CheckConstraint("top_up_pence IS NULL OR (kind = 'credit' AND top_up_pence BETWEEN 0 AND amount_pence)",
                           name="top_up_only_on_credits"),
        # Only a training payment names one of our apprentices, only a transfer payment a transfer
        # apprentice. Either may name no one: DfE's transactions file lists payments for apprentices
        # this service does not hold (the account's other apprentices, transfers made elsewhere).
        sa.CheckConstraint("apprentice_id IS NULL OR kind = 'training'", name="training_names_apprentice"),
        sa.CheckConstraint("transfer_apprentice_id IS NULL OR kind = 'transfer'", name="transfer_names_apprentice"),
        sa.Index("ix_levy_transactions_account_month", "account_id", "month"),
        # A row imported from DfE's file is recognised when the file (or one overlapping it) comes again.
        sa.UniqueConstraint("account_id", "import_key", name="uq_levy_transactions_import_key"),
        # Expiries are worked out, one row per account and month that has passed (levy_ledger.write_expiries).
        sa.Index("uq_levy_transactions_one_expiry_a_month", "account_id", "month", unique=True,
                 sqlite_where=sa.text("kind = 'expiry'"), postgresql_where=sa.text("kind = 'expiry'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_accounts.id", ondelete="CASCADE"))
    month: Mapped[date]
    kind: Mapped[TransactionKind] = mapped_column(choice_type(TransactionKind, "levy_transaction_kind"))
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    # Of a credit, how much was the government's 10% top up (shown, not needed for the balance).
    top_up_pence: Mapped[int | None] = mapped_column(sa.BigInteger)
    apprentice_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="SET NULL"),
                                                      index=True)
    transfer_apprentice_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("transfer_apprentices.id", ondelete="CASCADE"), index=True)
    description: Mapped[str | None] = mapped_column(sa.String(200))
    source: Mapped[TransactionSource] = mapped_column(choice_type(TransactionSource, "levy_transaction_source"),
                                                      default=TransactionSource.ENTERED)
    # Of an imported row: a digest of the file's cells that identify it (services/levy_import.py).
    import_key: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[LevyAccount] = relationship(back_populates="transactions")
    apprentice = relationship("Apprentice")
    transfer_apprentice: Mapped[TransferApprentice | None] = relationship()

    @property
    def signed_pence(self) -> int:
        return self.amount_pence if self.kind is TransactionKind.CREDIT else -self.amount_pence


class LevyReportedExpiry(db.Model):
    """What DfE's transactions file says expired from an account in a month ("Expired Levy" rows).

    Not a movement of money: the ledger's expiries are worked out by the first in, first out rule
    (services/levy_ledger.py) and this is compared with them, so a difference shows plainly."""

    __tablename__ = "levy_reported_expiries"
    __table_args__ = (
        sa.CheckConstraint(f"amount_pence BETWEEN 0 AND {MAX_PENCE}", name="amount_range"),
        sa.UniqueConstraint("account_id", "month", name="uq_levy_reported_expiries_account_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_accounts.id", ondelete="CASCADE"))
    month: Mapped[date]
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class LevyFunding(Versioned, db.Model):
    """What one of the council's own apprentices costs its levy account."""

    __tablename__ = "levy_fundings"
    __table_args__ = (
        sa.CheckConstraint(f"price_pence BETWEEN 1 AND {MAX_PENCE}", name="price_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    apprentice_id: Mapped[int] = mapped_column(sa.ForeignKey("apprentices.id", ondelete="CASCADE"), unique=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_accounts.id"), index=True)
    # The total agreed price of training and assessment, at most the standard's funding band.
    price_pence: Mapped[int] = mapped_column(sa.BigInteger)

    account: Mapped[LevyAccount] = relationship()
    apprentice = relationship("Apprentice")


class FundingBand(db.Model):
    """The funding band maximum of a standard (DfE's bands: £1,500 to £27,000 in 2025/26)."""

    __tablename__ = "funding_bands"
    __table_args__ = (
        sa.CheckConstraint(f"max_pence BETWEEN 1 AND {MAX_PENCE}", name="max_range"),
    )

    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship_standards.id", ondelete="CASCADE"),
                                             primary_key=True)
    max_pence: Mapped[int] = mapped_column(sa.BigInteger)


class PledgeStatus(Choice):
    OPEN = "open"
    CLOSED = "closed"


class LevyPledge(Versioned, db.Model):
    """Part of an account's transfer allowance offered to local employers, with who may apply."""

    __tablename__ = "levy_pledges"
    __table_args__ = (
        sa.CheckConstraint(f"amount_pence BETWEEN 1 AND {MAX_PENCE}", name="amount_range"),
        sa.CheckConstraint("min_level IS NULL OR min_level BETWEEN 2 AND 7", name="min_level_range"),
        sa.CheckConstraint("max_level IS NULL OR max_level BETWEEN 2 AND 7", name="max_level_range"),
        sa.CheckConstraint("min_level IS NULL OR max_level IS NULL OR min_level <= max_level",
                           name="levels_in_order"),
        sa.CheckConstraint("year BETWEEN 2017 AND 2100", name="year_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_accounts.id"), index=True)
    # The financial year (1 April `year`) whose transfer allowance the pledge comes from.
    year: Mapped[int]
    title: Mapped[str] = mapped_column(sa.String(120))
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    # Criteria (empty: any). Locations and sectors are plain words, as DfE's pledge form lists them.
    locations: Mapped[str | None] = mapped_column(sa.String(500))
    sectors: Mapped[str | None] = mapped_column(sa.String(500))
    standard_id: Mapped[int | None] = mapped_column(sa.ForeignKey("apprenticeship_standards.id"))
    min_level: Mapped[int | None]
    max_level: Mapped[int | None]
    status: Mapped[PledgeStatus] = mapped_column(choice_type(PledgeStatus, "levy_pledge_status"),
                                                 default=PledgeStatus.OPEN)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    account: Mapped[LevyAccount] = relationship()
    standard = relationship("ApprenticeshipStandard")
    applications: Mapped[list[LevyApplication]] = relationship(back_populates="pledge",
                                                              order_by="LevyApplication.id")


class ApplicationStatus(Choice):
    """DfE's statuses of a transfer application."""

    PENDING = "pending"
    APPROVED = "approved"  # by the pledging council
    REJECTED = "rejected"  # by the pledging council
    ACCEPTED = "accepted"  # the employer accepted the approved funds
    FUNDS_USED = "funds_used"  # every pound approved has been used
    DECLINED = "declined"  # the employer declined the approved funds
    WITHDRAWN = "withdrawn"  # the employer withdrew

    @property
    def label(self) -> str:
        return "Funds used" if self is ApplicationStatus.FUNDS_USED else self.value.capitalize()


class LevyApplication(Versioned, db.Model):
    """An employer partner's application for part of a pledge."""

    __tablename__ = "levy_applications"
    __table_args__ = (
        sa.CheckConstraint(f"amount_pence BETWEEN 1 AND {MAX_PENCE}", name="amount_range"),
        sa.CheckConstraint("apprentices_planned BETWEEN 1 AND 1000", name="apprentices_range"),
        sa.CheckConstraint("hourly_wage_pence IS NULL OR hourly_wage_pence BETWEEN 1 AND 100000",
                           name="wage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pledge_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_pledges.id"), index=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer_partners.id"), index=True)
    # DfE's application reference, when it came through the apprenticeship service.
    service_reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    status: Mapped[ApplicationStatus] = mapped_column(choice_type(ApplicationStatus, "levy_application_status"),
                                                      default=ApplicationStatus.PENDING)
    # The whole cost of training and assessment asked for (approved as asked or not at all).
    amount_pence: Mapped[int] = mapped_column(sa.BigInteger)
    standard_id: Mapped[int] = mapped_column(sa.ForeignKey("apprenticeship_standards.id"))
    apprentices_planned: Mapped[int] = mapped_column(default=1)
    planned_start: Mapped[date]
    # What the local rules are checked against (services/levy_transfers.py).
    employer_pays_levy: Mapped[bool] = mapped_column(default=False)
    hourly_wage_pence: Mapped[int | None]
    apprentices_live_in_borough: Mapped[bool] = mapped_column(default=True)
    # Where the apprentices will work (a town, or a postcode), checked against the pledge's locations.
    location: Mapped[str | None] = mapped_column(sa.String(120))
    details: Mapped[str | None] = mapped_column(sa.Text)
    # Why the council rejected it, or approved it although a local rule was not met (the employer sees it).
    decision_reason: Mapped[str | None] = mapped_column(sa.Text)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    pledge: Mapped[LevyPledge] = relationship(back_populates="applications")
    employer = relationship("EmployerPartner")
    standard = relationship("ApprenticeshipStandard")
    apprentices: Mapped[list[TransferApprentice]] = relationship(back_populates="application",
                                                                order_by="TransferApprentice.id")


class TransferOutcome(Choice):
    IN_LEARNING = "in_learning"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class TransferApprentice(Versioned, db.Model):
    """An apprentice of another employer funded by an application; their payments are ledger rows.

    No name is held: the employer's own reference (for example the apprenticeship service's
    apprenticeship id) identifies them to the employer, and the council needs only outcomes.
    """

    __tablename__ = "transfer_apprentices"
    __table_args__ = (
        sa.CheckConstraint(f"price_pence BETWEEN 1 AND {MAX_PENCE}", name="price_range"),
        sa.CheckConstraint("planned_end_date > start_date", name="ends_after_start"),
        sa.CheckConstraint("(outcome = 'in_learning') = (end_date IS NULL)", name="end_date_with_outcome"),
        sa.CheckConstraint("hourly_wage_pence IS NULL OR hourly_wage_pence BETWEEN 1 AND 100000",
                           name="wage_range"),
        sa.UniqueConstraint("application_id", "reference"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("levy_applications.id", ondelete="CASCADE"),
                                                index=True)
    reference: Mapped[str] = mapped_column(sa.String(40))
    price_pence: Mapped[int] = mapped_column(sa.BigInteger)
    start_date: Mapped[date]
    planned_end_date: Mapped[date]
    end_date: Mapped[date | None]
    outcome: Mapped[TransferOutcome] = mapped_column(choice_type(TransferOutcome, "transfer_outcome"),
                                                     default=TransferOutcome.IN_LEARNING)
    lives_in_borough: Mapped[bool] = mapped_column(default=True)
    # What they are paid an hour, checked against the scheme's minimum (LevyScheme) when recorded or changed.
    # Empty only for one recorded while the scheme set no minimum (or before wages were recorded, with none
    # on the application).
    hourly_wage_pence: Mapped[int | None]

    application: Mapped[LevyApplication] = relationship(back_populates="apprentices")


class LevyScheme(Versioned, db.Model):
    """The council's local rules for transfers, checked against every application (one row)."""

    __tablename__ = "levy_scheme"
    __table_args__ = (
        sa.CheckConstraint("id = 1", name="single_row"),
        sa.CheckConstraint("min_hourly_wage_pence IS NULL OR min_hourly_wage_pence BETWEEN 1 AND 100000",
                           name="wage_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    non_levy_employers_only: Mapped[bool] = mapped_column(default=False)
    apprentices_in_borough_only: Mapped[bool] = mapped_column(default=False)
    # For example the London Living Wage; empty: no local rule beyond the law.
    min_hourly_wage_pence: Mapped[int | None]


class TransferShareLink(db.Model):
    """A link to the summary of transfers (services/levy_transfers.py) that anyone holding it can read:
    as a cohort's share link (models/sharing.py), figures only, through the same disclosure control."""

    __tablename__ = "transfer_share_links"
    __table_args__ = (
        sa.CheckConstraint("view_count >= 0", name="views_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(sa.String(120))
    # SHA-256 of a token of 256 random bits; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    mode: Mapped[ShareMode] = mapped_column(choice_type(ShareMode, "share_mode"))
    narrative: Mapped[str | None] = mapped_column(sa.Text)
    expires_on: Mapped[date | None]
    # Aggregates only, already through disclosure control; never row-level data.
    published_figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    figures_as_of: Mapped[datetime] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    view_count: Mapped[int] = mapped_column(default=0)
    last_viewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TransferPublishedVersion(db.Model):
    """One distinct version of the transfers' figures published anywhere (a live link, a snapshot):
    each new version is checked against all of these by services/publication.py's differencing rule,
    as a cohort's are against `published_versions`."""

    __tablename__ = "transfer_published_versions"
    __table_args__ = (
        # Two requests publishing at once both take the next number: the database lets one of them have it.
        sa.UniqueConstraint("sequence"),
        sa.UniqueConstraint("digest"),
        sa.CheckConstraint("sequence >= 1", name="sequence_positive"),
        sa.CheckConstraint("length(digest) = 64", name="sha256_digest"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sequence: Mapped[int]
    digest: Mapped[str] = mapped_column(sa.String(64))
    figures: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
