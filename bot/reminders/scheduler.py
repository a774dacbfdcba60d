"""One APScheduler per process; in web workers only the holder of the leader lock does the work."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler

from bot.reminders.jobs import Job

log = logging.getLogger(__name__)


class Lock(Protocol):
    """A leader lock: at most one holder across processes (storage.locks.LeaderLock)."""

    def acquire(self) -> bool:
        """Take the lock if free (non-blocking); True when held afterwards."""
        ...

    def release(self) -> None:
        """Give the lock up."""
        ...


class ReminderScheduler:
    """Polls every SCHEDULER_POLL_SECONDS: reminders, no-show release, the digest.

    With a lock (web workers), a tick first tries to become or stay the leader; a standby
    takes over at its next tick after the leader dies. Without a lock (the dedicated
    `python -m bot scheduler` process) every tick works: the jobs are safe in parallel.
    """

    def __init__(
        self,
        jobs: Sequence[tuple[str, Job]],
        clock: Callable[[], datetime],
        tz: ZoneInfo,
        poll_seconds: int,
        lock: Lock | None = None,
    ):
        self.jobs, self.clock, self.tz, self.poll_seconds = list(jobs), clock, tz, poll_seconds
        self.lock = lock
        self.role = "starting"
        self.last_run: datetime | None = None
        self._tick_lock = threading.Lock()
        self._scheduler = BackgroundScheduler(timezone=tz)

    def start(self) -> None:
        """Start polling in a background thread (first tick right away)."""
        self._scheduler.add_job(
            self.tick, "interval", seconds=self.poll_seconds,
            next_run_time=datetime.now(self.tz), max_instances=1, coalesce=True, id="tick",
        )  # fmt: skip
        self._scheduler.start()
        log.info(
            "scheduler started in pid %s (%s)",
            os.getpid(),
            "leader-elected" if self.lock else "always on",
        )

    def stop(self) -> None:
        """Stop polling and give up the leader lock."""
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)
        if self.lock is not None:
            self.lock.release()
        self.role = "stopped"

    def tick(self) -> None:
        """One poll: become leader if needed, then run every job with the current time."""
        with self._tick_lock:
            if self.lock is not None and not self.lock.acquire():
                self.role = "standby"
                return
            self.role = "leader" if self.lock is not None else "worker"
            self.run_jobs(self.clock())

    def run_jobs(self, now: datetime) -> dict[str, Any]:
        """Run each job once at `now`; one job's failure does not stop the others."""
        results: dict[str, Any] = {}
        for name, job in self.jobs:
            try:
                results[name] = job(now)
            except Exception:
                log.exception("scheduled job %s failed", name)
                results[name] = "failed"
        self.last_run = now
        return results

    def state(self) -> dict[str, Any]:
        """What /health shows: this process's role, its pid and the last run."""
        return {
            "role": self.role,
            "pid": os.getpid(),
            "last_run": self.last_run.isoformat() if self.last_run else None,
            "poll_seconds": self.poll_seconds,
        }
