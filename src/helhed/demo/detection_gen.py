"""Early detection in the demo: institution numbers on the schools, four months of school absence for every pupil
imported through the real importer (a generated CSV file, as a school's system would send it), the nightly
evaluation raising alerts, a few alerts already followed up, and a few children of school age without a school.

Every pupil is synthetic. Most pupils have a little illness; a few have much absence, and a few have runs of
unauthorised absence, so the rule flags about one pupil in twenty-five. The demo school social worker's school
(`SKOLE-OESTERBRO-1`) always has flagged pupils.
"""

from __future__ import annotations

import random
import tempfile
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from helhed.detection import policies
from helhed.organisation.models import Unit, UnitKind
from helhed.people.crypto import decrypt
from helhed.people.models import Enrolment

DEMO_SCHOOL = "SKOLE-OESTERBRO-1"


@dataclass
class DetectionResult:
    schools: int = 0
    rows: int = 0
    pupils: int = 0
    alerts: int = 0
    unschooled: int = 0


def institution_numbers() -> int:
    """Give every school an invented, stable institution number (municipal 1010nn, private 2810nn)."""
    count = 0
    for kind, prefix in ((UnitKind.MUNICIPAL_SCHOOL, "1010"), (UnitKind.PRIVATE_SCHOOL, "2810")):
        for i, unit in enumerate(Unit.objects.filter(kind=kind, institution_number="").order_by("code")):
            unit.institution_number = f"{prefix}{i + 1:02d}"
            unit.save(update_fields=["institution_number"])
            count += 1
    return count


def _school_days(until: date, weeks: int) -> list[date]:
    start = until - timedelta(weeks=weeks)
    return policies.MUNICIPAL_CALENDAR.school_days(start, until)


def _absence(rng: random.Random, days: list[date], profile: str) -> dict[date, tuple[str, str]]:
    out: dict[date, tuple[str, str]] = {}
    if profile == "run":  # five to eight school days in a row of unauthorised absence, lately
        length = rng.randint(5, 8)
        first = len(days) - length - rng.randint(0, 10)
        for day in days[first : first + length]:
            out[day] = ("ulovligt", "1")
    rate = {"normal": 0.02, "high": 0.16, "run": 0.03}[profile]
    for day in days:
        if day in out or rng.random() >= rate:
            continue
        kind = rng.choices(["sygdom", "lovligt", "ulovligt"], weights=[7, 2, 1 if profile == "normal" else 4])[0]
        out[day] = (kind, rng.choice(["1", "1", "1", "0,5"]))
    return out


def seed_detection(*, seed: int = 1, actor=None) -> DetectionResult:
    """Seed early detection (see the module's docstring). Returns counts."""
    from helhed.detection import services
    from helhed.detection.imports import import_file

    rng = random.Random(seed * 7919)
    result = DetectionResult(schools=institution_numbers())
    today = timezone.localdate()
    until = today - timedelta(days=1)
    while not policies.MUNICIPAL_CALENDAR.is_school_day(until):
        until -= timedelta(days=1)
    days = _school_days(until, 30)
    enrolments = list(
        Enrolment.objects.filter(unit__kind__in=(UnitKind.MUNICIPAL_SCHOOL, UnitKind.PRIVATE_SCHOOL))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=today))
        .exclude(person__cpr_encrypted="")
        .select_related("unit", "person")
        .order_by("id")
    )
    # A few pupils left school months ago and were not enrolled anywhere else: children without a school.
    leavers = [e for e in enrolments if rng.random() < 0.02 and e.unit.code != DEMO_SCHOOL][:12]
    for enrolment in leavers:
        enrolment.valid_to = today - timedelta(days=rng.randint(30, 120))
        enrolment.save(update_fields=["valid_to"])
    result.unschooled = len(leavers)
    staying = [e for e in enrolments if e not in leavers]
    lines = ["cpr;institutionsnummer;dato;fravaerstype;fravaer_dage"]
    demo_flagged = 0
    for enrolment in staying:
        if enrolment.unit.code == DEMO_SCHOOL and demo_flagged < 4:
            profile = "high" if demo_flagged % 2 == 0 else "run"
            demo_flagged += 1
        else:
            profile = rng.choices(["normal", "high", "run"], weights=[94, 4, 2])[0]
        cpr = decrypt(enrolment.person.cpr_encrypted)
        absent = _absence(rng, days, profile)
        for day in days:
            kind, amount = absent.get(day, ("", "0"))
            lines.append(f"{cpr};{enrolment.unit.institution_number};{day.isoformat()};{kind};{amount}")
    work = Path(settings.DATA_DIR) / "tmp"
    work.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", dir=work, delete=False, encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
        path = Path(handle.name)
    try:
        _record, outcome = import_file(actor=actor, path=path, file_name="demo-fravaer.csv", channel="cli")
    finally:
        path.unlink(missing_ok=True)
    result.rows, result.pupils = outcome.rows, outcome.pupils
    raised = services.alerts_raise(actor=actor, as_of=until)
    result.alerts = raised["raised"]
    _follow_up(rng)
    return result


def _follow_up(rng: random.Random) -> None:
    """At the demo school social worker's school, one alert is taken with a meeting booked; elsewhere one alert is
    closed with a reason, so the lists show every state."""
    from datetime import datetime, time

    from django.contrib.auth import get_user_model

    from helhed.detection import services
    from helhed.detection.models import AbsenceAlert, AlertStatus

    ssw = get_user_model().objects.filter(username="skolesocialraadgiver").first()
    alerts = list(AbsenceAlert.objects.filter(status=AlertStatus.NEW).select_related("school").order_by("id"))
    mine = [a for a in alerts if a.school and a.school.code == DEMO_SCHOOL]
    if ssw is not None and len(mine) >= 2:
        alert = services.alert_acknowledge(actor=ssw, alert_id=mine[0].pk)
        day = timezone.localdate() + timedelta(days=4)
        while not policies.MUNICIPAL_CALENDAR.is_school_day(day):
            day += timedelta(days=1)
        start = timezone.make_aware(datetime.combine(day, time(14, 0)))
        services.followup_meeting_book(
            actor=ssw,
            person=alert.person,
            school=alert.school,
            alert=alert,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Skolens mødelokale",
            parents="Elevens forældre",
            note="Fraværet de seneste måneder, og hvad skolen og hjemmet kan gøre.",
        )
    from helhed.organisation.models import Membership, Role

    for other in (a for a in alerts if a not in mine):
        member = Membership.objects.filter(unit=other.school, role=Role.SCHOOL_SOCIAL_WORKER).first()
        if member is not None:
            services.alert_close(
                actor=member.user, alert_id=other.pk, reason="Kendt langvarig sygdom; skolen og hjemmet samarbejder."
            )
            break
