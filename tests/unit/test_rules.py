"""Approvals, the waitlist, series and notices against the in-memory unit of work."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from booking import approvals, notices, rules, series, services, waitlist
from booking.clock import JST
from booking.errors import (
    AlreadyCancelled,
    AlreadyDecided,
    InvalidReservation,
    NotApprover,
    NotSeriesOwner,
    OfferLapsed,
    SeriesDateNotFound,
    SlotFree,
    SlotTaken,
)
from booking.model import Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.rules import Notice
from bot.settings import ConfigError, Settings
from storage.rooms_file import RoomsFileError, load_rooms
from tests.unit.fake_uow import FakeUnitOfWork

NOW = datetime(2025, 9, 28, 10, 0, tzinfo=JST)  # a Sunday
MON = date(2025, 9, 29)
BOSS, DEPUTY = "slack:UBOSS", "slack:UDEPUTY"
ROOMS = (
    Room("1", "会議室A", 4),
    Room("5", "応接室", 4, approvers=(BOSS, DEPUTY)),
)
POLICY = Policy()
DAY, HOLD = timedelta(hours=24), timedelta(minutes=10)


def jst(hour: int, minute: int = 0, day: date = MON) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)


def book(uow: FakeUnitOfWork, room: str = "1", start: int = 14, owner: str = "slack:U1",
         now: datetime = NOW) -> Reservation:  # fmt: skip
    return services.create_reservation(
        uow, POLICY, room=room, start=jst(start), end=jst(start + 1), owner_id=owner, now=now
    )


def queued(uow: FakeUnitOfWork) -> list[tuple[str, str, int]]:
    """(kind, recipient, reservation) of every queued notice, oldest first."""
    return [(n.kind, n.recipient, n.reservation_id) for n in uow.fake_notices.rows.values()]


@pytest.fixture
def uow() -> FakeUnitOfWork:
    return FakeUnitOfWork(ROOMS)


# ---- the model's status ---------------------------------------------------------------------


def test_status_and_active_tell_the_same_story() -> None:
    slot = TimeSlot(jst(14), jst(15))
    assert Reservation("1", "u", slot).status == "active"
    assert not Reservation("1", "u", slot, status="pending").active
    pending = Reservation("1", "u", slot, status="pending")
    assert pending.holds_slot and not pending.reminder_due(jst(13, 55), timedelta(minutes=10))
    assert not pending.no_show(jst(14, 30), timedelta(minutes=10))
    assert replace(Reservation("1", "u", slot), active=False).status == "cancelled"  # old path
    assert pending.cancelled("u", NOW).status == "cancelled"
    assert not pending.cancelled("u", NOW).holds_slot
    assert pending.with_status("active", pending.start).active


# ---- approvals ------------------------------------------------------------------------------


def test_a_restricted_room_is_pending_and_each_approver_is_asked(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")
    assert (made.status, made.active, made.holds_slot) == ("pending", False, True)
    assert queued(uow) == [(rules.REQUEST, BOSS, made.id), (rules.REQUEST, DEPUTY, made.id)]
    with pytest.raises(SlotTaken):
        book(uow, room="5", owner="slack:U2")  # a pending booking holds its slot


def test_an_approver_books_their_own_room_directly(uow: FakeUnitOfWork) -> None:
    assert book(uow, room="5", owner=BOSS).status == "active"
    assert queued(uow) == []


def test_approval_confirms_and_tells_the_requester_and_the_other_approver(
    uow: FakeUnitOfWork,
) -> None:
    made = book(uow, room="5")
    decided, decision = approvals.decide(uow, reservation_id=made.id or 0, approver=DEPUTY,
                                         approve=True, now=NOW)  # fmt: skip
    assert (decided.status, decided.active) == ("active", True)
    assert (decision.outcome, decision.decided_by) == ("approved", DEPUTY)
    assert queued(uow)[2:] == [(rules.RESULT, "slack:U1", made.id), (rules.DECIDED, BOSS, made.id)]
    with pytest.raises(AlreadyDecided) as second:  # the first decision wins
        approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=False, now=NOW)
    assert (second.value.outcome, second.value.decided_by) == ("approved", DEPUTY)
    assert uow.reservations.get(made.id or 0).status == "active"  # type: ignore[union-attr]


def test_rejection_frees_the_slot(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")
    approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=False, now=NOW)
    stored = uow.reservations.get(made.id or 0)
    assert stored is not None and stored.status == "rejected" and stored.cancelled_by == BOSS
    assert book(uow, room="5", owner="slack:U2").status == "pending"


def test_only_approvers_decide(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")
    for stranger in ("slack:U1", "slack:U9"):
        with pytest.raises(NotApprover):
            approvals.decide(uow, reservation_id=made.id or 0, approver=stranger, approve=True,
                             now=NOW)  # fmt: skip
    assert uow.fake_approvals.rows == {}


def test_the_owner_may_withdraw_a_pending_request(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")
    services.cancel_reservation(uow, reservation_id=made.id or 0, actor_id="slack:U1", now=NOW)
    with pytest.raises(AlreadyDecided):
        approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=True, now=NOW)
    with pytest.raises(AlreadyCancelled):
        services.cancel_reservation(uow, reservation_id=made.id or 0, actor_id="slack:U1",
                                    now=NOW)  # fmt: skip


def test_pending_expires_after_the_timeout_or_at_its_start_once(uow: FakeUnitOfWork) -> None:
    late = book(uow, room="5", start=14, now=jst(13, 0))  # starts before the timeout
    early = book(uow, room="5", start=16, now=NOW)  # made the day before: the timeout comes first
    assert approvals.expire_next(uow, now=jst(9, 59), timeout=DAY) is None
    first = approvals.expire_next(uow, now=NOW + DAY, timeout=DAY)
    assert first is not None and first.id == early.id and first.status == "expired"
    assert approvals.expire_next(uow, now=NOW + DAY, timeout=DAY) is None
    second = approvals.expire_next(uow, now=jst(14), timeout=DAY)
    assert second is not None and second.id == late.id
    assert approvals.expire_next(uow, now=jst(14), timeout=DAY) is None
    told = [(k, who) for k, who, _ in queued(uow) if k != rules.REQUEST]
    assert told == [(rules.RESULT, "slack:U1"), (rules.DECIDED, BOSS), (rules.DECIDED, DEPUTY)] * 2
    assert approvals.expires_at(late, DAY) == jst(14)


def test_moving_into_a_restricted_room_needs_approval(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="1")
    moved = services.change_reservation(uow, POLICY, reservation_id=made.id or 0,
                                        actor_id="slack:U1", now=NOW, room="5")  # fmt: skip
    assert moved.status == "pending"
    assert [k for k, _, _ in queued(uow)] == [rules.REQUEST, rules.REQUEST]


# ---- the waitlist ---------------------------------------------------------------------------


def wait(uow: FakeUnitOfWork, owner: str, start: int = 14, end: int = 15,
         now: datetime = NOW) -> tuple[rules.WaitEntry, int]:  # fmt: skip
    return waitlist.join_waitlist(uow, POLICY, room="1", start=jst(start), end=jst(end),
                                  owner_id=owner, now=now)  # fmt: skip


def test_joining_needs_a_taken_slot_and_counts_who_is_ahead(uow: FakeUnitOfWork) -> None:
    with pytest.raises(SlotFree):
        wait(uow, "slack:U2")
    book(uow)
    first, ahead_first = wait(uow, "slack:U2")
    _, ahead_second = wait(uow, "slack:U3", now=NOW + timedelta(minutes=1))
    again, _ = wait(uow, "slack:U2")
    assert (ahead_first, ahead_second) == (0, 1) and again.id == first.id
    assert len(uow.fake_waitlist.rows) == 2


def test_a_freed_slot_is_held_for_the_first_waiter_then_the_next(uow: FakeUnitOfWork) -> None:
    taken = book(uow)
    wait(uow, "slack:U2")
    wait(uow, "slack:U3", now=NOW + timedelta(minutes=1))
    assert waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD) == []  # still taken
    services.cancel_reservation(uow, reservation_id=taken.id or 0, actor_id="slack:U1", now=NOW)
    [held] = waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD)
    assert (held.owner_id, held.status, held.slot) == ("slack:U2", "held", taken.slot)
    assert queued(uow) == [(rules.OFFER, "slack:U2", held.id)]
    assert waitlist.offer_freed(uow, room_id="1", now=NOW + timedelta(minutes=9), hold=HOLD) == []
    with pytest.raises(SlotTaken):
        book(uow, owner="slack:U9")  # nobody else books a held slot
    [next_held] = waitlist.offer_freed(uow, room_id="1", now=NOW + HOLD, hold=HOLD)
    assert next_held.owner_id == "slack:U3"
    assert uow.reservations.get(held.id or 0).status == "expired"  # type: ignore[union-attr]
    with pytest.raises(OfferLapsed):
        waitlist.take_offer(uow, reservation_id=held.id or 0, actor_id="slack:U2", now=NOW + HOLD)
    taken_by_3 = waitlist.take_offer(uow, reservation_id=next_held.id or 0, actor_id="slack:U3",
                                     now=NOW + HOLD)  # fmt: skip
    assert (taken_by_3.status, taken_by_3.active) == ("active", True)
    assert waitlist.offer_freed(uow, room_id="1", now=NOW + 3 * HOLD, hold=HOLD) == []
    statuses = [e.status for e in uow.fake_waitlist.rows.values()]
    assert statuses == [rules.LAPSED, rules.BOOKED]


def test_only_enough_of_a_freed_slot_is_offered(uow: FakeUnitOfWork) -> None:
    first, second = book(uow, start=14), book(uow, start=15)
    wait(uow, "slack:U2", start=14, end=16)  # needs both hours
    services.cancel_reservation(uow, reservation_id=first.id or 0, actor_id="slack:U1", now=NOW)
    assert waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD) == []
    services.cancel_reservation(uow, reservation_id=second.id or 0, actor_id="slack:U1", now=NOW)
    [held] = waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD)
    assert held.slot == TimeSlot(jst(14), jst(16)).in_utc()


def test_a_room_locked_by_another_scheduler_is_skipped(uow: FakeUnitOfWork) -> None:
    taken = book(uow)
    wait(uow, "slack:U2")
    services.cancel_reservation(uow, reservation_id=taken.id or 0, actor_id="slack:U1", now=NOW)
    uow.fake_waitlist.locked.add("1")
    assert waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD) == []
    uow.fake_waitlist.locked.clear()
    assert len(waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD)) == 1


def test_a_declined_offer_goes_to_the_next_waiter(uow: FakeUnitOfWork) -> None:
    taken = book(uow)
    wait(uow, "slack:U2")
    wait(uow, "slack:U3", now=NOW + timedelta(minutes=1))
    services.cancel_reservation(uow, reservation_id=taken.id or 0, actor_id="slack:U1", now=NOW)
    [held] = waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD)
    services.cancel_reservation(uow, reservation_id=held.id or 0, actor_id="slack:U2", now=NOW)
    [next_held] = waitlist.offer_freed(uow, room_id="1", now=NOW, hold=HOLD)
    assert next_held.owner_id == "slack:U3"


def test_an_offer_in_a_restricted_room_becomes_pending_when_taken(uow: FakeUnitOfWork) -> None:
    taken = book(uow, room="5", owner=BOSS)
    waitlist.join_waitlist(uow, POLICY, room="5", start=jst(14), end=jst(15),
                           owner_id="slack:U2", now=NOW)  # fmt: skip
    services.cancel_reservation(uow, reservation_id=taken.id or 0, actor_id=BOSS, now=NOW)
    [held] = waitlist.offer_freed(uow, room_id="5", now=NOW, hold=HOLD)
    mine = waitlist.take_offer(uow, reservation_id=held.id or 0, actor_id="slack:U2", now=NOW)
    assert mine.status == "pending"
    assert [k for k, _, _ in queued(uow)] == [rules.OFFER, rules.REQUEST, rules.REQUEST]


# ---- series ---------------------------------------------------------------------------------


def weekly(uow: FakeUnitOfWork, count: int = 4, room: str = "1",
           owner: str = "slack:U1") -> series.SeriesBooking:  # fmt: skip
    return series.book_series(uow, POLICY, room=room, start=jst(10), end=jst(11), owner_id=owner,
                              now=NOW, repeat="weekly", count=count, title="定例")  # fmt: skip


def test_a_series_books_the_free_dates_and_lists_the_clashes(uow: FakeUnitOfWork) -> None:
    services.create_reservation(uow, POLICY, room="1", start=jst(10, day=date(2025, 10, 13)),
                                end=jst(11, day=date(2025, 10, 13)), owner_id="slack:U2", now=NOW)  # fmt: skip
    made = weekly(uow)
    assert made.series is not None and made.series.id is not None
    days = [r.start.astimezone(JST).date().isoformat() for r in made.booked]
    assert days == ["2025-09-29", "2025-10-06", "2025-10-20"]
    assert [r.occurrence for r in made.booked] == [0, 1, 3]
    [(slot, clash)] = made.clashes
    assert isinstance(clash, SlotTaken) and slot.start == jst(10, day=date(2025, 10, 13))


def test_dates_beyond_the_booking_window_are_clashes_and_a_bad_first_date_refuses(
    uow: FakeUnitOfWork,
) -> None:
    made = weekly(uow, count=16)  # 90 days ahead: the last three weeks are too far
    assert len(made.booked) == 13 and all(
        isinstance(e, InvalidReservation) for _, e in made.clashes
    )
    with pytest.raises(InvalidReservation):
        series.book_series(uow, POLICY, room="1", start=jst(6), end=jst(7), owner_id="u",
                           now=NOW, repeat="daily", count=3)  # fmt: skip


def test_nothing_free_stores_nothing(uow: FakeUnitOfWork) -> None:
    book(uow, start=10)
    made = series.book_series(uow, POLICY, room="1", start=jst(10), end=jst(11),
                              owner_id="slack:U2", now=NOW, repeat="daily", count=1)  # fmt: skip
    assert made.series is None and uow.fake_series.rows == {}


def test_daily_weekdays_only_skips_the_weekend(uow: FakeUnitOfWork) -> None:
    made = series.book_series(uow, POLICY, room="1", start=jst(10, day=date(2025, 10, 2)),
                              end=jst(11, day=date(2025, 10, 2)), owner_id="u", now=NOW,
                              repeat="daily", count=4, weekdays_only=True)  # fmt: skip
    days = [r.start.astimezone(JST).day for r in made.booked]
    assert days == [2, 3, 6, 7]


def test_cancel_this_following_or_all(uow: FakeUnitOfWork) -> None:
    made = weekly(uow, count=5)
    sid = made.series.id if made.series else 0
    one = series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:U1", now=NOW,
                               scope="this", day=date(2025, 10, 6))  # fmt: skip
    assert [r.start.astimezone(JST).day for r in one] == [6]
    rest = series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:U1", now=NOW,
                                scope="following", day=date(2025, 10, 20))  # fmt: skip
    assert [r.start.astimezone(JST).day for r in rest] == [20, 27]
    left = series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:U1", now=NOW,
                                scope="all")  # fmt: skip
    assert [(r.start.astimezone(JST).month, r.start.astimezone(JST).day) for r in left] == [
        (9, 29), (10, 13)
    ]  # fmt: skip
    assert not [r for r in uow.fake_reservations.rows.values() if r.holds_slot]
    with pytest.raises(SeriesDateNotFound):
        series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:U1", now=NOW,
                             scope="this", day=date(2025, 10, 6))  # fmt: skip


def test_only_the_series_owner_or_an_admin_cancels(uow: FakeUnitOfWork) -> None:
    sid = (weekly(uow).series or rules.Series("1", "", TimeSlot(NOW, NOW), "daily", 0)).id or 0
    with pytest.raises(NotSeriesOwner):
        series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:U2", now=NOW, scope="all")
    done = series.cancel_series(uow, POLICY, series_id=sid, actor_id="slack:UADMIN", now=NOW,
                                scope="all", admins=["slack:UADMIN"])  # fmt: skip
    assert len(done) == 4


def test_one_date_moves_and_stays_in_its_series(uow: FakeUnitOfWork) -> None:
    sid = (weekly(uow).series or rules.Series("1", "", TimeSlot(NOW, NOW), "daily", 0)).id or 0
    target = series.series_date(uow, POLICY, series_id=sid, day=date(2025, 10, 6))
    moved = services.change_reservation(uow, POLICY, reservation_id=target.id or 0,
                                        actor_id="slack:U1", now=NOW,
                                        start=jst(15, day=date(2025, 10, 7)),
                                        end=jst(16, day=date(2025, 10, 7)))  # fmt: skip
    assert (moved.series_id, moved.occurrence) == (sid, 1)
    _, dates = series.get_series(uow, series_id=sid)
    assert [r.start.astimezone(JST).day for r in dates] == [29, 7, 13, 20]


def test_a_series_in_a_restricted_room_is_pending_date_by_date(uow: FakeUnitOfWork) -> None:
    made = weekly(uow, count=2, room="5")
    assert [r.status for r in made.booked] == ["pending", "pending"]
    assert len(queued(uow)) == 4


# ---- notices --------------------------------------------------------------------------------


def test_notices_go_out_once_and_stale_requests_are_skipped(uow: FakeUnitOfWork) -> None:
    sent: list[tuple[str, str, str]] = []

    def send(n: Notice, r: Reservation) -> notices.Delivery:
        sent.append((n.kind, n.recipient, n.ref))
        return "sent", f"D{n.recipient}|{len(sent)}"

    made = book(uow, room="5")
    assert notices.deliver_next(uow, now=NOW, send=send) == "sent"  # BOSS's request
    approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=True, now=NOW)
    while notices.deliver_next(uow, now=NOW, send=send) is not None:
        pass
    assert sent == [
        (rules.REQUEST, BOSS, ""),
        (rules.RESULT, "slack:U1", ""),  # DEPUTY's request was not sent: already decided
    ]
    assert [n.outcome for n in uow.fake_notices.rows.values()] == [
        "sent",
        "skipped",
        "sent",
        "skipped",
    ]


def test_an_approvers_update_carries_where_their_request_landed(uow: FakeUnitOfWork) -> None:
    seen: list[tuple[str, str]] = []

    def send(n: Notice, r: Reservation) -> notices.Delivery:
        seen.append((n.kind, n.ref))
        return "sent", f"D{n.recipient}|1" if n.kind == rules.REQUEST else n.ref

    made = book(uow, room="5")
    for _ in range(2):
        notices.deliver_next(uow, now=NOW, send=send)
    approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=False, now=NOW)
    while notices.deliver_next(uow, now=NOW, send=send) is not None:
        pass
    assert seen[-1] == (rules.DECIDED, f"D{DEPUTY}|1")


def test_an_update_waits_while_its_request_is_still_queued(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")
    uow.fake_notices.rows[1] = replace(uow.fake_notices.rows[1], sent_at=NOW, outcome="sent")
    approvals.decide(uow, reservation_id=made.id or 0, approver=BOSS, approve=True, now=NOW)
    deputy_request = uow.fake_notices.rows[2]
    uow.fake_notices.rows[2] = replace(deputy_request, due_at=NOW + DAY)  # "another process has it"
    outcomes = []
    while (
        outcome := notices.deliver_next(uow, now=NOW, send=lambda n, r: ("sent", ""))
    ) is not None:
        outcomes.append(outcome)
    assert outcomes == ["sent", "deferred"]  # the result to the requester; the update waits
    assert uow.fake_notices.rows[4].sent_at is None


# ---- configuration --------------------------------------------------------------------------


def test_rooms_file_approvers_are_identities(tmp_path: Path) -> None:
    path = tmp_path / "rooms.yml"
    path.write_text(
        "rooms:\n"
        "  - {id: '5', name: 応接室, approvers: [U01BOSS, 'slack:U02DEP', 'teams:t1:aad', U01BOSS]}\n"
        "  - {id: '1', name: 会議室A}\n",
        encoding="utf-8",
    )
    boss_room, plain = load_rooms(path)
    assert boss_room.approvers == ("slack:U01BOSS", "slack:U02DEP", "teams:t1:aad")
    assert plain.approvers == () and not plain.needs_approval("slack:U1")
    assert boss_room.needs_approval("slack:U1") and not boss_room.needs_approval("slack:U01BOSS")
    path.write_text(
        "rooms:\n  - {id: '5', name: 応接室, approvers: {boss: U1}}\n", encoding="utf-8"
    )
    with pytest.raises(RoomsFileError, match="approvers"):
        load_rooms(path)


def test_settings_read_the_rules_timeouts() -> None:
    assert (Settings().approval_timeout_hours, Settings().waitlist_hold_minutes) == (24, 10)
    read = Settings.from_env({"APPROVAL_TIMEOUT_HOURS": "1.5", "WAITLIST_HOLD_MINUTES": "5"}, None)
    assert (read.approval_timeout_hours, read.waitlist_hold_minutes) == (1.5, 5)
    with pytest.raises(ConfigError, match="WAITLIST_HOLD_MINUTES"):
        Settings.from_env({"WAITLIST_HOLD_MINUTES": "0"}, None)


def test_a_notice_that_keeps_failing_never_holds_up_the_others(uow: FakeUnitOfWork) -> None:
    made = book(uow, room="5")  # requests to BOSS (whose surface fails) and DEPUTY
    tried: list[str] = []

    def send(notice: Notice, r: Reservation) -> tuple[str, str]:
        tried.append(notice.recipient)
        return ("retry", "") if notice.recipient == BOSS else ("sent", "C|1")

    assert notices.deliver_next(uow, now=NOW, send=send) == "retry"
    assert notices.deliver_next(uow, now=NOW, send=send) == "sent"  # the next one goes out
    assert notices.deliver_next(uow, now=NOW, send=send) is None and tried == [BOSS, DEPUTY]
    minute = NOW + notices.RETRY_AFTER
    assert notices.deliver_next(uow, now=minute, send=send) == "retry"  # tried again later
    late = NOW + notices.GIVE_UP + timedelta(minutes=5)
    assert notices.deliver_next(uow, now=late, send=send) == "expired"  # given up after a day
    assert notices.deliver_next(uow, now=late + DAY, send=send) is None
    outcomes = {n.recipient: n.outcome for n in uow.fake_notices.rows.values()}
    assert outcomes == {BOSS: "expired", DEPUTY: "sent"} and made.id is not None
