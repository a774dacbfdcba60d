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
_pool = ThreadPoolExecutor(max_workers=16, thread_name_prefix="health")


def run_checks(checks: dict[str, Check | None]) -> dict[str, dict[str, Any]]:
    """Run the checks at once under one shared deadline; never report the error text."""
    started = time.monotonic()
    futures = {name: _pool.submit(check) for name, check in checks.items() if check is not None}
    results: dict[str, dict[str, Any]] = {n: {"status": "not_configured"} for n in checks}
    for name, future in futures.items():
        remaining = max(0.0, started + CHECK_DEADLINE_S - time.monotonic())
        try:
            future.result(timeout=remaining)
        except FutureTimeout:
            results[name] = {"status": "timeout"}
            continue
        except Exception as error:  # the class names the failure without leaking a DSN
            results[name] = {"status": "down", "error": type(error).__name__}
            continue
        results[name] = {
            "status": "ok",
            "latency_ms": round((time.monotonic() - started) * 1000, 1),
        }
    return results


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
        checks = run_checks({"database": database, "redis": redis})
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
