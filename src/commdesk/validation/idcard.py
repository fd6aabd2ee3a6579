"""Chinese resident ID numbers (居民身份证号码, GB 11643-1999).

``check_id_number`` accepts whatever a form or a spreadsheet reader hands over (str, int,
float, Decimal, None) and returns an :class:`IdCheck`. Numbers that went through a float
(Excel keeps 15 significant digits) are reported as ``precision_lost``: their last digits are
gone and cannot be recovered. Messages never contain the number itself.
"""
from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from commdesk.i18n import _

__all__ = ["IdCheck", "normalise_id_text", "check_char", "upgrade_15", "check_id_number", "valid_id_parts",
           "mask_id"]

_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_ASCII_ZERO_SUM = sum(ord("0") * w for w in _WEIGHTS)   # the weighted sum of the digits' ASCII offsets
_CHECK_ONLY = frozenset("0123456789Xx")
_CHECK_CHARS = "10X98765432"
_DIGITS = frozenset("0123456789")
_MIN_YEAR = 1880
# Province-level codes (first two digits); 83 and 91 occur on residence permits / foreigners' IDs.
_PROVINCES = frozenset(
    [11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
     50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83, 91]
)
# Full-width ASCII block (U+FF01..U+FF5E) to ASCII, plus the ideographic space.
_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_INVISIBLE = {0x200B: None, 0x200C: None, 0x200D: None, 0x2060: None, 0xFEFF: None}
_QUOTES = "'\"`‘’“”‚„′″「」『』"
_SCIENTIFIC = re.compile(r"[+-]?\d+(?:\.\d*)?E[+-]?\d+")
_FLOAT_TEXT = re.compile(r"(\d+)\.0*")

_MESSAGES = {
    "empty": "身份证号为空",
    "precision_lost": "身份证号被表格软件存成了数字，末尾几位已经丢失。请把该列设为“文本”格式后重新录入",
    "bad_chars": "身份证号含有无效字符：只能是数字，最后一位可以是X",
    "bad_length": "身份证号位数不对，应为18位（旧版为15位）",
    "bad_birth_date": "身份证号中的出生日期无效，请核对",
    "bad_checksum": "身份证号校验位不正确，可能有输入错误，请核对",
}


@dataclass(frozen=True)
class IdCheck:
    ok: bool
    number: str | None = None
    birth_date: date | None = None
    gender: str | None = None
    region_code: str | None = None
    problem: str | None = None
    message: str | None = None
    notes: tuple[str, ...] = ()


_DIGITS_OR_X = re.compile(r"[0-9X]+")


def _fail(problem: str) -> IdCheck:
    return IdCheck(ok=False, problem=problem, message=_(_MESSAGES[problem]))


def normalise_id_text(raw: object) -> str:
    """``str(raw)`` with full-width characters folded to ASCII, whitespace and quotes removed."""
    if raw is None:
        return ""
    text = str(raw)
    if not text.isascii():
        text = text.translate(_FULLWIDTH).translate(_INVISIBLE)
    text = "".join(text.split())
    text = text.strip(_QUOTES)
    return text.replace("x", "X")


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def check_char(first17: str) -> str:
    """ISO 7064 MOD 11-2 check character for the first 17 digits."""
    if len(first17) != 17 or not _is_digits(first17):
        raise ValueError("check_char needs exactly 17 ASCII digits")
    return _check_char(first17)


def _check_char(first17: str) -> str:
    """``check_char`` for text already known to be 17 ASCII digits."""
    total = sum(map(operator.mul, first17.encode("ascii"), _WEIGHTS)) - _ASCII_ZERO_SUM
    return _CHECK_CHARS[total % 11]


def upgrade_15(number15: str) -> str:
    """Legacy 15-digit number (born 19yy, no check character) to its 18-digit form."""
    if len(number15) != 15 or not _is_digits(number15):
        raise ValueError("upgrade_15 needs exactly 15 ASCII digits")
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + check_char(first17)


def _text_from_number(raw: int | float | Decimal) -> str | IdCheck:
    """Text for a numeric cell, or an :class:`IdCheck` failure when digits were lost."""
    if isinstance(raw, float):
        if not math.isfinite(raw):
            return _fail("bad_chars")
        if raw.is_integer() and 10**14 <= abs(raw) < 10**15:
            return str(int(raw))
        if abs(raw) < 10**14:
            return _fail("bad_length")
        return _fail("precision_lost")
    if isinstance(raw, Decimal):
        if not raw.is_finite():
            return _fail("bad_chars")
        if "E" in str(raw).upper() or raw != raw.to_integral_value():
            return _fail("precision_lost")
        raw = int(raw)
    if 10**16 <= abs(raw) < 10**18 and raw % 1000 == 0:
        return _fail("precision_lost")
    return str(raw)


