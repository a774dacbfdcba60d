"""The files in deploy/ are valid for the tools that read them: nginx, systemd, logrotate,
bash, docker compose, and the app's own settings (.env.example).

Missing tools are installed with apt-get when we are root; a tool that cannot be had fails
the test in CI and skips it elsewhere, with the reason.
"""

from __future__ import annotations

import fcntl
import http.client
import json
import os
import re
import runpy
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace
from typing import Any, NoReturn

import pytest
import yaml
from dotenv import dotenv_values
from gunicorn.config import Config
from gunicorn.workers.gthread import ThreadWorker

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SITE = DEPLOY / "nginx" / "meeting-room.conf"
UNITS = sorted((DEPLOY / "systemd").glob("roombot-*.*"))
ENV_EXAMPLE = DEPLOY / ".env.example"
APP_ROOT = "/var/www/meeting-room"
SBIN_PATH = os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"])
APT_LOCK = "/tmp/roombot-test-apt.lock"  # one tool install at a time across xdist workers
APT_LOCK_WAIT_S = 300
TOKEN_PATTERNS = (r"xox[abpr]-[0-9A-Za-z]{6,}", r"xapp-\d-[0-9A-Za-z]{6,}", r"sk-[A-Za-z0-9]{20,}")


def unavailable(reason: str) -> NoReturn:
    """A required tool is missing: fail in CI, skip elsewhere."""
    pytest.fail(reason) if os.environ.get("CI") else pytest.skip(reason)
    raise AssertionError(reason)  # not reached: both calls raise


