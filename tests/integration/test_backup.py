"""deploy/backup.sh and deploy/restore.sh on real PostgreSQL: the guide's backup and recovery.

Each test works in databases of its own on the throwaway server (never the shared test
database), runs the scripts as an operator would, and compares what comes back row by row.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from booking import services
from booking.clock import JST
from booking.policy import Policy
from storage.engine import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.rooms_file import load_rooms, sync_rooms
from storage.uow import SqlAlchemyUnitOfWork
from tests.conftest import NOW, ROOMS_FILE

pytestmark = pytest.mark.postgres

ROOT = Path(__file__).resolve().parents[2]
BACKUP = ROOT / "deploy" / "backup.sh"
RESTORE = ROOT / "deploy" / "restore.sh"
DUMP_NAME = re.compile(r"db_backup_\d{8}_\d{6}\.dump")
PASSWORD = "Bk:up@pw/9%x-Secret"  # needs percent-encoding in a URL
DAY = 86400

MakeDb = Callable[[str], str]


def jst(hour: int, day: int = 29) -> datetime:
    """An instant on a September 2025 day in Japan time."""
    return datetime(2025, 9, day, hour, tzinfo=JST)


def url_for(server_url: str, database: str, user: str | None = None, pw: str | None = None) -> str:
    """A URL for another database (and optionally another role) on the same server."""
    url = make_url(server_url).set(database=database)
    if user:
        url = url.set(username=user, password=pw)
    return url.render_as_string(hide_password=False)


def admin(server_url: str) -> Engine:
    """An autocommit engine for CREATE/DROP DATABASE and roles."""
    return make_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def script_env(**extra: str) -> dict[str, str]:
    """The environment without PG*/DATABASE_URL leaking in from outside, plus extra."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG") and k != "DATABASE_URL"}
    env.pop("ENV_FILE", None)
    env.update(extra)
    return env


