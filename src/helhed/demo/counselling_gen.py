"""Synthetic anonymous counselling courses for the demo, written through the counselling services: pseudonyms,
age bands, topics and a few contacts each, some closed. Nothing in them identifies anyone (ADR 0015)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from helhed.counselling import services
from helhed.counselling.models import AgeBand, Channel, ContactBy, Topic
from helhed.organisation.models import Membership, Role, UnitKind

PSEUDONYMS = [
    "Pigen med cyklen",
    "Drengen fra fodbold",
    "Mor med tvillingerne",
    "Den unge med guitaren",
    "Far på natarbejde",
    "Pigen der tegner",
    "Drengen med hunden",
    "Storesøster",
    "Mormor ringer",
    "Den nye i klassen",
    "Pigen fra svømmeholdet",
    "Far med barnevognen",
    "Den unge i lære",
    "Drengen der gamer",
    "Mor i nattevagt",
    "Lillebror",
    "Pigen med høretelefonerne",
    "Den unge på kollegiet",
]
SUMMARIES: dict[str, str] = {
    Topic.FAMILY_CONFLICT: "Mange skænderier derhjemme om regler og skærmtid. Vi talte om faste aftaler.",
    Topic.SCHOOL: "Har svært ved at komme i skole om morgenen. Vi lavede en plan for de første 10 minutter af dagen.",
    Topic.WELLBEING: "Føler sig ensom og sover dårligt. Vi talte om, hvem der kan være en voksen at gå til.",
    Topic.VIOLENCE: "Fortæller om uro og råben derhjemme. Vi talte om sikkerhed og om at få hjælp med navn.",
    Topic.SUBSTANCE: "Bekymret for en forælders drikkeri. Vi talte om, hvad den unge selv kan gøre.",
    Topic.HOUSING: "Familien skal flytte og har dårlig økonomi. Vi henviste til rådgivning om bolig og økonomi.",
    Topic.OTHER: "Vil gerne tale med en voksen uden for familien. Aftalte en ny samtale om to uger.",
}


@dataclass
class CounsellingResult:
    courses: int = 0
    contacts: int = 0


def seed_counselling(*, limit: int = 18, seed: int = 1) -> CounsellingResult:
    rng = random.Random(seed * 104729)
    result = CounsellingResult()
    memberships = (
        Membership.objects.filter(unit__kind=UnitKind.OPEN_COUNSELLING, role=Role.COUNSELLOR, valid_to__isnull=True)
        .select_related("unit")
        .order_by("unit_id", "user_id")
    )
    staff = [(m.user_id, m.unit_id) for m in memberships]
    if not staff:
        return result
    users = {u.pk: u for u in get_user_model().objects.filter(pk__in=[s[0] for s in staff])}
    today = timezone.localdate()
    topics, channels = list(Topic.values), list(Channel.values)
    for i in range(min(limit, len(PSEUDONYMS))):
        user_id, unit_id = staff[i % len(staff)]
        actor = users[user_id]
        picked = rng.sample(topics, k=rng.choice([1, 1, 2]))
        start = today - timedelta(days=rng.randint(3, 150))
        first = services.ContactIn(
            occurred_on=start,
            channel=rng.choice(channels),
            duration_minutes=rng.choice([20, 30, 45, 60]),
            summary=SUMMARIES[picked[0]],
        )
        course = services.counselling_open(
            actor=actor,
            data=services.CounsellingIn(
                pseudonym=PSEUDONYMS[i],
                age_band=rng.choice(AgeBand.values),
                contact_by=rng.choice(ContactBy.values),
                topics=picked,
                unit_id=unit_id,
                counsellor_id=user_id,
                first_contact=first,
            ),
        )
        result.courses += 1
        result.contacts += 1
        day = start
        for _k in range(rng.randint(0, 3)):
            day = min(today, day + timedelta(days=rng.randint(5, 21)))
            services.contact_add(
                actor=actor,
                counselling_id=course.pk,
                data=services.ContactIn(
                    occurred_on=day,
                    channel=rng.choice(channels),
                    duration_minutes=rng.choice([20, 30, 45]),
                    summary=SUMMARIES[rng.choice(picked)],
                ),
                version=course.version,
            )
            course.refresh_from_db()
            result.contacts += 1
        if rng.random() < 0.3:
            services.counselling_close(
                actor=actor,
                counselling_id=course.pk,
                note="Forløbet er afsluttet efter aftale.",
                version=course.version,
            )
    return result
