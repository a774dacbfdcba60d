"""The scheduled jobs. Each is safe to run in several processes at once and takes `now`."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import datetime, time, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from booking import services
from booking.clock import at, local
from booking.model import Reservation, Room
from bot.container import Container
from bot.metrics import count_reminder
from bot.reminders.messages import reminder_blocks, say
from bot.slack import blocks
from bot.slack.surface import rooms_by_id
from bot.slack.texts import tr

log = logging.getLogger(__name__)
SLACK_USER = re.compile(r"^[UW][A-Z0-9]+$")
BATCH = 100


def send_due_reminders(c: Container, client: WebClient, now: datetime) -> int:
    """DM each booker whose meeting starts within the lead time; each reminder exactly once.

    One row per transaction: lock it (SKIP LOCKED, so parallel schedulers take different rows),
    send, mark it handled, commit. A temporary Slack failure leaves the row for the next poll;
    a permanent refusal (e.g. a deactivated account) marks it handled and the poll goes on.
    """
    lead = timedelta(minutes=c.settings.reminder_lead_minutes)
    lang, rooms, sent = c.settings.default_language, rooms_by_id(c), 0
    for _ in range(BATCH):
        with c.uow() as uow:
            claimed = uow.reservations.claim_due_reminders(now, lead, 1)
            if not claimed:
                break
            r = claimed[0]
            if r.reminder_due(now, lead) and SLACK_USER.match(r.owner_id):
                outcome = _send_reminder(client, r, rooms, c, lang)
                if outcome == "retry":
                    break  # Slack is struggling: this and later reminders wait for the next poll
                if outcome == "sent":
                    sent += 1
                    count_reminder()
            uow.reservations.save(replace(r, reminded_at=now))
            uow.commit()
    return sent


TEMPORARY = {
    "ratelimited",
    "internal_error",
    "service_unavailable",
    "fatal_error",
    "request_timeout",
}


def _send_reminder(
    client: WebClient, r: Reservation, rooms: dict[str, Room], c: Container, lang: str
) -> str:
    """Post one reminder DM: 'sent', 'retry' (temporary failure) or 'refused' (permanent)."""
    text = say("reminder", lang, what=blocks.describe(r, rooms, c.policy.tz, lang))
    try:
        client.chat_postMessage(
            channel=r.owner_id, text=text, blocks=reminder_blocks(r, rooms, c.policy.tz, lang)
        )
    except SlackApiError as error:
        code, status = error.response.get("error"), error.response.status_code
        if code in TEMPORARY or status == 429 or status >= 500:
            log.warning("reminder for #%s not sent (%s); next poll retries", r.id, code)
            return "retry"
        log.warning("reminder for #%s refused by Slack (%s); not retried", r.id, code)
        return "refused"
    except OSError as error:  # the connection failed after the client's own retries
        log.warning("reminder for #%s not sent (%s); next poll retries", r.id, type(error).__name__)
        return "retry"
    return "sent"


LOST_REPLY_AFTER_S = 90  # well past the assistant's 25 s turn deadline


def apologise_for_lost_replies(c: Container, client: WebClient, now: datetime) -> int:
    """Replace placeholders whose worker died before answering with an apology, once each."""
    apologised = 0
    for channel, ts, lang in c.pending_replies.take_stale(LOST_REPLY_AFTER_S, now.timestamp()):
        try:
            client.chat_update(channel=channel, ts=ts, text=tr("interrupted", lang))
            apologised += 1
        except SlackApiError as error:
            log.warning(
                "could not replace a lost reply's placeholder: %s", error.response.get("error")
            )
    return apologised


def release_no_shows(c: Container, client: WebClient, now: datetime) -> int:
    """Cancel reservations nobody checked in to within the configured minutes (off when 0)."""
    minutes = c.settings.no_show_release_minutes
    if minutes <= 0:
        return 0
    lang, rooms, released = c.settings.default_language, rooms_by_id(c), 0
    for _ in range(BATCH):
        with c.uow() as uow:  # one locked row per transaction, as for reminders
            claimed = uow.reservations.claim_no_shows(now, timedelta(minutes=minutes), 1)
            if not claimed:
                break
            r = claimed[0]
            uow.reservations.save(r.cancelled(by="no-show", at=now))
            uow.commit()
        released += 1
        if SLACK_USER.match(r.owner_id):
            what = blocks.describe(r, rooms, c.policy.tz, lang)
            _dm(client, r.owner_id, say("no_show", lang, minutes=minutes, what=what))
    return released


def post_digest(c: Container, client: WebClient, now: datetime) -> bool:
    """Post today's schedule to the digest channel once per weekday, never later than the grace."""
    channel = c.settings.digest_channel
    today = local(now, c.policy.tz).date()
    due = at(today, time.fromisoformat(c.settings.digest_time), c.policy.tz)
    grace = timedelta(minutes=c.settings.digest_grace_minutes)
    if not channel or today.weekday() >= 5 or not due <= now <= due + grace:
        return False
    with c.uow() as uow:
        if not uow.job_runs.claim("digest", today.isoformat(), now):
            return False
        days = services.day_schedule(c.uow(), c.policy, day=today)
        lang = c.settings.default_language
        rendered = [
            blocks.mrkdwn(say("digest", lang)),
            *blocks.schedule(days, today, c.policy.tz, lang),
        ]
        client.chat_postMessage(channel=channel, text=say("digest", lang), blocks=rendered[:50])
        uow.commit()  # recorded only once posted: a failed post is tried again within the grace
    return True


def _dm(client: WebClient, user: str, text: str) -> None:
    """A direct message; a Slack failure is logged, not raised."""
    try:
        client.chat_postMessage(channel=user, text=text)
    except SlackApiError as error:
        log.warning("DM to %s failed: %s", user, error.response.get("error"))
