"""Every write of open, anonymous counselling (ADR 0015): record a course and its contacts without identity,
close and reopen it, and — only with the family's recorded consent — convert it into an identified case: the
case is opened (or the child's open case is used), the course's history and the consent are written into the
case journal, the case is placed in its flow stage, and the course is marked converted, all in one transaction.
Keyword-only, atomic, audited, always with the acting user."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import Case, JournalNote, NoteKind
from helhed.cases.policies import CasePerm
from helhed.cases.selectors import active_case_of
from helhed.core import audit, idempotency
from helhed.core.concurrency import bump_version, check_version
from helhed.core.errors import Conflict, HelhedError
from helhed.core.i18n import record_language
from helhed.core.models import AuditAction
from helhed.core.validation import as_pk, check_length, check_not_too_early
from helhed.flow import services as flow_services
from helhed.organisation.models import Role, Unit, User
from helhed.organisation.selectors import unit_staff
from helhed.people import selectors as people_selectors
from helhed.people import services as people_services
from helhed.people.models import Person, Relation, RelationKind

from . import policies
from .models import (
    AgeBand,
    AnonymousCounselling,
    Channel,
    ConsentRelation,
    ContactBy,
    CounsellingContact,
    CounsellingStatus,
    CounsellingStatusChange,
    CounsellingTopic,
    Topic,
)
from .selectors import COURSE_ROLES, conversion_units, counselling_for, counselling_units

_STALE = gettext_lazy("Forløbet er ændret af en anden imens. Genindlæs siden, og prøv igen.")
NO_CONSENT = gettext_lazy(
    "Forløbet kan kun blive en sag med navn og CPR-nummer, når familien har givet samtykke. Registrér samtykket."
)


def _choice(value, choices, *, field: str, message) -> str:
    if value not in choices.values:
        raise HelhedError(message, field=field, code="invalid_choice")
    return value


def _anonymous(text: str, *, field: str) -> None:
    problem = policies.identity_problem(text)
    if problem:
        raise HelhedError(problem, field=field, code="identifying")


def _record(actor, course: AnonymousCounselling, action: str, *, persons=(), case_id=None, **detail) -> None:
    audit.record(actor=actor, action=action, obj=course, persons=persons, case_id=case_id, detail=detail)


# -- a course and its contacts ---------------------------------------------------------------------------


@dataclass
class ContactIn:
    occurred_on: date | None
    channel: str
    duration_minutes: int | None
    summary: str


@dataclass
class CounsellingIn:
    pseudonym: str
    age_band: str
    contact_by: str
    topics: list[str] = field(default_factory=list)
    unit_id: int | None = None
    counsellor_id: int | None = None
    first_contact: ContactIn | None = None


@dataclass(frozen=True)
class _Contact:
    occurred_on: date
    channel: str
    duration_minutes: int
    summary: str


def _clean_contact(data: ContactIn) -> _Contact:
    if data.occurred_on is None:
        raise HelhedError(_("Skriv datoen for kontakten."), field="occurred_on", code="required")
    check_not_too_early(data.occurred_on, field="occurred_on")
    if data.occurred_on > timezone.localdate():
        raise HelhedError(
            _("Datoen for kontakten ligger i fremtiden. Skriv den dato, samtalen fandt sted."), field="occurred_on"
        )
    channel = _choice(data.channel, Channel, field="channel", message=_("Vælg hvordan kontakten foregik."))
    minutes = data.duration_minutes
    if minutes is None or not 1 <= minutes <= policies.DURATION_MAX:
        raise HelhedError(
            _("Skriv hvor mange minutter samtalen varede (1 til %(max)s).") % {"max": policies.DURATION_MAX},
            field="duration_minutes",
        )
    summary = (data.summary or "").strip()
    if not summary:
        raise HelhedError(_("Skriv et kort resumé af samtalen."), field="summary", code="required")
    check_length(summary, policies.SUMMARY_MAX, field="summary")
    _anonymous(summary, field="summary")
    return _Contact(occurred_on=data.occurred_on, channel=channel, duration_minutes=minutes, summary=summary)


def _add_contact(course: AnonymousCounselling, data: _Contact, *, actor, submission_key: str | None):
    try:
        with transaction.atomic():
            return CounsellingContact.objects.create(
                counselling=course,
                occurred_on=data.occurred_on,
                channel=data.channel,
                duration_minutes=data.duration_minutes,
                summary=data.summary,
                recorded_by=actor,
                recorded_at=timezone.now(),
                submission_key=submission_key or None,
            )
    except IntegrityError:
        raise Conflict(_("Kontakten er allerede gemt (formularen blev sendt to gange)."), code="duplicate_submit")


def _unit_for_new(actor, unit_id) -> Unit:
    units = counselling_units(actor)
    if unit_id in (None, ""):
        if len(units) == 1:
            return units[0]
        if not units:
            raise HelhedError(
                _("Du arbejder ikke i en åben anonym rådgivning, så du kan ikke oprette et forløb."),
                field="unit",
                code="no_unit",
            )
        raise HelhedError(_("Vælg hvilken rådgivning forløbet hører til."), field="unit", code="required")
    unit = next((u for u in units if u.pk == as_pk(unit_id)), None)
    if unit is None:
        raise HelhedError(_("Vælg en åben anonym rådgivning, du arbejder i."), field="unit", code="invalid_unit")
    return unit


def _counsellor(actor, unit: Unit, counsellor_id) -> User:
    if counsellor_id in (None, "") or as_pk(counsellor_id) == actor.pk:
        return actor
    user = next(
        (u for u in unit_staff(unit, list(COURSE_ROLES), with_parent=True) if u.pk == as_pk(counsellor_id)), None
    )
    if user is None:
        raise HelhedError(
            _("Rådgiveren skal være ansat i %(unit)s.") % {"unit": unit.name}, field="counsellor", code="invalid"
        )
    return user


@transaction.atomic
def counselling_open(*, actor, data: CounsellingIn, submission_key: str | None = None) -> AnonymousCounselling:
    """Record a new anonymous course (and, usually, its first contact). Nothing identifies the family: a pseudonym,
    an age band, who made contact and the topics."""
    unit = _unit_for_new(actor, data.unit_id)
    counsellor = _counsellor(actor, unit, data.counsellor_id)
    pseudonym = (data.pseudonym or "").strip()
    if not pseudonym:
        raise HelhedError(
            _('Giv forløbet et kaldenavn, som ikke afslører, hvem familien er (fx "Pigen med cyklen").'),
            field="pseudonym",
            code="required",
        )
    check_length(pseudonym, policies.PSEUDONYM_MAX, field="pseudonym")
    _anonymous(pseudonym, field="pseudonym")
    age_band = _choice(data.age_band, AgeBand, field="age_band", message=_("Vælg barnets eller den unges alder."))
    contact_by = _choice(data.contact_by, ContactBy, field="contact_by", message=_("Vælg hvem der henvendte sig."))
    topics = list(dict.fromkeys(data.topics or []))
    if not topics:
        raise HelhedError(_("Vælg mindst ét emne."), field="topics", code="required")
    for topic in topics:
        _choice(topic, Topic, field="topics", message=_("Ukendt emne. Vælg emner fra listen."))
    first = _clean_contact(data.first_contact) if data.first_contact is not None else None
    check_length(submission_key, 64, field="submission_key")
    idempotency.claim(key=submission_key, actor=actor)
    now = timezone.now()
    course = AnonymousCounselling.objects.create(
        unit=unit,
        counsellor=counsellor,
        pseudonym=pseudonym,
        age_band=age_band,
        contact_by=contact_by,
        opened_at=now,
        opened_by=actor,
    )
    CounsellingTopic.objects.bulk_create([CounsellingTopic(counselling=course, topic=t) for t in topics])
    CounsellingStatusChange.objects.create(
        counselling=course, from_status="", to_status=CounsellingStatus.OPEN, changed_by=actor, changed_at=now
    )
    if first is not None:
        _add_contact(course, first, actor=actor, submission_key=None)
    _record(actor, course, AuditAction.CREATE, unit=unit.pk, topics=topics, contacts=int(first is not None))
    return course


def _locked_open(actor, counselling_id, version) -> AnonymousCounselling:
    course = counselling_for(actor, counselling_id, lock=True)
    check_version(course, version, message=_STALE)
    return course


def _refuse_unless_open(course: AnonymousCounselling) -> None:
    if course.status == CounsellingStatus.CONVERTED:
        raise Conflict(_("Forløbet er blevet til en sag. Skriv videre i sagen."), code="converted")
    if course.status != CounsellingStatus.OPEN:
        raise Conflict(_("Forløbet er afsluttet. Genåbn det først."), code="closed")


@transaction.atomic
def contact_add(
    *, actor, counselling_id, data: ContactIn, version=None, submission_key: str | None = None
) -> CounsellingContact:
    """Record one more conversation on an open course."""
    course = _locked_open(actor, counselling_id, version)
    _refuse_unless_open(course)
    clean = _clean_contact(data)
    check_length(submission_key, 64, field="submission_key")
    contact = _add_contact(course, clean, actor=actor, submission_key=submission_key)
    bump_version(course)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=contact,
        persons=[],
        detail={"counselling": course.pk, "channel": clean.channel, "minutes": clean.duration_minutes},
    )
    return contact


def _transition(course: AnonymousCounselling, to_status: str, *, actor, note: str = "") -> str:
    from_status = course.status
    if not policies.transition_allowed(from_status, to_status):
        if from_status == CounsellingStatus.CONVERTED:
            raise Conflict(_("Forløbet er blevet til en sag og kan ikke ændres."), code="converted")
        raise Conflict(
            _("Forløbet er %(status)s og kan ikke ændres sådan.")
            % {"status": CounsellingStatus(from_status).label.lower()},
            code="illegal_transition",
        )
    CounsellingStatusChange.objects.create(
        counselling=course,
        from_status=from_status,
        to_status=to_status,
        note=note,
        changed_by=actor,
        changed_at=timezone.now(),
    )
    course.status = to_status
    return from_status


def _note(note: str) -> str:
    note = (note or "").strip()
    check_length(note, policies.NOTE_MAX, field="note")
    _anonymous(note, field="note")
    return note


@transaction.atomic
def counselling_close(*, actor, counselling_id, note: str = "", version=None) -> AnonymousCounselling:
    """End an open course (the family got what it came for, or stopped coming)."""
    course = _locked_open(actor, counselling_id, version)
    note = _note(note)
    from_status = _transition(course, CounsellingStatus.CLOSED, actor=actor, note=note)
    course.closed_at = timezone.now()
    bump_version(course, "status", "closed_at")
    _record(actor, course, AuditAction.UPDATE, status=[from_status, course.status])
    return course


@transaction.atomic
def counselling_reopen(*, actor, counselling_id, note: str = "", version=None) -> AnonymousCounselling:
    """Open a closed course again (the family came back)."""
    course = _locked_open(actor, counselling_id, version)
    note = _note(note)
    from_status = _transition(course, CounsellingStatus.OPEN, actor=actor, note=note)
    course.closed_at = None
    bump_version(course, "status", "closed_at")
    _record(actor, course, AuditAction.UPDATE, status=[from_status, course.status])
    return course


# -- the handover into an identified case -----------------------------------------------------------------


@dataclass
class ConsentIn:
    """Who gave consent, when, and to what. `person_id` names a custody holder registered on the child (their name
    and relation then come from the register); otherwise `given_by` (a name) and `relation` are required."""

    given_by: str = ""
    relation: str = ""
    given_on: date | None = None
    text: str = ""
    person_id: int | None = None

    def is_empty(self) -> bool:
        return not ((self.given_by or "").strip() or self.relation or self.given_on or (self.text or "").strip()) and (
            self.person_id in (None, "")
        )


@dataclass
class NewChild:
    first_name: str
    last_name: str
    cpr: str | None = None
    no_cpr_reason: str = ""
    birth_date: date | None = None


@dataclass
class Conversion:
    counselling: AnonymousCounselling
    case: Case
    note: JournalNote
    attached: bool  # the child's open case was used instead of opening one


def _consent_by(consent: ConsentIn, child: Person) -> tuple[Person | None, str, str]:
    """(registered person or None, name, relation) of whoever gave consent."""
    if consent.person_id not in (None, ""):
        today = timezone.localdate()
        relation = (
            Relation.objects.filter(
                person=child,
                relative_id=as_pk(consent.person_id),
                kind__in=[RelationKind.CUSTODY_HOLDER, RelationKind.PARENT],
            )
            .exclude(valid_to__lt=today)
            .select_related("relative")
            .order_by("kind")  # custody_holder before parent
            .first()
        )
        if relation is None:
            raise HelhedError(
                _("Personen er ikke registreret som barnets forælder eller forældremyndighedsindehaver."),
                field="consent_person",
                code="not_custody_holder",
            )
        registered: str = (
            ConsentRelation.CUSTODY_HOLDER if relation.kind == RelationKind.CUSTODY_HOLDER else ConsentRelation.PARENT
        )
        return relation.relative, relation.relative.full_name, registered
    name = (consent.given_by or "").strip()
    if not name:
        raise HelhedError(
            _("Skriv hvem der gav samtykket (navn og relation til barnet)."), field="consent_name", code="required"
        )
    check_length(name, policies.CONSENT_NAME_MAX, field="consent_name")
    kind = _choice(
        consent.relation,
        ConsentRelation,
        field="consent_relation",
        message=_("Vælg hvilken relation personen, der gav samtykket, har til barnet."),
    )
    return None, name, kind


def _child(actor, *, child_id, new_child: NewChild | None) -> Person:
    if child_id not in (None, ""):
        try:
            child = people_selectors.person_for(actor=actor, person_id=as_pk(child_id), what="counselling_convert")
        except Http404:
            raise HelhedError(_("Barnet findes ikke. Søg barnet frem igen."), field="child", code="not_found")
        while child.merged_into is not None:
            child = child.merged_into
        return child
    if new_child is not None:
        return people_services.person_create(
            actor=actor,
            first_name=new_child.first_name,
            last_name=new_child.last_name,
            cpr=new_child.cpr or None,
            no_cpr_reason=new_child.no_cpr_reason,
            birth_date=new_child.birth_date,
        )
    raise HelhedError(_("Vælg barnet, eller opret det som ny person."), field="child", code="required")


def _responsible(actor, course, unit_id, caseworker_id) -> tuple[Unit, User]:
    units = conversion_units(actor)
    wanted = course.unit_id if unit_id in (None, "") else as_pk(unit_id)
    unit = next((u for u in units if u.pk == wanted), None)
    if unit is None:
        raise HelhedError(
            _(
                "Du kan kun oprette sagen i en enhed, du selv arbejder i. Overdrag den bagefter under sagens "
                "Forløb, hvis den skal videre."
            ),
            field="responsible_unit",
            code="invalid_unit",
        )
    if caseworker_id in (None, "") or as_pk(caseworker_id) == actor.pk:
        caseworker = actor
        staff = unit_staff(unit, [Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER], with_parent=True)
    else:
        staff = unit_staff(unit, [Role.CASEWORKER, Role.COUNSELLOR, Role.LEADER])
        caseworker = next((u for u in staff if u.pk == as_pk(caseworker_id)), None)
    if caseworker is None or caseworker.pk not in {u.pk for u in staff}:
        raise HelhedError(
            _("Den ansvarlige rådgiver skal være rådgiver eller leder i %(unit)s.") % {"unit": unit.name},
            field="responsible_caseworker",
            code="invalid_caseworker",
        )
    return unit, caseworker


def _note_course(course, contacts, topics, *, consent_by: str, consent_on: date, consent_text: str, actor):
    return policies.NoteCourse(
        pseudonym=course.pseudonym,
        unit=course.unit.name,
        opened_on=timezone.localdate(course.opened_at),
        age_band=str(course.get_age_band_display()),
        contact_by=str(course.get_contact_by_display()),
        topics=tuple(str(Topic(t).label) for t in topics),
        contacts=tuple(
            policies.NoteContact(
                occurred_on=c.occurred_on,
                channel=str(c.get_channel_display()),
                duration_minutes=c.duration_minutes,
                summary=c.summary,
            )
            for c in contacts
        ),
        consent_by=consent_by,
        consent_on=consent_on,
        consent_text=consent_text,
        recorded_by=actor.get_full_name() or actor.username,
    )


@transaction.atomic
def counselling_convert(
    *,
    actor,
    counselling_id,
    consent: ConsentIn | None,
    child_id=None,
    new_child: NewChild | None = None,
    responsible_unit_id=None,
    responsible_caseworker_id=None,
    version=None,
) -> Conversion:
    """The handover: with the family's recorded consent, the anonymous course becomes part of an identified case.

    Opens the child's case in the chosen unit (default: the course's unit) with the chosen responsible caseworker
    (default: the actor) and places it in its flow stage — or, if the child already has an open case the actor can
    write in, uses that case. Writes the course (every contact's summary) and the consent into the case journal as
    one note (not shared with the team), and marks the course converted. One transaction: if any step is refused,
    nothing is saved. Without a consent it is refused."""
    course = _locked_open(actor, counselling_id, version)
    if course.status == CounsellingStatus.CONVERTED:
        raise Conflict(_("Forløbet er allerede blevet til en sag."), code="converted")
    if course.status != CounsellingStatus.OPEN:
        raise Conflict(_("Forløbet er afsluttet. Genåbn det, før det kan blive en sag."), code="closed")
    if consent is None or consent.is_empty():
        raise HelhedError(NO_CONSENT, field="consent", code="consent_missing")
    problem = policies.consent_date_problem(
        consent.given_on, today=timezone.localdate(), opened_on=timezone.localdate(course.opened_at)
    )
    if problem:
        raise HelhedError(problem, field="consent_on", code="consent_date")
    consent_text = (consent.text or "").strip()
    if not consent_text:
        raise HelhedError(
            _("Skriv hvad familien har givet samtykke til (fx at forløbet overdrages til en sag i enheden)."),
            field="consent_text",
            code="required",
        )
    check_length(consent_text, policies.CONSENT_TEXT_MAX, field="consent_text")
    unit, caseworker = _responsible(actor, course, responsible_unit_id, responsible_caseworker_id)
    child = _child(actor, child_id=child_id, new_child=new_child)
    consent_person, consent_name, consent_relation = _consent_by(consent, child)
    assert consent.given_on is not None  # checked by consent_date_problem

    existing = active_case_of(child)
    attached = existing is not None
    if existing is not None:
        try:
            case = case_for(actor, existing.pk, need=CasePerm.WRITE_JOURNAL, audit_action=None, lock=True).case
        except Http404:
            case = None
        except HelhedError:
            case = None
        if case is None:
            raise Conflict(
                _(
                    "Barnet har allerede en åben sag, som du ikke kan skrive i. Kontakt sagens ansvarlige rådgiver. "
                    "Forløbet er ikke ændret."
                ),
                code="case_exists",
            )
    else:
        with record_language():
            title = _("Fra åben anonym rådgivning")
        case = case_services.case_open(
            actor=actor, child=child, responsible_unit=unit, responsible_caseworker=caseworker, title=title
        )
        stage = policies.stage_for(unit.kind)
        if stage is not None:
            with record_language():
                reason = _("Sagen er oprettet fra åben anonym rådgivning med familiens samtykke.")
            flow_services.stage_set(actor=actor, case_id=case.pk, stage=stage, reason=reason)

    contacts = list(course.contacts.order_by("occurred_on", "id"))
    topics = list(course.topics.order_by("id").values_list("topic", flat=True))
    with record_language():
        relation_label = str(ConsentRelation(consent_relation).label).lower()
        body = policies.handover_note_body(
            _note_course(
                course,
                contacts,
                topics,
                consent_by=f"{consent_name} ({relation_label})",
                consent_on=consent.given_on,
                consent_text=consent_text,
                actor=actor,
            )
        )
        title = policies.handover_note_title()
    note = case_services.journal_note_add(
        actor=actor, case_id=case.pk, kind=NoteKind.NOTE, title=title, body=body, occurred_on=consent.given_on
    )

    with record_language():
        converted_note = _("Blevet til en sag med familiens samtykke")
    from_status = _transition(course, CounsellingStatus.CONVERTED, actor=actor, note=converted_note)
    now = timezone.now()
    course.case, course.journal_note_id = case, note.pk
    course.converted_at, course.converted_by, course.closed_at = now, actor, now
    course.consent_person, course.consent_name, course.consent_relation = consent_person, consent_name, consent_relation
    course.consent_on, course.consent_text = consent.given_on, consent_text
    bump_version(
        course,
        "status",
        "case",
        "journal_note_id",
        "converted_at",
        "converted_by",
        "closed_at",
        "consent_person",
        "consent_name",
        "consent_relation",
        "consent_on",
        "consent_text",
    )
    _record(
        actor,
        course,
        AuditAction.UPDATE,
        persons=[child.pk] + ([consent_person.pk] if consent_person is not None else []),
        case_id=case.pk,
        status=[from_status, course.status],
        attached=attached,
        contacts=len(contacts),
        consent_on=consent.given_on.isoformat(),
    )
    return Conversion(counselling=course, case=case, note=note, attached=attached)
