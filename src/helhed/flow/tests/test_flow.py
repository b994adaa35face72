"""The case flow: stages and their moves, and the handover — proposed with the checklist, prepared with a handover
meeting with the family, accepted by the receiver — with the invariant that a case always has exactly one
responsible caseworker and one parents' contact. Services, pages and API."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.http import Http404
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases.gatekeeper import case_for
from helhed.cases.models import Document, TeamMember, TeamRole
from helhed.core.apiauth import token_create
from helhed.core.errors import Conflict, Forbidden, HelhedError
from helhed.core.tests.test_url_sweep import login
from helhed.flow import policies, services
from helhed.flow.models import CaseStage, Handover, HandoverStatus
from helhed.meetings import services as meeting_services
from helhed.meetings.models import Meeting

ALL_DONE = {item.code: {"done": True} for item in policies.CHECKLIST}


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def _one_responsible(case) -> TeamMember:
    active = TeamMember.objects.filter(case=case, valid_to__isnull=True)
    (responsible,) = active.filter(role=TeamRole.RESPONSIBLE_CASEWORKER)  # exactly one
    (_contact,) = active.filter(is_parent_contact=True)  # exactly one
    return responsible


def _placed(town, case):
    return services.stage_set(
        actor=town.caseworker, case_id=case.pk, stage="family_unit.investigation", reason="Ny sag"
    )


def test_stages_move_only_as_the_table_allows_and_only_in_units_that_take_them(town, open_case):
    with pytest.raises(HelhedError) as exc:  # the investigation group does not take the action stage
        services.stage_set(actor=town.caseworker, case_id=open_case.pk, stage="family_unit.action", reason="x")
    assert exc.value.code == "unit_does_not_take"
    _placed(town, open_case)
    with pytest.raises(Conflict):  # investigation → aftercare is not a move
        services.stage_set(actor=town.caseworker, case_id=open_case.pk, stage="aftercare.aftercare", reason="x")
    with pytest.raises(HelhedError):
        services.stage_set(actor=town.caseworker, case_id=open_case.pk, stage="nowhere", reason="x")
    assert CaseStage.objects.filter(case=open_case, until__isnull=True).get().stage == "family_unit.investigation"
    assert policies.move_allowed(None, "joint.sof_buf") and not policies.move_allowed("aftercare.aftercare", "x")


@pytest.mark.parametrize(
    ("unit", "stage", "code"),
    [
        ("school", "family_unit.action", "invalid_unit"),  # a school has no cases
        ("counselling", "family_unit.action", "unit_does_not_take"),
        ("investigation", "family_unit.action", "same_unit"),
    ],
)
def test_a_handover_to_a_unit_that_does_not_take_the_case_is_refused(town, open_case, unit, stage, code):
    _placed(town, open_case)
    with pytest.raises(HelhedError) as exc:
        services.handover_propose(
            actor=town.caseworker, case_id=open_case.pk, to_unit_id=getattr(town, unit).pk, to_stage=stage, reason="x"
        )
    assert exc.value.code == code
    assert not Handover.objects.exists()


def _propose(town, case, **kw) -> Handover:
    _placed(town, case)
    return services.handover_propose(
        actor=town.caseworker,
        case_id=case.pk,
        to_unit_id=kw.get("to_unit", town.other_family_unit).pk,
        to_stage="family_unit.action",
        reason="Undersøgelsen er færdig; der er truffet afgørelse om familiebehandling.",
        checklist=kw.get("checklist", {"latest_assessment": {"done": True}}),
    )


def _meeting(town, handover, *, held: bool, staff=None):
    start = timezone.now() + timedelta(days=2)
    handover = services.handover_meeting(
        actor=town.caseworker,
        handover_id=handover.pk,
        data=meeting_services.MeetingIn(
            kind="handover",
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            location="Børnefamilieenhed Syd",
            staff_ids=[town.other_leader.pk] if staff is None else staff,
            externals=[meeting_services.ExternalIn(kind="parent", name="Mette Mor")],
        ),
    )
    if held:
        Meeting.objects.filter(pk=handover.meeting_id).update(starts_at=timezone.now() - timedelta(minutes=5))
        meeting_services.meeting_hold(actor=town.caseworker, meeting_id=handover.meeting_id)
    handover.refresh_from_db()
    return handover


def test_the_whole_handover_keeps_one_responsible_caseworker(town, open_case):
    handover = _propose(town, open_case)
    # The receiving family unit's leader reads the case while the handover is open.
    assert case_for(town.other_leader, open_case.pk, audit_action=None)
    assert _one_responsible(open_case).user == town.caseworker
    with pytest.raises(Conflict):  # one open handover per case
        _propose(town, open_case)
    with pytest.raises(Conflict, match="Tjeklisten er ikke færdig"):
        services.handover_accept(
            actor=town.other_leader, handover_id=handover.pk, to_caseworker_id=town.other_caseworker.pk
        )
    services.handover_checklist(actor=town.caseworker, handover_id=handover.pk, checklist=ALL_DONE)
    with pytest.raises(Conflict, match="Overdragelsesmødet"):
        services.handover_accept(
            actor=town.other_leader, handover_id=handover.pk, to_caseworker_id=town.other_caseworker.pk
        )
    with pytest.raises(HelhedError, match="barnet og forældrene"):
        services.handover_meeting(
            actor=town.caseworker,
            handover_id=handover.pk,
            data=meeting_services.MeetingIn(
                kind="handover",
                starts_at=timezone.now() + timedelta(days=1),
                ends_at=timezone.now() + timedelta(days=1, hours=1),
                location="x",
            ),
        )
    handover = _meeting(town, handover, held=False)
    assert handover.status == HandoverStatus.PREPARED and handover.meeting.kind == "handover"
    with pytest.raises(Conflict, match="Overdragelsesmødet"):  # planned, not yet held
        services.handover_accept(
            actor=town.other_leader, handover_id=handover.pk, to_caseworker_id=town.other_caseworker.pk
        )
    Meeting.objects.filter(pk=handover.meeting_id).update(starts_at=timezone.now() - timedelta(minutes=5))
    meeting_services.meeting_hold(actor=town.caseworker, meeting_id=handover.meeting_id)
    with pytest.raises(Forbidden):  # the sender cannot accept for the receiver
        services.handover_accept(actor=town.caseworker, handover_id=handover.pk, to_caseworker_id=town.caseworker.pk)
    with pytest.raises(HelhedError, match="skal være rådgiver i"):  # the new caseworker must work in the unit
        services.handover_accept(actor=town.other_leader, handover_id=handover.pk, to_caseworker_id=town.caseworker2.pk)
    services.handover_accept(
        actor=town.other_leader, handover_id=handover.pk, to_caseworker_id=town.other_caseworker.pk
    )

    open_case.refresh_from_db()
    assert open_case.responsible_unit == town.other_family_unit
    responsible = _one_responsible(open_case)
    assert responsible.user == town.other_caseworker and responsible.is_parent_contact
    # The previous caseworker stays on the team as a caseworker; the receiving leader's temporary place is ended
    # (she leads the unit now and sees the case that way).
    assert (
        TeamMember.objects.get(case=open_case, user=town.caseworker, valid_to__isnull=True).role == TeamRole.CASEWORKER
    )
    assert not TeamMember.objects.filter(case=open_case, user=town.other_leader, valid_to__isnull=True).exists()
    assert CaseStage.objects.get(case=open_case, until__isnull=True).stage == "family_unit.action"
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.ACCEPTED and handover.to_caseworker == town.other_caseworker
    letter = Document.objects.get(pk=handover.letter_document_id)
    assert letter.kind == "letter" and letter.case == open_case


def test_a_rejected_handover_takes_the_receiving_leader_off_the_case(town, open_case):
    handover = _propose(town, open_case)
    with pytest.raises(HelhedError):
        services.handover_close(actor=town.other_leader, handover_id=handover.pk, to_status="rejected", note=" ")
    services.handover_close(
        actor=town.other_leader, handover_id=handover.pk, to_status="rejected", note="Sagen hører til i Nord."
    )
    with pytest.raises(Http404):
        case_for(town.other_leader, open_case.pk, audit_action=None)
    assert _one_responsible(open_case).user == town.caseworker
    assert Handover.objects.get().status == HandoverStatus.REJECTED
    with pytest.raises(Conflict):  # closed
        services.handover_close(actor=town.caseworker, handover_id=handover.pk, to_status="withdrawn", note="x")


def test_the_sender_withdraws_and_the_handover_meeting_is_cancelled(town, open_case):
    handover = _meeting(town, _propose(town, open_case), held=False)
    services.handover_close(
        actor=town.caseworker, handover_id=handover.pk, to_status="withdrawn", note="Familien flytter"
    )
    handover.refresh_from_db()
    assert handover.status == HandoverStatus.WITHDRAWN and handover.meeting.status == "cancelled"


def test_within_a_family_unit_the_leader_receives_the_case_in_the_action_group(town, open_case):
    handover = _propose(town, open_case, to_unit=town.action, checklist=ALL_DONE)
    assert handover.temporary_members == []  # the family unit's leader already leads the action group
    _meeting(town, handover, held=True, staff=[town.leader.pk])
    services.handover_accept(actor=town.leader, handover_id=handover.pk, to_caseworker_id=town.caseworker2.pk)
    open_case.refresh_from_db()
    assert open_case.responsible_unit == town.action and _one_responsible(open_case).user == town.caseworker2


def test_the_pages_and_the_api(town, open_case):
    _placed(town, open_case)
    client = login(Client(), town.caseworker)
    url = reverse("flow:case", args=[open_case.pk])
    page = client.get(url).content.decode()
    assert "Overdrag sagen" in page and "Retningslinjer" in page
    bad = client.post(
        url, {"action": "propose", "to_stage": "family_unit.action", "to_unit": town.counselling.pk, "reason": "x"}
    )
    assert bad.status_code == 400 and "tager ikke sager" in bad.content.decode()
    good = client.post(
        url,
        {
            "action": "propose",
            "to_stage": "family_unit.action",
            "to_unit": town.action.pk,
            "reason": "Afgørelse truffet",
            "check_network": "on",
        },
    )
    handover = Handover.objects.get()
    assert good.status_code == 302 and good["Location"] == reverse("flow:handover", args=[handover.pk])
    assert handover.checklist["network"]["done"] and not handover.checklist["child_view"]["done"]
    teacher = login(Client(), town.teacher)
    assert teacher.get(reverse("flow:handover", args=[handover.pk])).status_code == 404
    _token, raw = token_create(user=town.caseworker)
    api = Client(headers={"Authorization": f"Bearer {raw}"})
    data = api.get(f"/api/v1/flow/cases/{open_case.pk}").json()
    assert data["stage"] == "family_unit.investigation" and data["handovers"][0]["status"] == "proposed"
    stale = api.post(
        f"/api/v1/flow/handovers/{handover.pk}/checklist",
        json.dumps({"checklist": ALL_DONE, "version": 99}),
        content_type="application/json",
    )
    assert stale.status_code == 409
    unknown = api.post(
        f"/api/v1/flow/handovers/{handover.pk}/checklist",
        json.dumps({"checklist": {"horoskop": True}}),
        content_type="application/json",
    )
    assert unknown.status_code == 400 and "Ukendt punkt" in unknown.json()["detail"]


def test_the_receiver_rejects_on_the_page_and_a_reason_is_required(town, open_case):
    handover = _propose(town, open_case)
    client = login(Client(), town.other_leader)
    url = reverse("flow:handover", args=[handover.pk])
    page = client.get(url).content.decode()
    assert "Afvis overdragelsen" in page and "Tag imod sagen" not in page  # not prepared yet
    empty = client.post(url, {"action": "close", "version": handover.version, "to_status": "rejected", "note": ""})
    assert empty.status_code == 400 and Handover.objects.get().status == HandoverStatus.PROPOSED
    unknown = client.post(url, {"action": "fly-vaek", "version": handover.version})
    assert unknown.status_code == 400 and "Ukendt handling" in unknown.content.decode()
    done = client.post(
        url, {"action": "close", "version": handover.version, "to_status": "rejected", "note": "Hører til i Nord"}
    )
    assert done.status_code == 302 and Handover.objects.get().status == HandoverStatus.REJECTED
    assert client.get(url).status_code == 404  # the temporary place on the team is gone with it
