"""Reminders, no-show release and the daily digest, run by exactly one scheduler."""
