"""Repositories of approval decisions and the notice outbox."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from booking.model import PENDING, Reservation
from booking.rules import Decision, Notice
from storage.models import ReservationRow
from storage.rules_models import ApprovalDecisionRow, NoticeRow
from storage.rules_repos import ToDomain


class SqlNoticeRepository:
    """The notice outbox in the database."""

    def __init__(self, session: Session):
        self.session = session

    def add(self, notice: Notice) -> None:
        row = NoticeRow(kind=notice.kind, recipient=notice.recipient, data=dict(notice.data))
        row.reservation_id, row.ref = notice.reservation_id, ""
        row.created_at = notice.created_at  # type: ignore[assignment]
        row.due_at = notice.due_at or notice.created_at  # type: ignore[assignment]
        self.session.add(row)
        self.session.flush()

    def claim_next(self, now: datetime) -> Notice | None:
        query = (
            select(NoticeRow)
            .where(NoticeRow.sent_at.is_(None), NoticeRow.due_at <= now)
            .order_by(NoticeRow.due_at, NoticeRow.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        row = self.session.scalars(query).first()
        return notice_from_row(row) if row is not None else None

    def mark(self, notice_id: int, now: datetime, outcome: str, ref: str) -> None:
        values = {"sent_at": now, "outcome": outcome, "ref": ref[:200]}
        self.session.execute(update(NoticeRow).where(NoticeRow.id == notice_id).values(values))

    def defer(self, notice_id: int, until: datetime) -> None:
        self.session.execute(
            update(NoticeRow).where(NoticeRow.id == notice_id).values(due_at=until)
        )

    def request_to(self, reservation_id: int, recipient: str) -> Notice | None:
        query = select(NoticeRow).where(
            NoticeRow.reservation_id == reservation_id, NoticeRow.recipient == recipient,
            NoticeRow.kind == "approval_request",
        )  # fmt: skip
        row = self.session.scalars(query.order_by(NoticeRow.id.desc())).first()
        return notice_from_row(row) if row is not None else None

    def prune(self, before: datetime) -> int:
        pending = select(ReservationRow.id).where(ReservationRow.status == PENDING)
        query = delete(NoticeRow).where(
            NoticeRow.sent_at < before, NoticeRow.reservation_id.not_in(pending)
        )
        return int(self.session.execute(query).rowcount)  # type: ignore[attr-defined]


def notice_from_row(row: NoticeRow) -> Notice:
    """Domain notice from its row."""
    return Notice(
        kind=row.kind, recipient=row.recipient, reservation_id=row.reservation_id,
        data={str(k): str(v) for k, v in (row.data or {}).items()}, id=row.id,
        created_at=row.created_at, due_at=row.due_at, sent_at=row.sent_at,
        outcome=row.outcome, ref=row.ref or "",
    )  # fmt: skip


class SqlApprovalRepository:
    """Approval decisions in the database."""

    def __init__(self, session: Session, to_domain: ToDomain):
        self.session, self.to_domain = session, to_domain

    def decide(self, decision: Decision) -> bool:
        if self.session.get(ApprovalDecisionRow, decision.reservation_id) is not None:
            return False
        row = ApprovalDecisionRow(
            reservation_id=decision.reservation_id, outcome=decision.outcome,
            decided_by=decision.decided_by, decided_at=decision.decided_at,
        )  # fmt: skip
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:  # another process recorded its decision first
            return False
        return True

    def get(self, reservation_id: int) -> Decision | None:
        row = self.session.get(ApprovalDecisionRow, reservation_id)
        if row is None:
            return None
        return Decision(row.reservation_id, row.outcome, row.decided_by, row.decided_at)

    def claim_expired(self, now: datetime, timeout: timedelta, limit: int) -> list[Reservation]:
        query = (
            select(ReservationRow)
            .where(
                ReservationRow.status == "pending",
                or_(ReservationRow.created_at <= now - timeout, ReservationRow.start_at <= now),
            )
            .order_by(ReservationRow.start_at, ReservationRow.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [self.to_domain(r) for r in self.session.scalars(query)]
