"""The absence import: every bad line reported with its number, nothing imported from a bad file unless bad lines
are skipped, re-importing changes nothing, encodings and formats."""

from __future__ import annotations

from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from helhed.detection.imports import AbsenceFileError, import_file
from helhed.detection.models import AbsenceCoverage, AbsenceDay, AbsenceImport, ImportStatus

from .conftest import HEADER, INSTITUTION, full_file_lines, last_school_day, school_days_before, write_file

pytestmark = pytest.mark.django_db(transaction=False)


def _state():
    return (
        sorted(AbsenceDay.objects.values_list("person_id", "school_id", "day", "kind", "days")),
        sorted(AbsenceCoverage.objects.values_list("person_id", "school_id", "first_day", "last_day")),
    )


def test_a_good_file_is_imported_with_its_absence_and_coverage(town, pupils, tmp_path):
    days = school_days_before(last_school_day(), 10)
    absent = {(0, days[3]): ("sygdom", "1"), (1, days[4]): ("ulovligt", "0,5"), (1, days[5]): ("lovligt", "1")}
    path = write_file(tmp_path, full_file_lines(pupils, days, absent=absent))
    record, outcome = import_file(actor=town.administrator, path=path, file_name="fravaer.csv")
    assert outcome.status == ImportStatus.DONE, outcome.errors
    assert (outcome.rows, outcome.pupils, outcome.bad_lines, outcome.absence_rows) == (30, 3, 0, 3)
    rows = {(r.person_id, r.day, r.kind): r.days for r in AbsenceDay.objects.all()}
    assert rows == {
        (pupils[0].person.pk, days[3], "illness"): Decimal("1.000"),
        (pupils[1].person.pk, days[4], "unauthorised"): Decimal("0.500"),
        (pupils[1].person.pk, days[5], "permitted"): Decimal("1.000"),
    }
    coverage = AbsenceCoverage.objects.get(person=pupils[2].person)
    assert (coverage.first_day, coverage.last_day) == (days[0], days[-1])
    assert record.status == ImportStatus.DONE and record.rows == 30


def test_reimporting_the_same_file_changes_nothing(town, pupils, tmp_path):
    days = school_days_before(last_school_day(), 5)
    path = write_file(tmp_path, full_file_lines(pupils, days, absent={(0, days[1]): ("sygdom", "1")}))
    import_file(actor=town.administrator, path=path, file_name="a.csv")
    before = _state()
    _record, outcome = import_file(actor=town.administrator, path=path, file_name="a.csv")
    assert outcome.status == ImportStatus.UNCHANGED
    assert _state() == before


def test_a_corrected_file_for_the_same_days_replaces_the_school_s_absence(town, pupils, tmp_path):
    days = school_days_before(last_school_day(), 5)
    first = write_file(tmp_path, full_file_lines(pupils, days, absent={(0, days[1]): ("sygdom", "1")}), name="1.csv")
    import_file(actor=town.administrator, path=first, file_name="1.csv")
    second = write_file(tmp_path, full_file_lines(pupils, days, absent={(2, days[2]): ("ulovligt", "1")}), name="2.csv")
    import_file(actor=town.administrator, path=second, file_name="2.csv")
    assert list(AbsenceDay.objects.values_list("person_id", "day", "kind")) == [
        (pupils[2].person.pk, days[2], "unauthorised")
    ]


def test_every_bad_line_is_reported_with_its_number_and_nothing_is_imported(town, pupils, tmp_path):
    day = last_school_day()
    saturday = day
    while saturday.weekday() != 5:
        saturday = saturday.replace(day=saturday.day) - __import__("datetime").timedelta(days=1)
    good = f"{pupils[0].cpr};{INSTITUTION};{day.isoformat()};sygdom;1"
    lines = [
        good,  # line 2
        f"1234567890;{INSTITUTION};{day.isoformat()};sygdom;1",  # 3: impossible CPR date
        f"{pupils[1].cpr};999999;{day.isoformat()};sygdom;1",  # 4: unknown school
        f"{pupils[1].cpr};{INSTITUTION};31-02-2026;sygdom;1",  # 5: no such date
        f"{pupils[1].cpr};{INSTITUTION};{saturday.isoformat()};sygdom;1",  # 6: weekend
        f"{pupils[1].cpr};{INSTITUTION};{day.isoformat()};skulker;1",  # 7: unknown kind
        f"{pupils[1].cpr};{INSTITUTION};{day.isoformat()};ulovligt;2",  # 8: more than a day
        good,  # 9: duplicate of line 2
        f"{pupils[2].cpr};{INSTITUTION};2030-01-07;sygdom;1",  # 10: future
        f"{pupils[2].cpr};{INSTITUTION};2026-07-06;sygdom;1",  # 11: summer holiday
        f"{pupils[2].cpr};{INSTITUTION}",  # 12: truncated
    ]
    path = write_file(tmp_path, lines)
    record, outcome = import_file(actor=town.administrator, path=path, file_name="bad.csv")
    assert outcome.status == ImportStatus.REJECTED
    by_line = {e.line: e for e in outcome.errors}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
    assert "CPR" in by_line[3].message
    assert "999999" in by_line[4].message
    assert "31-02-2026" in by_line[5].message
    assert "skoledag" in by_line[6].message
    assert "skulker" in by_line[7].message
    assert "linje 2" in by_line[9].message
    assert "fremtiden" in by_line[10].message
    assert "sommerferien" in by_line[11].message
    assert "afkortet" in by_line[12].message
    assert AbsenceDay.objects.count() == 0 and AbsenceCoverage.objects.count() == 0
    assert record.report["errors"][0]["line"] == 3


