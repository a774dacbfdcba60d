"""The fake Slack and OpenAI servers, driven through the real clients."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import openai
import pytest
from openai import OpenAI
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler

from tests.fakes.openai_api import DEFAULT_MODEL, FakeOpenAI, Reply, ToolCall, tool_calls
from tests.fakes.slack_api import DEFAULT_TOKEN, FakeSlack

SECTION = {"type": "section", "text": {"type": "mrkdwn", "text": "*会議室A* 10:00–11:00"}}
BUTTON = {
    "type": "button",
    "text": {"type": "plain_text", "text": "Cancel"},
    "action_id": "cancel_reservation",
    "value": "42",
    "style": "danger",
}
MODAL = {
    "type": "modal",
    "callback_id": "book",
    "title": {"type": "plain_text", "text": "Book a room"},
    "submit": {"type": "plain_text", "text": "Book"},
    "blocks": [
        {
            "type": "input",
            "block_id": "date",
            "label": {"type": "plain_text", "text": "Date"},
            "element": {"type": "datepicker", "action_id": "date"},
        }
    ],
}
TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "find_rooms",
            "description": "Find free rooms",
            "parameters": {"type": "object", "properties": {"capacity": {"type": "integer"}}},
        },
    }
]


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    """A running fake Slack."""
    with FakeSlack() as fake:
        yield fake


@pytest.fixture
def web(slack: FakeSlack) -> WebClient:
    """A real WebClient pointed at the fake."""
    return WebClient(token=DEFAULT_TOKEN, base_url=slack.url, timeout=5)


@pytest.fixture
def llm() -> Iterator[FakeOpenAI]:
    """A running fake OpenAI."""
    with FakeOpenAI() as fake:
        yield fake


def client_for(fake: FakeOpenAI, **options: Any) -> OpenAI:
    """A real OpenAI client pointed at the fake (no retries unless asked)."""
    return OpenAI(**{"api_key": "sk-test", "base_url": fake.url, "max_retries": 0} | options)


def slack_error(call: Any) -> str:
    """Run a Web API call that must fail; return Slack's error code."""
    with pytest.raises(SlackApiError) as raised:
        call()
    return str(raised.value.response["error"])


# Slack


def test_post_message_is_recorded(slack: FakeSlack, web: WebClient) -> None:
    response = web.chat_postMessage(channel="C1", text="予約しました", blocks=[SECTION])

    assert response["ts"] == "1700000000.000100"
    call = slack.wait_for_call("chat.postMessage")[0]
    assert call.args["text"] == "予約しました"
    assert call.args["blocks"] == [SECTION]
    assert call.header("authorization") == f"Bearer {DEFAULT_TOKEN}"
    assert slack.messages("C1")[0]["ts"] == response["ts"]
    with pytest.raises(TimeoutError):
        slack.wait_for_call("chat.update", timeout=0.05)


def test_form_encoded_arguments_and_json_blocks_are_parsed(
    slack: FakeSlack, web: WebClient
) -> None:
    blocks = json.dumps([SECTION, {"type": "actions", "elements": [BUTTON]}])

    response = web.api_call("chat.postMessage", params={"channel": "C1", "blocks": blocks})

    assert response["ok"]
    assert slack.calls_to("chat.postMessage")[0].args["blocks"][1]["elements"] == [BUTTON]


@pytest.mark.parametrize(
    "block",
    [
        {"type": "no_such_block"},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}},
        {"type": "section", "text": {"type": "mrkdwn", "text": ""}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "x"}, "accessory": {"type": "?"}},
        {"type": "actions", "elements": [BUTTON | {"style": "loud"}]},
        {"type": "actions", "elements": [{"type": "no_such_element"}]},
    ],
)
def test_invalid_blocks_are_refused(web: WebClient, block: dict[str, Any]) -> None:
    error = slack_error(lambda: web.chat_postMessage(channel="C1", text="t", blocks=[block]))
    assert error == "invalid_blocks"


def test_at_most_50_blocks_per_message(web: WebClient) -> None:
    divider = {"type": "divider"}

    assert web.chat_postMessage(channel="C1", text="t", blocks=[divider] * 50)["ok"]
    error = slack_error(lambda: web.chat_postMessage(channel="C1", text="t", blocks=[divider] * 51))
    assert error == "invalid_blocks"


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_message_without_text_or_blocks_is_refused(web: WebClient) -> None:
    assert slack_error(lambda: web.chat_postMessage(channel="C1", text="")) == "no_text"


