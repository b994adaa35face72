"""`helhed absence import|flagged|evaluate`: exit codes and the JSON the issue names."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from helhed.detection.models import AbsenceAlert, AbsenceDay

from .conftest import INSTITUTION, full_file_lines, last_school_day, make_pupil, school_days_before, write_file

pytestmark = pytest.mark.django_db


def test_import_prints_a_json_summary_and_flagged_prints_the_pupils(town, school, tmp_path):
    pupil = make_pupil(school)
    days = school_days_before(last_school_day(), 10)
    path = write_file(tmp_path, full_file_lines([pupil], days, absent={(0, d): ("ulovligt", "1") for d in days[-6:]}))
    out, err = StringIO(), StringIO()
    call_command("absence", "import", str(path), stdout=out, stderr=err)
    summary = json.loads(out.getvalue())
    assert (summary["rows"], summary["pupils"], summary["errors"], summary["status"]) == (10, 1, 0, "done")
    assert "%" in err.getvalue()  # progress
    out = StringIO()
    call_command("absence", "flagged", "--as-of", last_school_day().isoformat(), "--format", "json", stdout=out)
    rows = json.loads(out.getvalue())
    assert len(rows) == 1
    assert rows[0]["cpr"] == f"{pupil.cpr[:6]}-{pupil.cpr[6:]}" and rows[0]["school"] == school.name
    assert rows[0]["absence_share"] == 0.6 and "i træk" in rows[0]["reason"]
    out = StringIO()
    call_command("absence", "evaluate", "--as-of", last_school_day().isoformat(), stdout=out)
    assert json.loads(out.getvalue()) == {"flagged": 1, "raised": 1}
    assert AbsenceAlert.objects.count() == 1


def test_a_bad_file_exits_non_zero_with_the_lines(town, school, tmp_path):
    pupil = make_pupil(school)
    path = write_file(tmp_path, [f"{pupil.cpr};{INSTITUTION};ikke-en-dato;sygdom;1"])
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("absence", "import", str(path), "--quiet", stdout=StringIO(), stderr=err)
    assert "linje 2" in err.getvalue()
    assert not AbsenceDay.objects.exists()


def test_a_missing_file_and_a_bad_date_are_command_errors(tmp_path):
    with pytest.raises(CommandError):
        call_command("absence", "import", str(tmp_path / "nope.csv"))
    with pytest.raises(CommandError):
        call_command("absence", "flagged", "--as-of", "31-12-2026")
