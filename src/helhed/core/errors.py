"""Errors a person can act on. Services raise these with a plain-language Danish message; views show
the message next to the form, the API returns it as a 4xx with the same text."""

from __future__ import annotations


class HelhedError(Exception):
    status_code = 400

    def __init__(self, message, *, code: str = "invalid", field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.code = code
        self.field = field


class NotFound(HelhedError):
    status_code = 404


class Forbidden(HelhedError):
    status_code = 403


class Conflict(HelhedError):
    """A stale form, a double submit, or a rule about uniqueness (e.g. a second open case)."""

    status_code = 409


class TooMany(HelhedError):
    """Too many attempts from one sender in a while (HTTP 429)."""

    status_code = 429
