"""The comparison app for bench.worker_memory: the smallest Flask app that answers JSON."""

from __future__ import annotations

from flask import Flask, Response, jsonify

app = Flask(__name__)


@app.get("/")
def index() -> Response:
    """One JSON answer."""
    return jsonify({"status": "ok"})
