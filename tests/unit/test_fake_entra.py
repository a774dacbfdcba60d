"""The fake Entra ID through MSAL and `requests` over its tunnel: it refuses what Entra refuses."""

from __future__ import annotations

from collections.abc import Iterator

import msal
import pytest
import requests

from tests.fakes.entra import BOT_FRAMEWORK, HOST, FakeEntra, routed_entra
from tests.fakes.tls import TunnelProxy

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
APP, SECRET = "11111111-2222-3333-4444-555555555555", "fake-entra-secret-value"
TOKEN_URL = f"https://{HOST}/{TENANT}/oauth2/v2.0/token"


@pytest.fixture(scope="module")
def entra() -> Iterator[tuple[FakeEntra, TunnelProxy]]:
    """The fake behind its tunnel, with the environment routing `requests` to it."""
    with routed_entra(TENANT, {APP: SECRET}) as routed:
        yield routed


def client(app: str = APP, secret: str = SECRET, tenant: str = TENANT) -> msal.ClientApplication:
    """MSAL's confidential client, as the Agents SDK builds it."""
    authority = f"https://{HOST}/{tenant}"
    return msal.ConfidentialClientApplication(app, authority=authority, client_credential=secret)


def test_msal_gets_a_token_the_fake_recognises_and_reuses_it(
    entra: tuple[FakeEntra, TunnelProxy],
) -> None:
    fake, _ = entra
    app = client()
    first = app.acquire_token_for_client([f"{BOT_FRAMEWORK}/.default"])
    again = app.acquire_token_for_client([f"{BOT_FRAMEWORK}/.default"])
    assert first["token_source"] == "identity_provider" and again["token_source"] == "cache"
    assert fake.valid(first["access_token"], APP)
    assert not fake.valid(first["access_token"], "another-app")
    assert not fake.valid(first["access_token"], APP, resource="https://graph.microsoft.com")


@pytest.mark.parametrize(
    ("app", "secret", "scope", "error", "code"),
    [
        (APP, "wrong", f"{BOT_FRAMEWORK}/.default", "invalid_client", 7000215),
        ("unknown-app", SECRET, f"{BOT_FRAMEWORK}/.default", "unauthorized_client", 700016),
        (APP, SECRET, f"{BOT_FRAMEWORK}/read", "invalid_scope", 1002012),
        (APP, SECRET, "https://graph.microsoft.com/.default", "invalid_resource", 500011),
    ],
)
def test_msal_is_refused_with_entras_error(
    entra: tuple[FakeEntra, TunnelProxy], app: str, secret: str, scope: str, error: str, code: int
) -> None:
    fake, _ = entra
    issued = len(fake.issued)
    answer = client(app, secret).acquire_token_for_client([scope])
    assert "access_token" not in answer
    assert answer["error"] == error and answer["error_codes"] == [code]
    assert answer["error_description"].startswith(f"AADSTS{code}: ")
    assert len(fake.issued) == issued


def test_an_unknown_tenant_fails_msal_discovery(entra: tuple[FakeEntra, TunnelProxy]) -> None:
    other = "00000000-0000-0000-0000-000000000000"
    with pytest.raises(ValueError, match="Unable to get authority configuration"):
        client(tenant=other)
    answer = requests.get(
        f"https://{HOST}/{other}/v2.0/.well-known/openid-configuration", timeout=10
    )
    assert answer.status_code == 400 and answer.json()["error_codes"] == [90002]


@pytest.mark.parametrize(
    ("form", "status", "code"),
    [
        (
            {"client_id": APP, "client_secret": SECRET, "scope": f"{BOT_FRAMEWORK}/.default"},
            400,
            900144,
        ),
        ({"grant_type": "password", "client_id": APP, "client_secret": SECRET}, 400, 70003),
        (
            {
                "grant_type": "client_credentials",
                "client_id": APP,
                "scope": f"{BOT_FRAMEWORK}/.default",
            },
            401,
            7000218,
        ),
        (
            {"grant_type": "client_credentials", "client_id": APP, "client_secret": SECRET},
            400,
            900144,
        ),
    ],
)
def test_the_token_endpoint_refuses_incomplete_requests(
    entra: tuple[FakeEntra, TunnelProxy], form: dict[str, str], status: int, code: int
) -> None:
    answer = requests.post(TOKEN_URL, data=form, timeout=10)
    assert answer.status_code == status
    assert answer.json()["error_codes"] == [code]


def test_the_proxy_tunnels_only_entra(entra: tuple[FakeEntra, TunnelProxy]) -> None:
    _, proxy = entra
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get("https://example.com/", timeout=10)
    assert "example.com:443" in proxy.refused
