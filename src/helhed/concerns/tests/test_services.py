"""Reports of concern, service level: filing, routing and matching, the 24-hour assessment, letters, the
acute track, closing, and every kind of bad input leaving nothing behind."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from helhed.cases.models import Document, TimelineEvent
from helhed.concerns import services
from helhed.concerns.models import (
    ChecklistItem,
    Concern,
    ConcernAttachment,
    ConcernLetter,
    ConcernStatus,
    Decision,
)
from helhed.concerns.policies import ACUTE_CHECKLIST
from helhed.concerns.services import AssessmentIn, ReportIn
from helhed.core.errors import Conflict, HelhedError
from helhed.deadlines.models import Deadline, DeadlineStatus
from helhed.testing.factories import PersonFactory, synthetic_cpr

MINIMAL_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _report(**kw) -> ReportIn:
    base = {
        "description": "Eleven kommer ofte sulten i skole og har blå mærker på armene.",
        "categories": ["neglect"],
        "child_first_name": "Mille",
        "child_last_name": "Prøvesen",
        "child_birth_date": date(2015, 3, 4),
    }
    base.update(kw)
    return ReportIn(**base)


def _state():
    return (
        Concern.objects.count(),
        Deadline.objects.count(),
        ConcernAttachment.objects.count(),
        ConcernLetter.objects.count(),
    )


def test_school_social_worker_files_a_report_that_reaches_the_reception_with_its_clocks(town):
    town.school_social_worker.email = "sofie@skole.invalid"
    town.school_social_worker.save()
    concern = services.concern_file(actor=town.school_social_worker, data=_report())
    assert concern.status == ConcernStatus.RECEIVED
    assert concern.reference.startswith(f"U-{timezone.localdate().year}-")
    assert concern.notifier_kind == "professional"
    assert concern.notifier_unit == town.school
    # No case: routed to the family unit of the school's district.
    assert concern.receiving_unit == town.family_unit
    rules = dict(Deadline.objects.filter(source_id=str(concern.pk)).values_list("rule_id", "status"))
    assert set(rules) == {"concern.assess_24h", "concern.receipt"}
    assess = Deadline.objects.get(source_id=str(concern.pk), rule_id="concern.assess_24h")
    assert assess.due_at == concern.received_at + timedelta(hours=24)
    assert assess.unit == town.family_unit and assess.person is None
    # The notifier has an e-mail address: the receipt was made, filed and sent at once.
    assert rules["concern.receipt"] == DeadlineStatus.MET
    letter = ConcernLetter.objects.get(concern=concern, kind="receipt")
    assert letter.emailed_to == "sofie@skole.invalid"
    # Caseworkers of the family unit's groups are its reception; another family unit's are not.
    from helhed.concerns.selectors import concerns_visible_to

    assert concerns_visible_to(town.caseworker).filter(pk=concern.pk).exists()
    assert concerns_visible_to(town.leader).filter(pk=concern.pk).exists()
    assert not concerns_visible_to(town.other_caseworker).filter(pk=concern.pk).exists()
    assert not concerns_visible_to(town.school_social_worker).filter(pk=concern.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_receipt_is_emailed_after_commit_with_the_pdf(town):
    town.school_social_worker.email = "sofie@skole.invalid"
    town.school_social_worker.save()
    concern = services.concern_file(actor=town.school_social_worker, data=_report())
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sofie@skole.invalid"]
    assert concern.reference in message.subject
    name, content, mimetype = message.attachments[0]
    assert mimetype == "application/pdf" and content.startswith(b"%PDF")
    # The child's name is not in the e-mail text itself, only in the letter.
    assert "Mille" not in message.body
    assert ConcernLetter.objects.get(concern=concern).emailed_at is not None


def test_exact_cpr_matches_the_child_and_routes_to_the_case_unit(town, open_case):
    cpr = synthetic_cpr(date(2014, 5, 6))
    child = open_case.child
    from helhed.people import crypto

    child.cpr_hash = crypto.lookup_hash(cpr)
    child.cpr_encrypted = crypto.encrypt(cpr)
    child.birth_date = date(2014, 5, 6)
    child.save()
    concern = services.concern_file(
        actor=town.teacher, data=_report(child_cpr=cpr, child_birth_date=None, categories=["school_absence"])
    )
    assert concern.child == child and concern.case == open_case
    assert concern.receiving_unit == open_case.responsible_unit
    assert concern.child_birth_date == date(2014, 5, 6)
    deadlines = Deadline.objects.filter(source_id=str(concern.pk))
    assert all(d.case_id == open_case.pk and d.person_id == child.pk for d in deadlines)
    assert TimelineEvent.objects.filter(case=open_case, kind="concern").exists()


@pytest.mark.parametrize(
    "change, field",
    [
        ({"received_at": "future"}, "received_at"),
        ({"categories": ["violence", "witchcraft"]}, "categories"),
        ({"categories": []}, "categories"),
        ({"description": "  "}, "description"),
        ({"child_birth_date": date(2000, 1, 1)}, "child_birth_date"),
        ({"child_cpr": "3113991234"}, "child_cpr"),
        ({"child_first_name": "", "child_last_name": "", "child_birth_date": None}, "child_first_name"),
        ({"notifier_email": "ikke-en-adresse"}, "notifier_email"),
        ({"child_knows": "maybe"}, "child_knows"),
    ],
)
def test_bad_reports_are_refused_with_a_danish_message_and_nothing_saved(town, change, field):
    if change.get("received_at") == "future":
        change = {"received_at": timezone.now() + timedelta(hours=2), "channel": "phone"}
    before = _state()
    with pytest.raises(HelhedError) as err:
        services.concern_file(actor=town.caseworker, data=_report(**change))
    assert err.value.field == field
    assert err.value.status_code == 400
    assert _state() == before


def test_a_young_person_over_18_only_in_aftercare(town):
    young = PersonFactory(first_name="Viktor", last_name="Voksen", birth_date=date(2006, 1, 1))
    cpr = synthetic_cpr(date(2006, 1, 1))
    from helhed.people import crypto

    young.cpr_hash, young.cpr_encrypted = crypto.lookup_hash(cpr), crypto.encrypt(cpr)
    young.save()
    with pytest.raises(HelhedError) as err:
        services.concern_file(actor=town.teacher, data=_report(child_cpr=cpr, child_birth_date=None))
    assert err.value.code == "over_age"
    from helhed.cases import services as case_services

    case_services.case_open(
        actor=town.caseworker, child=young, responsible_unit=town.investigation, responsible_caseworker=town.caseworker
    )
    concern = services.concern_file(actor=town.teacher, data=_report(child_cpr=cpr, child_birth_date=None))
    assert concern.child == young


def test_the_same_submission_twice_is_saved_once(town):
    services.concern_file(actor=town.teacher, data=_report(), submission_key="k-123")
    before = _state()
    with pytest.raises(Conflict):
        services.concern_file(actor=town.teacher, data=_report(), submission_key="k-123")
    assert _state() == before


def test_attachments_are_checked_like_documents(town):
    good = SimpleUploadedFile("observation.pdf", MINIMAL_PDF, content_type="application/pdf")
    concern = services.concern_file(actor=town.teacher, data=_report(attachments=[good]))
    assert concern.attachments.get().sha256
    before = _state()
    fake = SimpleUploadedFile("billede.png", b"MZ\x90\x00 not a png at all", content_type="image/png")
    with pytest.raises(HelhedError) as err:
        services.concern_file(actor=town.teacher, data=_report(attachments=[fake]))
    assert err.value.code == "disguised"
    assert _state() == before


def test_anonymous_citizen_keeps_nothing_about_the_sender_and_gets_no_letters(town):
    concern = services.concern_file(
        actor=None,
        data=_report(
            channel="public_form",
            notifier_kind="anonymous",
            notifier_name="Skal ikke gemmes",
            notifier_email="anonym@example.invalid",
        ),
    )
    assert concern.notifier_name == "" and concern.notifier_email == ""
    assert concern.notifier_user is None
    assert list(Deadline.objects.filter(source_id=str(concern.pk)).values_list("rule_id", flat=True)) == [
        "concern.assess_24h"
    ]
    with pytest.raises(Conflict):
        services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="receipt")


def _assessment(**kw) -> AssessmentIn:
    base = {
        "acute_danger": False,
        "decision": Decision.CHILD_ASSESSMENT,
        "reasoning": "Gentagne tegn på omsorgssvigt; der skal laves en børnefaglig undersøgelse.",
        "parents_informed": True,
    }
    base.update(kw)
    return AssessmentIn(**base)


def test_reception_takes_matches_assesses_answers_and_closes(town, open_case):
    concern = services.concern_file(actor=town.school_social_worker, data=_report())
    services.concern_assign(actor=town.caseworker, concern_id=concern.pk)
    assert set(Deadline.objects.filter(source_id=str(concern.pk), status="open").values_list("owner", flat=True)) <= {
        town.caseworker.pk
    }
    # A child assessment needs the child and the case first.
    with pytest.raises(HelhedError) as err:
        services.concern_assess(actor=town.caseworker, concern_id=concern.pk, data=_assessment())
    assert err.value.code == "needs_case"
    services.concern_match(actor=town.caseworker, concern_id=concern.pk, person_id=open_case.child_id)
    concern.refresh_from_db()
    assert concern.case == open_case
    assert not ConcernLetter.objects.filter(concern=concern).exists()  # no e-mail on file: nothing sent yet
    assessment = services.concern_assess(actor=town.caseworker, concern_id=concern.pk, data=_assessment())
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ASSESSED
    assess = Deadline.objects.get(source_id=str(concern.pk), rule_id="concern.assess_24h")
    assert assess.status == DeadlineStatus.MET
    feedback = Deadline.objects.get(source_id=str(concern.pk), rule_id="concern.feedback")
    assert feedback.status == DeadlineStatus.OPEN and feedback.case == open_case
    complete = Deadline.objects.get(source_id=str(assessment.pk), rule_id="assessment.complete")
    assert complete.owner == town.caseworker and complete.case == open_case
    with pytest.raises(Conflict):
        services.concern_assess(actor=town.caseworker, concern_id=concern.pk, data=_assessment())
    with pytest.raises(Conflict) as err:
        services.concern_close(actor=town.caseworker, concern_id=concern.pk)
    assert err.value.code in ("feedback_missing", "receipt_missing")
    receipt = services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="receipt")
    assert Document.objects.get(pk=receipt.case_document_id).case == open_case
    letter = services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="feedback")
    assert letter.case_document_id
    feedback.refresh_from_db()
    assert feedback.status == DeadlineStatus.MET
    with pytest.raises(Conflict):
        services.letter_make(actor=town.caseworker, concern_id=concern.pk, kind="feedback")
    closed = services.concern_close(actor=town.caseworker, concern_id=concern.pk)
    assert closed.status == ConcernStatus.CLOSED
    assert list(closed.history.values_list("to_status", flat=True)) == ["received", "assessed", "closed"]


def test_assessment_bad_input(town):
    concern = services.concern_file(actor=town.teacher, data=_report())
    for data, field in (
        (_assessment(decision="adopt"), "decision"),
        (_assessment(decision=Decision.NO_ACTION, reasoning=" "), "reasoning"),
        (_assessment(decision=Decision.NO_ACTION, acute_danger=True), "acute_measures"),
        (_assessment(decision=Decision.NO_ACTION, parents_informed=False), "parents_not_informed_reason"),
    ):
        with pytest.raises(HelhedError) as err:
            services.concern_assess(actor=town.caseworker, concern_id=concern.pk, data=data)
        assert err.value.field == field
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED


def test_acute_track_needs_its_checklist_before_closing(town):
    concern = services.concern_file(
        actor=None,
        data=_report(channel="public_form", notifier_kind="anonymous", categories=["sexual_abuse"]),
    )
    assert concern.acute_track
    services.concern_assess(
        actor=town.caseworker,
        concern_id=concern.pk,
        data=_assessment(
            decision=Decision.NO_ACTION,
            acute_danger=True,
            acute_measures="Politiet kontaktet samme dag.",
            parents_informed=False,
            parents_not_informed_reason="Politiet skal høres først.",
            police_involved=True,
        ),
    )
    with pytest.raises(Conflict) as err:
        services.concern_close(actor=town.caseworker, concern_id=concern.pk)
    assert err.value.code == "checklist_missing"
    for step in ACUTE_CHECKLIST:
        services.checklist_tick(actor=town.caseworker, concern_id=concern.pk, code=step.code)
    with pytest.raises(Conflict):
        services.checklist_tick(actor=town.caseworker, concern_id=concern.pk, code=ACUTE_CHECKLIST[0].code)
    with pytest.raises(HelhedError):
        services.checklist_tick(actor=town.caseworker, concern_id=concern.pk, code="unknown")
    assert ChecklistItem.objects.filter(concern=concern).count() == len(ACUTE_CHECKLIST)
    assert services.concern_close(actor=town.caseworker, concern_id=concern.pk).status == ConcernStatus.CLOSED


def test_outsiders_cannot_touch_a_report(town):
    from django.http import Http404

    concern = services.concern_file(actor=town.teacher, data=_report())
    for outsider in (town.other_caseworker, town.teacher, town.analyst):
        with pytest.raises(Http404):
            services.concern_assign(actor=outsider, concern_id=concern.pk)


def test_public_throttle_counts_per_address(town, settings):
    settings.CONCERN_PUBLIC_PER_HOUR = 2
    for _ in range(2):
        services.throttle_check("10.0.0.7")
        services.throttle_note("10.0.0.7")
    with pytest.raises(HelhedError) as err:
        services.throttle_check("10.0.0.7")
    assert err.value.status_code == 429
    services.throttle_check("10.0.0.8")  # another address is not affected


def test_a_receipt_made_before_the_match_is_filed_on_the_case_at_the_match(town, open_case):
    concern = services.concern_file(
        actor=None,
        data=_report(
            channel="public_form",
            notifier_kind="citizen",
            notifier_name="Nabo Naboesen",
            notifier_email="nabo@example.invalid",
        ),
    )
    letter = ConcernLetter.objects.get(concern=concern, kind="receipt")
    assert letter.case_document_id is None
    services.concern_match(actor=town.caseworker, concern_id=concern.pk, person_id=open_case.child_id)
    letter.refresh_from_db()
    assert Document.objects.get(pk=letter.case_document_id).case == open_case
