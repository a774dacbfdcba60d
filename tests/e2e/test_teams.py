"""Teams over real HTTP: activities posted to /api/messages, replies to a fake connector.

The endpoint is the app `python -m bot teams` serves (anonymous development mode, as a local
connector talks to it), on real PostgreSQL and Redis; the offline assistant answers.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, text

from booking.errors import NotOwner
from booking.identity import identity
from bot.container import Container, build
from bot.settings import Settings
from storage.engine import make_engine
from tests.conftest import ROOT, reset
from tests.e2e.conftest import (
    active_reservations,
    add_reservation,
    free_port,
    jst,
    tomorrow,
    wait_until_up,
)
from tests.e2e.teams_support import TENANT, Served, User, card_text, executes, post
from tests.fakes.teams_connector import FakeConnector


@dataclass
class Teams:
    """The served endpoint, its container, the fake connector and the database."""

    served: Served
    container: Container
    fake: FakeConnector
    engine: Engine
    redis: redis.Redis

    def user(self, aad: str, **more: str) -> User:
        """A user writing to the bot; their conversation is known to the connector."""
        user = User(aad, self.fake.url, **more)
        self.fake.open(user.conversation_id)
        return user

    def send(self, activity: dict[str, object]) -> int:
        """Post an activity; the turn has run when this returns."""
        return post(self.served.url, activity).status


@pytest.fixture(scope="module")
def served(pg_url: str, redis_url: str) -> Iterator[tuple[Served, Container, FakeConnector]]:
    """The Teams endpoint on PostgreSQL and Redis, replying to a fake connector."""
    env = {"DATABASE_URL": pg_url, "REDIS_URL": redis_url, "FLASK_ENV": "development",
           "TEAMS_ALLOW_ANONYMOUS": "1", "DEFAULT_LANGUAGE": "ja"}  # fmt: skip
    container = build(Settings.from_env(environ=env, dotenv_path=None))
    with FakeConnector() as fake:
        endpoint = Served(container.teams_app()).start()
        yield endpoint, container, fake
        endpoint.stop()
    container.engine.dispose()
    if container.redis is not None:
        container.redis.close()  # no connection (and its local port) outlives the module


@pytest.fixture
def teams(
    served: tuple[Served, Container, FakeConnector], pg_url: str, redis_url: str
) -> Iterator[Teams]:
    """A clean start: example rooms, no reservations, no references or chats, no requests."""
    endpoint, container, fake = served
    engine = make_engine(pg_url)
    reset(engine)
    with engine.begin() as connection:
        connection.execute(text("DELETE FROM teams_conversations"))
    client = redis.Redis.from_url(redis_url)
    keys = [k for pattern in ("chat_history:*", "teams_activity:*")
            for k in client.scan_iter(match=pattern, count=500)]  # fmt: skip
    if keys:
        client.delete(*keys)
    fake.reset()
    yield Teams(endpoint, container, fake, engine, client)
    client.close()
    engine.dispose()


# conversations


def test_japanese_booking_in_a_personal_chat_with_typing_and_a_cancel_button(teams: Teams) -> None:
    alice = teams.user("aad-alice")
    activity = alice.message("明日の14時から15時まで会議室Aを予約して")
    assert teams.send(activity) == 202
    sent = [s for s in teams.fake.sent if s.conversation == alice.conversation_id]
    kinds = [s.body["type"] for s in sent]
    assert kinds[0] == "typing" and kinds[-1] == "message"  # typing while the turn ran
    assert set(kinds[1:-1]) <= {"typing"}  # one more for each step the assistant started
    reply = sent[-1]
    assert reply.activity_id == activity["id"]  # a reply to the user's message
    card = reply.cards[0]
    assert "予約しました" in card_text(card) and card["lang"] == "ja"
    (row,) = active_reservations(teams.engine)
    assert row.owner_id == identity("teams", TENANT, "aad-alice")
    (cancel,) = executes(card)
    assert (cancel["verb"], cancel["data"]["reservation"]) == ("cancel", row.id)
    session = f"chat_history:teams:{TENANT}:{alice.conversation_id}"
    assert teams.redis.exists(session) and teams.redis.ttl(session) > 0


def test_a_redelivered_message_is_answered_and_booked_once(teams: Teams) -> None:
    mia = teams.user("aad-mia")
    activity = mia.message("book 会議室B 明日 11:00-12:00")
    assert teams.send(activity) == 202
    assert teams.send(activity) == 202  # the Bot Framework retried the same activity id
    assert len(teams.fake.messages(mia.conversation_id)) == 1
    assert len(active_reservations(teams.engine)) == 1


def test_english_question_gets_an_english_reply(teams: Teams) -> None:
    bob = teams.user("aad-bob", locale="en-US")
    assert teams.send(bob.message("book Room B tomorrow 10:00-11:00")) == 202
    (reply,) = teams.fake.messages(bob.conversation_id)
    assert "Booked" in card_text(reply.cards[0]) and reply.cards[0]["lang"] == "en"


def test_channel_mention_answers_in_the_reply_chain_with_its_own_session(teams: Teams) -> None:
    thread = "19:general@thread.tacv2;messageid=1700000000001"
    carol = teams.user("aad-carol", conversation=thread, kind="channel")
    activity = carol.message("today", mention=True)
    assert teams.send(activity) == 202
    (reply,) = teams.fake.messages(thread)
    assert reply.activity_id == activity["id"]  # POST …/activities/{replyToId}
    assert "空き状況" in card_text(reply.cards[0])


def test_a_taken_slot_offers_alternatives_and_book_this_books_one(teams: Teams) -> None:
    day = tomorrow()
    add_reservation(teams.engine, "1", "slack:U9", jst(day, "14:00"), jst(day, "15:00"))
    dave = teams.user("aad-dave")
    assert teams.send(dave.message("明日の14時から15時まで会議室Aを予約して")) == 202
    (reply,) = teams.fake.messages(dave.conversation_id)
    offers = [a for a in executes(reply.cards[0]) if a["verb"] == "book"]
    assert offers and all(o["data"]["room"] != "1" for o in offers)
    answer = post(teams.served.url, dave.press("book", offers[0]["data"]))
    assert answer.status == 200
    body = answer.json()
    assert body["statusCode"] == 200 and body["type"] == "application/vnd.microsoft.card.adaptive"
    assert "予約しました" in card_text(body["value"])
    owners = {r.room_id: r.owner_id for r in active_reservations(teams.engine)}
    assert owners[offers[0]["data"]["room"]] == identity("teams", TENANT, "aad-dave")


# commands


def test_commands_mirror_the_slash_commands(teams: Teams) -> None:
    erin = teams.user("aad-erin")
    for command in ("today", "rooms", "mybookings", "book 会議室C 明日 16:00-17:00", "/mybookings"):
        assert teams.send(erin.message(command)) == 202
    cards = [m.cards[0] for m in teams.fake.messages(erin.conversation_id)]
    assert "会議室A" in card_text(cards[0]) and "大会議室" in card_text(cards[0])
    assert "会議室一覧" in card_text(cards[1])
    assert "今後の予約はありません" in card_text(cards[2])
    assert "予約しました" in card_text(cards[3])
    verbs = [a["verb"] for a in executes(cards[4])]  # the booking just made, the calendar link
    assert verbs == ["cancel", "calendar_rotate", "calendar_revoke"]


def feed_token(card: dict[str, object]) -> str:
    """The token of the calendar-feed link a card shows."""
    found = re.search(r"/ical/users/([A-Za-z0-9_-]+)\.ics", card_text(card))
    assert found is not None, card_text(card)
    return found.group(1)


def test_the_calendar_link_is_shown_renewed_and_turned_off_in_a_personal_chat(
    teams: Teams,
) -> None:
    ivy, other = teams.user("aad-ivy"), teams.user("aad-ivo")
    actor, feeds = identity("teams", f"{TENANT}:aad-ivy"), teams.container.feeds
    assert teams.send(ivy.message("mybookings")) == 202
    (shown,) = teams.fake.messages(ivy.conversation_id)
    first = feed_token(shown.cards[0])
    assert feeds.owner(first) == actor
    data = {"owner": actor, "lang": "ja"}
    refused = post(teams.served.url, other.press("calendar_rotate", data)).json()
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert "他の人のもの" in refused["value"] and feeds.owner(first) == actor
    renewed = post(teams.served.url, ivy.press("calendar_rotate", data)).json()["value"]
    second = feed_token(renewed)
    assert second != first and feeds.owner(first) is None and feeds.owner(second) == actor
    off = post(teams.served.url, ivy.press("calendar_revoke", data)).json()["value"]
    assert "無効にしました" in card_text(off) and feeds.owner(second) is None
    assert [a["verb"] for a in executes(off)] == ["calendar_rotate"]  # turn it on again


def test_the_calendar_link_never_shows_in_a_channel(teams: Teams) -> None:
    jun = teams.user("aad-jun", conversation="19:general@thread.tacv2", kind="channel")
    assert teams.send(jun.message("mybookings", mention=True)) == 202
    (shown,) = teams.fake.messages(jun.conversation_id)
    assert "/ical/" not in card_text(shown.cards[0])
    assert all(not a["verb"].startswith("calendar") for a in executes(shown.cards[0]))


def test_book_without_enough_says_what_is_missing_politely(teams: Teams) -> None:
    frank = teams.user("aad-frank", locale="en-US")
    assert teams.send(frank.message("book Room A")) == 202
    (reply,) = teams.fake.messages(frank.conversation_id)
    assert "Missing" in card_text(reply.cards[0])
    assert active_reservations(teams.engine) == []


# buttons


def test_only_the_owner_may_cancel_and_the_card_refreshes_in_place(teams: Teams) -> None:
    owner, other = teams.user("aad-gina"), teams.user("aad-hiro")
    assert teams.send(owner.message("mybookings")) == 202
    assert teams.send(owner.message("book 会議室A 明日 09:00-10:00")) == 202
    (row,) = active_reservations(teams.engine)
    data = {"reservation": row.id, "lang": "ja", "view": "mine"}
    refused = post(teams.served.url, other.press("cancel", data)).json()
    assert refused["type"] == "application/vnd.microsoft.activity.message"
    assert "予約した本人だけ" in refused["value"]
    assert [r.id for r in active_reservations(teams.engine)] == [row.id]
    done = post(teams.served.url, owner.press("cancel", data)).json()
    assert done["type"] == "application/vnd.microsoft.card.adaptive"
    text = card_text(done["value"])
    assert (
        "キャンセルしました" in text and "今後の予約はありません" in text
    )  # my bookings, refreshed
    assert active_reservations(teams.engine) == []


def test_a_teams_user_and_a_slack_user_with_the_same_id_are_strangers(teams: Teams) -> None:
    day = tomorrow()
    slack_booking = add_reservation(
        teams.engine, "2", "slack:U1", jst(day, "10:00"), jst(day, "11:00")
    )
    teams_u1 = teams.user("U1")
    assert teams.send(teams_u1.message("mybookings")) == 202
    (listing,) = teams.fake.messages(teams_u1.conversation_id)
    assert "今後の予約はありません" in card_text(listing.cards[0])
    refused = post(
        teams.served.url, teams_u1.press("cancel", {"reservation": slack_booking, "lang": "ja"})
    )
    assert refused.json()["type"] == "application/vnd.microsoft.activity.message"
    assert teams.send(teams_u1.message("book 会議室C 明日 10:00-11:00")) == 202
    mine = next(r for r in active_reservations(teams.engine) if r.room_id == "3")
    with pytest.raises(NotOwner):
        teams.container.desk.cancel("slack:U1", mine.id)
    assert {r.id for r in active_reservations(teams.engine)} == {slack_booking, mine.id}


def test_a_card_from_elsewhere_or_an_unknown_tenant_is_refused_politely(teams: Teams) -> None:
    stranger = teams.user("aad-ivan", locale="en-US")
    answer = post(
        teams.served.url, stranger.press("cancel", {"reservation": "x", "lang": "en"})
    ).json()
    assert (
        answer["type"] == "application/vnd.microsoft.activity.message"
        and "Sorry" in answer["value"]
    )


# proactive reminders


def test_reminder_reaches_the_personal_chat_once_and_check_in_works(teams: Teams) -> None:
    june = teams.user("aad-june")
    assert teams.send(june.message("help")) == 202  # first contact stores the reference
    start = jst(tomorrow(), "13:00")
    rid = add_reservation(
        teams.engine, "1", identity("teams", TENANT, "aad-june"), start, start + timedelta(hours=1)
    )
    jobs = teams.container.jobs()
    now = start - timedelta(minutes=5)
    assert jobs.send_due_reminders(now) == 1
    assert jobs.send_due_reminders(now) == 0  # exactly once
    reminder = teams.fake.messages(june.conversation_id)[-1]
    assert "まもなく開始します" in card_text(reminder.cards[0])
    verbs = {a["verb"]: a["data"] for a in executes(reminder.cards[0])}
    assert set(verbs) == {"check_in", "release"} and verbs["check_in"]["reservation"] == rid
    checked = post(teams.served.url, june.press("check_in", verbs["check_in"])).json()
    assert "チェックインしました" in card_text(checked["value"])


def test_a_user_met_only_in_a_channel_is_reminded_in_a_new_personal_chat(teams: Teams) -> None:
    thread = "19:general@thread.tacv2;messageid=1700000000002"
    kate = teams.user("aad-kate", conversation=thread, kind="channel")
    assert teams.send(kate.message("rooms", mention=True)) == 202
    start = jst(tomorrow(), "15:00")
    add_reservation(
        teams.engine, "2", identity("teams", TENANT, "aad-kate"), start, start + timedelta(hours=1)
    )
    teams.fake.fail_next(503)  # the first try fails: the reminder waits for the next poll
    jobs = teams.container.jobs()
    assert jobs.send_due_reminders(start - timedelta(minutes=5)) == 0
    assert jobs.send_due_reminders(start - timedelta(minutes=4)) == 1
    created = [s for s in teams.fake.sent if s.path.endswith("/v3/conversations") and s.ok]
    assert len(created) == 1 and created[0].body["members"][0]["id"] == "29:aad-kate"
    (reminder,) = teams.fake.messages(created[0].response["id"])
    assert "まもなく開始します" in card_text(reminder.cards[0])
    found = teams.container.teams_references.find(identity("teams", TENANT, "aad-kate"))
    assert found is not None and found[0] is True  # the personal chat is remembered


def test_installing_the_app_remembers_the_user_and_says_hello(teams: Teams) -> None:
    lee = teams.user("aad-lee", locale="en-US")
    assert teams.send(lee.install()) == 202
    (hello,) = teams.fake.messages(lee.conversation_id)
    assert "room-booking bot" in card_text(hello.cards[0])
    assert teams.container.teams_references.find(identity("teams", TENANT, "aad-lee")) is not None


# bad input


@pytest.mark.parametrize(
    ("body", "field"),
    [(b"not json", "JSON"), ({"type": "message", "serviceUrl": "http://x/"}, "conversation.id"),
     ({"type": "message", "conversation": {"id": "a:1"}}, "serviceUrl")],
)  # fmt: skip
def test_malformed_activities_get_a_400_naming_the_field(
    teams: Teams, body: object, field: str
) -> None:
    answer = post(teams.served.url, body)
    assert answer.status == 400 and field in answer.json()["error"]


# the process


def test_python_m_bot_teams_serves_and_stops_on_sigterm(pg_url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "FLASK_"))}
    env |= {"DATABASE_URL": pg_url, "FLASK_ENV": "development", "TEAMS_ALLOW_ANONYMOUS": "1",
            "TEAMS_PORT": str(port)}  # fmt: skip
    log_path = tmp_path / "teams.log"
    with open(log_path, "wb") as log, FakeConnector() as fake:
        process = subprocess.Popen([sys.executable, "-m", "bot", "teams"], cwd=ROOT, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)  # fmt: skip
        try:
            wait_until_up(f"http://127.0.0.1:{port}/health/live", process, log_path)
            user = User("aad-proc", fake.url)
            fake.open(user.conversation_id)
            assert (
                post(f"http://127.0.0.1:{port}/api/messages", user.message("rooms")).status == 202
            )
            assert "会議室一覧" in card_text(fake.messages(user.conversation_id)[0].cards[0])
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=30) == 0


def test_python_m_bot_teams_refuses_to_start_in_production_without_its_settings() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "FLASK_"))}
    done = subprocess.run([sys.executable, "-m", "bot", "teams"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "configuration error: TEAMS_APP_ID is required for Teams "
        "(or TEAMS_ALLOW_ANONYMOUS=1 with FLASK_ENV=development)"
    ]
