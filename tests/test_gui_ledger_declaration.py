"""The 住户台账 page's table is the 居民户信息台账 declaration's screen view: the headers and the
values on screen are what the workbook holds for the same residents (re-read with openpyxl), and
a change to the declaration changes the screen and the workbook together."""
from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from PySide6.QtCore import Qt

from commdesk.models import Resident
from commdesk.reports import export_ledger, get_ledger, register_ledger
from commdesk.reports.ledger import Ledger
from tests.gui_support import seed_small_community

pytestmark = pytest.mark.gui

DISPLAY = Qt.ItemDataRole.DisplayRole


def enrich(db: Any, ids: dict[str, int]) -> None:
    """Give every kind of column something to show (notes, ethnicity, education, review flags)."""
    with db.Session.begin() as s:
        s.get_one(Resident, ids["李梅"]).notes = "=租住 (not a formula)"
        s.get_one(Resident, ids["曾国强"]).ethnicity = "回族"
        s.get_one(Resident, ids["张三"]).education = "大学本科"
        s.get_one(Resident, ids["王芳"]).review = "phone_invalid:导入时无效"


def open_window(qtbot: Any, db: Any) -> Any:
    from commdesk.ui.app import create_main_window, make_app

    make_app()
    w = create_main_window(db)
    qtbot.addWidget(w)
    w.show()
    w.start()
    w.show_page(type(w.ledger))
    m = w.ledger.model
    qtbot.waitUntil(lambda: m.rowCount() == 6 and all(m.row_data(r) is not None for r in range(6)) and w.runner.idle,
                    timeout=5000)
    return w


def close_window(w: Any) -> None:
    from commdesk.ui.runner import set_runner

    w.runner.shutdown()
    set_runner(None)


@pytest.fixture
def window(qtbot: Any, db: Any) -> Iterator[Any]:
    ids = seed_small_community(db)
    enrich(db, ids)
    w = open_window(qtbot, db)
    yield w
    close_window(w)


def cell_text(value: Any) -> str:
    """A workbook cell as the screen would show it (dates are real dates, numbers real numbers)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def read_workbook(path: Path, ledger: Ledger, headers: list[str]) -> list[dict[str, str]]:
    """Data rows as {header: text}; group-level cells (shown once per household) carried down."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert [c.value for c in ws[3]] == headers
    group_level = {c.header for c in ledger.columns if c.group_level}
    out: list[dict[str, str]] = []
    for values in ws.iter_rows(min_row=4, values_only=True):
        if all(v is None for v in values):
            break  # the signature line follows the table after a blank row
        row = {h: cell_text(v) for h, v in zip(headers, values)}
        if out and row["户号"] == "":  # a further member of the household above
            row.update({h: out[-1][h] for h in group_level if h in row})
        out.append(row)
    return out


def screen_rows(model: Any) -> list[dict[str, str]]:
    return [{model.headers[c]: model.data(model.index(r, c), DISPLAY) for c in range(model.columnCount())}
            for r in range(model.rowCount())]


def by_id(rows: list[dict[str, str]]) -> dict[str, dict[str, str]]:
    return {row["公民身份号码"]: row for row in rows}


def test_screen_shows_what_the_workbook_holds(window: Any, db: Any, tmp_path: Path) -> None:
    ledger = get_ledger("households")
    model = window.ledger.model
    declared = {c.key for c in ledger.columns}
    printable = [c for c in model.columns if c.key in declared]
    screen_only = [c for c in model.columns if c.key not in declared]
    # the screen's columns are the declaration's: the screen view, in declaration order
    assert model.columns == ledger.screen_columns()
    assert [c.key for c in screen_only] == [c.key for c in ledger.screen_only] == ["age", "review"]
    assert model.headers == [c.header for c in model.columns]
    assert model.widths == [c.width for c in model.columns]
    assert "序号" not in model.headers  # printed only: it numbers the households on paper
    # the same residents written by the Excel writer with the screen's printable columns
    out = export_ledger(db, "households", "xlsx", tmp_path / "screen.xlsx", masked=False,
                        columns=[c.key for c in printable])
    sheet = by_id(read_workbook(out, ledger, [c.header for c in printable]))
    shown = by_id(screen_rows(model))
    assert sorted(sheet) == sorted(shown) and len(shown) == 6
    for idn, row in shown.items():
        assert {c.header: row[c.header] for c in printable} == sheet[idn], idn
    # what the screen shows is real data of every kind of column
    zhang = shown[next(k for k, r in shown.items() if r["姓名"] == "张三")]
    assert (zhang["出生日期"], zhang["年龄"], zhang["文化程度"]) == ("1970-05-01", str(_age(date(1970, 5, 1))), "大学本科")
    assert zhang["联系电话"] == "13812345678" and len(zhang["公民身份号码"]) == 18  # the screen shows them in full
    assert any(r["备注"] == "=租住 (not a formula)" for r in shown.values())
    wang = next(r for r in shown.values() if r["姓名"] == "王芳")
    assert wang["待核实"] == "电话号码格式不正确"
    # the default printout's columns are the screen's, less 序号 (printed only)
    default = export_ledger(db, "households", "xlsx", tmp_path / "default.xlsx", masked=False)
    headers = [c.value for c in openpyxl.load_workbook(default).worksheets[0][3]]
    assert headers[0] == "序号"
    assert headers[1:] == [c.header for c in printable]


