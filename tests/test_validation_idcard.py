"""Resident ID numbers: validation, legacy upgrade, spreadsheet precision loss, masking.

All numbers are generated or are the published GB 11643 examples; none belongs to a real person.
"""
from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from commdesk.validation.idcard import (
    IdCheck,
    check_char,
    check_id_number,
    mask_id,
    normalise_id_text,
    upgrade_15,
)

TODAY = date(2024, 6, 15)
PROVINCES = [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
             50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91]
FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")


def make_id(region: str, born: date, seq: int) -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


regions = st.builds(lambda p, rest: f"{p:02d}{rest:04d}", st.sampled_from(PROVINCES),
                    st.integers(0, 9999))
birth_dates = st.dates(min_value=date(1880, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)
valid_ids = st.builds(make_id, regions, birth_dates, sequences)


# --- examples -------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("number", "born", "gender"),
    [
        ("34052419800101001X", date(1980, 1, 1), "男"),  # python-stdnum's cn.ric raises KeyError here
        ("11010519491231002X", date(1949, 12, 31), "女"),
        ("440524188001010014", date(1880, 1, 1), "男"),
    ],
)
def test_known_valid_numbers(number: str, born: date, gender: str) -> None:
    result = check_id_number(number, today=TODAY)
    assert result == IdCheck(ok=True, number=number, birth_date=born, gender=gender,
                             region_code=number[:6])
    assert result.problem is None and result.message is None and result.notes == ()


def test_default_today_is_real_date() -> None:
    assert check_id_number("34052419800101001X").ok
    tomorrow = date.today() + timedelta(days=1)
    assert check_id_number(make_id("110105", tomorrow, 1)).problem == "bad_birth_date"


@pytest.mark.parametrize(
    "raw",
    [
        "34052419800101001x",
        " 340524 19800101 001X ",
        "３４０５２４１９８００１０１００１ｘ",
        "\u3000340524198001010\u00a001X\t\n",
        "'34052419800101001X",
        '"34052419800101001X"',
        "‘34052419800101001X’",
        "\ufeff34052419800101001X",
    ],
)
def test_messy_text_is_normalised(raw: str) -> None:
    result = check_id_number(raw, today=TODAY)
    assert result.ok and result.number == "34052419800101001X"


def test_normalise_id_text() -> None:
    assert normalise_id_text(None) == ""
    assert normalise_id_text("") == ""
    assert normalise_id_text(" ｘ１２ ") == "X12"
    assert normalise_id_text("1\u30002\u00a03") == "123"
    assert normalise_id_text("'123'") == "123"
    assert normalise_id_text(123) == "123"


def test_check_char_and_upgrade() -> None:
    assert check_char("34052419800101001") == "X"
    assert check_char("11010519491231002") == "X"
    assert check_char("44052418800101001") == "4"
    assert upgrade_15("340524800101001") == "34052419800101001X"
    for bad in ["", "1234567890123456", "3405241980010100a", "３４０５２４１９８００１０１００１"]:
        with pytest.raises(ValueError):
            check_char(bad)
    for bad in ["34052480010100", "34052480010100X", "1234567890123456"]:
        with pytest.raises(ValueError):
            upgrade_15(bad)


def test_legacy_15_digits() -> None:
    for raw in ["340524800101001", 340524800101001, 340524800101001.0, Decimal("340524800101001")]:
        result = check_id_number(raw, today=TODAY)
        assert result.ok, raw
        assert result.number == "34052419800101001X"
        assert result.notes == ("legacy15",)
        assert result.birth_date == date(1980, 1, 1)
    assert check_id_number("340524800231001", today=TODAY).problem == "bad_birth_date"
    assert check_id_number("34052480010100X", today=TODAY).problem == "bad_chars"
    assert check_id_number("340524800101001.0", today=TODAY).ok  # a float turned into text


