"""Teams over real HTTP: approvers' Approve / Reject cards, a waiter's Book it, the channel digest.

Activities are posted to the served endpoint (anonymous development, PostgreSQL and Redis) and
the bot writes to a fake Bot Framework connector that validates every card. The scheduler's jobs
run in this process, where a scheduler would, on the same database and connector.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from booking.clock import JST
from booking.identity import identity
from bot.container import Container, build
from bot.settings import Settings
from storage.models import RoomRow
from storage.rules_models import ApprovalDecisionRow
from tests.e2e import test_teams
from tests.e2e.conftest import add_reservation, jst, reservations, tomorrow
from tests.e2e.teams_support import TENANT, Answer, User, card_text, executes, post
from tests.e2e.test_teams import Teams
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack
from tests.fakes.teams_connector import Sent

served, teams = test_teams.served, test_teams.teams  # the endpoint and connector fixtures
CHANNEL = "19:roombookings@thread.tacv2"
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"


def teams_id(aad: str) -> str:
    return identity("teams", TENANT, aad)


def deliver(teams: Teams) -> int:
    """One poll of the notice job (approval requests, decisions, outcomes, offers)."""
    return teams.container.jobs().rules().deliver_notices(datetime.now(JST))


def restrict(teams: Teams, *approvers: str) -> None:
    """Room 5 (応接室) needs one of these Teams users' yes."""
    with teams.engine.begin() as connection:
        connection.execute(
            update(RoomRow)
            .where(RoomRow.id == "5")
            .values(approvers=[teams_id(a) for a in approvers])
        )


@pytest.fixture
def approvers(teams: Teams) -> tuple[User, User, User]:
    """Two approvers and a requester who have all talked to the bot; room 5 is restricted."""
    boss = teams.user("aad-boss", name="Boss")
    deputy = teams.user("aad-deputy", name="Deputy", locale="en-US")
    asker = teams.user("aad-asker", name="Asker")
    for user in (boss, deputy, asker):
        assert teams.send(user.message("help")) == 202
    restrict(teams, "aad-boss", "aad-deputy")
    return boss, deputy, asker


def request(teams: Teams, asker: User) -> tuple[Sent, Sent]:
    """The asker books the restricted room; each approver gets a request card."""
    assert teams.send(asker.message("book 応接室 明日 14:00-15:00")) == 202
    assert "予約を申請しました" in card_text(
        teams.fake.messages(asker.conversation_id)[-1].cards[0]
    )
    assert deliver(teams) == 2
    return latest(teams, "aad-boss"), latest(teams, "aad-deputy")


def latest(teams: Teams, aad: str) -> Sent:
    return teams.fake.messages(f"a:chat-{aad}")[-1]


def press(teams: Teams, user: User, sent: Sent, verb: str) -> Answer:
    """Press one button of a card the bot posted."""
    (action,) = [a for a in executes(sent.cards[0]) if a["verb"] == verb]
    return post(
        teams.served.url, user.press(verb, action["data"], card_message=sent.response["id"])
    )


def decisions(teams: Teams) -> list[str]:
    with teams.engine.connect() as connection:
        return list(connection.execute(select(ApprovalDecisionRow.decided_by)).scalars())


# approvals


def test_a_teams_approver_approves_the_requester_is_told_the_other_card_says_who(
    teams: Teams, approvers: tuple[User, User, User]
) -> None:
    boss, deputy, asker = approvers
    to_boss, to_deputy = request(teams, asker)
    assert "承認のお願い" in card_text(to_boss.cards[0]) and "Asker" in card_text(to_boss.cards[0])
    assert "Approval needed" in card_text(to_deputy.cards[0])  # the deputy's Teams is in English
    assert [a["verb"] for a in executes(to_deputy.cards[0])] == ["approve", "reject"]
    answer = press(teams, boss, to_boss, "approve").json()
    assert answer["type"] == CARD and "Bossさんが承認しました" in card_text(answer["value"])
    assert executes(answer["value"]) == []  # settled: no buttons left
    (row,) = reservations(teams.engine)
    assert row.status == "active" and row.owner_id == teams_id("aad-asker")
    assert deliver(teams) == 2  # the requester's outcome and the deputy's update
    told = latest(teams, "aad-asker")
    assert "予約が承認されました" in card_text(told.cards[0])
    (updated,) = [s for s in teams.fake.sent if s.method == "PUT" and s.ok]
    assert updated.conversation == deputy.conversation_id
    assert updated.activity_id == to_deputy.response["id"]  # the request itself, in place
    assert "Approved by Boss" in card_text(updated.cards[0]) and executes(updated.cards[0]) == []


