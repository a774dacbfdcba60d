"""A gunicorn worker that exits gracefully (SIGTERM: a reload, a stop, its max_requests recycle).

Slack does not redeliver an event it saw acknowledged, so the worker finishes the answers it
acknowledged before it exits (gunicorn's worker_exit hook), within the graceful timeout.
"""

from __future__ import annotations

import signal

from tests.e2e.conftest import new_event_id, tomorrow
from tests.fakes.openai_api import Delay, Reply, tool_calls
from tests.reliability.checks import active_count
from tests.reliability.harness import Bot
from tests.reliability.served import wait_until
from tests.reliability.servers import kill, socket_owners

HOLD_S = 4.0  # how long the fake model holds the answer while its worker is told to exit
WAIT_S = 30.0


def test_a_worker_told_to_exit_first_finishes_the_slack_answer_it_acknowledged(bot: Bot) -> None:
    args = {"room": "1", "date": tomorrow().isoformat(), "start_time": "10:00", "end_time": "11:00"}
    bot.openai.script(
        Delay(HOLD_S, tool_calls(("create_reservation", args))), Reply("予約しました")
    )
    ack, ts = bot.mention("明日10時から会議室Aを予約して", event_id=new_event_id())
    assert ack.status == 200  # acknowledged: Slack will not send it again
    bot.openai.wait_for_requests(1, timeout=WAIT_S)
    openai_port = int(bot.openai.url.rsplit(":", 1)[1].split("/")[0])
    found: list[int] = []

    def located() -> bool:
        found[:] = socket_owners(bot.served.workers(), remote_port=openai_port)
        return len(found) == 1

    wait_until(located, WAIT_S, "the worker waiting for the model")
    kill(found[0], signal.SIGTERM)  # what gunicorn's master sends a worker it retires

    wait_until(lambda: found[0] not in bot.served.workers(), WAIT_S, "the worker to exit")
    assert [m["text"] for m in bot.thread(ts)] == ["予約しました"]
    assert active_count(bot.engine) == 1
    assert len(bot.openai.chat_requests) == 2  # the model was asked again after the booking
    log = bot.served.log()
    assert "cannot schedule new futures" not in log
    assert "acknowledged Slack tasks unfinished" not in log
    bot.served.wait_serving()  # gunicorn replaced it
