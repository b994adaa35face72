"""CPR parsing, masking and masking in free text. Pure: no database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helhed.people import policies
from helhed.people.policies import InvalidCpr, format_cpr, looks_like_cpr, mask, mask_in_text, parse

TODAY = date(2025, 6, 1)

MSG_EMPTY = "Skriv et CPR-nummer med 10 cifre, fx 010203-1234."
MSG_SHAPE = "Et CPR-nummer består af 10 cifre (6 for fødselsdatoen og 4 løbenumre), fx 010203-1234."
MSG_DATE = "De første seks cifre i CPR-nummeret er ikke en gyldig dato (DDMMÅÅ). Tjek dag og måned."
MSG_FUTURE = "CPR-nummeret giver en fødselsdato i fremtiden. Tjek tallene."


def _raises(value, message, **kw):
    with pytest.raises(InvalidCpr) as exc:
        parse(value, **kw)
    assert str(exc.value) == message
    return exc.value


# -- valid numbers -----------------------------------------------------------------------------------


@pytest.mark.parametrize("written", ["1503124321", "150312-4321", " 150312-4321 ", "150312 4321"])
def test_valid_with_and_without_dash(written):
    parsed = parse(written, today=TODAY)
    assert parsed.number == "1503124321"
    assert parsed.birth_date == date(2012, 3, 15)
    assert parsed.sex == "M"
    assert parsed.masked == "150312-xxxx"


@pytest.mark.parametrize(
    ("number", "birth"),
    [
        ("0102031234", date(1903, 2, 1)),  # 7th digit 0-3: 1900s
        ("0102034234", date(2003, 2, 1)),  # 7th digit 4, year <= 36: 2000s
        ("0102504234", date(1950, 2, 1)),  # 7th digit 4, year > 36: 1900s
        ("0102505234", date(2050, 2, 1) if TODAY.year >= 2050 else None),  # 5-8, year <= 57: 2000s (future now)
        ("0102655234", date(1865, 2, 1)),  # 5-8, year > 57: 1800s
        ("0102309234", date(2030, 2, 1) if TODAY.year >= 2030 else None),  # 9, year <= 36: 2000s (future now)
        ("0102909234", date(1990, 2, 1)),  # 9, year > 36: 1900s
    ],
)
def test_century_from_seventh_digit(number, birth):
    if birth is None:
        _raises(number, MSG_FUTURE, today=TODAY)
    else:
        assert parse(number, today=TODAY).birth_date == birth


@pytest.mark.parametrize(("last", "sex"), [(str(d), "M" if d % 2 else "F") for d in range(10)])
def test_sex_from_last_digit(last, sex):
    assert parse(f"010110412{last}", today=TODAY).sex == sex


def test_full_width_digits_are_normalised_to_ascii():
    # python-stdnum's compact() folds full-width digits, so the hash and the stored number are the plain ones.
    assert parse("１５０３１２－４３２１", today=TODAY).number == "1503124321"


def test_non_ascii_digits_are_refused():
    # Other Unicode digits pass str.isdigit() but would be stored and hashed as a different "same" number.
    _raises("١٥٠٣١٢٤٣٢١", MSG_SHAPE, today=TODAY)


def test_leap_day_in_a_leap_year_is_valid():
    assert parse("290200-4123", today=TODAY).birth_date == date(2000, 2, 29)


def test_born_today_is_not_in_the_future():
    assert parse("010625-4123", today=TODAY).birth_date == TODAY


# -- invalid numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "   ", None])
def test_empty(value):
    _raises(value, MSG_EMPTY)


@pytest.mark.parametrize(
    "value",
    ["12345", "010203123", "010203-123", "01020312345", "010203-12345", "0102-03-1234-5", "1" * 20],
)
def test_wrong_length(value):
    _raises(value, MSG_SHAPE)


@pytest.mark.parametrize("value", ["01020a-1234", "010203-12x4", "abcdefghij", "010203/1234", "٠١٠٢٠٣١٢٣٤"])
def test_letters_and_other_characters(value):
    _raises(value, MSG_SHAPE)


@pytest.mark.parametrize(
    "value",
    [
        "310299-1234",  # 31 February
        "300200-4123",  # 30 February 2000
        "290200-0123",  # 29 February 1900: 1900 was not a leap year
        "320112-4123",  # day 32
        "001012-4123",  # day 0
        "011312-4123",  # month 13
        "010012-4123",  # month 0
        "310412-4123",  # 31 April
    ],
)
def test_impossible_dates(value):
    _raises(value, MSG_DATE, today=TODAY)


def test_future_birth_date():
    _raises("020625-4123", MSG_FUTURE, today=TODAY)


def test_future_check_uses_todays_date_by_default():
    # 7th digit 5, year 57 -> 2057: in the future for anyone running this before then.
    _raises("0101575123", MSG_FUTURE)


def test_invalid_cpr_is_a_value_error():
    # Forms and the API catch ValueError-like input errors; keep it that way.
    assert issubclass(InvalidCpr, ValueError)


# -- masking -----------------------------------------------------------------------------------------


def test_mask_and_format():
    assert mask("1503124321") == "150312-xxxx"
    assert format_cpr("1503124321") == "150312-4321"


def test_looks_like_cpr():
    assert looks_like_cpr("150312-4321")
    assert looks_like_cpr(" 1503124321 ")
    assert not looks_like_cpr("Karla Testesen")
    assert not looks_like_cpr("27.24.00-G01-5-19")
    assert not looks_like_cpr("15031243")
    assert not looks_like_cpr("")
    assert not looks_like_cpr(None)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("150312-4321", "150312-xxxx"),
        ("1503124321", "150312-xxxx"),
        ("barn 150312-4321 og 0202034123", "barn 150312-xxxx og 020203-xxxx"),
        ("(150312-4321)", "(150312-xxxx)"),
        ("Karla Testesen", "Karla Testesen"),
        ("27.24.00-G01-5-19", "27.24.00-G01-5-19"),
        ("tlf 12345678", "tlf 12345678"),  # a phone number is not a CPR number
        ("15031243219", "150312-xxxx"),  # eleven digits: a CPR number with a typo still holds the number
        ("", ""),
        (None, ""),
    ],
)
def test_mask_in_text(text, expected):
    assert mask_in_text(text) == expected


# -- properties --------------------------------------------------------------------------------------


def _century_digits(year: int) -> list[int]:
    """Seventh digits python-stdnum maps to this year's century (see stdnum.dk.cpr.get_birth_date)."""
    yy = year % 100
    digits = []
    if 1900 <= year <= 1999:
        digits += [0, 1, 2, 3]
        if yy > 36:
            digits += [4, 9]
    if 2000 <= year <= 2036:
        digits += [4, 9]
    if 2000 <= year <= 2057:
        digits += [5, 6, 7, 8]
    if 1858 <= year <= 1899:
        digits += [5, 6, 7, 8]
    return digits