def test_skip_bad_lines_imports_the_good_ones(town, pupils, tmp_path):
    day = last_school_day()
    lines = [f"{pupils[0].cpr};{INSTITUTION};{day.isoformat()};sygdom;1", f"{pupils[1].cpr};{INSTITUTION};x;sygdom;1"]
    path = write_file(tmp_path, lines)
    _record, outcome = import_file(actor=town.administrator, path=path, file_name="f.csv", skip_bad_lines=True)
    assert outcome.status == ImportStatus.DONE and outcome.bad_lines == 1
    assert AbsenceDay.objects.count() == 1


def test_pupils_unknown_to_the_registry_are_listed_masked_and_left_out(town, pupils, tmp_path):
    day = last_school_day()
    stranger = "0203161234"
    lines = [f"{pupils[0].cpr};{INSTITUTION};{day.isoformat()};sygdom;1", f"{stranger};{INSTITUTION};{day};sygdom;1"]
    _record, outcome = import_file(actor=town.administrator, path=write_file(tmp_path, lines), file_name="f.csv")
    assert outcome.status == ImportStatus.DONE
    assert outcome.unknown_pupils == 1
    assert outcome.unknown == [{"cpr": "020316-xxxx", "institution": INSTITUTION, "lines": 1, "first_line": 3}]
    assert "1234" not in str(AbsenceImport.objects.get().report)


@pytest.mark.parametrize("encoding,bom", [("latin-1", False), ("utf-8", True)])
def test_latin1_and_utf8_with_bom_are_read(town, pupils, tmp_path, encoding, bom):
    day = last_school_day()
    header = "CPR;Institutionsnummer;Dato;Fraværstype;Fravær_dage"
    lines = [f"{pupils[0].cpr};{INSTITUTION};{day.strftime('%d-%m-%Y')};Ulovligt fravær;1"]
    path = write_file(tmp_path, lines, header=header, encoding=encoding, bom=bom)
    _record, outcome = import_file(actor=town.administrator, path=path, file_name="f.csv")
    assert outcome.status == ImportStatus.DONE, outcome.errors
    assert AbsenceDay.objects.get().kind == "unauthorised"


def test_lessons_are_converted_to_days(town, pupils, tmp_path):
    day = last_school_day()
    header = "cpr,institutionsnummer,dato,fravaerstype,fravaer_lektioner,lektioner"
    lines = [f"{pupils[0].cpr},{INSTITUTION},{day.isoformat()},ulovligt,3,6"]
    path = write_file(tmp_path, lines, header=header)
    import_file(actor=town.administrator, path=path, file_name="f.csv")
    assert AbsenceDay.objects.get().days == Decimal("0.500")


def test_a_wrong_header_is_a_file_error_naming_the_columns(town, tmp_path):
    path = write_file(tmp_path, ["1;2;3"], header="elev;skole;dag")
    with pytest.raises(AbsenceFileError) as err:
        import_file(actor=town.administrator, path=path, file_name="f.csv")
    assert "cpr" in str(err.value.message) and "institutionsnummer" in str(err.value.message)
    assert AbsenceImport.objects.get().status == ImportStatus.REJECTED


def test_a_binary_file_is_refused(town, tmp_path):
    path = tmp_path / "f.xlsx"
    path.write_bytes(b"PK\x03\x04\x00\x00\x00binary")
    with pytest.raises(AbsenceFileError):
        import_file(actor=town.administrator, path=path, file_name="f.xlsx")


def test_parquet_is_imported_and_a_truncated_parquet_refused(town, pupils, tmp_path):
    day = last_school_day()
    table = pa.table(
        {
            "cpr": [pupils[0].cpr, pupils[1].cpr],
            "institutionsnummer": [INSTITUTION, INSTITUTION],
            "dato": pa.array([day, day], pa.date32()),
            "fravaerstype": ["sygdom", "ulovligt"],
            "fravaer_dage": [1.0, 0.5],
        }
    )
    path = tmp_path / "f.parquet"
    pq.write_table(table, path)
    _record, outcome = import_file(actor=town.administrator, path=path, file_name="f.parquet")
    assert outcome.status == ImportStatus.DONE, outcome.errors
    assert AbsenceDay.objects.count() == 2
    broken = tmp_path / "broken.parquet"
    broken.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    with pytest.raises(AbsenceFileError):
        import_file(actor=town.administrator, path=broken, file_name="broken.parquet")
    assert AbsenceDay.objects.count() == 2


def test_header_constant_names_the_columns():
    assert HEADER.split(";")[:2] == ["cpr", "institutionsnummer"]


def test_a_failure_while_writing_leaves_nothing_half_written(town, pupils, tmp_path, monkeypatch):
    """Atomicity: the absence rows are already sent when the coverage fails; the whole import rolls back, the earlier
    import stays as it was, and the record says that nothing was imported."""
    from helhed.detection import imports

    days = school_days_before(last_school_day(), 5)
    first = write_file(tmp_path, full_file_lines(pupils, days, absent={(0, days[1]): ("sygdom", "1")}), name="1.csv")
    import_file(actor=town.administrator, path=first, file_name="1.csv")
    before = _state()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_upsert_coverage", broken)
    second = write_file(tmp_path, full_file_lines(pupils, days, absent={(2, days[2]): ("ulovligt", "1")}), name="2.csv")
    with pytest.raises(RuntimeError):
        import_file(actor=town.administrator, path=second, file_name="2.csv")
    assert _state() == before
    record = AbsenceImport.objects.get(file_name="2.csv")
    assert record.status == ImportStatus.REJECTED and "intet er importeret" in record.report["message"]
