"""The HTTP plumbing the fakes share: a JSON handler and a recording server in a daemon thread.

A fake subclasses `FakeServer` (naming itself, its thread and its `JsonHandler` subclass),
records each request with `_record`, and gets start/stop, the context manager, `origin` and
`wait_for` from here.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar

Answer = tuple[int, dict[str, Any], dict[str, str]]
R = TypeVar("R")


class JsonHandler(BaseHTTPRequestHandler):
    """Read one GET or POST, hand it to `answer`, write the JSON answer; log nothing."""

    content_type: ClassVar[str] = "application/json"

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve("POST")

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve("GET")

    def answer(self, method: str, raw: bytes) -> Answer:
        """Answer the request (`self.path`, `self.headers`, body `raw`) with its fake."""
        raise NotImplementedError

    def _serve(self, method: str) -> None:
        """Read, answer, write (quietly, if the client already gave up)."""
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        status, body, headers = self.answer(method, raw)
        data = json.dumps(body, ensure_ascii=False).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", self.content_type)
            self.send_header("Content-Length", str(len(data)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (timeout); nothing to tell it

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet; the fake records requests instead."""


class FakeServer(Generic[R]):
    """A fake on a free 127.0.0.1 port, served by a daemon thread, keeping requests of type R."""

    server_name: ClassVar[str] = "FakeServer"
    thread_name: ClassVar[str] = "fake-server"
    handler_class: ClassVar[type[JsonHandler]] = JsonHandler

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.RLock())
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._records: list[R] = []

    # lifecycle

    def start(self) -> Self:
        """Listen on a free port in a daemon thread."""
        handler = type("Handler", (self.handler_class,), {"fake": self})
        self._server = self._listen(handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name=self.thread_name, daemon=True
        )
        self._thread.start()
        return self

    def _listen(self, handler: type[JsonHandler]) -> ThreadingHTTPServer:
        """The listening server (plain HTTP; a fake may serve TLS instead)."""
        return ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def stop(self) -> None:
        """Stop listening (idempotent)."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """Return `http://127.0.0.1:PORT`."""
        if self._server is None:
            raise RuntimeError(f"{self.server_name} is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # recording

    def _record(self, record: R) -> None:
        """Keep one request and wake whoever waits for it."""
        with self._cond:
            self._records.append(record)
            self._cond.notify_all()

    def _recorded(self) -> list[R]:
        """Return a copy of the requests kept so far, oldest first."""
        with self._cond:
            return list(self._records)

    def _forget(self) -> None:
        """Drop the requests kept so far and wake the waiters."""
        with self._cond:
            self._records = []
            self._cond.notify_all()

    def _seen(self) -> str:
        """Describe the requests kept so far, for a timeout message."""
        return f"seen: {self._records}"

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait until `predicate()` holds (re-checked after every request) or raise."""
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                message = f"{self.server_name}: condition not met in {timeout}s; {self._seen()}"
                raise TimeoutError(message)
