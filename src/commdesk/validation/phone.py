"""Chinese phone numbers: mobiles (11 digits) and landlines (area code + 7-8 digits).

Input comes from forms and spreadsheet cells, so numbers may arrive as floats
(``13812345678.0``), with full-width digits, separators, a ``+86`` prefix or an extension
(``0311-86012345-123``, ``…转123``). Messages never contain the number itself.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal

from commdesk.i18n import _

__all__ = ["PhoneCheck", "normalise_phone_text", "check_phone", "mask_phone", "split_phones"]

_FULLWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
_FULLWIDTH.update({0x3000: 0x20, 0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D,
                   0x2014: 0x2D, 0x2015: 0x2D, 0x2212: 0x2D, 0x30FC: 0x2D, 0xFE63: 0x2D})
_SEPARATORS = re.compile(r"[\s\-.()\[\]·]+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_COUNTRY = re.compile(r"(?:\+|00)86")
_EXTENSION = re.compile(r"(.*?\d)\s*(?:-|转|分机|ext\.?|x|#)\s*(\d{1,5})", re.IGNORECASE)
_FLOAT_TEXT = re.compile(r"(\d+)\.0+")
_HARD_SPLIT = re.compile(r"[/,，、;；|\\\n\r]+")

_MESSAGES = {
    "empty": "电话号码为空",
    "bad_format": "电话号码格式不正确：手机号应为11位，固定电话应为区号加7到8位号码",
}


@dataclass(frozen=True)
class PhoneCheck:
    ok: bool
    number: str | None = None
    kind: str | None = None
    problem: str | None = None
    message: str | None = None


def _fail(problem: str) -> PhoneCheck:
    return PhoneCheck(ok=False, problem=problem, message=_(_MESSAGES[problem]))


def _prepare(raw: object) -> str:
    """Text for a cell value: numbers without ``.0``, full-width folded, ends stripped."""
    if raw is None or isinstance(raw, bool):
        return "" if raw is None else str(raw)
    if isinstance(raw, float):
        if math.isfinite(raw) and raw.is_integer():
            return str(int(raw))
        return repr(raw)
    if isinstance(raw, Decimal) and raw.is_finite() and raw == raw.to_integral_value():
        return str(int(raw))
    text = str(raw).translate(_FULLWIDTH).strip()
    as_float = _FLOAT_TEXT.fullmatch(text)
    return as_float.group(1) if as_float else text


def _strip_country(compact: str) -> str:
    """Drop ``+86``/``0086``/``86`` before a mobile; ``+86``/``0086`` before a landline."""
    match = _COUNTRY.match(compact)
    rest = compact[match.end():] if match else None
    if rest is None and compact.startswith("86") and _MOBILE.fullmatch(compact[2:]):
        rest = compact[2:]
    if rest is None:
        return compact
    if _MOBILE.fullmatch(rest) or rest.startswith("0"):
        return rest
    return "0" + rest  # international landline form omits the trunk 0: +86 311 86012345


def normalise_phone_text(raw: object) -> str:
    """Compact form: separators removed, country prefix dropped (digits for valid numbers)."""
    compact = _SEPARATORS.sub("", _prepare(raw))
    return _strip_country(compact) if compact else ""


def _landline(digits: str) -> str | None:
    """Readable landline for a digit string, or ``None`` when it is not one."""
    if _LOCAL.fullmatch(digits):
        return digits
    if not digits.startswith("0"):
        return None
    if digits[1:2] == "1" and not digits.startswith("010"):
        return None
    area_len = 3 if digits[1:2] in ("1", "2") else 4  # 010 and 02x are two-digit area codes
    area, local = digits[:area_len], digits[area_len:]
    if area[1:2] != "0" and _LOCAL.fullmatch(local):
        return f"{area}-{local}"
    return None


_NOTE = re.compile(r"[(（【\[][^)）】\]\d]*[)）】\]]")   # 13912345678（本人）: a note, no digits in it


def _parse(text: str) -> PhoneCheck | None:
    compact = normalise_phone_text(_NOTE.sub("", text))
    if _MOBILE.fullmatch(compact):
        return PhoneCheck(ok=True, number=compact, kind="mobile")
    if compact.isascii() and compact.isdigit():
        readable = _landline(compact)
        if readable:
            return PhoneCheck(ok=True, number=readable, kind="landline")
    return None


def check_phone(raw: object) -> PhoneCheck:
    if type(raw) is str and len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
        return PhoneCheck(ok=True, number=raw, kind="mobile")   # the usual cell: what the slow path finds
    text = _prepare(raw)
    if not _SEPARATORS.sub("", text):
        return _fail("empty")
    extension = _EXTENSION.fullmatch(text)
    if extension:  # "0311-86012345-123", "86012345转123"
        main = _parse(extension.group(1))
        if main and main.kind == "landline":
            return PhoneCheck(ok=True, number=f"{main.number}-{extension.group(2)}", kind="landline")
    return _parse(text) or _fail("bad_format")


def _mask_checked(number: str) -> str:
    if _MOBILE.fullmatch(number):
        return number[:3] + "****" + number[-4:]
    parts = number.split("-")
    if parts[0].startswith("0") and len(parts) >= 2:
        return f"{parts[0]}-****{parts[1][-2:]}"
    return "****" + parts[0][-2:]


def mask_phone(number: str | None) -> str:
    """``138****5678`` for mobiles, ``0311-****45`` for landlines (extensions dropped)."""
    checked = check_phone(number)
    if checked.problem == "empty":
        return ""
    if checked.ok and checked.number:
        return _mask_checked(checked.number)
    text = _prepare(number)
    if len(text) >= 6:
        return "*" * (len(text) - 2) + text[-2:]
    return "*" * len(text)


def split_phones(raw: object) -> list[str]:
    """Raw pieces of a cell holding several numbers (``/ , ， 、 ;`` or spaces between them).

    Spaces inside one number (``138 1234 5678``, ``(0311) 8601 2345``) keep it together.
    """
    pieces: list[str] = []
    for chunk in _HARD_SPLIT.split(_prepare(raw)):
        tokens = chunk.split()
        start = 0
        while start < len(tokens):
            end = len(tokens)  # longest run of tokens that forms one valid number
            while end > start + 1 and not check_phone(" ".join(tokens[start:end])).ok:
                end -= 1
            pieces.append(" ".join(tokens[start:end]))
            start = end
    return pieces