def ensure_tool(binary: str, *packages: str) -> str:
    """The path of binary, installing the first Debian package that provides it if need be.

    The xdist workers install one at a time (a file lock), and apt-get waits for dpkg's lock
    rather than failing while another process (the other worker, another job) holds it.
    """
    found = shutil.which(binary, path=SBIN_PATH)
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        unavailable(f"{binary} is missing and cannot be installed without root and apt-get")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    wait = ["-o", f"DPkg::Lock::Timeout={APT_LOCK_WAIT_S}"]
    with open(APT_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for attempt in range(2):
            found = shutil.which(binary, path=SBIN_PATH)  # the other worker may have installed it
            if found:
                return found
            if attempt:  # the package lists may be missing or stale
                update = ["apt-get", *wait, "update", "-q"]
                subprocess.run(update, env=env, capture_output=True, check=False)
            for package in packages:
                install = ["apt-get", *wait, "install", "-y", "-q", "--no-install-recommends",
                           package]  # fmt: skip
                subprocess.run(install, env=env, capture_output=True, check=False, timeout=600)
                found = shutil.which(binary, path=SBIN_PATH)
                if found:
                    return found
    unavailable(f"{binary} is missing and apt-get could not install {' or '.join(packages)}")


@pytest.fixture(scope="session")
def nginx() -> str:
    """The nginx binary."""
    return ensure_tool("nginx", "nginx-light", "nginx")


@pytest.fixture(scope="session")
def systemd_analyze() -> str:
    """The systemd-analyze binary."""
    return ensure_tool("systemd-analyze", "systemd")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# --- nginx ------------------------------------------------------------------------------


def nginx_conf(tmp_path: Path, site: Path, serve: bool = False) -> Path:
    """A minimal nginx.conf in tmp_path that includes the site, as sites-enabled would."""
    temp = "".join(
        f"    {kind}_temp_path {tmp_path / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    single = "daemon off;\nmaster_process off;\n" if serve else ""
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"{single}pid {tmp_path / 'nginx.pid'};\nerror_log {tmp_path / 'error.log'};\n"
        f"events {{}}\nhttp {{\n    access_log {tmp_path / 'access.log'};\n{temp}"
        f"    include {site};\n}}\n"
    )
    return conf


def test_nginx_accepts_the_site(nginx: str, tmp_path: Path) -> None:
    """`nginx -t` passes with the shipped site included from an http block."""
    conf = nginx_conf(tmp_path, SITE)
    cmd = [nginx, "-t", "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert "test is successful" in done.stderr


def test_site_is_the_guides_proxy_with_slack_never_redirected() -> None:
    """Proxy headers and static caching as in the guide; /slack/events has no redirect."""
    site = SITE.read_text()
    for header in ("Host $host", "X-Real-IP $remote_addr", "X-Forwarded-Proto $scheme"):
        assert f"proxy_set_header {header};" in site
    assert "X-Forwarded-For $proxy_add_x_forwarded_for" in site
    assert re.search(r"^\s*listen 80;", site, re.M)
    assert "client_max_body_size" in site and "certbot --nginx -d your-domain.com" in site
    slack = re.search(r"location = /slack/events \{(.*?)\}", site, re.S)
    assert slack and "return" not in slack.group(1) and "proxy_pass" in slack.group(1)
    active = "\n".join(line.split("#")[0] for line in site.splitlines())
    assert "return 301" not in active  # HTTPS redirects are opt-in, and never for Slack


class Upstream(BaseHTTPRequestHandler):
    """A stand-in for gunicorn: answers every request with what it received."""

    def _echo(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {"method": self.command, "path": self.path, "headers": dict(self.headers.items())}
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _echo  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def upstream() -> Iterator[int]:
    """The fake app on a free port."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Upstream)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield int(server.server_address[1])
    server.shutdown()
    server.server_close()


def wait_for_port(port: int, proc: subprocess.Popen[str], seconds: float = 10) -> None:
    """Return once something accepts connections on the port; fail if nginx died first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"nginx exited: {proc.communicate()[1]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    pytest.fail(f"nginx did not listen on {port} within {seconds}s")


@pytest.fixture
def running_site(nginx: str, upstream: int, tmp_path: Path) -> Iterator[int]:
    """The site with HTTPS redirects switched on, served by nginx on a free port."""
    static = tmp_path / "static"
    static.mkdir()
    (static / "app.css").write_text("body {}\n")
    site = SITE.read_text()
    redirect = "# if ($scheme = http) { return 301 https://$host$request_uri; }"
    assert redirect in site, "the opt-in HTTPS redirect line is gone from the site"
    port = free_port()
    site = site.replace(redirect, redirect.lstrip("# "))
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    site = site.replace("server 127.0.0.1:3978;", f"server 127.0.0.1:{upstream};")
    site = site.replace(f"alias {APP_ROOT}/static/;", f"alias {static}/;")
    (tmp_path / "site.conf").write_text(site)
    conf = nginx_conf(tmp_path, tmp_path / "site.conf", serve=True)
    cmd = [nginx, "-p", str(tmp_path), "-e", str(tmp_path / "error.log"), "-c", str(conf)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port, proc)
        yield port
    finally:
        proc.terminate()
        proc.communicate(timeout=10)


def request(
    port: int, method: str, path: str, body: bytes = b""
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request to nginx: status, headers, body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers={"Host": "your-domain.com"})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_redirect_to_https_spares_slack_events_and_proxies_with_the_guides_headers(
    running_site: int,
) -> None:
    """With the redirect on, browsers go to HTTPS while Slack's POST still reaches the app."""
    status, _, body = request(running_site, "POST", "/slack/events", b"payload=1")
    assert status == 200
    seen = json.loads(body)
    assert (seen["method"], seen["path"]) == ("POST", "/slack/events")
    headers = {k.lower(): v for k, v in seen["headers"].items()}
    assert headers["host"] == "your-domain.com"
    assert headers["x-forwarded-proto"] == "http"
    assert headers["x-real-ip"] == headers["x-forwarded-for"] == "127.0.0.1"
    status, headers_out, _ = request(running_site, "GET", "/health")
    assert status == 301
    assert headers_out["Location"] == "https://your-domain.com/health"


def test_teams_messages_are_proxied_to_the_teams_process_and_never_redirected(
    running_site: int,
) -> None:
    """With the HTTPS redirect on, the Bot Framework's POST /api/messages still reaches Teams."""
    status, _, body = request(running_site, "POST", "/api/messages", b"{}")
    assert status == 200
    assert json.loads(body)["path"] == "/api/messages"
    site = SITE.read_text()
    teams = re.search(r"location = /api/messages \{(.*?)\}", site, re.S)
    assert teams and "proxy_pass http://meeting_room_teams;" in teams.group(1)
    assert re.search(r"upstream meeting_room_teams \{[^}]*server 127\.0\.0\.1:3978;", site)


def test_static_files_are_cached_for_a_year_and_big_bodies_refused(running_site: int) -> None:
    """/static/ is served by nginx with long immutable caching; a 2 MB POST gets 413."""
    status, headers, body = request(running_site, "GET", "/static/app.css")
    assert (status, body) == (200, b"body {}\n")
    assert "immutable" in headers["Cache-Control"] and "Expires" in headers
    conn = http.client.HTTPConnection("127.0.0.1", running_site, timeout=10)
    try:  # announce 2 MB; nginx answers from the headers, before any body is sent
        conn.putrequest("POST", "/slack/events", skip_host=True)
        conn.putheader("Host", "your-domain.com")
        conn.putheader("Content-Length", str(2 * 1024 * 1024))
        conn.endheaders()
        assert conn.getresponse().status == 413
    finally:
        conn.close()


# --- systemd ------------------------------------------------------------------------------


def unit_settings(path: Path) -> list[tuple[str, str, str]]:
    """(section, key, value) for every assignment in a unit file."""
    section, found = "", []
    for line in path.read_text().splitlines():
        line = line.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
        elif line and not line.startswith(("#", ";")) and "=" in line:
            key, value = line.split("=", 1)
            found.append((section, key.strip(), value.strip()))
    return found


def test_units_are_present() -> None:
    """Web, Socket Mode and scheduler units ship, plus the backup service and its timer."""
    names = {unit.name for unit in UNITS}
    assert {"roombot-web.service", "roombot-socket.service", "roombot-scheduler.service"} <= names
    assert "roombot-teams.service" in names
    assert {"roombot-backup.service", "roombot-backup.timer"} <= names


def test_systemd_analyze_verify_passes(systemd_analyze: str, tmp_path: Path) -> None:
    """Every unit verifies cleanly, with the app's paths laid out in a temporary root."""
    root = tmp_path / "root"
    for folder in ("venv/bin", "deploy", "logs", "var"):
        (root / folder).mkdir(parents=True)
    bin_dir = Path(os.environ.get("VIRTUAL_ENV") or ROOT / ".venv") / "bin"
    for tool in ("python", "gunicorn"):
        real = bin_dir / tool if (bin_dir / tool).exists() else Path(shutil.which(tool) or "")
        (root / "venv" / "bin" / tool).symlink_to(real)
    shutil.copy(DEPLOY / "backup.sh", root / "deploy" / "backup.sh")
    shutil.copy(ENV_EXAMPLE, root / ".env")
    units = tmp_path / "units"
    units.mkdir()
    for unit in UNITS:
        (units / unit.name).write_text(unit.read_text().replace(APP_ROOT, str(root)))
    cmd = [systemd_analyze, "verify", "--man=no", *sorted(str(p) for p in units.iterdir())]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    ours = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if str(units) in line or "roombot-" in line
    ]
    assert done.returncode == 0 and not ours, done.stdout + done.stderr


def gunicorn_graceful_timeout() -> int:
    """graceful_timeout from deploy/gunicorn.conf.py."""
    match = re.search(
        r"^graceful_timeout\s*=\s*(\d+)", (DEPLOY / "gunicorn.conf.py").read_text(), re.M
    )
    assert match, "graceful_timeout is not set in deploy/gunicorn.conf.py"
    return int(match.group(1))


@pytest.mark.parametrize(
    "name", ["roombot-web", "roombot-socket", "roombot-scheduler", "roombot-teams"]
)
def test_long_running_units_follow_the_guide(name: str) -> None:
    """www-data, the app directory, its .env, JST, always restarted, hardened."""
    settings = unit_settings(DEPLOY / "systemd" / f"{name}.service")
    service = {key: value for section, key, value in settings if section == "Service"}
    environment = [value for _, key, value in settings if key == "Environment"]
    assert service["User"] == service["Group"] == "www-data"
    assert service["WorkingDirectory"] == APP_ROOT
    assert service["EnvironmentFile"] == f"{APP_ROOT}/.env"
    assert "TZ=Asia/Tokyo" in environment
    assert service["Restart"] == "always"
    assert service["KillSignal"] == "SIGTERM"
    assert int(service["TimeoutStopSec"]) >= gunicorn_graceful_timeout()
    for key, value in (("NoNewPrivileges", "true"), ("PrivateTmp", "true")):
        assert service[key] == value
    assert service["ProtectSystem"] in ("full", "strict")
    assert "logs" in service["ReadWritePaths"] and "var" in service["ReadWritePaths"]


def test_web_unit_runs_gunicorn_with_the_config_and_reloads_on_hup() -> None:
    """gunicorn bot.wsgi:app with deploy/gunicorn.conf.py; reload is SIGHUP to the arbiter."""
    service = {k: v for _, k, v in unit_settings(DEPLOY / "systemd" / "roombot-web.service")}
    assert "--config deploy/gunicorn.conf.py bot.wsgi:app" in service["ExecStart"]
    assert service["ExecReload"] == "/bin/kill -s HUP $MAINPID"
    assert service["KillMode"] == "mixed"  # SIGTERM to the arbiter, which drains its workers


def test_scheduler_unit_says_when_to_use_it() -> None:
    """The scheduler unit runs `python -m bot scheduler` and names SCHEDULER_IN_WEB=false."""
    text = (DEPLOY / "systemd" / "roombot-scheduler.service").read_text()
    assert "SCHEDULER_IN_WEB=false" in text
    assert re.search(r"^ExecStart=\S+/python -m bot scheduler$", text, re.M)
    socket_unit = (DEPLOY / "systemd" / "roombot-socket.service").read_text()
    assert re.search(r"^ExecStart=\S+/python -m bot socket$", socket_unit, re.M)
    teams_unit = (DEPLOY / "systemd" / "roombot-teams.service").read_text()
    assert re.search(r"^ExecStart=\S+/python -m bot teams$", teams_unit, re.M)


def test_backup_timer_runs_daily_at_two_in_japan() -> None:
    """The guide's cron `0 2 * * *`, in JST whatever the server's zone."""
    timer = {k: v for _, k, v in unit_settings(DEPLOY / "systemd" / "roombot-backup.timer")}
    assert timer["OnCalendar"] == "*-*-* 02:00:00 Asia/Tokyo"
    assert timer["Persistent"] == "true"


# --- logrotate, scripts, compose, .env.example --------------------------------------------


def test_logrotate_config_parses(tmp_path: Path) -> None:
    """`logrotate -d` reads the config without complaint; daily, 14 kept, compressed."""
    logrotate = ensure_tool("logrotate", "logrotate")
    config = tmp_path / "meeting-room"
    shutil.copy(DEPLOY / "logrotate" / "meeting-room", config)
    config.chmod(0o644)
    cmd = [logrotate, "-d", "-s", str(tmp_path / "state"), str(config)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0, done.stderr
    assert "error" not in (done.stdout + done.stderr).lower()
    text = config.read_text()
    assert f"{APP_ROOT}/logs/*.log" in text
    for directive in ("daily", "rotate 14", "compress", "copytruncate"):
        assert re.search(rf"^\s*{directive}$", text, re.M), directive


@pytest.mark.parametrize("script", ["backup.sh", "restore.sh"])
def test_scripts_are_valid_bash(script: str) -> None:
    """`bash -n` passes, and shellcheck too; both are strict and executable."""
    path = DEPLOY / script
    done = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "set -euo pipefail" in path.read_text()
    assert os.access(path, os.X_OK)
    shellcheck = ensure_tool("shellcheck", "shellcheck")
    done = subprocess.run(
        [shellcheck, "-x", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout


def test_docker_compose_has_postgres_15_and_redis_7_with_healthchecks() -> None:
    """Local services as the guide sets them up: meeting_rooms/meeting_user, Redis with AOF."""
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    postgres, redis = compose["services"]["postgres"], compose["services"]["redis"]
    assert postgres["image"].startswith("postgres:15")
    assert postgres["environment"]["POSTGRES_DB"] == "meeting_rooms"
    assert postgres["environment"]["POSTGRES_USER"] == "meeting_user"
    assert redis["image"].startswith("redis:7")
    command = " ".join(redis["command"])
    assert "--requirepass ${REDIS_PASSWORD:-" in command and "--appendonly yes" in command
    for service in (postgres, redis):
        assert service["healthcheck"]["test"]


def variables_read_by_settings() -> set[str]:
    """Every variable bot/settings.py reads: read.<kind>("NAME" and PRODUCTION_SECRETS."""
    source = (ROOT / "bot" / "settings.py").read_text()
    names = set(re.findall(r"read\.\w+\(\s*\"([A-Z][A-Z0-9_]*)\"", source))
    secrets = re.search(r"PRODUCTION_SECRETS\s*=\s*\(([^)]*)\)", source)
    assert secrets, "PRODUCTION_SECRETS not found in bot/settings.py"
    names |= set(re.findall(r"\"([A-Z][A-Z0-9_]*)\"", secrets.group(1)))
    assert len(names) > 20, f"the regex no longer finds the settings: {sorted(names)}"
    return names


def variables_in_readme() -> set[str]:
    """Every variable named in the first column of the README's Configuration table."""
    readme = (ROOT / "README.md").read_text()
    assert "## Configuration" in readme, "README.md has no Configuration section"
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    rows = [line.split("|")[1] for line in section.splitlines() if line.startswith("| `")]
    return {name for cell in rows for name in re.findall(r"`([A-Z][A-Z0-9_]*)`", cell)}


def documented_variables() -> set[str]:
    """Names assigned in .env.example, commented out or not."""
    text = ENV_EXAMPLE.read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, re.M))


@pytest.mark.parametrize("source", ["bot/settings.py", "README Configuration table"])
def test_env_example_documents_every_variable(source: str) -> None:
    """No setting the app reads, or the README lists, is missing from .env.example."""
    wanted = variables_read_by_settings() if source == "bot/settings.py" else variables_in_readme()
    assert wanted, f"no variables found in {source}"
    assert wanted - documented_variables() == set()


def test_env_example_holds_only_placeholders_that_systemd_and_the_app_accept() -> None:
    """No real-looking token; plain NAME=value lines; the values make valid Settings."""
    text = ENV_EXAMPLE.read_text()
    for pattern in TOKEN_PATTERNS:
        assert not re.search(pattern, text), pattern
    for line in text.splitlines():
        if line and not line.startswith("#"):
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*=\S*", line), f"not a plain assignment: {line!r}"
    values = {k: v for k, v in dotenv_values(ENV_EXAMPLE).items() if v is not None}
    assert values["DATABASE_URL"] == (
        "postgresql://meeting_user:secure_password@localhost/meeting_rooms"
    )
    assert values["FLASK_ENV"] == "production" and values["TZ"] == "Asia/Tokyo"
    settings = Settings.from_env(environ=values, dotenv_path=None)
    settings.check_production()


@pytest.mark.parametrize(("workers", "recycled_after"), [(1, sys.maxsize), (2, 1000), (5, 1000)])
def test_a_lone_worker_is_never_recycled(workers: int, recycled_after: int) -> None:
    """With one worker (no Redis: chat history lives in it) gunicorn's max_requests is off, set
    on each worker as it is forked, so a reload (which reads the file again) keeps it off."""
    shipped = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    cfg = Config()
    cfg.set("max_requests", shipped["max_requests"])
    worker = ThreadWorker(0, os.getpid(), [], SimpleNamespace(), 30, cfg, None)
    try:
        shipped["pre_fork"](SimpleNamespace(num_workers=workers, cfg=cfg), worker)
        assert worker.max_requests == recycled_after
    finally:
        worker.tmp.close()
