"""Repositories and the SQLAlchemy unit of work; database overlap refusals become SlotTaken."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from booking.calendar import OutboxEntry
from booking.errors import SlotTaken, StaleRooms
from booking.model import Reservation, TimeSlot
from booking.ports import AbstractUnitOfWork
from booking.usage import Held, Outcomes
from storage import pg_reads, usage
from storage.approval_repos import SqlApprovalRepository, SqlNoticeRepository
from storage.boards import SqlBoardTokens
from storage.calendar_repos import SqlCalendarLinks, SqlFeedTokens, SqlOutbox
from storage.engine import READING
from storage.models import CalendarOutboxRow, JobRunRow, ReservationRow
from storage.pg_booking import CONTENDED_SQLSTATES, booking_values, insert_booking
from storage.room_cache import SqlRoomRepository, cache_for
from storage.rules_models import holding
from storage.rules_repos import SqlSeriesRepository, SqlWaitlistRepository

SQLITE_OVERLAP_MESSAGE = "reservation_overlap"


def is_overlap_error(error: DBAPIError) -> bool:
    """True when the database refused a row because its slot overlaps another (or aborted it
    as the loser of two overlapping writers deadlocked on the exclusion constraint)."""
    if getattr(error.orig, "pgcode", None) in CONTENDED_SQLSTATES:
        return True
    return isinstance(error, IntegrityError) and SQLITE_OVERLAP_MESSAGE in str(error.orig)


@contextmanager
def overlap_as_slot_taken(room_id: str) -> Iterator[None]:
    """Translate the database's overlap refusal into the domain's SlotTaken."""
    try:
        yield
    except DBAPIError as error:
        if is_overlap_error(error):
            raise SlotTaken(room_id) from None
        raise


RESERVATIONS = ReservationRow.__table__  # read-only queries select plain rows from the table
INSERT_ROW = insert(RESERVATIONS).returning(*RESERVATIONS.c)  # type: ignore[arg-type]


def _utc(moment: datetime | None) -> datetime | None:
    """The moment in UTC, as read back from the database."""
    return moment.astimezone(UTC) if moment is not None else None


def _plain(entry: OutboxEntry) -> bool:
    """True for an entry the one-statement booking can write (no href, reason or attempts)."""
    return not (entry.href or entry.reason or entry.attempts)


def outbox_row(entry: OutboxEntry, reservation_id: int | None) -> CalendarOutboxRow:
    """A new outbox row for an entry of a reservation just inserted."""
    return CalendarOutboxRow(
        room_id=entry.room_id, reservation_id=reservation_id, href=entry.href,
        reason=entry.reason, created_at=entry.created_at, attempts=entry.attempts,
    )  # fmt: skip


def reservation_from_row(row: Any) -> Reservation:
    """Domain reservation from its row."""
    return Reservation(
        id=row.id,
        room_id=row.room_id,
        owner_id=row.owner_id,
        title=row.title,
        slot=TimeSlot(row.start_at, row.end_at),
        active=row.active,
        source=row.source,
        created_at=row.created_at,
        cancelled_at=row.cancelled_at,
        cancelled_by=row.cancelled_by,
        reminded_at=row.reminded_at,
        checked_in_at=row.checked_in_at,
        party_size=row.party_size,
        sequence=row.sequence or 0,
        updated_at=row.updated_at,
        status=row.status,
        series_id=row.series_id,
        occurrence=row.occurrence,
    )


class SqlReservationRepository:
    """Reservations in the database."""

    def __init__(self, session: Session, rooms: SqlRoomRepository | None = None):
        self.session, self.rooms = session, rooms

    def add(
        self, reservation: Reservation, outbox: Sequence[OutboxEntry] = (), alone: bool = False
    ) -> Reservation:
        """Insert the reservation and its calendar outbox entries (their reservation id filled
        in); on PostgreSQL one statement, which also checks unchecked cached rooms' version,
        and (`alone`, nothing else to write) runs as its own transaction when none is open."""
        if self.session.get_bind().dialect.name != "postgresql":
            return self._add_rows(reservation, outbox)
        unchecked = self.rooms.unchecked if self.rooms is not None else None
        first = outbox[0] if outbox and _plain(outbox[0]) else None
        rest = outbox[1:] if first is not None else outbox
        sql, values = booking_values(
            reservation, unchecked, (first.room_id, first.created_at) if first else None
        )
        new_id = insert_booking(self.session, sql, values, alone=alone and not rest)
        if new_id is None:  # the rooms changed since this process cached them
            if self.rooms is not None:
                self.rooms.cache.forget()
            raise StaleRooms()
        saved = replace(
            reservation, id=new_id, created_at=_utc(values["created_at"]),
            checked_in_at=_utc(reservation.checked_in_at), updated_at=_utc(reservation.updated_at),
        )  # fmt: skip
        for entry in rest:
            self.session.add(outbox_row(entry, new_id))
        if rest:
            self.session.flush()
        return saved

    def _add_rows(self, reservation: Reservation, outbox: Sequence[OutboxEntry]) -> Reservation:
        """Insert the reservation, then its outbox entries (SQLite: no INSERT in a CTE).

        Plain statements, not the ORM's flush: after a refused overlap the session stays usable.
        """
        values = booking_values(reservation, None, None)[1]  # absent columns default to NULL
        with overlap_as_slot_taken(reservation.room_id):
            row = self.session.execute(INSERT_ROW, values).one()
        for entry in outbox:
            self.session.add(outbox_row(entry, row.id))
        if outbox:
            self.session.flush()
        return reservation_from_row(row)

    def get(self, reservation_id: int, *, for_update: bool = False) -> Reservation | None:
        query = select(ReservationRow).where(ReservationRow.id == reservation_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.scalars(query).one_or_none()
        return reservation_from_row(row) if row is not None else None

    def save(self, reservation: Reservation) -> None:
        row = self.session.get_one(ReservationRow, reservation.id)
        row.title, row.room_id = reservation.title, reservation.room_id
        row.start_at, row.end_at = reservation.start, reservation.end
        row.active, row.status = reservation.active, reservation.status
        row.cancelled_at, row.cancelled_by = reservation.cancelled_at, reservation.cancelled_by
        row.reminded_at, row.checked_in_at = reservation.reminded_at, reservation.checked_in_at
        row.sequence, row.updated_at = reservation.sequence, reservation.updated_at
        with overlap_as_slot_taken(reservation.room_id):
            self.session.flush()

    def active_between(
        self, start: datetime, end: datetime, room_id: str | None = None
    ) -> list[Reservation]:
        if self.session.get_bind().dialect.name == "postgresql":
            return self._pg_between(start, end, room_id)
        query = select(RESERVATIONS).where(holding(), self._overlapping(start, end))
        if room_id is not None:
            query = query.where(ReservationRow.room_id == room_id)
        rows = self.session.execute(query.order_by(ReservationRow.start_at, ReservationRow.id))
        return [reservation_from_row(r) for r in rows]  # plain rows: no ORM identity work to read

    def _pg_between(self, start: datetime, end: datetime, room_id: str | None) -> list[Reservation]:
        """The PostgreSQL read; with rooms used unchecked (trying()), it checks their version
        in the same statement and raises StaleRooms when they changed."""
        unchecked = self.rooms.unchecked if self.rooms is not None else None
        found, version = pg_reads.active_between(
            self.session, start, end, room_id, unchecked is not None
        )
        if unchecked is not None and self.rooms is not None:
            if version is None:  # nothing found, so no version came back: read it
                version = self.rooms.cache.version(self.session)
            if version != unchecked:
                self.rooms.cache.forget()
                raise StaleRooms()
        return found

    def _overlapping(self, start: datetime, end: datetime) -> ColumnElement[bool]:
        """start_at < end AND end_at > start (SQLite; PostgreSQL asks its GiST index, pg_reads)."""
        return and_(ReservationRow.start_at < end, ReservationRow.end_at > start)

    def upcoming_for_owner(self, owner_id: str, now: datetime, limit: int) -> list[Reservation]:
        query = (
            select(ReservationRow)
            .where(
                holding(),
                ReservationRow.owner_id == owner_id,
                ReservationRow.end_at > now,
            )
            .order_by(ReservationRow.start_at)
            .limit(limit)
        )
        return [reservation_from_row(r) for r in self.session.scalars(query)]

    def _feed_rows(
        self, since: datetime, kept: datetime, room_id: str | None, owner_id: str | None
    ) -> ColumnElement[bool]:
        """A feed's rows: starting from since (the room-and-start index); holding their slot
        (active, pending, held), or cancelled after kept."""
        shown = holding() | (ReservationRow.cancelled_at >= kept)
        where = and_(ReservationRow.start_at >= since, shown)
        if room_id is not None:
            where = and_(where, ReservationRow.room_id == room_id)
        if owner_id is not None:
            where = and_(where, ReservationRow.owner_id == owner_id)
        return where

    def for_feed(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> list[Reservation]:
        where = self._feed_rows(since, cancelled_since, room_id, owner_id)
        query = (
            select(RESERVATIONS).where(where).order_by(ReservationRow.start_at, ReservationRow.id)
        )
        return [reservation_from_row(r) for r in self.session.execute(query)]

    def feed_version(
        self,
        since: datetime,
        cancelled_since: datetime,
        *,
        room_id: str | None = None,
        owner_id: str | None = None,
    ) -> str:
        where = self._feed_rows(since, cancelled_since, room_id, owner_id)
        changed = func.coalesce(ReservationRow.updated_at, ReservationRow.created_at)
        revisions = func.coalesce(func.sum(ReservationRow.sequence), 0)
        query = select(func.count(), func.max(ReservationRow.id), func.max(changed), revisions)
        count, last_id, last_change, revision = self.session.execute(query.where(where)).one()
        return f"{count}:{last_id}:{last_change}:{revision}:{self._series_revision(where)}"

    def _series_revision(self, where: ColumnElement[bool]) -> str:
        """The revisions of the series a feed shows, counted over all of their dates (a
        series' recurring event changes when any of its dates does)."""
        other = aliased(ReservationRow)
        shown = select(ReservationRow.series_id).where(where, ReservationRow.series_id.is_not(None))
        query = select(
            func.count(other.id),
            func.coalesce(func.sum(other.sequence), 0),
            func.max(func.coalesce(other.updated_at, other.created_at)),
        ).where(other.series_id.in_(shown))
        count, revision, last = self.session.execute(query).one()
        return f"{count}:{revision}:{last}"

    def claim_due_reminders(self, now: datetime, lead: timedelta, limit: int) -> list[Reservation]:
        """Lock unhandled reservations starting within the lead time; skip rows locked elsewhere.

        Whether each one gets a reminder is the domain's `Reservation.reminder_due` (e.g. one
        booked within the lead time gets none); the caller marks every claimed row handled.
        """
        query = (
            select(ReservationRow)
            .where(
                ReservationRow.active,
                ReservationRow.reminded_at.is_(None),
                ReservationRow.start_at > now,
                ReservationRow.start_at <= now + lead,
            )
            .order_by(ReservationRow.start_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [reservation_from_row(r) for r in self.session.scalars(query)]

    def claim_no_shows(self, now: datetime, grace: timedelta, limit: int) -> list[Reservation]:
        """Lock active reservations not checked in by start + grace (still running)."""
        query = (
            select(ReservationRow)
            .where(
                ReservationRow.active,
                ReservationRow.checked_in_at.is_(None),
                ReservationRow.start_at <= now - grace,
                ReservationRow.end_at > now,
            )
            .order_by(ReservationRow.start_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [reservation_from_row(r) for r in self.session.scalars(query)]

    def held_between(self, start: datetime, end: datetime) -> list[Held]:
        return usage.held_between(self.session, start, end)

    def outcomes_between(self, start: datetime, end: datetime) -> list[Outcomes]:
        return usage.outcomes_between(self.session, start, end)


class SqlJobRuns:
    """Once-only job runs: the first process to record (name, key) runs it."""

    def __init__(self, session: Session):
        self.session = session

    def claim(self, name: str, run_key: str, now: datetime) -> bool:
        """Record the run; False when another process already did."""
        if self.session.get(JobRunRow, (name, run_key)) is not None:
            return False
        self.session.add(JobRunRow(name=name, run_key=run_key, ran_at=now))
        try:
            self.session.flush()
        except IntegrityError:
            self.session.rollback()
            return False
        return True


class SqlAlchemyUnitOfWork(AbstractUnitOfWork):
    """A session per `with` block; nothing is written unless commit() is called.

    On SQLite a unit of work opened while the same thread holds another on the same database
    (a notifier reading rooms while the reminder it sends is claimed) works inside the outer
    one: a second connection would wait for the outer's write lock until its busy timeout.
    """

    def __init__(self, session_factory: sessionmaker[Session]):
        self.session_factory = session_factory
        self.bind = session_factory.kw["bind"]
        self.nested = self.reads_only = False

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        sqlite = _is_sqlite(self.session_factory)
        outer = _held_sqlite_session(self.session_factory) if sqlite else None
        self.nested = outer is not None
        self.session = outer if outer is not None else self.session_factory()
        if not self.nested and sqlite:
            _HELD.sessions = {**_held(), id(self.session_factory.kw["bind"]): self.session}
        # Only PostgreSQL's statements check cached rooms' version themselves (pg_booking,
        # pg_reads): on SQLite every unit of work reads the version first.
        optimistic, self.optimistic = self.optimistic and not sqlite, False
        self.reads_only, self.read_only = self.read_only, False
        if self.reads_only and not sqlite:
            self.session.info[READING] = True  # no BEGIN, no ROLLBACK (storage/engine.py)
        self.rooms = SqlRoomRepository(self.session, cache_for(self.bind), optimistic)
        self.reservations = SqlReservationRepository(self.session, self.rooms)
        for name in LAZY_REPOSITORIES:  # the others are made when first used (see __getattr__)
            self.__dict__.pop(name, None)
        return self

    def __getattr__(self, name: str) -> Any:
        """A repository this unit of work has not used yet: made now, on its session."""
        make = LAZY_REPOSITORIES.get(name)
        if make is None or "session" not in self.__dict__:
            raise AttributeError(name)
        repository = make(self.session)
        setattr(self, name, repository)
        return repository

    def __exit__(self, *args: object) -> None:
        if self.nested:
            return  # the outer unit of work ends the transaction
        super().__exit__(*args)  # type: ignore[arg-type]
        self.session.close()
        if _is_sqlite(self.session_factory):
            key = id(self.session_factory.kw["bind"])
            _HELD.sessions = {k: v for k, v in _held().items() if k != key}

    def commit(self) -> None:
        if self.reads_only:
            raise RuntimeError("a reading unit of work cannot commit")
        if self.nested:
            self.session.flush()  # committed (or not) with the outer unit of work
            return
        if self.session.in_transaction():  # else nothing began: nothing to write (a booking
            self.session.commit()  # made alone is durable already); overlaps refused at flush

    def rollback(self) -> None:
        if not self.nested:
            self.session.rollback()


LAZY_REPOSITORIES: dict[str, Callable[[Session], Any]] = {
    "job_runs": SqlJobRuns,
    "board_tokens": SqlBoardTokens,
    "outbox": SqlOutbox,
    "calendar_links": SqlCalendarLinks,
    "feed_tokens": SqlFeedTokens,
    "series": lambda session: SqlSeriesRepository(session, reservation_from_row),
    "waitlist": SqlWaitlistRepository,
    "notices": SqlNoticeRepository,
    "approvals": lambda session: SqlApprovalRepository(session, reservation_from_row),
}
_HELD = threading.local()  # SQLite: the session each thread's open unit of work holds, by engine


def _held() -> dict[int, Session]:
    """This thread's open SQLite sessions, by engine."""
    return getattr(_HELD, "sessions", {})


def _is_sqlite(factory: sessionmaker[Session]) -> bool:
    """True when the factory's sessions talk to SQLite."""
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name == "sqlite"


def _held_sqlite_session(factory: sessionmaker[Session]) -> Session | None:
    """The session this thread already holds on the same SQLite database, if any."""
    if not _is_sqlite(factory):
        return None
    return _held().get(id(factory.kw["bind"]))


@contextmanager
def reading(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for a short read: the one this thread's open SQLite unit of work holds (a
    second connection would wait for its write lock), else a fresh one."""
    held = _held_sqlite_session(factory)
    if held is not None:
        yield held
        return
    with factory() as session:
        yield session
