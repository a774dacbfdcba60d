"""Approval requests and decisions, their outcomes, and waitlist offers, sent through Slack."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Literal

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from booking import rules
from booking.model import Reservation
from booking.rules import Notice
from bot.conversation.desk import Desk
from bot.slack import rule_blocks
from bot.slack.identity import user_id
from bot.slack.kit import mrkdwn

log = logging.getLogger(__name__)
Outcome = Literal["sent", "retry", "refused", "skipped"]
TEMPORARY = {
    "ratelimited",
    "internal_error",
    "service_unavailable",
    "fatal_error",
    "request_timeout",
}


def outcome_of(error: SlackApiError, what: str) -> Outcome:
    """'retry' for a temporary failure (the next poll tries again), else 'refused'."""
    code, status = error.response.get("error"), error.response.status_code
    if code in TEMPORARY or status == 429 or status >= 500:
        log.warning("%s not sent (%s); next poll retries", what, code)
        return "retry"
    log.warning("%s refused by Slack (%s); not retried", what, code)
    return "refused"


class RuleNotices:
    """Delivers the rules' notices as Slack DMs (and updates approvers' requests in place)."""

    def __init__(self, client: WebClient, desk: Desk, lang: str):
        self.client, self.desk, self.lang = client, desk, lang

    def notify(self, notice: Notice, r: Reservation) -> tuple[Outcome, str]:
        """Send one notice: the outcome and where it landed ('channel|ts')."""
        try:
            return "sent", self._send(notice, r)
        except SlackApiError as error:
            return outcome_of(error, f"{notice.kind} notice #{notice.id}"), ""
        except OSError as error:  # the connection failed after the client's own retries
            log.warning("%s notice not sent (%s); retried", notice.kind, type(error).__name__)
            return "retry", ""

    def _send(self, notice: Notice, r: Reservation) -> str:
        """Post or update the message; its 'channel|ts'."""
        rooms, tz, lang = self.desk.rooms(), self.desk.policy.tz, self.lang
        outcome, by = notice.outcome_told, notice.decided_by
        if notice.kind == rules.DECIDED:
            channel, _, ts = notice.ref.partition("|")
            text = rule_blocks.decided_text(r, outcome, by, rooms, tz, lang, self.desk.name_of)
            self.client.chat_update(channel=channel, ts=ts, text=text, blocks=[mrkdwn(text)])
            return notice.ref
        if notice.kind == rules.REQUEST:
            blocks = rule_blocks.approval_request(r, rooms, tz, lang, self.desk.name_of)
        elif notice.kind == rules.OFFER:
            until = datetime.fromisoformat(notice.data.get("hold_until") or r.start.isoformat())
            blocks = rule_blocks.offer(r, until, rooms, tz, lang)
        else:
            told = rule_blocks.result_text(r, outcome, by, rooms, tz, lang, self.desk.name_of)
            blocks = [mrkdwn(told)]
        text = blocks[0]["text"]["text"]
        sent = self.client.chat_postMessage(
            channel=user_id(notice.recipient), text=text, blocks=blocks
        )
        return f"{sent['channel']}|{sent['ts']}"
