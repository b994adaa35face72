"""The pages of early detection from absence: the upload with its report, the alerts list (query count), the
follow-up forms with their Danish errors, children without a school, 'Mine møder' and 'Mine frister'."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helhed.core.tests.test_url_sweep import login
from helhed.detection import services
from helhed.detection.imports import import_file
from helhed.detection.models import AbsenceAlert, AbsenceDay, AbsenceImport, AlertStatus, ImportStatus

from .conftest import HEADER, INSTITUTION, full_file_lines, last_school_day, make_pupil, school_days_before, write_file

pytestmark = pytest.mark.django_db


def _body(response) -> str:
    return response.content.decode()


def _flag(town, school, tmp_path, n: int = 1) -> list:
    pupils = [make_pupil(school) for _ in range(n)]
    days = school_days_before(last_school_day(), 10)
    absent = {(i, d): ("ulovligt", "1") for i in range(n) for d in days[-6:]}
    import_file(
        actor=town.administrator,
        path=write_file(tmp_path, full_file_lines(pupils, days, absent=absent), name=f"f{n}.csv"),
        file_name="f.csv",
    )
    services.alerts_raise(actor=None, as_of=last_school_day())
    return pupils


def test_the_upload_imports_a_good_file_and_shows_the_counts(town, school):
    pupil = make_pupil(school)
    day = last_school_day()
    content = f"{HEADER}\n{pupil.cpr};{INSTITUTION};{day.isoformat()};sygdom;1\n".encode()
    client = login(Client(), town.administrator)
    response = client.post(reverse("detection:imports"), {"file": SimpleUploadedFile("fravaer.csv", content)})
    record = AbsenceImport.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("detection:import", args=[record.pk])
    assert record.status == ImportStatus.DONE and AbsenceDay.objects.count() == 1
    page = _body(client.get(response["Location"]))
    assert "Importeret" in page and "fravaer.csv" in page
    assert not record.stored_name  # the uploaded file is gone once imported


def test_a_bad_file_shows_every_bad_line_and_imports_nothing(town, school):
    pupil = make_pupil(school)
    day = last_school_day()
    content = (
        f"{HEADER}\n{pupil.cpr};{INSTITUTION};{day.isoformat()};sygdom;1\n"
        f"{pupil.cpr};000000;{day.isoformat()};sygdom;1\n0101;{INSTITUTION};{day.isoformat()};sygdom;1\n"
    ).encode()
    client = login(Client(), town.administrator)
    response = client.post(reverse("detection:imports"), {"file": SimpleUploadedFile("f.csv", content)}, follow=True)
    page = _body(response)
    assert "Afvist" in page and "Ukendt skole" in page and "CPR" in page
    assert "<td>3</td>" in page and "<td>4</td>" in page
    assert AbsenceDay.objects.count() == 0


@pytest.mark.parametrize(
    "upload,message",
    [
        (SimpleUploadedFile("ark.xlsx", b"PK\x03\x04"), "CSV-fil"),
        (SimpleUploadedFile("tom.csv", b""), "tom"),
    ],
)
def test_a_wrong_upload_gets_a_danish_400(town, school, upload, message):
    client = login(Client(), town.administrator)
    response = client.post(reverse("detection:imports"), {"file": upload})
    assert response.status_code == 400 and message in _body(response)
    assert not AbsenceImport.objects.exists()


def test_an_oversized_upload_is_refused(town, school, settings):
    settings.HELHED_ABSENCE_MAX_BYTES = 10
    client = login(Client(), town.administrator)
    response = client.post(reverse("detection:imports"), {"file": SimpleUploadedFile("f.csv", b"x" * 50)})
    assert response.status_code == 413 and "for stor" in _body(response)


def test_the_import_page_polls_while_running(town):
    record = AbsenceImport.objects.create(file_name="x.csv", sha256="0" * 64, created_at=timezone.now())
    client = login(Client(), town.administrator)
    page = _body(client.get(reverse("detection:import", args=[record.pk])))
    assert 'hx-trigger="every 2s"' in page and "<progress" in page
    partial = client.get(reverse("detection:import", args=[record.pk]), HTTP_HX_REQUEST="true")
    assert "<html" not in _body(partial) and "import-status" in _body(partial)


def test_the_alerts_list_shows_the_numbers_and_its_queries_do_not_grow(town, school, tmp_path):
    _flag(town, school, tmp_path, 1)
    client = login(Client(), town.school_social_worker)
    url = reverse("detection:alerts")
    with CaptureQueriesContext(connection) as ctx:
        page = _body(client.get(url))
    baseline = len(ctx.captured_queries)
    assert "skoledage i træk med ulovligt fravær" in page
    _flag(town, school, tmp_path, 4)
    with CaptureQueriesContext(connection) as ctx:
        page = _body(client.get(url))
    assert len(ctx.captured_queries) <= baseline
    assert AbsenceAlert.objects.count() == 5


def test_acknowledge_and_book_through_the_pages(town, school, tmp_path):
    _flag(town, school, tmp_path)
    alert = AbsenceAlert.objects.get()
    client = login(Client(), town.school_social_worker)
    url = reverse("detection:alert", args=[alert.pk])
    assert "Tag alarmen" in _body(client.get(url))
    response = client.post(reverse("detection:alert_acknowledge", args=[alert.pk]), {"ack-version": alert.version})
    assert response.status_code == 302
    page = _body(client.get(url))
    assert "Book møde med forældrene" in page and "Møde med forældrene om bekymrende fravær" in page
    day = (timezone.localdate() + timedelta(days=3)).isoformat()
    bad = client.post(
        reverse("detection:alert_book", args=[alert.pk]),
        {"book-day": day, "book-start": "15:00", "book-end": "14:00", "book-location": "Skolen"},
    )
    assert bad.status_code == 400 and "slutte efter" in _body(bad)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and not alert.meetings.exists()
    ok = client.post(
        reverse("detection:alert_book", args=[alert.pk]),
        {
            "book-day": day,
            "book-start": "14:00",
            "book-end": "15:00",
            "book-location": "Skolen",
            "book-staff": [str(town.teacher.pk)],
        },
    )
    assert ok.status_code == 302
    alert.refresh_from_db()
    assert alert.status == AlertStatus.MEETING_BOOKED
    teacher = login(Client(), town.teacher)
    assert "Møde med forældrene om skolefravær" in _body(teacher.get(reverse("meetings:mine")))
    ics = teacher.get(reverse("detection:meeting_ics", args=[alert.meetings.get().pk]))
    assert ics["Content-Type"].startswith("text/calendar") and alert.person.last_name not in ics.content.decode()
    assert "Fraværsalarm" in _body(client.get(reverse("deadlines:mine")))


def test_closing_without_a_reason_is_a_400_and_a_stale_version_a_409(town, school, tmp_path):
    _flag(town, school, tmp_path)
    alert = AbsenceAlert.objects.get()
    client = login(Client(), town.school_social_worker)
    response = client.post(reverse("detection:alert_close", args=[alert.pk]), {"close-version": alert.version})
    assert response.status_code == 400
    stale = client.post(
        reverse("detection:alert_close", args=[alert.pk]), {"close-version": alert.version + 1, "close-reason": "x"}
    )
    assert stale.status_code == 409 and "Genindlæs" in _body(stale)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.NEW


def test_another_school_s_staff_get_404(town, school, tmp_path):
    from helhed.testing.factories import UnitFactory, UnitKind, staff

    _flag(town, school, tmp_path)
    alert = AbsenceAlert.objects.get()
    other = UnitFactory(kind=UnitKind.MUNICIPAL_SCHOOL, administration=town.buf)
    client = login(
        Client(), staff("andenskole", "school_social_worker", other, first_name="Anne", last_name="Andenskole")
    )
    assert client.get(reverse("detection:alert", args=[alert.pk])).status_code == 404
    assert client.post(reverse("detection:alert_acknowledge", args=[alert.pk]), {"ack-version": 1}).status_code == 404
    listing = _body(client.get(reverse("detection:alerts")))
    assert alert.person.cpr_masked not in listing and alert.person.full_name not in listing


def test_children_without_a_school_page(town):
    from datetime import date

    from helhed.testing.factories import PersonFactory

    kids = [PersonFactory(cpr=None, birth_date=date(2016, 1, 5), district=town.district) for _ in range(5)]
    analyst = _body(login(Client(), town.analyst).get(reverse("detection:unschooled")))
    assert town.district.name in analyst and kids[0].last_name not in analyst
    leader = _body(login(Client(), town.leader).get(reverse("detection:unschooled")))
    assert kids[0].last_name in leader


def test_evaluate_now_raises_alerts(town, school, tmp_path):
    pupil = make_pupil(school)
    days = school_days_before(last_school_day(), 10)
    absent = {(0, d): ("ulovligt", "1") for d in days[-6:]}
    import_file(
        actor=town.administrator,
        path=write_file(tmp_path, full_file_lines([pupil], days, absent=absent)),
        file_name="f.csv",
    )
    response = login(Client(), town.administrator).post(reverse("detection:evaluate"), follow=True)
    assert "1 nye alarmer" in _body(response)
    assert AbsenceAlert.objects.get().person == pupil.person
