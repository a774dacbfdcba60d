"""Bolt's listener threads, which a gunicorn worker lets finish before it exits.

Slack never redelivers an event it saw acknowledged, so an answer still running (or queued) when
a worker exits, on a reload, a stop or its max_requests recycle, would be lost for good.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
LISTENER_THREADS = 5  # Bolt's own default


class DrainingExecutor(ThreadPoolExecutor):
    """A thread pool that counts the work it was given and can wait until all of it is done."""

    def __init__(self, max_workers: int = LISTENER_THREADS, name: str = "slack") -> None:
        super().__init__(max_workers=max_workers, thread_name_prefix=name)
        self._unfinished = 0
        self._idle = threading.Condition()

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Queue work (as ThreadPoolExecutor does), counted until it ends."""
        with self._idle:
            self._unfinished += 1
        try:
            future = super().submit(fn, *args, **kwargs)
        except BaseException:
            self._finished(None)
            raise
        future.add_done_callback(self._finished)
        return future

    def _finished(self, _future: Future[Any] | None) -> None:
        with self._idle:
            self._unfinished -= 1
            if self._unfinished == 0:
                self._idle.notify_all()

    @property
    def unfinished(self) -> int:
        """Work queued or running now."""
        with self._idle:
            return self._unfinished

    def drain(self, timeout: float) -> int:
        """Wait up to `timeout` s until no work is queued or running; then refuse new work and
        drop what has not started (it would fail as the interpreter shuts down); how much was
        left unfinished."""
        deadline = time.monotonic() + timeout
        with self._idle:
            while self._unfinished and (left := deadline - time.monotonic()) > 0:
                self._idle.wait(left)
            unfinished = self._unfinished
        self.shutdown(wait=False, cancel_futures=True)
        return unfinished
