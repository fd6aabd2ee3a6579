"""A ledger's screen view (Ledger.screen_columns): which declared columns the on-screen table shows,
where the screen-only ones go, and that exports never see a screen-only column."""
from __future__ import annotations

from pathlib import Path

import pytest

from commdesk.errors import UserError
from commdesk.reports import Column, Ledger, export_ledger, get_ledger


def _ledger(**kw: object) -> Ledger:
    return Ledger(key="t", title="测试", source=lambda s, p: iter(()), **kw)  # type: ignore[arg-type]


def test_screen_view_follows_the_declaration() -> None:
    led = _ledger(
        columns=(Column("seq", "序号", 3, "seq", screen=False), Column("a", "甲"), Column("b", "乙", default=False),
                 Column("c", "丙", default=False, screen=True), Column("d", "丁")),
        screen_only=(Column("x", "戊", after="a"), Column("y", "己"), Column("z", "庚", after="x"),
                     Column("w", "辛", after="no-such-column")),
    )
    assert [c.key for c in led.screen_columns()] == ["a", "x", "z", "c", "d", "y", "w"]
    assert [c.key for c in led.visible_columns()] == ["seq", "a", "d"]  # exports: unchanged
    with pytest.raises(UserError):
        led.column("x")


def test_households_screen_view() -> None:
    led = get_ledger("households")
    keys = [c.key for c in led.screen_columns()]
    assert keys[:4] == ["grid", "household_no", "address", "name"]
    assert keys.index("age") == keys.index("birth_date") + 1 and keys[-1] == "review"
    assert "seq" not in keys and "work_unit" not in keys and "household_tags" not in keys  # as on paper
    assert [c.key for c in led.screen_columns() if c.alert] == ["review"]


def test_export_refuses_a_screen_only_column(db: object, tmp_path: Path) -> None:
    with pytest.raises(UserError):
        export_ledger(db, "households", "xlsx", tmp_path / "x.xlsx", columns=["name", "review"])
    assert not (tmp_path / "x.xlsx").exists()
