"""The assistant when things misbehave: rate limits, 5xx, hangs, loops, bad calls, outages.

Real OpenAI client against the fake server (so the client's own retries and timeouts run),
real databases and Redis. Every failure must end in a polite reply, never a traceback, and
must write no reservation the user did not get confirmed.
"""

from __future__ import annotations

import logging
import socket
import time

import pytest

from bot.container import Container
from bot.conversation.i18n import TEXTS
from bot.conversation.model.loop import Limits
from tests.fakes.openai_api import Delay, FakeOpenAI, HttpError, Reply, tool_calls
from tests.integration.agent_support import (
    ROOM_A,
    USER,
    ask,
    custom_agent,
    make_container,
    rows,
    slot,
    tool_results,
)

BOOK_JA = "明日14時から15時まで会議室Aを予約して"
BOOK_EN = "Book Room A tomorrow from 2pm to 3pm"
FAST_RETRY = 10  # ms; openai ignores `retry-after: 0`, so retry-after-ms keeps retries quick


def closed_port() -> int:
    """A local port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_rate_limits_are_retried_without_double_booking(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """429, 429, then a create call: the client retries the same request; one row."""
    fake.script(
        HttpError(429, retry_after_ms=FAST_RETRY), HttpError(429, retry_after_ms=FAST_RETRY)
    )
    fake.script(tool_calls(("create_reservation", ROOM_A, "call_book")), Reply("予約しました。"))

    reply = ask(container.conversation, session, BOOK_JA)

    first_call = fake.chat_requests[:3]
    assert [r.header("x-stainless-retry-count") for r in first_call] == ["0", "1", "2"]
    assert all(r.body == first_call[0].body for r in first_call)
    assert len(fake.chat_requests) == 4
    assert (reply.text, reply.source, len(reply.reservations)) == ("予約しました。", "model", 1)
    [row] = rows(container)
    assert row[1:6] == ("1", USER, *slot(14, 15), True)


@pytest.mark.parametrize(("text", "lang"), [(BOOK_JA, "ja"), (BOOK_EN, "en")])
def test_server_errors_end_in_a_polite_line_in_the_users_language(
    container: Container, fake: FakeOpenAI, session: str, text: str, lang: str
) -> None:
    """Three 5xx with max_retries=2: the polite 'model failed' text, source 'error', no row."""
    fake.script(*[HttpError(status, retry_after_ms=FAST_RETRY) for status in (500, 503, 502)])
    agent = custom_agent(container, timeout=5, max_retries=2)

    reply = ask(agent, session, text)

    assert len(fake.chat_requests) == 3
    polite = TEXTS["model_failed"][lang]
    assert (reply.text, reply.lang, reply.source) == (polite, lang, "error")
    assert "500" not in reply.text and "Traceback" not in reply.text
    assert reply.reservations == [] and rows(container) == []


def test_a_failure_after_a_booking_still_reports_the_booking(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """The tool booked, then the model fails: polite error, and `created` carries the row."""
    fake.script(tool_calls(("create_reservation", ROOM_A, "call_book")))
    fake.script(*[HttpError(500, retry_after_ms=FAST_RETRY)] * 3)
    agent = custom_agent(container, timeout=5, max_retries=2)

    reply = ask(agent, session, BOOK_JA)

    [row] = rows(container)
    assert reply.source == "error" and [r.id for r in reply.reservations] == [row[0]]
    assert reply.text.startswith(TEXTS["failed_after_booking"]["ja"])  # never "nothing changed"
    assert f"#{row[0]} 会議室A 2025-09-29 14:00–15:00" in reply.text


def test_a_hanging_model_is_cut_off_at_the_turn_deadline(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """A server that hangs past the deadline gets a polite timeout reply on time; no row."""
    fake.script(Delay(60, then=tool_calls(("create_reservation", ROOM_A, "call_late"))))
    agent = custom_agent(container, timeout=30, max_retries=2, limits=Limits(deadline_s=2))

    started = time.monotonic()
    reply = ask(agent, session, BOOK_JA)
    elapsed = time.monotonic() - started

    assert elapsed < 2 + 3, f"the turn took {elapsed:.1f}s with a 2s deadline"
    assert len(fake.chat_requests) >= 1
    assert (reply.text, reply.source) == (TEXTS["timeout"]["ja"], "error")
    assert rows(container) == []


def test_no_retry_starts_that_could_not_run_its_timeout_before_the_deadline(
    container: Container, fake: FakeOpenAI, session: str, caplog: pytest.LogCaptureFixture
) -> None:
    """A 503 asking for 3 s of patience, 2 s per request, 4 s per turn: 3 + 2 > 4, so the turn
    ends at once after one request (the client alone would have waited and retried)."""
    fake.script(HttpError(503, retry_after_ms=3000), Reply("遅れて予約しました。"))
    agent = custom_agent(container, timeout=2, max_retries=2, limits=Limits(deadline_s=4))

    with caplog.at_level(logging.WARNING, logger="bot.openai_model"):
        reply = ask(agent, session, BOOK_JA)

    assert (reply.text, reply.source) == (TEXTS["model_failed"]["ja"], "error")
    assert len(fake.chat_requests) == 1 and fake.remaining == 1
    assert "no retry: it could not run its 2 s before the turn's deadline" in caplog.text
    assert rows(container) == []


def test_a_timed_out_request_is_not_retried_when_a_retry_cannot_finish(
    container: Container, fake: FakeOpenAI, session: str, caplog: pytest.LogCaptureFixture
) -> None:
    """2 s per request, 4 s per turn, a server still generating: after the first timeout a
    retry (2 s more, after its backoff) would end past the deadline, so none is started."""
    fake.script(Delay(30, then=Reply("late")), Reply("a second generation"))
    agent = custom_agent(container, timeout=2, max_retries=2, limits=Limits(deadline_s=4))

    with caplog.at_level(logging.WARNING, logger="bot.openai_model"):
        reply = ask(agent, session, BOOK_JA)

    assert (reply.text, reply.source) == (TEXTS["timeout"]["ja"], "error")
    assert "no retry: it could not run its 2 s before the turn's deadline" in caplog.text
    assert len(fake.chat_requests) == 1 and fake.remaining == 1
    assert rows(container) == []


def test_a_model_that_calls_tools_forever_stops_at_the_cap(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """Every response asks for list_rooms: the loop stops after max_model_calls requests."""
    fake.responder = lambda body: tool_calls(("list_rooms", "{}"))
    container.conversation.loop.limits = Limits(max_model_calls=3, deadline_s=20)

    reply = ask(container.conversation, session, "会議室を教えて")

    assert len(fake.chat_requests) == 3
    assert (reply.text, reply.source) == (TEXTS["too_many_steps"]["ja"], "error")
    fake.responder = lambda body: Reply("はい。")
    assert (
        ask(container.conversation, session, "もう一度").text == "はい。"
    )  # stored history is valid


def test_malformed_arguments_are_reported_and_the_model_recovers(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """Arguments that are not JSON give invalid_arguments; a corrected call then books."""
    fake.script(tool_calls(("create_reservation", '{"room": "会議室A", "date": ', "call_bad")))
    fake.script(tool_calls(("create_reservation", ROOM_A, "call_good")), Reply("予約しました。"))

    reply = ask(container.conversation, session, BOOK_JA)

    bad = tool_results(fake.chat_requests[1])["call_bad"]
    assert (bad["ok"], bad["error"]["code"]) == (False, "invalid_arguments")
    # llama.cpp answers 500 to a request whose history holds unparsable arguments: not sent back
    [sent_back] = [m for m in fake.chat_requests[1].messages if m.get("tool_calls")]
    assert sent_back["tool_calls"][0]["function"]["arguments"] == "{}"
    assert tool_results(fake.chat_requests[2])["call_good"]["ok"] is True
    assert (reply.text, reply.source, len(reply.reservations)) == ("予約しました。", "model", 1)
    assert len(rows(container)) == 1


def test_unknown_tool_is_a_result_not_a_crash(
    container: Container, fake: FakeOpenAI, session: str
) -> None:
    """A tool the table lacks is answered with unknown_tool; the turn goes on."""
    fake.script(tool_calls(("delete_everything", "{}", "call_x")), Reply("できません。"))

    reply = ask(container.conversation, session, "全部消して")

    result = tool_results(fake.chat_requests[1])["call_x"]
    assert (result["ok"], result["error"]["code"]) == (False, "unknown_tool")
    assert (reply.text, reply.source) == ("できません。", "model")


def test_an_unreachable_model_hands_over_to_the_offline_assistant(
    db_url: str, redis_url: str, session: str
) -> None:
    """OPENAI_BASE_URL at a closed port: the offline assistant answers and books."""
    built = make_container(db_url, f"http://127.0.0.1:{closed_port()}/v1", redis_url)

    reply = ask(built.conversation, session, BOOK_JA)

    assert (reply.source, reply.lang) == ("offline", "ja") and reply.text
    assert [(r[1], r[2], r[5]) for r in rows(built)] == [("1", USER, True)]
    built.engine.dispose()


def test_redis_down_costs_the_history_not_the_reply(
    db_url: str, fake: FakeOpenAI, session: str
) -> None:
    """REDIS_URL at a closed port: both messages are answered, each without history."""
    built = make_container(db_url, fake.url, f"redis://127.0.0.1:{closed_port()}/0")
    fake.script(Reply("どの会議室にしますか？"), Reply("はい。"))

    first = ask(built.conversation, session, "明日14時から予約したい")
    second = ask(built.conversation, session, "会議室Aで")

    assert (first.source, second.source) == ("model", "model")
    assert (first.text, second.text) == ("どの会議室にしますか？", "はい。")
    assert [m["role"] for m in fake.chat_requests[1].messages] == ["system", "user"]
    built.engine.dispose()
