"""Calendar server adapters (CalDAV here) behind booking.calendar.CalendarPort."""
