"""A fake Microsoft Entra ID (login.microsoftonline.com) over HTTPS, refusing what Entra refuses.

It answers the requests MSAL's ConfidentialClientApplication makes for the client-credentials
grant: instance discovery (`GET /common/discovery/instance`), the tenant's OpenID configuration
(`GET /{tenant}/v2.0/.well-known/openid-configuration`) and its token endpoint
(`POST /{tenant}/oauth2/v2.0/token`). A wrong client id, secret, scope, grant type or tenant gets
Entra's error body (`error`, `error_description` starting with the AADSTS code, `error_codes`,
trace and correlation ids) with Entra's status; a good request gets a signed access token for
the resource, and is counted in `issued`. Serve it behind `tests.fakes.tls.TunnelProxy`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest

from tests.fakes.openid import new_key
from tests.fakes.server import Answer, FakeServer, JsonHandler
from tests.fakes.tls import TestCA, TLSServer, TunnelProxy

HOST = "login.microsoftonline.com"
ALIASES = [HOST, "login.windows.net", "login.microsoft.com", "sts.windows.net"]
BOT_FRAMEWORK = "https://api.botframework.com"
LIFETIME_S = 3599
NO_STORE = {"Cache-Control": "no-store, no-cache", "Pragma": "no-cache"}


@dataclass(frozen=True)
class Call:
    """One request: method, path, query or form fields (a client secret only as '***')."""

    method: str
    path: str
    fields: dict[str, str]


@dataclass(frozen=True)
class Issued:
    """An access token the fake handed out."""

    client_id: str
    scope: str
    token: str


class _Handler(JsonHandler):
    fake: FakeEntra

    def answer(self, method: str, raw: bytes) -> Answer:
        """Record the call and let the fake answer it."""
        parts = urlsplit(self.path)
        source = raw.decode("utf-8", "replace") if method == "POST" else parts.query
        fields = {k: v[-1] for k, v in parse_qs(source, keep_blank_values=True).items()}
        shown = {k: ("***" if k == "client_secret" else v) for k, v in fields.items()}
        self.fake._record(Call(method, parts.path, shown))
        return self.fake.receive(method, parts.path, fields)


class FakeEntra(FakeServer[Call]):
    """Entra ID for one tenant and its registered apps (client id → secret)."""

    server_name = "FakeEntra"
    thread_name = "fake-entra"
    handler_class = _Handler

    def __init__(
        self, ca: TestCA, tenant: str, apps: dict[str, str], resources: tuple[str, ...] = ()
    ) -> None:
        super().__init__()
        self.ca, self.tenant, self.apps = ca, tenant, dict(apps)
        self.resources = resources or (BOT_FRAMEWORK,)
        self.key = new_key()
        self.issued: list[Issued] = []

    def _listen(self, handler: type[JsonHandler]) -> ThreadingHTTPServer:
        return TLSServer(handler, self.ca.server_context(HOST))

    @property
    def port(self) -> int:
        """The local port the tunnel for login.microsoftonline.com:443 leads to."""
        return int(self.origin.rsplit(":", 1)[1])

    @property
    def calls(self) -> list[Call]:
        """Every request so far, oldest first."""
        return self._recorded()

    def token_requests(self) -> list[Call]:
        """The requests to the token endpoint."""
        return [c for c in self.calls if c.path.endswith("/oauth2/v2.0/token")]

    def valid(self, token: str, client_id: str, resource: str = BOT_FRAMEWORK) -> bool:
        """Tell whether a service takes this bearer: signed here, unexpired, its own, the app's."""
        issuer = f"https://sts.windows.net/{self.tenant}/"
        try:
            claims = jwt.decode(token, self.key.public_key(), algorithms=["RS256"],
                                audience=resource, issuer=issuer)  # fmt: skip
        except jwt.PyJWTError:
            return False
        return bool(claims.get("appid") == client_id)

    def receive(self, method: str, path: str, fields: dict[str, str]) -> Answer:
        """Answer one request as Entra would."""
        segments = path.strip("/").split("/")
        if method == "GET" and path == "/common/discovery/instance":
            return self._discovery(fields)
        if method == "GET" and segments[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            if segments[0] != self.tenant:
                return _tenant_not_found(segments[0])
            return 200, self.configuration(), {}
        if method == "POST" and segments[1:] == ["oauth2", "v2.0", "token"]:
            if segments[0] != self.tenant:
                return _tenant_not_found(segments[0])
            return self._token(fields)
        return 404, {"error": "not_found"}, {}

    def configuration(self) -> dict[str, Any]:
        """The tenant's v2.0 OpenID configuration (the fields MSAL reads, and a few more)."""
        base = f"https://{HOST}/{self.tenant}"
        return {
            "issuer": f"{base}/v2.0", "token_endpoint": f"{base}/oauth2/v2.0/token",
            "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
            "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
            "jwks_uri": f"https://{HOST}/{self.tenant}/discovery/v2.0/keys",
            "token_endpoint_auth_methods_supported":
                ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "id_token_signing_alg_values_supported": ["RS256"], "tenant_region_scope": "AS",
            "cloud_instance_name": "microsoftonline.com",
        }  # fmt: skip

    def _discovery(self, fields: dict[str, str]) -> Answer:
        endpoint = fields.get("authorization_endpoint", "")
        parts = urlsplit(endpoint)
        if not endpoint:
            return error(400, "invalid_request", 90014, "The required field "
                         "'authorization_endpoint' is missing from the request.")  # fmt: skip
        if parts.hostname not in ALIASES:
            return error(400, "invalid_instance", 50049, "Unknown or invalid instance.")
        tenant = (parts.path.strip("/").split("/") or ["common"])[0]
        version = "/v2.0" if "/v2.0/" in parts.path else ""
        return 200, {
            "tenant_discovery_endpoint":
                f"https://{HOST}/{tenant}{version}/.well-known/openid-configuration",
            "api-version": fields.get("api-version", "1.1"),
            "metadata": [{"preferred_network": HOST, "preferred_cache": "login.windows.net",
                          "aliases": ALIASES}],
        }, {}  # fmt: skip

    def _token(self, fields: dict[str, str]) -> Answer:
        for required in ("grant_type", "client_id"):
            if not fields.get(required):
                return _missing(required)
        if fields["grant_type"] != "client_credentials":
            return error(400, "unsupported_grant_type", 70003,
                         "The app requested an unsupported grant type "
                         f"'{fields['grant_type']}'.")  # fmt: skip
        client_id = fields["client_id"]
        if client_id not in self.apps:
            return error(400, "unauthorized_client", 700016,
                         f"Application with identifier '{client_id}' was not found in the "
                         f"directory '{self.tenant}'.")  # fmt: skip
        if not fields.get("client_secret"):
            return error(401, "invalid_client", 7000218,
                         "The request body must contain the following parameter: "
                         "'client_assertion' or 'client_secret'.")  # fmt: skip
        if fields["client_secret"] != self.apps[client_id]:
            return error(401, "invalid_client", 7000215,
                         "Invalid client secret provided. Ensure the secret being sent in the "
                         "request is the client secret value, not the client secret ID, for a "
                         f"secret added to app '{client_id}'.")  # fmt: skip
        return self._grant(client_id, fields.get("scope", ""))

    def _grant(self, client_id: str, scope: str) -> Answer:
        if not scope:
            return _missing("scope")
        scopes = scope.split()
        if len(scopes) != 1 or not scopes[0].endswith("/.default"):
            return error(400, "invalid_scope", 1002012,
                         f"The provided value for scope {scope} is not valid. Client credential "
                         "flows must have a scope value with /.default suffixed to the resource "
                         "identifier (application ID URI).")  # fmt: skip
        resource = scopes[0].removesuffix("/.default")
        if resource not in self.resources:
            return error(400, "invalid_resource", 500011,
                         f"The resource principal named {resource} was not found in the tenant "
                         f"named {self.tenant}.")  # fmt: skip
        now = int(time.time())
        claims = {"aud": resource, "iss": f"https://sts.windows.net/{self.tenant}/",
                  "iat": now, "nbf": now, "exp": now + LIFETIME_S, "appid": client_id,
                  "tid": self.tenant, "idtyp": "app", "jti": uuid.uuid4().hex}  # fmt: skip
        token = jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": "fake-entra"})
        with self._cond:
            self.issued.append(Issued(client_id, scope, token))
        body = {"token_type": "Bearer", "expires_in": LIFETIME_S,
                "ext_expires_in": LIFETIME_S, "access_token": token}  # fmt: skip
        return 200, body, NO_STORE


@contextmanager
def routed_entra(tenant: str, apps: dict[str, str]) -> Iterator[tuple[FakeEntra, TunnelProxy]]:
    """FakeEntra behind its tunnel, and an environment sending `requests`' HTTPS (only) there."""
    ca = TestCA()
    try:
        with (
            FakeEntra(ca, tenant, apps) as entra,
            TunnelProxy({f"{HOST}:443": entra.port}) as proxy,
            pytest.MonkeyPatch.context() as env,
        ):
            for name in ("HTTPS_PROXY", "https_proxy"):
                env.setenv(name, proxy.url)
            for name in ("NO_PROXY", "no_proxy"):  # local fakes are reached directly
                env.setenv(name, "127.0.0.1,localhost")
            env.setenv("REQUESTS_CA_BUNDLE", str(ca.bundle))
            yield entra, proxy
    finally:
        ca.cleanup()


def error(status: int, kind: str, code: int, description: str) -> Answer:
    """Entra's error answer: the AADSTS code leads the description, with trace ids."""
    trace, correlation = str(uuid.uuid4()), str(uuid.uuid4())
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    body = {
        "error": kind,
        "error_description": f"AADSTS{code}: {description} Trace ID: {trace} "
        f"Correlation ID: {correlation} Timestamp: {stamp}",
        "error_codes": [code], "timestamp": stamp, "trace_id": trace,
        "correlation_id": correlation, "error_uri": f"https://{HOST}/error?code={code}",
    }  # fmt: skip
    return status, body, NO_STORE


def _missing(field: str) -> Answer:
    return error(400, "invalid_request", 900144,
                 f"The request body must contain the following parameter: '{field}'.")  # fmt: skip


def _tenant_not_found(tenant: str) -> Answer:
    return error(400, "invalid_tenant", 90002,
                 f"Tenant '{tenant}' not found. Check to make sure you have the correct tenant "
                 "ID and are signing into the correct cloud.")  # fmt: skip
