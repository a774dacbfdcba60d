"""The room board and the utilisation report in real headless Chromium.

Each test opens its own page in the one session browser; the served app polls every second.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from booking.clock import JST
from storage.engine import make_session_factory
from storage.models import ReservationRow
from tests.browser.conftest import ADMIN_TOKEN, PHONE, START, TABLET, Served, Watched, open_page

REFRESH_S = 1  # BOARD_REFRESH_SECONDS of the served app


def post_reservation(app: Served, room: str, start: str, end: str, **extra: Any) -> int:
    """Book through the JSON API, as another tool would; the HTTP status."""
    body = {"room-id": room, "date": START.date().isoformat(), "start-time": start,
            "end-time": end, **extra}  # fmt: skip
    request = urllib.request.Request(
        f"{app.base}/api/reservations", data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {ADMIN_TOKEN}"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def rows(app: Served) -> list[ReservationRow]:
    """Every reservation row."""
    with make_session_factory(app.engine)() as session:
        found = list(session.scalars(select(ReservationRow).order_by(ReservationRow.id)))
        session.expunge_all()
        return found


def fits_width(page: Page) -> bool:
    """No horizontal scrolling: the page is as wide as the viewport."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def assert_clean(watched: Watched, base: str) -> None:
    """Nothing from another host, no console errors (a CSP violation would be one)."""
    hosts = {urlsplit(url).netloc for url in watched.requests}
    assert hosts == {urlsplit(base).netloc}, hosts
    assert watched.problems == []


def polls(page: Page) -> int:
    """How many refreshes the board's script has completed."""
    return int(page.locator("#board").get_attribute("data-polls") or 0)


def test_a_booking_made_through_the_api_shows_within_one_refresh(
    app: Served, tablet: Watched
) -> None:
    page = tablet.page
    page.goto(f"{app.base}/board/1")
    expect(page.locator(".door")).to_have_attribute("data-state", "free")
    expect(page.locator(".door .detail")).to_have_text("本日はこの後ずっと空いています")
    page.evaluate("window.sameDocument = true")

    assert post_reservation(app, "1", "10:05", "11:00") == 201
    before = polls(page)  # counted once booked: refreshes during a slow POST saw no booking

    expect(page.locator(".door .detail")).to_have_text(
        "10:05 まで空いています", timeout=3 * REFRESH_S * 1000
    )
    expect(page.locator(".door .next")).to_have_text("次の予約 10:05–11:00")
    expect(page.locator(".meetings li")).to_have_count(1)
    assert polls(page) - before <= 2  # the refresh under way when it was booked, then the next
    assert page.evaluate("window.sameDocument") is True  # swapped in place, never reloaded
    assert_clean(tablet, app.base)


def test_book_30_minutes_on_a_tokened_board_turns_it_busy(app: Served, tablet: Watched) -> None:
    token = app.token("1")
    page = tablet.page
    page.goto(f"{app.base}/board/1?token={token}")
    button = page.get_by_role("button", name="30分 予約")
    expect(button).to_be_visible()
    box = button.bounding_box()
    assert box is not None and box["y"] + box["height"] <= TABLET["height"]  # above the fold
    assert fits_width(page)

    button.click()

    expect(page.locator(".door")).to_have_attribute("data-state", "busy")
    expect(page.locator(".door .state")).to_have_text("使用中")
    expect(page.locator(".door .detail")).to_have_text("10:35 まで使用中")
    expect(page.locator(".notice")).to_have_text("予約しました。ご利用ください。")
    expect(page.get_by_role("button")).to_have_count(0)  # busy: nothing left to book
    [made] = rows(app)
    assert (made.room_id, made.source, made.owner_id) == ("1", "board", "board:1")
    assert made.start_at == START.replace(minute=0)
    assert made.end_at == START.replace(minute=35)
    assert made.checked_in_at == START  # whoever pressed it is at the door
    assert_clean(tablet, app.base)


def test_a_board_without_a_valid_token_has_no_button(app: Served, tablet: Watched) -> None:
    page = tablet.page
    page.goto(f"{app.base}/board/1")
    expect(page.locator(".door .state")).to_have_text("空き")
    expect(page.get_by_role("button")).to_have_count(0)
    expect(page.locator("form")).to_have_count(0)

    page.goto(f"{app.base}/board/1?token=not-a-token")
    expect(page.locator(".notice")).to_have_text(
        "このボードでは予約できません（トークンが無効です）。"
    )
    expect(page.get_by_role("button")).to_have_count(0)

    other_room = app.token("2")  # a token opens its own room's board only
    page.goto(f"{app.base}/board/1?token={other_room}")
    expect(page.get_by_role("button")).to_have_count(0)
    form = {"token": other_room, "minutes": "30"}
    answer = page.request.post(f"{app.base}/board/1/book", form=form, max_redirects=0)
    assert answer.status == 303 and "notice=token" in answer.headers["location"]
    assert rows(app) == []
    assert_clean(tablet, app.base)


