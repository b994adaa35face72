"""The pure rules of screening: the instrument's YAML and its checks, the score with every contribution, the class
review's status table and the small-number suppression of the evaluation. No database."""

from __future__ import annotations

import copy
from decimal import Decimal
from itertools import product
from pathlib import Path

import pytest

from helhed.screening import policies
from helhed.screening.models import NextStep

BUNDLED = Path(policies.__file__).resolve().parent / "instruments"

SMALL_YAML = """
key: test
version: 2
title: "Testinstrument"
purpose: "Formål"
legal_basis: "Folkeskolelovens § 1"
scales:
  - {key: s, title: "Skolen"}
  - {key: f, title: "Familien"}
items:
  - key: a
    scale: s
    text: "Spørgsmål A"
    answers:
      - {key: nej, label: "Nej", weight: 0}
      - {key: ja, label: "Ja", weight: 2.5}
  - key: b
    scale: f
    text: "Spørgsmål B"
    answers:
      - {key: nej, label: "Nej", weight: 0}
      - {key: ja, label: "Ja", weight: 3}
thresholds:
  - {key: lav, label: "Lav", from: 0}
  - {key: hoej, label: "Høj", from: 3}
"""


def _data() -> dict:
    return copy.deepcopy(policies.read_yaml(SMALL_YAML))


def _errors(data) -> list[str]:
    with pytest.raises(policies.InstrumentInvalid) as exc:
        policies.parse_instrument(data)
    return exc.value.errors


def test_a_valid_instrument_is_read_with_its_bands_and_range():
    instrument = policies.instrument_from_yaml(SMALL_YAML)
    assert (instrument.key, instrument.version, instrument.title) == ("test", 2, "Testinstrument")
    assert [i.key for i in instrument.items] == ["a", "b"]
    assert instrument.items[0].answers[1].weight == Decimal("2.5")
    assert (instrument.min_score, instrument.max_score) == (Decimal(0), Decimal("5.5"))
    assert [b.key for b in instrument.bands] == ["lav", "hoej"]
    assert instrument.example is False


def test_the_definition_reads_back_to_the_same_instrument():
    instrument = policies.instrument_from_yaml(SMALL_YAML)
    assert policies.parse_instrument(policies.definition(instrument)) == instrument


def test_the_bundled_example_instrument_is_valid_and_says_it_is_an_example():
    files = sorted(BUNDLED.glob("*.yaml"))
    assert files
    instrument = policies.instrument_from_yaml(files[0].read_text(encoding="utf-8"))
    assert instrument.example is True
    assert "EKSEMPEL" in instrument.note and "kommunen" in instrument.note.lower()
    texts = " ".join(i.text.lower() for i in instrument.items)
    for risk in ("fravær", "ryge", "hash", "konflikt", "familien"):
        assert risk in texts, risk
    assert "§" in instrument.legal_basis and instrument.purpose


def test_missing_items_are_refused():
    data = _data()
    del data["items"]
    assert any("mangler listen 'items'" in e for e in _errors(data))
    data = _data()
    data["items"] = []
    assert any("ingen spørgsmål" in e for e in _errors(data))


def test_missing_fields_are_all_reported_at_once():
    data = _data()
    del data["title"]
    del data["legal_basis"]
    del data["items"][1]["text"]
    errors = _errors(data)
    assert any("'title'" in e for e in errors)
    assert any("'legal_basis'" in e for e in errors)
    assert any("Spørgsmål nr. 2 (b) mangler feltet 'text'" in e for e in errors)


def test_duplicate_keys_are_refused():
    data = _data()
    data["items"][1]["key"] = "a"
    assert any("'a' står der to gange" in e for e in _errors(data))
    data = _data()
    data["items"][0]["answers"][1]["key"] = "nej"
    assert any("svarmuligheden 'nej' står der to gange" in e for e in _errors(data))
    data = _data()
    data["thresholds"][1]["key"] = "lav"
    assert any("Grænsen 'lav' står der to gange" in e for e in _errors(data))


@pytest.mark.parametrize("weight", ["2", "to", None, True, [1], float("nan")])
def test_weights_that_are_not_numbers_are_refused(weight):
    data = _data()
    data["items"][0]["answers"][1]["weight"] = weight
    errors = _errors(data)
    assert any("vægten (weight) skal være et tal" in e and "Spørgsmål nr. 1 (a)" in e for e in errors), errors


