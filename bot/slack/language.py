"""Which language to answer in: the message's own, else the configured default."""

from __future__ import annotations

import re

from bot.conversation.language import detect_language

WORDS = re.compile(r"[A-Za-z]{2,}|[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
MENTION = re.compile(r"<[@#!][^>]*>")


def strip_mentions(text: str) -> str:
    """The text without Slack's <@U…> / <#C…> / <!here> tokens."""
    return MENTION.sub(" ", text or "").strip()


def choose_language(text: str, default: str) -> str:
    """The language of the words in the text ('会議室A' alone is not Japanese), else the default."""
    clean = strip_mentions(text)
    return detect_language(clean) if WORDS.search(clean) else default