def run(script: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run a deploy script with the given environment, capturing its output."""
    return subprocess.run(
        ["bash", str(script), *args],
        env=script_env(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def rows(url: str, table: str) -> list[tuple[object, ...]]:
    """Every row of a table as tuples, ordered by id."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            result = connection.execute(text(f"SELECT * FROM {table} ORDER BY id"))
            return [tuple(row) for row in result]
    finally:
        engine.dispose()


def scalar(url: str, sql: str) -> object:
    """One value from a query."""
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()
    finally:
        engine.dispose()


def closed_port() -> int:
    """A TCP port on 127.0.0.1 with nobody listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def pg_bin_dir() -> str:
    """Where pg_dump and pg_restore of the test server's version live."""
    bin_dir = os.environ.get("TEST_PG_BIN_DIR")
    if not bin_dir:
        found = shutil.which("pg_dump")
        if not found:
            pytest.fail("TEST_PG_BIN_DIR is not set and pg_dump is not on PATH: use `make test`")
        bin_dir = str(Path(found).parent)
    return bin_dir


@pytest.fixture(scope="module")
def make_db(pg_url: str) -> Iterator[MakeDb]:
    """Create uniquely named empty databases on the test server; drop them all afterwards."""
    made: list[str] = []

    def create(prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        engine = admin(pg_url)
        with engine.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        made.append(name)
        return name

    yield create
    engine = admin(pg_url)
    with engine.connect() as connection:
        for name in made:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


@pytest.fixture(scope="module")
def backup_role(pg_url: str) -> Iterator[str]:
    """A login role with a password (the guide's meeting_user), for URLs that carry one."""
    role = f"backup_{uuid.uuid4().hex[:8]}"
    engine = admin(pg_url)
    with engine.connect() as connection:
        connection.execute(
            text(f"CREATE ROLE {role} LOGIN SUPERUSER PASSWORD :pw"), {"pw": PASSWORD}
        )
    yield role
    with engine.connect() as connection:
        connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
    engine.dispose()


def fill(url: str) -> None:
    """Migrate, load the rooms and book through the service layer, as the app would."""
    engine = make_engine(url, poolclass=NullPool)
    upgrade(engine)
    sync_rooms(make_session_factory(engine), load_rooms(ROOMS_FILE))

    def uow() -> SqlAlchemyUnitOfWork:
        return SqlAlchemyUnitOfWork(make_session_factory(engine))

    policy = Policy()
    bookings = [
        ("1", 9, 10, "U1", "定例会議"),
        ("1", 10, 11, "U2", ""),
        ("3", 14, 16, "U1", "1on1"),
    ]
    made = [
        services.create_reservation(
            uow(), policy, room=room, start=jst(start), end=jst(end), owner_id=owner, now=NOW,
            title=title,
        )
        for room, start, end, owner, title in bookings
    ]  # fmt: skip
    services.cancel_reservation(uow(), reservation_id=made[1].id or 0, actor_id="U2", now=NOW)
    engine.dispose()


@pytest.fixture(scope="module")
def source(pg_url: str, make_db: MakeDb, backup_role: str) -> str:
    """A filled database, as a URL in the app's own form: +psycopg2 and a password."""
    name = make_db("backup_src")
    fill(url_for(pg_url, name))
    url = make_url(url_for(pg_url, name)).set(drivername="postgresql+psycopg2")
    url = url.set(username=backup_role, password=PASSWORD)
    return url.render_as_string(hide_password=False)


def back_up(source: str, backup_dir: Path, pg_bin_dir: str, **env: str) -> Path:
    """Run backup.sh successfully and return the dump it wrote."""
    before = set(backup_dir.glob("db_backup_*.dump")) if backup_dir.exists() else set()
    done = run(
        BACKUP, DATABASE_URL=source, BACKUP_DIR=str(backup_dir), PG_BIN_DIR=pg_bin_dir, **env
    )
    assert done.returncode == 0, done.stderr
    assert PASSWORD not in done.stdout + done.stderr
    assert quote(PASSWORD, safe="") not in done.stdout + done.stderr
    (dump,) = set(backup_dir.glob("db_backup_*.dump")) - before
    assert DUMP_NAME.fullmatch(dump.name)
    return dump


def plain(pg_url: str, url: str) -> str:
    """The same database as the test server's own superuser reaches it."""
    return url_for(pg_url, make_url(url).database or "")


@pytest.mark.parametrize("how", ["create database first", "restore.sh --create"])
def test_backup_then_restore_into_fresh_database_gives_identical_rows(
    how: str, source: str, pg_url: str, make_db: MakeDb, pg_bin_dir: str, tmp_path: Path
) -> None:
    """A dump restored into a new database holds the same rooms, reservations and guard."""
    dump = back_up(source, tmp_path / "backups", pg_bin_dir)
    assert [p.name for p in (tmp_path / "backups").iterdir()] == [dump.name]  # no partial file
    if how == "create database first":
        target = url_for(pg_url, make_db("backup_dst"))
        done = run(RESTORE, "--target", target, str(dump), PG_BIN_DIR=pg_bin_dir)
    else:
        target = url_for(pg_url, make_db("backup_new"))
        engine = admin(pg_url)
        with engine.connect() as connection:  # make_db only registered the name for cleanup
            connection.execute(text(f'DROP DATABASE "{make_url(target).database}"'))
        engine.dispose()
        done = run(RESTORE, "--create", str(dump), DATABASE_URL=target, PG_BIN_DIR=pg_bin_dir)
    assert done.returncode == 0, done.stderr

    original = plain(pg_url, source)
    for table in ("rooms", "reservations"):
        assert rows(target, table) == rows(original, table)
    assert len(rows(target, "reservations")) == 3
    version = "SELECT version_num FROM alembic_version"
    assert scalar(target, version) == scalar(original, version)
    guard = "SELECT contype FROM pg_constraint WHERE conname = 'reservations_no_overlap'"
    assert scalar(target, guard) == "x"


def test_restored_database_still_refuses_double_booking_and_keeps_counting_ids(
    source: str, pg_url: str, make_db: MakeDb, pg_bin_dir: str, tmp_path: Path
) -> None:
    """The exclusion constraint works after a restore, and new ids do not collide with old ones."""
    dump = back_up(source, tmp_path, pg_bin_dir)
    target = url_for(pg_url, make_db("backup_dst"))
    assert run(RESTORE, "--target", target, str(dump), PG_BIN_DIR=pg_bin_dir).returncode == 0
    engine = make_engine(target, poolclass=NullPool)
    overlapping = text(
        "INSERT INTO reservations (room_id, owner_id, start_at, end_at, created_at)"
        " VALUES ('1', 'U9', :start, :end, :start)"
    )
    with pytest.raises(IntegrityError) as refused, engine.begin() as connection:
        connection.execute(overlapping, {"start": jst(9), "end": jst(10)})
    assert getattr(refused.value.orig, "pgcode", None) == "23P01"
    uow = SqlAlchemyUnitOfWork(make_session_factory(engine))
    made = services.create_reservation(
        uow, Policy(), room="2", start=jst(9), end=jst(10), owner_id="U9", now=NOW
    )
    engine.dispose()
    restored_ids = [row[0] for row in rows(plain(pg_url, source), "reservations")]
    assert (made.id or 0) > max(restored_ids)  # the sequence was restored too


def test_restore_over_a_changed_database_brings_back_the_backup(
    pg_url: str, make_db: MakeDb, pg_bin_dir: str, tmp_path: Path
) -> None:
    """The guide's recovery: restoring over the live database replaces what changed since."""
    url = url_for(pg_url, make_db("backup_live"))
    fill(url)
    dump = back_up(url, tmp_path, pg_bin_dir)
    saved = rows(url, "reservations")
    engine = make_engine(url, poolclass=NullPool)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM reservations WHERE owner_id = 'U1'"))
        connection.execute(text("UPDATE rooms SET capacity = 99"))
    engine.dispose()
    done = run(RESTORE, str(dump), DATABASE_URL=url, PG_BIN_DIR=pg_bin_dir)
    assert done.returncode == 0, done.stderr
    assert rows(url, "reservations") == saved
    assert 99 not in [row[3] for row in rows(url, "rooms")]


def test_restore_refuses_without_a_file_and_leaves_the_database_alone(
    source: str, pg_url: str, pg_bin_dir: str, tmp_path: Path
) -> None:
    """No file, a missing file or a file that is no dump: non-zero, nothing touched."""
    before = rows(plain(pg_url, source), "reservations")
    not_a_dump = tmp_path / "db_backup_20250101_000000.dump"
    not_a_dump.write_text("SELECT 1;\n")
    for args in ([], [str(tmp_path / "missing.dump")], [str(not_a_dump)]):
        done = run(RESTORE, *args, DATABASE_URL=source, PG_BIN_DIR=pg_bin_dir)
        assert done.returncode != 0, args
        assert "restore.sh: error:" in done.stderr
        assert PASSWORD not in done.stdout + done.stderr
    assert rows(plain(pg_url, source), "reservations") == before


def age(path: Path, days: float) -> Path:
    """Create the file if need be and set its modification time to that many days ago."""
    path.touch()
    stamp = time.time() - days * DAY
    os.utime(path, (stamp, stamp))
    return path


def test_retention_deletes_only_backups_older_than_retention_days(
    source: str, pg_bin_dir: str, tmp_path: Path
) -> None:
    """After a good backup, db_backup_*.dump older than 30 days go; nothing else does."""
    old = age(tmp_path / "db_backup_20250801_020000.dump", 31)
    recent = age(tmp_path / "db_backup_20250803_020000.dump", 29)
    notes = age(tmp_path / "notes.txt", 100)
    guide_sql = age(tmp_path / "db_backup_20250101_020000.sql", 100)
    dump = back_up(source, tmp_path, pg_bin_dir)  # RETENTION_DAYS unset: the guide's 30
    left = {p.name for p in tmp_path.iterdir()}
    assert left == {recent.name, notes.name, guide_sql.name, dump.name}
    assert not old.exists()


def test_retention_days_is_configurable(source: str, pg_bin_dir: str, tmp_path: Path) -> None:
    """RETENTION_DAYS=7 deletes an 8-day-old backup and keeps a 6-day-old one."""
    older = age(tmp_path / "db_backup_20250920_020000.dump", 8)
    newer = age(tmp_path / "db_backup_20250922_020000.dump", 6)
    dump = back_up(source, tmp_path, pg_bin_dir, RETENTION_DAYS="7")
    assert {p.name for p in tmp_path.iterdir()} == {newer.name, dump.name}
    assert not older.exists()


@pytest.mark.parametrize(
    "case", ["server unreachable", "sqlite url", "no pg_dump", "bad retention"]
)
def test_failed_backup_exits_non_zero_leaves_no_file_and_deletes_nothing(
    case: str, source: str, pg_bin_dir: str, tmp_path: Path
) -> None:
    """Any failure: non-zero exit, one clear line, no partial dump, old backups kept."""
    old = age(tmp_path / "db_backup_20250101_020000.dump", 100)
    port = closed_port()
    url = f"postgresql://meeting_user:{quote(PASSWORD, safe='')}@127.0.0.1:{port}/meeting_rooms"
    env = {"DATABASE_URL": url, "BACKUP_DIR": str(tmp_path), "PG_BIN_DIR": pg_bin_dir}
    if case == "sqlite url":
        env["DATABASE_URL"] = "sqlite:///var/roombot.db"
    elif case == "no pg_dump":
        env["PG_BIN_DIR"] = str(tmp_path / "nowhere")
    elif case == "bad retention":
        env["DATABASE_URL"], env["RETENTION_DAYS"] = source, "thirty"
    done = run(BACKUP, **env)
    assert done.returncode != 0
    assert "backup.sh: error:" in done.stderr
    assert [p.name for p in tmp_path.iterdir()] == [old.name]
    output = done.stdout + done.stderr
    assert PASSWORD not in output and quote(PASSWORD, safe="") not in output


FAKE_TOOL = """#!/bin/sh
printf '%s\\n' "$0" "$@" >> "$RECORD/argv"
printf '%s' "$PGPASSWORD" > "$RECORD/pgpassword"
for arg in "$@"; do case $arg in --file=*) echo dump > "${arg#--file=}" ;; esac; done
"""


@pytest.mark.parametrize("given", ["DATABASE_URL", "ENV_FILE"])
def test_password_goes_to_pg_dump_in_the_environment_not_on_its_command_line(
    given: str, tmp_path: Path
) -> None:
    """The URL's password is decoded into PGPASSWORD; argv (visible in ps) never holds it.

    The URL comes from the environment (systemd) or, for cron, from ENV_FILE (the app's .env).
    """
    bin_dir, record = tmp_path / "bin", tmp_path / "record"
    bin_dir.mkdir()
    record.mkdir()
    for tool in ("pg_dump", "pg_restore"):
        (bin_dir / tool).write_text(FAKE_TOOL)
        (bin_dir / tool).chmod(0o755)
    url = f"postgresql+psycopg2://meeting_user:{quote(PASSWORD, safe='')}@db.example:5433/rooms"
    env = {"BACKUP_DIR": str(tmp_path / "out"), "PG_BIN_DIR": str(bin_dir), "RECORD": str(record)}
    if given == "ENV_FILE":
        dotenv = tmp_path / ".env"
        dotenv.write_text(f"FLASK_ENV=production\nDATABASE_URL={url}\nTZ=Asia/Tokyo\n")
        env["ENV_FILE"] = str(dotenv)
    else:
        env["DATABASE_URL"] = url
    done = run(BACKUP, **env)
    assert done.returncode == 0, done.stderr
    argv = (record / "argv").read_text()
    assert "--dbname=postgresql://meeting_user@db.example:5433/rooms" in argv.splitlines()
    assert "--format=custom" in argv.splitlines()
    assert PASSWORD not in argv and quote(PASSWORD, safe="") not in argv
    assert (record / "pgpassword").read_text() == PASSWORD
