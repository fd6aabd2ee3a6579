"""Per-column text converters for the writers: the text :func:`~commdesk.reports.ledger.format_cell`
gives, with fast paths for the values a big ledger is made of.

A street office's ledger formats ~4 million cells; ``format_cell`` costs ~3 µs for an ID number
and ~13 µs for a phone (splitting, checking, masking), i.e. seconds per export. The fast paths
here give the same text for the usual values (plain strings, dates, an 18-digit ID, one 11-digit
mobile) and hand everything else to ``format_cell``; ``tests/test_reports_cell_text.py`` checks
that both agree.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from commdesk.i18n import _
from commdesk.reports.ledger import Column, format_cell
from commdesk.validation.idcard import mask_id

#: on every page of a ledger with full ID numbers and phones (PIPL: sensitive personal information)
SENSITIVE_NOTICE = _("敏感信息：含完整身份证号和电话，仅限内部工作使用，不得外传、张贴或拍照转发")

#: A mobile number, the rule of :mod:`commdesk.validation.phone` (masked as ``138****5678``).
_MOBILE = re.compile(r"1[3-9]\d{9}")

Convert = Callable[[Any], str]


def plain_text(value: Any) -> str:
    if value is None:
        return ""
    return value if value.__class__ is str else str(value)


def text_converter(column: Column, masked: bool) -> Convert:
    """A one-argument function: raw value → the display text ``format_cell`` gives."""
    kind = column.kind
    if kind in ("text", "code", "int", "seq"):
        return plain_text
    if kind == "date":
        def date_text(value: Any) -> str:
            if value is None or value == "":
                return ""
            if value.__class__ is date:
                return value.isoformat()
            return format_cell(column, value, masked)
        return date_text
    if kind == "id" and masked:
        def id_text(value: Any) -> str:
            if value is None or value == "":
                return ""
            return mask_id(str(value))
        return id_text
    if kind == "phone" and masked:
        def phone_text(value: Any) -> str:
            if value is None or value == "":
                return ""
            if value.__class__ is str and len(value) == 11 and value.isascii() and _MOBILE.fullmatch(value):
                return value[:3] + "****" + value[-4:]
            return format_cell(column, value, masked)
        return phone_text
    if kind in ("id", "phone"):
        return lambda value: "" if value is None or value == "" else str(value)
    return lambda value: format_cell(column, value, masked)