@pytest.mark.parametrize(
    "raw",
    [
        3.40524198001010e17,
        340524198001010000.0,
        1.3010219800101e16,
        "3.40524198001010E+17",
        "3.4052419800101e17",
        "3.40524198001010Ｅ＋17",
        "340524198001010016.0",
        340524198001010000,  # exact int, but padded with zeros the way Excel pads
        Decimal("3.40524198001010E+17"),
        Decimal("340524198001010000"),
    ],
)
def test_precision_lost(raw: object) -> None:
    result = check_id_number(raw, today=TODAY)
    assert not result.ok
    assert result.problem == "precision_lost"
    assert "文本" in result.message


def test_exact_int_and_decimal_are_checked() -> None:
    assert check_id_number(440524188001010014, today=TODAY).ok
    assert check_id_number(Decimal("440524188001010014"), today=TODAY).ok
    assert check_id_number(440524188001010015, today=TODAY).problem == "bad_checksum"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "empty"),
        ("", "empty"),
        ("  \u3000 ", "empty"),
        ("''", "empty"),
        ("abc", "bad_chars"),
        ("无", "bad_chars"),
        ("34052419800101001Y", "bad_chars"),
        ("3405241980X101001X", "bad_chars"),
        ("X40524198001010014", "bad_chars"),
        ("-34052419800101001X", "bad_chars"),
        (True, "bad_chars"),
        (float("nan"), "bad_chars"),
        (Decimal("Infinity"), "bad_chars"),
        ("3405241980010100", "bad_length"),
        ("3405241980010100123", "bad_length"),
        ("1234", "bad_length"),
        (12345.0, "bad_length"),
        (1234, "bad_length"),
        ("34052419800230001X", "bad_birth_date"),
        ("34052419801301001X", "bad_birth_date"),
        ("34052419800100001X", "bad_birth_date"),
        (make_id("340524", date(1879, 12, 31), 1), "bad_birth_date"),
        (make_id("340524", TODAY + timedelta(days=1), 1), "bad_birth_date"),
        ("340524198001010010", "bad_checksum"),
        ("340524198001010011", "bad_checksum"),
    ],
)
def test_problems(raw: object, problem: str) -> None:
    result = check_id_number(raw, today=TODAY)
    assert not result.ok
    assert result.problem == problem
    assert result.message and not re.search(r"\d{3}", result.message)
    assert result.number is None and result.birth_date is None and result.gender is None
    assert result.region_code is None


def test_checksum_message() -> None:
    assert check_id_number("340524198001010011", today=TODAY).message == (
        "身份证号校验位不正确，可能有输入错误，请核对"
    )


def test_region_is_only_a_warning() -> None:
    unknown = make_id("991234", date(1990, 1, 1), 123)
    result = check_id_number(unknown, today=TODAY)
    assert result.ok and result.notes == ("unknown_region",)
    legacy = check_id_number("001234900101123", today=TODAY)
    assert legacy.ok and legacy.notes == ("legacy15", "unknown_region")
    for prefix in ["71", "81", "82", "83", "91", "65"]:
        assert check_id_number(make_id(prefix + "0000", date(2000, 2, 29), 2), today=TODAY).notes == ()


def test_mask_id() -> None:
    assert mask_id("34052419800101001X") == "340524********001X"
    assert mask_id("340524800101001") == "340524*****1001"
    assert mask_id("123456789") == "12*****89"
    assert mask_id("1234567") == "*******"
    assert mask_id("") == "" and mask_id(None) == ""


# --- properties -----------------------------------------------------------------------------

@given(regions, birth_dates, sequences)
def test_generated_numbers_are_valid(region: str, born: date, seq: int) -> None:
    number = make_id(region, born, seq)
    result = check_id_number(number, today=TODAY)
    assert result.ok and result.number == number
    assert result.birth_date == born
    assert result.gender == ("男" if seq % 2 else "女")
    assert result.region_code == region
    assert result.notes == ()
    assert check_id_number(number.lower().translate(FULLWIDTH), today=TODAY) == result


