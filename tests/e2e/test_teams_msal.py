"""The bot's outbound token from Microsoft Entra ID through the SDK's real MSAL path.

The Teams app runs in production mode with its default connections (`MsalConnectionManager` →
`MsalAuth` → MSAL's `ConfidentialClientApplication` for https://login.microsoftonline.com/<tenant>,
over `requests`). Only the network edge is fake: HTTPS_PROXY names a local CONNECT proxy that
tunnels login.microsoftonline.com:443 (and nothing else) to `FakeEntra`, whose certificate is
signed by a throwaway CA that REQUESTS_CA_BUNDLE trusts (tests.fakes.entra.routed_entra). The fake connector accepts
only a token that Entra issued to the bot's app id for the Bot Framework.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pytest

from bot.container import build
from bot.settings import Settings
from tests.e2e.teams_support import TENANT, Answer, Served, User, card_text, post
from tests.fakes.entra import BOT_FRAMEWORK, HOST, FakeEntra, routed_entra
from tests.fakes.openid import FakeIssuer
from tests.fakes.teams_connector import FakeConnector
from tests.fakes.tls import TunnelProxy

APP_ID = "00000000-1111-2222-3333-555555555555"
SECRET = "Qx8~entra-client-secret-value.0123456789"
WRONG = "Qx8~an-old-client-secret-value.9876543210"


@dataclass
class Edge:
    """Entra behind its tunnel, the inbound issuer, the connector."""

    entra: FakeEntra
    proxy: TunnelProxy
    issuer: FakeIssuer
    fake: FakeConnector


@pytest.fixture(scope="module")
def edge() -> Iterator[Edge]:
    """The fakes, and an environment sending MSAL's HTTPS (only) through the tunnel."""
    with (
        routed_entra(TENANT, {APP_ID: SECRET}) as (entra, proxy),
        FakeIssuer() as issuer,
        FakeConnector(accepts=lambda token: entra.valid(token, APP_ID)) as fake,
    ):
        yield Edge(entra, proxy, issuer, fake)


@dataclass
class Bot:
    """The served endpoint and how to write to it with a valid inbound token."""

    served: Served
    edge: Edge

    def user(self, aad: str) -> User:
        """A user whose personal chat the connector knows."""
        user = User(aad, self.edge.fake.url)
        self.edge.fake.open(user.conversation_id)
        return user

    def inbound_token(self) -> str:
        """A valid Bot Framework token from the local issuer, for this connector."""
        return self.edge.issuer.token(aud=APP_ID, serviceurl=self.edge.fake.url)

    def send(self, user: User, text: str, token: str) -> Answer:
        """Post a message activity with this bearer token; the turn has run on return."""
        return post(self.served.url, user.message(text), {"Authorization": f"Bearer {token}"})


@contextmanager
def teams_bot(edge: Edge, pg_url: str, password: str) -> Iterator[Bot]:
    """The endpoint as `python -m bot teams` builds it in production: its own MSAL client."""
    env = {"DATABASE_URL": pg_url, "FLASK_ENV": "production", "TEAMS_APP_ID": APP_ID,
           "TEAMS_APP_PASSWORD": password, "TEAMS_TENANT_ID": TENANT,
           "TEAMS_OPENID_METADATA": edge.issuer.metadata_url}  # fmt: skip
    settings = Settings.from_env(environ=env, dotenv_path=None)
    settings.check_teams()
    container = build(settings)
    served = Served(container.teams_app()).start()  # default connections: MsalConnectionManager
    try:
        yield Bot(served, edge)
    finally:
        served.stop()
        container.engine.dispose()


def logged(caplog: pytest.LogCaptureFixture) -> str:
    """Every captured log line, with its arguments and traceback."""
    return caplog.text + "\n".join(repr(r.args) for r in caplog.records)


def test_the_reply_carries_the_token_entra_issued_once_and_msal_cached(
    edge: Edge, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    before = len(edge.entra.issued)
    with teams_bot(edge, pg_url, SECRET) as bot:
        user = bot.user("aad-msal")
        inbound = bot.inbound_token()
        assert bot.send(user, "rooms", inbound).status == 202
        assert bot.send(user, "rooms", inbound).status == 202
    first, second = edge.fake.messages(user.conversation_id)
    (issued,) = edge.entra.issued[before:]  # one token for both turns: the second from MSAL's cache
    assert (issued.client_id, issued.scope) == (APP_ID, f"{BOT_FRAMEWORK}/.default")
    for reply in (first, second):
        assert reply.headers.get("Authorization") == f"Bearer {issued.token}"
        assert "会議室一覧" in card_text(reply.cards[0])
    assert len(edge.entra.token_requests()) == len(edge.entra.issued)  # none refused
    assert edge.proxy.tunnelled and set(edge.proxy.tunnelled) == {f"{HOST}:443"}
    assert edge.proxy.refused == []
    text = logged(caplog)
    assert text  # MSAL, urllib3 and the SDK did log at DEBUG
    for secret in (SECRET, issued.token, inbound):
        assert secret not in text


def test_a_wrong_password_is_refused_by_entra_and_nothing_is_sent(
    edge: Edge, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    issued, asked = len(edge.entra.issued), len(edge.entra.token_requests())
    with teams_bot(edge, pg_url, WRONG) as bot:
        user = bot.user("aad-wrong-secret")
        inbound = bot.inbound_token()
        answer = bot.send(user, "rooms", inbound)
    assert len(edge.entra.token_requests()) > asked  # Entra was asked, and refused
    assert len(edge.entra.issued) == issued
    assert [s for s in edge.fake.sent if s.conversation == user.conversation_id] == []
    assert_refused_quietly(answer, caplog, "AADSTS7000215")  # the operator learns why
    text = logged(caplog)
    for secret in (WRONG, SECRET, inbound):
        assert secret not in text


def test_entra_out_of_reach_is_a_503_and_nothing_is_sent(
    edge: Edge, pg_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    route = edge.proxy.routes.pop(f"{HOST}:443")  # the proxy now refuses login.microsoftonline.com
    try:
        with teams_bot(edge, pg_url, SECRET) as bot:
            user = bot.user("aad-no-entra")
            answer = bot.send(user, "rooms", bot.inbound_token())
    finally:
        edge.proxy.routes[f"{HOST}:443"] = route
    assert f"{HOST}:443" in edge.proxy.refused
    assert [s for s in edge.fake.sent if s.conversation == user.conversation_id] == []
    assert_refused_quietly(answer, caplog, "no token from Microsoft Entra ID (ProxyError)")


def assert_refused_quietly(answer: Answer, caplog: pytest.LogCaptureFixture, reason: str) -> None:
    """A 503 that names no internals, one log line of the bot's saying why, no traceback."""
    assert answer.status == 503
    assert answer.json() == {"error": "the bot could not sign in to the Bot Framework"}
    ours = [r.getMessage() for r in caplog.records if r.name == "bot.teams.http"]
    assert len(ours) == 1 and reason in ours[0], ours
    assert not [r for r in caplog.records if r.name == "aiohttp.server"]  # nothing unhandled
