"""The booking rules of an office: hours, lengths, window and granularity (all configurable)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from booking.clock import JST, local
from booking.errors import InvalidReservation
from booking.model import TimeSlot

DAY = timedelta(days=1)
DAY_MINUTES = 24 * 60


@dataclass(frozen=True)
class Policy:
    """Rules every new or changed reservation must satisfy."""

    tz: ZoneInfo = JST
    max_duration: timedelta = timedelta(hours=4)
    booking_window: timedelta = timedelta(days=90)
    granularity_minutes: int = 5
    business_hours: tuple[time, time] | None = (time(7), time(22))

    def validate(self, slot: TimeSlot, now: datetime) -> None:
        """Raise InvalidReservation naming the first rule the slot breaks."""
        for check in (
            self._check_order,
            self._check_past,
            self._check_length,
            self._check_window,
            self._check_granularity,
            self._check_hours,
        ):
            check(slot, now)

    def _check_order(self, slot: TimeSlot, now: datetime) -> None:
        if slot.end <= slot.start:
            raise InvalidReservation(
                "end_before_start",
                "The end time must be after the start time (e.g. 14:00–15:00).",
                "終了時刻は開始時刻より後にしてください（例: 14:00〜15:00）。",
                "end",
            )

    def _check_past(self, slot: TimeSlot, now: datetime) -> None:
        if slot.start < now:
            soonest = _next_grid_time(local(now, self.tz), self.granularity_minutes)
            raise InvalidReservation(
                "in_past",
                f"That time has already passed; the earliest you can book today is {soonest}.",
                f"過去の時間は予約できません。今日なら{soonest}以降で指定してください。",
                "start",
            )

    def _check_length(self, slot: TimeSlot, now: datetime) -> None:
        if slot.duration > self.max_duration:
            hours = self.max_duration / timedelta(hours=1)
            latest = f"{local(slot.start + self.max_duration, self.tz):%H:%M}"
            raise InvalidReservation(
                "too_long",
                f"A booking can last at most {hours:g} hours: end it by {latest}.",
                f"1回の予約は最長{hours:g}時間までです。{latest}までに終わるよう指定してください。",
                "end",
            )

    def _check_window(self, slot: TimeSlot, now: datetime) -> None:
        if slot.start > now + self.booking_window:
            days = self.booking_window.days
            last = local(now + self.booking_window, self.tz).date()
            raise InvalidReservation(
                "too_far_ahead",
                f"Rooms can be booked at most {days} days ahead (until {last:%b} {last.day}).",
                f"予約できるのは{days}日先（{last.month}月{last.day}日）までです。",
                "date",
            )

    def _check_granularity(self, slot: TimeSlot, now: datetime) -> None:
        step = self.granularity_minutes
        for name, instant in (("start", slot.start), ("end", slot.end)):
            after_midnight = _since_local_midnight(local(instant, self.tz), name == "end")
            if after_midnight % timedelta(minutes=step):
                examples = _grid_times_near(after_midnight, step)
                raise InvalidReservation(
                    "off_granularity",
                    f"Times must be on the {step}-minute grid counted from midnight "
                    f"(e.g. {', '.join(examples)}).",
                    f"時刻は0時から数えて{step}分単位で指定してください（例: {'、'.join(examples)}）。",
                    name,
                )

    def _check_hours(self, slot: TimeSlot, now: datetime) -> None:
        if self.business_hours is None:
            return
        opens, closes = self.business_hours
        start, end = local(slot.start, self.tz), local(slot.end, self.tz)
        same_day = start.date() == end.date()
        if start.time() < opens or not same_day or end.time() > closes:
            raise InvalidReservation(
                "outside_hours",
                f"Rooms can be booked only between {opens:%H:%M} and {closes:%H:%M} (Japan time).",
                f"予約できるのは{opens:%H:%M}〜{closes:%H:%M}（日本時間）の間だけです。",
                "start" if start.time() < opens else "end",
            )


def _next_grid_time(wall: datetime, step: int) -> str:
    """The next wall-clock time on the grid, as HH:MM ('24:00' past the last one)."""
    minutes = wall.hour * 60 + wall.minute + (1 if wall.second or wall.microsecond else 0)
    nxt = -(-minutes // step) * step
    return f"{nxt // 60:02d}:{nxt % 60:02d}"


def _since_local_midnight(wall: datetime, is_end: bool) -> timedelta:
    """Time since the wall clock's midnight; an end at midnight closes the day before (24:00)."""
    since = timedelta(
        hours=wall.hour, minutes=wall.minute, seconds=wall.second, microseconds=wall.microsecond
    )
    return DAY if is_end and not since else since


def _grid_times_near(after_midnight: timedelta, step: int) -> list[str]:
    """The (at most two) grid times of a day nearest to an off-grid time, as HH:MM."""
    minutes = after_midnight / timedelta(minutes=1)
    below = int(minutes // step) * step
    grid = [m for m in (below - step, below, below + step) if 0 <= m < DAY_MINUTES]
    nearest = sorted(grid, key=lambda m: abs(m - minutes))[:2]
    return [f"{m // 60:02d}:{m % 60:02d}" for m in sorted(nearest)]


def parse_business_hours(text: str) -> tuple[time, time] | None:
    """Parse '07:00-22:00'; an empty value or '24h' means around the clock."""
    text = text.strip()
    if text.lower() in ("", "24h", "any", "none"):
        return None
    opens, _, closes = text.partition("-")
    start, end = time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())
    if end <= start:
        raise ValueError(f"business hours must open before they close: {text!r}")
    return start, end
