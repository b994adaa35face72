"""The meeting's papers: an invitation letter (for a participant without an e-mail address), the invitation
e-mail's text, and the minutes as PDF with only what one reader may read (WeasyPrint). Always Danish: they are
part of the case file."""

from __future__ import annotations

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import policies
from .models import Meeting, Participant


def _context(meeting: Meeting, **extra) -> dict:
    return {
        "meeting": meeting,
        "municipality": settings.HELHED_MUNICIPALITY_NAME,
        "unit": meeting.case.responsible_unit,
        "starts": timezone.localtime(meeting.starts_at),
        "ends": timezone.localtime(meeting.ends_at),
        "today": timezone.localdate(),
        "demo": settings.DEMO_MODE,
        **extra,
    }


def invitation_pdf(meeting: Meeting, participant: Participant) -> bytes:
    from weasyprint import HTML

    with translation.override("da"):
        html = render_to_string("meetings/pdf/invitation.html", _context(meeting, participant=participant))
    return HTML(string=html).write_pdf()


def invitation_text(meeting: Meeting, participant: Participant, *, cancel: bool = False) -> str:
    """The e-mail's text: the kind of meeting, time, place and chair; never the child's name (e-mail is not a
    secure channel)."""
    with translation.override("da"):
        return render_to_string(
            "meetings/pdf/invitation_email.txt", _context(meeting, participant=participant, cancel=cancel)
        )


def minutes_pdf(meeting: Meeting, level: str, participant: Participant | None = None) -> bytes:
    """The minutes as one reader at `level` may read them (policies.readable): the minutes items and decisions
    above that level are left out, and the copy says so."""
    from weasyprint import HTML

    allowed = policies.readable(level)
    items = [m for m in meeting.minutes.select_related("written_by") if m.visibility in allowed]
    decisions = [d for d in meeting.decisions.select_related("owner") if d.visibility in allowed]
    left_out = (
        meeting.minutes.exclude(visibility__in=allowed).count()
        + meeting.decisions.exclude(visibility__in=allowed).count()
    )
    with translation.override("da"):
        html = render_to_string(
            "meetings/pdf/minutes.html",
            _context(
                meeting,
                participant=participant,
                participants=list(meeting.participants.all()),
                items=items,
                decisions=decisions,
                left_out=left_out,
                level=level,
            ),
        )
    return HTML(string=html).write_pdf()
