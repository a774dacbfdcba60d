"""What Slack's AI-app surface shows: task steps, the blocks a stream stops with, prompts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from slack_sdk.models.messages.chunk import TaskUpdateChunk

from bot.conversation.i18n import t
from bot.conversation.types import Progress, Reply
from bot.slack.blocks import CheckIn, action_blocks
from bot.slack.kit import MAX_MESSAGE_BLOCKS, Block, plain

FEEDBACK_ACTION = "answer_feedback"
MAX_TASK_TITLE = 256
TASK_STATUS = {"started": "in_progress", "finished": "complete", "failed": "error"}
PROMPT_KEYS = ("prompt_free_six", "prompt_weekly", "prompt_today", "prompt_mine")
LOADING_KEYS = ("loading_rooms", "loading_calendar", "loading_answer")


def task(task_id: str, title: str, status: str) -> TaskUpdateChunk:
    """One task step as a stream chunk (pending, in_progress, complete or error)."""
    return TaskUpdateChunk(id=task_id, title=(title or "…")[:MAX_TASK_TITLE], status=status)


def step_chunk(task_id: str, progress: Progress) -> TaskUpdateChunk:
    """A tool's progress event as its task step."""
    return task(task_id, progress.summary, TASK_STATUS[progress.phase])


def feedback_block(lang: str) -> Block:
    """👍/👎 under an answer; the value carries the language of the thanks."""
    return {
        "type": "context_actions",
        "elements": [
            {
                "type": "feedback_buttons",
                "action_id": FEEDBACK_ACTION,
                "positive_button": {
                    "text": plain("👍"),
                    "accessibility_label": t("feedback_good", lang),
                    "value": f"good:{lang}",
                },
                "negative_button": {
                    "text": plain("👎"),
                    "accessibility_label": t("feedback_bad", lang),
                    "value": f"bad:{lang}",
                },
            }
        ],
    }


def stop_blocks(reply: Reply, tz: ZoneInfo, check_in: CheckIn | None = None) -> list[Block]:
    """The blocks under a streamed answer: its buttons, then the feedback buttons."""
    rows = action_blocks(reply, tz, check_in)[: MAX_MESSAGE_BLOCKS - 1]
    return [*rows, feedback_block(reply.lang)]


def parse_feedback(value: str) -> tuple[int, str] | None:
    """A feedback button's value 'good:ja' → (+1, 'ja'); None when it is not one of ours."""
    verdict, _, lang = value.partition(":")
    rating = {"good": 1, "bad": -1}.get(verdict)
    return None if rating is None else (rating, lang if lang in ("ja", "en") else "ja")


def suggested_prompts(lang: str) -> list[dict[str, str]]:
    """The prompts an assistant thread opens with, in the user's language."""
    return [{"title": t(k, lang), "message": t(k, lang)} for k in PROMPT_KEYS]


def loading_messages(lang: str) -> list[str]:
    """The messages Slack rotates under the status while the bot works."""
    return [t(k, lang) for k in LOADING_KEYS]


def thread_title(text: str, limit: int = 60) -> str:
    """An assistant thread's title from its first request (one line, cut with an ellipsis)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"
