"""Prometheus metrics. Under gunicorn, PROMETHEUS_MULTIPROC_DIR makes every worker's counts add up.

The metric objects are made on first use, after `configure` has seen the settings: the client
library picks in-memory or shared-file values when a metric is created, so a directory given in
`.env` (read by Settings, not by the library) still takes effect.
"""

from __future__ import annotations

import os
import threading
from functools import cache
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
    values,
)

BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def configure(multiprocess_dir: str | None) -> None:
    """Use shared files in this directory for every metric made from now on."""
    if multiprocess_dir and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        os.environ["PROMETHEUS_MULTIPROC_DIR"] = multiprocess_dir
        values.ValueClass = values.get_value_class()  # type: ignore[no-untyped-call]


def _metrics() -> dict[str, Any]:
    """The metric objects, made once: a worker's threads may serve their first requests at the
    same moment, and a second registration of the same names would fail (a 500)."""
    with _MAKING:
        return _made()


_MAKING = threading.Lock()


@cache
def _made() -> dict[str, Any]:
    """The metric objects (call `_metrics`)."""
    return {
        "requests": Counter(
            "roombot_http_requests_total", "HTTP requests", ["method", "endpoint", "status"]
        ),
        "latency": Histogram(
            "roombot_http_request_seconds", "HTTP request latency", ["endpoint"], buckets=BUCKETS
        ),
        "llm": Counter("roombot_llm_calls_total", "Model calls by outcome", ["outcome"]),
        "bookings": Counter("roombot_bookings_total", "Reservations created", ["source"]),
        "conflicts": Counter(
            "roombot_booking_conflicts_total", "Bookings refused: slot taken", ["source"]
        ),
        "cancellations": Counter("roombot_cancellations_total", "Reservations cancelled"),
        "reminders": Counter("roombot_reminders_sent_total", "Reminder DMs sent"),
        "feedback": Counter(
            "roombot_answer_feedback_total", "Ratings of the assistant's answers", ["rating"]
        ),
    }


def count_request(method: str, endpoint: str, status: int, seconds: float) -> None:
    """One HTTP request served."""
    _requests(method, endpoint, status).inc()
    _latency(endpoint).observe(seconds)


@cache
def _requests(method: str, endpoint: str, status: int) -> Any:
    """The request counter of one method, route and status (a route, not a path: few)."""
    return _metrics()["requests"].labels(method, endpoint, str(status))


@cache
def _latency(endpoint: str) -> Any:
    """The latency histogram of one route."""
    return _metrics()["latency"].labels(endpoint)


def count_llm(outcome: str) -> None:
    """One model call and how it ended."""
    _metrics()["llm"].labels(outcome).inc()


def count_reminder() -> None:
    """One reminder DM sent."""
    _metrics()["reminders"].inc()


def count_feedback(rating: int) -> None:
    """One rating of an answer stored (new or changed): 'good' for 👍, 'bad' for 👎."""
    _metrics()["feedback"].labels("good" if rating > 0 else "bad").inc()


def observe(event: str, data: dict[str, Any]) -> None:
    """The unit of work's observer: count what the use cases record."""
    source = str(data.get("source", "unknown"))
    if event == "booked":
        _metrics()["bookings"].labels(source).inc()
    elif event == "conflict":
        _metrics()["conflicts"].labels(source).inc()
    elif event == "cancelled":
        _metrics()["cancellations"].inc()


def exposition(multiprocess_dir: str | None) -> tuple[bytes, str]:
    """The metrics page: all workers' values when running multi-process, else this process's."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or multiprocess_dir
    _metrics()  # present from the first scrape, even at zero
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(), CONTENT_TYPE_LATEST
