"""Operations under real gunicorn with `deploy/gunicorn.conf.py`: reload, shutdown, logs, metrics.

Each test (or module fixture) starts its own master with 2 workers. The signal tests use a
migrated SQLite file and a fake OpenAI whose completions are slow, so `POST /api/chat` is a
request still in flight when the signal arrives; the log scan runs at DEBUG on PostgreSQL with a
password, every secret set and Redis down; the metrics test shares PROMETHEUS_MULTIPROC_DIR.
"""

from __future__ import annotations

import re
import signal
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import text

from storage.engine import make_engine
from storage.migrate import upgrade
from tests.conftest import reset, sqlite_url
from tests.e2e.answers import wait_for_answer
from tests.e2e.conftest import (
    BOT_TOKEN,
    FORM,
    JSON,
    SIGNING_SECRET,
    START_TIMEOUT_S,
    WAIT_S,
    command_body,
    event_body,
    free_port,
    mention,
    new_event_id,
    response_posts,
    signed,
    tomorrow,
)
from tests.e2e.gunicorn_support import (
    Answer,
    Served,
    app_env,
    gunicorn,
    http,
    paused,
    wait_until,
)
from tests.fakes.openai_api import Delay, FakeOpenAI, HttpError, Reply, error_body
from tests.fakes.slack_api import FakeSlack

SLOW_S = 2.0  # how long each fake completion takes
IN_FLIGHT = 4  # slow chat requests in flight when the signal arrives
GRACEFUL_TIMEOUT_S = 25  # deploy/gunicorn.conf.py


def migrated_sqlite(tmp_path: Path) -> str:
    """A migrated SQLite database with the example rooms."""
    url = sqlite_url(tmp_path)
    engine = make_engine(url)
    reset(engine)
    engine.dispose()
    return url


@pytest.fixture
def slow_openai() -> Iterator[FakeOpenAI]:
    """A fake OpenAI whose every completion takes SLOW_S seconds."""
    with FakeOpenAI(responder=lambda body: Delay(SLOW_S, Reply("OK"))) as fake:
        yield fake


@pytest.fixture
def server(tmp_path: Path, slow_openai: FakeOpenAI) -> Iterator[Served]:
    """gunicorn with 2 workers, the slow fake OpenAI and a SQLite database."""
    env = app_env(
        DATABASE_URL=migrated_sqlite(tmp_path),
        OPENAI_API_KEY="sk-test",
        OPENAI_BASE_URL=slow_openai.url,
        LOG_DIR=str(tmp_path / "logs"),
    )
    with gunicorn(env, tmp_path) as served:
        yield served


def chat(base: str, session: str) -> Answer:
    """One /api/chat turn (slow: the fake model takes SLOW_S)."""
    return http("POST", f"{base}/api/chat", {"message": "hello", "sessionId": session}, timeout=30)


def start_slow_chats(
    pool: ThreadPoolExecutor, served: Served, fake: FakeOpenAI
) -> list[Future[Answer]]:
    """Start IN_FLIGHT chat requests and wait until the fake model has received every one."""
    futures = [pool.submit(chat, served.base, f"inflight-{i}") for i in range(IN_FLIGHT)]
    fake.wait_for_requests(IN_FLIGHT, timeout=15)
    assert not any(f.done() for f in futures), "the requests should still be in flight"
    return futures


def healthy(base: str) -> bool:
    """True when /health answers 200; False while no worker is ready to answer in time."""
    try:
        return http("GET", f"{base}/health", timeout=5).status == 200
    except OSError:  # refused, reset or timed out: the workers are still booting
        return False


def test_sighup_reload_loses_no_in_flight_request(server: Served, slow_openai: FakeOpenAI) -> None:
    """Serving /health; SIGHUP while chats are in flight: each gets 200, new workers take over."""
    health = http("GET", f"{server.base}/health")
    assert health.status == 200 and health.json()["status"] == "healthy", health.text
    assert health.json()["timezone"] == "JST"
    old = server.workers()
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        futures = start_slow_chats(pool, server, slow_openai)
        server.signal(signal.SIGHUP)
        answers = [f.result(timeout=30) for f in futures]
    assert [a.status for a in answers] == [200] * IN_FLIGHT, [a.text for a in answers]
    assert all(a.json()["reply"] == "OK" for a in answers)
    wait_until(lambda: len(server.workers()) == 2 and not server.workers() & old, 15,
               "two new workers after the reload")  # fmt: skip
    assert server.process.poll() is None, "the master keeps running through a reload"
    # The new workers import the app before they accept (over 15 s on two loaded cores).
    wait_until(lambda: healthy(server.base), START_TIMEOUT_S, "the new workers to answer /health")
    assert http("GET", f"{server.base}/api/rooms").json()["rooms"]  # the new workers' database


