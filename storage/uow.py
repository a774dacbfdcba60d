"""Repositories and the SQLAlchemy unit of work; database overlap refusals become SlotTaken."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, ColumnElement, and_, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, aliased, sessionmaker

from booking.errors import SlotTaken
from booking.identity import parse as parse_identity
from booking.model import Reservation, Room, TimeSlot
from booking.ports import AbstractUnitOfWork
from booking.usage import Held, Outcomes
from storage import usage
from storage.approval_repos import SqlApprovalRepository, SqlNoticeRepository
from storage.boards import SqlBoardTokens
from storage.calendar_repos import SqlCalendarLinks, SqlFeedTokens, SqlOutbox
from storage.models import JobRunRow, ReservationRow, RoomRow
from storage.rules_models import holding
from storage.rules_repos import SqlSeriesRepository, SqlWaitlistRepository

OVERLAP_SQLSTATE = "23P01"  # PostgreSQL exclusion_violation
SQLITE_OVERLAP_MESSAGE = "reservation_overlap"


def is_overlap_error(error: IntegrityError) -> bool:
    """True when the database refused a row because its slot overlaps another."""
    if getattr(error.orig, "pgcode", None) == OVERLAP_SQLSTATE:
        return True
    return SQLITE_OVERLAP_MESSAGE in str(error.orig)


@contextmanager
def overlap_as_slot_taken(room_id: str) -> Iterator[None]:
    """Translate the database's overlap refusal into the domain's SlotTaken."""
    try:
        yield
    except IntegrityError as error:
        if is_overlap_error(error):
            raise SlotTaken(room_id) from None
        raise


def room_from_row(row: RoomRow) -> Room:
    """Domain room from its row."""
    return Room(
        id=row.id,
        name=row.name,
        capacity=row.capacity,
        aliases=tuple(row.aliases or ()),
        equipment=tuple(row.equipment or ()),
        floor=row.floor,
        name_en=row.name_en,
        calendar=row.calendar,
        approvers=tuple(parse_identity(str(a), "slack") for a in row.approvers or ()),
    )


RESERVATIONS = ReservationRow.__table__  # read-only queries select plain rows from the table


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


class SqlRoomRepository:
    """Rooms in the database (retired rooms are hidden)."""

    def __init__(self, session: Session):
        self.session = session

    def list(self) -> list[Room]:
        rows = self.session.scalars(select(RoomRow).where(~RoomRow.retired).order_by(RoomRow.id))
        return [room_from_row(r) for r in rows]

    def get(self, room_id: str) -> Room | None:
        row = self.session.get(RoomRow, room_id)
        return room_from_row(row) if row is not None and not row.retired else None


class SqlReservationRepository:
    """Reservations in the database."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, reservation: Reservation) -> Reservation:
        row = ReservationRow(
            room_id=reservation.room_id,
            owner_id=reservation.owner_id,
            title=reservation.title,
            start_at=reservation.start,
            end_at=reservation.end,
            active=reservation.active,
            source=reservation.source,
            created_at=reservation.created_at or datetime.now(UTC),
            checked_in_at=reservation.checked_in_at,
            party_size=reservation.party_size,
            sequence=reservation.sequence,
            updated_at=reservation.updated_at,
            status=reservation.status,
            series_id=reservation.series_id,
            occurrence=reservation.occurrence,
        )
        self.session.add(row)
        with overlap_as_slot_taken(reservation.room_id):
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
        query = select(RESERVATIONS).where(holding(), self._overlapping(start, end))
        if room_id is not None:
            query = query.where(ReservationRow.room_id == room_id)
        rows = self.session.execute(query.order_by(ReservationRow.start_at, ReservationRow.id))
        return [reservation_from_row(r) for r in rows]  # plain rows: no ORM identity work to read

    def _overlapping(self, start: datetime, end: datetime) -> ColumnElement[bool]:
        """start_at < end AND end_at > start; on PostgreSQL as a range overlap, so the GiST
        index on holding periods answers it instead of scanning all past reservations."""
        if self.session.get_bind().dialect.name == "postgresql":
            period = func.tstzrange(ReservationRow.start_at, ReservationRow.end_at, "[)")
            asked = func.tstzrange(start, end, "[)")
            return period.op("&&", return_type=Boolean)(asked)
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
        self.nested = False

    def __enter__(self) -> SqlAlchemyUnitOfWork:
        outer = _held_sqlite_session(self.session_factory)
        self.nested = outer is not None
        self.session = outer if outer is not None else self.session_factory()
        if not self.nested and _is_sqlite(self.session_factory):
            _HELD.sessions = {**_held(), id(self.session_factory.kw["bind"]): self.session}
        self.rooms = SqlRoomRepository(self.session)
        self.reservations = SqlReservationRepository(self.session)
        self.job_runs = SqlJobRuns(self.session)
        self.board_tokens = SqlBoardTokens(self.session)
        self.outbox = SqlOutbox(self.session)
        self.calendar_links = SqlCalendarLinks(self.session)
        self.feed_tokens = SqlFeedTokens(self.session)
        self.series = SqlSeriesRepository(self.session, reservation_from_row)
        self.waitlist = SqlWaitlistRepository(self.session)
        self.notices = SqlNoticeRepository(self.session)
        self.approvals = SqlApprovalRepository(self.session, reservation_from_row)
        return self

    def __exit__(self, *args: object) -> None:
        if self.nested:
            return  # the outer unit of work ends the transaction
        super().__exit__(*args)  # type: ignore[arg-type]
        self.session.close()
        if _is_sqlite(self.session_factory):
            key = id(self.session_factory.kw["bind"])
            _HELD.sessions = {k: v for k, v in _held().items() if k != key}

    def commit(self) -> None:
        if self.nested:
            self.session.flush()  # committed (or not) with the outer unit of work
            return
        self.session.commit()  # overlaps were already refused at flush (immediate constraint)

    def rollback(self) -> None:
        if not self.nested:
            self.session.rollback()


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
