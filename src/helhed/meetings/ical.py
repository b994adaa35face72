"""Calendar files (RFC 5545, via the `icalendar` package) for meeting invitations and cancellations. The file
names the meeting's kind, time and place, never the child: the e-mail it travels in is not a secure channel."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Meeting


def uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{settings.HELHED_CALENDAR_DOMAIN}"


def ics(meeting: Meeting, *, cancel: bool = False, sequence: int = 0) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Helhed//Møder//DA")
    cal.add("version", "2.0")
    cal.add("method", "CANCEL" if cancel else "REQUEST")
    event = Event()
    event.add("uid", uid(meeting))
    event.add("dtstamp", meeting.created_at.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", f"{meeting.get_kind_display()} – {settings.HELHED_MUNICIPALITY_NAME}")
    event.add("location", vText(meeting.location))
    event.add("sequence", sequence)
    event.add("status", "CANCELLED" if cancel else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{meeting.chair.email or settings.DEFAULT_FROM_EMAIL}")
    organizer.params["cn"] = vText(meeting.chair.get_full_name() or meeting.chair.username)
    event["organizer"] = organizer
    cal.add_component(event)
    return cal.to_ical()
