"""Reminders, no-show notices, the digest and lost-reply apologies, sent through Slack."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime
from typing import Literal, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from booking.model import Reservation
from booking.rules import Notice
from booking.services import RoomDay
from bot.conversation.desk import Desk
from bot.conversation.formats import describe
from bot.conversation.i18n import t
from bot.slack import blocks, kit
from bot.slack.identity import user_id
from bot.slack.notify_rules import TEMPORARY, RuleNotices

log = logging.getLogger(__name__)
Outcome = Literal["sent", "retry", "refused", "skipped"]
LOST_REPLY_AFTER_S = 90  # well past the assistant's 25 s turn deadline


class SlackNotifier:
    """Direct messages to Slack owners about their bookings."""

    def __init__(self, client: WebClient, desk: Desk, lang: str):
        self.client, self.desk, self.lang = client, desk, lang

    def remind(self, r: Reservation) -> Outcome:
        """Post one reminder DM: 'sent', 'retry' (temporary failure) or 'refused' (permanent)."""
        rooms, tz = self.desk.rooms(), self.desk.policy.tz
        text = t("reminder", self.lang, what=describe(r, rooms, tz, self.lang))
        try:
            self.client.chat_postMessage(
                channel=user_id(r.owner_id),
                text=text,
                blocks=blocks.reminder_blocks(r, rooms, tz, self.lang),
            )
        except SlackApiError as error:
            code, status = error.response.get("error"), error.response.status_code
            if code in TEMPORARY or status == 429 or status >= 500:
                log.warning("reminder for #%s not sent (%s); next poll retries", r.id, code)
                return "retry"
            log.warning("reminder for #%s refused by Slack (%s); not retried", r.id, code)
            return "refused"
        except OSError as error:  # the connection failed after the client's own retries
            log.warning(
                "reminder for #%s not sent (%s); next poll retries", r.id, type(error).__name__
            )
            return "retry"
        return "sent"

    def released(self, r: Reservation, minutes: int) -> None:
        """Tell the owner their no-show booking was released (a failure is logged)."""
        what = describe(r, self.desk.rooms(), self.desk.policy.tz, self.lang)
        try:
            self.client.chat_postMessage(
                channel=user_id(r.owner_id),
                text=t("no_show", self.lang, minutes=minutes, what=what),
            )
        except SlackApiError as error:
            log.warning("DM to %s failed: %s", r.owner_id, error.response.get("error"))

    def notify(self, notice: Notice, r: Reservation) -> tuple[Outcome, str]:
        """Approval requests and outcomes, and waitlist offers (bot.slack.notify_rules)."""
        return RuleNotices(self.client, self.desk, self.lang).notify(notice, r)


class SlackDigest:
    """Today's schedule, posted to the digest channel."""

    def __init__(self, client: WebClient, channel: str, lang: str, tz: ZoneInfo):
        self.client, self.channel, self.lang, self.tz = client, channel, lang, tz

    def digest(self, days: list[RoomDay], today: date) -> None:
        """Post it (a Slack refusal raises, so the next poll tries again within the grace)."""
        head = t("digest", self.lang)
        rendered = [kit.mrkdwn(head), *blocks.schedule(days, today, self.tz, self.lang)]
        self.client.chat_postMessage(channel=self.channel, text=head, blocks=rendered[:50])


class StalePlaceholders(Protocol):
    """Placeholders whose answer never came."""

    def take_stale(self, older_than: float, now: float) -> Iterator[tuple[str, str, str]]:
        """Claim the placeholders older than the cutoff: (channel, ts, lang), each once."""
        ...


def apologise_for_lost_replies(
    placeholders: StalePlaceholders, client: WebClient, now: datetime
) -> int:
    """Replace placeholders (or end streams) whose worker died before answering, once each."""
    apologised = 0
    for channel, ts, lang in placeholders.take_stale(LOST_REPLY_AFTER_S, now.timestamp()):
        try:
            client.chat_update(channel=channel, ts=ts, text=t("interrupted", lang))
            apologised += 1
        except SlackApiError as error:
            if _stop_stream(client, channel, ts, lang):
                apologised += 1
            else:
                log.warning(
                    "could not replace a lost reply's placeholder: %s", error.response.get("error")
                )
    return apologised


def _stop_stream(client: WebClient, channel: str, ts: str, lang: str) -> bool:
    """End a stream still open (its worker died) with the apology; False if that fails too."""
    try:
        client.chat_stopStream(
            channel=channel, ts=ts, markdown_text="\n\n" + t("interrupted", lang)
        )
    except SlackApiError:
        return False
    return True
