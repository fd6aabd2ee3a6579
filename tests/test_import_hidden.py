"""Hidden rows and columns of a register: imported like any other, and shown to the user
(preview, warnings, summary, error report) so that nothing is imported unnoticed."""
from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from commdesk.importers import ImportOptions, inspect_file, run_import
from commdesk.importers import hidden as hidden_module
from commdesk.importers.hidden import Hidden, column_letter, scan_hidden
from commdesk.models.db import open_database
from commdesk.services.export_residents import resident_records

IDS = ["110105198203216813", "130102196603262005", "130105199307295980", "410102194805232005",
       "130108195812225079"]


def _register(path: Path, filler: int = 0) -> None:
    """户号 姓名 关系 身份证号(hidden column) 内部编号(hidden, not a field) 电话; the 3rd person's row
    (Excel row 4) hidden, a hidden blank row, and ``filler`` people before the last, hidden one."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["户号", "姓名", "与户主关系", "身份证号", "内部编号", "联系电话"])
    people = [("H1", "王芳", "户主", IDS[0]), ("H1", "李强", "配偶", IDS[1]), ("H1", "王小明", "女儿", IDS[2]),
              ("H2", "赵刚", "户主", IDS[3])]
    r = 1
    for hno, name, rel, idn in people:
        ws.write_row(r, 0, [hno, name, rel, idn, f"N{r}", f"1380000{r:04d}"])
        r += 1
    ws.set_row(3, None, None, {"hidden": True})       # 王小明 (Excel row 4)
    ws.set_row(r, None, None, {"hidden": True})       # a blank hidden row
    r += 1
    for i in range(filler):
        ws.write_row(r, 0, [f"F{i}", f"张{i:03d}", "户主", "", "", ""])
        r += 1
    ws.write_row(r, 0, ["H2", "孙丽", "丈夫", IDS[4], "N9", "13900000000"])
    ws.set_row(r, None, None, {"hidden": True})
    ws.set_column(3, 4, None, None, {"hidden": True})  # 身份证号 and 内部编号
    wb.close()


def test_scan_finds_hidden_rows_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "隐藏.xlsx"
    _register(path)
    assert scan_hidden(path) == {"居民": Hidden(frozenset({4, 6, 7}), frozenset({3, 4}))}
    assert [column_letter(i) for i in (0, 3, 25, 26, 701, 702)] == ["A", "D", "Z", "AA", "ZZ", "AAA"]


def _package(path: Path, sheet_xml: bytes) -> None:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", '<workbook xmlns:r="r"><sheets><sheet name="A &amp; B" sheetId="1" '
                                       'r:id="rId1"/></sheets></workbook>')
        zf.writestr("xl/_rels/workbook.xml.rels", '<Relationships><Relationship Id="rId1" Type="worksheet" '
                                                  'Target="worksheets/sheet1.xml"/></Relationships>')
        zf.writestr("xl/worksheets/sheet1.xml", sheet_xml)


def test_scan_reads_other_writers_forms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """hidden="true", rows without r="", prefixed tags, hidden="0", tags across read chunks."""
    rows = []
    for n in range(1, 400):
        hidden = ' hidden="true"' if n % 50 == 0 else (' hidden="0"' if n % 7 == 0 else "")
        rows.append(f'<x:row spans="1:2"{hidden}><x:c t="inlineStr"><x:is><x:t>hidden="1" {n}</x:t></x:is></x:c>'
                    f'</x:row>')
    xml = ('<x:worksheet><x:cols><x:col min="2" max="3" hidden="1"/><x:col min="5" max="5"/></x:cols>'
           '<x:sheetData>' + "".join(rows) + "</x:sheetData></x:worksheet>").encode()
    path = tmp_path / "other.xlsx"
    _package(path, xml)
    monkeypatch.setattr(hidden_module, "_CHUNK", 997)     # many chunk boundaries
    assert scan_hidden(path) == {"A & B": Hidden(frozenset(range(50, 400, 50)), frozenset({1, 2}))}


def test_hidden_rows_and_columns_are_imported_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "隐藏.xlsx"
    _register(path)
    database = open_database(tmp_path / "db.sqlite3")
    try:
        report = tmp_path / "问题报告.xlsx"
        summary = run_import(database, path, ImportOptions(backup=False, report_path=report))
        with database.Session() as session:
            by_name = {r["name"]: r for r in resident_records(session)}
    finally:
        database.close()
    assert summary.imported == 5
    assert by_name["王小明"]["id_number"] == IDS[2] and by_name["孙丽"]["id_number"] == IDS[4]
    assert all(not r["issues"] for r in by_name.values())
    notes = [w for w in summary.warnings if "隐藏" in w]
    assert notes == ["工作表“居民”中有 2 个隐藏行（第 4、7 行），隐藏行与其他行一样处理，其中 2 行是居民信息",
                     "工作表“居民”中有隐藏列：D 列“身份证号”（作为“身份证号”导入）、E 列“内部编号”（不导入）；"
                     "隐藏列与其他列一样按列映射导入"]
    assert any("隐藏行" in line for line in summary.lines())

    import openpyxl

    wb = openpyxl.load_workbook(report, read_only=True)
    sheet = [tuple(row) for row in wb["居民"].iter_rows(values_only=True)]
    wb.close()
    assert sheet[0][:6] == ("行号", "处理", "问题", "户号", "姓名", "与户主关系")
    assert sheet[0][6:8] == ("身份证号（隐藏列）", "内部编号（隐藏列）")
    listed = {row[0]: row for row in sheet[1:]}
    assert set(listed) == {4, 7}
    assert listed[4][1] == "已导入" and listed[4][2] == "隐藏行" and listed[4][4] == "王小明"


def test_preview_shows_hidden_rows_even_far_down(tmp_path: Path) -> None:
    path = tmp_path / "隐藏.xlsx"
    _register(path, filler=80)
    plan = inspect_file(path)
    hidden = [(p.row, p.status, p.reason, p.cells[1]) for p in plan.preview if p.hidden]
    assert hidden == [(4, "data", "隐藏行", "王小明"), (87, "data", "隐藏行", "孙丽")]
    assert not any("隐藏行" in p.reason for p in plan.preview if not p.hidden)
    assert len(plan.preview) == 51       # the first 50 rows, then the hidden one further down
    assert any("第 4、87 行" in w for w in plan.warnings)


def test_csv_has_no_hidden_information(tmp_path: Path) -> None:
    path = tmp_path / "导出.csv"
    path.write_text("姓名,身份证号\n王芳,110105198203216813\n", encoding="utf-8")
    plan = inspect_file(path)
    assert not any("隐藏" in w for w in plan.warnings) and not any(p.hidden for p in plan.preview)


XLS = Path(__file__).parent / "data" / "import"


def test_xls_scan_finds_hidden_rows_and_columns() -> None:
    """.xls written by LibreOffice Calc: a small one (its workbook stream in the compound file's
    mini stream) and a 1,200-row one (in regular sectors); the figures agree with xlrd's."""
    from commdesk.importers.hidden_xls import scan_hidden_xls

    assert scan_hidden_xls(XLS / "隐藏行列.xls") == {"居民": Hidden(frozenset({4, 6}), frozenset({4}))}
    assert scan_hidden_xls(XLS / "隐藏行_1200.xls") == {"居民": Hidden(frozenset({5, 77, 600, 1150}),
                                                                   frozenset({3}))}
    assert scan_hidden_xls(XLS / "和平社区人口台账(2019版).xls") == {}