def test_wrong_token_is_refused(slack: FakeSlack) -> None:
    web = WebClient(token="xoxb-wrong", base_url=slack.url)

    assert slack_error(lambda: web.chat_postMessage(channel="C1", text="hi")) == "invalid_auth"


def test_unknown_channel_is_refused(web: WebClient, slack: FakeSlack) -> None:
    assert slack_error(lambda: web.chat_postMessage(channel="X1", text="hi")) == (
        "channel_not_found"
    )
    slack.channels = {"C1"}
    assert slack_error(lambda: web.chat_postMessage(channel="C2", text="hi")) == (
        "channel_not_found"
    )


def test_unknown_method_is_refused(web: WebClient) -> None:
    assert slack_error(lambda: web.api_call("rooms.teleport")) == "unknown_method"


def test_rate_limit_is_retried_by_the_real_handler(slack: FakeSlack) -> None:
    slack.fail_next("chat.postMessage", status=429, retry_after=0)
    web = WebClient(token=DEFAULT_TOKEN, base_url=slack.url)
    web.retry_handlers.append(RateLimitErrorRetryHandler(max_retry_count=1))

    assert web.chat_postMessage(channel="C1", text="hi")["ok"]
    calls = slack.calls_to("chat.postMessage")
    assert [call.status for call in calls] == [429, 200]


def test_server_error_without_retry_handler_surfaces(slack: FakeSlack, web: WebClient) -> None:
    slack.fail_next("*", status=503)

    with pytest.raises(SlackApiError) as raised:
        web.auth_test()
    assert raised.value.response.status_code == 503
    assert web.auth_test()["user_id"] == "UBOT"


def test_update_delete_and_replies_follow_the_thread(slack: FakeSlack, web: WebClient) -> None:
    parent = slack.add_message("C1", "会議室を予約したい", user="U1")
    reply = web.chat_postMessage(channel="C1", thread_ts=parent, text="いつですか?")["ts"]

    web.chat_update(channel="C1", ts=reply, text="何時からですか?")
    thread = web.conversations_replies(channel="C1", ts=parent)["messages"]

    assert [m["text"] for m in thread] == ["会議室を予約したい", "何時からですか?"]
    assert slack_error(lambda: web.chat_update(channel="C1", ts=parent, text="x")) == (
        "cant_update_message"
    )
    assert web.chat_delete(channel="C1", ts=reply)["ok"]
    assert slack_error(lambda: web.chat_delete(channel="C1", ts=reply)) == "message_not_found"


def test_views_are_validated_and_kept(slack: FakeSlack, web: WebClient) -> None:
    view = web.views_open(trigger_id="t1", view=MODAL)["view"]
    updated = web.views_update(view_id=view["id"], view=MODAL | {"private_metadata": "42"})

    assert slack.view(view["id"])["private_metadata"] == updated["view"]["private_metadata"]
    too_long_title = MODAL | {"title": {"type": "plain_text", "text": "x" * 25}}
    assert slack_error(lambda: web.views_open(trigger_id="t1", view=too_long_title)) == (
        "invalid_arguments"
    )
    home = {"type": "home", "blocks": [{"type": "divider"}] * 101}
    assert slack_error(lambda: web.views_publish(user_id="U1", view=home)) == "invalid_arguments"


def test_users_info_dms_ephemeral_and_status(slack: FakeSlack, web: WebClient) -> None:
    slack.locales["U2"] = "en-US"

    assert "locale" not in web.users_info(user="U1")["user"]
    assert web.users_info(user="U1", include_locale=True)["user"]["locale"] == "ja-JP"
    assert web.users_info(user="U2", include_locale=True)["user"]["tz"] == "Asia/Tokyo"
    assert web.users_info(user="U2", include_locale=True)["user"]["locale"] == "en-US"
    assert web.conversations_open(users=["U1"])["channel"]["id"] == "DU1"
    assert web.chat_postEphemeral(channel="C1", user="U1", text="only you")["message_ts"]
    assert web.assistant_threads_setStatus(channel_id="DU1", thread_ts="1.2", status="...")["ok"]


# OpenAI


