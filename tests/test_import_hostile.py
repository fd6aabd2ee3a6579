"""Hostile files: one clear Chinese message naming the file, quickly, and nothing written."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.errors import UserError
from commdesk.importers import run_import
from commdesk.cli.common import common_parent
from commdesk.cli.imports import register
from commdesk.models.db import open_database

DATA = Path(__file__).resolve().parent / "data" / "import"
CT = ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
      'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
      '+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
      'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
      'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
      'spreadsheetml.worksheet+xml"/></Types>')
RELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WB = ('<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
      '2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
      'name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WBRELS = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
          '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
          '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main"><dimension ref="A1:O1048576"/><sheetData>')


def _xlsx(path: Path, sheet_xml: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CT)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WB)
        z.writestr("xl/_rels/workbook.xml.rels", WBRELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return path


def _cell(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def _header_row() -> str:
    return '<row r="1">' + _cell("A1", "姓名") + _cell("B1", "身份证号") + _cell("C1", "与户主关系") + "</row>"


def _zero(tmp: Path) -> Path:
    path = tmp / "空文件.xlsx"
    path.write_bytes(b"")
    return path


def _truncated(tmp: Path) -> Path:
    data = (DATA / "幸福里社区居民信息登记表.xlsx").read_bytes()
    path = tmp / "截断.xlsx"
    path.write_bytes(data[: len(data) // 2])
    return path


def _pdf(tmp: Path) -> Path:
    path = tmp / "其实是PDF.xlsx"
    path.write_bytes(b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    return path


def _encrypted(tmp: Path) -> Path:
    """An OLE2 container holding an EncryptedPackage stream, as Excel writes a password-protected xlsx."""
    header = bytearray(512)
    header[:8] = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    directory = bytearray(512)
    for i, name in enumerate(("Root Entry", "EncryptionInfo", "EncryptedPackage")):
        raw = name.encode("utf-16-le")
        directory[i * 128:i * 128 + len(raw)] = raw
    path = tmp / "有密码.xlsx"
    path.write_bytes(bytes(header) + bytes(directory) + b"\x00" * 1024)
    return path


def _billion_laughs(tmp: Path) -> Path:
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">' + "".join(
        f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10)) + "]>"
    return _xlsx(tmp / "实体炸弹.xlsx", lol + '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
                 '2006/main"><sheetData><row r="1">' + _cell("A1", "&lol9;") + "</row></sheetData></worksheet>")


def _million_empty(tmp: Path) -> Path:
    rows = "".join(f'<row r="{i}" s="1" customFormat="1"><c r="A{i}" t="inlineStr"><is><t></t></is></c></row>'
                   for i in range(3, 1048577))
    body = _header_row() + '<row r="2">' + _cell("A2", "张三") + _cell("C2", "户主") + "</row>" + rows
    return _xlsx(tmp / "百万空行.xlsx", SHEET_HEAD + body + "</sheetData></worksheet>")


def _far_cells(tmp: Path) -> Path:
    """A few cells spread down to row 1,048,576 and out to column XFD, never 10,000 empty rows
    apart: calamine would allocate the whole 17-billion-cell range and abort the process."""
    import xlsxwriter

    path = tmp / "满表.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["姓名", "性别", "身份证号"])
    ws.write_row(1, 0, ["张三", "男", "110101199003071234"])
    for r in range(2, 1048576, 5000):
        ws.write(r, 16383, "x")
    ws.write(1048575, 16383, "end")
    wb.close()
    return path


def _long_csv_field(tmp: Path) -> Path:
    path = tmp / "超长字段.csv"
    path.write_text("姓名,性别,住址\n张三,男," + "长" * (10 * 1024 * 1024) + "\n", encoding="utf-8")
    return path


def _small_xlsx(path: Path) -> Path:
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["姓名", "与户主关系", "性别", "身份证号"])
    ws.write_row(1, 0, ["张三", "户主", "男", "110105194912310037"])
    ws.write_row(2, 0, ["李芳", "配偶", "女", "110105195003120026"])
    wb.close()
    return path


def _flipped_deflate(tmp: Path) -> Path:
    """One byte of the worksheet's deflate stream flipped (zlib fails while the sheet is read)."""
    path = _small_xlsx(tmp / "翻转字节.xlsx")
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    data[info.header_offset + 30 + len(info.filename) + len(info.extra) + 20] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def _word(tmp: Path) -> Path:
    path = tmp / "通知.xlsx"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("word/document.xml", "<w:document/>")
    return path


HOSTILE = {
    "zero": (_zero, "空的"),
    "truncated": (_truncated, "损坏"),
    "pdf": (_pdf, "PDF"),
    "encrypted": (_encrypted, "请先在 Excel 中取消密码保护后再导入"),
    "billion_laughs": (_billion_laughs, "损坏"),
    "word": (_word, "Word"),
    "far_cells": (_far_cells, "XFD"),
    "long_csv_field": (_long_csv_field, "第 2 行有一个超长"),
    "flipped_deflate": (_flipped_deflate, "损坏"),
}


