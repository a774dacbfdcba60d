"""Request signatures: forged, stale or unsigned requests are refused before any listener runs."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from bot.container import build
from bot.settings import Settings
from bot.web import create_app
from tests.e2e.conftest import (
    BOT_TOKEN,
    FORM,
    JSON,
    Slack,
    command_body,
    event_body,
    http_post,
    mention,
    new_event_id,
    response_posts,
    signature,
    signed,
    wait_for_response,
)
from tests.fakes.slack_api import BOT_USER_ID, FakeSlack

# Slack's documented example (api.slack.com/authentication/verifying-requests-from-slack)
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_TIMESTAMP = 1531420618
EXAMPLE_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&"
    b"channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&"
    b"command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands"
    b"%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&"
    b"trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"

Headers = Callable[[bytes], dict[str, str]]


def bad_signature(body: bytes) -> dict[str, str]:
    """Signed with the wrong secret."""
    return signed(body, secret="not-the-signing-secret")


def tampered(body: bytes) -> dict[str, str]:
    """Signed correctly, then the body was changed in transit."""
    return signed(body.replace(b"U1", b"U2"))


def stale(body: bytes) -> dict[str, str]:
    """Correctly signed, but over five minutes ago (a replay)."""
    return signed(body, timestamp=int(time.time()) - 5 * 60 - 10)


def from_the_future(body: bytes) -> dict[str, str]:
    """Correctly signed with a timestamp over five minutes ahead."""
    return signed(body, timestamp=int(time.time()) + 5 * 60 + 10)


def no_signature(body: bytes) -> dict[str, str]:
    """A timestamp but no X-Slack-Signature."""
    return {"X-Slack-Request-Timestamp": str(int(time.time()))}


def no_timestamp(body: bytes) -> dict[str, str]:
    """A signature but no X-Slack-Request-Timestamp."""
    return {"X-Slack-Signature": signed(body)["X-Slack-Signature"]}


def no_headers(body: bytes) -> dict[str, str]:
    """Neither header."""
    return {}


REFUSED = [bad_signature, tampered, stale, from_the_future, no_signature, no_timestamp, no_headers]


@pytest.mark.parametrize("headers", REFUSED, ids=lambda f: f.__name__)
def test_unverified_requests_get_401_and_no_listener_runs(slack: Slack, headers: Headers) -> None:
    command = command_body(slack.fake, "/today", "", "U1", "forged")
    booking = f"<@{BOT_USER_ID}> 明日の10時から1時間 会議室Bを予約して"
    event = event_body(mention(booking, user="U1", channel="C1"), new_event_id())
    for body, content_type in ((command, FORM), (event, JSON)):
        reply = http_post(slack.url, body, {"Content-Type": content_type, **headers(body)})
        assert reply.status == 401, reply.body
        assert b"invalid_signature" in reply.body
    slack.command("/rooms", response="sentinel")  # a genuine request, answered after those
    wait_for_response(slack.fake, "sentinel")
    assert response_posts(slack.fake, "forged") == []
    assert [c.method for c in slack.fake.calls if c.method != "auth.test"] == ["response_url"]


def test_the_signature_covers_the_exact_body_bytes(slack: Slack) -> None:
    body = command_body(slack.fake, "/rooms", "", "U1", "r1")
    reply = http_post(slack.url, body + b"&text=x", {"Content-Type": FORM, **signed(body)})
    assert reply.status == 401
    assert slack.send(body, FORM).status == 200
    wait_for_response(slack.fake, "r1")


MALFORMED = {
    "non-numeric timestamp": (b"command=%2Frooms", {"X-Slack-Request-Timestamp": "abc"}),
    "huge timestamp": (b"command=%2Frooms", {"X-Slack-Request-Timestamp": "9" * 400}),
    "non-ASCII signature": (b"command=%2Frooms", {"X-Slack-Signature": "v0=\u00ff"}),
    "body not UTF-8": (b"command=%2Frooms&text=\xff\xfe", {}),
}


# slack_sdk's SignatureVerifier raises on these (ValueError, OverflowError, TypeError,
# UnicodeDecodeError) instead of returning False; the app must still answer 401.
@pytest.mark.parametrize("case", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_signature_input_gets_401_not_500(
    slack: Slack, case: tuple[bytes, dict[str, str]]
) -> None:
    body, override = case
    headers = {"Content-Type": FORM, **signed(body), **override}
    assert http_post(slack.url, body, headers).status == 401


# Slack's documented example, in process with the clock fixed at its timestamp


@pytest.fixture
def fixed_clock() -> list[datetime]:
    """A settable clock, starting at the example's timestamp."""
    return [datetime.fromtimestamp(EXAMPLE_TIMESTAMP, UTC)]


@pytest.fixture
def example_client(tmp_path: Path, fixed_clock: list[datetime]) -> Iterator[FlaskClient]:
    """The web app in process, signing secret and clock as in Slack's example."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        settings = Settings(
            database_url=f"sqlite:///{tmp_path / 'example.db'}",
            slack_signing_secret=EXAMPLE_SECRET,
            slack_bot_token=BOT_TOKEN,
            slack_api_url=fake.url,
            flask_env="development",
        )
        container = build(settings, clock=lambda: fixed_clock[0])
        yield create_app(container=container).test_client()
        container.engine.dispose()


def post_example(client: FlaskClient) -> int:
    """Send Slack's example request exactly as documented; return the status."""
    headers = {
        "X-Slack-Request-Timestamp": str(EXAMPLE_TIMESTAMP),
        "X-Slack-Signature": EXAMPLE_SIGNATURE,
        "Content-Type": FORM,
    }
    return client.post("/slack/events", data=EXAMPLE_BODY, headers=headers).status_code


def test_our_signing_matches_slacks_documented_example() -> None:
    assert signature(EXAMPLE_SECRET, str(EXAMPLE_TIMESTAMP), EXAMPLE_BODY) == EXAMPLE_SIGNATURE


def test_slacks_documented_example_is_accepted_at_its_timestamp(
    example_client: FlaskClient, fixed_clock: list[datetime]
) -> None:
    assert post_example(example_client) != 401  # /webhook-collect is not ours: any other status
    fixed_clock[0] += timedelta(minutes=5)
    assert post_example(example_client) != 401  # exactly five minutes is still inside
    fixed_clock[0] += timedelta(seconds=1)
    assert post_example(example_client) == 401
    fixed_clock[0] = datetime.fromtimestamp(EXAMPLE_TIMESTAMP - 301, UTC)
    assert post_example(example_client) == 401


def test_requests_are_refused_without_a_configured_signing_secret(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'x.db'}", flask_env="development")
    client = create_app(container=build(settings)).test_client()
    body = b"command=%2Frooms&text="
    headers = {"Content-Type": FORM, **signed(body, secret="")}
    assert client.post("/slack/events", data=body, headers=headers).status_code == 503