@given(valid_ids, st.integers(0, 17), st.data())
def test_one_changed_character_is_detected(number: str, pos: int, data: st.DataObject) -> None:
    alphabet = "0123456789X" if pos == 17 else "0123456789"
    new = data.draw(st.sampled_from([c for c in alphabet if c != number[pos]]))
    mutated = number[:pos] + new + number[pos + 1:]
    result = check_id_number(mutated, today=TODAY)
    # MOD 11-2 detects every single substitution, so no mutated number may pass.
    assert not result.ok
    expected = {"bad_checksum", "bad_birth_date"} if 6 <= pos < 14 else {"bad_checksum"}
    assert result.problem in expected


@given(valid_ids, st.integers(0, 15))
def test_adjacent_transposition_is_detected(number: str, pos: int) -> None:
    assume(number[pos] != number[pos + 1])
    swapped = number[:pos] + number[pos + 1] + number[pos] + number[pos + 2:]
    assert not check_id_number(swapped, today=TODAY).ok


@given(regions, st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)), sequences)
def test_legacy_round_trip(region: str, born: date, seq: int) -> None:
    fifteen = f"{region}{born:%y%m%d}{seq:03d}"
    upgraded = upgrade_15(fifteen)
    assert upgraded[:6] + upgraded[8:17] == fifteen and upgraded[6:8] == "19"
    assert upgraded == make_id(region, born, seq)
    for raw in (fifteen, int(fifteen), float(int(fifteen))):
        result = check_id_number(raw, today=TODAY)
        assert result.ok and result.number == upgraded
        assert result.notes == ("legacy15",) and result.birth_date == born


@given(valid_ids)
def test_exact_ints_vs_zero_padding(number: str) -> None:
    assume(not number.endswith("X"))
    result = check_id_number(int(number), today=TODAY)
    if number.endswith("000"):
        assert result.problem == "precision_lost"
    else:
        assert result.ok and result.number == number
    assert check_id_number(float(number), today=TODAY).problem == "precision_lost"
    assert check_id_number(f"{float(number):E}", today=TODAY).problem == "precision_lost"


@given(valid_ids)
def test_mask_hides_birth_date_and_sequence(number: str) -> None:
    masked = mask_id(number)
    assert len(masked) == 18
    assert masked[:6] == number[:6] and masked[-4:] == number[-4:]
    assert masked[6:14] == "*" * 8


@given(st.text())
def test_mask_any_text(text: str) -> None:
    masked = mask_id(text)
    stripped = text.strip()
    assert len(masked) == len(stripped)
    if len(stripped) == 18:
        assert masked[6:14] == "*" * 8
    elif len(stripped) == 15:
        assert masked[6:11] == "*" * 5
    elif len(stripped) >= 8:
        assert masked[2:-2] == "*" * (len(stripped) - 4)
    else:
        assert masked == "*" * len(stripped)


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.decimals(), st.booleans(),
                 st.text(alphabet="0123456789Xx ０１２３４５６７８９ｘ.eE+-'\u3000", max_size=25)))
def test_anything_is_answered_without_raising(raw: object) -> None:
    result = check_id_number(raw, today=TODAY)
    assert isinstance(result, IdCheck)
    if result.ok:
        assert result.problem is None and result.message is None
        assert result.number and len(result.number) == 18
        assert check_char(result.number[:17]) == result.number[17]
        assert mask_id(result.number)[6:14] == "*" * 8
    else:
        assert result.problem in {"empty", "precision_lost", "bad_chars", "bad_length",
                                  "bad_birth_date", "bad_checksum"}
        assert result.message and not re.search(r"\d{3}", result.message)
        assert result.number is None


@given(st.text())
def test_normalise_is_idempotent(text: str) -> None:
    once = normalise_id_text(text)
    assert normalise_id_text(once) == once
    assert not any(ch.isspace() for ch in once) and "x" not in once

