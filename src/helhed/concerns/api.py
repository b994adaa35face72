"""/api/v1/concerns: reports of concern."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["concerns"])
