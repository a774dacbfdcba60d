"""SQLAlchemy 2 models. Instants are stored as UTC (timestamptz on PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    TypeDecorator,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; SQLite stores naive UTC text."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


class Base(DeclarativeBase):
    """Declarative base of every table."""


class RoomRow(Base):
    """A meeting room, synced from the rooms file."""

    __tablename__ = "rooms"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    equipment: Mapped[list[str]] = mapped_column(JSON, default=list)
    floor: Mapped[str | None] = mapped_column(String(50), nullable=True)
    name_en: Mapped[str | None] = mapped_column(String(200), nullable=True)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)


class ReservationRow(Base):
    """A booking of a room for the half-open interval [start_at, end_at)."""

    __tablename__ = "reservations"
    __table_args__ = (
        CheckConstraint("end_at > start_at", name="reservations_end_after_start"),
        Index("ix_reservations_room_start", "room_id", "start_at"),
        Index("ix_reservations_owner_end", "owner_id", "end_at"),
        Index("ix_reservations_start", "start_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    owner_id: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(200), default="")
    start_at: Mapped[datetime] = mapped_column(UTCDateTime)
    end_at: Mapped[datetime] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    source: Mapped[str] = mapped_column(String(20), default="api")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    cancelled_by: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class JobRunRow(Base):
    """A scheduled job's run that happened (e.g. the digest of one day): each at most once."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventClaimRow(Base):
    """A delivered event id (e.g. a Slack event) already being answered, until it expires."""

    __tablename__ = "event_claims"
    __table_args__ = (Index("ix_event_claims_expires_at", "expires_at"),)

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
