#!/usr/bin/env python3
"""Run a command against throwaway PostgreSQL, Redis and Radicale (CalDAV) servers.

Usage: python scripts/test_services.py -- <command ...>

Unless TEST_DATABASE_URL / TEST_REDIS_URL / TEST_CALDAV_URL are set, this starts private
PostgreSQL and Redis servers on free 127.0.0.1 ports (installing them with apt-get when
missing) and a Radicale server (from requirements-dev.txt, see scripts/radicale_service.py),
runs the command with TEST_DATABASE_URL, TEST_PG_BIN_DIR, TEST_REDIS_URL,
TEST_REDIS_SERVER_BIN, TEST_CALDAV_URL, TEST_CALDAV_USERNAME and TEST_CALDAV_PASSWORD in its
environment, then stops the servers and deletes their data.
The browser tests' Chromium and Japanese fonts are installed the same way when missing
(Debian's chromium and fonts-noto-cjk; TEST_CHROMIUM names another browser binary).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

PREFIX = "test_services"
START_TIMEOUT = 60
STOP_TIMEOUT = 30
DB_NAME = "roombot_test"
PG_USER = "postgres"
PG_TOOLS = ("initdb", "pg_ctl", "postgres")
PG_SETTINGS = (
    "listen_addresses=127.0.0.1",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "max_connections=200",
)
REDIS_DIRS = ("/usr/bin", "/usr/local/bin")
HANDLED_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
USAGE = "usage: python scripts/test_services.py -- <command ...>"


class ServiceError(Exception):
    """A test service could not be provided; the message says which and why."""


@dataclass(frozen=True)
class PgServer:
    """A throwaway PostgreSQL cluster living in one temporary directory."""

    bin_dir: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        """Return the cluster's data directory."""
        return self.root / "data"

    @property
    def log(self) -> Path:
        """Return the server log file."""
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """Return the connection URL of the test database."""
        return f"postgresql://{PG_USER}@127.0.0.1:{self.port}/{DB_NAME}"

    def tool(self, name: str) -> str:
        """Return the path of a PostgreSQL binary from this server's bin dir."""
        return str(self.bin_dir / name)


# --- small helpers -------------------------------------------------------------------


