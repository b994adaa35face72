"""The calendar file of a follow-up meeting (RFC 5545, via `icalendar`). It names the meeting and place, never
the child: a calendar file travels by e-mail and sits in calendars that are not secure."""

from __future__ import annotations

from datetime import UTC

from django.conf import settings
from icalendar import Calendar, Event, vText

from .models import FollowUpMeeting


def ics(meeting: FollowUpMeeting) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Helhed//Tidlig opsporing//DA")
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    event = Event()
    event.add("uid", f"followup-{meeting.pk}@{settings.HELHED_CALENDAR_DOMAIN}")
    event.add("dtstamp", meeting.created_at.astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("summary", f"Forældremøde – {settings.HELHED_MUNICIPALITY_NAME}")
    event.add("location", vText(meeting.location))
    event.add("status", "CANCELLED" if meeting.status == "cancelled" else "CONFIRMED")
    cal.add_component(event)
    return cal.to_ical()
