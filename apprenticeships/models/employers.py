"""Local employer partners, their contacts and a dated log of activity with them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .types import Choice, UTCDateTime, Versioned, choice_type, utcnow


class PartnershipStatus(Choice):
    PROSPECT = "prospect"
    ACTIVE = "active"
    PAUSED = "paused"
    ENDED = "ended"


class OrganisationSize(Choice):
    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def label(self) -> str:
        return {
            "micro": "Micro (fewer than 10 staff)",
            "small": "Small (10 to 49 staff)",
            "medium": "Medium (50 to 249 staff)",
            "large": "Large (250 or more staff)",
        }[self.value]


class EmployerPartner(Versioned, db.Model):
    __tablename__ = "employer_partners"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(160), unique=True)
    sector: Mapped[str] = mapped_column(sa.String(80), index=True)
    size: Mapped[OrganisationSize] = mapped_column(choice_type(OrganisationSize, "organisation_size"))
    address: Mapped[str | None] = mapped_column(sa.Text)
    postcode: Mapped[str | None] = mapped_column(sa.String(10))
    website: Mapped[str | None] = mapped_column(sa.String(255))
    status: Mapped[PartnershipStatus] = mapped_column(
        choice_type(PartnershipStatus, "partnership_status"), default=PartnershipStatus.PROSPECT, index=True
    )
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Whether it pays the apprenticeship levy (None: not known), as the council recorded it or the employer
    # last said in a levy transfer application (services/levy_transfers.py): the levy transfer rules read it.
    pays_levy: Mapped[bool | None] = mapped_column(sa.Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contacts: Mapped[list[EmployerContact]] = relationship(
        back_populates="employer", order_by="EmployerContact.name"
    )
    activities: Mapped[list[EmployerActivity]] = relationship(
        back_populates="employer", order_by="EmployerActivity.occurred_on.desc()"
    )


class EmployerContact(db.Model):
    __tablename__ = "employer_contacts"
    __table_args__ = (sa.UniqueConstraint("employer_id", "email", name="uq_employer_contacts_employer_email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer_partners.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    email: Mapped[str] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(40))
    job_title: Mapped[str | None] = mapped_column(sa.String(120))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), unique=True)

    employer: Mapped[EmployerPartner] = relationship(back_populates="contacts")


class ActivityKind(Choice):
    MEETING = "meeting"
    PLEDGE = "pledge"
    EVENT = "event"
    NOTE = "note"


class EmployerActivity(db.Model):
    __tablename__ = "employer_activities"

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(sa.ForeignKey("employer_partners.id", ondelete="CASCADE"), index=True)
    occurred_on: Mapped[date]
    kind: Mapped[ActivityKind] = mapped_column(choice_type(ActivityKind, "activity_kind"))
    note: Mapped[str] = mapped_column(sa.Text)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    employer: Mapped[EmployerPartner] = relationship(back_populates="activities")
