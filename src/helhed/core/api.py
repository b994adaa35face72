"""/api/v1/audit: the access log, for the data protection officer only."""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth import get_user_model
from ninja import Router, Schema
from ninja.errors import HttpError

from . import selectors
from .apiauth import api_requires
from .permissions import Perm
from .validation import MAX_OFFSET, fits_db_int

router = Router(tags=["audit"])


class AuditEventOut(Schema):
    id: int
    seq: int | None
    at: datetime
    actor: str
    action: str
    channel: str
    object_type: str
    object_id: str
    case_id: int | None
    person_ids: list[int]
    reason: str
    criterion: str
    request_id: str

    @staticmethod
    def resolve_actor(obj):
        return obj.actor_username


@router.get("/events", response=list[AuditEventOut], summary="Audit events, filtered by person and/or actor")
@api_requires(Perm.AUDIT_READ)
def audit_events(request, person: int | None = None, actor: str | None = None, limit: int = 100, offset: int = 0):
    if not 1 <= limit <= 1000 or not 0 <= offset <= MAX_OFFSET:
        raise HttpError(400, f"limit skal være mellem 1 og 1000, og offset skal være mellem 0 og {MAX_OFFSET}.")
    if not fits_db_int(person):
        raise HttpError(400, "person skal være et person-id (et helt tal, som Helhed har givet personen).")
    actor_id = None
    if actor:
        user = get_user_model().objects.filter(username=actor).first()
        if user is None:
            raise HttpError(400, f"Der findes ingen bruger med brugernavnet '{actor}'.")
        actor_id = user.pk
    return selectors.events_query(actor=request.auth, person_id=person, actor_id=actor_id, limit=limit, offset=offset)
