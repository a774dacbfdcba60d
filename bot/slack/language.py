"""Which language to answer in: the message's own, else the configured default."""

from __future__ import annotations

import re

CJK = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uff66-\uff9f]")
LATIN = re.compile(r"[A-Za-z]{2,}")
MENTION = re.compile(r"<[@#!][^>]*>")


def strip_mentions(text: str) -> str:
    """The text without Slack's <@U…> / <#C…> / <!here> tokens."""
    return MENTION.sub(" ", text or "").strip()


def choose_language(text: str, default: str) -> str:
    """Japanese if the text has Japanese, English if it has English words, else the default."""
    clean = strip_mentions(text)
    if CJK.search(clean):
        return "ja"
    if LATIN.search(clean):
        return "en"
    return default
