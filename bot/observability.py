"""Logs, request ids, per-request timing, metrics and security headers for the web app."""

from __future__ import annotations

import contextvars
import hmac
import logging
import os
import re
import sys
import threading
import time
from contextlib import nullcontext, suppress
from logging.handlers import QueueHandler, WatchedFileHandler
from pathlib import Path
from queue import Empty, SimpleQueue

from flask import Flask, Response, g, request
from werkzeug.middleware.proxy_fix import ProxyFix

from bot import metrics
from bot.settings import Settings

log = logging.getLogger("bot.requests")
GATHER_S = 0.02  # how long the writing thread lets lines gather before it writes them
REQUEST_ID: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
FORMAT = "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"
TOKEN_SHAPES = (
    r"xox[a-z]-[A-Za-z0-9-]+",  # Slack bot/user/app tokens
    r"xapp-[A-Za-z0-9-]+",  # Slack app-level tokens
    r"(?<![A-Za-z0-9])sk-[A-Za-z0-9_-]{8,}",  # OpenAI keys (not 'desk-…')
    r"(?P<bearer>(?i:bearer\s+))[A-Za-z0-9._~+/=-]{8,}",  # Authorization headers
    r"(?P<key>(?i:password|passwd|pwd|secret|token|api_key)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&]+",
    r"(?P<url>://[^:/@\s]*:)[^@/\s]+(?P<at>@)",  # credentials inside URLs (user may be empty)
)  # fmt: skip
TOKEN_PATTERNS = [re.compile(shape) for shape in TOKEN_SHAPES]
REQUEST_ID_SHAPE = re.compile(r"[A-Za-z0-9._-]{1,64}")  # an incoming X-Request-Id kept as is
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
}


class Redactor:
    """Removes tokens, secrets and passwords from text, in one pass of one compiled pattern."""

    def __init__(self, secrets: list[str]):
        self.secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)
        shapes = [re.escape(s) for s in self.secrets] + [f"(?:{s})" for s in TOKEN_SHAPES]
        self.pattern = re.compile("|".join(shapes))

    def __call__(self, text: str) -> str:
        return self.pattern.sub(_masked, text)


def _masked(match: re.Match[str]) -> str:
    """A match with its secret part masked (a key name, 'Bearer ', a URL's user stay)."""
    kept = match["bearer"] or match["key"] or match["url"] or ""
    return kept + "[REDACTED]" + (match["at"] or "")


class RedactingFormatter(logging.Formatter):
    """Formats the whole line — message, arguments, traceback — then redacts it."""

    def __init__(self, redact: Redactor):
        super().__init__(FORMAT)
        self.redact = redact

    def format(self, record: logging.LogRecord) -> str:
        done = record.__dict__.get("redacted_line")
        if done is not None:  # the same record for the next handler (stderr, then the file)
            return str(done)
        record.request_id = REQUEST_ID.get()
        line = self.redact(super().format(record))
        record.redacted_line = line
        return line


def secrets_of(settings: Settings) -> list[str]:
    """The configured secret values, so they are redacted even without a known shape."""
    values = [settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
              settings.openai_api_key, settings.secret_key, settings.api_token,
              settings.caldav_password]  # fmt: skip
    for url in (settings.database_url, settings.redis_url or ""):
        match = re.search(r"://[^:/@]*:([^@/]+)@", url)
        values.append(match.group(1) if match else None)
    return [v for v in values if v]