def test_japanese_and_english_render(app: Served, tablet: Watched) -> None:
    page = tablet.page
    page.goto(f"{app.base}/board/1")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator(".room-name")).to_have_text("会議室A")
    # The first refresh swaps the board's HTML in (later ones answer 304): a DevTools node id
    # taken before that swap would name a node that is gone.
    expect(page.locator("#board")).to_have_attribute("data-polls", re.compile(r"[1-9]"))
    fonts = rendered_fonts(page, ".door .state")
    assert sum(f["glyphCount"] for f in fonts) == len("空き")
    assert all("CJK" in f["familyName"] or "JP" in f["familyName"] for f in fonts), fonts

    page.get_by_role("link", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator(".room-name")).to_have_text("Room A")
    expect(page.locator(".door .state")).to_have_text("Free")
    assert_clean(tablet, app.base)


def rendered_fonts(page: Page, selector: str) -> list[dict[str, Any]]:
    """The platform fonts Chromium drew an element's text with (DevTools protocol)."""
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument")["root"]["nodeId"]
    node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
    fonts: list[dict[str, Any]] = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    cdp.detach()
    return fonts


def test_boards_fit_a_phone(app: Served, browser: Browser) -> None:
    token = app.token("1")
    assert post_reservation(app, "3", "10:05", "11:00") == 201
    watched = open_page(browser, PHONE, is_mobile=True, has_touch=True)
    page = watched.page
    try:
        page.goto(f"{app.base}/board")
        expect(page.locator(".room")).to_have_count(6)
        expect(page.locator('.room[data-room="3"] .detail')).to_have_text("10:05 まで空いています")
        assert fits_width(page)
        page.goto(f"{app.base}/board/1?token={token}")
        expect(page.get_by_role("button")).to_have_count(2)
        assert fits_width(page)
        for button in page.get_by_role("button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"]
        assert_clean(watched, app.base)
    finally:
        page.context.close()


def test_the_report_heat_map_has_one_cell_per_room_and_hour(app: Served, browser: Browser) -> None:
    seed_november(app)
    url = f"{app.base}/reports/utilisation?from=2026-11-01&to=2026-11-30"
    try:
        urllib.request.urlopen(url, timeout=10)
        raise AssertionError("the report answered without the admin token")
    except urllib.error.HTTPError as error:
        assert error.code == 401 and error.headers["WWW-Authenticate"].startswith("Basic")
    credentials = {"username": "facilities", "password": ADMIN_TOKEN}
    watched = open_page(browser, TABLET, http_credentials=credentials)
    page = watched.page
    try:
        # The first request draws three matplotlib charts in the served process (the import
        # and about a second per chart when idle): past the 10 s default on loaded cores, and
        # the report states no latency. The guard is 30 s.
        page.goto(url, timeout=30_000)
        expect(page.locator("h1")).to_have_text("会議室の利用状況")
        hours = range(7, 22)  # business hours 07:00-22:00
        expect(page.locator('#heatmap g[id^="heatmap-heat-"]')).to_have_count(6 * len(hours))
        for row in range(6):
            for hour in hours:
                expect(page.locator(f'#heatmap g[id="heatmap-heat-{row}-{hour}"]')).to_have_count(1)
        expect(page.locator("#rooms tbody tr")).to_have_count(6)
        first = page.locator("#rooms tbody tr").first.locator("td")
        expect(first.nth(4)).to_have_text("2")  # booked
        expect(first.nth(5)).to_have_text("1")  # checked in
        expect(first.nth(6)).to_have_text("1")  # released as a no-show
        assert_clean(watched, app.base)
    finally:
        page.context.close()


def seed_november(app: Served) -> None:
    """Room 1 in November: one meeting checked in, one released as a no-show."""
    day = datetime(2026, 11, 4, tzinfo=JST)  # a Wednesday
    with make_session_factory(app.engine)() as session, session.begin():
        for hour, checked, released in ((10, True, False), (14, False, True)):
            start = day.replace(hour=hour)
            session.add(ReservationRow(
                room_id="1", owner_id="slack:U1", title="", start_at=start,
                end_at=start + timedelta(hours=1), active=not released, source="test",
                created_at=day - timedelta(days=1),
                checked_in_at=start if checked else None,
                cancelled_at=start + timedelta(minutes=15) if released else None,
                cancelled_by="no-show" if released else None,
            ))  # fmt: skip
