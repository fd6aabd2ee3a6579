"""Phone numbers: mobiles, landlines with area codes and extensions, masking, splitting cells.

All numbers are generated test data.
"""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from commdesk.validation.phone import (
    PhoneCheck,
    check_phone,
    mask_phone,
    normalise_phone_text,
    split_phones,
)

FULLWIDTH = str.maketrans("0123456789-()+", "０１２３４５６７８９－（）＋")


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        13812345678,
        13812345678.0,
        Decimal("13812345678"),
        "13812345678.0",
        " 138 1234 5678 ",
        "138-1234-5678",
        "138.1234.5678",
        "(138)12345678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
    ],
)
def test_mobile_forms(raw: object) -> None:
    assert check_phone(raw) == PhoneCheck(ok=True, number="13812345678", kind="mobile")


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("0311-86012345", "0311-86012345"),
        ("031186012345", "0311-86012345"),
        ("(0311)8601 2345", "0311-86012345"),
        ("（0311）86012345", "0311-86012345"),
        ("0311 8601-2345", "0311-86012345"),
        ("0311-8601234", "0311-8601234"),
        ("010-61234567", "010-61234567"),
        ("01061234567", "010-61234567"),
        ("010-6123-4567", "010-61234567"),
        ("020 6123 4567", "020-61234567"),
        ("0311-86012345-123", "0311-86012345-123"),
        ("0311-86012345转123", "0311-86012345-123"),
        ("0311 86012345 分机 8", "0311-86012345-8"),
        ("0311-86012345 ext. 4567", "0311-86012345-4567"),
        ("+86 311 86012345", "0311-86012345"),
        ("0086-10-61234567", "010-61234567"),
        ("86012345", "86012345"),
        ("8601234", "8601234"),
        ("8601-2345", "86012345"),
        ("86012345-12", "86012345-12"),
        (86012345, "86012345"),
        (86012345.0, "86012345"),
    ],
)
def test_landline_forms(raw: object, number: str) -> None:
    assert check_phone(raw) == PhoneCheck(ok=True, number=number, kind="landline")


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "empty"),
        ("", "empty"),
        ("   ", "empty"),
        ("\u3000", "empty"),
        ("-", "empty"),
        ("12345", "bad_format"),
        ("1381234567", "bad_format"),
        ("138123456789", "bad_format"),
        ("12812345678", "bad_format"),
        ("21234567890", "bad_format"),
        ("01161234567", "bad_format"),
        ("0011-86012345", "bad_format"),
        ("0311-1234", "bad_format"),
        ("0311-06012345", "bad_format"),
        ("0311-860123456", "bad_format"),
        ("01234567", "bad_format"),
        ("13812345678-123", "bad_format"),
        ("1.3812345678E10", "bad_format"),
        (13812345678.5, "bad_format"),
        (float("nan"), "bad_format"),
        ("无", "bad_format"),
        ("138abcd5678", "bad_format"),
        (True, "bad_format"),
    ],
)
def test_problems(raw: object, problem: str) -> None:
    result = check_phone(raw)
    assert not result.ok and result.problem == problem
    assert result.number is None and result.kind is None
    assert result.message and not re.search(r"\d{3}", result.message)


def test_normalise_phone_text() -> None:
    assert normalise_phone_text(None) == ""
    assert normalise_phone_text(13812345678.0) == "13812345678"
    assert normalise_phone_text("+86 (138) 1234-5678") == "13812345678"
    assert normalise_phone_text("0086 138.1234.5678") == "13812345678"
    assert normalise_phone_text("86 13812345678") == "13812345678"
    assert normalise_phone_text("８６１３８１２３４５６７８") == "13812345678"
    assert normalise_phone_text("(0311) 8601-2345") == "031186012345"
    assert normalise_phone_text("861234") == "861234"  # "86" is only a prefix before a mobile


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0311-86012345") == "0311-****45"
    assert mask_phone("0311-86012345-123") == "0311-****45"
    assert mask_phone("010-61234567") == "010-****67"
    assert mask_phone("86012345") == "****45"
    assert mask_phone("+86 138 1234 5678") == "138****5678"
    assert mask_phone(None) == "" and mask_phone("") == "" and mask_phone(" - ") == ""
    assert mask_phone("12345") == "*****"
    assert mask_phone("abcdefgh") == "******gh"


