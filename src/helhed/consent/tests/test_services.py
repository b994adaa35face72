"""Consent-checked sharing through the services: sharing a note, document or plan with a professional from
another administration needs a consent from every custody holder or a chosen legal basis with a reason;
without either nothing is saved; every disclosure is recorded with its basis, in the audit log too."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helhed.cases import selectors as case_selectors
from helhed.cases import services as case_services
from helhed.cases.gatekeeper import case_for
from helhed.cases.models import Document, JournalNote, TeamRole
from helhed.consent import selectors, services
from helhed.consent.models import Consent, Disclosure
from helhed.core.errors import Conflict, HelhedError, NotFound
from helhed.core.models import AuditAction, AuditEvent
from helhed.testing.factories import PersonFactory
from helhed.testing.sharing import custody_holder, give_consent

pytestmark = pytest.mark.django_db

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


@pytest.fixture
def mother(child):
    return custody_holder(child)


@pytest.fixture
def team(town, open_case, mother):
    """The case with the teacher (BUF school) and the employment adviser (BIF jobcenter) on its team."""
    for user, role in ((town.teacher, TeamRole.TEACHER), (town.employment_adviser, TeamRole.EMPLOYMENT_ADVISER)):
        case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=user, role=role)
    return open_case


def _note(town, case, title="Samtale med mor", **kw):
    return case_services.journal_note_add(
        actor=town.caseworker,
        case_id=case.pk,
        kind="note",
        title=title,
        body="Opdigtet tekst.",
        occurred_on=timezone.localdate(),
        shared_with_team=True,
        **kw,
    )


def _titles(user, case):
    access = case_for(user, case.pk, audit_action=None)
    return [n.title for n in case_selectors.case_journal(access)]


def test_sharing_without_consent_or_basis_is_refused_with_the_reason_and_nothing_is_saved(town, team):
    with pytest.raises(HelhedError) as err:
        _note(town, team)
    assert err.value.code == "no_sharing_basis" and err.value.field == "share_basis"
    message = str(err.value.message)
    assert "Nørrebro Skole (BUF)" in message and "Jobcenter (BIF)" in message and "samtykke" in message
    assert not JournalNote.objects.exists() and not Disclosure.objects.exists()


def test_an_unshared_note_needs_no_basis(town, team):
    case_services.journal_note_add(
        actor=town.caseworker, case_id=team.pk, kind="note", title="Internt", body="x", occurred_on=timezone.localdate()
    )
    assert _titles(town.teacher, team) == [] and not Disclosure.objects.exists()


def test_a_consent_covering_both_administrations_shares_and_records_each_disclosure(town, team, mother):
    consent = give_consent(team, town.caseworker, administrations=("BUF", "BIF"))
    note = _note(town, team)
    rows = list(Disclosure.objects.order_by("unit__name"))
    assert [(r.unit_id, r.consent_id, r.legal_basis_id) for r in rows] == [
        (town.jobcenter.pk, consent.pk, None),
        (town.school.pk, consent.pk, None),
    ]
    assert _titles(town.teacher, team) == [note.title] and _titles(town.employment_adviser, team) == [note.title]
    lines = case_selectors.case_timeline(case_for(town.teacher, team.pk, audit_action=None), actor=town.teacher)
    assert any(note.title in line.title for line in lines)
    events = AuditEvent.objects.filter(action=AuditAction.DISCLOSE, case_id=team.pk)
    assert events.count() == 2
    assert {e.detail["basis"] for e in events} == {"consent"} and {e.detail["consent"] for e in events} == {consent.pk}


def test_a_consent_for_one_administration_does_not_cover_another(town, team, mother):
    give_consent(team, town.caseworker, administrations=("BUF",))
    with pytest.raises(HelhedError) as err:
        _note(town, team)
    assert "Jobcenter (BIF)" in str(err.value.message) and "Nørrebro Skole" not in str(err.value.message)
    assert not JournalNote.objects.exists()


def test_a_legal_basis_with_a_reason_covers_the_administrations_it_names(town, team):
    with pytest.raises(HelhedError) as err:
        _note(town, team, share_basis="early_preventive", share_reason="Skolen skal støtte barnet.")
    assert "Jobcenter (BIF)" in str(err.value.message) and "Tidlig forebyggende" in str(err.value.message)
    note = _note(town, team, share_basis="fvl_28", share_reason="Barnets sikkerhed går klart forud.")
    rows = Disclosure.objects.filter(item_id=note.pk)
    assert {r.legal_basis.code for r in rows} == {"fvl_28"} and {r.reason for r in rows} == {
        "Barnets sikkerhed går klart forud."
    }
    event = AuditEvent.objects.filter(action=AuditAction.DISCLOSE).first()
    assert (
        event.detail["paragraph"] == "Forvaltningsloven § 28" and event.reason == "Barnets sikkerhed går klart forud."
    )


def test_a_legal_basis_needs_a_reason_and_an_unknown_one_is_refused(town, team):
    with pytest.raises(HelhedError) as err:
        _note(town, team, share_basis="fvl_28", share_reason="  ")
    assert err.value.field == "share_reason"
    with pytest.raises(HelhedError) as err:
        _note(town, team, share_basis="hemmelig", share_reason="x")
    assert err.value.field == "share_basis"
    assert not JournalNote.objects.exists()


def test_a_document_shared_without_basis_leaves_no_file_and_no_row(town, team, settings):
    upload = SimpleUploadedFile("udtalelse.pdf", MINIMAL_PDF, content_type="application/pdf")
    with pytest.raises(HelhedError):
        case_services.document_upload(
            actor=town.caseworker,
            case_id=team.pk,
            uploaded_file=upload,
            title="Udtalelse",
            kind="statement",
            shared_with_team=True,
        )
    assert not Document.objects.exists()
    root = settings.DOCUMENT_ROOT
    assert not root.exists() or not any(p.is_file() for p in root.rglob("*"))
    give_consent(team, town.caseworker, administrations=("BUF", "BIF"))
    upload.seek(0)
    doc = case_services.document_upload(
        actor=town.caseworker,
        case_id=team.pk,
        uploaded_file=upload,
        title="Udtalelse",
        kind="statement",
        shared_with_team=True,
    )
    access = case_for(town.teacher, team.pk, audit_action=None)
    assert [d.pk for d in case_selectors.case_documents(access)] == [doc.pk]
    assert Disclosure.objects.filter(item_kind="document", item_id=doc.pk).count() == 2


def test_a_professional_joining_later_gets_what_a_consent_covers_and_the_rest_waits(town, open_case, mother):
    give_consent(open_case, town.caseworker, administrations=("BUF",))
    note = _note(town, open_case)  # nobody from another administration on the team yet: nothing to disclose
    assert not Disclosure.objects.exists()
    case_services.team_member_add(actor=town.caseworker, case_id=open_case.pk, user=town.teacher, role="teacher")
    assert _titles(town.teacher, open_case) == [note.title]
    case_services.team_member_add(
        actor=town.caseworker, case_id=open_case.pk, user=town.employment_adviser, role="employment_adviser"
    )
    assert _titles(town.employment_adviser, open_case) == []
    pending = selectors.pending_for(open_case, selectors.recipients(open_case))
    assert [(p.recipient.unit_id, [i[1] for i in p.items]) for p in pending] == [(town.jobcenter.pk, [note.pk])]
    with pytest.raises(HelhedError):
        services.share_pending(actor=town.caseworker, case_id=open_case.pk, unit_id=town.jobcenter.pk)
    rows = services.share_pending(
        actor=town.caseworker,
        case_id=open_case.pk,
        unit_id=town.jobcenter.pk,
        basis_code="fvl_28",
        reason="Jobcentret skal kende planen for at hjælpe den unge.",
    )
    assert len(rows) == 1 and _titles(town.employment_adviser, open_case) == [note.title]
    with pytest.raises(HelhedError) as err:
        services.share_pending(actor=town.caseworker, case_id=open_case.pk, unit_id=town.jobcenter.pk)
    assert err.value.code == "nothing_pending"


def test_a_consent_recorded_later_discloses_what_waits(town, team, mother):
    note = _note(town, team, share_basis="fvl_28", share_reason="Akut bekymring for barnet.")
    assert _titles(town.teacher, team) == [note.title]
    Disclosure.objects.all().delete()  # as if only shared inside SOF before the professionals joined
    assert _titles(town.teacher, team) == []
    give_consent(team, town.caseworker, administrations=("BUF",))
    assert _titles(town.teacher, team) == [note.title] and _titles(town.employment_adviser, team) == []


def test_withdrawing_a_consent_stops_further_sight_and_sharing(town, team, mother):
    consent = give_consent(team, town.caseworker, administrations=("BUF", "BIF"))
    note = _note(town, team)
    withdrawn = services.consent_withdraw(
        actor=town.caseworker,
        case_id=team.pk,
        consent_id=consent.pk,
        reason="Mor ringede og trak det tilbage.",
        version=consent.version,
    )
    assert withdrawn.status == "withdrawn" and withdrawn.withdrawn_at is not None
    assert [(h.from_status, h.to_status) for h in withdrawn.history.all()] == [("", "active"), ("active", "withdrawn")]
    assert _titles(town.teacher, team) == []
    access = case_for(town.teacher, team.pk, audit_action=None)
    lines = case_selectors.case_timeline(access, actor=town.teacher)
    assert note.title not in " ".join(line.title for line in lines)  # nor its line on the timeline
    assert Disclosure.objects.filter(item_id=note.pk).count() == 2  # the record of what was disclosed stays
    with pytest.raises(HelhedError):
        _note(town, team, title="Nyt")
    with pytest.raises(Conflict):
        services.consent_withdraw(actor=town.caseworker, case_id=team.pk, consent_id=consent.pk, reason="igen")


def test_a_stale_withdrawal_is_a_conflict_and_a_foreign_consent_is_not_found(town, team, mother):
    consent = give_consent(team, town.caseworker)
    with pytest.raises(Conflict):
        services.consent_withdraw(actor=town.caseworker, case_id=team.pk, consent_id=consent.pk, reason="x", version=99)
    with pytest.raises(NotFound):
        services.consent_withdraw(actor=town.caseworker, case_id=team.pk, consent_id=consent.pk + 1000, reason="x")
    assert Consent.objects.get().status == "active"


def test_consent_is_given_only_by_custody_holders_with_a_scope_and_a_purpose(town, open_case, mother):
    today = timezone.localdate()
    base = {
        "actor": town.caseworker,
        "case_id": open_case.pk,
        "given_by": [mother.pk],
        "given_on": today,
        "administrations": ["BUF"],
        "info_kinds": ["note"],
        "purpose": "Samarbejde med skolen.",
        "valid_from": today,
    }
    stranger = PersonFactory()
    cases = [
        ({"given_by": [stranger.pk]}, "given_by"),
        ({"given_by": []}, "given_by"),
        ({"administrations": []}, "administrations"),
        ({"administrations": ["XXX"]}, "administrations"),
        ({"info_kinds": ["diary"]}, "info_kinds"),
        ({"purpose": " "}, "purpose"),
        ({"given_on": today + timedelta(days=1)}, "given_on"),
        ({"valid_to": today - timedelta(days=1)}, "valid_to"),
        ({"unit_ids": [town.jobcenter.pk]}, "units"),
    ]
    for change, field in cases:
        with pytest.raises(HelhedError) as err:
            services.consent_record(**{**base, **change})
        assert err.value.field == field, (change, err.value.message)
    assert not Consent.objects.exists()
    consent = services.consent_record(**base, unit_ids=[town.school.pk])
    assert list(consent.units.all()) == [town.school] and list(consent.given_by.all()) == [mother]
    event = AuditEvent.objects.filter(action=AuditAction.CREATE, object_type="consent.consent").get()
    assert set(event.person_ids) >= {open_case.child_id, mother.pk}


def test_a_child_without_custody_holders_cannot_get_a_consent(town, open_case):
    with pytest.raises(HelhedError) as err:
        give_consent(open_case, town.caseworker, holders=[PersonFactory()])
    assert err.value.code == "no_custody_holders"


def test_only_the_case_workers_record_consents_and_the_team_cannot_see_the_register(town, team, mother):
    from helhed.core.errors import Forbidden

    with pytest.raises(Forbidden):
        give_consent(team, town.teacher, holders=[mother])
    with pytest.raises(Forbidden):
        selectors.case_sharing(actor=town.teacher, case_id=team.pk)
    from django.http import Http404

    with pytest.raises(Http404):
        selectors.case_sharing(actor=town.other_caseworker, case_id=team.pk)


def test_an_approved_plan_reaches_the_units_a_consent_covers_and_the_rest_waits(town, team, mother):
    from helhed.plans import selectors as plan_selectors
    from helhed.plans.tests.helpers import approved_plan

    give_consent(team, town.caseworker, administrations=("BUF",), kinds=("plan",))
    version = approved_plan(town.caseworker, team)
    assert plan_selectors.plan_overview(actor=town.teacher, case_id=team.pk).approved.pk == version.pk
    assert plan_selectors.plan_overview(actor=town.employment_adviser, case_id=team.pk).approved is None
    pending = selectors.pending_for(team, selectors.recipients(team))
    assert [p.recipient.unit_id for p in pending] == [town.jobcenter.pk]
    assert ("plan", version.pk) in {(k, i) for k, i, _t in pending[0].items}
    overview = plan_selectors.plan_overview(actor=town.caseworker, case_id=team.pk)
    assert [r.unit_id for r in overview.not_shared_with] == [town.jobcenter.pk]
