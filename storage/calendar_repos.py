"""Calendar storage: the outbox, links to external events, pull cursors, feed tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.orm import Session

from booking.calendar import CalendarLink, FeedToken, OutboxEntry
from storage.engine import upsert_insert
from storage.models import (
    CalendarCursorRow,
    CalendarLinkRow,
    CalendarOutboxRow,
    FeedTokenRow,
    ReservationRow,
)

OUTBOX = CalendarOutboxRow


def entry_from_row(row: Any) -> OutboxEntry:
    """Domain outbox entry from its row."""
    return OutboxEntry(
        room_id=row.room_id, created_at=row.created_at, reservation_id=row.reservation_id,
        href=row.href, reason=row.reason or "", id=row.id, attempts=row.attempts,
        next_attempt_at=row.next_attempt_at, leased_until=row.leased_until,
        done_at=row.done_at, last_error=row.last_error,
    )  # fmt: skip


class SqlOutbox:
    """The outbox table; claims skip rows another drainer has locked."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, entry: OutboxEntry) -> None:
        self.session.add(
            OUTBOX(
                room_id=entry.room_id, reservation_id=entry.reservation_id, href=entry.href,
                reason=entry.reason, created_at=entry.created_at, attempts=entry.attempts,
            )
        )  # fmt: skip
        self.session.flush()

    def next_due(self, now: datetime) -> OutboxEntry | None:
        query = (
            select(OUTBOX)
            .where(
                OUTBOX.done_at.is_(None),
                or_(OUTBOX.leased_until.is_(None), OUTBOX.leased_until <= now),
                or_(OUTBOX.next_attempt_at.is_(None), OUTBOX.next_attempt_at <= now),
            )
            .order_by(OUTBOX.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.session.scalars(query).one_or_none()
        return entry_from_row(row) if row is not None else None

    def same_target(self, entry: OutboxEntry) -> list[OutboxEntry]:
        target = (
            OUTBOX.reservation_id == entry.reservation_id
            if entry.reservation_id is not None
            else and_(OUTBOX.reservation_id.is_(None), OUTBOX.href == entry.href)
        )
        query = (
            select(OUTBOX)
            .where(OUTBOX.done_at.is_(None), OUTBOX.room_id == entry.room_id, target)
            .where(or_(OUTBOX.leased_until.is_(None), OUTBOX.id == entry.id))
            .order_by(OUTBOX.id)
            .with_for_update(skip_locked=True)
        )
        return [entry_from_row(r) for r in self.session.scalars(query)]

    def _set(self, ids: list[int], **values: Any) -> None:
        self.session.execute(update(OUTBOX).where(OUTBOX.id.in_(ids)).values(**values))

    def lease(self, ids: list[int], until: datetime) -> None:
        self._set(ids, leased_until=until)

    def done(self, ids: list[int], now: datetime) -> None:
        self._set(ids, done_at=now, leased_until=None, last_error=None)

    def failed(self, ids: list[int], attempts: int, retry_at: datetime, error: str) -> None:
        self._set(
            ids, attempts=attempts, next_attempt_at=retry_at, leased_until=None, last_error=error
        )

    def pending(self) -> int:
        query = select(func.count()).select_from(OUTBOX).where(OUTBOX.done_at.is_(None))
        return int(self.session.execute(query).scalar_one())

    def prune(self, before: datetime) -> int:
        gone = delete(OUTBOX).where(OUTBOX.done_at.is_not(None), OUTBOX.done_at < before)
        return int(self.session.execute(gone).rowcount)  # type: ignore[attr-defined]

    def forget_ended(self, before: datetime, limit: int) -> int:
        ended = (
            select(OUTBOX.id)
            .join(ReservationRow, ReservationRow.id == OUTBOX.reservation_id)
            .where(ReservationRow.end_at < before)
            .limit(limit)
        )
        gone = delete(OUTBOX).where(OUTBOX.id.in_(ended))
        return int(self.session.execute(gone).rowcount)  # type: ignore[attr-defined]


def link_from_row(row: CalendarLinkRow) -> CalendarLink:
    """Domain link from its row."""
    return CalendarLink(
        row.room_id, row.href, row.uid, row.reservation_id, row.state, row.start_at, row.end_at
    )


class SqlCalendarLinks:
    """Links to external events, and each room calendar's pull cursor."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, room_id: str, href: str) -> CalendarLink | None:
        row = self.session.get(CalendarLinkRow, (room_id, href))
        return link_from_row(row) if row is not None else None

    def for_reservation(self, reservation_id: int) -> CalendarLink | None:
        query = select(CalendarLinkRow).where(CalendarLinkRow.reservation_id == reservation_id)
        row = self.session.scalars(query.limit(1)).one_or_none()
        return link_from_row(row) if row is not None else None

    def in_room(self, room_id: str) -> list[CalendarLink]:
        query = select(CalendarLinkRow).where(CalendarLinkRow.room_id == room_id)
        return [link_from_row(r) for r in self.session.scalars(query)]

    def save(self, link: CalendarLink) -> None:
        row = self.session.get(CalendarLinkRow, (link.room_id, link.href))
        if row is None:
            row = CalendarLinkRow(room_id=link.room_id, href=link.href)
            self.session.add(row)
        row.uid, row.reservation_id, row.state = link.uid, link.reservation_id, link.state
        row.start_at, row.end_at = link.start, link.end
        self.session.flush()

    def delete(self, room_id: str, href: str) -> None:
        where = and_(CalendarLinkRow.room_id == room_id, CalendarLinkRow.href == href)
        self.session.execute(delete(CalendarLinkRow).where(where))

    def cursor(self, room_id: str) -> str | None:
        row = self.session.get(CalendarCursorRow, room_id)
        return row.cursor if row is not None else None

    def set_cursor(self, room_id: str, cursor: str | None, now: datetime) -> None:
        row = self.session.get(CalendarCursorRow, room_id)
        if row is None:
            self.session.add(CalendarCursorRow(room_id=room_id, cursor=cursor, updated_at=now))
        else:
            row.cursor, row.updated_at = cursor, now
        self.session.flush()


class SqlFeedTokens:
    """Hashed feed tokens, one record per person."""

    def __init__(self, session: Session):
        self.session = session

    def get(self, owner_id: str) -> FeedToken | None:
        row = self.session.get(FeedTokenRow, owner_id)
        if row is None:
            return None
        return FeedToken(row.owner_id, row.version, row.token_hash, row.created_at)

    def save(self, token: FeedToken) -> None:
        row = self.session.get(FeedTokenRow, token.owner_id)
        if row is None:  # an upsert: a concurrent first save of the same owner may be under way
            values = {"owner_id": token.owner_id, "version": token.version,
                      "token_hash": token.token_hash, "created_at": token.created_at}  # fmt: skip
            statement = upsert_insert(self.session.get_bind().dialect.name)(FeedTokenRow).values(
                values
            )
            changed = {name: statement.excluded[name] for name in values if name != "owner_id"}
            self.session.execute(
                statement.on_conflict_do_update(index_elements=["owner_id"], set_=changed)
            )
            return
        row.version, row.token_hash, row.created_at = (
            token.version,
            token.token_hash,
            token.created_at,
        )
        self.session.flush()

    def owner_of(self, token_hash: str) -> str | None:
        query = select(FeedTokenRow.owner_id).where(FeedTokenRow.token_hash == token_hash)
        return self.session.scalars(query).one_or_none()
