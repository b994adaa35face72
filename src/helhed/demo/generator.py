"""The synthetic municipality: organisation, staff, families, cases, journals (ADR 0006).

Deterministic for a given seed and anchor date. Every person is flagged synthetic; names come from
Faker's Danish locale. Rows are written in bulk (this is a loader, like an import: going through the
one-at-a-time services would take hours at benchmark scale), and the whole seed is recorded as one audit
event. The same generator makes the demo (~800 children) and the benchmark scale (100,000 children).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from faker import Faker

from helhed.cases.models import (
    Case,
    CaseStatus,
    CaseStatusChange,
    JournalNote,
    JournalNumberCounter,
    NoteKind,
    TeamMember,
    TeamRole,
    TimelineEvent,
)
from helhed.cases.policies import journal_number
from helhed.core import audit
from helhed.core.models import AuditAction
from helhed.organisation.models import (
    Administration,
    AdministrationCode,
    District,
    Membership,
    ProfessionalTitle,
    Role,
    Unit,
    UnitKind,
)
from helhed.people import crypto
from helhed.people.models import Enrolment, Person, Relation, RelationKind

TZ = ZoneInfo("Europe/Copenhagen")
DEMO_PASSWORD = "Helhed-demo-2026"  # noqa: S105 (the published demo password)
DEFAULT_ANCHOR = date(2026, 11, 1)

# Copenhagen's ten districts with a representative postal code and city name.
DISTRICTS = [
    ("indre-by", "Indre By", "1050", "København K"),
    ("oesterbro", "Østerbro", "2100", "København Ø"),
    ("noerrebro", "Nørrebro", "2200", "København N"),
    ("vesterbro", "Vesterbro/Kongens Enghave", "1650", "København V"),
    ("valby", "Valby", "2500", "Valby"),
    ("vanloese", "Vanløse", "2720", "Vanløse"),
    ("broenshoej", "Brønshøj-Husum", "2700", "Brønshøj"),
    ("bispebjerg", "Bispebjerg", "2400", "København NV"),
    ("amager-oest", "Amager Øst", "2300", "København S"),
    ("amager-vest", "Amager Vest", "2300", "København S"),
]
# Family units (Børnefamilieenheder) and the districts each covers.
FAMILY_UNITS = [
    ("NORD", "Nord", ["oesterbro", "noerrebro", "bispebjerg"]),
    ("VEST", "Vest", ["valby", "vanloese", "broenshoej"]),
    ("SYD", "Syd", ["vesterbro", "amager-vest"]),
    ("OEST", "Øst og Indre By", ["indre-by", "amager-oest"]),
]

# The demo logins: one per role (username, role, unit code, first, last, title).
DEMO_LOGINS = [
    ("raadgiver", Role.CASEWORKER, "BFE-NORD-UG", "Rikke", "Rådgiver", ""),
    ("raadgiver2", Role.CASEWORKER, "BFE-VEST-HG", "Rasmus", "Rådgiversen", ""),
    ("aaben.raadgiver", Role.COUNSELLOR, "AAR", "Åse", "Åbenrådgiver", ""),
    ("skolesocialraadgiver", Role.SCHOOL_SOCIAL_WORKER, "SKOLE-OESTERBRO-1", "Sofie", "Skolesocialrådgiver", ""),
    ("laerer", Role.PROFESSIONAL, "SKOLE-NOERREBRO-1", "Lars", "Lærer", ProfessionalTitle.TEACHER),
    (
        "sundhedsplejerske",
        Role.PROFESSIONAL,
        "SUNDHEDSPLEJE",
        "Susanne",
        "Sundhedsplejerske",
        ProfessionalTitle.HEALTH_VISITOR,
    ),
    ("jobcenter", Role.EMPLOYMENT_ADVISER, "JOBCENTER", "Jonas", "Jobcentervejleder", ""),
    ("leder", Role.LEADER, "BFE-NORD", "Lene", "Leder", ""),
    ("analytiker", Role.ANALYST, "SOF-STAB", "Anders", "Analytiker", ""),
    ("administrator", Role.ADMINISTRATOR, "SOF-STAB", "Ada", "Administrator", ""),
    ("dpo", Role.DPO, "SOF-STAB", "Dorte", "Databeskyttelsesrådgiver", ""),
]

NOTE_TEMPLATES = [
    (
        NoteKind.PHONE,
        "Telefonsamtale med mor",
        "Mor ringede og fortalte, at {navn} har haft det svært i skolen den seneste uge. Vi aftalte et møde.",
    ),
    (
        NoteKind.PHONE,
        "Telefonsamtale med skolen",
        "Klasselæreren oplyser, at {navn} har haft fravær flere dage, og at der er bekymring for trivslen.",
    ),
    (
        NoteKind.MEETING,
        "Netværksmøde",
        "Møde med forældre, skole og sundhedspleje. Alle er enige om at styrke samarbejdet om {navn}.",
    ),
    (
        NoteKind.MEETING,
        "Børnesamtale",
        "Samtale med {navn} uden forældre til stede. {navn} fortalte om skole, venner og hjemmet.",
    ),
    (
        NoteKind.NOTE,
        "Status på indsatsen",
        "Familiebehandleren oplyser, at indsatsen forløber som planlagt. Næste opfølgning om tre måneder.",
    ),
    (NoteKind.NOTE, "Henvendelse fra PPR", "PPR har vurderet {navn} og anbefaler støtte i undervisningen."),
    (
        NoteKind.DECISION,
        "Afgørelse om støttende indsats",
        "Der er truffet afgørelse om en støttende indsats efter barnets lov § 32. Forældrene har givet samtykke.",
    ),
    (NoteKind.LETTER, "Brev til forældrene", "Forældrene har fået brev om næste møde og om, hvem de kan kontakte."),
]


@dataclass
class SeedResult:
    children: int = 0
    persons: int = 0
    cases: int = 0
    notes: int = 0
    concerns: int = 0
    staff: int = 0
    units: int = 0
    users: list[dict] = field(default_factory=list)


def _aware(d: date, rng: random.Random) -> datetime:
    return datetime.combine(d, time(rng.randint(8, 15), rng.randint(0, 59)), tzinfo=TZ)


class Generator:
    def __init__(self, *, seed: int = 1, anchor: date = DEFAULT_ANCHOR, reports_per_child: float = 3.0):
        self.reports_per_child = reports_per_child
        self.rng = random.Random(seed)
        self.fake = Faker("da_DK")
        self.fake.seed_instance(seed)
        self.anchor = anchor
        self.used_cpr: set[str] = set()

    # -- organisation ------------------------------------------------------------------------------
    def organisation(self, *, schools: int = 60) -> dict:
        adm = {}
        names = dict(AdministrationCode.choices)
        for code in AdministrationCode.values:
            adm[code], _ = Administration.objects.get_or_create(code=code, defaults={"name": str(names[code])})
        districts = {}
        for code, name, _pc, _city in DISTRICTS:
            districts[code], _ = District.objects.get_or_create(code=code, defaults={"name": name})
        units: dict[str, Unit] = {}

        def unit(code, name, kind, administration, district=None, parent=None):
            obj, _ = Unit.objects.get_or_create(
                code=code,
                defaults={
                    "name": name,
                    "kind": kind,
                    "administration": adm[administration],
                    "district": districts.get(district) if district else None,
                    "parent": parent,
                },
            )
            units[code] = obj
            return obj

        unit("SOF-STAB", "Socialforvaltningens stab", UnitKind.ADMINISTRATION_OFFICE, "SOF")
        unit("AAR", "Åben anonym rådgivning", UnitKind.OPEN_COUNSELLING, "SOF")
        for code, name, covered in FAMILY_UNITS:
            parent = unit(f"BFE-{code}", f"Børnefamilieenhed {name}", UnitKind.FAMILY_UNIT, "SOF", covered[0])
            unit(
                f"BFE-{code}-UG",
                f"Børnefamilieenhed {name}, undersøgelsesgruppen",
                UnitKind.INVESTIGATION_GROUP,
                "SOF",
                covered[0],
                parent,
            )
            unit(
                f"BFE-{code}-HG",
                f"Børnefamilieenhed {name}, handlegruppen",
                UnitKind.ACTION_GROUP,
                "SOF",
                covered[0],
                parent,
            )
        per_district = max(1, schools // len(DISTRICTS))
        for code, _name, _pc, _city in DISTRICTS:
            for i in range(1, per_district + 1):
                private = i == per_district and i > 1  # the last school in each district is private
                kind = UnitKind.PRIVATE_SCHOOL if private else UnitKind.MUNICIPAL_SCHOOL
                street = self.fake.street_name()
                label = f"{street} {'Friskole' if private else 'Skole'}"
                unit(f"SKOLE-{code.upper()}-{i}", label, kind, "BUF", code)
            for i in range(1, 4):
                unit(f"DAG-{code.upper()}-{i}", f"Børnehuset {self.fake.street_name()}", UnitKind.DAYCARE, "BUF", code)
        for i, (code, name, _pc, _city) in enumerate(DISTRICTS[::2]):
            unit(f"PPR-{i + 1}", f"PPR {name}", UnitKind.PPR, "BUF", code)
        unit("SUNDHEDSPLEJE", "Sundhedsplejen", UnitKind.HEALTH_VISITING, "BUF")
        unit("UU", "Ungdommens Uddannelsesvejledning København", UnitKind.UU, "BUF")
        unit("JOBCENTER", "Jobcenter København, Ungeindsatsen", UnitKind.JOBCENTER, "BIF")
        unit("BUC", "Børne- og Ungdomspsykiatrisk Center, ambulatoriet", UnitKind.PSYCHIATRY_CLINIC, "PSY")
        self.units, self.districts = units, districts
        return units

    # -- staff -------------------------------------------------------------------------------------
    def staff(self, *, extra_caseworkers: int = 14, extra_professionals: int = 12) -> list:
        User = get_user_model()
        password = make_password(DEMO_PASSWORD)
        created = []
        start = self.anchor - relativedelta(years=3)

        def make(username, role, unit_code, first, last, title=""):
            user, new = User.objects.get_or_create(
                username=username,
                defaults={
                    "first_name": first,
                    "last_name": last,
                    "password": password,
                    "title": title,
                    "synthetic": True,
                    "email": f"{username}@helhed.invalid",
                    "phone": f"3{self.rng.randint(1000000, 9999999)}",
                },
            )
            if new:
                Membership.objects.create(user=user, unit=self.units[unit_code], role=role, valid_from=start)
            created.append((user, role, self.units[unit_code]))
            return user

        for username, role, unit_code, first, last, title in DEMO_LOGINS:
            make(username, role, unit_code, first, last, title)
        case_units = [f"BFE-{c}-{g}" for c, _n, _d in FAMILY_UNITS for g in ("UG", "HG")]
        for i in range(extra_caseworkers):
            make(
                f"rg{i + 1:03d}",
                Role.CASEWORKER,
                case_units[i % len(case_units)],
                self.fake.first_name(),
                self.fake.last_name(),
            )
        for code, _n, _d in FAMILY_UNITS[1:]:
            make(f"leder.{code.lower()}", Role.LEADER, f"BFE-{code}", self.fake.first_name(), self.fake.last_name())
        prof_units = [
            u for u in self.units.values() if u.kind in (UnitKind.MUNICIPAL_SCHOOL, UnitKind.DAYCARE, UnitKind.PPR)
        ]
        for i in range(extra_professionals):
            u = prof_units[(i * 7) % len(prof_units)]
            if u.kind == UnitKind.MUNICIPAL_SCHOOL and i % 3 == 0:
                role, title = Role.SCHOOL_SOCIAL_WORKER, ""
            else:
                role = Role.PROFESSIONAL
                titles: dict[str, str] = {
                    UnitKind.MUNICIPAL_SCHOOL: ProfessionalTitle.TEACHER,
                    UnitKind.DAYCARE: ProfessionalTitle.PEDAGOGUE,
                    UnitKind.PPR: ProfessionalTitle.PPR_PSYCHOLOGIST,
                }
                title = titles[u.kind]
            make(f"fp{i + 1:03d}", role, u.code, self.fake.first_name(), self.fake.last_name(), title)
        make("psykiater", Role.PROFESSIONAL, "BUC", "Peter", "Psykiater", ProfessionalTitle.PSYCHIATRIST)
        make("uu.vejleder", Role.EMPLOYMENT_ADVISER, "UU", "Ulla", "UU-vejleder", "")
        self.staff_rows = created
        return created

    # -- people ------------------------------------------------------------------------------------
    def _cpr(self, birth: date, sex: str) -> str:
        while True:
            if birth.year >= 2000:
                seventh = self.rng.choice([4, 5, 6, 7, 8, 9])
            else:
                seventh = self.rng.choice([0, 1, 2, 3])
            middle = self.rng.randint(0, 99)
            last = self.rng.choice([1, 3, 5, 7, 9] if sex == "M" else [0, 2, 4, 6, 8])
            number = f"{birth:%d%m%y}{seventh}{middle:02d}{last}"
            if number not in self.used_cpr:
                self.used_cpr.add(number)
                return number

    def _person(self, birth: date, sex: str, last_name: str, district_code: str, address: str) -> Person:
        number = self._cpr(birth, sex)
        first = self.fake.first_name_male() if sex == "M" else self.fake.first_name_female()
        _code, _name, pc, city = next(d for d in DISTRICTS if d[0] == district_code)
        return Person(
            first_name=first,
            last_name=last_name,
            cpr_encrypted=crypto.encrypt(number),
            cpr_hash=crypto.lookup_hash(number),
            cpr_masked=f"{number[:6]}-xxxx",
            birth_date=birth,
            sex=sex,
            address=address,
            postal_code=pc,
            city=city,
            district=self.districts[district_code],
            synthetic=True,
        )

    def families(
        self, *, children: int, case_share: float = 0.25, notes_per_case: int = 8, batch: int = 2000
    ) -> SeedResult:
        result = SeedResult()
        made = 0
        while made < children:
            n = min(batch, children - made)
            self._family_batch(n, case_share, notes_per_case, result)
            made += n
        result.children = made
        return result

    @transaction.atomic
    def _family_batch(self, n_children: int, case_share: float, notes_per_case: int, result: SeedResult) -> None:
        rng = self.rng
        persons: list[Person] = []
        child_idx: list[int] = []
        relations: list[tuple[int, int, str]] = []  # (child index, relative index, kind)
        siblings: list[tuple[int, int]] = []
        made = 0
        while made < n_children:
            district = rng.choice(DISTRICTS)[0]
            last = self.fake.last_name()
            address = self.fake.street_address()
            n_kids = min(rng.choice([1, 1, 2, 2, 3]), n_children - made)
            parents = []
            for sex in ("F", "M")[: rng.choice([1, 2, 2])]:
                age = rng.randint(24, 50)
                birth = self.anchor - relativedelta(years=age) - timedelta(days=rng.randint(0, 364))
                persons.append(self._person(birth, sex, last, district, address))
                parents.append(len(persons) - 1)
            kids = []
            for _ in range(n_kids):
                age = rng.randint(0, 21)
                birth = self.anchor - relativedelta(years=age) - timedelta(days=rng.randint(1, 364))
                persons.append(self._person(birth, rng.choice("FM"), last, district, address))
                kids.append(len(persons) - 1)
                child_idx.append(len(persons) - 1)
                for p in parents:
                    relations.append((kids[-1], p, RelationKind.PARENT))
                    relations.append((kids[-1], p, RelationKind.CUSTODY_HOLDER))
            for a in kids:
                for b in kids:
                    if a != b:
                        siblings.append((a, b))
            made += n_kids
        Person.objects.bulk_create(persons, batch_size=1000)
        result.persons += len(persons)
        rel_rows = [Relation(person=persons[c], relative=persons[r], kind=k) for c, r, k in relations]
        rel_rows += [Relation(person=persons[a], relative=persons[b], kind=RelationKind.SIBLING) for a, b in siblings]
        Relation.objects.bulk_create(rel_rows, batch_size=2000)
        self._enrol([persons[i] for i in child_idx])
        case_children = [persons[i] for i in child_idx if rng.random() < case_share]
        cases = self._cases(case_children, notes_per_case, result)
        if self.reports_per_child:
            self._concerns([persons[i] for i in child_idx], cases, result)

    def _concerns(self, kids: list[Person], cases: list[Case], result: SeedResult) -> None:
        from .concerns_gen import seed_concerns

        fam_of_district = {d: code for code, _n, covered in FAMILY_UNITS for d in covered}
        family_unit_of = {d.id: self.units[f"BFE-{fam_of_district[d.code]}"] for d in self.districts.values()}
        workers_of: dict[int, list] = {}
        for user, role, unit in self.staff_rows:
            if role == Role.CASEWORKER:
                workers_of.setdefault(unit.id, []).append(user)
                if unit.parent_id:  # the family unit's reception is staffed from its groups
                    workers_of.setdefault(unit.parent_id, []).append(user)
        partner_roles = (Role.SCHOOL_SOCIAL_WORKER, Role.PROFESSIONAL, Role.EMPLOYMENT_ADVISER)
        result.concerns += seed_concerns(
            rng=self.rng,
            anchor_now=_aware(self.anchor, self.rng),
            kids=kids,
            case_of={c.child_id: c for c in cases if c.status != CaseStatus.CLOSED},
            family_unit_of=family_unit_of,
            workers_of=workers_of,
            any_workers=[u for u, r, _unit in self.staff_rows if r == Role.CASEWORKER],
            notifiers=[(u, unit) for u, r, unit in self.staff_rows if r in partner_roles],
            per_child=self.reports_per_child,
        )

    def _enrol(self, kids: list[Person]) -> None:
        by_district: dict[int, dict[str, list[Unit]]] = {}
        for u in self.units.values():
            if u.district_id:
                by_district.setdefault(u.district_id, {}).setdefault(u.kind, []).append(u)
        rows = []
        for kid in kids:
            age = relativedelta(self.anchor, kid.birth_date).years
            local = by_district.get(kid.district_id or 0, {})
            if 1 <= age <= 5:
                options, grade = local.get(UnitKind.DAYCARE, []), ""
            elif 6 <= age <= 16:
                options = local.get(UnitKind.MUNICIPAL_SCHOOL, []) + local.get(UnitKind.PRIVATE_SCHOOL, [])
                grade = f"{age - 6}. kl." if age > 6 else "0. kl."
            else:
                continue
            if options:
                rows.append(
                    Enrolment(
                        person=kid,
                        unit=self.rng.choice(options),
                        grade=grade,
                        valid_from=self.anchor - relativedelta(months=self.rng.randint(1, 30)),
                    )
                )
        Enrolment.objects.bulk_create(rows, batch_size=2000)

    def _cases(self, kids: list[Person], notes_per_case: int, result: SeedResult) -> list[Case]:
        rng = self.rng
        if not kids:
            return []
        fam_of_district = {d: code for code, _n, covered in FAMILY_UNITS for d in covered}
        workers: dict[int, list] = {}
        for user, role, unit in self.staff_rows:
            if role in (Role.CASEWORKER,):
                workers.setdefault(unit.id, []).append(user)
        others = {role: [(u, unit) for u, r, unit in self.staff_rows if r == role] for role in Role.values}
        district_code = {d.id: d.code for d in self.districts.values()}
        cases, pending = [], []
        counters: dict[int, JournalNumberCounter] = {}
        for kid in kids:
            fam = fam_of_district[district_code[kid.district_id or 0]]
            unit = self.units[f"BFE-{fam}-{rng.choice(['UG', 'HG'])}"]
            candidates = (
                workers.get(unit.id)
                or workers.get(self.units[f"BFE-{fam}-UG"].id)
                or [u for u, r, _unit in self.staff_rows if r == Role.CASEWORKER]
            )
            worker = rng.choice(candidates)
            opened = _aware(self.anchor - timedelta(days=rng.randint(5, 900)), rng)
            closed = rng.random() < 0.12
            year = opened.year
            if year not in counters:
                counters[year], _ = JournalNumberCounter.objects.select_for_update().get_or_create(year=year)
            counters[year].last += 1
            case = Case(
                child=kid,
                responsible_unit=unit,
                journal_number=journal_number(kle_code="27.24.00", facet="G01", serial=counters[year].last, year=year),
                status=CaseStatus.CLOSED if closed else CaseStatus.OPEN,
                opened_at=opened,
                closed_at=opened + timedelta(days=rng.randint(30, 300)) if closed else None,
                created_by=worker,
            )
            cases.append(case)
            pending.append((case, worker, unit, opened))
        Case.objects.bulk_create(cases, batch_size=1000)
        for counter in counters.values():
            counter.save(update_fields=["last"])
        result.cases += len(cases)
        team, history, notes, timeline = [], [], [], []
        for case, worker, unit, opened in pending:
            day = opened.date()
            history.append(
                CaseStatusChange(
                    case=case,
                    from_status="",
                    to_status=CaseStatus.OPEN,
                    reason="Sagen er oprettet",
                    changed_by=worker,
                    changed_at=opened,
                )
            )
            if case.status == CaseStatus.CLOSED:
                history.append(
                    CaseStatusChange(
                        case=case,
                        from_status=CaseStatus.OPEN,
                        to_status=CaseStatus.CLOSED,
                        reason="Indsatsen er afsluttet",
                        changed_by=worker,
                        changed_at=case.closed_at or opened,
                    )
                )
            team.append(
                TeamMember(
                    case=case,
                    user=worker,
                    unit=unit,
                    role=TeamRole.RESPONSIBLE_CASEWORKER,
                    is_parent_contact=True,
                    valid_from=day,
                    added_by=worker,
                    added_at=opened,
                )
            )
            timeline.append(
                TimelineEvent(
                    person=case.child,
                    case=case,
                    at=opened,
                    kind="case_opened",
                    title=f"Sag oprettet ({case.journal_number})",
                    administration="SOF",
                    actor=worker,
                    shared_with_team=True,
                )
            )
            age = relativedelta(self.anchor, case.child.birth_date).years
            extra = []
            if 6 <= age <= 16 and others[Role.SCHOOL_SOCIAL_WORKER]:
                extra.append((rng.choice(others[Role.SCHOOL_SOCIAL_WORKER]), TeamRole.SCHOOL_SOCIAL_WORKER))
            if age <= 2 and others[Role.PROFESSIONAL]:
                hv = [x for x in others[Role.PROFESSIONAL] if x[1].kind == UnitKind.HEALTH_VISITING]
                if hv:
                    extra.append((rng.choice(hv), TeamRole.HEALTH_VISITOR))
            if age >= 15 and others[Role.EMPLOYMENT_ADVISER]:
                extra.append((rng.choice(others[Role.EMPLOYMENT_ADVISER]), TeamRole.EMPLOYMENT_ADVISER))
            seen = {worker.pk}
            for (user, u_unit), role in extra:
                if user.pk in seen:
                    continue
                seen.add(user.pk)
                team.append(
                    TeamMember(
                        case=case,
                        user=user,
                        unit=u_unit,
                        role=role,
                        valid_from=day,
                        added_by=worker,
                        added_at=opened + timedelta(days=1),
                    )
                )
                timeline.append(
                    TimelineEvent(
                        person=case.child,
                        case=case,
                        at=opened + timedelta(days=1),
                        kind="team_added",
                        title=f"{user.get_full_name()} er sat på teamet",
                        administration=u_unit.administration.code,
                        actor=worker,
                        shared_with_team=True,
                    )
                )
            end = case.closed_at or _aware(self.anchor, rng)
            span = max(1, (end - opened).days)
            for k in range(notes_per_case):
                kind, title, body = NOTE_TEMPLATES[rng.randrange(len(NOTE_TEMPLATES))]
                at = opened + timedelta(days=rng.randint(0, span), minutes=k)
                if at > end:
                    at = end
                notes.append(
                    JournalNote(
                        case=case,
                        kind=kind,
                        title=title,
                        body=body.format(navn=case.child.first_name),
                        occurred_on=at.date(),
                        shared_with_team=rng.random() < 0.3,
                        author=worker,
                        created_at=at,
                    )
                )
        CaseStatusChange.objects.bulk_create(history, batch_size=2000)
        TeamMember.objects.bulk_create(team, batch_size=2000)
        JournalNote.objects.bulk_create(notes, batch_size=2000)
        for note in notes:
            timeline.append(
                TimelineEvent(
                    person_id=note.case.child_id,
                    case=note.case,
                    at=note.created_at,
                    kind=f"journal_{note.kind}",
                    title=f"{note.get_kind_display()}: {note.title}",
                    administration="SOF",
                    actor=note.author,
                    shared_with_team=note.shared_with_team,
                    object_type="cases.journalnote",
                    object_id=str(note.pk),
                )
            )
        TimelineEvent.objects.bulk_create(timeline, batch_size=2000)
        result.notes += len(notes)
        return cases


def seed(
    *,
    children: int = 800,
    seed: int = 1,
    anchor: date = DEFAULT_ANCHOR,
    notes_per_case: int = 8,
    case_share: float = 0.25,
    schools: int = 60,
    reports_per_child: float = 3.0,
    progress=None,
) -> SeedResult:
    gen = Generator(seed=seed, anchor=anchor, reports_per_child=reports_per_child)
    with transaction.atomic():
        units = gen.organisation(schools=schools)
        # About 30 cases per caseworker, as in a real family unit; the demo keeps its 14 extra caseworkers.
        staff = gen.staff(
            extra_caseworkers=max(14, int(children * case_share / 30)), extra_professionals=max(12, children // 400)
        )
    result = SeedResult(units=len(units), staff=len(staff))
    batch = 2000
    done = 0
    while done < children:
        n = min(batch, children - done)
        part = gen.families(children=n, case_share=case_share, notes_per_case=notes_per_case)
        result.persons += part.persons
        result.cases += part.cases
        result.notes += part.notes
        result.concerns += part.concerns
        done += n
        if progress:
            progress(done)
    result.children = done
    audit.record(
        actor=None,
        action=AuditAction.CREATE,
        object_type="demo.seed",
        channel="cli",
        detail={
            "children": done,
            "seed": seed,
            "cases": result.cases,
            "concerns": result.concerns,
            "anchor": anchor.isoformat(),
        },
    )
    return result


def demo_users() -> list[dict]:
    User = get_user_model()
    out = []
    for username, role, unit_code, *_ in DEMO_LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        unit = Unit.objects.filter(code=unit_code).first()
        out.append(
            {
                "username": username,
                "password": DEMO_PASSWORD,
                "role": str(role),
                "role_label": str(Role(role).label),
                "unit": unit.name if unit else "",
                "name": user.get_full_name(),
            }
        )
    return out
