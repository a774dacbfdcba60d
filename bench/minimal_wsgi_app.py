"""The ceiling for bench.booking_throughput's POSTs: a WSGI app that answers 201 and does nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

BODY = b'{"id":1}\n'


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Read the body, answer 201 with a small JSON body."""
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    start_response("201 CREATED", [("Content-Type", "application/json"),
                                   ("Content-Length", str(len(BODY)))])  # fmt: skip
    return [BODY]