def test_split_phones() -> None:
    assert split_phones(None) == []
    assert split_phones("") == []
    assert split_phones(13812345678.0) == ["13812345678"]
    assert split_phones("13812345678/13987654321") == ["13812345678", "13987654321"]
    assert split_phones("13812345678，0311-86012345、86012345;15912345678；0311 8601 2345") == [
        "13812345678", "0311-86012345", "86012345", "15912345678", "0311 8601 2345",
    ]
    assert split_phones("138 1234 5678 139 8765 4321") == ["138 1234 5678", "139 8765 4321"]
    assert split_phones("13812345678 13987654321") == ["13812345678", "13987654321"]
    assert split_phones("(0311) 8601 2345 转 12, 无") == ["(0311) 8601 2345 转 12", "无"]
    assert split_phones(" , / ") == []


# --- properties -----------------------------------------------------------------------------

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
area_codes = st.one_of(st.sampled_from(["010", "020", "021", "022", "023", "024", "025", "027",
                                        "028", "029"]),
                       st.from_regex(r"0[3-9][0-9]{2}", fullmatch=True))
locals_ = st.from_regex(r"[2-9][0-9]{6,7}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", ".", "\u3000", " - "])


def decorate(digits: str, seps: list[str]) -> str:
    """Insert separators after the 3rd and 7th digit (the usual way of writing a mobile)."""
    return digits[:3] + seps[0] + digits[3:7] + seps[1] + digits[7:]


@given(mobiles, st.lists(separators, min_size=2, max_size=2),
       st.sampled_from(["", "+86", "+86 ", "0086", "86", "+86-"]), st.booleans())
def test_decorated_mobiles(number: str, seps: list[str], prefix: str, fullwidth: bool) -> None:
    text = prefix + decorate(number, seps)
    if fullwidth:
        text = text.translate(FULLWIDTH)
    assert check_phone(text) == PhoneCheck(ok=True, number=number, kind="mobile")
    assert normalise_phone_text(text) == number
    assert mask_phone(text) == number[:3] + "****" + number[-4:]


@given(area_codes, locals_, st.sampled_from(["-", "", " ", ")", "－"]),
       st.one_of(st.none(), st.from_regex(r"[0-9]{1,5}", fullmatch=True)))
def test_generated_landlines(area: str, local: str, sep: str, ext: str | None) -> None:
    text = ("(" + area + sep + local) if sep == ")" else (area + sep + local)
    expected = f"{area}-{local}"
    if ext is not None:
        text += "-" + ext
        expected += "-" + ext
    result = check_phone(text)
    assert result == PhoneCheck(ok=True, number=expected, kind="landline")
    assert check_phone(result.number) == result  # the readable form is accepted again
    assert mask_phone(result.number) == f"{area}-****{local[-2:]}"


@given(st.lists(mobiles, min_size=1, max_size=5),
       st.lists(st.sampled_from(["/", ",", "，", "、", ";", "；", " ", " / ", "\n"]),
                min_size=4, max_size=4))
def test_split_then_check(numbers: list[str], seps: list[str]) -> None:
    text = numbers[0] + "".join(sep + n for sep, n in zip(seps, numbers[1:]))
    pieces = split_phones(text)
    assert [check_phone(p).number for p in pieces] == numbers


@given(st.one_of(st.none(), st.text(), st.integers(), st.floats(), st.decimals(), st.booleans(),
                 st.text(alphabet="0123456789+-()（）．. /,、转x#８６\u3000", max_size=30)))
def test_anything_is_answered_without_raising(raw: object) -> None:
    result = check_phone(raw)
    assert isinstance(result, PhoneCheck)
    assert isinstance(normalise_phone_text(raw), str)
    assert all(isinstance(p, str) and p for p in split_phones(raw))
    masked = mask_phone(raw if raw is None or isinstance(raw, str) else str(raw))
    assert isinstance(masked, str)
    if result.ok:
        assert result.kind in {"mobile", "landline"} and result.problem is None
        assert check_phone(result.number) == result
        assert result.number not in mask_phone(result.number)
    else:
        assert result.problem in {"empty", "bad_format"} and result.number is None
        assert result.message and not re.search(r"\d{3}", result.message)


@given(mobiles)
def test_mask_never_reveals_the_middle_of_a_mobile(number: str) -> None:
    masked = mask_phone(number)
    assert masked == number[:3] + "****" + number[7:]