def test_sigterm_drains_in_flight_requests_then_exits_0(
    server: Served, slow_openai: FakeOpenAI
) -> None:
    """SIGTERM while chats are in flight: each completes with 200, the master exits 0 in time."""
    with ThreadPoolExecutor(IN_FLIGHT) as pool:
        futures = start_slow_chats(pool, server, slow_openai)
        signalled = time.monotonic()
        server.signal(signal.SIGTERM)
        answers = [f.result(timeout=30) for f in futures]
        code = server.process.wait(timeout=GRACEFUL_TIMEOUT_S + 5)
    took = time.monotonic() - signalled
    assert [a.status for a in answers] == [200] * IN_FLIGHT, [a.text for a in answers]
    assert code == 0, server.output()
    assert took < GRACEFUL_TIMEOUT_S, f"shutdown took {took:.1f} s"
    assert re.search(r"Shutting down|Handling signal: term", server.output())


# the log scan

SECRET_NAMES = ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN", "OPENAI_API_KEY",
                "API_TOKEN", "SECRET_KEY", "DB_PASSWORD", "REDIS_PASSWORD")  # fmt: skip


def make_secret(name: str, tag: str) -> str:
    """A secret shaped like the real thing, carrying a unique 32-hex tag."""
    shapes = {
        "SLACK_BOT_TOKEN": f"xoxb-1234567890-9876543210-{tag}",
        "SLACK_APP_TOKEN": f"xapp-1-A0{tag[:8].upper()}-1234567890-{tag}",
        "OPENAI_API_KEY": f"sk-proj-{tag}{tag[:8]}",
    }
    return shapes.get(name, tag)


@pytest.fixture(scope="module")
def secrets() -> dict[str, str]:
    """Fresh secret values for this run, by variable name."""
    return {name: make_secret(name, uuid.uuid4().hex) for name in SECRET_NAMES}


def tag_of(secret: str) -> str:
    """A 16-character piece of the secret's random tag (finds truncated or re-encoded copies)."""
    return re.findall(r"[0-9a-f]{32}", secret)[0][:16]