@pytest.mark.parametrize("real", ["xlsx", "xls"])
def test_a_workbook_with_the_wrong_extension_is_read_as_what_it_is(tmp_path: Path, real: str) -> None:
    from commdesk.importers import ImportOptions

    if real == "xlsx":
        right = _small_xlsx(tmp_path / "正确.xlsx")
    else:
        right = tmp_path / "正确.xls"
        right.write_bytes((Path(__file__).resolve().parent / "data" / "unseen" / "平安社区人口台账.xls").read_bytes())
    wrong = tmp_path / ("改错扩展名.xls" if real == "xlsx" else "改错扩展名.xlsx")
    wrong.write_bytes(right.read_bytes())
    database = open_database(tmp_path / "db.sqlite3")
    try:
        expected = run_import(database, right, ImportOptions(dry_run=True))
        got = run_import(database, wrong, ImportOptions(dry_run=True))
    finally:
        database.close()
    assert got.imported == expected.imported > 0
    assert any("扩展名不对" in w and wrong.name in w and f".{real}" in w for w in got.warnings)
    assert not any("扩展名不对" in w for w in expected.warnings)


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_file_gives_one_clear_message(tmp_path: Path, case: str) -> None:
    make, words = HOSTILE[case]
    path = make(tmp_path)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        with pytest.raises(UserError) as info:
            run_import(database, path)
        message = str(info.value)
        assert path.name in message and words in message and "\n" not in message
        with database.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM resident")).scalar() == 0
            assert conn.execute(text("SELECT count(*) FROM import_batch")).scalar() == 0
    finally:
        database.close()


def test_million_empty_rows_are_bounded(tmp_path: Path) -> None:
    import resource

    path = _million_empty(tmp_path)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        summary = run_import(database, path)
        grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
        assert grown_mb < 300
        assert summary.imported == 1
    finally:
        database.close()


def test_formula_injection_is_plain_text(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "注入.xlsx"
    wb = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False})
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["姓名", "身份证号", "与户主关系", "住址", "备注"])
    ws.write_row(1, 0, ["张三", "110105198203216813", "户主", "=HYPERLINK(\"http://x\",\"点我\")",
                        "=cmd|' /C calc'!A0"])
    ws.write_row(2, 0, ["=1+2", "", "配偶", "", "@SUM(A1:A2)"])
    wb.close()
    database = open_database(tmp_path / "db.sqlite3")
    try:
        report = tmp_path / "report.xlsx"
        from commdesk.importers import ImportOptions

        summary = run_import(database, path, ImportOptions(report_path=report))
        assert summary.imported == 2
        with database.engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT r.name, h.address FROM resident r JOIN household h "
                                          "ON h.id = r.household_id")).all())
            notes = {r[0] for r in conn.execute(text("SELECT notes FROM resident"))}
            review = conn.execute(text("SELECT review FROM resident WHERE name='=1+2'")).scalar()
        assert rows["张三"].startswith("=HYPERLINK")
        assert "=cmd|' /C calc'!A0" in notes
        assert "name_unusual" in review
        import openpyxl

        ws2 = openpyxl.load_workbook(report)["居民"]
        assert all(c.data_type != "f" for row in ws2.iter_rows() for c in row)
    finally:
        database.close()


