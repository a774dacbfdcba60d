"""A throwaway PgBouncer (transaction pooling) in front of one database, and what it breaks.

PgBouncer refuses to run as root, so as root it runs as the `postgres` user (the throwaway
PostgreSQL's owner) from a directory that user owns.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy.engine import make_url

from bench.server import free_port
from storage.engine import make_engine
from storage.locks import LeaderLock

START_TIMEOUT_S = 15.0


def config(url: str, port: int, root: Path, mode: str, pool: int) -> str:
    """pgbouncer.ini: one database, trust auth (as the throwaway PostgreSQL), `mode` pooling."""
    db = make_url(url)
    return (
        f"[databases]\n{db.database} = host={db.host} port={db.port} dbname={db.database}\n"
        f"[pgbouncer]\nlisten_addr = 127.0.0.1\nlisten_port = {port}\nauth_type = trust\n"
        f"auth_file = {root / 'users.txt'}\npool_mode = {mode}\ndefault_pool_size = {pool}\n"
        f"max_client_conn = 1000\nunix_socket_dir =\nlogfile = {root / 'pgbouncer.log'}\n"
        "ignore_startup_parameters = options,application_name\n"
    )


@contextlib.contextmanager
def pgbouncer(url: str, mode: str = "transaction", pool: int = 10) -> Iterator[str]:
    """PgBouncer in front of url's database; yields the URL to connect through it."""
    binary = shutil.which("pgbouncer", path=os.environ.get("PATH", "") + ":/usr/sbin")
    if binary is None:
        raise SystemExit("pgbouncer not found: apt-get install pgbouncer")
    root, port = Path(tempfile.mkdtemp(prefix="roombot-pgbouncer-")), free_port()
    user = make_url(url).username or "postgres"
    (root / "users.txt").write_text(f'"{user}" ""\n')
    (root / "pgbouncer.ini").write_text(config(url, port, root, mode, pool))
    cmd = [binary, str(root / "pgbouncer.ini")]
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in (root, *root.iterdir()):
            os.chown(path, owner.pw_uid, owner.pw_gid)
        cmd = [binary, "-u", "postgres", str(root / "pgbouncer.ini")]
    process = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_for(port, process)
        yield make_url(url).set(host="127.0.0.1", port=port).render_as_string(False)
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(root, ignore_errors=True)


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    """Until PgBouncer accepts connections."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"pgbouncer exited: {process.stderr.read() if process.stderr else ''!r}"
            )
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("pgbouncer did not start")


def two_leaders(url: str) -> bool:
    """Whether two LeaderLocks (two processes' schedulers) both believe they lead via url.

    Directly on PostgreSQL the second is refused. Through transaction pooling the session-level
    advisory lock stays on the server connection after the first's transaction, and the
    second client, served by that same connection, is granted it again (re-entrant).
    """
    first, second = LeaderLock(make_engine(url)), LeaderLock(make_engine(url))
    try:
        return first.acquire() and second.acquire()
    finally:
        first.release()
        second.release()