@st.composite
def valid_cprs(draw):
    birth = draw(st.dates(min_value=date(1858, 1, 1), max_value=TODAY))
    seventh = draw(st.sampled_from(_century_digits(birth.year)))
    serial = draw(st.integers(min_value=0, max_value=999))
    number = f"{birth:%d%m%y}{seventh}{serial:03d}"
    return number, birth


@settings(max_examples=300, deadline=None)
@given(valid_cprs(), st.booleans())
def test_any_valid_cpr_round_trips(generated, dashed):
    number, birth = generated
    written = format_cpr(number) if dashed else number
    parsed = parse(written, today=TODAY)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.sex == ("M" if int(number[-1]) % 2 else "F")
    assert format_cpr(parsed.number) == f"{number[:6]}-{number[6:]}"
    assert parse(parsed.number, today=TODAY) == parsed


@settings(max_examples=300, deadline=None)
@given(valid_cprs(), st.text(max_size=20), st.text(max_size=20))
def test_mask_never_leaks_the_serial_digits(generated, before, after):
    number, _ = generated
    masked = mask(number)
    assert masked == f"{number[:6]}-xxxx"
    assert masked[7:] == "xxxx"
    assert number not in masked

    # In free text (a search criterion) with separators around it, both spellings are masked.
    for written in (number, format_cpr(number)):
        text = f"{before} {written} {after}"
        out = mask_in_text(text)
        assert number not in out
        assert format_cpr(number) not in out
        assert f"{number[:6]}-xxxx" in out


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789-  ab", max_size=14))
def test_parse_either_succeeds_or_raises_invalid_cpr(value):
    # Never an unexpected exception (that would be a 500 in a form or the API).
    try:
        parsed = parse(value, today=TODAY)
    except InvalidCpr as exc:
        assert str(exc) in {MSG_EMPTY, MSG_SHAPE, MSG_DATE, MSG_FUTURE}
    else:
        assert len(parsed.number) == 10 and parsed.number.isdigit()
        assert parsed.birth_date <= TODAY
        assert policies.looks_like_cpr(format_cpr(parsed.number))
