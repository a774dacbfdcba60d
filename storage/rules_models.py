"""Tables of the booking rules: series, the waitlist, approval decisions and the notice outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    ForeignKey,
    Index,
    Integer,
    String,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base, ReservationRow, UTCDateTime

HOLDING_SQL = "(active OR status IN ('pending', 'held'))"  # the guards' and index's predicate


def holding() -> ColumnElement[bool]:
    """Reservations that hold their slot (written as the guards write it, so PostgreSQL's
    partial index on holding periods answers the query)."""
    return or_(ReservationRow.active, ReservationRow.status.in_(("pending", "held")))


class SeriesRow(Base):
    """A repeating booking; its dates are the reservations that carry its id."""

    __tablename__ = "series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    owner_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="")
    repeat: Mapped[str] = mapped_column(String(10))
    count: Mapped[int] = mapped_column(Integer)
    weekdays_only: Mapped[bool] = mapped_column(Boolean, default=False)
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)  # the first date's slot
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20), default="api")


class WaitlistRow(Base):
    """Someone waiting for a slot of a room; first come (created_at, id), first served."""

    __tablename__ = "waitlist"
    __table_args__ = (Index("ix_waitlist_room_status", "room_id", "status", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    owner_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(20), default="waiting")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    source: Mapped[str] = mapped_column(String(20), default="api")
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    held_id: Mapped[int | None] = mapped_column(ForeignKey("reservations.id"), nullable=True)


class ApprovalDecisionRow(Base):
    """The one decision on a pending reservation: the primary key lets only the first in."""

    __tablename__ = "approval_decisions"

    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), primary_key=True)
    outcome: Mapped[str] = mapped_column(String(20))
    decided_by: Mapped[str] = mapped_column(String(255))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NoticeRow(Base):
    """A message to one person about one reservation, delivered once by the scheduler."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "sent_at", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(30))
    recipient: Mapped[str] = mapped_column(String(255))
    reservation_id: Mapped[int] = mapped_column(ForeignKey("reservations.id"), index=True)
    data: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(20), nullable=True)
    ref: Mapped[str] = mapped_column(String(200), default="")
