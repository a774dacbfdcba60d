"""Reminders, no-show release, the daily digest, approval expiry, waitlist offers and notices, run
by exactly one scheduler (each job is also safe in several)."""