class LineWriter:
    """The writing thread: waits for a line, lets the lines logged meanwhile gather, then writes
    them to each target in one write, in order."""

    # Per line, the thread had taken the GIL back from the requests after each of its writes (a
    # stat and a write for the file, a write for stderr): POST /api/reservations ran 14% faster
    # (median of 10 runs taken in turn) with one wake-up and one write per target for a burst.

    STOP = logging.makeLogRecord({"msg": "stop"})

    def __init__(self, queue: SimpleQueue[logging.LogRecord], targets: list[logging.Handler]):
        self.queue, self.targets = queue, targets
        self.thread = threading.Thread(target=self._run, name="log-writer", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self.thread.start()

    def stop(self) -> None:
        """Write what is queued, then end the thread."""
        self.queue.put(self.STOP)
        self.thread.join()

    def _run(self) -> None:
        while True:
            batch = [self.queue.get()]
            if batch[0] is not self.STOP:
                time.sleep(GATHER_S)
            with suppress(Empty):
                while batch[-1] is not self.STOP:
                    batch.append(self.queue.get_nowait())
            records = [r for r in batch if r is not self.STOP]
            for target in self.targets:
                try:  # a failure costs its lines, never the thread (lines would queue forever)
                    write(
                        target,
                        [r for r in records if r.levelno >= target.level and target.filter(r)],
                    )
                except Exception:
                    target.handleError(records[0])
            if batch[-1] is self.STOP:
                return


def write(target: logging.Handler, records: list[logging.LogRecord]) -> None:
    """Write records to a stream or file handler in one write (reopening a rotated file)."""
    if not records or not isinstance(target, logging.StreamHandler):
        for record in records:
            target.handle(record)
        return
    text = "".join(target.format(r) + target.terminator for r in records)
    with target.lock or nullcontext():
        try:
            if isinstance(target, WatchedFileHandler):
                target.reopenIfNeeded()
            if target.stream is None:  # a reopen failed: FileHandler.emit opens it, line by line
                for record in records:
                    target.emit(record)
                return
            target.stream.write(text)
            target.flush()
        except Exception:  # as Handler.emit does: report on stderr, never raise into logging
            target.handleError(records[0])


class BackgroundWriter(QueueHandler):
    """Formats and redacts a line where it is logged; a thread of its own writes it, in order."""

    # A request (Slack's acknowledgement among them) then never waits for a write to stderr or
    # the log file, nor for another thread's write to finish: under load each was a wait for the
    # GIL after the system call, several milliseconds on the ack path.

    def __init__(self, targets: list[logging.Handler], formatter: logging.Formatter):
        super().__init__(SimpleQueue())
        self.setFormatter(formatter)
        self.targets = targets
        self.listener: LineWriter | None = None
        self.start()

    def handle(self, record: logging.LogRecord) -> bool:
        """Queue the record without the handler's lock: each record is formatted on its own."""
        if not self.filter(record):
            return False
        self.emit(record)
        return True

    def start(self) -> None:
        """Start the writing thread (again in a forked child: threads do not survive a fork)."""
        self.queue = SimpleQueue()  # a child must not write its parent's pending lines again
        self.listener = LineWriter(self.queue, self.targets)
        self.listener.start()

    def close(self) -> None:
        """Write what is queued, then stop (logging.shutdown calls this at exit)."""
        listener, self.listener = self.listener, None
        if listener is not None:
            listener.stop()
        for target in self.targets:
            target.close()
        super().close()


WRITERS: list[BackgroundWriter] = []  # the one configure_logging installed in this process


def _hold_writes() -> None:
    """Before a fork: wait until the writing thread is between lines, and keep it there.

    A child forked in the middle of a write would inherit the stream's lock held by a thread it
    does not have: its own first line would fail ("reentrant call") and its exit would hang.
    """
    for writer in WRITERS:
        for target in writer.targets:
            target.acquire()


def _release_writes() -> None:
    """After a fork, in the parent: the writing thread goes on."""
    for writer in WRITERS:
        for target in reversed(writer.targets):
            target.release()


def _restart_writer_in_child() -> None:
    """After a fork (gunicorn with a preloaded app) the child starts its own writing thread
    (logging's own at-fork hook has already made the handlers' locks anew)."""
    for writer in WRITERS:
        writer.start()


os.register_at_fork(
    before=_hold_writes, after_in_parent=_release_writes, after_in_child=_restart_writer_in_child
)


def configure_logging(settings: Settings) -> None:
    """Log to stderr and to LOG_DIR/app.log, every line redacted, written by a thread of its own."""
    formatter = RedactingFormatter(Redactor(secrets_of(settings)))
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    try:
        Path(settings.log_dir).mkdir(parents=True, exist_ok=True)
        # Several gunicorn workers share the file, so rotation is logrotate's (deploy/logrotate):
        # an in-process RotatingFileHandler would race; this handler reopens a rotated file.
        handlers.append(WatchedFileHandler(Path(settings.log_dir) / "app.log", encoding="utf-8"))
    except OSError as error:
        print(f"logging to stderr only: cannot write {settings.log_dir}: {error}", file=sys.stderr)
    for handler in handlers:
        handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if isinstance(old, BackgroundWriter):
            old.close()  # its pending lines are written first
    writer = BackgroundWriter(handlers, formatter)
    root.addHandler(writer)
    WRITERS[:] = [writer]
    level = logging.getLevelName(settings.log_level)
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(max(level, logging.WARNING))


def install(app: Flask, settings: Settings) -> None:
    """Request ids, the per-request log line and metrics, security headers, proxy awareness."""
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    @app.before_request
    def start() -> None:
        g.started = time.perf_counter()
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = (
            incoming if incoming and REQUEST_ID_SHAPE.fullmatch(incoming) else os.urandom(8).hex()
        )
        REQUEST_ID.set(g.request_id)

    @app.after_request
    def finish(response: Response) -> Response:
        took = time.perf_counter() - g.get("started", time.perf_counter())
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        metrics.count_request(request.method, endpoint, response.status_code, took)
        log.info(
            "%s %s %s took %.3f seconds", request.method, request.path, response.status_code, took
        )
        headers = response.headers
        headers["X-Request-Id"] = g.get("request_id", "-")
        present = {name.lower() for name, _ in headers.items()}  # a page may bring its own CSP
        headers.extend([(n, v) for n, v in SECURITY_HEADERS.items() if n.lower() not in present])
        if request.is_secure:  # behind the TLS proxy (X-Forwarded-Proto: https); never a redirect
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        return response

    @app.get("/metrics")
    def prometheus() -> Response:
        token = settings.api_token
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        given = given.strip() if scheme.lower() == "bearer" else ""
        local = request.remote_addr in ("127.0.0.1", "::1")
        if not (token and hmac.compare_digest(given.encode(), token.encode())) and not (
            local and not request.headers.get("X-Forwarded-For")
        ):
            return Response(
                "metrics: send Authorization: Bearer <API_TOKEN> or scrape from localhost\n",
                status=401,
                mimetype="text/plain",
            )
        body, content_type = metrics.exposition(settings.metrics_dir)
        return Response(body, mimetype=content_type.split(";")[0], content_type=content_type)
