"""Three independent app servers behind nginx, on one PostgreSQL and one Redis.

Each node is its own gunicorn master with two workers and the in-web scheduler (leader-elected
by a PostgreSQL advisory lock); nginx (the shipped site, its upstream the three nodes) spreads
the requests. Shown here, on loopback:
- 50 concurrent bookings of one slot, spread over the nodes: exactly one succeeds;
- due reminders with all three schedulers competing: each sent exactly once;
- a Slack event retried to another node: answered once (the de-duplication is in Redis);
- the node leading the scheduler killed outright: another node leads and sends the reminders.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, text

from booking.clock import JST
from booking.identity import parse as parse_identity
from bot.conversation.i18n import t
from storage.engine import make_engine, make_session_factory
from storage.locks import advisory_lock_holders
from storage.models import ReservationRow
from tests.e2e.conftest import BOT_TOKEN, SIGNING_SECRET, event_body, mention, new_event_id, signed
from tests.fakes.slack_api import Call, FakeSlack
from tests.integration.test_deploy_files import ensure_tool
from tests.reliability.cluster import Cluster, cluster, fresh_database
from tests.reliability.harness import booking
from tests.reliability.served import Served, call, wait_until
from tests.reliability.servers import PgCluster, RedisServer

NODES = 3
BOOKERS = 50
POLL_S = 1  # SCHEDULER_POLL_SECONDS of every node
WAIT_S = 30.0  # generous: three servers share two (busy) cores
DATABASE = "roombot_scale_out"


@pytest.fixture(scope="module")
def slack() -> Iterator[FakeSlack]:
    """The fake Slack Web API the three nodes talk to."""
    with FakeSlack(tokens=[BOT_TOKEN]) as fake:
        yield fake


@pytest.fixture(scope="module")
def database(pg_cluster: PgCluster) -> str:
    """A database of this module's own (its own advisory lock space) with the example rooms."""
    return fresh_database(pg_cluster.url, DATABASE)


@pytest.fixture(scope="module")
def engine(database: str) -> Iterator[Engine]:
    """An engine on the module's database."""
    made = make_engine(database)
    yield made
    made.dispose()


@pytest.fixture(scope="module")
def nodes(
    database: str,
    redis_server: RedisServer,
    slack: FakeSlack,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Cluster]:
    """Three nodes with their schedulers on, behind nginx."""
    env = {
        "DATABASE_URL": database,
        "REDIS_URL": redis_server.url.rsplit("/", 1)[0] + "/3",  # not the suite's flushed db 0
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_API_URL": slack.url,
        "OPENAI_API_KEY": "",
        "FLASK_ENV": "development",
        "SCHEDULER_IN_WEB": "true",
        "SCHEDULER_POLL_SECONDS": str(POLL_S),
        "REMINDER_LEAD_MINUTES": "10",
    }
    nginx = ensure_tool("nginx", "nginx-light", "nginx")
    with cluster(nginx, env, NODES, tmp_path_factory.mktemp("scale-out")) as made:
        yield made


def add_due(engine: Engine, room: str, owner: str, minutes: int = 5) -> int:
    """A booking starting in `minutes`, made an hour ago: its reminder is due now."""
    now = datetime.now(JST)
    with make_session_factory(engine)() as session, session.begin():
        row = ReservationRow(
            room_id=room, owner_id=parse_identity(owner, "api"), title="", source="test",
            start_at=now + timedelta(minutes=minutes), end_at=now + timedelta(minutes=minutes + 1),
            active=True, created_at=now - timedelta(hours=1),
        )  # fmt: skip
        session.add(row)
        session.flush()
        return row.id


def dms(fake: FakeSlack, user: str) -> list[Call]:
    """The DMs the bot posted to one user."""
    return [c for c in fake.calls_to("chat.postMessage") if c.ok and c.args.get("channel") == user]


def roles(node: Served) -> dict[int, str]:
    """The scheduler role of every worker of a node (by pid), asked until each has answered.

    Which worker takes a new connection is the workers' race: a busy one (the leader, at work)
    can lose it many times running, so a fixed number of asks could miss it.
    """
    seen: dict[int, str] = {}
    deadline = time.monotonic() + WAIT_S
    while not set(node.workers()) <= seen.keys() and time.monotonic() < deadline:
        state = call(node.port, "GET", "/health", timeout=10).json()["scheduler"]
        seen[state["pid"]] = state["role"]
    return {pid: role for pid, role in seen.items() if pid in node.workers()}


def leading(made: Cluster) -> list[tuple[Served, int]]:
    """(node, worker pid) of every worker reporting itself leader."""
    return [(n, pid) for n in made.live() for pid, role in roles(n).items() if role == "leader"]


def unreminded(engine: Engine, ids: list[int]) -> int:
    """How many of these reservations still wait for their reminder."""
    with engine.connect() as conn:
        sql = "SELECT count(*) FROM reservations WHERE id = ANY(:ids) AND reminded_at IS NULL"
        return int(conn.execute(text(sql), {"ids": ids}).scalar_one())


