"""The counselling pages: who sees what (404 for another unit, 403 for roles without counselling), Danish messages
with 4xx for bad input, the handover form, what a converted course shows to someone who cannot see the case, and
the list's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.cases import services as case_services
from helhed.cases.models import Case
from helhed.core import audit
from helhed.core.tests.test_url_sweep import login
from helhed.counselling import services
from helhed.counselling.models import AnonymousCounselling, CounsellingStatus
from helhed.testing.factories import Role, UnitFactory, UnitKind, staff

from .conftest import consent, contact, course_in

pytestmark = pytest.mark.django_db


def _new_form(**kw) -> dict:
    data = {
        "pseudonym": "Drengen med hættetrøjen",
        "age_band": "16-17",
        "contact_by": "child",
        "topics": ["wellbeing", "substance"],
        "occurred_on": timezone.localdate().isoformat(),
        "channel": "online",
        "duration_minutes": "30",
        "summary": "Chat om at ryge hash med vennerne.",
    }
    data.update(kw)
    return data


def _convert_form(course, child, **kw) -> dict:
    data = {
        "action": "convert",
        "version": course.version,
        "child": str(child.pk),
        "consent_given": "on",
        "consent_name": "Mette Testesen",
        "consent_relation": "custody_holder",
        "consent_on": timezone.localdate().isoformat(),
        "consent_text": "At forløbet bliver en sag i rådgivningen.",
        "responsible_unit": course.unit_id,
        "responsible_caseworker": course.counsellor_id,
    }
    data.update(kw)
    return data


def test_the_counsellor_records_a_course_and_lands_on_it(town):
    client = login(Client(), town.counsellor)
    page = client.get(reverse("counselling:new"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Skriv ingen navne, adresser, CPR-numre" in body and "Åben anonym rådgivning" in body
    response = client.post(reverse("counselling:new"), _new_form())
    course = AnonymousCounselling.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("counselling:detail", args=[course.pk])
    detail = client.get(response["Location"]).content.decode()
    assert "Drengen med hættetrøjen" in detail and "Chat om at ryge hash" in detail and "16–17 år" in detail


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"pseudonym": "Karla 0102031234"}, "ser ud til at indeholde et CPR-nummer"),
        ({"summary": "Mor har cpr 010203-1234"}, "ser ud til at indeholde et CPR-nummer"),
        ({"topics": []}, "Vælg mindst ét emne."),
        ({"contact_by": ""}, "Vælg hvem der henvendte sig."),
        ({"duration_minutes": "0"}, "Denne værdi skal være større end eller lig 1."),
        ({"occurred_on": (timezone.localdate() + timedelta(days=2)).isoformat()}, "ligger i fremtiden"),
        ({"age_band": "99"}, "Marker en gyldig valgmulighed"),
    ],
)
def test_bad_input_on_the_new_page_gets_a_danish_message_and_400(town, change, message):
    client = login(Client(), town.counsellor)
    response = client.post(reverse("counselling:new"), _new_form(**change))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not AnonymousCounselling.objects.exists()


def test_contacts_close_and_reopen_on_the_page(town, course):
    client = login(Client(), town.counsellor)
    url = reverse("counselling:detail", args=[course.pk])
    response = client.post(
        url,
        {
            "action": "contact",
            "occurred_on": timezone.localdate().isoformat(),
            "channel": "in_person",
            "duration_minutes": "45",
            "summary": "Mor og datter kom sammen.",
        },
    )
    assert response.status_code == 302 and course.contacts.count() == 2
    bad = client.post(url, {"action": "contact", "occurred_on": "", "channel": "phone", "duration_minutes": "5"})
    assert bad.status_code == 400 and "Dette felt er påkrævet" in bad.content.decode()
    cpr = client.post(
        url,
        {
            "action": "contact",
            "occurred_on": timezone.localdate().isoformat(),
            "channel": "phone",
            "duration_minutes": "5",
            "summary": "01.02.03-1234",
        },
    )
    assert cpr.status_code == 400 and "CPR-nummer" in cpr.content.decode()
    course.refresh_from_db()
    assert client.post(url, {"action": "close", "version": course.version, "note": "Fik svar."}).status_code == 302
    course.refresh_from_db()
    assert course.status == CounsellingStatus.CLOSED
    stale = client.post(url, {"action": "reopen", "version": 1})
    assert stale.status_code == 409 and "Genindlæs siden" in stale.content.decode()
    assert client.post(url, {"action": "reopen", "version": course.version}).status_code == 302
    assert client.post(url, {"action": "dance"}).status_code == 400


def test_conversion_without_consent_is_refused_on_the_page(town, course, child):
    client = login(Client(), town.counsellor)
    url = reverse("counselling:convert", args=[course.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Kun med familiens samtykke" in page.content.decode()
    response = client.post(url, _convert_form(course, child, consent_given=""))
    assert response.status_code == 400
    assert (
        "Forløbet kan kun blive en sag med navn og CPR-nummer, når familien har givet samtykke. Registrér samtykket."
        in response.content.decode()
    )
    half = client.post(url, _convert_form(course, child, consent_text=""))
    assert half.status_code == 400 and "Skriv hvad familien har givet samtykke til" in half.content.decode()
    assert not Case.objects.exists()


def test_the_counsellor_finds_the_child_and_converts_with_consent(town, course, child):
    client = login(Client(), town.counsellor)
    url = reverse("counselling:convert", args=[course.pk])
    found = client.post(url, {"action": "search", "query": child.full_name})
    assert found.status_code == 200 and child.full_name in found.content.decode()
    bad_cpr = client.post(url, {"action": "search", "query": "321399-1234"})
    assert bad_cpr.status_code == 400 and "gyldig dato" in bad_cpr.content.decode()
    response = client.post(url, _convert_form(course, child, query=child.full_name))
    case = Case.objects.get(child=child)
    assert response.status_code == 302 and response["Location"] == reverse("cases:detail", args=[case.pk])
    detail = client.get(reverse("counselling:detail", args=[course.pk])).content.decode()
    assert case.journal_number in detail and "Mette Testesen" in detail
    # The page for conversion now sends the reader back to the course.
    assert client.get(url).status_code == 302


def test_a_converted_course_shows_no_case_and_no_consent_to_someone_who_cannot_see_the_case(town, course, child):
    colleague = staff("carl", Role.COUNSELLOR, town.counselling, first_name="Carl", last_name="Kollega")
    result = services.counselling_convert(
        actor=town.counsellor, counselling_id=course.pk, consent=consent(), child_id=child.pk
    )
    case_services.case_transfer(
        actor=town.counsellor,
        case_id=result.case.pk,
        to_unit=town.investigation,
        to_caseworker=town.caseworker,
        reason="Overdraget til undersøgelse",
    )
    client = login(Client(), colleague)
    page = client.get(reverse("counselling:detail", args=[course.pk])).content.decode()
    assert "Du har ikke adgang til sagen" in page
    assert result.case.journal_number not in page and "Mette Testesen" not in page and child.last_name not in page
    own = login(Client(), town.counsellor).get(reverse("counselling:detail", args=[course.pk])).content.decode()
    assert result.case.journal_number in own  # Åse stays on the team and sees the case


@pytest.fixture
def other_counsellor(town):
    other_unit = UnitFactory(name="Åben rådgivning Syd", kind=UnitKind.OPEN_COUNSELLING, administration=town.sof)
    return staff("ole", Role.COUNSELLOR, other_unit, first_name="Ole", last_name="Syd")


def test_another_units_counsellor_gets_404_and_the_teacher_403(town, course, other_counsellor):
    other = login(Client(), other_counsellor)
    for name in ("counselling:detail", "counselling:convert"):
        assert other.get(reverse(name, args=[course.pk])).status_code == 404
    assert (
        other.post(reverse("counselling:detail", args=[course.pk]), {"action": "close", "version": 1}).status_code
        == 404
    )
    listing = other.get(reverse("counselling:list")).content.decode()
    assert "Pigen med cyklen" not in listing
    # The family unit's leader holds the permission but not this unit.
    assert login(Client(), town.leader).get(reverse("counselling:detail", args=[course.pk])).status_code == 404
    teacher = login(Client(), town.teacher)
    for url in (reverse("counselling:list"), reverse("counselling:detail", args=[course.pk])):
        assert teacher.get(url).status_code == 403
    course.refresh_from_db()
    assert course.status == CounsellingStatus.OPEN


def test_the_menu_shows_counselling_to_those_with_the_permission(town):
    menu = login(Client(), town.counsellor).get(reverse("cases:home")).content.decode()
    assert f'href="{reverse("counselling:list")}"' in menu
    teacher_menu = login(Client(), town.teacher).get(reverse("cases:home")).content.decode()
    assert f'href="{reverse("counselling:list")}"' not in teacher_menu


def test_the_list_filters_by_status_age_band_and_topic(town, course):
    services.counselling_open(
        actor=town.counsellor, data=course_in(pseudonym="Drengen fra klubben", age_band="6-9", topics=["housing"])
    )
    closed = services.counselling_open(actor=town.counsellor, data=course_in(pseudonym="Den lukkede"))
    services.counselling_close(actor=town.counsellor, counselling_id=closed.pk)
    client = login(Client(), town.counsellor)
    url = reverse("counselling:list")

    def names(**params):
        body = client.get(url, params).content.decode()
        return {n for n in ("Pigen med cyklen", "Drengen fra klubben", "Den lukkede") if n in body}

    assert names() == {"Pigen med cyklen", "Drengen fra klubben"}
    assert names(status="closed") == {"Den lukkede"}
    assert names(status="all") == {"Pigen med cyklen", "Drengen fra klubben", "Den lukkede"}
    assert names(age_band="6-9") == {"Drengen fra klubben"}
    assert names(topic="wellbeing") == {"Pigen med cyklen"}
    assert names(topic="nonsense") == {"Pigen med cyklen", "Drengen fra klubben"}  # an unknown filter is ignored


def test_the_list_query_count_does_not_grow(town, django_assert_max_num_queries):
    client = login(Client(), town.counsellor)

    def add(n):
        for i in range(n):
            course = services.counselling_open(actor=town.counsellor, data=course_in(pseudonym=f"Forløb {i}"))
            services.contact_add(actor=town.counsellor, counselling_id=course.pk, data=contact())
        audit.seal_pending()

    add(2)
    with django_assert_max_num_queries(20) as ctx:
        assert client.get(reverse("counselling:list")).status_code == 200
    first = len(ctx.captured_queries)
    add(12)
    with django_assert_max_num_queries(first):
        assert client.get(reverse("counselling:list")).status_code == 200


def test_statistics_count_by_topic_and_age_band(town, course):
    services.counselling_open(actor=town.counsellor, data=course_in(age_band="6-9", topics=["school"]))
    page = login(Client(), town.counsellor).get(reverse("counselling:statistics"))
    assert page.status_code == 200
    body = page.content.decode()
    assert "I alt 2 forløb" in body
    assert "<td>Skole og dagtilbud</td><td>2</td>" in body and "<td>6–9 år</td><td>1</td>" in body
    assert "Pigen med cyklen" not in body  # counts only
