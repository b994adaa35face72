"""The demo's intervention catalogue (tilbudsvifte), applications, grants, waiting lists and budgets (ADR 0016),
written in bulk like `generator.py` (ADR 0006).

The catalogue follows Copenhagen's strategy documents. It has the four flexible school interventions close to
the general school that the joint SOF/BUF programme rolled out as alternatives to day treatment and special
schools (skoleloop, skoleflex, tilbageslutningsforløb, skoleopdateringsforløb). It has the two truancy-class
pilots of Strategi 2010, paid 50/50 by SOF and BUF and kept temporary (at most six months). It also has the
contact-person corps for crime-threatened young people, ordinary contact persons, school and daycare social
workers, the programmes De Utrolige År and MultifunC, family treatment, day treatment, aftercare (ungestøtte,
18-22) and the kinds of placement. Providers are units of the demo organisation and a few invented external
providers.

The open cases get applications. Most are granted, spread over last year and this one; some grants have ended,
and a few were ended early. Full offers have a waiting list, a few applications are refused, and a few wait for
the leader's decision. They are written in the shapes the services (`interventions.services`) would have left:

- a `Grant` with the offer's price and a `GrantFunding` row per `OfferFunding` row. The paying unit is chosen as
  `services._paying_unit` does: the funding row's unit; else, for the administration of the case's responsible
  unit, that unit's family unit; else none;
- `CostLine` rows from `policies.monthly_cost` and `policies.split`, exactly as `services.write_cost_lines`
  computes them (the funding in the same order, so the rounding øre lands on the same administration);
- the `ReferralStatusChange` history, the timeline lines, and a `GrantChange` for each termination and for the one
  extension past the maximum duration (which carries its reason);
- no offer is over capacity on any day (`policies.has_room`), a child never has two overlapping grants of one
  offer, and no grant passes the maximum duration without a reason.

**No letters.** The services file a decision letter (a WeasyPrint PDF) on the case for every decision and change.
A few hundred PDFs would take minutes, so the bulk seed leaves `Referral.letter` and `GrantChange.letter` empty.

This year's budgets are set for SOF, BUF and the four family units from the committed cost: Børnefamilieenhed
Nord (the demo leader's unit) comes out slightly over, the others in balance. Dates are counted from today (the
services compare with the clock), and are deterministic for a seed on a given day.

    HELHED_DEMO=1 helhed shell -c "from helhed.demo.interventions_gen import seed_interventions; \\
        print(seed_interventions(limit=200))"
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from helhed.cases.models import ACTIVE_STATUSES, Case, TeamMember, TeamRole, TimelineEvent
from helhed.core import audit
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.interventions import policies
from helhed.interventions.models import (
    OPEN_REFERRAL,
    Budget,
    CostLine,
    Grant,
    GrantChange,
    GrantChangeKind,
    GrantFunding,
    Offer,
    OfferFunding,
    OfferKind,
    PriceUnit,
    Provider,
    ProviderKind,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
)
from helhed.organisation.models import Administration, Membership, Role, Unit, UnitKind
from helhed.plans.models import PlanGoal, VersionStatus

from .generator import TZ

# -- the catalogue -------------------------------------------------------------------------------------------

# Providers: key -> (name, unit code). With a unit code the provider is that internal unit (an empty name takes the
# unit's name); without one it is an invented external provider, and its CVR number is generated (see _cvr).
PROVIDERS: dict[str, tuple[str, str | None]] = {
    "ssr": ("Skole- og dagtilbudssocialrådgiverne", "SOF-STAB"),
    "korps": ("Kontaktpersonkorpset", "SOF-STAB"),
    "familiepleje": ("Familieplejen København", "SOF-STAB"),
    "ppr": ("PPR, de fleksible skoleindsatser", "PPR-1"),
    "skole-oesterbro": ("", "SKOLE-OESTERBRO-1"),
    "skole-amager": ("", "SKOLE-AMAGER-VEST-1"),
    "skole-valby": ("", "SKOLE-VALBY-1"),
    "skole-bispebjerg": ("", "SKOLE-BISPEBJERG-1"),
    "bfe-nord": ("Børnefamilieenhed Nord, familiebehandlerne", "BFE-NORD"),
    # Invented names; no such providers exist.
    "nordlys": ("Kontaktpersonhuset Nordlys ApS", None),
    "solsikken": ("Familiecentret Solsikken", None),
    "laerkereden": ("Dagbehandlingsskolen Lærkereden", None),
    "strandengen": ("Behandlingshjemmet Strandengen", None),
    "kastanjely": ("Børne- og ungehjemmet Kastanjely", None),
    "havnekanten": ("Ungebo Havnekanten", None),
}

FLEXIBLE = (
    "Et fleksibelt tilbud tæt på almenskolen til børn og unge med behov for en samlet social og undervisningsmæssig "
    "indsats, fra programmet for bedre samarbejde mellem Socialforvaltningen og Børne- og Ungdomsforvaltningen. "
    "Et alternativ til dagbehandling og specialskole, så barnet ikke ekskluderes fra almenområdet. "
)
FLEXIBLE_TARGET = "Skolebørn med bekymrende fravær eller skolevanskeligheder, visiteret i Aftaleforum."
PLACEMENT_BASIS = "Barnets lov § 46 (med samtykke) eller § 47 (uden samtykke), jf. § 43"


@dataclass(frozen=True)
class OfferSpec:
    code: str
    name: str
    kind: str
    provider: str  # key in PROVIDERS
    legal_basis: str
    step: int
    ages: tuple[int, int]
    capacity: int | None
    price: str
    price_unit: str
    funding: tuple[tuple[str, int, str | None], ...]  # (administration, share in percent, paying unit code)
    months: tuple[int, int]  # the usual length of a grant, in months
    weight: int  # how often caseworkers apply for it
    area: str  # the plan's life area it usually serves
    description: str
    target_group: str
    reason: str  # the caseworker's reason for applying ({navn}: the child's first name)
    units: tuple[int, ...] = (1,)  # the extent: places, or hours a month for hourly offers
    max_months: int | None = None
    programme: bool = False
    evidence: str = ""


HALF = (("BUF", 50, None), ("SOF", 50, None))
SOF_ONLY = (("SOF", 100, None),)
SOF_CENTRAL = (("SOF", 100, "SOF-STAB"),)  # paid from the central budget, not the family unit's
SCHOOL_REASON = (
    "{navn} har bekymrende fravær og svært ved at følge undervisningen. Aftaleforum anbefaler et forløb tæt på "
    "almenskolen, så {navn} kan blive i sin skole."
)
PLACEMENT_REASON = (
    "{navn} kan ikke bo hjemme nu. Den børnefaglige undersøgelse viser, at støtten i hjemmet ikke har været nok."
)

OFFERS: tuple[OfferSpec, ...] = (
    OfferSpec(
        "skolesocialraadgiver",
        "Skole- og dagtilbudssocialrådgiver",
        OfferKind.SCHOOL_SOCIAL_WORKER,
        "ssr",
        "Barnets lov § 30 (tidligt forebyggende indsats)",
        2,
        (0, 16),
        None,
        "650.00",
        PriceUnit.HOUR,
        SOF_CENTRAL,
        (2, 6),
        10,
        "learning",
        "Socialrådgivere på skolerne og i dagtilbuddene: rådgivning af børn, forældre og personale og en tidlig, "
        "forebyggende indsats, før bekymringen vokser. Udbredt fra projektet Socialrådgivere på skolerne til alle "
        "folkeskoler (Strategi 2010).",
        "Børn i skole og dagtilbud, hvor personalet eller forældrene er bekymrede.",
        "Skolen og forældrene ønsker hjælp fra skolesocialrådgiveren til {navn}, før bekymringen vokser.",
        units=(2, 4, 6),
    ),
    OfferSpec(
        "skoleloop",
        "Skoleloop",
        OfferKind.SKOLELOOP,
        "ppr",
        "Folkeskoleloven § 3 a og barnets lov § 32, stk. 1, nr. 8",
        3,
        (6, 16),
        10,
        "42000.00",
        PriceUnit.COURSE,
        HALF,
        (3, 3),
        9,
        "learning",
        FLEXIBLE + "Et kort forløb på cirka 12 uger i en lille gruppe med undervisning og socialpædagogisk støtte; "
        "derefter vender barnet tilbage til sin klasse.",
        FLEXIBLE_TARGET,
        SCHOOL_REASON,
    ),
    OfferSpec(
        "skoleflex",
        "Skoleflex",
        OfferKind.SKOLEFLEX,
        "skole-oesterbro",
        "Folkeskoleloven § 20, stk. 2, og barnets lov § 32, stk. 1, nr. 1",
        3,
        (6, 16),
        16,
        "19500.00",
        PriceUnit.MONTH,
        HALF,
        (4, 10),
        8,
        "learning",
        FLEXIBLE + "Barnet bliver i sin klasse, men har en del af skoledagen i et fleksibelt læringsmiljø med en "
        "lærer og en pædagog.",
        FLEXIBLE_TARGET,
        SCHOOL_REASON,
    ),
    OfferSpec(
        "tilbageslutning",
        "Tilbageslutningsforløb",
        OfferKind.TILBAGESLUTNING,
        "skole-amager",
        "Folkeskoleloven § 20, stk. 2, og barnets lov § 32, stk. 1, nr. 8",
        3,
        (7, 16),
        10,
        "68000.00",
        PriceUnit.COURSE,
        HALF,
        (6, 6),
        5,
        "learning",
        FLEXIBLE + "Et halvt års forløb for børn, der vender tilbage til almenskolen fra dagbehandling eller et "
        "specialtilbud, med støtte i klassen og tæt samarbejde med forældrene.",
        FLEXIBLE_TARGET,
        "{navn} er klar til at vende tilbage til almenskolen efter dagbehandling og har brug for støtte i overgangen.",
    ),
    OfferSpec(
        "skoleopdatering",
        "Skoleopdateringsforløb",
        OfferKind.SKOLEOPDATERING,
        "ppr",
        "Folkeskoleloven § 3 a og barnets lov § 32, stk. 1, nr. 8",
        3,
        (10, 17),
        12,
        "36000.00",
        PriceUnit.COURSE,
        (("BUF", 60, None), ("SOF", 40, None)),
        (3, 3),
        5,
        "learning",
        FLEXIBLE + "Et intensivt forløb på cirka tre måneder for børn, der har mistet meget undervisning, så de "
        "fagligt kan indhente klassen.",
        FLEXIBLE_TARGET,
        "{navn} har mistet meget undervisning og skal have hjælp til at indhente klassen fagligt.",
    ),
    *(
        OfferSpec(
            f"skoleskulk-{place.lower()}",
            f"Skoleskulkerklasse {place}",
            OfferKind.TRUANCY_CLASS,
            f"skole-{place.lower()}",
            "Folkeskoleloven § 20, stk. 2, og barnets lov § 32, stk. 1, nr. 1",
            3,
            (12, 16),
            8,
            # Strategi 2010: 4 mio. kr. a year for two classes, split evenly between SOF and BUF; with 8 places
            # each that is about 20,800 kr. a place a month.
            "20800.00",
            PriceUnit.MONTH,
            HALF,
            (3, 6),
            weight,
            "learning",
            "En midlertidig skoleløsning for unge, der har svært ved at finde sig til rette i det etablerede "
            "skolesystem, men som ikke har et behandlingsbehov, der gør dem egnede til dagbehandling. Tiden bruges "
            "til at afdække og afhjælpe den unges vanskeligheder, så eleven kommer videre i et varigt skoletilbud. "
            "Klassen må ikke blive en varig skoleløsning. Pilotprojekt i to bydele (Strategi 2010); udgifterne "
            "deles ligeligt mellem Socialforvaltningen og Børne- og Ungdomsforvaltningen.",
            "Unge i udskolingen, der 'falder igennem' det almindelige skolesystem.",
            "{navn} har haft højt fravær i lang tid og passer ikke ind i de almindelige tilbud. Skoleskulkerklassen "
            "skal hjælpe {navn} videre i et varigt skoletilbud.",
            max_months=6,
        )
        for place, weight in (("Valby", 4), ("Bispebjerg", 5))
    ),
    OfferSpec(
        "kontaktpersonkorps",
        "Kontaktpersonkorpset for kriminalitetstruede unge",
        OfferKind.CONTACT_CORPS,
        "korps",
        "Barnets lov § 32, stk. 1, nr. 3 (fast kontaktperson)",
        3,
        (12, 17),
        40,
        # Strategi 2010: 9.7 mio. kr. a year for the corps.
        "14700.00",
        PriceUnit.MONTH,
        SOF_CENTRAL,
        (6, 12),
        6,
        "development",
        "Professionelle kontaktpersoner, der arbejder målrettet med kriminalitetstruede unge: de støtter den unges "
        "skolegang, følger hurtigt op på fravær, er om nødvendigt til stede i skolen, hjælper med at løse "
        "konflikter mellem den unge og skolen og formidler kontakt til alternative skoletilbud eller vejledning.",
        "Unge i risiko for kriminalitet med bekymrende fravær.",
        "{navn} er i risiko for at blive trukket ind i et kriminelt miljø og har brug for en fast voksen, der "
        "støtter skolegangen og følger op på fraværet.",
    ),
    OfferSpec(
        "kontaktperson",
        "Fast kontaktperson",
        OfferKind.CONTACT_PERSON,
        "nordlys",
        "Barnets lov § 32, stk. 1, nr. 3 (fast kontaktperson)",
        3,
        (7, 17),
        None,
        "475.00",
        PriceUnit.HOUR,
        SOF_ONLY,
        (6, 12),
        9,
        "development",
        "En fast voksen, som barnet eller den unge mødes med hver uge, og som støtter i hverdagen, i skolen og i "
        "fritiden. Købes i timer efter behov.",
        "Børn og unge, der har brug for en stabil voksenkontakt.",
        "{navn} har brug for en fast voksen at tale med og få støtte af i hverdagen.",
        units=(8, 12, 16, 20),
    ),
    OfferSpec(
        "de-utrolige-aar",
        "De Utrolige År, forældreprogram",
        OfferKind.FAMILY_PROGRAMME,
        "bfe-nord",
        "Barnets lov § 32, stk. 1, nr. 5 (familiebehandling)",
        4,
        (3, 8),
        12,
        "24000.00",
        PriceUnit.COURSE,
        SOF_ONLY,
        (5, 5),
        5,
        "family",
        "Forældreprogrammet i De Utrolige År: 18-20 ugentlige gruppemøder for forældre, med video, rollespil og "
        "hjemmeopgaver, ledet af to certificerede gruppeledere.",
        "Forældre til børn på 3-8 år med adfærdsvanskeligheder.",
        "Forældrene ønsker redskaber til at håndtere {navn}s udadreagerende adfærd derhjemme.",
        programme=True,
        evidence="De Utrolige År (The Incredible Years) er en evidensbaseret programserie, der forebygger og "
        "behandler adfærdsvanskeligheder hos børn. Programmet er afprøvet i to børnefamilieenheder (Strategi "
        "2010) og følges med før- og eftermålinger.",
    ),
    OfferSpec(
        "familiebehandling",
        "Familiebehandling i hjemmet",
        OfferKind.FAMILY_TREATMENT,
        "solsikken",
        "Barnets lov § 32, stk. 1, nr. 5 (familiebehandling)",
        4,
        (0, 17),
        30,
        "16500.00",
        PriceUnit.MONTH,
        SOF_ONLY,
        (4, 9),
        12,
        "family",
        "Familiebehandling i hjemmet og i centret, 3-5 timer om ugen, med fokus på rutiner, samspil og konflikter.",
        "Familier, hvor samspillet mellem forældre og børn er belastet.",
        "Familien har brug for hjælp til faste rutiner og til at løse konflikterne derhjemme.",
    ),
    OfferSpec(
        "dagbehandling",
        "Dagbehandling med skole",
        OfferKind.DAY_TREATMENT,
        "laerkereden",
        "Barnets lov § 32, stk. 1, nr. 1 (dagbehandling)",
        5,
        (6, 16),
        24,
        "52000.00",
        PriceUnit.MONTH,
        (("SOF", 60, None), ("BUF", 40, None)),
        (10, 12),
        5,
        "learning",
        "Et samlet skole- og behandlingstilbud på hverdage, med undervisning i små klasser og socialpædagogisk "
        "behandling. Overvej først de fleksible skoleindsatser tæt på almenskolen.",
        "Skolebørn med omfattende sociale og følelsesmæssige vanskeligheder.",
        "{navn} har behov for et samlet skole- og behandlingstilbud; forløbene i almenskolen har ikke været nok.",
    ),
    OfferSpec(
        "multifunc",
        "MultifunC, behandling på institution",
        OfferKind.PLACEMENT_INSTITUTION,
        "strandengen",
        PLACEMENT_BASIS + " (MultifunC)",
        6,
        (13, 17),
        6,
        "6400.00",
        PriceUnit.DAY,
        SOF_ONLY,
        (8, 10),
        3,
        "development",
        "Et intensivt behandlingsophold efter MultifunC-programmet, efterfulgt af en udslusning, hvor familien "
        "arbejder med de samme metoder derhjemme.",
        "Unge på 13-17 år med alvorlige adfærdsproblemer og kriminalitet.",
        "{navn} har begået kriminalitet og har alvorlige adfærdsproblemer; et intensivt behandlingsprogram er "
        "nødvendigt.",
        programme=True,
        evidence="MultifunC er et manualbaseret behandlingsprogram for unge, der begår kriminalitet eller viser "
        "anden alvorlig udadreagerende adfærd: 6-9 måneders institutionsophold og derefter udslusning med "
        "familien (Strategi 2010).",
    ),
    OfferSpec(
        "efterværn-kontaktperson",
        "Efterværn: ungestøtte med fast kontaktperson",
        OfferKind.AFTERCARE,
        "nordlys",
        "Barnets lov §§ 113-116 (ungestøtte til 18-22-årige)",
        3,
        (18, 22),
        None,
        "9800.00",
        PriceUnit.MONTH,
        SOF_ONLY,
        (6, 12),
        8,
        "youth_housing",
        "En fast kontaktperson efter det fyldte 18. år, der støtter den unge i uddannelse, bolig og økonomi i "
        "overgangen til voksenlivet.",
        "Unge på 18-22 år, der var anbragt eller havde en fast kontaktperson før 18 år.",
        "{navn} er fyldt 18 og har brug for støtte til uddannelse, bolig og økonomi i overgangen til voksenlivet.",
    ),
    OfferSpec(
        "netvaerkspleje",
        "Anbringelse i netværkspleje",
        OfferKind.PLACEMENT_NETWORK,
        "familiepleje",
        PLACEMENT_BASIS + " (netværksplejefamilie)",
        6,
        (0, 17),
        None,
        "14200.00",
        PriceUnit.MONTH,
        SOF_ONLY,
        (12, 24),
        2,
        "family",
        "Anbringelse hos en godkendt netværksplejefamilie i barnets egen familie eller netværk, med støtte og "
        "supervision fra Familieplejen.",
        "Børn, der ikke kan bo hjemme, og som har en ressourcestærk slægt eller netværk.",
        PLACEMENT_REASON,
    ),
    OfferSpec(
        "plejefamilie",
        "Anbringelse i plejefamilie",
        OfferKind.PLACEMENT_FOSTER,
        "familiepleje",
        PLACEMENT_BASIS + " (almen plejefamilie)",
        6,
        (0, 17),
        None,
        "38500.00",
        PriceUnit.MONTH,
        SOF_ONLY,
        (12, 24),
        3,
        "family",
        "Anbringelse i en almen plejefamilie godkendt af Socialtilsynet, med vederlag og omkostninger.",
        "Børn, der ikke kan bo hjemme.",
        PLACEMENT_REASON,
    ),
    OfferSpec(
        "doegninstitution",
        "Anbringelse på døgninstitution",
        OfferKind.PLACEMENT_INSTITUTION,
        "kastanjely",
        PLACEMENT_BASIS + " (børne- og ungehjem)",
        6,
        (6, 17),
        14,
        "4300.00",
        PriceUnit.DAY,
        SOF_ONLY,
        (12, 24),
        2,
        "development",
        "Et børne- og ungehjem med 14 pladser og skole på stedet.",
        "Børn og unge med behov for en døgnindsats, som en plejefamilie ikke kan give.",
        PLACEMENT_REASON,
    ),
    OfferSpec(
        "eget-vaerelse",
        "Anbringelse på eget værelse eller kollegium",
        OfferKind.PLACEMENT_OWN_ROOM,
        "havnekanten",
        PLACEMENT_BASIS + " (eget værelse, kollegium)",
        6,
        (15, 21),
        20,
        "19000.00",
        PriceUnit.MONTH,
        SOF_ONLY,
        (12, 18),
        1,
        "youth_housing",
        "Eget værelse på et ungekollegium med en fast kontaktperson på stedet.",
        "Unge fra 15 år, der kan klare sig i egen bolig med støtte.",
        "{navn} kan ikke bo hjemme, men kan klare sig i et eget værelse med støtte.",
    ),
)

# Offers filled to capacity today, with a waiting list behind (so 'Fuldt' and the waiting list show).
FULL = ("skoleloop", "skoleskulk-valby", "multifunc")
REFUSALS = (
    (
        "dagbehandling",
        "{navn}s behov kan efter en samlet vurdering dækkes tættere på almenskolen med skoleflex og støtte fra "
        "skolesocialrådgiveren. Sagen tages op igen ved næste opfølgning på barnets plan.",
    ),
    (
        "doegninstitution",
        "En anbringelse er ikke nødvendig nu. Familien tilbydes i stedet familiebehandling i hjemmet (barnets lov "
        "§ 32, stk. 1, nr. 5), og sagen følges tæt.",
    ),
    (
        "dagbehandling",
        "Skoleloop er ikke forsøgt endnu. {navn} tilbydes først et forløb tæt på almenskolen.",
    ),
)
TERMINATIONS = (
    "Familien er flyttet til en anden kommune.",
    "Forældrene har trukket deres samtykke tilbage.",
    "{navn} er startet i et varigt skoletilbud, og forløbet er ikke længere nødvendigt.",
)
GRANT_NOTES = (
    "Bevilget som ansøgt.",
    "Bevilget. Indsatsen følges op ved næste opfølgning på barnets plan.",
    "Bevilget efter drøftelse i Aftaleforum.",
)
WAITLIST_NOTE = "Tilbuddet er fuldt. {navn} er sat på ventelisten og starter, når der bliver en plads."
OVER_MAX_REASON = (
    "Forlænget til skoleårets afslutning, så {navn} kan starte i sin nye skole efter sommerferien i stedet for at "
    "skifte midt i et forløb. Overgangen er aftalt med den nye skole."
)


@dataclass
class InterventionsResult:
    providers: int = 0
    offers: int = 0
    referrals: int = 0
    grants: int = 0
    waitlisted: int = 0
    refused: int = 0
    applied: int = 0
    terminated: int = 0
    changed: int = 0
    cost_lines: int = 0
    budgets: int = 0


def _cvr(name: str) -> str:
    """A CVR number generated for an invented provider: eight digits that pass the modulus-11 check
    (`stdnum.dk.cvr`). The numbers are generated, not looked up, and stay the same for a name."""
    rng = random.Random(f"helhed-demo-cvr:{name}")
    weights = (2, 7, 6, 5, 4, 3, 2)
    while True:
        digits = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(6)]
        check = -sum(w * d for w, d in zip(weights, digits, strict=True)) % 11
        if check < 10:
            number, problem = policies.clean_cvr("".join(map(str, digits)) + str(check))
            if problem is None:
                return number


@dataclass
class _Offer:
    spec: OfferSpec
    obj: Offer
    funding: list[tuple[int, str, Decimal, int | None]]  # (administration id, code, share, paying unit id)

    @property
    def capacity(self) -> int | None:
        return self.obj.capacity


def _catalogue(actor, today: date, result: InterventionsResult) -> dict[str, _Offer]:
    """The providers and offers (created where missing, matched by name and code), with their funding."""
    units = {u.code: u for u in Unit.objects.filter(code__in={c for _n, c in PROVIDERS.values() if c} | {"SOF-STAB"})}
    admins = {a.code: a for a in Administration.objects.all()}
    providers: dict[str, Provider] = {}
    new_providers = []
    existing = {p.name: p for p in Provider.objects.all()}
    for key, (name, unit_code) in PROVIDERS.items():
        unit = units.get(unit_code) if unit_code else None
        if unit_code and unit is None:
            continue  # a smaller organisation (tests) may lack the school
        label = name or (unit.name if unit else key)
        if label in existing:
            providers[key] = existing[label]
            continue
        if unit is not None:
            provider = Provider(name=label, kind=ProviderKind.INTERNAL, unit=unit)
        else:
            provider = Provider(name=label, kind=ProviderKind.EXTERNAL, cvr=_cvr(label))
        providers[key] = provider
        new_providers.append(provider)
    Provider.objects.bulk_create(new_providers)
    result.providers = len(new_providers)
    offers = {o.code: o for o in Offer.objects.filter(code__in=[s.code for s in OFFERS])}
    now = timezone.now()
    active_from = min(date(2013, 1, 1), date(today.year - 2, 1, 1))
    new_offers: list[tuple[Offer, OfferSpec]] = []
    for spec in OFFERS:
        if spec.code in offers or spec.provider not in providers:
            continue
        offer = Offer(
            code=spec.code,
            name=spec.name,
            kind=spec.kind,
            description=spec.description,
            provider=providers[spec.provider],
            legal_basis=spec.legal_basis,
            ladder_step=spec.step,
            age_min=spec.ages[0],
            age_max=spec.ages[1],
            target_group=spec.target_group,
            capacity=spec.capacity,
            price=Decimal(spec.price),
            price_unit=spec.price_unit,
            max_duration_months=spec.max_months,
            is_programme=spec.programme,
            evidence_note=spec.evidence,
            active_from=active_from,
            created_at=now,
            updated_at=now,
            updated_by=actor,
        )
        new_offers.append((offer, spec))
    Offer.objects.bulk_create([o for o, _s in new_offers])
    OfferFunding.objects.bulk_create(
        [
            OfferFunding(
                offer=offer,
                administration=admins[code],
                share=Decimal(share),
                paying_unit=units.get(unit_code) if unit_code else None,
            )
            for offer, spec in new_offers
            for code, share, unit_code in spec.funding
        ]
    )
    result.offers = len(new_offers)
    offers.update({o.code: o for o, _s in new_offers})
    funding: dict[int, list[tuple[int, str, Decimal, int | None]]] = defaultdict(list)
    for f in OfferFunding.objects.filter(offer__in=offers.values()).select_related("administration"):
        funding[f.offer_id].append((f.administration_id, f.administration.code, f.share, f.paying_unit_id))
    specs = {s.code: s for s in OFFERS}
    out = {}
    for code, offer in offers.items():
        # The order of GrantFunding (and so of services.write_cost_lines): largest share first, then by code.
        rows = sorted(funding[offer.pk], key=lambda r: (-r[2], r[1]))
        out[code] = _Offer(specs[code], offer, rows)
    return out


# -- the open cases ------------------------------------------------------------------------------------------


@dataclass
class _Ctx:
    case: Case
    name: str
    birth: date
    opened: date
    unit: Unit
    family_unit_id: int
    family_code: str
    worker_id: int
    leader_id: int
    goals: list[tuple[int, str]]  # (goal id, life area) of the latest approved plan version

    def age(self, on: date) -> int:
        return relativedelta(on, self.birth).years


def _contexts(limit: int, today: date) -> list[_Ctx]:
    """Up to `limit` open cases of synthetic children without applications yet, with their responsible caseworker,
    the leader who decides (of the case's family unit) and the goals of the approved plan."""
    if limit <= 0:
        return []
    cases = list(
        Case.objects.filter(status__in=ACTIVE_STATUSES, child__synthetic=True)
        .exclude(id__in=Referral.objects.values("case_id"))
        .select_related("child", "responsible_unit__parent", "responsible_unit__administration")
        .order_by("id")[:limit]
    )
    ids = [c.pk for c in cases]
    workers = dict(
        TeamMember.objects.filter(case_id__in=ids, role=TeamRole.RESPONSIBLE_CASEWORKER, valid_to__isnull=True)
        .order_by("id")
        .values_list("case_id", "user_id")
    )
    leaders: dict[int, int] = {}
    for unit_id, user_id in (
        Membership.objects.filter(role=Role.LEADER, valid_to__isnull=True).order_by("id").values_list("unit", "user")
    ):
        leaders.setdefault(unit_id, user_id)
    latest: dict[int, int] = {}
    for case_id, version_id in (
        PlanGoal.objects.filter(plan_version__plan__case_id__in=ids, plan_version__status=VersionStatus.APPROVED)
        .order_by("plan_version__number")
        .values_list("plan_version__plan__case_id", "plan_version_id")
    ):
        latest[case_id] = version_id  # the highest approved number wins
    goals: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for goal_id, case_id, area in PlanGoal.objects.filter(plan_version_id__in=latest.values()).values_list(
        "id", "plan_version__plan__case_id", "life_area"
    ):
        goals[case_id].append((goal_id, area))
    out = []
    for case in cases:
        unit = case.responsible_unit
        family: Unit = unit.parent or unit
        opened = timezone.localtime(case.opened_at, TZ).date()
        leader = leaders.get(family.pk) or leaders.get(unit.pk)
        birth = case.child.birth_date
        if case.pk not in workers or leader is None or birth is None or opened > today - timedelta(days=25):
            continue
        out.append(
            _Ctx(
                case=case,
                name=case.child.first_name,
                birth=birth,
                opened=opened,
                unit=unit,
                family_unit_id=family.pk,
                family_code=family.code,
                worker_id=workers[case.pk],
                leader_id=leader,
                goals=sorted(goals.get(case.pk, [])),
            )
        )
    return out


# -- planning the applications in memory ---------------------------------------------------------------------


@dataclass
class _Grant:
    start: date
    end: date  # the last day, after any change
    units: Decimal
    decided_at: datetime
    terminated: bool = False
    over_max_reason: str = ""
    changes: list[tuple[str, dict, dict, str, datetime, int]] = field(default_factory=list)


@dataclass
class _Ref:
    ctx: _Ctx
    offer: _Offer
    start: date  # as applied for
    end: date
    units: Decimal
    applied_at: datetime
    status: str = ReferralStatus.APPLIED
    history: list[tuple[str, str, str, int, datetime]] = field(default_factory=list)
    decided_at: datetime | None = None
    waitlisted_at: datetime | None = None
    expected_start: date | None = None
    note: str = ""
    complaint: str = ""
    grant: _Grant | None = None
    goals: list[int] = field(default_factory=list)


def _at(day: date, rng: random.Random, first_hour: int = 9) -> datetime:
    return datetime.combine(day, time(rng.randint(first_hour, 15), rng.choice([0, 10, 20, 30, 40, 50])), tzinfo=TZ)


def _end(start: date, months: int) -> date:
    return policies.add_months(start, months) - timedelta(days=1)


class _Book:
    """The grants and open applications as they are planned, so every new one is checked as the services would:
    the offer active, room on every day, no overlapping grant or open application of the offer for the child,
    and the maximum duration."""

    def __init__(self) -> None:
        self.periods: dict[int, list[tuple[date, date]]] = defaultdict(list)  # offer -> grant periods
        self.child: dict[tuple[int, int], list[tuple[date, date]]] = defaultdict(list)  # (child, offer) -> grants
        self.open: dict[tuple[int, int], list[tuple[date, date]]] = defaultdict(list)  # open applications

    def load(self, offer_ids) -> None:
        for offer_id, child_id, start, end in Grant.objects.filter(offer_id__in=offer_ids).values_list(
            "offer_id", "child_id", "start", "end"
        ):
            self.periods[offer_id].append((start, end))
            self.child[(child_id, offer_id)].append((start, end))
        for offer_id, child_id, start, end in Referral.objects.filter(
            offer_id__in=offer_ids, status__in=OPEN_REFERRAL
        ).values_list("offer_id", "child_id", "requested_start", "requested_end"):
            self.open[(child_id, offer_id)].append((start, end))

    def touches(self, offer: _Offer, child_id: int) -> bool:
        key = (child_id, offer.obj.pk)
        return bool(self.child.get(key) or self.open.get(key))

    def free_of_child(self, offer: _Offer, child_id: int, start: date, end: date) -> bool:
        key = (child_id, offer.obj.pk)
        return not any(policies.overlaps(s, e, start, end) for s, e in [*self.child[key], *self.open[key]])

    def fits(self, offer: _Offer, child_id: int, start: date, end: date) -> bool:
        if start < offer.obj.active_from or not self.free_of_child(offer, child_id, start, end):
            return False
        if not policies.has_room(offer.capacity, self.periods[offer.obj.pk], start, end):
            return False
        earlier = self.child[(child_id, offer.obj.pk)]
        return not policies.exceeds_max_duration(
            max_months=offer.obj.max_duration_months, earlier=earlier, start=start, end=end
        )

    def take(self, offer: _Offer, child_id: int, start: date, end: date) -> None:
        self.periods[offer.obj.pk].append((start, end))
        self.child[(child_id, offer.obj.pk)].append((start, end))

    def move(self, offer: _Offer, child_id: int, old: tuple[date, date], new: tuple[date, date]) -> None:
        for periods in (self.periods[offer.obj.pk], self.child[(child_id, offer.obj.pk)]):
            periods[periods.index(old)] = new

    def running(self, offer: _Offer, on: date) -> list[tuple[date, date]]:
        return [p for p in self.periods[offer.obj.pk] if p[0] <= on <= p[1]]


class _Planner:
    def __init__(self, rng: random.Random, today: date, offers: dict[str, _Offer], book: _Book) -> None:
        self.rng, self.today, self.offers, self.book = rng, today, offers, book
        self.first = date(today.year - 1, 1, 1)  # grants spread over last year and this one
        self.refs: list[_Ref] = []
        self.placed: dict[int, list[tuple[date, date]]] = defaultdict(list)  # child -> placements (step 6)

    def _fits(self, ctx: _Ctx, offer: _Offer, start: date, end: date) -> bool:
        """As the book, and a child is placed in one place at a time."""
        if offer.obj.ladder_step == 6 and any(
            policies.overlaps(s, e, start, end) for s, e in self.placed[ctx.case.child_id]
        ):
            return False
        return self.book.fits(offer, ctx.case.child_id, start, end)

    # -- the pieces of one application

    def _units(self, offer: _Offer) -> Decimal:
        return Decimal(self.rng.choice(offer.spec.units))

    def _goals(self, ctx: _Ctx, offer: _Offer) -> list[int]:
        if not ctx.goals:
            return []
        matching = [g for g, area in ctx.goals if area == offer.spec.area]
        return [self.rng.choice(matching or [g for g, _a in ctx.goals])]

    def _days(self, ctx: _Ctx, start: date, *, wait: bool = False) -> tuple[date, date | None, date]:
        """(applied, waitlisted, decided) with opened < applied < waitlisted < decided <= start, before today."""
        rng = self.rng
        latest = min(start, self.today - timedelta(days=1))
        earliest = ctx.opened + timedelta(days=1)
        lead = rng.randint(35, 70) if wait else rng.randint(8, 30)
        applied = min(max(earliest, start - timedelta(days=lead)), latest - timedelta(days=3 if wait else 2))
        if not wait:
            return applied, None, applied + timedelta(days=rng.randint(1, min(7, (latest - applied).days)))
        waitlisted = applied + timedelta(days=rng.randint(1, 2))
        decided = max(waitlisted + timedelta(days=1), latest - timedelta(days=rng.randint(0, 10)))
        return applied, waitlisted, decided

    def _new(self, ctx: _Ctx, offer: _Offer, start: date, end: date, applied: date, units: Decimal) -> _Ref:
        at = _at(applied, self.rng)
        ref = _Ref(ctx, offer, start, end, units, at, goals=self._goals(ctx, offer))
        ref.history.append(("", ReferralStatus.APPLIED, "", ctx.worker_id, at))
        self.refs.append(ref)
        return ref

    def _decide(self, ref: _Ref, status: str, day: date, note: str) -> None:
        at = _at(day, self.rng, 10)
        if at <= ref.history[-1][4]:
            at = ref.history[-1][4] + timedelta(hours=1)
        ref.history.append((ref.status, status, note, ref.ctx.leader_id, at))
        ref.status, ref.decided_at, ref.note = status, at, note

    def grant(self, ctx: _Ctx, offer: _Offer, start: date, end: date, *, wait: bool = False) -> _Ref:
        applied, waitlisted, decided = self._days(ctx, start, wait=wait)
        units = self._units(offer)
        ref = self._new(ctx, offer, start, end, applied, units)
        if waitlisted is not None:
            self._decide(ref, ReferralStatus.WAITLISTED, waitlisted, WAITLIST_NOTE.format(navn=ctx.name))
            ref.waitlisted_at, ref.expected_start = ref.decided_at, start
        self._decide(ref, ReferralStatus.GRANTED, decided, self.rng.choice(GRANT_NOTES))
        assert ref.decided_at is not None
        ref.grant = _Grant(start, end, units, ref.decided_at)
        self.book.take(offer, ctx.case.child_id, start, end)
        if offer.obj.ladder_step == 6:
            self.placed[ctx.case.child_id].append((start, end))
        return ref

    # -- the phases

    def history(self, ctxs: list[_Ctx]) -> None:
        """One to three applications a case, most granted, over last year and this one."""
        rng, today = self.rng, self.today
        offers = list(self.offers.values())
        for ctx in ctxs:
            eligible = [o for o in offers if o.obj.age_min <= ctx.age(today) <= o.obj.age_max]
            picked: list[_Offer] = []
            for _k in range(rng.choice([1, 1, 2, 2, 2, 3])):
                left = [o for o in eligible if o not in picked]
                if not left:
                    break
                picked.append(rng.choices(left, weights=[o.spec.weight for o in left])[0])
            for offer in picked:
                for _attempt in range(4):
                    window = max(self.first, ctx.opened + timedelta(days=21), offer.obj.active_from)
                    # What lies ahead on a full offer is its waiting list (see fill).
                    last = today + timedelta(days=-14 if offer.spec.code in FULL else 45)
                    if window > last:
                        break
                    start = window + timedelta(days=rng.randint(0, (last - window).days))
                    end = _end(start, rng.randint(*offer.spec.months))
                    if not offer.obj.age_min <= ctx.age(start) <= offer.obj.age_max:
                        continue
                    if self._fits(ctx, offer, start, end):
                        self.grant(ctx, offer, start, end, wait=offer.capacity is not None and rng.random() < 0.15)
                        break

    def fill(self, ctxs: list[_Ctx]) -> None:
        """The FULL offers: running grants up to the capacity today, then a waiting list behind them."""
        rng, today = self.rng, self.today
        for code in FULL:
            offer = self.offers.get(code)
            if offer is None or offer.capacity is None:
                continue
            months = offer.obj.max_duration_months or offer.spec.months[1]
            pool = [c for c in ctxs if offer.obj.age_min <= c.age(today) <= offer.obj.age_max]
            rng.shuffle(pool)
            running = len(self.book.running(offer, today))
            rest = []
            for ctx in pool:
                if running >= offer.capacity:
                    rest.append(ctx)
                    continue
                length = (_end(today, months) - today).days
                # Some time into the course; else the day after a recent grant ended; else today.
                backs = sorted((rng.randint(14, max(15, length - 14)) for _k in range(3)), reverse=True)
                freed = sorted((today - e).days - 1 for _s, e in self.book.periods[offer.obj.pk] if e < today)
                for back in [*backs, *[b for b in freed if b < length][:3], 0]:
                    start = max(today - timedelta(days=back), ctx.opened + timedelta(days=21))
                    end = _end(start, months)  # a truancy class's full six months: close to the maximum
                    if start > today or end < today or not offer.obj.age_min <= ctx.age(start) <= offer.obj.age_max:
                        continue
                    if self._fits(ctx, offer, start, end):
                        self.grant(ctx, offer, start, end)
                        running += 1
                        break
                else:
                    rest.append(ctx)
            if running < offer.capacity:
                continue
            queue = [c for c in rest if not self.book.touches(offer, c.case.child_id)][: rng.randint(2, 4)]
            waiting = []
            for k, ctx in enumerate(queue):
                applied = max(today - timedelta(days=rng.randint(8, 40)), ctx.opened + timedelta(days=1))
                waitlisted = min(applied + timedelta(days=rng.randint(1, 3)), today - timedelta(days=1))
                start = max(waitlisted + timedelta(days=rng.randint(7, 30)), today + timedelta(days=k))
                end = _end(start, min(months, offer.spec.months[1]))
                ref = self._new(ctx, offer, start, end, applied, self._units(offer))
                self._decide(ref, ReferralStatus.WAITLISTED, waitlisted, WAITLIST_NOTE.format(navn=ctx.name))
                ref.waitlisted_at = ref.decided_at
                self.book.open[(ctx.case.child_id, offer.obj.pk)].append((start, end))
                waiting.append(ref)
            # The expected start of each place in the queue, as the service computes it on waitlisting.
            waiting.sort(key=lambda r: r.waitlisted_at or r.applied_at)
            ends = [e for _s, e in self.book.periods[offer.obj.pk] if e >= today]
            for position, ref in enumerate(waiting, start=1):
                expected = policies.expected_starts(offer.capacity, ends, position, today)[-1]
                ref.expected_start = max(expected, ref.start) if expected else None

    def refusals(self, ctxs: list[_Ctx]) -> None:
        rng, today = self.rng, self.today
        used: set[int] = set()
        for code, note in REFUSALS:
            offer = self.offers.get(code)
            if offer is None:
                continue
            pool = [
                c
                for c in ctxs
                if c.case.pk not in used
                and offer.obj.age_min <= c.age(today) <= offer.obj.age_max
                and not self.book.touches(offer, c.case.child_id)
            ]
            if not pool:
                continue
            ctx = rng.choice(pool)
            used.add(ctx.case.pk)
            applied = max(today - timedelta(days=rng.randint(20, 150)), ctx.opened + timedelta(days=1))
            start = applied + timedelta(days=rng.randint(14, 30))
            ref = self._new(ctx, offer, start, _end(start, offer.spec.months[0]), applied, self._units(offer))
            decided = min(applied + timedelta(days=rng.randint(3, 12)), today - timedelta(days=1))
            self._decide(ref, ReferralStatus.REFUSED, decided, note.format(navn=ctx.name))
            with record_language():
                ref.complaint = policies.complaint_guidance(offer.obj.legal_basis)

    def pending(self, ctxs: list[_Ctx]) -> None:
        """A few applications waiting for the leader's decision, most in Børnefamilieenhed Nord (the demo leader)."""
        rng, today = self.rng, self.today
        pool = sorted(ctxs, key=lambda c: (c.family_code != "BFE-NORD", rng.random()))
        made = 0
        for ctx in pool:
            if made >= 6:
                break
            offers = [
                o
                for o in self.offers.values()
                if o.spec.code not in FULL and o.obj.age_min <= ctx.age(today) <= o.obj.age_max
            ]
            if not offers:
                continue
            offer = rng.choice(offers)
            start = today + timedelta(days=rng.randint(14, 35))
            end = _end(start, rng.randint(*offer.spec.months))
            if not self.book.free_of_child(offer, ctx.case.child_id, start, end):
                continue
            applied = max(today - timedelta(days=rng.randint(1, 10)), ctx.opened + timedelta(days=1))
            self._new(ctx, offer, start, end, applied, self._units(offer))
            self.book.open[(ctx.case.child_id, offer.obj.pk)].append((start, end))
            made += 1

    def terminations(self) -> None:
        rng, today = self.rng, self.today
        granted = [
            r
            for r in self.refs
            if r.grant is not None
            and r.offer.spec.code not in FULL
            and (min(r.grant.end, today - timedelta(days=1)) - r.grant.start).days >= 60
        ]
        rng.shuffle(granted)
        for reason, ref in zip(TERMINATIONS, granted, strict=False):
            grant = ref.grant
            assert grant is not None
            last = grant.start + timedelta(
                days=rng.randint(30, (min(grant.end, today - timedelta(days=1)) - grant.start).days - 1)
            )
            at = max(_at(last - timedelta(days=rng.randint(0, 5)), rng, 10), grant.decided_at + timedelta(hours=1))
            before = {"start": str(grant.start), "end": str(grant.end), "units": str(grant.units)}
            self.book.move(ref.offer, ref.ctx.case.child_id, (grant.start, grant.end), (grant.start, last))
            grant.end, grant.terminated = last, True
            after = {"start": str(grant.start), "end": str(grant.end), "units": str(grant.units)}
            grant.changes.append(
                (GrantChangeKind.TERMINATE, before, after, reason.format(navn=ref.ctx.name), at, ref.ctx.leader_id)
            )

    def extension(self) -> None:
        """One truancy-class grant extended past the six months, with the reason the service asks for."""
        rng, today = self.rng, self.today
        for ref in sorted(self.refs, key=lambda r: r.grant.start if r.grant else today):
            grant = ref.grant
            offer = ref.offer
            if grant is None or not offer.obj.max_duration_months or not grant.start <= today <= grant.end:
                continue
            new_end = policies.add_months(grant.end, 2)
            child = ref.ctx.case.child_id
            old = (grant.start, grant.end)
            key = (child, offer.obj.pk)
            mine = [p for p in self.book.child[key] if p != old] + self.book.open[key]
            if any(policies.overlaps(s, e, grant.start, new_end) for s, e in mine) or not policies.has_room(
                offer.capacity, [p for p in self.book.periods[offer.obj.pk] if p != old], grant.start, new_end
            ):
                continue
            at = max(_at(today - timedelta(days=rng.randint(1, 14)), rng, 10), grant.decided_at + timedelta(hours=1))
            before = {"start": str(grant.start), "end": str(grant.end), "units": str(grant.units)}
            self.book.move(offer, child, old, (grant.start, new_end))
            grant.end = new_end
            grant.over_max_reason = OVER_MAX_REASON.format(navn=ref.ctx.name)
            after = {"start": str(grant.start), "end": str(grant.end), "units": str(grant.units)}
            reason = "Forlænget efter aftale med familien og den nye skole."
            grant.changes.append((GrantChangeKind.CHANGE, before, after, reason, at, ref.ctx.leader_id))
            return


# -- writing -------------------------------------------------------------------------------------------------


def _paying_unit_id(ctx: _Ctx, administration_id: int, chosen: int | None) -> int | None:
    return policies.paying_unit(
        chosen=chosen,
        administration=administration_id,
        case_unit_administration=ctx.unit.administration_id,
        family_unit=ctx.family_unit_id,
    )


def _cost_lines(grant: Grant, shares: list[tuple[tuple[int, int | None], Decimal]]) -> list[CostLine]:
    """The grant's committed cost, one line per month and paying administration, as `services.write_cost_lines`."""
    return [
        CostLine(grant=grant, month=month, administration_id=administration_id, unit_id=unit_id, amount=amount)
        for month, (administration_id, unit_id), amount in policies.cost_lines(
            price=grant.price,
            price_unit=grant.price_unit,
            units=grant.units,
            start=grant.start,
            end=grant.end,
            shares=shares,
        )
    ]


def _write(refs: list[_Ref], result: InterventionsResult) -> None:
    referrals = []
    for ref in refs:
        ctx = ref.ctx
        referrals.append(
            Referral(
                case=ctx.case,
                child_id=ctx.case.child_id,
                offer=ref.offer.obj,
                requested_start=ref.start,
                requested_end=ref.end,
                units=ref.units,
                reason=ref.offer.spec.reason.format(navn=ctx.name),
                status=ref.status,
                applied_by_id=ctx.worker_id,
                applied_at=ref.applied_at,
                decided_by_id=ctx.leader_id if ref.decided_at else None,
                decided_at=ref.decided_at,
                decision_note=ref.note,
                complaint_guidance=ref.complaint,
                waitlisted_at=ref.waitlisted_at,
                expected_start=ref.expected_start,
                version=len(ref.history),  # one bump per decision after the application
            )
        )
    Referral.objects.bulk_create(referrals, batch_size=1000)
    Referral.goals.through.objects.bulk_create(
        [
            Referral.goals.through(referral_id=row.pk, plangoal_id=goal)
            for row, ref in zip(referrals, refs, strict=True)
            for goal in ref.goals
        ],
        batch_size=1000,
    )
    history, timeline, grants, planned = [], [], [], []
    # The services' timeline titles (their Danish msgids: the case file is written in Danish).
    titles: dict[str, str] = {
        ReferralStatus.GRANTED: "%(offer)s bevilget",
        ReferralStatus.REFUSED: "Afslag på %(offer)s",
        ReferralStatus.WAITLISTED: "På venteliste til %(offer)s",
        ReferralStatus.APPLIED: "Ansøgning om %(offer)s",
    }
    for row, ref in zip(referrals, refs, strict=True):
        ctx = ref.ctx
        for from_status, to_status, note, by, at in ref.history:
            history.append(
                ReferralStatusChange(
                    referral=row,
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    changed_by_id=by,
                    changed_at=at,
                )
            )
            timeline.append(
                TimelineEvent(
                    person_id=ctx.case.child_id,
                    case=ctx.case,
                    at=at,
                    kind=f"referral_{to_status}",
                    title=(titles[to_status] % {"offer": ref.offer.obj.name})[:250],
                    administration=ctx.unit.administration.code,
                    actor_id=by,
                    object_type="interventions.referral",
                    object_id=str(row.pk),
                )
            )
        if ref.grant is not None:
            g = ref.grant
            grants.append(
                Grant(
                    referral=row,
                    case=ctx.case,
                    child_id=ctx.case.child_id,
                    offer=ref.offer.obj,
                    start=g.start,
                    end=g.end,
                    units=g.units,
                    price=ref.offer.obj.price,
                    price_unit=ref.offer.obj.price_unit,
                    terminated=g.terminated,
                    over_max_reason=g.over_max_reason,
                    decided_by_id=ctx.leader_id,
                    decided_at=g.decided_at,
                    version=1 + len(g.changes),
                )
            )
            planned.append(ref)
    ReferralStatusChange.objects.bulk_create(history, batch_size=2000)
    Grant.objects.bulk_create(grants, batch_size=1000)
    funding, changes, lines = [], [], []
    for grant, ref in zip(grants, planned, strict=True):
        ctx, made = ref.ctx, ref.grant
        assert made is not None
        shares: list[tuple[tuple[int, int | None], Decimal]] = []
        for administration_id, _code, share, chosen in ref.offer.funding:
            unit_id = _paying_unit_id(ctx, administration_id, chosen)
            funding.append(
                GrantFunding(grant=grant, administration_id=administration_id, share=share, paying_unit_id=unit_id)
            )
            shares.append(((administration_id, unit_id), share))
        lines += _cost_lines(grant, shares)
        for kind, before, after, reason, at, by in made.changes:
            changes.append(
                GrantChange(
                    grant=grant, kind=kind, before=before, after=after, reason=reason, changed_by_id=by, changed_at=at
                )
            )
            if kind == GrantChangeKind.TERMINATE:
                title = f"{ref.offer.obj.name} ophører {after['end']}"
            else:
                title = f"Bevilling af {ref.offer.obj.name} ændret"
            timeline.append(
                TimelineEvent(
                    person_id=ctx.case.child_id,
                    case=ctx.case,
                    at=at,
                    kind=f"grant_{kind}",
                    title=title[:250],
                    administration=ctx.unit.administration.code,
                    actor_id=by,
                    object_type="interventions.grant",
                    object_id=str(grant.pk),
                )
            )
    GrantFunding.objects.bulk_create(funding, batch_size=2000)
    GrantChange.objects.bulk_create(changes, batch_size=1000)
    CostLine.objects.bulk_create(lines, batch_size=2000)
    TimelineEvent.objects.bulk_create(timeline, batch_size=2000)
    result.referrals = len(referrals)
    result.grants = len(grants)
    result.cost_lines = len(lines)
    result.terminated = sum(1 for g in grants if g.terminated)
    result.changed = sum(1 for c in changes if c.kind == GrantChangeKind.CHANGE)
    for ref in refs:
        if ref.status == ReferralStatus.WAITLISTED:
            result.waitlisted += 1
        elif ref.status == ReferralStatus.REFUSED:
            result.refused += 1
        elif ref.status == ReferralStatus.APPLIED:
            result.applied += 1


def _round(amount: Decimal, step: int, rounding: str) -> Decimal:
    return (amount / step).quantize(Decimal(1), rounding=rounding) * step


def _budgets(actor, year: int, over_code: str = "BFE-NORD") -> int:
    """This year's budgets from the committed cost: SOF, BUF and the family units in balance with a margin, one
    family unit (the demo leader's) slightly over."""
    lines = CostLine.objects.filter(month__gte=date(year, 1, 1), month__lte=date(year, 12, 1))
    by_admin = dict(
        lines.values("administration__code").annotate(t=Sum("amount")).values_list("administration__code", "t")
    )
    by_unit = dict(lines.values("unit_id").annotate(t=Sum("amount")).values_list("unit_id", "t"))
    admins = {a.code: a for a in Administration.objects.filter(code__in=["SOF", "BUF"])}
    family_units = list(Unit.objects.filter(kind=UnitKind.FAMILY_UNIT, administration__code="SOF").order_by("code"))
    minimum = Decimal(500_000)
    rows: list[tuple[Administration, Unit | None, Decimal, str]] = []
    for code, margin in (("SOF", "1.04"), ("BUF", "1.06")):
        if code in admins:
            amount = max(minimum, _round((by_admin.get(code) or Decimal(0)) * Decimal(margin), 100_000, ROUND_CEILING))
            rows.append(
                (admins[code], None, amount, "Budget til indsatser efter barnets lov og de fælles skoleindsatser.")
            )
    for unit in family_units:
        committed = by_unit.get(unit.pk) or Decimal(0)
        if unit.code == over_code and committed > 0:
            amount = _round(committed * Decimal("0.97"), 10_000, ROUND_FLOOR)
            note = "Budgettet er presset af flere anbringelser end forventet. Der følges op hver måned."
        else:
            amount = max(minimum, _round(committed * Decimal("1.06"), 100_000, ROUND_CEILING))
            note = "Enhedens budget til indsatser og anbringelser."
        if "SOF" in admins:
            rows.append((admins["SOF"], unit, amount, note))
    now = timezone.now()
    for administration, budget_unit, amount, note in rows:
        budget = Budget.objects.filter(administration=administration, unit=budget_unit, year=year).first()
        if budget is None:
            Budget.objects.create(
                administration=administration,
                unit=budget_unit,
                year=year,
                amount=amount,
                note=note,
                updated_by=actor,
                updated_at=now,
            )
        else:
            budget.amount, budget.note, budget.updated_by, budget.updated_at = amount, note, actor, now
            budget.version += 1
            budget.save(update_fields=["amount", "note", "updated_by", "updated_at", "version"])
    return len(rows)


def seed_interventions(*, limit: int = 200, seed: int = 1) -> InterventionsResult:
    """The catalogue, applications and grants for up to `limit` open cases (synthetic children only, without
    applications yet), and this year's budgets."""
    rng = random.Random(seed * 15485863)
    result = InterventionsResult()
    today = timezone.localdate()
    User = get_user_model()
    actor = (
        User.objects.filter(username="administrator").first()
        or User.objects.filter(memberships__role=Role.ADMINISTRATOR).order_by("id").first()
        or User.objects.order_by("id").first()
    )
    if actor is None:
        return result
    with transaction.atomic():
        offers = _catalogue(actor, today, result)
        book = _Book()
        book.load([o.obj.pk for o in offers.values()])
        ctxs = _contexts(limit, today)
        planner = _Planner(rng, today, offers, book)
        planner.history(ctxs)
        planner.fill(ctxs)
        planner.refusals(ctxs)
        planner.pending(ctxs)
        planner.terminations()
        planner.extension()
        _write(planner.refs, result)
        result.budgets = _budgets(actor, today.year)
        audit.record(
            actor=None,
            action=AuditAction.CREATE,
            object_type="demo.interventions",
            channel="cli",
            detail={
                "seed": seed,
                "offers": result.offers,
                "referrals": result.referrals,
                "grants": result.grants,
                "waitlisted": result.waitlisted,
                "budgets": result.budgets,
            },
        )
    return result