def test_cli_prints_one_line_and_fails(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from commdesk.cli import main

    path = _pdf(tmp_path)
    code = main(["import", str(path), "--db", str(tmp_path / "db.sqlite3")])
    err = capsys.readouterr().err.strip()
    assert code != 0 and path.name in err and len(err.splitlines()) == 1


def test_cli_import_json_and_undo(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from commdesk.cli import main

    db = str(tmp_path / "db.sqlite3")
    sample = DATA / "建设社区人口系统导出.csv"
    assert main(["import", str(sample), "--db", db, "--dry-run", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] and out["imported"] == 401
    assert main(["import", str(sample), "--db", db, "--json", "--report", str(tmp_path / "r.xlsx")]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["batch_id"] == 1 and (tmp_path / "r.xlsx").exists()
    assert main(["import", "--list-batches", "--db", db]) == 0
    assert "建设社区人口系统导出.csv" in capsys.readouterr().out
    assert main(["import", "--undo", "1", "--db", db]) == 0
    capsys.readouterr()
    assert main(["import", "--undo", "1", "--db", db]) == 1
    assert "已经撤销" in capsys.readouterr().err


def test_register_standalone() -> None:
    import argparse

    parser = argparse.ArgumentParser()
    register(parser.add_subparsers(), common_parent())
    args = parser.parse_args(["import", "x.xlsx", "--on-duplicate", "skip"])
    assert args.on_duplicate == "skip" and args.func.__name__ == "run"


def test_odd_names_long_values_and_implausible_dates_are_named(tmp_path: Path) -> None:
    """Nothing is truncated, dropped or stored implausible silently: each case is a flag, a named
    rejection or a warning."""
    import xlsxwriter
    from sqlalchemy import select

    from commdesk.importers import ImportOptions
    from commdesk.models import Household, Resident

    path = tmp_path / "怪数据.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["姓名", "与户主关系", "性别", "出生日期", "联系电话", "住址", "备注"])
    rows = [
        ["\u202e三张", "户主", "男", "1980-01-02", "", "幸福路1号", ""],          # bidi override: stripped, flagged
        ["王😀", "户主", "女", "1981-02-03", "", "幸福路2号", ""],                # emoji: kept, flagged
        ["\u202e\u202d", "户主", "男", "1982-03-04", "", "幸福路3号", ""],        # nothing visible: rejected
        ["长" * 40, "户主", "男", "1983-04-05", "", "幸福路4号", ""],             # too long: rejected
        ["赵未来", "户主", "女", "2099-01-01", "", "幸福路5号", ""],              # implausible dates
        ["钱古人", "户主", "男", "1850-05-01", "", "幸福路6号", ""],
        ["孙长注", "户主", "女", "1984-05-06", "", "幸福路7号", "注" * 5000],      # notes over 1,000
        ["李长址", "户主", "男", "1985-06-07", "", "幸福路" + "号" * 10_000, ""],  # address over 300
        ["周多号", "户主", "女", "1986-07-08", "、".join(f"1381234{i:04d}" for i in range(4)), "幸福路9号", ""],
        # a note after the name joins 备注, which is then over 1,000: cut and said so, not silently
        ["吴满注（已故）", "户主", "男", "1940-08-09", "", "幸福路10号", "满" * 999],
    ]
    for i, row in enumerate(rows, start=1):
        ws.write_row(i, 0, row)
    wb.close()
    database = open_database(tmp_path / "db.sqlite3")
    try:
        summary = run_import(database, path, ImportOptions(backup=False))
        with database.Session() as s:
            got = {r.name: r for r in s.scalars(select(Resident))}
            address = s.scalar(select(Household.address).join(Resident).where(Resident.name == "李长址"))
    finally:
        database.close()
    assert summary.imported == 8 and summary.rejected == 2
    assert summary.rejected_reasons == {"name_invisible": 1, "name_too_long": 1}
    lines = "\n".join(summary.lines())
    assert "姓名只有不可见的控制字符" in lines and "姓名太长" in lines and "缺少姓名" not in lines
    assert "name_unusual" in got["三张"].review and "name_unusual" in got["王😀"].review
    for name in ("赵未来", "钱古人"):
        assert got[name].birth_date is None and "birth_date_implausible" in got[name].review
    assert len(got["孙长注"].notes) == 1000 and "备注原有 5000 个字" in got["孙长注"].review
    assert got["周多号"].phone.count("、") < 3 and "联系电话原有 47 个字" in got["周多号"].review
    assert got["吴满注"].notes.startswith("已故；") and len(got["吴满注"].notes) == 1000
    assert "备注原有 1002 个字，超过 1000 字" in got["吴满注"].review
    assert len(address) == 300
    assert any("住址超过 300 字的 1 户" in w and "第 9 行（10003 个字）" in w for w in summary.warnings)


def test_impossible_ages_are_flagged_and_never_become_birth_dates(tmp_path: Path) -> None:
    """年龄 is never turned into a birth date; an age that cannot be a person's (-5, 999, 七十, 3.5)
    is a review flag that keeps the cell's text; a plausible one (78, "78岁", 45.0) passes quietly."""
    import xlsxwriter
    from sqlalchemy import select

    from commdesk.importers import ImportOptions
    from commdesk.models import Resident

    path = tmp_path / "年龄表.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["姓名", "与户主关系", "性别", "年龄", "住址"])
    ages = {"甲一": -5, "乙二": 999, "丙三": "七十", "丁四": 3.5, "戊五": 78, "己六": "78岁", "庚七": 45.0, "辛八": ""}
    for i, (name, age) in enumerate(ages.items(), start=1):
        ws.write_row(i, 0, [name, "户主", "男", age, f"幸福路{i}号"])
    wb.close()
    database = open_database(tmp_path / "db.sqlite3")
    try:
        summary = run_import(database, path, ImportOptions(backup=False))
        with database.Session() as s:
            got = {r.name: r for r in s.scalars(select(Resident))}
    finally:
        database.close()
    assert summary.imported == len(ages)
    for name in ("甲一", "乙二", "丙三", "丁四"):
        assert "age_implausible" in got[name].review, name
    assert "原表格中为 999" in got["乙二"].review and "原表格中为 七十" in got["丙三"].review
    for name in ("戊五", "己六", "庚七", "辛八"):
        assert "age_implausible" not in (got[name].review or ""), name
    assert all(r.birth_date is None for r in got.values())
