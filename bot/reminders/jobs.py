"""The scheduled jobs. Each is safe to run in several processes at once and takes `now`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from booking import services
from booking.clock import at, local
from booking.identity import surface_of
from booking.model import Reservation
from booking.policy import Policy
from booking.ports import AbstractUnitOfWork
from bot.reminders.notify import DigestPoster, Notifier, Outcome
from bot.reminders.rule_jobs import RuleJobs

log = logging.getLogger(__name__)
BATCH = 100
Job = Callable[[datetime], object]


@dataclass(frozen=True)
class JobConfig:
    """When reminders, no-show release and the digest happen."""

    reminder_lead_minutes: int = 10
    no_show_release_minutes: int = 0
    digest_time: str = "08:30"
    digest_grace_minutes: int = 30
    approval_timeout_hours: float = 24
    waitlist_hold_minutes: int = 10


class Jobs:
    """Reminders, no-show release and the digest, through the use cases and the notifiers."""

    def __init__(
        self,
        uow: Callable[[], AbstractUnitOfWork],
        policy: Policy,
        config: JobConfig,
        notifiers: Mapping[str, Notifier],
        digests: Mapping[str, DigestPoster] | None = None,
        count_reminder: Callable[[], None] = lambda: None,
    ):
        self.uow, self.policy, self.config = uow, policy, config
        self.notifiers, self.count_reminder = notifiers, count_reminder
        self.digests = dict(digests or {})  # by the name its day is claimed under in job_runs

    def table(self) -> list[tuple[str, Job]]:
        """The jobs by name, in the order a tick runs them."""
        return [
            ("reminders", self.send_due_reminders),
            ("no_shows", self.release_no_shows),
            ("digest", self.post_digest),
            *self.rules().table(),
        ]

    def rules(self) -> RuleJobs:
        """Approval expiry, waitlist offers and notice delivery, on the same notifiers."""
        c = self.config
        timeout = timedelta(hours=c.approval_timeout_hours)
        hold = timedelta(minutes=c.waitlist_hold_minutes)
        return RuleJobs(self.uow, self.notifiers, timeout, hold)

    def send_due_reminders(self, now: datetime) -> int:
        """Remind each owner whose meeting starts within the lead time; each exactly once.

        One row per transaction (SKIP LOCKED, so parallel schedulers take different rows): a
        temporary failure leaves the row for the next poll, a permanent one marks it handled.
        """
        lead = timedelta(minutes=self.config.reminder_lead_minutes)
        sent = 0
        for _ in range(BATCH):
            outcome = services.remind_next(self.uow(), now=now, lead=lead, send=self._remind)
            if outcome is None or outcome == "retry":
                break  # none left, or the surface is struggling: the next poll goes on
            if outcome == "sent":
                sent += 1
                self.count_reminder()
        return sent

    def _remind(self, r: Reservation) -> Outcome:
        notifier = self.notifiers.get(surface_of(r.owner_id))
        return notifier.remind(r) if notifier is not None else "skipped"

    def release_no_shows(self, now: datetime) -> int:
        """Cancel reservations nobody checked in to within the configured minutes (off when 0)."""
        minutes = self.config.no_show_release_minutes
        if minutes <= 0:
            return 0
        released = 0
        for _ in range(BATCH):
            grace = timedelta(minutes=minutes)
            r = services.release_next_no_show(self.uow(), now=now, grace=grace)
            if r is None:
                break
            released += 1
            notifier = self.notifiers.get(surface_of(r.owner_id))
            if notifier is not None:
                notifier.released(r, minutes)
        return released

    def post_digest(self, now: datetime) -> bool:
        """Post today's schedule once per weekday to each digest, never later than the grace.

        Each digest claims its own day (Slack's as 'digest', e.g. Teams' as 'digest_teams'), so
        every one is posted exactly once across schedulers, and one whose post failed is tried
        again at the next poll without repeating the others. True when any was posted now.
        """
        today = local(now, self.policy.tz).date()
        due = at(today, time.fromisoformat(self.config.digest_time), self.policy.tz)
        grace = timedelta(minutes=self.config.digest_grace_minutes)
        if not self.digests or today.weekday() >= 5 or not due <= now <= due + grace:
            return False
        posted, failure = False, None
        for name, digest in self.digests.items():
            try:
                posted |= self._post_once(name, digest, today, now)
            except Exception as error:  # the others still go out; this one waits for a poll
                log.warning("digest %s not posted (%s); retried", name, type(error).__name__)
                failure = failure or error
        if failure is not None:
            raise failure  # the tick reports the job as failed
        return posted

    def _post_once(self, name: str, digest: DigestPoster, today: date, now: datetime) -> bool:
        """Claim the day for one digest and post it; False when another process had it."""

        def post() -> None:
            digest.digest(services.day_schedule(self.uow(), self.policy, day=today), today)

        return services.run_once(self.uow(), job=name, key=today.isoformat(), now=now, work=post)