def test_a_non_approver_pressing_is_refused_politely_and_nothing_changes(
    teams: Teams, approvers: tuple[User, User, User]
) -> None:
    _, _, asker = approvers
    to_boss, to_deputy = request(teams, asker)
    stranger = teams.user("aad-stranger", locale="en-US")
    refusals = [press(teams, asker, to_boss, "approve").json(),
                press(teams, asker, to_boss, "reject").json(),
                press(teams, stranger, to_deputy, "approve").json()]  # fmt: skip
    assert [r["type"] for r in refusals] == [MESSAGE] * 3  # the presser alone; the card stays
    assert "承認者だけ" in refusals[0]["value"] and "承認者だけ" in refusals[1]["value"]
    assert "Only the room's approvers" in refusals[2]["value"]  # the English card's language
    assert decisions(teams) == [] and reservations(teams.engine)[0].status == "pending"


def test_two_approvers_pressing_at_once_make_one_decision_and_both_cards_say_whose(
    teams: Teams, approvers: tuple[User, User, User]
) -> None:
    boss, deputy, asker = approvers
    to_boss, to_deputy = request(teams, asker)
    barrier, answers = threading.Barrier(2), {}

    def send(user: User, sent: Sent, verb: str) -> None:
        barrier.wait()
        answers[user.aad] = press(teams, user, sent, verb).json()

    threads = [threading.Thread(target=send, args=(boss, to_boss, "approve")),
               threading.Thread(target=send, args=(deputy, to_deputy, "reject"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    (winner,) = decisions(teams)
    name = {teams_id("aad-boss"): "Boss", teams_id("aad-deputy"): "Deputy"}[winner]
    assert all(a["type"] == CARD for a in answers.values())
    assert all(name in card_text(a["value"]) for a in answers.values())  # both say who decided
    (row,) = reservations(teams.engine)
    assert row.status == ("active" if name == "Boss" else "rejected")
    deliver(teams)
    (told,) = [
        m for m in teams.fake.messages(asker.conversation_id) if "承認" in card_text(m.cards[0])
    ][-1:]
    expected = (
        "予約が承認されました" if name == "Boss" else "予約は承認されませんでした（Deputyさん）"
    )
    assert expected in card_text(told.cards[0])


# the waitlist


def offered(teams: Teams, aad: str) -> tuple[User, Sent]:
    """A Teams user waits for a taken slot of room 2 (Notify me); it frees; the offer card."""
    day = tomorrow()
    holder = add_reservation(teams.engine, "2", "slack:U9", jst(day, "10:00"), jst(day, "11:00"))
    waiter = teams.user(aad)
    assert teams.send(waiter.message("明日の10時から1時間 会議室Bを予約して")) == 202
    reply = teams.fake.messages(waiter.conversation_id)[-1]
    (notify,) = [a for a in executes(reply.cards[0]) if a["verb"] == "join_waitlist"]
    assert notify["title"] == "空いたら知らせる"
    joined = post(teams.served.url, waiter.press("join_waitlist", notify["data"])).json()
    assert joined["type"] == MESSAGE and "キャンセル待ちに登録しました" in joined["value"]
    teams.container.desk.cancel("slack:U9", holder)
    assert teams.container.jobs().rules().offer_waitlist(datetime.now(JST)) == 1
    assert deliver(teams) == 1
    return waiter, latest(teams, aad)


def test_a_teams_waiter_is_offered_the_freed_slot_and_book_it_books_it(teams: Teams) -> None:
    wendy, offer = offered(teams, "aad-wendy")
    assert "空きが出ました" in card_text(offer.cards[0])
    assert [a["verb"] for a in executes(offer.cards[0])] == ["take_offer", "cancel"]
    held = [r for r in reservations(teams.engine) if r.status == "held"]
    assert [r.owner_id for r in held] == [teams_id("aad-wendy")]  # the slot is held for her
    other = teams.user("aad-other")
    assert press(teams, other, offer, "take_offer").json()["type"] == MESSAGE  # not hers
    taken = press(teams, wendy, offer, "take_offer").json()
    assert taken["type"] == CARD and "予約しました" in card_text(taken["value"])
    (mine,) = [r for r in reservations(teams.engine) if r.owner_id == teams_id("aad-wendy")]
    assert mine.status == "active" and mine.room_id == "2"


def test_no_thanks_gives_the_held_slot_back(teams: Teams) -> None:
    vic, offer = offered(teams, "aad-vic")
    answer = press(teams, vic, offer, "cancel").json()
    assert answer["type"] == CARD and "キャンセルしました" in card_text(answer["value"])
    assert [r for r in reservations(teams.engine) if r.status == "held"] == []
    late = press(teams, vic, offer, "take_offer").json()  # an old card pressed afterwards
    assert late["type"] in (CARD, MESSAGE) and "予約しました" not in str(late["value"])


# the digest


def next_monday() -> date:
    today = datetime.now(JST).date()
    return today + timedelta(days=7 - today.weekday())


@pytest.fixture
def schedulers(teams: Teams, pg_url: str) -> Iterator[Callable[..., Container]]:
    """Containers like scheduler processes', with the Teams digest channel set."""
    made: list[Container] = []

    def make(**more: Any) -> Container:
        settings = Settings(database_url=pg_url, flask_env="development",
                            teams_allow_anonymous=True, teams_digest_channel=CHANNEL, **more)  # fmt: skip
        made.append(build(settings))
        return made[-1]

    with teams.engine.begin() as connection:
        connection.execute(text("DELETE FROM job_runs"))  # each test's Monday starts unclaimed
    teams.fake.open(CHANNEL)  # the bot was added to the channel's team
    yield make
    for c in made:
        c.engine.dispose()


def test_the_teams_digest_is_posted_once_with_two_schedulers_competing(
    teams: Teams, schedulers: Callable[..., Container]
) -> None:
    monday = next_monday()
    owner = teams_id("aad-dan")
    add_reservation(teams.engine, "1", owner, jst(monday, "10:00"), jst(monday, "11:00"), "定例")
    assert teams.send(teams.user("aad-dan").message("help")) == 202  # the service URL is learned
    first, second = schedulers(), schedulers()
    now, barrier, results = jst(monday, "08:30"), threading.Barrier(2), []

    def run(c: Container) -> None:
        jobs = c.jobs()
        barrier.wait()
        results.append(jobs.post_digest(now))

    threads = [threading.Thread(target=run, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == [False, True]
    assert first.jobs().post_digest(jst(monday, "08:45")) is False  # the day is done
    (digest,) = teams.fake.messages(CHANNEL)
    text = card_text(digest.cards[0])
    assert "おはようございます" in text and "会議室A" in text and "定例" in text
    assert digest.cards[0]["version"] == "1.5"


def test_a_failed_teams_digest_is_retried_without_repeating_slacks(
    teams: Teams, schedulers: Callable[..., Container]
) -> None:
    monday = next_monday()
    with FakeSlack() as slack:
        c = schedulers(slack_bot_token=DEFAULT_TOKEN, slack_api_url=slack.url,
                       digest_channel="CDIGEST", teams_service_url=teams.fake.url)  # fmt: skip
        teams.fake.fail_next(503)
        assert c.scheduler().run_jobs(jst(monday, "08:30"))["digest"] == "failed"
        assert teams.fake.messages(CHANNEL) == []
        assert len([p for p in slack.calls_to("chat.postMessage") if p.ok]) == 1
        assert c.jobs().post_digest(jst(monday, "08:35")) is True  # Teams' turn again
        assert c.jobs().post_digest(jst(monday, "08:40")) is False
        assert len([p for p in slack.calls_to("chat.postMessage") if p.ok]) == 1
    assert len(teams.fake.messages(CHANNEL)) == 1
