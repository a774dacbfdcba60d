"""Deliver queued notices (approval requests and outcomes, waitlist offers) exactly once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from booking import rules
from booking.model import HELD, PENDING, Reservation
from booking.ports import AbstractUnitOfWork
from booking.rules import Notice

Delivery = tuple[str, str]  # the outcome ('sent', 'retry', 'refused', 'skipped') and a ref
Send = Callable[[Notice, Reservation], Delivery]
DEFER = timedelta(seconds=30)  # an update waiting for its request to be delivered
RETRY_AFTER = timedelta(minutes=1)  # a notice whose surface failed for now goes back this long
GIVE_UP = timedelta(days=1)  # ... until it was queued this long ago: then it is given up
KEEP_SENT = timedelta(days=30)  # delivered notices are kept this long (what was told, and where)


def still_worth_sending(notice: Notice, r: Reservation | None) -> bool:
    """A request only while pending, an offer only while held; outcomes always."""
    if r is None:
        return False
    if notice.kind == rules.REQUEST:
        return r.status == PENDING
    if notice.kind == rules.OFFER:
        return r.status == HELD
    return True


def deliver_next(uow: AbstractUnitOfWork, *, now: datetime, send: Send) -> str | None:
    """Claim the next due notice, let `send` deliver it and record how it went; the outcome.

    None when nothing is due. 'retry' puts the notice back RETRY_AFTER later, so one that
    keeps failing (a surface down or misconfigured) never holds up the others, and gives it up
    ('expired') a day after it was queued; 'deferred' leaves an approver's update until their
    request has been delivered.
    """
    with uow:
        notice = uow.notices.claim_next(now)
        if notice is None:
            return None
        r = uow.reservations.get(notice.reservation_id)
        outcome, ref = "skipped", ""
        if still_worth_sending(notice, r):
            target = _with_request_ref(uow, notice)
            if target is None:
                uow.notices.defer(notice.id or 0, now + DEFER)
                uow.commit()
                return "deferred"
            if target.kind != rules.DECIDED or target.ref:
                assert r is not None
                outcome, ref = send(target, r)
        if outcome == "retry" and now - (notice.created_at or now) < GIVE_UP:
            uow.notices.defer(notice.id or 0, now + RETRY_AFTER)
            uow.commit()
            return outcome
        if outcome == "retry":
            outcome = "expired"
        uow.notices.mark(notice.id or 0, now, outcome, ref)
        uow.commit()
        return outcome


def prune(uow: AbstractUnitOfWork, now: datetime) -> int:
    """Once a day (whichever scheduler claims the day): forget notices delivered more than
    KEEP_SENT ago, none about a still-pending booking."""
    with uow:
        if not uow.job_runs.claim("notices_prune", now.date().isoformat(), now):
            return 0
        gone = uow.notices.prune(now - KEEP_SENT)
        uow.commit()
        return gone


def _with_request_ref(uow: AbstractUnitOfWork, notice: Notice) -> Notice | None:
    """An approver's update carries where their request was delivered; None: not yet known."""
    if notice.kind != rules.DECIDED:
        return notice
    request = uow.notices.request_to(notice.reservation_id, notice.recipient)
    if request is not None and request.sent_at is None:
        return None  # still queued (or being sent by another process)
    return replace(notice, ref=request.ref if request is not None else "")