def test_thresholds_must_increase():
    data = _data()
    data["thresholds"] = [{"key": "lav", "label": "Lav", "from": 0}, {"key": "hoej", "label": "Høj", "from": 0}]
    assert any("Grænserne skal stige" in e for e in _errors(data))
    data["thresholds"] = [
        {"key": "lav", "label": "Lav", "from": 0},
        {"key": "hoej", "label": "Høj", "from": 4},
        {"key": "middel", "label": "Middel", "from": 2},
    ]
    assert any("'middel' starter ved 2" in e for e in _errors(data))


def test_thresholds_must_be_numbers_and_cover_the_lowest_score():
    data = _data()
    data["thresholds"][1]["from"] = "tre"
    assert any("grænsen (from) skal være et tal" in e for e in _errors(data))
    data = _data()
    data["thresholds"][0]["from"] = 1
    assert any("lavest mulige score er 0" in e for e in _errors(data))


def test_an_item_in_an_unknown_scale_is_refused():
    data = _data()
    data["items"][0]["scale"] = "ukendt"
    assert any("skalaen 'ukendt', som ikke findes" in e for e in _errors(data))


def test_an_item_needs_two_answers_and_a_version_a_whole_number():
    data = _data()
    data["items"][0]["answers"] = data["items"][0]["answers"][:1]
    data["version"] = "2"
    errors = _errors(data)
    assert any("mindst to svarmuligheder" in e for e in errors)
    assert any("'version' skal være et helt tal" in e for e in errors)


def test_yaml_that_is_not_yaml_or_not_a_mapping_gets_a_danish_message():
    with pytest.raises(policies.InstrumentInvalid) as exc:
        policies.instrument_from_yaml("key: [a\nversion: 1")
    assert "ikke gyldig YAML" in exc.value.errors[0] and "linje" in exc.value.errors[0]
    with pytest.raises(policies.InstrumentInvalid) as exc:
        policies.instrument_from_yaml("- bare en liste")
    assert "samling af felter" in exc.value.errors[0]
    with pytest.raises(policies.InstrumentInvalid) as exc:
        policies.instrument_from_yaml("   ")
    assert "tom" in exc.value.errors[0]


def test_yaml_cannot_build_python_objects():
    with pytest.raises(policies.InstrumentInvalid):
        policies.instrument_from_yaml("key: !!python/object/apply:os.system ['true']\nversion: 1")


# -- the score ---------------------------------------------------------------------------------------------


def test_the_score_shows_every_items_contribution_and_the_band():
    instrument = policies.instrument_from_yaml(SMALL_YAML)
    result = policies.score(instrument, {"a": "ja", "b": "nej"})
    assert result.total == Decimal("2.5")
    assert result.band.key == "lav"
    assert [(c.item, c.answer, c.answer_label, c.weight) for c in result.contributions] == [
        ("a", "ja", "Ja", Decimal("2.5")),
        ("b", "nej", "Nej", Decimal(0)),
    ]
    assert result.by_scale == (("s", "Skolen", Decimal("2.5")), ("f", "Familien", Decimal(0)))
    assert policies.score(instrument, {"a": "ja", "b": "ja"}).band.key == "hoej"
    assert policies.score(instrument, {"a": "nej", "b": "ja"}).band.key == "hoej"  # exactly at the threshold


def test_the_score_is_the_sum_of_the_contributions_for_every_combination():
    instrument = policies.instrument_from_yaml((sorted(BUNDLED.glob("*.yaml"))[0]).read_text(encoding="utf-8"))
    for combination in product(*[item.answers for item in instrument.items]):
        answers = {item.key: a.key for item, a in zip(instrument.items, combination, strict=True)}
        result = policies.score(instrument, answers)
        assert result.total == sum(a.weight for a in combination)
        assert len(result.contributions) == len(instrument.items)
        assert instrument.min_score <= result.total <= instrument.max_score
        assert result.band == policies.band_for(instrument, result.total)


def test_an_unknown_answer_a_missing_answer_and_an_unknown_item_are_refused():
    instrument = policies.instrument_from_yaml(SMALL_YAML)
    with pytest.raises(policies.AnswersInvalid) as exc:
        policies.score(instrument, {"a": "maaske", "b": "ja"})
    assert "ukendt svar ('maaske')" in exc.value.errors[0]
    with pytest.raises(policies.AnswersInvalid) as exc:
        policies.score(instrument, {"a": "ja"})
    assert "Spørgsmål 2 er ikke besvaret" in exc.value.errors[0]
    with pytest.raises(policies.AnswersInvalid) as exc:
        policies.score(instrument, {"a": "ja", "b": "ja", "c": "ja"})
    assert "'c' findes ikke" in exc.value.errors[0]


