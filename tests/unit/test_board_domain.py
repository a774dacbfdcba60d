"""Walk-up bookings, board tokens, a room's state now, and the utilisation figures (pure)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from booking import boards, services
from booking.clock import JST
from booking.errors import SlotTaken
from booking.model import NO_SHOW, Reservation, Room, TimeSlot
from booking.policy import Policy
from booking.usage import Held, Outcomes, Period, compute, minutes_by_hour, open_hours
from bot.board.present import Privacy
from bot.board.status import busy_until, state_at
from tests.unit.fake_uow import FakeUnitOfWork

POLICY = Policy()
WED = date(2026, 12, 2)
ROOMS = [Room("1", "会議室A", 4, name_en="Room A"), Room("2", "会議室B", 8)]


def jst(day: date, hhmm: str) -> datetime:
    """An instant at a wall-clock time in Japan."""
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=JST)


def booked(room: str, start: str, end: str, **more: object) -> Reservation:
    """A reservation on WED."""
    owner = str(more.pop("owner_id", "slack:U1"))
    return Reservation(room, owner, TimeSlot(jst(WED, start), jst(WED, end)), **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "minutes", "step", "start", "end"),
    [("10:03", 30, 5, "10:00", "10:35"), ("10:00", 30, 5, "10:00", "10:30"),
     ("10:03", 15, 5, "10:00", "10:20"), ("10:50", 15, 60, "10:00", "12:00"),
     ("13:29:59", 15, 30, "13:00", "14:00")],
)  # fmt: skip
def test_walk_up_starts_on_the_step_containing_now(
    now: str, minutes: int, step: int, start: str, end: str
) -> None:
    slot = boards.walk_up_slot(Policy(granularity_minutes=step), jst(WED, now), minutes)
    assert (slot.start, slot.end) == (jst(WED, start), jst(WED, end))


def test_walk_up_is_offered_only_when_the_rules_and_the_room_allow() -> None:
    now = jst(WED, "10:03")
    assert boards.walk_up_allowed(POLICY, now, 30, []) is not None
    assert boards.walk_up_allowed(POLICY, now, 30, [booked("1", "10:30", "11:00")]) is None
    assert boards.walk_up_allowed(POLICY, now, 15, [booked("1", "10:30", "11:00")]) is not None
    assert boards.walk_up_allowed(POLICY, jst(WED, "21:50"), 30, []) is None  # past closing
    assert boards.walk_up_allowed(POLICY, jst(WED, "06:50"), 15, []) is None  # before opening


def issued(uow: FakeUnitOfWork, room: str = "1", secret: str = "s3cret-token") -> str:
    """Issue a token and return its secret."""
    boards.issue_token(uow, room=room, token=secret, label="door", now=jst(WED, "08:00"))
    return secret


def test_a_token_is_stored_hashed_and_opens_only_its_room_until_revoked() -> None:
    uow = FakeUnitOfWork(ROOMS)
    secret = issued(uow, room="会議室A")  # a room's name works as in the CLI
    [stored] = uow.fake_board_tokens.list()
    assert stored.room_id == "1" and secret not in stored.token_hash
    assert stored.token_hash == boards.hash_token(secret)
    assert boards.token_opens(uow, room_id="1", token=secret) is not None
    assert boards.token_opens(uow, room_id="2", token=secret) is None
    assert boards.token_opens(uow, room_id="1", token="wrong") is None
    assert boards.token_opens(uow, room_id="1", token="") is None
    boards.revoke_token(uow, token_id=stored.id or 0, now=jst(WED, "09:00"))
    assert boards.token_opens(uow, room_id="1", token=secret) is None
    with pytest.raises(boards.TokenNotFound):
        boards.revoke_token(uow, token_id=99, now=jst(WED, "09:00"))


def test_book_now_is_checked_in_and_owned_by_the_board() -> None:
    uow = FakeUnitOfWork(ROOMS)
    token = boards.token_opens(uow, room_id="1", token=issued(uow))
    assert token is not None
    now = jst(WED, "10:03")
    made = boards.book_now(uow, POLICY, token=token, minutes=30, now=now, title="Walk-up")
    assert (made.start, made.end) == (jst(WED, "10:00"), jst(WED, "10:35"))
    assert made.checked_in_at == now and made.owner_id == f"board:{token.id}"
    assert made.source == "board" and uow.committed
    with pytest.raises(SlotTaken):
        boards.book_now(uow, POLICY, token=token, minutes=15, now=now, title="again")
    with pytest.raises(ValueError, match="minutes"):
        boards.book_now(uow, POLICY, token=token, minutes=45, now=now, title="long")


def test_busy_until_runs_through_back_to_back_meetings() -> None:
    day = [
        booked("1", "09:00", "10:00"),
        booked("1", "10:00", "11:00"),
        booked("1", "13:00", "14:00"),
    ]
    assert busy_until(day, jst(WED, "09:30")) == jst(WED, "11:00")
    assert busy_until(day, jst(WED, "11:00")) is None  # half-open: free at the end instant
    state = state_at(day, jst(WED, "09:30"))
    assert state.next is not None and state.next.start == jst(WED, "13:00")
    assert state_at(day, jst(WED, "14:00")).next is None


def test_the_board_hides_owners_and_titles_unless_allowed() -> None:
    r = booked("1", "09:00", "10:00", title="人事面談", owner_id="slack:U0BOSS")
    assert Privacy().label(r, "ja") == "予約あり"
    assert Privacy(show_titles=True).label(r, "en") == "人事面談"
    assert Privacy(True, True).label(r, "en") == "人事面談 · U0BOSS"
    walk_up = booked("1", "09:00", "10:00", owner_id="board:3")
    assert Privacy(show_owners=True).label(walk_up, "en") == "Walk-up (board)"


def test_a_span_is_split_at_local_hour_boundaries() -> None:
    span = Held("1", jst(WED, "10:30"), jst(WED, "12:15"))
    assert minutes_by_hour(span, JST) == {(WED, 10): 30.0, (WED, 11): 60.0, (WED, 12): 15.0}
    assert open_hours((time(7), time(22))) == tuple(range(7, 22))
    assert open_hours((time(8, 30), time(17, 30))) == tuple(range(8, 18))
    assert open_hours(None) == tuple(range(24))


def test_utilisation_counts_weekday_hours_and_finds_rooms_too_big() -> None:
    sat = WED + timedelta(days=3)
    held = [Held("1", jst(WED, "10:00"), jst(WED, "11:00"), 2),
            Held("1", jst(sat, "10:00"), jst(sat, "12:00")),  # a weekend: not in room occupancy
            *[Held("2", jst(WED, f"{h}:00"), jst(WED, f"{h}:30"), 3) for h in (13, 14, 15)]]  # fmt: skip
    period = Period(WED, WED + timedelta(days=4))  # Wed..Sun: 3 weekdays
    u = compute(ROOMS, held, [Outcomes("1", 2, 1, 1)], period, JST, (time(7), time(22)))
    one, two = u.rooms
    assert u.heat["1"][u.hours.index(10)] == pytest.approx(1 / 3)
    assert one.held_minutes == 60 and one.open_minutes == 3 * 15 * 60
    assert (one.outcomes.booked, one.outcomes.checked_in, one.outcomes.released) == (2, 1, 1)
    assert two.outcomes == Outcomes("2")
    assert u.weekday_heat[5][u.hours.index(10)] == pytest.approx(1 / 2)  # Saturday: 1 of 2 rooms
    top = [(b.weekday, b.hour, b.share) for b in u.busiest[:3]]
    assert top == [(2, 10, 0.5), (5, 10, 0.5), (5, 11, 0.5)]  # ties: Monday first, then hour
    assert two.too_big and not one.too_big  # 3 parties of 3 in 8 seats; one party of 2 in 4
    assert two.median_party == 3


def test_the_fake_counts_what_the_database_counts() -> None:
    """Cancelled in advance: not held. Released: held until released. Active: whole."""
    rows = [booked("1", "09:00", "10:00", checked_in_at=jst(WED, "09:01")),
            booked("1", "10:00", "11:00").cancelled(NO_SHOW, jst(WED, "10:15")),
            booked("1", "11:00", "12:00").cancelled("slack:U1", jst(WED, "08:00"))]  # fmt: skip
    uow = FakeUnitOfWork(ROOMS, rows)
    start, end = Period(WED, WED).bounds(JST)
    held = uow.reservations.held_between(start, end)
    assert [(h.start, h.end) for h in held] == [
        (jst(WED, "09:00"), jst(WED, "10:00")), (jst(WED, "10:00"), jst(WED, "10:15"))]  # fmt: skip
    assert uow.reservations.outcomes_between(start, end) == [Outcomes("1", 2, 1, 1)]
    u = services.utilisation(uow, POLICY, period=Period(WED, WED))
    assert u.rooms[0].held_minutes == 75
