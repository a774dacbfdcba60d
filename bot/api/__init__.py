"""The JSON API of the operations guide: /api/rooms and /api/reservations."""
