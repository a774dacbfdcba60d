"""The Microsoft Teams surface: Bot Framework activities over aiohttp, Adaptive Cards, reminders."""
