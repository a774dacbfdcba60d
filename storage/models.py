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
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
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
    approvers: Mapped[list[str]] = mapped_column(JSON, default=list)
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    calendar: Mapped[str | None] = mapped_column(String(500), nullable=True)


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
    party_size: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # active | pending | held hold the slot (with `active` true only for the first); the
    # others say why it stopped: cancelled, rejected, expired (storage.rules_models.HOLDING)
    status: Mapped[str] = mapped_column(String(20), default="active", server_default="active")
    series_id: Mapped[int | None] = mapped_column(Integer, nullable=True)  # → series.id (0011)
    occurrence: Mapped[int | None] = mapped_column(Integer, nullable=True)


class JobRunRow(Base):
    """A scheduled job's run that happened (e.g. the digest of one day): each at most once."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    run_key: Mapped[str] = mapped_column(String(50), primary_key=True)
    ran_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedbackRow(Base):
    """A person's 👍 (+1) or 👎 (-1) on one answer of a conversation; a second press replaces it."""

    __tablename__ = "answer_feedback"
    __table_args__ = (
        UniqueConstraint("session", "turn", "user_id", name="uq_answer_feedback_once"),
        CheckConstraint("rating IN (-1, 1)", name="answer_feedback_rating"),
        Index("ix_answer_feedback_created", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    session: Mapped[str] = mapped_column(String(255))  # e.g. slack:<team>:<channel>:<thread ts>
    turn: Mapped[str] = mapped_column(String(64))  # the answer's message ts
    user_id: Mapped[str] = mapped_column(String(255))  # a namespaced identity
    rating: Mapped[int] = mapped_column(SmallInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class BoardTokenRow(Base):
    """A door board's token for one room, stored as its SHA-256 only."""

    __tablename__ = "board_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(ForeignKey("rooms.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TeamsConversationRow(Base):
    """Where the bot can reach a Teams user later: one Bot Framework conversation reference."""

    __tablename__ = "teams_conversations"
    __table_args__ = (Index("ix_teams_conversations_owner", "owner_id", "personal"),)

    owner_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(512), primary_key=True)
    personal: Mapped[bool] = mapped_column(Boolean, default=False)
    reference: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CalendarOutboxRow(Base):
    """A calendar write waiting to be pushed, written in the reservation change's transaction."""

    __tablename__ = "calendar_outbox"
    __table_args__ = (Index("ix_calendar_outbox_pending", "done_at", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    room_id: Mapped[str] = mapped_column(String(64))
    reservation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    href: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    leased_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(200), nullable=True)


class CalendarLinkRow(Base):
    """An external event seen in a room's calendar and the reservation it became (if any)."""

    __tablename__ = "calendar_links"

    room_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    href: Mapped[str] = mapped_column(String(1000), primary_key=True)
    uid: Mapped[str] = mapped_column(String(1000))
    reservation_id: Mapped[int | None] = mapped_column(
        ForeignKey("reservations.id", ondelete="CASCADE"), nullable=True, index=True
    )
    state: Mapped[str] = mapped_column(String(20))
    start_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class CalendarCursorRow(Base):
    """Where the last pull of a room's calendar stopped (a sync token, or the ETags seen)."""

    __tablename__ = "calendar_cursors"

    room_id: Mapped[str] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    cursor: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class FeedTokenRow(Base):
    """A person's calendar-feed token: its SHA-256 only (NULL once revoked) and its version."""

    __tablename__ = "feed_tokens"

    owner_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class EventClaimRow(Base):
    """A delivered event id (e.g. a Slack event) already being answered, until it expires."""

    __tablename__ = "event_claims"
    __table_args__ = (Index("ix_event_claims_expires_at", "expires_at"),)

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