def test_fifty_concurrent_bookings_of_one_slot_over_three_nodes_make_one(
    nodes: Cluster, engine: Engine
) -> None:
    barrier, statuses, lock = threading.Barrier(BOOKERS), [], threading.Lock()
    body = booking("4", "15:00", "16:00")

    def book(n: int) -> None:
        barrier.wait()
        status = call(
            nodes.port, "POST", "/api/reservations", body | {"owner": f"U{n}"}, timeout=WAIT_S
        ).status
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=book, args=(n,)) for n in range(BOOKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Counter(statuses) == {201: 1, 409: BOOKERS - 1}
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM reservations WHERE room_id = '4'"))
        assert rows.scalar_one() == 1
    answered = Counter(nodes.nginx.upstreams("POST", "/api/reservations"))
    assert set(answered) == {f"127.0.0.1:{n.port}" for n in nodes.nodes}, answered


def test_each_due_reminder_is_sent_once_with_three_schedulers_competing(
    nodes: Cluster, engine: Engine, slack: FakeSlack
) -> None:
    owners = [f"UREM{i}" for i in range(12)]
    ids = [add_due(engine, str(1 + i % 6), o, minutes=3 + i // 6) for i, o in enumerate(owners)]
    wait_until(lambda: unreminded(engine, ids) == 0, WAIT_S, "every reminder to be handled")
    assert {owner: len(dms(slack, owner)) for owner in owners} == dict.fromkeys(owners, 1)
    everyone = {(n.port, pid): role for n in nodes.live() for pid, role in roles(n).items()}
    assert len({n for n, _ in everyone}) == NODES, everyone  # every node's scheduler runs
    assert list(everyone.values()).count("leader") == 1, everyone
    assert set(everyone.values()) <= {"leader", "standby"}, everyone
    assert advisory_lock_holders(engine) == 1


def test_a_slack_event_retried_to_another_node_is_answered_once(
    nodes: Cluster, slack: FakeSlack
) -> None:
    first, second = nodes.nodes[0], nodes.nodes[1]
    event, event_id = mention("<@UBOT> 今日の予約状況は？"), new_event_id()
    raw = event_body(event, event_id)
    assert call(first.port, "POST", "/slack/events", raw, signed(raw)).status == 200
    retry = signed(raw) | {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
    assert call(second.port, "POST", "/slack/events", raw, retry).status == 200

    def thread() -> list[dict[str, Any]]:
        return [m for m in slack.messages("C1") if m.get("thread_ts") == event["ts"]]

    wait_until(
        lambda: bool(thread()) and thread()[0]["text"] != t("thinking", "ja"), WAIT_S, "the answer"
    )
    # Both deliveries are acknowledged before their claim runs on a dispatch thread, so either
    # node may claim first: exactly one of the two drops its copy.
    dropped = f"duplicate event {event_id} acknowledged and dropped"

    def drops() -> list[int]:
        return [node.port for node in (first, second) if dropped in node.log()]

    wait_until(lambda: bool(drops()), WAIT_S, "one node to drop its copy")
    assert len(drops()) == 1, drops()
    assert len(thread()) == 1, thread()
    started = [  # the answer's first message: a placeholder, or a stream where Slack allows it
        c
        for method in ("chat.postMessage", "chat.startStream")
        for c in slack.calls_to(method)
        if c.args.get("thread_ts") == event["ts"]
    ]
    assert len(started) == 1, started


def test_killing_the_node_that_leads_the_scheduler_hands_leadership_to_another(
    nodes: Cluster, engine: Engine, slack: FakeSlack
) -> None:
    # Between two polls no worker may have claimed the lock yet: wait until one reports it.
    found: list[tuple[Served, int]] = []

    def one_leads() -> bool:
        found[:] = leading(nodes)
        return len(found) == 1

    wait_until(one_leads, POLL_S + WAIT_S, "one node to lead the scheduler")
    [(leader_node, _pid)] = found
    nodes.kill(leader_node)
    due = add_due(engine, "5", "UAFTER")

    def another_leads() -> bool:
        found = leading(nodes)
        return len(found) == 1 and found[0][0] is not leader_node

    wait_until(another_leads, POLL_S + WAIT_S, "another node to lead the scheduler")
    wait_until(lambda: len(dms(slack, "UAFTER")) == 1, WAIT_S, "the new leader's reminder")
    with engine.connect() as conn:
        sql = "SELECT reminded_at IS NOT NULL FROM reservations WHERE id = :id"
        assert conn.execute(text(sql), {"id": due}).scalar_one()
    assert advisory_lock_holders(engine) == 1
    for hour in (9, 10, 11):  # nginx sends the clients to the nodes still up
        made = call(
            nodes.port, "POST", "/api/reservations", booking("6", f"{hour}:00", f"{hour + 1}:00")
        )
        assert made.status == 201, made.body
    assert len(dms(slack, "UAFTER")) == 1
