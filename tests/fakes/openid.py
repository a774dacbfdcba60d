"""A local token issuer: an OpenID configuration and its JWKS, and tokens signed with its key.

The bot reads the configuration (TEAMS_OPENID_METADATA), fetches the keys over HTTP and lets the
SDK's JWT validator check the tokens, as it does against the Bot Framework's real issuer.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from tests.fakes.server import Answer, FakeServer, JsonHandler

BOT_FRAMEWORK_ISSUER = "https://api.botframework.com"


def new_key() -> rsa.RSAPrivateKey:
    """A fresh RSA signing key."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class _Handler(JsonHandler):
    fake: FakeIssuer

    def answer(self, method: str, raw: bytes) -> Answer:
        """The configuration, the keys, or 404."""
        self.fake._record(self.path)
        if self.path == "/.well-known/openidconfiguration":
            return 200, self.fake.configuration(), {}
        if self.path == "/keys":
            return 200, {"keys": [self.fake.jwk()]}, {}
        return 404, {"error": "not found"}, {}


class FakeIssuer(FakeServer[str]):
    """Serves /.well-known/openidconfiguration and /keys; records the paths fetched."""

    server_name = "FakeIssuer"
    thread_name = "fake-issuer"
    handler_class = _Handler

    def __init__(self) -> None:
        super().__init__()
        self.key, self.kid = new_key(), uuid.uuid4().hex

    @property
    def metadata_url(self) -> str:
        """What TEAMS_OPENID_METADATA points at."""
        return f"{self.origin}/.well-known/openidconfiguration"

    def configuration(self) -> dict[str, Any]:
        """The OpenID configuration, naming the keys' URL."""
        return {"issuer": BOT_FRAMEWORK_ISSUER, "jwks_uri": f"{self.origin}/keys",
                "id_token_signing_alg_values_supported": ["RS256"]}  # fmt: skip

    def jwk(self) -> dict[str, Any]:
        """The public key as a JWK."""
        public = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        return {**public, "kid": self.kid, "use": "sig", "alg": "RS256"}

    def token(self, key: rsa.RSAPrivateKey | None = None, **claims: Any) -> str:
        """A Bot Framework channel token (signed with another key when given)."""
        now = int(time.time())
        body = {
            "iss": BOT_FRAMEWORK_ISSUER,
            "nbf": now - 60,
            "iat": now - 60,
            "exp": now + 3600,
            **claims,
        }
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": self.kid})
