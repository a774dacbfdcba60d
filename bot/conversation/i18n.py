"""Every fixed text the bot writes, in Japanese and English, behind one lookup: t(key, lang)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Slack and Teams surfaces
    "thinking": {"ja": "確認しています…", "en": "Checking…"},
    "schedule_title": {"ja": "{day} の予約状況", "en": "Schedule for {day}"},
    "free": {"ja": "空き", "en": "free"},
    "all_free": {"ja": "終日空いています", "en": "free all day"},
    "free_label": {"ja": "空き時間", "en": "Free"},
    "more_rooms": {"ja": "…ほか {n} 室", "en": "…and {n} more rooms"},
    "cancel": {"ja": "キャンセル", "en": "Cancel"},
    "cancel_confirm_title": {"ja": "予約の取り消し", "en": "Cancel reservation"},
    "cancel_confirm_text": {"ja": "この予約を取り消しますか？", "en": "Cancel this reservation?"},
    "cancel_confirm_yes": {"ja": "取り消す", "en": "Yes, cancel"},
    "cancel_confirm_no": {"ja": "戻る", "en": "Keep it"},
    "cancelled": {"ja": "取り消しました: {what}", "en": "Cancelled: {what}"},
    "checked_in": {"ja": "チェックインしました: {what}", "en": "Checked in: {what}"},
    "book_this": {"ja": "{what} を予約", "en": "Book {what}"},
    "booked": {"ja": "予約しました: {what}", "en": "Booked: {what}"},
    "my_title": {"ja": "あなたの今後の予約", "en": "Your upcoming reservations"},
    "none_upcoming": {"ja": "今後の予約はありません。", "en": "You have no upcoming reservations."},
    "rooms_title": {"ja": "会議室一覧", "en": "Rooms"},
    "free_now": {"ja": "🟢 いま空いています", "en": "🟢 free now"},
    "busy_now": {"ja": "🔴 使用中", "en": "🔴 in use now"},
    "people": {"ja": "{n}人", "en": "{n} people"},
    "book_button": {"ja": "会議室を予約", "en": "Book a room"},
    "modal_title": {"ja": "会議室を予約", "en": "Book a room"},
    "modal_submit": {"ja": "予約する", "en": "Book"},
    "modal_close": {"ja": "閉じる", "en": "Close"},
    "field_room": {"ja": "会議室", "en": "Room"},
    "field_date": {"ja": "日付", "en": "Date"},
    "field_start": {"ja": "開始", "en": "Start"},
    "field_end": {"ja": "終了", "en": "End"},
    "field_title": {"ja": "件名（任意）", "en": "Title (optional)"},
    "pick_room": {"ja": "会議室を選択", "en": "Choose a room"},
    "missing_field": {"ja": "入力してください。", "en": "Please fill this in."},
    "home_today": {"ja": "今日の予約状況", "en": "Today's schedule"},
    "calendar_link": {
        "ja": "📅 *カレンダー連携*: 次のURLを Google カレンダー・Outlook・Apple カレンダーで購読すると、あなたの予約が表示されます（他の人には教えないでください）。\n{url}",
        "en": "📅 *Calendar link*: subscribe to this URL in Google Calendar, Outlook or Apple Calendar to see your bookings there (keep it to yourself).\n{url}",
    },
    "calendar_off": {
        "ja": "📅 カレンダー連携は停止しています。",
        "en": "📅 Your calendar link is turned off.",
    },
    "calendar_rotate": {"ja": "新しいリンクを発行", "en": "New link"},
    "calendar_turn_on": {"ja": "カレンダー連携を有効にする", "en": "Turn the calendar link on"},
    "calendar_revoke": {"ja": "リンクを無効化", "en": "Turn the link off"},
    "calendar_rotate_confirm": {
        "ja": "今のリンクは使えなくなります。よろしいですか？",
        "en": "The current link will stop working. Continue?",
    },
    "calendar_rotated": {
        "ja": "新しいカレンダーのリンクです（古いリンクは無効になりました）:\n{url}",
        "en": "Your new calendar link (the old one no longer works):\n{url}",
    },
    "calendar_revoked": {
        "ja": "カレンダーのリンクを無効にしました。",
        "en": "Your calendar link is turned off.",
    },
    "confirm_yes": {"ja": "はい", "en": "Yes"},
    "book_usage": {
        "ja": "使い方: `/book 会議室A 14:00-15:00` または `/book A tomorrow 10:00 1h`（何も付けずに `/book` でフォームが開きます）",
        "en": "Usage: `/book Room A 14:00-15:00` or `/book A tomorrow 10:00 1h` (plain `/book` opens a form)",
    },
    "book_missing": {
        "ja": "{what} が足りません。例: `/book 会議室A 明日 14:00-15:00`",
        "en": "Missing {what}. Example: `/book Room A tomorrow 14:00-15:00`",
    },
    "unknown_room": {"ja": "会議室「{room}」が見つかりません。", "en": "Unknown room: {room}."},
    "interrupted": {
        "ja": "申し訳ありません、回答の途中で処理が中断されました。もう一度メッセージを送ってください。",
        "en": "Sorry, I was interrupted before I could answer. Please send your message again.",
    },
    "unavailable": {
        "ja": "申し訳ありません、予約システムに一時的に接続できません。しばらくしてからお試しください。",
        "en": "Sorry, the reservation system is temporarily unavailable. Please try again shortly.",
    },
    "error": {
        "ja": "申し訳ありません、処理できませんでした。もう一度お試しください。",
        "en": "Sorry, that did not work. Please try again.",
    },
    # the conversation core
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
    # the offline assistant
    "ask_field_day": {"ja": "日付", "en": "the date"},
    "ask_field_start": {"ja": "開始時刻", "en": "the start time"},
    "ask_field_end": {"ja": "終了時刻か利用時間", "en": "the end time or length"},
    "ask_field_room": {"ja": "会議室", "en": "the room"},
    "heard_room": {"ja": "会議室 {room}", "en": "room {room}"},
    "ask_got": {"ja": "承知しました（{got}）。", "en": "Got it ({got}). "},
    "ask": {"ja": "{head}{names}を教えてください？", "en": "{head}Could you tell me {names}?"},
    "ask_joiner": {"ja": "・", "en": " and "},
    "free_same_time": {
        "ja": "同じ時間に空いている部屋: {rooms}",
        "en": "Free at that time: {rooms}",
    },
    "free_same_room": {"ja": "同じ部屋の空き時間: {times}", "en": "Same room is free: {times}"},
    "which_one": {"ja": "どれにしますか？", "en": "Which would you like?"},
    "offer_rooms": {
        "ja": "{got} に空いている部屋: {rooms}。どの部屋を予約しますか？",
        "en": "Free for {got}: {rooms}. Which room shall I book?",
    },
    "no_free_room": {
        "ja": "{got} に空いている部屋はありません。",
        "en": "No room is free for {got}.",
    },
    "free_rooms": {"ja": "{got} に空いている部屋: {rooms}", "en": "Free for {got}: {rooms}"},
    "day_schedule": {"ja": "{day} の予約状況:", "en": "Bookings on {day}:"},
    "mine_title": {"ja": "あなたの予約:", "en": "Your reservations:"},
    "which_to_cancel": {
        "ja": "{listing}\nどの予約を取り消しますか？（例: #12 をキャンセル）",
        "en": "{listing}\nWhich one should I cancel? (e.g. cancel #12)",
    },
    "help_got": {"ja": "（わかったこと: {got}）\n", "en": "(Understood so far: {got})\n"},
    "help": {
        "ja": "会議室の予約をお手伝いします。例:\n"
        "• 明日の14時から1時間、会議室Aを予約して\n"
        "• 今日の15時から16時に6人で使える部屋は空いてる？\n"
        "• 今日の予約状況 / 私の予約 / #12 をキャンセル",
        "en": "I can book meeting rooms. For example:\n"
        "• book Room A tomorrow 2pm for 1 hour\n"
        "• any room free for 6 people today 3-4pm?\n"
        "• today's schedule / my bookings / cancel #12",
    },
    # reminders, no-show notices and the digest
    "reminder": {"ja": "⏰ まもなく開始します: {what}", "en": "⏰ Starting soon: {what}"},
    "check_in": {"ja": "チェックイン", "en": "Check in"},
    "release": {"ja": "部屋を解放", "en": "Release the room"},
    "no_show": {
        "ja": "開始から{minutes}分たってもチェックインがなかったため、予約を解放しました: {what}",
        "en": "No check-in {minutes} minutes after the start, so the room was released: {what}",
    },
    "digest": {
        "ja": "おはようございます。今日の会議室の予約です。",
        "en": "Good morning. Today's room bookings:",
    },
    # steps of a turn (progress events), one per tool
    "step_list_rooms": {"ja": "会議室の一覧を確認しています", "en": "Looking up the rooms"},
    "step_find_free_rooms": {
        "ja": "空いている会議室を探しています",
        "en": "Looking for free rooms",
    },
    "step_get_schedule": {"ja": "予約状況を確認しています", "en": "Checking the schedule"},
    "step_create_reservation": {"ja": "予約しています", "en": "Booking"},
    "step_cancel_reservation": {"ja": "予約をキャンセルしています", "en": "Cancelling"},
    "step_list_my_reservations": {
        "ja": "あなたの予約を確認しています",
        "en": "Looking up your bookings",
    },
    "step_change_reservation": {"ja": "予約を変更しています", "en": "Changing the booking"},
    "step_book_series": {"ja": "繰り返しの予約をしています", "en": "Booking the series"},
    "step_unknown": {"ja": "処理しています", "en": "Working"},
    "step_free_rooms": {"ja": "空いている会議室: {n}室", "en": "Free rooms: {n}"},
    "step_booked": {"ja": "予約しました: {what}", "en": "Booked: {what}"},
    "step_done": {"ja": "完了", "en": "Done"},
    "step_failed": {"ja": "できませんでした: {why}", "en": "Could not: {why}"},
}


def t(key: str, lang: str, **values: object) -> str:
    """A text in the language (Japanese unless English is asked), with values filled in."""
    table = TEXTS[key]
    return table.get(lang, table["ja"]).format(**values)
