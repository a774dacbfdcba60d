"""Prometheus metrics. Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker's counts add up."""

from __future__ import annotations

from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

REQUESTS = Counter("roombot_http_requests_total", "HTTP requests", ["method", "endpoint", "status"])
LATENCY = Histogram(
    "roombot_http_request_seconds", "HTTP request latency", ["endpoint"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)  # fmt: skip
LLM_CALLS = Counter("roombot_llm_calls_total", "Model calls by outcome", ["outcome"])
BOOKINGS = Counter("roombot_bookings_total", "Reservations created", ["source"])
CONFLICTS = Counter(
    "roombot_booking_conflicts_total", "Bookings refused because the slot was taken", ["source"]
)
CANCELLATIONS = Counter("roombot_cancellations_total", "Reservations cancelled")
REMINDERS = Counter("roombot_reminders_sent_total", "Reminder DMs sent")


def observe(event: str, data: dict[str, Any]) -> None:
    """The unit of work's observer: count what the use cases record."""
    source = str(data.get("source", "unknown"))
    if event == "booked":
        BOOKINGS.labels(source).inc()
    elif event == "conflict":
        CONFLICTS.labels(source).inc()
    elif event == "cancelled":
        CANCELLATIONS.inc()


def exposition(multiprocess_dir: str | None) -> tuple[bytes, str]:
    """The metrics page: all workers' values when running multi-process, else this process's."""
    if multiprocess_dir:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=multiprocess_dir)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