def _age(born: date) -> int:
    today = date.today()
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def test_alignment_and_warning_come_from_the_declaration(window: Any) -> None:
    model = window.ledger.model
    flags = {"left": Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
             "center": Qt.AlignmentFlag.AlignCenter,
             "right": Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter}
    for c, col in enumerate(model.columns):
        assert model.data(model.index(0, c), Qt.ItemDataRole.TextAlignmentRole) == int(flags[col.alignment]), col.key
    review = model.keys.index("review")
    assert model.columns[review].alert
    colours = {model.data(model.index(r, review), DISPLAY): model.data(model.index(r, review),
                                                                       Qt.ItemDataRole.ForegroundRole)
               for r in range(model.rowCount())}
    assert colours[""] is None and colours["电话号码格式不正确"] is not None


def test_masked_screen_matches_the_masked_workbook(qtbot: Any, db: Any, tmp_path: Path) -> None:
    from commdesk.reports.ledger_query import LedgerFilter, fetch_rows, ordered_ids
    from commdesk.ui.resident_model import ResidentTableModel

    seed_small_community(db)
    ledger = get_ledger("households")
    model = ResidentTableModel(masked=True)
    with db.engine.connect() as conn:
        ids = ordered_ids(conn, LedgerFilter())
        model.set_result(ids, fetch_rows(conn, ids, columns=model.columns))
    printable = [c for c in model.columns if c.key in {k.key for k in ledger.columns}]
    out = export_ledger(db, "households", "xlsx", tmp_path / "masked.xlsx", columns=[c.key for c in printable])
    headers = [c.header for c in printable]
    sheet = {r["姓名"]: r for r in read_workbook(out, ledger, headers)}
    shown = {r["姓名"]: {h: r[h] for h in headers} for r in screen_rows(model)}
    assert shown == sheet and len(shown) == 6
    assert all("*" in r["公民身份号码"] for r in shown.values())
    assert shown["张三"]["联系电话"] == "138****5678"


@pytest.fixture
def changed_declaration() -> Iterator[Ledger]:
    """The households ledger with a renamed, wider, re-read name column, birth dates aligned left
    and 工作单位 made a default column (restored afterwards)."""
    original = get_ledger("households")

    def change(c: Any) -> Any:
        if c.key == "name":
            return replace(c, header="居民姓名", width=9,
                           getter=lambda r: f"{r.name}（户主）" if r.relation == "户主" else r.name)
        if c.key == "birth_date":
            return replace(c, align="left")
        if c.key == "work_unit":
            return replace(c, default=True)
        return c

    changed = register_ledger(replace(original, columns=tuple(change(c) for c in original.columns)))
    try:
        yield changed
    finally:
        register_ledger(original)


def test_a_change_to_the_declaration_changes_screen_and_workbook(
        qtbot: Any, db: Any, tmp_path: Path, changed_declaration: Ledger) -> None:
    ids = seed_small_community(db)
    with db.Session.begin() as s:
        s.get_one(Resident, ids["李梅"]).work_unit = "市第一医院"
    w = open_window(qtbot, db)
    try:
        model = w.ledger.model
        assert "居民姓名" in model.headers and "姓名" not in model.headers and "工作单位" in model.headers
        name = model.keys.index("name")
        assert model.widths[name] == 9
        birth = model.keys.index("birth_date")
        assert model.data(model.index(0, birth), Qt.ItemDataRole.TextAlignmentRole) == \
            int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        shown = by_id(screen_rows(model))
        assert sorted(r["居民姓名"] for r in shown.values()) == sorted(
            ["张三（户主）", "李梅", "张小明", "单田芳（户主）", "曾国强（户主）", "王芳"])
        out = export_ledger(db, "households", "xlsx", tmp_path / "changed.xlsx", masked=False)
        headers = [c.value for c in openpyxl.load_workbook(out).worksheets[0][3]]
        assert "居民姓名" in headers and "工作单位" in headers
        sheet = by_id(read_workbook(out, changed_declaration, headers))
        for idn, row in sheet.items():
            assert {h: shown[idn][h] for h in headers if h != "序号"} == {h: v for h, v in row.items() if h != "序号"}
        assert any(r["工作单位"] == "市第一医院" for r in shown.values())
    finally:
        close_window(w)


def test_the_screen_path_loads_no_writer() -> None:
    """The page builds its table from the declaration without loading reportlab or XlsxWriter."""
    code = ("import sys\n"
            "from PySide6.QtWidgets import QApplication\n"
            "app = QApplication([])\n"
            "from commdesk.ui.ledger_page import LedgerPage\n"
            "page = LedgerPage()\n"
            "assert 'review' in page.model.keys\n"
            "heavy = sorted(m for m in sys.modules if m.split('.')[0] in ('reportlab', 'xlsxwriter', 'openpyxl'))\n"
            "assert not heavy, heavy\n")
    subprocess.run([sys.executable, "-c", code], check=True)
