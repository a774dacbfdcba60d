"""The room board (door and lobby displays) and the utilisation report: server-rendered pages."""
