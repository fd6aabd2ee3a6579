"""Ledger declarations: registry, rows, grouping, masking, the display formatter."""
from __future__ import annotations

import subprocess
import sys
from datetime import date
from typing import Any

import pytest

from commdesk.errors import UserError
from commdesk.reports import (Column, Ledger, Params, Row, Section, format_cell, get_ledger, ledger_keys,
                              register_ledger)
from tests.test_reports_sample import build_sample


def _rows(db: Any, key: str, **kw: Any) -> list[Any]:
    ledger = get_ledger(key)
    with db.Session() as s:
        return list(ledger.rows(s, Params(**kw)))


def test_registry_lists_builtins_in_order() -> None:
    keys = [k for k, _t in ledger_keys()]
    assert keys[:3] == ["households", "key-groups", "changes"]
    assert dict(ledger_keys())["households"] == "居民户信息台账"
    with pytest.raises(UserError, match="没有名为"):
        get_ledger("nope")


def test_register_ledger_from_another_module(db: Any) -> None:
    def source(session: Any, params: Params) -> list[tuple[str, int]]:
        return [("甲", 1), ("乙", 2)]

    ledger = register_ledger(Ledger("test-extra", "测试台账", (
        Column("name", "名称", 6, getter=lambda r: r[0]), Column("n", "数量", 4, "int", getter=lambda r: r[1])),
        source=source))
    try:
        assert ("test-extra", "测试台账") in ledger_keys()
        with db.Session() as s:
            rows = list(ledger.rows(s, Params()))
        assert [r.values for r in rows] == [("甲", 1), ("乙", 2)]
        assert ledger.column("n").alignment == "right"
    finally:
        from commdesk.reports import ledger as mod

        mod._REGISTRY.pop("test-extra")


def test_households_grouped_head_first_archived_and_moved_out_excluded(db: Any) -> None:
    build_sample(db)
    items = _rows(db, "households")
    assert all(isinstance(i, Row) for i in items)
    cols = [c.key for c in get_ledger("households").visible_columns()]
    name = cols.index("name")
    names = [r.values[name] for r in items]
    assert names[:2] == ["张建国", "李秀英"]           # head first, then spouse
    assert "孙已删" not in names                       # archived
    assert "赵迁走" not in names and "钱已故" not in names   # not living here
    # a group = a household: first flag and 序号 per household
    seq = cols.index("seq")
    firsts = [(r.values[seq], r.first) for r in items]
    assert firsts[0] == (1, True) and firsts[1] == (None, False)
    assert [r.values[seq] for r in items if r.first] == [1, 2, 3]
    # filters: grid by name, resident status 全部
    assert len(_rows(db, "households", filters={"grid": "第二网格"})) == 2
    everyone = [r.values[name] for r in _rows(db, "households", filters={"status": "全部"})]
    assert "赵迁走" in everyone and "孙已删" not in everyone


def test_key_groups_sections_by_tag(db: Any) -> None:
    build_sample(db)
    items = _rows(db, "key-groups", today=date(2024, 5, 31))
    sections = [i.label for i in items if isinstance(i, Section)]
    assert sections == ["低保（1人）", "独居老人（1人）", "残疾人（1人）", "退役军人（1人）"]
    cols = [c.key for c in get_ledger("key-groups").visible_columns()]
    first = next(i for i in items if isinstance(i, Row))
    assert first.values[cols.index("name")] == "张建国"
    assert first.values[cols.index("age")] == 74
    assert first.values[cols.index("other_tags")] == "独居老人"
    only = _rows(db, "key-groups", filters={"tag": "残疾人"})
    assert [i.label for i in only if isinstance(i, Section)] == ["残疾人（1人）"]


def test_changes_need_a_month_and_count_only_that_month(db: Any) -> None:
    build_sample(db)
    with pytest.raises(UserError, match="月份"):
        _rows(db, "changes")
    items = _rows(db, "changes", month=(2024, 5))
    assert [i.label for i in items if isinstance(i, Section)] == [
        "迁入（本月共1人）", "迁出（本月共1人）", "出生（本月共1人）", "死亡（本月共1人）"]
    cols = [c.key for c in get_ledger("changes").visible_columns()]
    rows = [i for i in items if isinstance(i, Row)]
    assert [r.values[cols.index("name")] for r in rows] == ["王小明", "赵迁走", "王乐乐", "钱已故"]
    moved = rows[1]
    assert moved.values[cols.index("place")] == "天津市"
    assert moved.values[cols.index("household_no")] == "0003"
    assert moved.values[cols.index("event_date")] == date(2024, 5, 20)
    assert get_ledger("changes").title_for(Params(month=(2024, 5))) == "人口变动情况（2024年5月）"


def test_unknown_filter_sort_or_column_is_a_user_error(db: Any) -> None:
    build_sample(db)
    with pytest.raises(UserError, match="筛选"):
        _rows(db, "households", filters={"colour": "red"})
    with pytest.raises(UserError, match="排序"):
        _rows(db, "households", sort="colour")
    with pytest.raises(UserError, match="没有列"):
        _rows(db, "households", columns=("name", "colour"))


def test_column_choice_and_orientation() -> None:
    ledger = get_ledger("households")
    narrow = Params(columns=("household_no", "name", "gender"))
    assert [c.key for c in ledger.visible_columns(narrow)] == ["household_no", "name", "gender"]
    assert ledger.is_landscape(narrow) is False
    assert ledger.is_landscape(Params()) is True
    assert ledger.is_landscape(narrow, override=True) is True


def test_format_cell_masks_ids_and_phones() -> None:
    idc = Column("id_number", "公民身份号码", 10, "id")
    phone = Column("phone", "联系电话", 7, "phone")
    born = Column("birth_date", "出生日期", 6, "date")
    assert format_cell(idc, "130102195003080118") == "130102********0118"
    assert format_cell(idc, "130102195003080118", masked=False) == "130102195003080118"
    assert format_cell(phone, "13812345678") == "138****5678"
    assert format_cell(phone, "13812345678", masked=False) == "13812345678"
    assert format_cell(born, date(2024, 5, 1)) == "2024-05-01"
    assert format_cell(idc, None) == ""
    assert Column("n", "数量", 4, "int").alignment == "right"
    with pytest.raises(ValueError):
        Column("x", "x", 1, "colour")


def test_reports_import_without_qt() -> None:
    code = ("import sys; sys.modules['PySide6'] = None\n"
            "import commdesk.reports, commdesk.cli.export, commdesk.reports.monthly_pdf,"
            " commdesk.reports.monthly_xlsx, commdesk.reports.monthly_sections, commdesk.reports.excel_ledger\n"
            "from commdesk.reports import ledger_keys; assert ledger_keys()\n")
    subprocess.run([sys.executable, "-c", code], check=True)