def say(message: str) -> None:
    """Print one status line to stderr."""
    print(f"{PREFIX}: {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is currently free."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def log_tail(path: Path, lines: int = 20) -> str:
    """Return the last lines of a log file, indented, for error messages."""
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "  (no log written)"
    tail = text.splitlines()[-lines:] or ["(log is empty)"]
    return "\n".join(f"  {line}" for line in tail)


def describe_url(url: str) -> str:
    """Return host:port of a URL without any credentials."""
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    host = parts.hostname or "default host"
    return f"{host}:{port}" if port else host


def tool_version(binary: str, pattern: str) -> str:
    """Return the version a binary reports via --version, or '?'."""
    try:
        out = subprocess.run(
            [binary, "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "?"
    match = re.search(pattern, out)
    return match.group(1) if match else "?"


def stop_process(proc: subprocess.Popen[bytes], name: str, grace: float = 10) -> None:
    """Terminate a child process, killing it if it does not exit in time."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        say(f"{name} did not exit after SIGTERM; killing it")
        proc.kill()
        proc.wait()


# --- signals ---------------------------------------------------------------------------


def _exit_on_signal(signum: int, _frame: FrameType | None) -> NoReturn:
    """Turn a termination signal into SystemExit so cleanup code runs."""
    raise SystemExit(128 + signum)


def set_signal_handlers(handler: Callable[[int, FrameType | None], Any] | signal.Handlers) -> None:
    """Install one handler for all signals that should end the run."""
    for signum in HANDLED_SIGNALS:
        signal.signal(signum, handler)


# --- installing packages -----------------------------------------------------------------


def root_prefix(names: str) -> list[str]:
    """Return the prefix that runs a command as root (nothing or sudo -n), or fail."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        return ["sudo", "-n"]
    raise ServiceError(f"{names} missing; installing it needs root, but sudo is unavailable")


def apt_install(packages: list[str], recommends: bool = True) -> None:
    """Install Debian packages non-interactively with apt-get."""
    names = " ".join(packages)
    if not shutil.which("apt-get"):
        raise ServiceError(
            f"{names} missing and apt-get unavailable; install it or set "
            "TEST_DATABASE_URL / TEST_REDIS_URL"
        )
    prefix = [*root_prefix(names), "env", "DEBIAN_FRONTEND=noninteractive"]
    say(f"installing {names} with apt-get")
    install = ["apt-get", "install", "-y", *([] if recommends else ["--no-install-recommends"])]
    for cmd in (["apt-get", "update"], [*install, *packages]):
        result = subprocess.run([*prefix, *cmd], stdout=sys.stderr, check=False)
        if result.returncode != 0:
            raise ServiceError(f"'{' '.join(cmd)}' failed (exit {result.returncode})")


def ensure_installed(need_pg: bool, need_redis: bool) -> None:
    """Install PostgreSQL and/or Redis when they are needed but missing."""
    packages = []
    if need_pg and find_pg_bin_dir() is None:
        packages.append("postgresql")
    if need_redis and find_redis_server() is None:
        packages.append("redis-server")
    if packages:
        apt_install(packages)


# --- the browser tests' Chromium and fonts ------------------------------------------------


def find_chromium() -> str | None:
    """Find a Chromium binary: TEST_CHROMIUM, else Debian's on PATH."""
    given = os.environ.get("TEST_CHROMIUM")
    if given:
        return given if os.access(given, os.X_OK) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


def has_japanese_font() -> bool:
    """Tell whether fontconfig knows a font covering Japanese."""
    if not shutil.which("fc-list"):
        return False
    result = subprocess.run(
        ["fc-list", ":lang=ja", "family"], capture_output=True, text=True, check=False
    )
    return bool(result.stdout.strip())


def provide_browser() -> dict[str, str]:
    """Install Chromium and Japanese fonts when missing; return TEST_CHROMIUM."""
    packages = [] if find_chromium() else ["chromium"]
    packages += [] if has_japanese_font() else ["fonts-noto-cjk"]
    if packages:
        apt_install(packages, recommends=False)
    chromium = find_chromium()
    if chromium is None or not has_japanese_font():
        raise ServiceError("Chromium or a Japanese font is still missing after apt-get install")
    say(f"Chromium at {chromium} ({tool_version(chromium, r'Chromium ([0-9.]+)')})")
    return {"TEST_CHROMIUM": chromium}


# --- PostgreSQL ---------------------------------------------------------------------------


def has_pg_tools(bin_dir: Path) -> bool:
    """Tell whether a directory holds initdb, pg_ctl and postgres."""
    return all(os.access(bin_dir / name, os.X_OK) for name in PG_TOOLS)


def _version_key(bin_dir: Path) -> tuple[int, ...]:
    """Sort key for /usr/lib/postgresql/<version>/bin directories."""
    try:
        return tuple(int(part) for part in bin_dir.parent.name.split("."))
    except ValueError:
        return (-1,)


def find_pg_bin_dir() -> Path | None:
    """Find PostgreSQL server binaries: newest Debian-style install first, then PATH."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key)
    for bin_dir in reversed(candidates):
        if has_pg_tools(bin_dir):
            return bin_dir
    initdb = shutil.which("initdb")
    if initdb and has_pg_tools(Path(initdb).resolve().parent):
        return Path(initdb).resolve().parent
    return None


def ensure_pg_user() -> pwd.struct_passwd:
    """Return the postgres system user, creating it if absent (root only)."""
    try:
        return pwd.getpwnam(PG_USER)
    except KeyError:
        pass
    say(f"creating system user {PG_USER!r} to run PostgreSQL")
    cmd = ["useradd", "--system", "--user-group", "--no-create-home"]
    subprocess.run([*cmd, "--shell", "/usr/sbin/nologin", PG_USER], check=True)
    return pwd.getpwnam(PG_USER)


def as_pg_user(cmd: list[str]) -> list[str]:
    """Return cmd wrapped so it runs as the postgres user when we are root."""
    if os.geteuid() != 0:
        return cmd
    if shutil.which("runuser"):
        return ["runuser", "-u", PG_USER, "--", *cmd]
    if shutil.which("setpriv"):
        ids = [f"--reuid={PG_USER}", f"--regid={PG_USER}", "--init-groups"]
        return ["setpriv", *ids, "--", *cmd]
    return ["su", "-s", "/bin/sh", PG_USER, "-c", shlex.join(cmd)]


def pg_env() -> dict[str, str]:
    """Return the environment without PG* variables that could redirect our tools."""
    return {key: val for key, val in os.environ.items() if not key.startswith("PG")}


def run_captured(
    cmd: list[str], cwd: Path, env: dict[str, str]
) -> subprocess.CompletedProcess[str]:
    """Run cmd in its own process group; kill the whole group if we are interrupted."""
    proc = subprocess.Popen(
        cmd,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate()
    except BaseException:
        kill_group(proc)
        raise
    return subprocess.CompletedProcess(cmd, proc.returncode, out, err)


def kill_group(proc: subprocess.Popen[str]) -> None:
    """SIGKILL a child's process group and wait briefly until it is gone."""
    with contextlib.suppress(OSError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except OSError:
            return
        time.sleep(0.05)


def remove_tree(path: Path) -> None:
    """Delete a directory tree, retrying briefly if something still writes into it."""
    for _ in range(10):
        shutil.rmtree(path, ignore_errors=True)
        if not path.exists():
            return
        time.sleep(0.2)
    say(f"could not remove {path}")


def pg_run(
    server: PgServer, cmd: list[str], as_owner: bool = True
) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool (as the cluster owner if asked), capturing its output."""
    full = as_pg_user(cmd) if as_owner else cmd
    return run_captured(full, cwd=server.root, env=pg_env())


def make_pg_root(stack: contextlib.ExitStack) -> Path:
    """Create the temporary directory for a cluster, owned by the user that runs it."""
    parent = "/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None
    root = Path(tempfile.mkdtemp(prefix="roombot-pg-", dir=parent))
    stack.callback(remove_tree, root)
    if os.geteuid() == 0:
        user = ensure_pg_user()
        os.chown(root, user.pw_uid, user.pw_gid)
    return root


def init_cluster(server: PgServer) -> None:
    """Run initdb, falling back to --no-locale when C.UTF-8 is unavailable."""
    base = [server.tool("initdb"), "-D", str(server.data), "-A", "trust", "-U", PG_USER]
    base += ["-E", "UTF8", "--no-sync"]
    result = pg_run(server, [*base, "--locale=C.UTF-8"])
    if result.returncode != 0:
        shutil.rmtree(server.data, ignore_errors=True)
        result = pg_run(server, [*base, "--no-locale"])
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip()
        raise ServiceError(f"PostgreSQL initdb failed:\n{output}")


def start_cluster(server: PgServer) -> None:
    """Start the cluster with pg_ctl and wait until it accepts connections."""
    options = [f"-p {server.port}", f"-k {shlex.quote(str(server.root))}"]
    options += [f"-c {setting}" for setting in PG_SETTINGS]
    cmd = [server.tool("pg_ctl"), "-w", "-t", str(START_TIMEOUT), "-D", str(server.data)]
    cmd += ["-l", str(server.log), "-o", " ".join(options), "start"]
    result = pg_run(server, cmd)
    if result.returncode != 0:
        raise ServiceError(
            f"PostgreSQL failed to start on port {server.port} "
            f"({result.stderr.strip() or 'pg_ctl failed'}); log tail:\n{log_tail(server.log)}"
        )


def create_database(server: PgServer) -> None:
    """Create the test database over TCP with createdb (or psql as a fallback)."""
    conn = ["-h", "127.0.0.1", "-p", str(server.port), "-U", PG_USER]
    if os.access(server.bin_dir / "createdb", os.X_OK):
        cmd = [server.tool("createdb"), *conn, DB_NAME]
    else:
        psql = shutil.which("psql") or server.tool("psql")
        cmd = [psql, *conn, "-d", "postgres", "-c", f'CREATE DATABASE "{DB_NAME}"']
    result = pg_run(server, cmd, as_owner=False)
    if result.returncode != 0:
        raise ServiceError(f"could not create database {DB_NAME}: {result.stderr.strip()}")


def kill_postmaster(data: Path) -> None:
    """Shut down a postmaster by signal after pg_ctl stop has failed."""
    try:
        pid = int((data / "postmaster.pid").read_text().splitlines()[0])
        os.kill(pid, signal.SIGQUIT)
    except (OSError, ValueError, IndexError):
        return
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)


def wait_for_file(path: Path, seconds: float) -> bool:
    """Tell whether path exists now or appears within the given time."""
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def stop_cluster(server: PgServer) -> None:
    """Stop the cluster with pg_ctl stop -m fast, falling back to signals."""
    if not wait_for_file(server.data / "postmaster.pid", seconds=1):
        return
    cmd = [server.tool("pg_ctl"), "stop", "-w", "-t", str(STOP_TIMEOUT), "-m", "fast"]
    result = pg_run(server, [*cmd, "-D", str(server.data)])
    if result.returncode != 0 and (server.data / "postmaster.pid").exists():
        say(f"pg_ctl stop failed ({result.stderr.strip()}); signalling postmaster")
        kill_postmaster(server.data)


def start_postgres(stack: contextlib.ExitStack, bin_dir: Path) -> str:
    """Start a throwaway cluster, register its cleanup and return its database URL."""
    root = make_pg_root(stack)
    server = PgServer(bin_dir=bin_dir, root=root, port=free_port())
    init_cluster(server)
    stack.callback(stop_cluster, server)
    start_cluster(server)
    create_database(server)
    version = tool_version(server.tool("postgres"), r"PostgreSQL\)\s*(\d+)")
    say(f"PostgreSQL {version} on 127.0.0.1:{server.port} (throwaway)")
    return server.url


def provide_postgres(stack: contextlib.ExitStack) -> dict[str, str]:
    """Return PostgreSQL env vars, starting a throwaway server unless one is given."""
    bin_dir = find_pg_bin_dir()
    env = {"TEST_PG_BIN_DIR": str(bin_dir)} if bin_dir else {}
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        say(f"PostgreSQL at {describe_url(url)} (from TEST_DATABASE_URL)")
        return env
    if bin_dir is None:
        raise ServiceError("PostgreSQL binaries (initdb, pg_ctl, postgres) not found")
    env["TEST_DATABASE_URL"] = start_postgres(stack, bin_dir)
    return env


# --- Redis ------------------------------------------------------------------------------


def find_redis_server() -> str | None:
    """Find the redis-server binary on PATH or in the usual directories."""
    found = shutil.which("redis-server")
    if found:
        return found
    for directory in REDIS_DIRS:
        candidate = os.path.join(directory, "redis-server")
        if os.access(candidate, os.X_OK):
            return candidate
    return None


def _reply_complete(reply: bytes) -> bool:
    """Tell whether a buffered RESP reply (simple line or bulk string) is complete."""
    head, sep, body = reply.partition(b"\r\n")
    if not sep or not head.startswith(b"$"):
        return bool(sep)
    size = int(head[1:])
    return size < 0 or len(body) >= size + 2


def redis_query(port: int, command: str) -> bytes:
    """Send one inline command to Redis on 127.0.0.1:port and return the raw reply."""
    reply = b""
    with socket.create_connection(("127.0.0.1", port), timeout=2) as sock:
        sock.sendall(command.encode() + b"\r\n")
        while not _reply_complete(reply):
            chunk = sock.recv(65536)
            if not chunk:
                break
            reply += chunk
    return reply


def redis_ping(port: int) -> bool:
    """Tell whether a Redis server on 127.0.0.1:port answers PING with +PONG."""
    try:
        return redis_query(port, "PING").startswith(b"+PONG")
    except (OSError, ValueError):
        return False


def check_redis_owner(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Make sure the server answering on port is our child, not some other Redis."""
    try:
        match = re.search(rb"process_id:(\d+)", redis_query(port, "INFO server"))
    except (OSError, ValueError):
        match = None
    if match is None or int(match.group(1)) != proc.pid:
        raise ServiceError(
            f"Redis failed to start: port {port} is answered by another server; "
            f"log tail:\n{log_tail(log)}"
        )


def wait_for_redis(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    """Wait until our Redis answers PING, or raise with its log tail."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise ServiceError(
                f"Redis failed to start on port {port} (exit {proc.returncode}); "
                f"log tail:\n{log_tail(log)}"
            )
        if redis_ping(port):
            check_redis_owner(proc, port, log)
            return
        time.sleep(0.05)
    raise ServiceError(
        f"Redis failed to start: no PONG on port {port} within {START_TIMEOUT}s; "
        f"log tail:\n{log_tail(log)}"
    )


def start_redis(stack: contextlib.ExitStack, server_bin: str) -> str:
    """Start a throwaway Redis server, register its cleanup and return its URL."""
    root = Path(tempfile.mkdtemp(prefix="roombot-redis-"))
    stack.callback(remove_tree, root)
    port, log = free_port(), root / "redis.log"
    cmd = [server_bin, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    cmd += ["--appendonly", "no", "--daemonize", "no", "--dir", str(root)]
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=root,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.callback(stop_process, proc, "Redis")
    wait_for_redis(proc, port, log)
    version = tool_version(server_bin, r"v=(\S+)")
    say(f"Redis {version} on 127.0.0.1:{port} (throwaway)")
    return f"redis://127.0.0.1:{port}/0"


def provide_redis(stack: contextlib.ExitStack) -> dict[str, str]:
    """Return Redis env vars, starting a throwaway server unless one is given."""
    server_bin = find_redis_server()
    env = {"TEST_REDIS_SERVER_BIN": server_bin} if server_bin else {}
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        say(f"Redis at {describe_url(url)} (from TEST_REDIS_URL)")
        return env
    if server_bin is None:
        raise ServiceError("redis-server binary not found")
    env["TEST_REDIS_URL"] = start_redis(stack, server_bin)
    return env


# --- Radicale (CalDAV) ------------------------------------------------------------------------


def _radicale_tools() -> Any:
    """scripts/radicale_service.py, loaded by path (this file is also loaded by path)."""
    path = Path(__file__).resolve().parent / "radicale_service.py"
    spec = importlib.util.spec_from_file_location("roombot_radicale_service", path)
    if spec is None or spec.loader is None:
        raise ServiceError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def provide_radicale(stack: contextlib.ExitStack) -> dict[str, str]:
    """Return CalDAV env vars, starting a throwaway Radicale unless TEST_CALDAV_URL is given."""
    url = os.environ.get("TEST_CALDAV_URL")
    if url:
        say(f"CalDAV at {describe_url(url)} (from TEST_CALDAV_URL)")
        return {}
    tools = _radicale_tools()
    server = tools.RadicaleServer()
    stack.callback(server.remove)
    try:
        server.start()
    except tools.RadicaleError as exc:
        raise ServiceError(str(exc)) from None
    say(f"Radicale on 127.0.0.1:{server.port} (throwaway)")
    return {
        "TEST_CALDAV_URL": server.url,
        "TEST_CALDAV_USERNAME": tools.USERNAME,
        "TEST_CALDAV_PASSWORD": server.password,
    }


# --- main ---------------------------------------------------------------------------------


def parse_command(argv: list[str]) -> list[str]:
    """Return the command after '--', or exit 2 with usage."""
    if len(argv) < 2 or argv[0] != "--":
        print(USAGE, file=sys.stderr)
        raise SystemExit(2)
    return argv[1:]


def provide_services(stack: contextlib.ExitStack) -> dict[str, str]:
    """Make PostgreSQL, Redis and Radicale available; return the environment for the command."""
    need_pg = not os.environ.get("TEST_DATABASE_URL")
    need_redis = not os.environ.get("TEST_REDIS_URL")
    ensure_installed(need_pg, need_redis)
    env = dict(os.environ)
    env.update(provide_postgres(stack))
    env.update(provide_redis(stack))
    env.update(provide_browser())
    env.update(provide_radicale(stack))
    return env


def run_command(cmd: list[str], env: dict[str, str]) -> int:
    """Run the command with inherited stdio and return a shell-style exit code."""
    try:
        proc = subprocess.Popen(cmd, env=env)
    except OSError as exc:
        say(f"cannot run {cmd[0]!r}: {exc}")
        return 127
    try:
        code = proc.wait()
    finally:
        stop_process(proc, cmd[0])
    return 128 - code if code < 0 else code


def main(argv: list[str]) -> int:
    """Provide the services, run the command, and always clean up."""
    cmd = parse_command(argv)
    stack = contextlib.ExitStack()
    set_signal_handlers(_exit_on_signal)
    try:
        env = provide_services(stack)
        return run_command(cmd, env)
    except ServiceError as exc:
        say(f"error: {exc}")
        return 1
    finally:
        set_signal_handlers(signal.SIG_IGN)
        stack.close()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
