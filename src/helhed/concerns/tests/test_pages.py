"""Reports of concern in the browser's terms: the report form, the receipt, 'Mine underretninger', the
reception's list and a report's page with its actions, and the downloads. Logged in with the test client as
the other page tests are; no mocks of our own code."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

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
from helhed.core import audit
from helhed.core.tests.test_url_sweep import login
from helhed.organisation.models import Membership, Role
from helhed.testing.factories import PersonFactory, synthetic_cpr

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
NEW = "/underretninger/ny/"


@pytest.fixture(autouse=True)
def _files(settings, tmp_path):
    settings.DOCUMENT_ROOT = tmp_path / "documents"


def _ui(user) -> Client:
    return login(Client(), user)


def _post_data(**kw) -> dict:
    data = {
        "submission_key": uuid.uuid4().hex,
        "child_first_name": "Mille",
        "child_last_name": "Prøvesen",
        "child_birth_date": "2015-03-04",
        "description": "Eleven kommer ofte sulten i skole og har blå mærker på armene.",
        "categories": ["neglect"],
        "child_knows": "no",
        "parents_know": "unknown",
    }
    data.update(kw)
    return data


def _file(actor=None, **kw) -> Concern:
    base = {
        "description": "Barnet fortæller om slag derhjemme.",
        "categories": ["neglect"],
        "child_first_name": "Mille",
        "child_last_name": "Prøvesen",
        "child_birth_date": date(2015, 3, 4),
    }
    if actor is None:
        base.update(channel="public_form", notifier_kind="anonymous")
    base.update(kw)
    return services.concern_file(actor=actor, data=ReportIn(**base))


def _html(response) -> str:
    return response.content.decode()


# -- permissions ----------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url_name, allowed, refused",
    [
        ("concerns:new", ["teacher", "school_social_worker", "counsellor", "caseworker"], ["analyst", "administrator"]),
        ("concerns:mine", ["teacher", "caseworker"], ["analyst", "administrator", "dpo"]),
        (
            "concerns:reception",
            ["caseworker", "leader"],
            ["teacher", "school_social_worker", "analyst", "administrator"],
        ),
    ],
)
def test_pages_answer_the_right_roles(town, url_name, allowed, refused):
    url = reverse(url_name)
    for who in allowed:
        assert _ui(getattr(town, who)).get(url).status_code == 200, who
    for who in refused:
        response = _ui(getattr(town, who)).get(url)
        assert response.status_code == 403, who
        assert "ikke adgang" in _html(response)


@pytest.mark.django_db
def test_a_report_page_is_for_its_reception_only(town):
    concern = _file(town.teacher)
    url = reverse("concerns:detail", args=[concern.pk])
    assert _ui(town.caseworker).get(url).status_code == 200
    assert _ui(town.leader).get(url).status_code == 200
    # Another family unit's caseworker: the same 404 as for a report that does not exist.
    response = _ui(town.other_caseworker).get(url)
    assert response.status_code == 404
    assert "Prøvesen" not in _html(response)
    assert _ui(town.caseworker).get(reverse("concerns:detail", args=[999999])).status_code == 404
    for who in ("teacher", "analyst", "administrator"):
        assert _ui(getattr(town, who)).get(url).status_code == 403, who
    # Actions refuse the outsider the same way, and change nothing.
    for name in ("concerns:assign", "concerns:close", "concerns:letter_make"):
        assert _ui(town.other_caseworker).post(reverse(name, args=[concern.pk]), {"kind": "receipt"}).status_code == 404
    concern.refresh_from_db()
    assert concern.assigned_to is None and concern.status == ConcernStatus.RECEIVED


@pytest.mark.django_db
def test_the_menu_shows_underret_and_modtagelsen_to_the_right_roles(town):
    teacher = _html(_ui(town.teacher).get("/underretninger/mine/"))
    assert f'href="{NEW}"' in teacher and "Modtagelsen" not in teacher
    caseworker = _html(_ui(town.caseworker).get("/underretninger/mine/"))
    assert f'href="{NEW}"' in caseworker and 'href="/underretninger/modtagelse/"' in caseworker
    analyst = _html(_ui(town.analyst).get("/"))
    assert f'href="{NEW}"' not in analyst


# -- reporting in Helhed --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_teacher_reports_with_an_attachment_and_gets_a_receipt_page(town):
    town.teacher.email = "lotte@skole.invalid"
    town.teacher.save()
    client = _ui(town.teacher)
    form = client.get(NEW)
    html = _html(form)
    assert "Er et barn i akut fare, så ring 112." in html
    assert 'name="channel"' not in html  # only the reception registers reports that came in another way
    assert 'type="file"' in html and "multiple" in html
    attachment = SimpleUploadedFile("observation.pdf", PDF, content_type="application/pdf")
    response = client.post(NEW, _post_data(categories=["neglect", "violence"], attachments=[attachment]))
    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("concerns:receipt", args=[concern.pk])
    assert concern.notifier_user == town.teacher and concern.channel == "in_app"
    assert concern.categories == ["violence", "neglect"] and concern.acute_track
    assert concern.child_knows == "no"
    assert concern.attachments.get().original_name == "observation.pdf"
    receipt = client.get(response["Location"])
    html = _html(receipt)
    assert receipt.status_code == 200
    assert concern.reference in html
    assert "lotte@skole.invalid" in html
    letter = ConcernLetter.objects.get(concern=concern, kind="receipt")
    download = client.get(reverse("concerns:letter_download", args=[concern.pk, letter.pk]))
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert f"kvittering-{concern.reference}.pdf" in download["Content-Disposition"]
    # The receipt page is the notifier's: another partner gets the 404.
    assert _ui(town.school_social_worker).get(response["Location"]).status_code == 404


@pytest.mark.django_db
def test_without_an_email_address_the_receipt_page_says_one_will_come(town):
    client = _ui(town.school_social_worker)
    response = client.post(NEW, _post_data(), follow=True)
    assert response.status_code == 200
    assert "inden for 6 hverdage" in _html(response)
    assert not ConcernLetter.objects.exists()


def _disguised():
    return SimpleUploadedFile("billede.png", b"MZ\x90\x00 not a png at all", content_type="image/png")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "change, message",
    [
        ({"categories": ["violence", "witchcraft"]}, "Ukendt kategori: witchcraft"),
        ({"categories": []}, "Vælg mindst én kategori"),
        ({"description": "   "}, "Beskriv hvad du har set og hørt"),
        ({"attachments": "disguised"}, "Filens indhold passer ikke til filtypen .png"),
        ({"attachments": "too many"}, "Du kan højst vedhæfte 5 filer"),
        (
            {"child_first_name": "", "child_last_name": "", "child_birth_date": ""},
            "Skriv hvad du ved om barnet",
        ),
        ({"child_cpr": "3113991234"}, "CPR"),
        ({"child_birth_date": "2000-01-01"}, "Personen er"),
        ({"child_knows": "maybe"}, "Marker en gyldig valgmulighed"),
        ({"channel": "phone", "received_at": "future"}, "Modtagelsestidspunktet ligger i fremtiden"),
    ],
)
def test_bad_input_is_refused_with_a_danish_message_and_nothing_saved(town, change, message):
    if change.get("attachments") == "disguised":
        change = {"attachments": [_disguised()]}
    if change.get("attachments") == "too many":
        change = {"attachments": [SimpleUploadedFile(f"{i}.pdf", PDF, "application/pdf") for i in range(6)]}
    if change.get("received_at") == "future":
        change = {**change, "received_at": (timezone.localtime() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")}
    response = _ui(town.caseworker).post(NEW, _post_data(**change))
    assert response.status_code == 400
    html = _html(response)
    assert "Der er noget, der skal rettes" in html
    assert message in html
    assert not Concern.objects.exists() and not ConcernAttachment.objects.exists()


@pytest.mark.django_db
def test_a_double_submit_saves_one_report(town):
    client = _ui(town.teacher)
    data = _post_data(submission_key="dobbelt-klik-1")
    assert client.post(NEW, data).status_code == 302
    again = client.post(NEW, data)
    assert again.status_code == 409
    assert "allerede sendt" in _html(again)
    assert Concern.objects.count() == 1


@pytest.mark.django_db
def test_the_sending_unit_is_chosen_among_the_users_own_units(town):
    Membership.objects.create(
        user=town.teacher, unit=town.daycare, role=Role.PROFESSIONAL, valid_from=timezone.localdate()
    )
    client = _ui(town.teacher)
    html = _html(client.get(NEW))
    assert 'name="notifier_unit"' in html and town.daycare.name in html
    response = client.post(NEW, _post_data(notifier_unit=town.family_unit.pk))
    assert response.status_code == 400
    assert "Marker en gyldig valgmulighed" in _html(response)
    assert client.post(NEW, _post_data(notifier_unit=town.daycare.pk)).status_code == 302
    assert Concern.objects.get().notifier_unit == town.daycare
    # With one unit there is nothing to choose.
    assert 'name="notifier_unit"' not in _html(_ui(town.school_social_worker).get(NEW))


@pytest.mark.django_db
def test_the_reception_registers_a_phone_report_with_its_time_and_notifier(town):
    client = _ui(town.caseworker)
    html = _html(client.get(NEW))
    assert 'name="channel"' in html and 'name="received_at"' in html
    received = timezone.localtime() - timedelta(hours=5)
    response = client.post(
        NEW,
        _post_data(
            channel="phone",
            received_at=received.strftime("%Y-%m-%dT%H:%M"),
            notifier_kind="professional",
            notifier_name="Læge Lund",
            notifier_role="Praktiserende læge",
            notifier_email="lund@laege.invalid",
        ),
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.channel == "phone" and concern.notifier_user is None
    assert concern.notifier_name == "Læge Lund" and concern.notifier_email == "lund@laege.invalid"
    assert abs((concern.received_at - received).total_seconds()) < 60
    # The reception worker who registered it may see its receipt page.
    assert client.get(response["Location"]).status_code == 200


# -- Mine underretninger --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_my_reports_lists_my_reports_and_letters_not_the_assessment(town):
    town.teacher.email = "lotte@skole.invalid"
    town.teacher.save()
    mine = _file(town.teacher)
    other = _file(town.school_social_worker, child_first_name="Anden")
    services.concern_assess(
        actor=town.caseworker,
        concern_id=mine.pk,
        data=AssessmentIn(
            acute_danger=False,
            decision=Decision.NO_ACTION,
            reasoning="Hemmelig begrundelse om familien.",
            parents_informed=True,
        ),
    )
    response = _ui(town.teacher).get(reverse("concerns:mine"))
    html = _html(response)
    assert response.status_code == 200
    assert mine.reference in html and other.reference not in html
    assert "Vurderet" in html
    assert "Hemmelig begrundelse" not in html
    letter = ConcernLetter.objects.get(concern=mine)
    assert reverse("concerns:letter_download", args=[mine.pk, letter.pk]) in html
    # Somebody else's letter is not to be had.
    assert (
        _ui(town.school_social_worker).get(reverse("concerns:letter_download", args=[mine.pk, letter.pk])).status_code
        == 404
    )


# -- the reception ----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_reception_list_shows_clock_track_repeats_and_filters(town):
    cpr = synthetic_cpr(date(2016, 2, 2))
    old = _file(town.teacher, child_cpr=cpr, child_birth_date=None)
    Concern.objects.filter(pk=old.pk).update(received_at=timezone.now() - timedelta(hours=30))
    again = _file(town.school_social_worker, child_cpr=cpr, child_birth_date=None, categories=["violence"])
    client = _ui(town.caseworker)
    response = client.get(reverse("concerns:reception"))
    html = _html(response)
    assert response.status_code == 200
    assert old.reference in html and again.reference in html
    assert "overskredet" in html
    assert "Akut spor" in html
    assert "2. underretning på et år" in html
    assert "timer tilbage" in html
    # The acute one comes first.
    assert html.index(again.reference) < html.index(old.reference)
    services.concern_assess(
        actor=town.caseworker,
        concern_id=old.pk,
        data=AssessmentIn(
            acute_danger=False, decision="no_action", reasoning="Ingen bekymring.", parents_informed=True
        ),
    )
    assessed = _html(client.get(reverse("concerns:reception"), {"status": "assessed"}))
    assert old.reference in assessed and again.reference not in assessed
    # An unknown status is ignored: the open reports are shown.
    unknown = client.get(reverse("concerns:reception"), {"status": "<script>"})
    assert unknown.status_code == 200
    assert old.reference in _html(unknown) and again.reference in _html(unknown)
    # Another family unit's reception does not see them.
    assert old.reference not in _html(_ui(town.other_caseworker).get(reverse("concerns:reception")))


def _assess_data(concern, **kw):
    data = {
        "version": concern.version,
        "acute_danger": "no",
        "decision": Decision.CHILD_ASSESSMENT,
        "reasoning": "Gentagne tegn på omsorgssvigt.",
        "parents_informed": "on",
    }
    data.update(kw)
    return data


@pytest.mark.django_db
def test_the_full_reception_flow_through_the_pages(town, open_case):
    town.school_social_worker.email = "sofie@skole.invalid"
    town.school_social_worker.save()
    concern = _file(town.school_social_worker)
    client = _ui(town.caseworker)
    detail = reverse("concerns:detail", args=[concern.pk])
    page = client.get(detail)
    html = _html(page)
    assert page.status_code == 200
    assert concern.description in html and "Tag underretningen" in html
    assert "Vurdering af underretningen inden for 24 timer" in html  # the deadlines with their explanation

    def post(name, data):
        concern.refresh_from_db()
        data = {"version": concern.version, **data}
        response = client.post(reverse(name, args=[concern.pk]), data)
        assert response.status_code == 302, (name, response.status_code, _html(response)[:2000])
        assert response["Location"] == detail
        return response

    post("concerns:assign", {})
    concern.refresh_from_db()
    assert concern.assigned_to == town.caseworker
    # The child is found by name and chosen.
    found = client.post(
        reverse("concerns:match", args=[concern.pk]),
        {"version": concern.version, "action": "search", "query": open_case.child.last_name},
    )
    assert found.status_code == 200
    assert f'value="{open_case.child_id}"' in _html(found)
    post("concerns:match", {"action": "match", "person_id": open_case.child_id})
    concern.refresh_from_db()
    assert concern.child == open_case.child and concern.case == open_case
    post("concerns:assess", _assess_data(concern))
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ASSESSED
    # The receipt went out when the report was filed; now the feedback.
    assert "Lav tilbagemelding" in _html(client.get(detail))
    post("concerns:letter_make", {"kind": "feedback"})
    assert set(ConcernLetter.objects.filter(concern=concern).values_list("kind", flat=True)) == {
        "receipt",
        "feedback",
    }
    post("concerns:close", {"reason": "Sagen fortsætter som børnefaglig undersøgelse."})
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.CLOSED
    html = _html(client.get(detail))
    assert "Afsluttet" in html and "Tag underretningen" not in html


@pytest.mark.django_db
def test_a_child_not_in_helhed_is_created_from_the_report_with_a_case(town):
    concern = _file(town.teacher, child_first_name="Nanna", child_last_name="Nyesen")
    client = _ui(town.caseworker)
    page = _html(client.get(reverse("concerns:detail", args=[concern.pk])))
    assert 'value="Nanna"' in page  # prefilled from what the report says
    none = client.post(
        reverse("concerns:match", args=[concern.pk]),
        {"version": concern.version, "action": "search", "query": "Nyesen"},
    )
    assert "Ingen personer passer" in _html(none)
    bad = client.post(
        reverse("concerns:match", args=[concern.pk]),
        {"version": concern.version, "action": "search", "query": "3113991234"},
    )
    assert bad.status_code == 400
    nameless = client.post(
        reverse("concerns:match", args=[concern.pk]),
        {"version": concern.version, "action": "new", "first_name": "Nanna", "no_cpr_reason": "Ukendt"},
    )
    assert nameless.status_code == 400
    assert "Dette felt er påkrævet" in _html(nameless)
    concern.refresh_from_db()
    assert concern.child is None
    response = client.post(
        reverse("concerns:match", args=[concern.pk]),
        {
            "version": concern.version,
            "action": "new",
            "first_name": "Nanna",
            "last_name": "Nyesen",
            "birth_date": "2015-03-04",
            "no_cpr_reason": "Ukendt ved modtagelsen",
            "open_case": "on",
        },
    )
    assert response.status_code == 302
    concern.refresh_from_db()
    assert concern.child.last_name == "Nyesen"
    assert concern.case is not None and concern.case.responsible_unit == concern.receiving_unit


@pytest.mark.django_db
def test_choosing_no_child_is_refused(town):
    concern = _file(town.teacher)
    response = _ui(town.caseworker).post(
        reverse("concerns:match", args=[concern.pk]), {"version": concern.version, "action": "match"}
    )
    assert response.status_code == 400
    assert "Vælg barnet på listen" in _html(response)


@pytest.mark.django_db
def test_assessment_bad_input_and_a_stale_form(town):
    concern = _file(town.teacher)
    client = _ui(town.caseworker)
    url = reverse("concerns:assess", args=[concern.pk])
    for data, message in (
        (_assess_data(concern, decision="adopt"), "Marker en gyldig valgmulighed"),
        (_assess_data(concern, decision="no_action", reasoning=" "), "Skriv begrundelsen"),
        (_assess_data(concern, decision="no_action", acute_danger="yes"), "akutte foranstaltninger"),
        (_assess_data(concern, decision="no_action", parents_informed=""), "Skriv hvorfor forældrene"),
        (_assess_data(concern), "Knyt først underretningen til barnet"),
        (_assess_data(concern, version="abc"), "Indtast et heltal"),
    ):
        response = client.post(url, data)
        assert response.status_code == 400, message
        assert message in _html(response), message
    stale = client.post(url, _assess_data(concern, decision="no_action", version=concern.version - 1 or 99))
    assert stale.status_code == 409
    assert "Genindlæs siden" in _html(stale)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.RECEIVED


@pytest.mark.django_db
def test_the_acute_track_checklist_is_on_top_and_must_be_done_before_closing(town):
    concern = _file(None, categories=["sexual_abuse"])
    client = _ui(town.caseworker)
    detail = reverse("concerns:detail", args=[concern.pk])
    html = _html(client.get(detail))
    assert html.index("Akut spor: vold eller seksuelle overgreb") < html.index("Hvad underretteren har set og hørt")
    for step in ACUTE_CHECKLIST:
        assert str(step.text) in html
    assert "BL § 124" in html
    tick = reverse("concerns:checklist", args=[concern.pk])
    first = ACUTE_CHECKLIST[0].code
    assert client.post(tick, {"code": first, "note": "Ingen akut fare."}).status_code == 302
    item = ChecklistItem.objects.get(concern=concern, code=first)
    assert item.note == "Ingen akut fare." and item.done_by == town.caseworker
    again = client.post(tick, {"code": first})
    assert again.status_code == 409 and "allerede afkrydset" in _html(again)
    unknown = client.post(tick, {"code": "unknown"})
    assert unknown.status_code == 400 and "Ukendt punkt" in _html(unknown)
    concern.refresh_from_db()
    assert (
        client.post(
            reverse("concerns:assess", args=[concern.pk]),
            _assess_data(
                concern,
                decision="no_action",
                acute_danger="yes",
                acute_measures="Politiet kontaktet samme dag.",
                parents_informed="",
                parents_not_informed_reason="Politiet skal høres først.",
                police_involved="on",
            ),
        ).status_code
        == 302
    )
    concern.refresh_from_db()
    refused = client.post(reverse("concerns:close", args=[concern.pk]), {"version": concern.version})
    assert refused.status_code == 409
    assert "Tjeklisten for det akutte spor mangler" in _html(refused)
    concern.refresh_from_db()
    assert concern.status == ConcernStatus.ASSESSED
    # Anonymous notifier: no letters to make.
    letter = client.post(reverse("concerns:letter_make", args=[concern.pk]), {"kind": "receipt"})
    assert letter.status_code == 409 and "anonym" in _html(letter)
    bad_kind = client.post(reverse("concerns:letter_make", args=[concern.pk]), {"kind": "love-letter"})
    assert bad_kind.status_code == 400


@pytest.mark.django_db
def test_attachments_are_for_the_reception(town):
    attachment = SimpleUploadedFile("observation.pdf", PDF, content_type="application/pdf")
    concern = _file(town.teacher, attachments=[attachment])
    stored = concern.attachments.get()
    url = reverse("concerns:attachment_download", args=[concern.pk, stored.pk])
    response = _ui(town.caseworker).get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == PDF
    assert _ui(town.teacher).get(url).status_code == 403
    assert _ui(town.other_caseworker).get(url).status_code == 404
    assert _ui(town.caseworker).get(reverse("concerns:attachment_download", args=[concern.pk, 999999])).status_code == (
        404
    )


# -- query counts ---------------------------------------------------------------------------------------


def _count(client, url) -> int:
    audit.seal_pending()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _reports(town, n: int) -> None:
    for i in range(n):
        child = PersonFactory()
        concern = _file(
            town.teacher,
            child_first_name=f"Barn{i}",
            categories=["violence"] if i % 2 else ["neglect"],
        )
        services.concern_assign(actor=town.caseworker, concern_id=concern.pk)
        if i % 3 == 0:
            services.concern_match(actor=town.caseworker, concern_id=concern.pk, person_id=child.pk)


@pytest.mark.django_db
def test_the_reception_list_and_my_reports_have_a_constant_query_count(town):
    town.teacher.email = "lotte@skole.invalid"  # so every report has a letter on "Mine underretninger"
    town.teacher.save()
    reception, mine = _ui(town.caseworker), _ui(town.teacher)
    _reports(town, 3)
    small = (_count(reception, reverse("concerns:reception")), _count(mine, reverse("concerns:mine")))
    _reports(town, 7)
    assert Concern.objects.count() == 10
    large = (_count(reception, reverse("concerns:reception")), _count(mine, reverse("concerns:mine")))
    assert small == large


def test_a_taken_report_without_a_child_is_on_mine_frister_of_the_taker_only(town):
    concern = _file()
    assert concern.case_id is None
    services.concern_assign(actor=town.caseworker, concern_id=concern.pk)
    page = login(Client(), town.caseworker).get(reverse("deadlines:mine"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Vurdering af underretningen inden for 24 timer" in html
    assert reverse("concerns:detail", args=[concern.pk]) in html
    # A caseworker outside the reception owns nothing here and sees nothing of it.
    other = login(Client(), town.other_caseworker).get(reverse("deadlines:mine")).content.decode()
    assert reverse("concerns:detail", args=[concern.pk]) not in other
