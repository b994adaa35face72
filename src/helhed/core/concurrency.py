"""Optimistic concurrency for objects edited from forms (a case, a report of concern): the form carries the
version it was read at, a stale or tampered one is refused with a Conflict, and every change bumps it."""

from __future__ import annotations

from django.db import models

from .errors import Conflict


def check_version(obj: models.Model, version, *, message) -> None:
    """Refuse a change made from a form read at another version (None: the caller sent none)."""
    if version is None:
        return
    try:
        given = int(version)
    except (TypeError, ValueError):
        given = None  # a tampered or truncated form: treat it as stale, never as a 500
    if given != obj.version:  # type: ignore[attr-defined]
        raise Conflict(message, code="stale")


def bump_version(obj: models.Model, *fields: str) -> None:
    obj.version += 1  # type: ignore[attr-defined]
    obj.save(update_fields=[*fields, "version"])
