"""The pages of screening and class review: the journeys, the 404 for another school's data, the Danish 4xx for bad
input (nothing saved), the administrator's instrument and pilot page, the evaluation, and the list pages' query
ceilings."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from helhed.concerns.models import Concern
from helhed.core.tests.test_url_sweep import login
from helhed.detection.models import FollowUpMeeting
from helhed.screening import services
from helhed.screening.models import ClassReview, ClassReviewEntry, Instrument, PilotSchool, Screening
from helhed.testing.factories import PersonFactory

from .conftest import GRADE, HIGH_ANSWERS, enrol, screening_in

pytestmark = pytest.mark.django_db


def _klass(school) -> str:
    return f"{school.town.school.pk}|{GRADE}"


def _screening_post(school, pupil, *, action="save", judgement="Jeg er bekymret og taler med forældrene.", **extra):
    data = {
        "action": action,
        "klass": _klass(school),
        "instrument": school.instrument.pk,
        "person": pupil.pk,
        "judgement": judgement,
        "next_step": "parent_talk",
        **{f"item_{k}": v for k, v in HIGH_ANSWERS.items()},
    }
    data.update(extra)
    return data


# -- screening ----------------------------------------------------------------------------------------------


def test_the_new_screening_page_shows_purpose_legal_basis_and_the_class(school):
    client = login(Client(), school.town.teacher)
    response = client.get(reverse("screening:new"))
    assert response.status_code == 200
    assert f"{school.town.school.name} – {GRADE}" in response.content.decode()
    response = client.get(reverse("screening:new"), {"klass": _klass(school), "instrument": school.instrument.pk})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Formål" in page and "Hjemmel" in page and "Folkeskolelovens" in page
    assert "Eksempel: vægtene er ikke fastsat af kommunen" in page
    for pupil in school.pupils:
        assert pupil.full_name in page


def test_a_screening_is_previewed_saved_and_shown_with_every_contribution(school):
    client = login(Client(), school.town.teacher)
    pupil = school.pupils[0]
    preview = client.post(reverse("screening:new"), _screening_post(school, pupil, action="preview"))
    assert preview.status_code == 200
    assert "Sådan er scoren regnet ud" in preview.content.decode()
    assert not Screening.objects.exists()
    response = client.post(reverse("screening:new"), _screening_post(school, pupil))
    screening = Screening.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("screening:detail", args=[screening.pk])
    page = client.get(response["Location"]).content.decode()
    for c in screening.contributions:
        assert c["text"] in page and c["answer_label"] in page
    assert "Jeg er bekymret og taler med forældrene." in page
    assert "Samtale med forældre" in page
    assert pupil.full_name in client.get(reverse("screening:list")).content.decode()


def test_bad_screening_input_gets_a_danish_400_and_saves_nothing(school):
    client = login(Client(), school.town.teacher)
    pupil = school.pupils[0]
    response = client.post(reverse("screening:new"), _screening_post(school, pupil, judgement=""))
    assert response.status_code == 400
    assert "Skriv din egen faglige vurdering" in response.content.decode()
    response = client.post(reverse("screening:new"), _screening_post(school, pupil, item_hash="lidt"))
    assert response.status_code == 400
    response = client.post(reverse("screening:new"), _screening_post(school, school.other_pupil))
    assert response.status_code == 400
    assert not Screening.objects.exists()


def test_a_school_outside_the_pilot_is_refused_with_a_danish_403(school):
    services.pilot_set(actor=school.town.administrator, school_id=school.town.school.pk, active=False)
    client = login(Client(), school.town.teacher)
    response = client.post(reverse("screening:new"), _screening_post(school, school.pupils[0]))
    assert response.status_code == 403
    assert "ikke med i screeningspilotprojektet" in response.content.decode()
    assert not Screening.objects.exists()
    assert "Ingen af dine skoler er med" in client.get(reverse("screening:list")).content.decode()


def test_another_schools_screening_and_review_are_not_found(school):
    screening = services.screening_create(actor=school.town.teacher, data=screening_in(school))
    review = services.review_create(
        actor=school.town.teacher, school_id=school.town.school.pk, grade=GRADE, review_date=timezone.localdate()
    )
    outsider = login(Client(), school.other_teacher)
    assert outsider.get(reverse("screening:detail", args=[screening.pk])).status_code == 404
    assert outsider.get(reverse("screening:detail", args=[screening.pk + 1000])).status_code == 404
    assert outsider.get(reverse("screening:review", args=[review.pk])).status_code == 404
    assert school.pupils[0].full_name not in outsider.get(reverse("screening:list")).content.decode()
    assert (
        outsider.post(reverse("screening:review", args=[review.pk]), {"action": "complete", "version": 1}).status_code
        == 404
    )
    entry_url = reverse("screening:entry_meeting", args=[review.pk, 1])
    assert outsider.get(entry_url).status_code == 404
    # A caseworker (DETECTION, but no school) sees nothing either.
    caseworker = login(Client(), school.town.caseworker)
    assert caseworker.get(reverse("screening:detail", args=[screening.pk])).status_code == 404


@pytest.mark.parametrize("n", [1, 6])
def test_the_screening_list_has_a_fixed_query_ceiling(school, django_assert_max_num_queries, n):
    for pupil in school.pupils[:n]:
        services.screening_create(actor=school.town.teacher, data=screening_in(school, pupil=pupil))
    for _i in range(max(0, n - len(school.pupils))):
        extra = PersonFactory()
        enrol(extra, school.town.school)
        services.screening_create(actor=school.town.teacher, data=screening_in(school, pupil=extra))
    client = login(Client(), school.town.teacher)
    client.get(reverse("screening:list"))  # warm the session
    with django_assert_max_num_queries(16):
        response = client.get(reverse("screening:list"))
    assert response.status_code == 200
    assert response.content.decode().count('href="/screening/') >= n


# -- instruments and the pilot -------------------------------------------------------------------------------


def test_the_administrator_adds_a_version_from_yaml_with_clear_errors(school):
    client = login(Client(), school.town.administrator)
    assert client.get(reverse("screening:instruments")).status_code == 200
    bad = school.instrument.source_yaml.replace("version: 1", "version: 2").replace("weight: 3}", "weight: tre}")
    response = client.post(reverse("screening:instruments"), {"action": "create", "yaml_text": bad})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Instrumentet er ikke gemt" in page and "vægten (weight) skal være et tal" in page
    assert Instrument.objects.count() == 1
    response = client.post(reverse("screening:instruments"), {"action": "create", "yaml_text": "key: [x"})
    assert response.status_code == 400 and "ikke gyldig YAML" in response.content.decode()
    good = school.instrument.source_yaml.replace("version: 1", "version: 2")
    response = client.post(reverse("screening:instruments"), {"action": "create", "yaml_text": good})
    new = Instrument.objects.get(version=2)
    assert response.status_code == 302 and response["Location"] == reverse("screening:instrument", args=[new.pk])
    assert "version 2" in client.get(response["Location"]).content.decode()


def test_the_administrator_uploads_a_yaml_file(school):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = login(Client(), school.town.administrator)
    text = school.instrument.source_yaml.replace("version: 1", "version: 3")
    upload = SimpleUploadedFile("instrument.yaml", text.encode(), "application/x-yaml")
    response = client.post(reverse("screening:instruments"), {"action": "create", "yaml_file": upload})
    assert response.status_code == 302
    latin1 = SimpleUploadedFile("bad.yaml", "title: 'Æble'".encode("latin-1"), "application/x-yaml")
    response = client.post(reverse("screening:instruments"), {"action": "create", "yaml_file": latin1})
    assert response.status_code == 400 and "UTF-8" in response.content.decode()


def test_the_administrator_switches_the_pilot(school):
    client = login(Client(), school.town.administrator)
    response = client.post(reverse("screening:pilot"), {"school": school.other_school.pk, "active": "1"})
    assert response.status_code == 302
    assert PilotSchool.objects.get(school=school.other_school).active
    response = client.post(reverse("screening:pilot"), {"school": school.town.family_unit.pk, "active": "1"})
    assert response.status_code == 400
    assert client.post(reverse("screening:pilot"), {"school": "x"}).status_code == 400
    # Teachers may not.
    assert login(Client(), school.town.teacher).get(reverse("screening:instruments")).status_code == 403


# -- the evaluation ------------------------------------------------------------------------------------------


def test_the_analyst_sees_the_evaluation_with_small_numbers_hidden(school):
    services.screening_create(actor=school.town.teacher, data=screening_in(school))
    client = login(Client(), school.town.analyst)
    response = client.get(reverse("screening:evaluation"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "&lt;5" in page
    assert school.pupils[0].full_name not in page
    assert login(Client(), school.town.teacher).get(reverse("screening:evaluation")).status_code == 403
    assert client.get(reverse("screening:evaluation"), {"instrument": "x"}).status_code == 200


# -- class reviews --------------------------------------------------------------------------------------------


def test_a_class_review_is_started_marked_completed_and_a_step_becomes_a_meeting(school):
    town = school.town
    client = login(Client(), town.school_social_worker)
    response = client.post(
        reverse("screening:review_new"), {"klass": _klass(school), "review_date": timezone.localdate().isoformat()}
    )
    review = ClassReview.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("screening:review", args=[review.pk])
    page = client.get(response["Location"]).content.decode()
    for pupil in school.pupils:
        assert pupil.full_name in page
    marks = {"action": "mark", "version": review.version}
    for pupil in school.pupils:
        marks[f"level_{pupil.pk}"] = "none"
        marks[f"step_{pupil.pk}"] = "none"
    target = school.pupils[3]
    marks[f"level_{target.pk}"], marks[f"step_{target.pk}"] = "some", "parent_meeting"
    assert client.post(response["Location"], marks).status_code == 302
    assert ClassReviewEntry.objects.filter(review=review).count() == len(school.pupils)
    review.refresh_from_db()
    assert client.post(response["Location"], {"action": "complete", "version": review.version}).status_code == 302
    review.refresh_from_db()
    assert review.status == "completed"
    entry = ClassReviewEntry.objects.get(review=review, person=target)
    meeting_url = reverse("screening:entry_meeting", args=[review.pk, entry.pk])
    assert client.get(meeting_url).status_code == 200
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    bad = client.post(meeting_url, {"day": day, "start": "10:00", "end": "09:00", "location": "Skolen"})
    assert bad.status_code == 400 and "slutte efter" in bad.content.decode()
    assert not FollowUpMeeting.objects.exists()
    response = client.post(
        meeting_url, {"day": day, "start": "09:00", "end": "10:00", "location": "Skolen", "staff": [town.teacher.pk]}
    )
    assert response.status_code == 302
    meeting = FollowUpMeeting.objects.get()
    assert meeting.origin == "class_review" and meeting.origin_id == str(entry.pk)
    assert "Møde" in client.get(reverse("screening:review", args=[review.pk])).content.decode()


def test_review_bad_input_gets_a_danish_4xx(school):
    client = login(Client(), school.town.teacher)
    response = client.post(reverse("screening:review_new"), {"klass": _klass(school), "review_date": "2026-02-31"})
    assert response.status_code == 400
    response = client.post(
        reverse("screening:review_new"), {"klass": "999999|4. kl.", "review_date": timezone.localdate().isoformat()}
    )
    assert response.status_code == 400  # not one of my classes: the choice is refused
    review = services.review_create(
        actor=school.town.teacher, school_id=school.town.school.pk, grade=GRADE, review_date=timezone.localdate()
    )
    response = client.post(reverse("screening:review", args=[review.pk]), {"action": "complete", "version": 1})
    assert response.status_code == 400 and "mangler en markering" in response.content.decode()
    response = client.post(reverse("screening:review", args=[review.pk]), {"action": "complete", "version": 99})
    assert response.status_code == 409
    response = client.post(reverse("screening:review", args=[review.pk]), {"action": "explode"})
    assert response.status_code == 400
    assert ClassReview.objects.get().status == "draft"


def test_a_step_becomes_a_report_of_concern_from_the_page(school):
    town = school.town
    review = services.review_create(
        actor=town.teacher, school_id=town.school.pk, grade=GRADE, review_date=timezone.localdate()
    )
    target = school.pupils[0]
    services.review_mark(
        actor=town.teacher,
        review_id=review.pk,
        marks=[services.MarkIn(person_id=target.pk, level="great", next_step="report")],
    )
    entry = ClassReviewEntry.objects.get()
    client = login(Client(), town.teacher)
    page = client.get(reverse("screening:review", args=[review.pk])).content.decode()
    url = reverse("screening:entry_concern", args=[review.pk, entry.pk])
    assert url in page
    response = client.post(url, {"description": "", "child_knows": "unknown", "parents_know": "unknown"})
    assert response.status_code == 400 and not Concern.objects.exists()
    response = client.post(
        url,
        {
            "description": "Alma har fortalt om vold.",
            "categories": ["violence"],
            "child_knows": "no",
            "parents_know": "no",
        },
    )
    assert response.status_code == 302
    concern = Concern.objects.get()
    assert concern.child == target and concern.acute_track


@pytest.mark.parametrize("n", [1, 5])
def test_the_review_list_has_a_fixed_query_ceiling(school, django_assert_max_num_queries, n):
    for i in range(n):
        services.review_create(
            actor=school.town.teacher,
            school_id=school.town.school.pk,
            grade=GRADE,
            review_date=timezone.localdate() - timedelta(days=i),
        )
    client = login(Client(), school.town.teacher)
    client.get(reverse("screening:reviews"))
    with django_assert_max_num_queries(14):
        response = client.get(reverse("screening:reviews"))
    assert response.status_code == 200
