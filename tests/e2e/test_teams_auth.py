"""The SDK's JWT validation of inbound requests, against a local issuer this test serves.

The SDK's validator always fetches keys from Microsoft's fixed URLs; the bot's
TEAMS_OPENID_METADATA replaces only where the keys come from (real HTTP, real PyJWKClient), so
signature, expiry, audience and issuer are checked by the SDK itself. These cases are about the
inbound check, so the bot's outbound token comes from a fixed provider here (the fake connector
refuses any other); test_teams_msal.py runs the real outbound path, the SDK's MSAL client getting
the token from a fake Entra ID at https://login.microsoftonline.com through a local proxy.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AgentAuthConfiguration,
    ConnectionManager,
)

from bot.container import Container, build
from bot.settings import Settings
from tests.e2e.teams_support import TENANT, Served, User, card_text, post
from tests.fakes.openid import FakeIssuer, new_key
from tests.fakes.teams_connector import FakeConnector

APP_ID = "00000000-1111-2222-3333-444444444444"
OUTBOUND = "outbound-token-from-entra"


class FixedToken(AccessTokenProviderBase):
    """The bot's outbound credential, as MSAL would hand it over."""

    def __init__(self, configuration: AgentAuthConfiguration):
        self._configuration = configuration

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return self._configuration

    async def get_access_token(
        self, resource_url: str, scopes: list[str], force_refresh: bool = False
    ) -> str:
        return OUTBOUND

    def get_token_credential(self) -> Any:
        raise NotImplementedError


@dataclass
class Secured:
    """The endpoint in production mode, the issuer, the connector."""

    served: Served
    issuer: FakeIssuer
    fake: FakeConnector
    container: Container

    def user(self, aad: str = "aad-sec", **more: str) -> User:
        user = User(aad, self.fake.url, **more)
        self.fake.open(user.conversation_id)
        return user

    def send(self, activity: dict[str, Any], token: str | None) -> int:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return post(self.served.url, activity, headers).status


@pytest.fixture(scope="module")
def secured(pg_url: str) -> Iterator[Secured]:
    """The Teams endpoint with an Azure Bot registration, trusting the local issuer's keys."""
    with FakeIssuer() as issuer, FakeConnector(token=OUTBOUND) as fake:
        env = {"DATABASE_URL": pg_url, "FLASK_ENV": "production", "TEAMS_APP_ID": APP_ID,
               "TEAMS_APP_PASSWORD": "unused-here", "TEAMS_TENANT_ID": TENANT,
               "TEAMS_OPENID_METADATA": issuer.metadata_url}  # fmt: skip
        settings = Settings.from_env(environ=env, dotenv_path=None)
        settings.check_teams()
        container = build(settings)
        config = container.teams_auth
        outbound = ConnectionManager(
            FixedToken, connections_configurations={"SERVICE_CONNECTION": config}
        )
        served = Served(container.teams_app(outbound)).start()
        yield Secured(served, issuer, fake, container)
        served.stop()
        container.engine.dispose()


def test_a_valid_token_is_accepted_and_the_reply_carries_the_bots_token(secured: Secured) -> None:
    user = secured.user()
    token = secured.issuer.token(aud=APP_ID, serviceurl=secured.fake.url)
    assert secured.send(user.message("rooms"), token) == 202
    (reply,) = secured.fake.messages(user.conversation_id)
    assert reply.headers.get("Authorization") == f"Bearer {OUTBOUND}"
    assert "会議室一覧" in card_text(reply.cards[0])
    assert "/keys" in secured.issuer._recorded()  # the keys came over HTTP from the issuer


@pytest.mark.parametrize(
    "case",
    [
        "forged",
        "expired",
        "other audience",
        "other issuer",
        "no token",
        "not bearer",
        "service url",
    ],
)
def test_a_bad_token_is_refused_with_401_and_nothing_is_sent(secured: Secured, case: str) -> None:
    user = secured.user(f"aad-{case.replace(' ', '-')}")
    good: dict[str, Any] = {"aud": APP_ID, "serviceurl": secured.fake.url}
    tokens = {
        "forged": secured.issuer.token(new_key(), **good),  # same kid, another key
        "expired": secured.issuer.token(
            **good, exp=int(time.time()) - 3600
        ),  # past the SDK's 5-minute leeway
        "other audience": secured.issuer.token(aud="another-bot", serviceurl=secured.fake.url),
        "other issuer": secured.issuer.token(**good, iss="https://evil.example.com"),
        "no token": None,
        "not bearer": None,
        "service url": secured.issuer.token(
            aud=APP_ID, serviceurl="https://smba.trafficmanager.net/jp/"
        ),
    }
    activity = user.message("rooms")
    if case == "not bearer":
        status = post(secured.served.url, activity, {"Authorization": "Basic abc"}).status
    else:
        status = secured.send(activity, tokens[case])
    assert status == 401
    assert secured.fake.messages(user.conversation_id) == []


def test_activities_from_another_tenant_are_ignored(secured: Secured) -> None:
    outsider = secured.user("aad-outsider", tenant="11111111-2222-3333-4444-555555555555")
    token = secured.issuer.token(aud=APP_ID, serviceurl=secured.fake.url)
    assert secured.send(outsider.message("rooms"), token) == 202
    assert secured.fake.messages(outsider.conversation_id) == []