def test_hidden_rows_and_columns_of_an_xls_are_imported_and_reported(tmp_path: Path) -> None:
    database = open_database(tmp_path / "db.sqlite3")
    try:
        summary = run_import(database, XLS / "隐藏行列.xls", ImportOptions(backup=False))
        with database.Session() as session:
            by_name = {r["name"]: r for r in resident_records(session)}
    finally:
        database.close()
    assert summary.imported == 4 and set(by_name) == {"王大明", "李小红", "张三", "张小三"}
    assert by_name["王大明"]["id_number"] == "110105198001011238" and not by_name["王大明"]["issues"]
    notes = [w for w in summary.warnings if "隐藏" in w]
    assert notes == ["工作表“居民”中有 2 个隐藏行（第 4、6 行），隐藏行与其他行一样处理，其中 2 行是居民信息",
                     "工作表“居民”中有隐藏列：E 列“内部编号”（不导入）；隐藏列与其他列一样按列映射导入"]
    plan = inspect_file(XLS / "隐藏行列.xls")
    assert [(p.row, p.cells[1]) for p in plan.preview if p.hidden] == [(4, "李小红"), (6, "张小三")]


def _damaged(data: bytes, cuts: list[int], flips: list[tuple[int, int]]) -> bytes:
    out = bytearray(data)
    for at, value in flips:
        out[at % len(out)] = value
    for cut in cuts:
        out = out[:max(8, cut % (len(out) + 1))]
    return bytes(out)


@pytest.mark.parametrize("name", ["隐藏行列.xls", "隐藏行_1200.xls"])
def test_xls_scan_of_a_damaged_file_gives_nothing_or_what_it_reads(tmp_path: Path, name: str) -> None:
    """Truncated files, flipped bytes and a sector chain that loops: a dict, never an exception or
    a hang (the import then reports the file's real problem, or imports it)."""
    import random
    import struct

    from commdesk.importers.hidden_xls import scan_hidden_xls

    data = (XLS / name).read_bytes()
    rng = random.Random(11)
    path = tmp_path / "坏.xls"
    for _i in range(150):
        flips = [(rng.randrange(len(data)), rng.randrange(256)) for _j in range(rng.randrange(1, 6))]
        cuts = [rng.randrange(len(data))] if rng.random() < 0.3 else []
        path.write_bytes(_damaged(data, cuts, flips))
        assert isinstance(scan_hidden_xls(path), dict)
    looped = bytearray(data)
    dir_start = struct.unpack_from("<I", data, 0x30)[0]
    fat_sector = struct.unpack_from("<109I", data, 0x4C)[dir_start // 128]      # 512-byte sectors: 128 entries
    struct.pack_into("<I", looped, (fat_sector + 1) * 512 + 4 * (dir_start % 128), dir_start)   # the chain loops
    path.write_bytes(bytes(looped))
    assert scan_hidden_xls(path) == {}
