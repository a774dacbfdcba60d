"""Every fixed text the bot writes, in Japanese and English, behind one lookup: t(key, lang)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    # Slack and Teams surfaces
    "thinking": {"ja": "確認しています…", "en": "Checking…"},
    "schedule_title": {"ja": "{day}の空き状況", "en": "Schedule for {day}"},
    "free": {"ja": "空き", "en": "free"},
    "all_free": {"ja": "終日空いています", "en": "free all day"},
    "free_label": {"ja": "空き時間", "en": "Free"},
    "more_rooms": {"ja": "…ほか{n}室", "en": "…and {n} more rooms"},
    "more_items": {"ja": "…ほか{n}件", "en": "…and {n} more"},
    "welcome": {
        "ja": "会議室予約ボットです。話しかけるか、`today`・`mybookings`・`rooms`・`book` のいずれかを送ってください。",
        "en": "I'm the room-booking bot. Talk to me, or send today / mybookings / rooms / book.",
    },
    "cancel": {"ja": "キャンセル", "en": "Cancel"},
    "cancel_confirm_title": {"ja": "予約のキャンセル", "en": "Cancel the booking"},
    "cancel_confirm_text": {"ja": "この予約をキャンセルしますか？", "en": "Cancel this booking?"},
    "cancel_confirm_yes": {"ja": "キャンセルする", "en": "Yes, cancel"},
    "cancel_confirm_no": {"ja": "予約を残す", "en": "Keep it"},
    "cancelled": {"ja": "キャンセルしました: {what}", "en": "Cancelled: {what}"},
    "checked_in": {"ja": "チェックインしました: {what}", "en": "Checked in: {what}"},
    "from_time": {"ja": "{time}〜", "en": "from {time}"},
    "already_yours": {
        "ja": "この予約はすでにあなたのものです: {what}",
        "en": "That is already yours: {what}",
    },
    "ask_count": {
        "ja": "繰り返しの予約ですね（例: 「8回」「4週間」、最大20回）。何回分予約しますか？",
        "en": 'A repeating booking (e.g. "8 times" or "for 4 weeks", at most 20): how many times?',
    },
    "series_booked": {"ja": "{n}件予約しました:", "en": "Booked {n} dates:"},
    "series_clash": {"ja": "• {day}: {why}", "en": "• {day}: {why}"},
    "book_it": {"ja": "予約する", "en": "Book it"},
    "book_this": {"ja": "{what}を予約", "en": "Book {what}"},
    "booked": {"ja": "予約しました: {what}", "en": "Booked: {what}"},
    "my_title": {"ja": "あなたの今後の予約", "en": "Your upcoming bookings"},
    "none_upcoming": {
        "ja": "今後の予約はありません。「明日の14時から1時間、会議室Aを予約して」のように話しかけてください。",
        "en": 'You have no upcoming bookings. Try "book Room A tomorrow 2pm for an hour".',
    },
    "rooms_title": {"ja": "会議室一覧", "en": "Rooms"},
    "free_now": {"ja": "🟢 いま空いています", "en": "🟢 free now"},
    "busy_now": {"ja": "🔴 使用中", "en": "🔴 in use now"},
    "people": {"ja": "{n}人", "en": "{n} people"},
    "one_person": {"ja": "1人", "en": "1 person"},
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
    "home_today": {"ja": "{day}の空き状況", "en": "Schedule for {day}"},
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
    "calendar_not_yours": {
        "ja": "このカレンダーのリンクは他の人のものです。",
        "en": "This calendar link belongs to someone else.",
    },
    "calendar_revoked": {
        "ja": "カレンダーのリンクを無効にしました。",
        "en": "Your calendar link is turned off.",
    },
    "confirm_yes": {"ja": "はい", "en": "Yes"},
    "book_usage": {
        "ja": "使い方: `/book 会議室A 明日 14:00-15:00` または `/book 会議室A 明日 10時から1時間`（`/book` だけでフォームが開きます）",
        "en": "Usage: `/book Room A 14:00-15:00` or `/book A tomorrow 10:00 1h` (plain `/book` opens a form)",
    },
    "book_missing": {
        "ja": "{what}を指定してください。例: `/book 会議室A 明日 14:00-15:00`（会議室は `/rooms` で確認できます）",
        "en": "Missing {what}. Example: `/book Room A tomorrow 14:00-15:00`",
    },
    "unknown_room": {
        "ja": "会議室「{room}」が見つかりません。`/rooms` で会議室の一覧を確認できます。",
        "en": "There is no room called {room}. `/rooms` lists them.",
    },
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
    # /today and App Home: who booked a slot
    "owner_teams": {"ja": "Teamsのユーザー", "en": "a Teams user"},
    # Slack's assistant threads, streamed answers and feedback
    "assistant_greeting": {
        "ja": "こんにちは！会議室の空き確認・予約・取り消しをお手伝いします。何をしましょうか？",
        "en": "Hi! I can find, book and cancel meeting rooms. What do you need?",
    },
    "prompts_title": {"ja": "たとえば", "en": "Try asking"},
    "prompt_free_six": {
        "ja": "今日の午後、6人で空いている部屋は？",
        "en": "Any room for 6 this afternoon?",
    },
    "prompt_weekly": {"ja": "毎週月曜10時に会議室Bを予約", "en": "Book Room B every Monday at 10"},
    "prompt_today": {"ja": "今日の予約状況を見せて", "en": "Show today's schedule"},
    "prompt_mine": {"ja": "私の予約は？", "en": "What are my bookings?"},
    "status_working": {"ja": "が予約状況を確認しています…", "en": "is checking the rooms…"},
    "loading_rooms": {"ja": "会議室の空きを調べています…", "en": "Looking at the rooms…"},
    "loading_calendar": {"ja": "予約台帳を確認しています…", "en": "Reading the booking ledger…"},
    "loading_answer": {"ja": "回答をまとめています…", "en": "Putting the answer together…"},
    "step_thinking": {"ja": "リクエストを確認しています", "en": "Reading your request"},
    "step_answered": {"ja": "確認しました", "en": "Done"},
    "feedback_good": {"ja": "役に立った", "en": "Helpful"},
    "feedback_bad": {"ja": "役に立たなかった", "en": "Not helpful"},
    "feedback_thanks": {
        "ja": "フィードバックありがとうございます。",
        "en": "Thanks for the feedback.",
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
    "ask_got": {"ja": "承知しました（{got}）。", "en": "Got it ({got}). "},
    "ask": {
        "ja": "{head}{names}を教えていただけますか？",
        "en": "{head}Could you tell me {names}?",
    },
    "with_equipment": {"ja": "{what}あり", "en": "with {what}"},
    "free_same_time": {
        "ja": "同じ時間に空いている会議室: {rooms}",
        "en": "Free at that time: {rooms}",
    },
    "free_same_room": {"ja": "同じ会議室の空き時間: {times}", "en": "Same room is free: {times}"},
    "which_one": {"ja": "どれにしますか？", "en": "Which would you like?"},
    "offer_rooms": {
        "ja": "{got}で空いている会議室: {rooms}。どの会議室を予約しますか？",
        "en": "Free for {got}: {rooms}. Which room shall I book?",
    },
    "no_free_room": {
        "ja": "{got}で空いている会議室はありません。時間をずらすか、`/today` で空き状況を確認してください。",
        "en": "No room is free for {got}.",
    },
    "free_rooms": {"ja": "{got}で空いている会議室: {rooms}", "en": "Free for {got}: {rooms}"},
    "day_schedule": {"ja": "{day}の予約状況:", "en": "Bookings on {day}:"},
    "mine_title": {"ja": "あなたの予約:", "en": "Your bookings:"},
    "which_to_cancel": {
        "ja": "{listing}\nどの予約をキャンセルしますか？（例: 「#12をキャンセル」）",
        "en": "{listing}\nWhich one should I cancel? (e.g. cancel #12)",
    },
    "which_to_move": {
        "ja": "{listing}\nどの予約を変更しますか？（例: 「#12を明日15時に変更」）",
        "en": "{listing}\nWhich one should I move? (e.g. move #12 to tomorrow 3pm)",
    },
    "which_to_extend": {
        "ja": "{listing}\nどの予約を延長しますか？（例: 「#12を30分延長」）",
        "en": "{listing}\nWhich one should I extend? (e.g. extend #12 by 30 minutes)",
    },
    "none_match": {
        "ja": "その内容に合う予約が見つかりませんでした。",
        "en": "None of your bookings matches that.",
    },
    "changed": {"ja": "変更しました: {what}", "en": "Changed: {what}"},
    "ask_new_time": {
        "ja": "変更先の日時を教えていただけますか（例: 「明日の15時に変更」）？",
        "en": 'When should it move to (e.g. "move it to tomorrow 3pm")?',
    },
    "ask_extension": {
        "ja": "どのくらい延長しますか（例: 「30分延長」「16時まで延長」）？",
        "en": 'How long should I extend it (e.g. "by 30 minutes", "until 4pm")?',
    },
    "confirm_booking": {
        "ja": "{what}で予約しますか？",
        "en": "Shall I book {what}?",
    },
    "free_in_window": {"ja": "{got}の空き状況:", "en": "Free times for {got}:"},
    "nothing_free_in_window": {
        "ja": "{got}に条件に合う空きはありません。別の時間帯か日付でお試しください。",
        "en": "Nothing that fits is free for {got}.",
    },
    "help_got": {"ja": "（わかったこと: {got}）\n", "en": "(Understood so far: {got})\n"},
    "help": {
        "ja": "会議室の予約をお手伝いします。例えば次のように話しかけてください:\n"
        "• 明日の14時から1時間、会議室Aを予約して\n"
        "• 明後日の午後、6人で使える会議室は空いてる？\n"
        "• 私の予約 ／ #12をキャンセル ／ 明日15時の予約を16時に変更 ／ 30分延長して\n"
        "コマンド: `/today`（今日の空き状況）、`/book`（予約フォーム）、`/mybookings`（私の予約）、"
        "`/rooms`（会議室一覧）",
        "en": "I can book meeting rooms. Try, for example:\n"
        "• book Room A tomorrow 2pm for an hour\n"
        "• any room for 6 free the day after tomorrow in the afternoon?\n"
        "• my bookings / cancel #12 / move my 3pm tomorrow to 4pm / extend it by 30 minutes\n"
        "Commands: `/today` (today's schedule), `/book` (booking form), `/mybookings`, "
        "`/rooms` (the rooms)",
    },
    # reminders, no-show notices and the digest
    "reminder": {"ja": "⏰ まもなく開始します: {what}", "en": "⏰ Starting soon: {what}"},
    "check_in": {"ja": "チェックイン", "en": "Check in"},
    "release": {"ja": "使わないのでキャンセル", "en": "Not needed — cancel"},
    "no_show": {
        "ja": "開始から{minutes}分たってもチェックインがなかったため、予約をキャンセルしました: {what}",
        "en": "Nobody checked in {minutes} minutes after the start, so the booking was cancelled: {what}",
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
    # the room board (door and lobby displays)
    "board_title": {"ja": "会議室の空き状況", "en": "Room board"},
    "board_all_rooms": {"ja": "すべての会議室", "en": "All rooms"},
    "board_other_language": {"ja": "English", "en": "日本語"},
    "board_now": {"ja": "現在 {time}", "en": "Now {time}"},
    "board_free": {"ja": "空き", "en": "Free"},
    "board_busy": {"ja": "使用中", "en": "In use"},
    "board_free_until": {"ja": "{time} まで空いています", "en": "Free until {time}"},
    "board_free_rest": {
        "ja": "本日はこの後ずっと空いています",
        "en": "Free for the rest of the day",
    },
    "board_busy_until": {"ja": "{time} まで使用中", "en": "Busy until {time}"},
    "board_next": {"ja": "次の予約 {span}", "en": "Next meeting {span}"},
    "board_no_next": {"ja": "本日この後の予約はありません", "en": "No more meetings today"},
    "board_reserved": {"ja": "予約あり", "en": "Reserved"},
    "board_timeline": {"ja": "本日の予定", "en": "Today"},
    "board_use_now": {"ja": "いますぐ使う", "en": "Use it now"},
    "board_book_minutes": {"ja": "{minutes}分 予約", "en": "Book {minutes} min"},
    "board_notice_booked": {
        "ja": "予約しました。ご利用ください。",
        "en": "Booked. The room is yours.",
    },
    "board_notice_taken": {
        "ja": "ほかの予約と重なるため予約できませんでした。",
        "en": "Not booked: it would overlap another meeting.",
    },
    "board_notice_invalid": {
        "ja": "いまは予約できません（営業時間外など）。",
        "en": "Not booked: the room cannot be booked right now (outside business hours?).",
    },
    "board_walk_up_title": {"ja": "当日利用（ボード）", "en": "Walk-up (board)"},
    "board_notice_token": {
        "ja": "このボードでは予約できません（トークンが無効です）。",
        "en": "This board cannot book: its token is not valid.",
    },
    "board_unknown_room": {
        "ja": "会議室「{room}」が見つかりません。",
        "en": "There is no room called {room}.",
    },
    "board_offline": {
        "ja": "接続が切れています。再接続を試みています…",
        "en": "Offline, retrying…",
    },
    "board_floor_none": {"ja": "その他", "en": "Other"},
    # the utilisation report
    "report_title": {"ja": "会議室の利用状況", "en": "Room utilisation"},
    "report_period": {"ja": "{first} 〜 {last}", "en": "{first} to {last}"},
    "report_from": {"ja": "開始日", "en": "From"},
    "report_to": {"ja": "終了日", "en": "To"},
    "report_show": {"ja": "表示", "en": "Show"},
    "report_note": {
        "ja": "利用率は平日（月〜金）の{hours}を基準にしています（日本時間、祝日は区別しません）。",
        "en": "Occupancy is measured against weekday (Mon–Fri) hours {hours}, Japan time; "
        "public holidays are not told apart.",
    },
    "report_heat_title": {
        "ja": "会議室 × 時間帯の利用率（平日）",
        "en": "Occupancy by room and hour (weekdays)",
    },
    "report_weekday_title": {
        "ja": "曜日 × 時間帯の利用率（全会議室）",
        "en": "Occupancy by weekday and hour (all rooms)",
    },
    "report_outcomes_title": {
        "ja": "予約・チェックイン・未使用で解放",
        "en": "Booked, checked in, released as no-show",
    },
    "report_rooms_title": {"ja": "会議室別の利用率", "en": "Occupancy per room"},
    "report_busiest_title": {"ja": "混雑する時間帯", "en": "Busiest slots"},
    "report_fit_title": {
        "ja": "人数に対して大きすぎる会議室",
        "en": "Rooms too big for their meetings",
    },
    "report_fit_rule": {
        "ja": "人数の分かる予約が {n} 件以上あり、人数の中央値が定員の半分以下の会議室です。",
        "en": "Rooms with at least {n} bookings of known size whose median party is at most "
        "half the capacity.",
    },
    "report_fit_none": {"ja": "該当する会議室はありません。", "en": "No room qualifies."},
    "report_none": {"ja": "この期間の予約はありません。", "en": "No bookings in this period."},
    "report_downloads": {"ja": "データ（CSV）と図（SVG）", "en": "Data (CSV) and charts (SVG)"},
    "col_room": {"ja": "会議室", "en": "Room"},
    "col_capacity": {"ja": "定員", "en": "Capacity"},
    "col_hours": {"ja": "利用時間", "en": "Hours held"},
    "col_occupancy": {"ja": "利用率", "en": "Occupancy"},
    "col_booked": {"ja": "予約", "en": "Booked"},
    "col_checked_in": {"ja": "チェックイン", "en": "Checked in"},
    "col_released": {"ja": "未使用で解放", "en": "Released (no-show)"},
    "col_known": {"ja": "人数の分かる予約", "en": "Bookings of known size"},
    "col_median_party": {"ja": "人数の中央値", "en": "Median party"},
    "col_slot": {"ja": "時間帯", "en": "Slot"},
    "col_share": {"ja": "利用率", "en": "Occupancy"},
    "chart_hour": {"ja": "時（日本時間）", "en": "Hour (Japan time)"},
    "chart_bookings": {"ja": "件数", "en": "Bookings"},
    "weekdays": {"ja": "月,火,水,木,金,土,日", "en": "Mon,Tue,Wed,Thu,Fri,Sat,Sun"},
    "bad_date": {
        "ja": "「{field}」は YYYY-MM-DD 形式の日付で指定してください。",
        "en": "{field} must be a date written YYYY-MM-DD.",
    },
    "bad_period": {
        "ja": "期間は開始日から終了日まで、{days}日以内で指定してください。",
        "en": "The period must run forwards from 'from' to 'to' and span at most {days} days.",
    },
    "bad_minutes": {
        "ja": "予約できるのは15分か30分です。",
        "en": "Walk-up bookings last 15 or 30 minutes.",
    },
    "not_found_page": {"ja": "ページが見つかりません。", "en": "Page not found."},
    "report_unauthorized": {
        "ja": "このレポートには管理者トークン（API_TOKEN）が必要です。",
        "en": "This report needs the admin token (API_TOKEN).",
    },
    # approvals, the waitlist and series (booking/approvals.py, waitlist.py, series.py)
    "status_pending": {"ja": "承認待ち", "en": "pending approval"},
    "status_held": {"ja": "仮押さえ中", "en": "held for you"},
    "requested": {
        "ja": "予約を申請しました: {what}\n承認者に確認を依頼しました。結果はお知らせします。",
        "en": "Requested: {what}\nI asked the room's approvers and will tell you their answer.",
    },
    "approval_request": {
        "ja": "🔔 承認のお願い: {who}さんから予約の申請がありました。\n{what}",
        "en": "🔔 Approval needed: {who} asked to book\n{what}",
    },
    "approve": {"ja": "承認する", "en": "Approve"},
    "reject": {"ja": "却下する", "en": "Reject"},
    "approved_by": {
        "ja": "✅ {who}さんが承認しました: {what}",
        "en": "✅ Approved by {who}: {what}",
    },
    "rejected_by": {
        "ja": "❌ {who}さんが却下しました: {what}",
        "en": "❌ Rejected by {who}: {what}",
    },
    "expired_unanswered": {
        "ja": "⌛ 期限までに承認されなかったため取り消されました: {what}",
        "en": "⌛ Withdrawn, nobody decided in time: {what}",
    },
    "your_approved": {
        "ja": "✅ 予約が承認されました: {what}",
        "en": "✅ Your booking was approved: {what}",
    },
    "your_rejected": {
        "ja": "❌ 予約は承認されませんでした（{who}さん）: {what}",
        "en": "❌ Your booking was not approved (by {who}): {what}",
    },
    "your_expired": {
        "ja": "⌛ 期限までに承認されなかったため、予約を取り消しました: {what}",
        "en": "⌛ Nobody approved your booking in time, so it was withdrawn: {what}",
    },
    "notify_me": {"ja": "空いたら知らせる", "en": "Notify me if it frees up"},
    "waitlisted": {
        "ja": "キャンセル待ちに登録しました: {what}\n空いたらお知らせします。",
        "en": "You are on the waitlist for {what}\nI will tell you if it frees up.",
    },
    "waitlisted_ahead": {"ja": "（先に{n}人が待っています）", "en": " ({n} ahead of you)"},
    "offer": {
        "ja": "🎉 空きが出ました: {what}\n{until}まで仮押さえしています。使う場合は「予約する」を押してください。",
        "en": "🎉 It freed up: {what}\nHeld for you until {until}. Press Book it to take it.",
    },
    "decline": {"ja": "不要", "en": "No thanks"},
    "repeat_weekly": {"ja": "毎週{weekday}曜", "en": "every {weekday}"},
    "repeat_daily": {"ja": "毎日", "en": "daily"},
    "repeat_weekdays": {"ja": "平日毎日", "en": "every weekday"},
    "series_ask": {
        "ja": "繰り返し予約のどの日をキャンセルしますか？（{day}の予約から）",
        "en": "Which dates of this repeating booking should I cancel? (from {day})",
    },
    "series_this": {"ja": "この日だけ", "en": "This date"},
    "series_following": {"ja": "この日以降すべて", "en": "This and following"},
    "series_all": {"ja": "すべての日", "en": "All dates"},
    "series_whole": {"ja": "繰り返し予約全体", "en": "The whole series"},
    "series_pick": {"ja": "キャンセルする日を選ぶ", "en": "Cancel dates…"},
    "series_confirm_text": {
        "ja": "選んだ予約をキャンセルしますか？",
        "en": "Cancel the chosen dates?",
    },
    "series_cancelled": {
        "ja": "キャンセルしました（{n}件）: {what}",
        "en": "Cancelled {n} dates: {what}",
    },
    "series_nothing": {
        "ja": "キャンセルする予約は残っていませんでした。",
        "en": "There was nothing left to cancel.",
    },
    "step_join_waitlist": {"ja": "キャンセル待ちに登録しています", "en": "Joining the waitlist"},
    "step_get_series": {"ja": "繰り返し予約を確認しています", "en": "Looking up the series"},
    "step_cancel_series": {
        "ja": "繰り返し予約をキャンセルしています",
        "en": "Cancelling dates of the series",
    },
}


def t(key: str, lang: str, **values: object) -> str:
    """A text in the language (Japanese unless English is asked), with values filled in."""
    table = TEXTS[key]
    return table.get(lang, table["ja"]).format(**values)
