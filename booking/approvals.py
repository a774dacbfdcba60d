"""Rooms that need an approver's yes: pending bookings, the first decision, and expiry."""

from __future__ import annotations

from datetime import datetime, timedelta

from booking import outbox, rules
from booking.errors import AlreadyDecided, NotApprover, ReservationNotFound
from booking.model import ACTIVE, PENDING, Reservation, Room
from booking.ports import AbstractUnitOfWork
from booking.rules import Decision, Notice


def initial_status(room: Room, owner_id: str) -> str:
    """'pending' when the room needs an approver's yes for this owner, else 'active'."""
    return PENDING if room.needs_approval(owner_id) else ACTIVE


def request_approval(uow: AbstractUnitOfWork, room: Room, r: Reservation, now: datetime) -> None:
    """Queue an approval request to each approver of a pending reservation (same transaction)."""
    if r.status != PENDING or r.id is None:
        return
    for approver in room.approvers:
        uow.notices.add(Notice(rules.REQUEST, approver, r.id, created_at=now, due_at=now))
    uow.record("approval_requested", room_id=room.id)


def decide(
    uow: AbstractUnitOfWork, *, reservation_id: int, approver: str, approve: bool, now: datetime
) -> tuple[Reservation, Decision]:
    """Approve or reject a pending booking: only the room's approvers, and only the first wins."""
    with uow:
        r = uow.reservations.get(reservation_id, for_update=True)  # decisions queue up here
        room = uow.rooms.get(r.room_id) if r is not None else None
        if r is None or room is None:
            raise ReservationNotFound(reservation_id)
        if approver not in room.approvers:
            raise NotApprover(reservation_id)
        outcome = rules.APPROVED if approve else rules.REJECTED
        decision = Decision(reservation_id, outcome, approver, now)
        if r.status != PENDING or not uow.approvals.decide(decision):
            raise _settled(uow, r)
        if approve:
            decided = r.with_status(ACTIVE, now)
        else:
            decided = r.with_status(rules.REJECTED, now, cancelled_at=now, cancelled_by=approver)
        outbox.save_change(uow, r, decided, now)
        tell_decision(uow, room, decided, decision)
        uow.commit()
        uow.record("approval_" + outcome, room_id=room.id)
    return decided, decision


def _settled(uow: AbstractUnitOfWork, r: Reservation) -> AlreadyDecided:
    """The error naming who settled the booking before (a decision, or its cancellation)."""
    prior = uow.approvals.get(r.id or 0)
    if prior is not None:
        return AlreadyDecided(r.id or 0, prior.outcome, prior.decided_by)
    return AlreadyDecided(r.id or 0, r.status, r.cancelled_by or "")


def tell_decision(uow: AbstractUnitOfWork, room: Room, r: Reservation, decision: Decision) -> None:
    """Queue the outcome for the requester and the update for every other approver."""
    data = {"outcome": decision.outcome, "by": decision.decided_by}
    at, rid = decision.decided_at, decision.reservation_id
    uow.notices.add(Notice(rules.RESULT, r.owner_id, rid, data, created_at=at, due_at=at))
    for approver in room.approvers:
        if approver != decision.decided_by:
            uow.notices.add(Notice(rules.DECIDED, approver, rid, data, created_at=at, due_at=at))


def expire_next(
    uow: AbstractUnitOfWork, *, now: datetime, timeout: timedelta
) -> Reservation | None:
    """Expire the next pending booking nobody decided on in time (or that has started)."""
    with uow:
        claimed = uow.approvals.claim_expired(now, timeout, 1)
        if not claimed:
            return None
        r = claimed[0]
        decision = Decision(r.id or 0, rules.EXPIRED, rules.TIMEOUT, now)
        if not uow.approvals.decide(decision):
            return None  # an approver's decision was recorded first
        expired = r.with_status(rules.EXPIRED, now, cancelled_at=now, cancelled_by=rules.TIMEOUT)
        outbox.save_change(uow, r, expired, now)
        room = uow.rooms.get(r.room_id) or Room(r.room_id, r.room_id, 1)
        tell_decision(uow, room, expired, decision)
        uow.commit()
        uow.record("approval_expired", room_id=r.room_id)
    return expired


def expires_at(r: Reservation, timeout: timedelta) -> datetime:
    """When a pending booking lapses: the timeout after it was made, or its start if sooner."""
    made = r.created_at or r.start
    return min(made + timeout, r.start)


def after_move(uow: AbstractUnitOfWork, room: Room, r: Reservation, now: datetime) -> Reservation:
    """A booking moved into another room takes that room's rule (pending when it needs a yes)."""
    if r.status not in (ACTIVE, PENDING):
        return r
    status = initial_status(room, r.owner_id)
    if status == r.status:
        return r
    changed = r.with_status(status, now)
    request_approval(uow, room, changed, now)
    return changed