def test_tool_call_then_reply(llm: FakeOpenAI) -> None:
    llm.call_tools(("find_rooms", '{"capacity": 4}', "call_1")).reply("会議室Aが空いています")
    client = client_for(llm)
    messages: list[Any] = [{"role": "user", "content": "4人で使える部屋は?"}]

    first = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, tools=TOOLS)
    call = first.choices[0].message.tool_calls[0]
    messages += [first.choices[0].message.model_dump(exclude_none=True)]
    messages += [{"role": "tool", "tool_call_id": call.id, "content": '{"rooms": ["A"]}'}]
    second = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, tools=TOOLS)

    assert first.choices[0].finish_reason == "tool_calls"
    assert (call.id, call.function.name) == ("call_1", "find_rooms")
    assert second.choices[0].message.content == "会議室Aが空いています"
    assert llm.wait_for_requests(2)[1].messages[-1]["tool_call_id"] == "call_1"


def test_malformed_arguments_and_responder(llm: FakeOpenAI) -> None:
    llm.script(tool_calls(ToolCall("find_rooms", "{not json")))
    llm.responder = lambda body: tool_calls(("find_rooms", {"n": len(body["messages"])}))
    client = client_for(llm)
    messages = [{"role": "user", "content": "hi"}]

    first = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages)
    second = client.chat.completions.create(model=DEFAULT_MODEL, messages=messages)

    assert first.choices[0].message.tool_calls[0].function.arguments == "{not json"
    assert second.choices[0].message.tool_calls[0].function.arguments == '{"n": 1}'


def test_rate_limits_are_retried(llm: FakeOpenAI) -> None:
    llm.fail(429, retry_after_ms=10).fail(429, retry_after=0.01).reply("done")
    client = client_for(llm, max_retries=2)

    response = client.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": "hi"}]
    )

    assert response.choices[0].message.content == "done"
    requests = llm.wait_for_requests(3)
    assert [r.header("x-stainless-retry-count") for r in requests] == ["0", "1", "2"]


def test_slow_answer_times_out(llm: FakeOpenAI) -> None:
    llm.delay(5, Reply("too late"))
    client = client_for(llm, timeout=0.3)

    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(
            model=DEFAULT_MODEL, messages=[{"role": "user", "content": "hi"}]
        )


@pytest.mark.parametrize(
    "messages",
    [
        [{"role": "user", "content": "hi"}, {"role": "tool", "tool_call_id": "x", "content": "1"}],
        [
            {"role": "user", "content": "hi"},
            {
                "role": "assistant",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "user", "content": "and?"},
        ],
    ],
    ids=["dangling-tool-result", "unanswered-tool-call"],
)
def test_broken_tool_sequences_are_refused(llm: FakeOpenAI, messages: list[Any]) -> None:
    llm.reply("never sent")

    with pytest.raises(openai.BadRequestError) as raised:
        client_for(llm).chat.completions.create(model=DEFAULT_MODEL, messages=messages)

    assert "tool" in raised.value.message
    assert llm.remaining == 1 and len(llm.chat_requests) == 1


def test_bad_tools_and_wrong_key_are_refused(llm: FakeOpenAI) -> None:
    bad_tools: Any = [{"type": "function", "function": {"name": "find rooms"}}]
    messages: Any = [{"role": "user", "content": "hi"}]

    with pytest.raises(openai.BadRequestError):
        client_for(llm).chat.completions.create(
            model=DEFAULT_MODEL, messages=messages, tools=bad_tools
        )
    with pytest.raises(openai.AuthenticationError):
        client_for(llm, api_key="sk-wrong").chat.completions.create(
            model=DEFAULT_MODEL, messages=messages
        )


def test_empty_script_answers_ok_and_models_are_listed(llm: FakeOpenAI) -> None:
    client = client_for(llm)

    response = client.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": "hi"}]
    )

    assert response.choices[0].message.content == "OK"
    assert [model.id for model in client.models.list()] == [DEFAULT_MODEL]


@pytest.mark.parametrize(
    "cap",
    [{"max_tokens": 0}, {"max_tokens": "64"}, {"max_tokens": 64, "max_completion_tokens": 64}],
    ids=["zero", "string", "both-names"],
)
def test_bad_token_caps_are_refused(llm: FakeOpenAI, cap: dict[str, Any]) -> None:
    messages: Any = [{"role": "user", "content": "hi"}]

    with pytest.raises(openai.BadRequestError) as raised:
        client_for(llm).chat.completions.create(
            model=DEFAULT_MODEL, messages=messages, extra_body=cap
        )

    assert "max_tokens" in str(raised.value.body) or "max_tokens" in raised.value.message
    capped = client_for(llm).chat.completions.create(
        model=DEFAULT_MODEL, messages=messages, max_tokens=64
    )
    assert capped.choices[0].message.content == "OK"
