"""Booking domain: rooms, reservations, time rules and use cases (no I/O)."""