def _check_text(text: str) -> str | IdCheck:
    """Return the 18-digit candidate (legacy numbers upgraded) or a failure."""
    if not text:
        return _fail("empty")
    if _SCIENTIFIC.fullmatch(text.upper()):
        return _fail("precision_lost")
    as_float = _FLOAT_TEXT.fullmatch(text)
    if as_float:  # "130102800101123.0": a number that went through a float
        text = as_float.group(1)
        if len(text) > 15:
            return _fail("precision_lost")
    if not _DIGITS_OR_X.fullmatch(text):
        return _fail("bad_chars")
    if len(text) not in (15, 18):
        return _fail("bad_length")
    if not _is_digits(text[:17] if len(text) == 18 else text):
        return _fail("bad_chars")
    return text


def _birth_date(number: str, today: date) -> date | None:
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None
    if born.year < _MIN_YEAR or born > today:
        return None
    return born


def check_id_number(raw: object, *, today: date | None = None) -> IdCheck:
    """Validate an ID number from any source; ``today`` is for tests (default: the real date)."""
    if raw is None:
        return _fail("empty")
    if type(raw) is str and len(raw) == 18 and raw.isascii() and raw[:17].isdigit() and raw[17] in _CHECK_ONLY:
        return _checked(raw.replace("x", "X"), [], today)   # the usual cell: what the slow path would find
    if isinstance(raw, bool):
        return _fail("bad_chars")
    if isinstance(raw, (int, float, Decimal)):
        converted = _text_from_number(raw)
        if isinstance(converted, IdCheck):
            return converted
        raw = converted
    candidate = _check_text(normalise_id_text(raw))
    if isinstance(candidate, IdCheck):
        return candidate
    notes: list[str] = []
    if len(candidate) == 15:
        candidate = upgrade_15(candidate)
        notes.append("legacy15")
    return _checked(candidate, notes, today)


def _checked(candidate: str, notes: list[str], today: date | None) -> IdCheck:
    """Birth date, check character and region of an 18-character candidate (17 ASCII digits + check)."""
    born = _birth_date(candidate, today or date.today())
    if born is None:
        return _fail("bad_birth_date")
    if _check_char(candidate[:17]) != candidate[17]:
        return _fail("bad_checksum")
    if int(candidate[:2]) not in _PROVINCES:
        notes.append("unknown_region")
    return IdCheck(
        ok=True,
        number=candidate,
        birth_date=born,
        gender="男" if int(candidate[16]) % 2 else "女",
        region_code=candidate[:6],
        notes=tuple(notes),
    )


_BIRTHS: dict[str, date | None] = {}    # the 8 birth digits → date (None: not a date, or before _MIN_YEAR)
_ODD = frozenset("13579")


def _birth8(digits: str) -> date | None:
    born = _BIRTHS.get(digits, _BIRTHS)
    if born is _BIRTHS:
        try:
            born = date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
        except ValueError:
            born = None
        if born is not None and born.year < _MIN_YEAR:
            born = None
        if len(_BIRTHS) < 100_000:          # a century of days
            _BIRTHS[digits] = born
    return born  # type: ignore[return-value]


def valid_id_parts(raw: object, today: date) -> tuple[str, date, str] | None:
    """The fast path of ``check_id_number`` for bulk imports: for the usual cell (18 ASCII
    characters) that is valid, ``(number, birth_date, gender)`` exactly as ``check_id_number(raw,
    today=today)`` reports them; ``None`` for anything else (which may still be valid: then call
    ``check_id_number``). Birth dates are parsed once per distinct date."""
    if type(raw) is not str or len(raw) != 18 or not raw.isascii() or not raw[:17].isdigit() \
            or raw[17] not in _CHECK_ONLY:
        return None
    number = raw if raw[17] != "x" else raw[:17] + "X"
    born = _birth8(number[6:14])
    if born is None or born > today or _check_char(number[:17]) != number[17]:
        return None
    return number, born, "男" if number[16] in _ODD else "女"


def mask_id(number: str | None) -> str:
    """Display form that hides the birth date and most of the sequence: ``130102********1234``."""
    if not number:
        return ""
    text = str(number).strip()
    if len(text) == 18:
        return text[:6] + "*" * 8 + text[-4:]
    if len(text) == 15:
        return text[:6] + "*" * 5 + text[-4:]
    if len(text) >= 8:
        return text[:2] + "*" * (len(text) - 4) + text[-2:]
    return "*" * len(text)


def age_on(birth: date | None, day: date) -> int | None:
    """Whole years of age on ``day`` (None when the birth date is unknown)."""
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
