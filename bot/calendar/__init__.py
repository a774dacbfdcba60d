"""Calendars: iCal feeds, and two-way CalDAV sync of each room's calendar (through booking)."""
