"""Engine and session factory for PostgreSQL (psycopg2) and the embedded SQLite default."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, SessionTransaction, sessionmaker
from sqlalchemy.pool import PoolProxiedConnection

CONNECT_TIMEOUT_S = 2
TRANSACTION_IDLE = 0  # psycopg2.extensions.TRANSACTION_STATUS_IDLE: no transaction open
T = TypeVar("T")
STATEMENT_TIMEOUT_MS = 5000
READING = "roombot_reading"  # Session.info key: its statements each run as their own transaction
SWITCHED = "roombot_no_transactions"  # pool record info key: autocommit switched on by us


def normalise_url(url: str) -> str:
    """Map the guide's bare 'postgresql://' (and 'postgres://') to the psycopg2 driver."""
    for bare in ("postgres://", "postgresql://"):
        if url.startswith(bare):
            return "postgresql+psycopg2://" + url[len(bare) :]
    return url


def is_sqlite(url: str) -> bool:
    """True for an SQLite URL."""
    return make_url(normalise_url(url)).get_backend_name() == "sqlite"


UPSERT_DIALECTS = ("postgresql", "sqlite")  # those with INSERT … ON CONFLICT


def upsert_insert(dialect: str) -> Any:
    """The dialect's `insert` construct, which has `on_conflict_do_update`; only that dialect's
    module is imported (SQLite's is ~1 MB a PostgreSQL worker would otherwise carry)."""
    if dialect not in UPSERT_DIALECTS:
        raise ValueError(f"INSERT … ON CONFLICT needs PostgreSQL or SQLite, not {dialect}")
    return importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert


def make_engine(url: str, **overrides: Any) -> Engine:
    """Build an engine with short timeouts; connects lazily (nothing happens at import).

    No pre-ping at checkout (a round trip per transaction): a pooled connection found dead by
    the first statement of a transaction is replaced and the statement run again (see
    `RetryingSession`), and SQLAlchemy then discards the pool's other, older connections.
    """
    url = normalise_url(url)
    if is_sqlite(url):
        return _sqlite_engine(url, **overrides)
    options: dict[str, Any] = {
        "pool_size": 5,
        "max_overflow": 10,
        "pool_timeout": 5,
        "pool_recycle": 1800,
        "connect_args": {
            "connect_timeout": CONNECT_TIMEOUT_S,
            "options": f"-c statement_timeout={STATEMENT_TIMEOUT_MS} -c TimeZone=UTC",
            "application_name": "roombot",
        },
    }
    if "poolclass" in overrides:  # e.g. NullPool: sizing options do not apply
        for key in ("pool_size", "max_overflow", "pool_timeout", "pool_recycle"):
            options.pop(key)
    options.update(overrides)
    engine = create_engine(url, **options)
    event.listen(engine, "reset", _transactions_again)
    return engine


def _transactions_again(dbapi_connection: Any, record: Any, _state: Any) -> None:
    """A connection goes back to the pool opening transactions again (BEGIN before the first
    statement) when a reading unit of work or a booking made alone had switched them off
    (an engine made with isolation_level="AUTOCOMMIT" keeps its own setting).

    psycopg2 keeps the mode on the client: switching sends nothing to the server, so nothing
    of a session lingers on the server connection (PgBouncer's transaction pooling is safe).
    Should switching fail, SQLAlchemy drops the connection instead of pooling it.
    """
    if record is not None and record.info.pop(SWITCHED, False):
        dbapi_connection.autocommit = False


def no_transactions(pooled: PoolProxiedConnection) -> bool:
    """Let a pooled connection run each statement as its own transaction (no BEGIN, COMMIT or
    ROLLBACK round trips) when it has no transaction open; True when it now does. The pool's
    reset switches transactions on again when it is returned (`_transactions_again`)."""
    dbapi: Any = pooled.dbapi_connection
    if dbapi is None:
        return False
    if not dbapi.autocommit:
        if dbapi.info.transaction_status != TRANSACTION_IDLE:
            return False
        pooled.info[SWITCHED] = True
        dbapi.autocommit = True
    return True


def without_transaction(connection: Connection) -> bool:
    """`no_transactions` for a SQLAlchemy connection (PostgreSQL only)."""
    if connection.dialect.name != "postgresql":
        return False
    return no_transactions(connection.connection)


def _sqlite_engine(url: str, **overrides: Any) -> Engine:
    """SQLite with foreign keys, WAL, a busy timeout and serialised write transactions."""
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {"connect_args": {"timeout": 10, "check_same_thread": False}}
    options.update(overrides)
    engine = create_engine(url, **options)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def once_more_if_dead(work: Callable[[], T]) -> T:
    """Run `work` (a transaction's worth of statements); once more if it failed on a pooled
    connection found dead: the failed try did nothing, and the pool now hands out new ones."""
    try:
        return work()
    except DBAPIError as error:
        if not error.connection_invalidated:
            raise
        return work()


class RetryingSession(Session):
    """A session that runs a transaction's first statement once more when its connection was
    dead (the server restarted, a proxy dropped it): nothing of the transaction was done yet."""

    def _execute_internal(self, *args: Any, **kw: Any) -> Any:  # every execute, get and load
        if self.in_transaction():
            return super()._execute_internal(*args, **kw)
        try:
            return super()._execute_internal(*args, **kw)
        except DBAPIError as error:
            if not error.connection_invalidated:
                raise
            self.rollback()  # back to no transaction: the next try checks out a new connection
            return super()._execute_internal(*args, **kw)


@event.listens_for(RetryingSession, "after_begin")
def _reading(session: Session, _transaction: SessionTransaction, connection: Connection) -> None:
    """A reading session's connection runs each statement as its own transaction (see
    `storage.uow.SqlAlchemyUnitOfWork.reading`); also the fresh one of a retry."""
    if session.info.get(READING):
        without_transaction(connection)


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit and survive a dead pooled connection."""
    return sessionmaker(bind=engine, class_=RetryingSession, expire_on_commit=False)
