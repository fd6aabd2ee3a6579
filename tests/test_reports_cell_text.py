"""The writers' fast text converters give exactly the text ``format_cell`` gives; the ledger
queries stream named tuples."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from commdesk.reports import Column, format_cell
from commdesk.reports.cell_text import text_converter

KINDS = ("text", "id", "phone", "code", "date", "int", "number", "seq")
PHONE_CHARS = st.sampled_from("0123456789１３８ -+/、()转x")
VALUES = st.one_of(
    st.none(), st.just(""), st.text(max_size=20), st.text(PHONE_CHARS, max_size=24),
    st.from_regex(r"1[0-9]{10}", fullmatch=True), st.from_regex(r"[0-9]{17}[0-9X]", fullmatch=True),
    st.integers(), st.floats(allow_nan=False), st.booleans(), st.dates(), st.datetimes(),
)


@settings(max_examples=400, deadline=None, database=None)
@given(st.sampled_from(KINDS), st.booleans(), VALUES)
def test_converters_agree_with_format_cell(kind: str, masked: bool, value: Any) -> None:
    column = Column("k", "列", kind=kind)
    assert text_converter(column, masked)(value) == format_cell(column, value, masked)


def test_usual_values() -> None:
    phone, id_col, born = Column("p", "电话", kind="phone"), Column("i", "身份证", kind="id"), Column("b", "生", kind="date")
    assert text_converter(phone, True)("13812345678") == "138****5678"
    assert text_converter(phone, True)("10012345678") == format_cell(phone, "10012345678") == "*********78"
    assert text_converter(phone, True)("13812345678、0311-87654321") == "138****5678、0311-****21"
    assert text_converter(phone, False)("13812345678") == "13812345678"
    assert text_converter(id_col, True)("130102195003081234") == "130102********1234"
    assert text_converter(born, True)(date(1950, 3, 8)) == "1950-03-08"
    assert text_converter(born, True)(datetime(1950, 3, 8, 9)) == "1950-03-08"


def test_stream_yields_named_tuples(db: Any) -> None:
    from commdesk.reports.ledger_sql import stream

    with db.Session() as s:
        rows = list(stream(s, "SELECT 1 AS hid, 'a' AS name UNION ALL SELECT 2, 'b'", {}))
        assert [(r.hid, r.name, r[0]) for r in rows] == [(1, "a", 1), (2, "b", 2)]
        # names that cannot be fields: the rows SQLAlchemy gives
        odd = list(stream(s, 'SELECT 1 AS "a b", 2 AS "from", 3 AS x, 4 AS x', {}))
        assert tuple(odd[0]) == (1, 2, 3, 4)
