"""Health endpoints: /health (full), /health/live (no I/O) and /health/ready (DB + Redis)."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, Response, jsonify

Check = Callable[[], None]
CHECK_DEADLINE_S = 1.5
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="health")


def run_check(check: Check | None) -> dict[str, Any]:
    """Run one check under a deadline; report ok/down/timeout but never the error text."""
    if check is None:
        return {"status": "not_configured"}
    started = time.monotonic()
    future = _pool.submit(check)
    try:
        future.result(timeout=CHECK_DEADLINE_S)
    except FutureTimeout:
        return {"status": "timeout"}
    except Exception as error:  # the error class names the failure without leaking a DSN
        return {"status": "down", "error": type(error).__name__}
    return {"status": "ok", "latency_ms": round((time.monotonic() - started) * 1000, 1)}


def create_blueprint(
    database: Check,
    redis: Check | None,
    version: str,
    zone: ZoneInfo,
    extra: Callable[[], dict[str, Any]] | None = None,
) -> Blueprint:
    """The health blueprint, with the checks passed in by the composition root."""
    bp = Blueprint("health", __name__)

    def report() -> tuple[dict[str, Any], int]:
        checks = {"database": run_check(database), "redis": run_check(redis)}
        status, code = "healthy", 200
        if checks["database"]["status"] != "ok":
            status, code = "unhealthy", 503
        elif checks["redis"]["status"] not in ("ok", "not_configured"):
            status = "degraded"
        now = datetime.now(zone)
        body = {
            "status": status,
            "timestamp": now.isoformat(),
            "version": version,
            "timezone": now.tzname(),
            "checks": checks,
        }
        if extra is not None:
            body.update(extra())
        return body, code

    @bp.get("/health")
    def health() -> tuple[Response, int]:
        body, code = report()
        return jsonify(body), code

    @bp.get("/health/live")
    def live() -> Response:
        return jsonify({"status": "alive", "version": version})

    @bp.get("/health/ready")
    def ready() -> tuple[Response, int]:
        body, code = report()
        return jsonify({**body, "ready": code == 200}), code

    return bp
