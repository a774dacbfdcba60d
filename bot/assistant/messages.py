"""Fixed texts the bot writes, in Japanese and English."""

from __future__ import annotations

from typing import Literal

Lang = Literal["ja", "en"]

TEXTS: dict[str, dict[str, str]] = {
    "model_failed": {
        "ja": "申し訳ありません、AIアシスタントが一時的に応答できません。少し時間をおいてもう一度お試しください。"
        "（`/book` コマンドでも予約できます）",
        "en": "Sorry, the assistant is temporarily unavailable. Please try again in a moment "
        "(you can also book with `/book`).",
    },
    "timeout": {
        "ja": "申し訳ありません、応答に時間がかかりすぎたため中断しました。もう一度お試しください。",
        "en": "Sorry, that took too long and I stopped. Please try again.",
    },
    "too_many_steps": {
        "ja": "申し訳ありません、処理を完了できませんでした。内容を短くしてもう一度お試しください。",
        "en": "Sorry, I could not finish that. Please try again with a simpler request.",
    },
    "internal": {
        "ja": "申し訳ありません、内部エラーが発生しました。予約は変更されていません。もう一度お試しください。",
        "en": "Sorry, something went wrong on our side. No reservation was changed. Please try again.",
    },
    "failed_after_booking": {
        "ja": "申し訳ありません、途中で問題が発生しました。ただし次の予約は完了しています:",
        "en": "Sorry, something went wrong part-way. These reservations were made, though:",
    },
    "database_down": {
        "ja": "申し訳ありません、予約データベースに一時的に接続できません。しばらくしてからお試しください。",
        "en": "Sorry, the reservation database is temporarily unavailable. Please try again shortly.",
    },
}


def text(key: str, lang: str) -> str:
    """A fixed text in the given language (Japanese when unknown)."""
    return TEXTS[key].get(lang, TEXTS[key]["ja"])
