"""Which language a message is in: Japanese or English."""

from __future__ import annotations

import re

from bot.conversation.types import Lang

_JAPANESE = re.compile(r"[\u3005\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uff66-\uff9f]")
_KANA = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f]")
_ENGLISH_WORD = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}(?![A-Za-z])")


def detect_language(text: str) -> Lang:
    """'ja' for kana, or kanji without English words; 'en' otherwise.

    'book 会議室A tomorrow 2pm' is English: a room's Japanese name alone does not make it Japanese.
    """
    if _KANA.search(text):
        return "ja"
    if _JAPANESE.search(text):
        return "en" if len(_ENGLISH_WORD.findall(text)) >= 2 else "ja"
    return "en"
