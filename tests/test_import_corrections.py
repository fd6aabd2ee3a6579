"""A column correction made in the wizard holds for every table on the sheet that has that header,
and is remembered by header: another file, in another layout, with that header gets it too."""
from __future__ import annotations

from pathlib import Path

import openpyxl
from sqlalchemy import select

from commdesk.importers import inspect_file, run_import
from commdesk.models.db import open_database
from commdesk.models import Resident


def _two_tables(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民"
    ws.append(["第一网格居民"])
    ws.append(["姓名", "与户主关系", "身份证号", "家访记录"])
    ws.append(["王芳", "户主", "110105198203216813", "独居"])
    ws.append(["李强", "配偶", "110105198001016816", "务工"])
    ws.append([])
    ws.append(["第二网格居民"])
    ws.append(["家访记录", "姓名", "身份证号", "与户主关系"])      # the second table: other column order
    ws.append(["腿脚不便", "赵刚", "410102194805232005", "户主"])
    wb.save(path)


def test_a_correction_applies_to_every_table_and_is_remembered_by_header(tmp_path: Path) -> None:
    path = tmp_path / "两张表.xlsx"
    _two_tables(path)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        plan = inspect_file(path)
        sheet = plan.data_sheets()[0]
        col = next(c.index for c in sheet.columns if c.label == "家访记录")
        assert sheet.columns[col].field is None            # not a header the importer knows
        plan.set_mapping(sheet.name, col, "notes")
        run_import(database, plan)
        with database.Session() as session:
            notes = {r.name: r.notes for r in session.scalars(select(Resident))}
        assert notes == {"王芳": "独居", "李强": "务工", "赵刚": "腿脚不便"}

        other = tmp_path / "另一种表.xlsx"           # another layout with the same header
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["序号", "家访记录", "姓名", "性别", "与户主关系"])
        ws.append([1, "低保边缘", "孙丽", "女", "户主"])
        wb.save(other)
        with database.Session() as session:
            again = inspect_file(other, session=session)
        mapped = {c.label: c.field for c in again.data_sheets()[0].columns}
        assert mapped["家访记录"] == "notes"
    finally:
        database.close()