@pytest.fixture(scope="module")
def pg_with_password(pg_url: str, secrets: dict[str, str]) -> Iterator[str]:
    """A fresh migrated database owned by a role whose password is secrets['DB_PASSWORD']."""
    role, password = f"logscan_{uuid.uuid4().hex[:8]}", secrets["DB_PASSWORD"]
    admin = make_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        connection.execute(text(f"CREATE DATABASE {role} OWNER {role}"))
    server = pg_url.split("@", 1)[1].rsplit("/", 1)[0]
    superuser_on_new = make_engine(pg_url.rsplit("/", 1)[0] + f"/{role}")
    with superuser_on_new.begin() as connection:  # older servers need a superuser for this
        connection.execute(text("CREATE EXTENSION IF NOT EXISTS btree_gist"))
    superuser_on_new.dispose()
    url = f"postgresql://{role}:{password}@{server}/{role}"
    engine = make_engine(url)
    upgrade(engine)
    reset(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {role} WITH (FORCE)"))
            connection.execute(text(f"DROP ROLE IF EXISTS {role}"))
        admin.dispose()


@dataclass
class Scenario:
    """Drives the served app the way Slack, API clients and scrapers do."""

    served: Served
    slack: FakeSlack
    model: FakeOpenAI
    secrets: dict[str, str]

    def slack_post(self, body: bytes, content_type: str, secret: str | None = None) -> Answer:
        """POST /slack/events signed with the signing secret (or another `secret`)."""
        headers = {"Content-Type": content_type,
                   **signed(body, secret=secret or self.secrets["SLACK_SIGNING_SECRET"])}  # fmt: skip
        return http("POST", f"{self.served.base}/slack/events", body, headers)

    def api(self, method: str, path: str, body: dict[str, Any] | None = None,
            token: str | None = None, **headers: str) -> Answer:  # fmt: skip
        """A JSON API call with `Authorization: Bearer <token>` (default: the API_TOKEN)."""
        bearer = {"Authorization": f"Bearer {token or self.secrets['API_TOKEN']}"}
        return http(method, f"{self.served.base}{path}", body, bearer | headers)


def drive_slack(s: Scenario) -> None:
    """Commands and events (some carrying secrets in their text), bad signatures, an unknown event."""
    leaky = f"{s.secrets['SLACK_SIGNING_SECRET']} {s.secrets['SLACK_BOT_TOKEN']}"
    assert s.slack_post(command_body(s.slack, "/rooms", "", "U1", "rooms"), FORM).status == 200
    book = command_body(s.slack, "/book", f"会議室A 明日 14:00-15:00 {leaky}", "U1", "book")
    assert s.slack_post(book, FORM).status == 200
    said = f"<@UBOT> 明日空いている部屋は？ {leaky} {s.secrets['OPENAI_API_KEY']}"
    assert s.slack_post(event_body(mention(said), new_event_id()), JSON).status == 200
    forged = command_body(s.slack, "/book", leaky, "U2", "forged")
    assert s.slack_post(forged, FORM, secret="not-the-signing-secret").status == 401
    unsigned = {"Content-Type": JSON}
    url = f"{s.served.base}/slack/events"
    assert http("POST", url, f'{{"token": "{leaky}"}}'.encode(), unsigned).status == 401
    unknown = {"type": "star_added", "user": "U1", "item": {"type": "message", "text": leaky}}
    assert s.slack_post(event_body(unknown, new_event_id()), JSON).status < 500
    s.slack.wait_for(lambda: bool(response_posts(s.slack, "rooms")), WAIT_S)
    s.slack.wait_for(lambda: bool(response_posts(s.slack, "book")), WAIT_S)
    s.slack.wait_for_call("chat.stopStream", 1, WAIT_S)


def drive_api(s: Scenario) -> None:
    """Bookings, a conflict, chats (one answered, one 401 and one 500 from the model), bad tokens."""
    day = tomorrow().isoformat()
    body = {"room-id": "1", "date": day, "start-time": "16:00", "end-time": "17:00"}
    assert s.api("POST", "/api/reservations", body).status == 201
    assert s.api("POST", "/api/reservations", body).status == 409
    assert s.api("GET", f"/api/reservations?date={day}").status == 200
    assert s.api("GET", "/api/rooms", token="wrong-token").status == 401
    assert s.api("GET", "/api/rooms", token=s.secrets["OPENAI_API_KEY"]).status == 401
    chat = {"message": f"明日の会議室 {s.secrets['SLACK_APP_TOKEN']}", "sessionId": "scan"}
    assert s.api("POST", "/api/chat", chat).status == 200
    echo = f"Incorrect API key provided: {s.secrets['OPENAI_API_KEY']}."
    s.model.script(HttpError(401, body=error_body(echo, code="invalid_api_key")))
    assert s.api("POST", "/api/chat", chat).status == 200
    crash = error_body(f"upstream failed for {s.secrets['OPENAI_API_KEY']}", "server_error")
    s.model.script(HttpError(500, body=crash, headers={"x-should-retry": "false"}))
    assert s.api("POST", "/api/chat", chat).status == 200
    assert s.api("GET", "/metrics").status == 200
    hostile = {"X-Request-Id": s.secrets["SLACK_BOT_TOKEN"]}
    assert s.api("GET", "/health", **hostile).json()["status"] == "degraded"  # Redis is down
    assert http("GET", f"{s.served.base}/health/ready").status in (200, 503)


def drive_query_tokens(s: Scenario) -> None:
    """Clients that put a token in the query string (the bearer header is what counts)."""
    for query in (
        f"access_token={s.secrets['API_TOKEN']}",
        f"token={s.secrets['SLACK_BOT_TOKEN']}",
    ):
        assert http("GET", f"{s.served.base}/api/rooms?{query}").status == 401


@dataclass(frozen=True)
class Captured:
    """What one DEBUG run of the served app wrote: app.log, stdout (access log) and stderr."""

    app_log: str
    stdout: str
    stderr: str


@pytest.fixture(scope="module")
def captured(
    tmp_path_factory: pytest.TempPathFactory, pg_with_password: str, secrets: dict[str, str]
) -> Captured:
    """Serve at DEBUG with every secret set and Redis down, drive the scenario, stop, collect."""
    tmp = tmp_path_factory.mktemp("logscan")
    closed_port = free_port()  # nothing listens: Redis is down for the whole run
    with (FakeSlack(tokens=[secrets["SLACK_BOT_TOKEN"]]) as slack,
          FakeOpenAI(api_key=secrets["OPENAI_API_KEY"]) as model):  # fmt: skip
        env = app_env(
            FLASK_ENV="production",
            LOG_LEVEL="DEBUG",
            LOG_DIR=str(tmp / "logs"),
            GUNICORN_ACCESS_LOG="true",  # off by default: scanned here for tokens all the same
            DATABASE_URL=pg_with_password,
            REDIS_URL=f"redis://:{secrets['REDIS_PASSWORD']}@127.0.0.1:{closed_port}/0",
            OPENAI_BASE_URL=model.url,
            SLACK_API_URL=slack.url,
            **{name: secrets[name] for name in SECRET_NAMES if "PASSWORD" not in name},
        )
        with gunicorn(env, tmp) as served:
            scenario = Scenario(served, slack, model, secrets)
            drive_slack(scenario)
            drive_api(scenario)
            drive_query_tokens(scenario)
            assert served.stop() == 0, served.output()
    return Captured(read(tmp / "logs" / "app.log"), read(served.stdout), read(served.stderr))


def read(path: Path) -> str:
    """A log file's text."""
    return path.read_text(errors="replace")


def leaks(output: str, secrets: dict[str, str]) -> dict[str, list[str]]:
    """The lines of `output` that contain a secret or a piece of its tag, by secret name."""
    found: dict[str, list[str]] = {}
    for name, value in secrets.items():
        lines = [ln for ln in output.splitlines() if value in ln or tag_of(value) in ln]
        if lines:
            found[name] = lines[:3]
    return found


def test_app_log_and_stderr_hold_no_secret_at_debug(
    captured: Captured, secrets: dict[str, str]
) -> None:
    """After the DEBUG scenario neither LOG_DIR/app.log nor stderr holds a secret or password."""
    assert leaks(captured.app_log, secrets) == {}
    assert leaks(captured.stderr, secrets) == {}


def test_the_scanned_logs_are_the_real_output(captured: Captured) -> None:
    """The scan looked at real output: request lines, DEBUG lines, the rejections, the outage."""
    log = captured.app_log
    assert len(log.splitlines()) > 100 and " DEBUG " in log
    for line in ("POST /api/chat 200 took", "POST /slack/events 401 took", "GET /api/rooms 401 took",
                 "POST /api/reservations 409 took", "GET /metrics 200 took"):  # fmt: skip
        assert line in log
    assert "rejected a Slack request" in log and "Unhandled request" in log
    assert "chat history unavailable" in log  # Redis was down
    assert "[[REDACTED]]" in log  # the token sent as X-Request-Id was masked
    assert "slack_bolt" in captured.stderr and "bot.requests" in captured.stderr
    assert "POST /api/chat HTTP/1.1" in captured.stdout  # gunicorn's access log


def test_access_log_holds_no_secret(captured: Captured, secrets: dict[str, str]) -> None:
    """gunicorn's access log (stdout, the journal under systemd) holds no token either."""
    assert leaks(captured.stdout, secrets) == {}


# metrics across workers

METRICS_TOKEN = "metrics-test-token"
COUNTED = 40  # requests whose count /metrics must report, whichever worker served them


def request_counts(exposition: str, endpoint: str) -> float:
    """The total of roombot_http_requests_total for one endpoint in an exposition."""
    return sum(
        sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
        if sample.name == "roombot_http_requests_total" and sample.labels["endpoint"] == endpoint
    )


def per_worker_counts(directory: Path, endpoint: str) -> dict[str, float]:
    """Each worker's own count for one endpoint, read from its file in the multiprocess dir."""
    counts: dict[str, float] = {}
    for path in sorted(directory.glob("counter_*.db")):
        families = MultiProcessCollector.merge([str(path)], accumulate=True)
        samples = [s for f in families for s in f.samples if s.name.endswith("requests_total")]
        counts[path.stem] = sum(s.value for s in samples if s.labels["endpoint"] == endpoint)
    return counts


@pytest.fixture
def multiprocess_server(tmp_path: Path) -> Iterator[tuple[Served, Path]]:
    """gunicorn with 2 workers and PROMETHEUS_MULTIPROC_DIR set: (server, that directory)."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    env = app_env(
        DATABASE_URL=migrated_sqlite(tmp_path),
        LOG_DIR=str(tmp_path / "logs"),
        API_TOKEN=METRICS_TOKEN,
        PROMETHEUS_MULTIPROC_DIR=str(directory),
    )
    with gunicorn(env, tmp_path) as served:
        yield served, directory


def test_metrics_add_up_across_workers(multiprocess_server: tuple[Served, Path]) -> None:
    """N requests, half served by each worker, are counted N times; bookings are exact."""
    served, directory = multiprocess_server
    bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    first, second = sorted(served.workers())
    statuses: list[int] = []
    for idle in (first, second):
        with paused([idle]):
            statuses += [http("GET", f"{served.base}/api/rooms", None, bearer).status
                         for _ in range(COUNTED // 2)]  # fmt: skip
    assert statuses == [200] * COUNTED
    assert per_worker_counts(directory, "/api/rooms") == {
        f"counter_{first}": COUNTED // 2,
        f"counter_{second}": COUNTED // 2,
    }
    day = tomorrow().isoformat()
    body = {"room-id": "1", "date": day, "start-time": "10:00", "end-time": "11:00"}
    assert http("POST", f"{served.base}/api/reservations", body, bearer).status == 201
    assert http("POST", f"{served.base}/api/reservations", body, bearer).status == 409
    forwarded = {"X-Forwarded-For": "203.0.113.7"}
    assert http("GET", f"{served.base}/metrics", None, forwarded).status == 401
    scrape = http("GET", f"{served.base}/metrics", None, bearer | forwarded)
    assert scrape.status == 200 and scrape.headers["Content-Type"].startswith("text/plain")
    assert request_counts(scrape.text, "/api/rooms") == COUNTED
    assert 'roombot_bookings_total{source="api"} 1.0' in scrape.text
    assert 'roombot_booking_conflicts_total{source="api"} 1.0' in scrape.text


# a preloaded app (GUNICORN_PRELOAD=true)

PER_WORKER = 3  # requests each worker serves while the other is paused


def test_a_preloaded_app_connects_counts_logs_and_answers_slack_in_each_worker(
    tmp_path: Path,
) -> None:
    """The master builds the app once; each worker connects, counts, logs and answers on its own."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    with FakeSlack(tokens=[BOT_TOKEN]) as slack:
        env = app_env(
            DATABASE_URL=migrated_sqlite(tmp_path), LOG_DIR=str(tmp_path / "logs"),
            API_TOKEN=METRICS_TOKEN, PROMETHEUS_MULTIPROC_DIR=str(directory),
            SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=slack.url, GUNICORN_PRELOAD="true",
        )  # fmt: skip
        with gunicorn(env, tmp_path) as served:
            assert "pydantic_core" in Path(f"/proc/{served.pid}/maps").read_text()  # preloaded
            bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
            first, second = sorted(served.workers())
            for n, idle in enumerate((first, second)):
                with paused([idle]):
                    for _ in range(PER_WORKER):
                        assert http("GET", f"{served.base}/api/rooms", None, bearer).status == 200
                    body = {"room-id": str(n + 1), "date": tomorrow().isoformat(),
                            "start-time": "10:00", "end-time": "11:00"}  # fmt: skip
                    assert (
                        http("POST", f"{served.base}/api/reservations", body, bearer).status == 201
                    )
                    said = mention("<@UBOT> 今日の予約状況は？")
                    raw = event_body(said, new_event_id())
                    headers = {"Content-Type": JSON, **signed(raw)}
                    assert http("POST", f"{served.base}/slack/events", raw, headers).status == 200
                    assert wait_for_answer(slack, "C1", said["ts"]).text
            assert served.stop() == 0, served.output()
    assert per_worker_counts(directory, "/api/rooms") == {
        f"counter_{first}": PER_WORKER,
        f"counter_{second}": PER_WORKER,
    }
    log = (tmp_path / "logs" / "app.log").read_text(encoding="utf-8")
    assert log.count("GET /api/rooms 200 took") == 2 * PER_WORKER
    assert log.count("POST /slack/events 200 took") == 2