# -- the class review ---------------------------------------------------------------------------------------


def test_a_review_moves_only_from_draft_to_completed():
    assert policies.review_move_allowed("", "draft")
    assert policies.review_move_allowed("draft", "completed")
    assert not policies.review_move_allowed("completed", "draft")
    assert not policies.review_move_allowed("", "completed")
    assert not policies.review_move_allowed("completed", "completed")


def test_the_steps_that_become_something_are_real_next_steps():
    assert policies.STEP_CONCERN in NextStep.values
    assert set(NextStep.values) >= policies.STEPS_MEETING


def test_grade_labels_are_trimmed():
    assert policies.clean_grade("  4.   kl. ") == "4. kl."


# -- small numbers ------------------------------------------------------------------------------------------


def _hidden_values_derivable(rows, columns, hidden) -> list[str]:
    """Every hidden cell that is the only hidden cell of a line whose total is shown (so it could be worked out)."""
    cols = [*columns, "total"]
    problems = []
    keys = [*rows, "total"]
    for r in keys:
        parts = [c for c in columns if hidden[r][c]]
        if len(parts) == 1 and not hidden[r]["total"]:
            problems.append(f"row {r}: {parts[0]}")
    for c in cols:
        parts = [r for r in rows if hidden[r][c]]
        if len(parts) == 1 and not hidden["total"][c]:
            problems.append(f"column {c}: {parts[0]}")
    return problems


def test_counts_under_five_are_hidden_and_cannot_be_worked_out():
    rows = {"A": {"lav": 20, "middel": 3, "hoej": 9}, "B": {"lav": 12, "middel": 8, "hoej": 7}}
    shown = policies.shown_table(rows, ["lav", "middel", "hoej"])
    assert shown["A"]["middel"] == "<5"
    # A second cell in A's row is hidden, so A's 3 cannot be found as total - the others.
    assert sum(1 for c in ("lav", "middel", "hoej") if shown["A"][c] == "<5") == 2
    # And in the middel column: B's 8 is hidden too (or the column total), so 3 = 11 - 8 cannot be done.
    assert shown["B"]["middel"] == "<5" or shown["total"]["middel"] == "<5"
    hidden = policies.suppress_table(rows, ["lav", "middel", "hoej"])
    assert not _hidden_values_derivable(rows, ["lav", "middel", "hoej"], hidden)


def test_a_small_total_is_hidden_with_its_cells():
    shown = policies.shown_table({"A": {"lav": 2, "hoej": 1}}, ["lav", "hoej"])
    assert shown["A"] == {"lav": "<5", "hoej": "<5", "total": "<5"}
    assert shown["total"]["total"] == "<5"


def test_large_counts_are_shown_as_they_are():
    rows = {"A": {"lav": 20, "hoej": 9}, "B": {"lav": 12, "hoej": 7}}
    shown = policies.shown_table(rows, ["lav", "hoej"])
    assert shown["A"] == {"lav": 20, "hoej": 9, "total": 29}
    assert shown["total"] == {"lav": 32, "hoej": 16, "total": 48}


@pytest.mark.parametrize("seed", range(40))
def test_no_hidden_cell_can_be_derived_in_random_tables(seed):
    import random

    rng = random.Random(seed)
    columns = ["a", "b", "c", "d"]
    rows = {f"s{i}": {c: rng.choice([0, 1, 3, 4, 5, 6, 12, 30]) for c in columns} for i in range(rng.randint(1, 5))}
    hidden = policies.suppress_table(rows, columns)
    for r, counts in rows.items():
        for c, n in counts.items():
            if n < policies.SMALL:
                assert hidden[r][c]
    assert not _hidden_values_derivable(rows, columns, hidden)


def test_a_mean_is_given_only_for_five_or_more():
    assert policies.mean_share([Decimal("0.1")] * 4 + [None]) == (4, None)
    n, mean = policies.mean_share([Decimal("0.1"), Decimal("0.2"), Decimal("0.3"), Decimal("0"), Decimal("0.4")])
    assert (n, mean) == (5, Decimal("0.2000"))
