"""Who may post activities: Bot Framework tokens checked by the SDK's JWT validator.

The SDK fetches signing keys from Microsoft's fixed key URLs. `OpenIdKeys` instead reads them
from an OpenID configuration (TEAMS_OPENID_METADATA: another cloud, or a test's own issuer);
every claim check (signature, expiry, audience, issuer, tenant binding) stays the SDK's.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import threading
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from jwt import PyJWK, PyJWKClient, PyJWTError
from microsoft_agents.authentication.msal import MsalConnectionManager
from microsoft_agents.hosting.core import AgentAuthConfiguration, ClaimsIdentity
from microsoft_agents.hosting.core.authorization import AuthTypes
from microsoft_agents.hosting.core.authorization.jwt import JwtTokenValidator

log = logging.getLogger(__name__)
TIMEOUT_S = 5


def auth_configuration(
    app_id: str | None,
    password: str | None,
    certificate: str | None,
    tenant: str | None,
    anonymous: bool,
) -> AgentAuthConfiguration:
    """The Azure Bot's credentials (secret or certificate), or anonymous development."""
    if anonymous:
        return AgentAuthConfiguration(anonymous_allowed=True)
    kind = AuthTypes.certificate if certificate and not password else AuthTypes.client_secret
    return AgentAuthConfiguration(
        auth_type=kind, client_id=app_id, tenant_id=tenant, client_secret=password,
        cert_pfx_file=certificate if kind == AuthTypes.certificate else None,
        validate_issuer=True, anonymous_allowed=False,
    )  # fmt: skip


def connections(config: AgentAuthConfiguration) -> MsalConnectionManager:
    """Outbound credentials: MSAL gets the bot's tokens for the connector (none when anonymous)."""
    return MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": config})


class OpenIdKeys:
    """Signing keys from the jwks_uri of an OpenID configuration, fetched once and cached."""

    def __init__(self, metadata_url: str):
        self.metadata_url = metadata_url
        self._client: PyJWKClient | None = None
        self._lock = threading.Lock()

    async def get_signing_key(self, jwks_uri: str, header: dict[str, Any]) -> PyJWK:
        """The key the token names (the SDK's own choice of key URL is replaced by ours)."""
        return await asyncio.to_thread(self._key, str(header.get("kid", "")))

    def _key(self, kid: str) -> PyJWK:
        with self._lock:
            if self._client is None:
                with urllib.request.urlopen(self.metadata_url, timeout=TIMEOUT_S) as answer:
                    jwks_uri = json.load(answer)["jwks_uri"]
                self._client = PyJWKClient(jwks_uri, timeout=TIMEOUT_S)
            return self._client.get_signing_key(kid)


class Authenticator:
    """Checks one request's bearer token with the SDK; anonymous only when configured."""

    def __init__(self, config: AgentAuthConfiguration, keys: OpenIdKeys | None = None):
        self.config = config
        self.validator = JwtTokenValidator(config)
        if keys is not None:
            self.validator._jwk_client_manager = keys  # type: ignore[assignment]

    async def identity(self, header: str | None) -> ClaimsIdentity | None:
        """The verified claims, an anonymous identity (development), or None (refuse)."""
        if not header:
            return ClaimsIdentity() if self.config.ANONYMOUS_ALLOWED else None
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            return None
        try:
            return await self.validator.validate_token(token.strip())
        except (PyJWTError, ValueError, KeyError, OSError) as error:
            log.warning("Teams request refused: %s", type(error).__name__)  # never the token
            return None


def sign_in_problem(error: Exception) -> str:
    """Why the bot got no outbound token, for the operator: Entra's AADSTS codes, never a secret."""
    codes = sorted(set(re.findall(r"AADSTS\d+", str(error))))
    if codes:
        return (
            f"Microsoft Entra ID refused the bot's credentials ({', '.join(codes)}); "
            "check TEAMS_APP_ID, TEAMS_APP_PASSWORD (or the certificate) and TEAMS_TENANT_ID"
        )
    return f"no token from Microsoft Entra ID ({type(error).__name__})"


def service_url_matches(claims: ClaimsIdentity, service_url: str | None) -> bool:
    """The activity's serviceUrl is the one the token was issued for (when it names one)."""
    claimed = claims.get_claim_value("serviceurl")
    if not claimed:
        return True
    return (urlsplit(str(claimed)).netloc or "").lower() == (
        urlsplit(service_url or "").netloc or ""
    ).lower()
