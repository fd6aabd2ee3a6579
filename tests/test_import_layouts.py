"""Registers in layouts the samples do not have, generated here, and the value normalisers."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.importers import run_import
from commdesk.importers import normalise as norm
from commdesk.models.db import open_database
from commdesk.services.export_residents import resident_records

# (name, ID, relation as written, phone, political as written, birth as written)
PEOPLE = [
    ("王　芳", "110105198203216813", "本人", "138 1234 5678", "党员", "1982年3月21日"),
    ("李强", "130102196603262005", "妻子", "", "群众", "1966.03.26"),
    ("王小明", "130105199307295980", "女儿", "13900448836", "团员", ""),
]
OTHER = [("赵刚", "410102194805232005", "户主", "0311-86012345", "中共党员", "19480523"),
         ("孙丽", "130108195812225079", "丈夫", "13924256694", "预备党员", "1958/12/22")]


def _records(database) -> list[dict]:
    with database.Session() as session:
        return resident_records(session)


@pytest.fixture
def database(tmp_path: Path):
    db = open_database(tmp_path / "db.sqlite3")
    yield db
    db.close()


def _check(records: list[dict]) -> None:
    by_name = {r["name"]: r for r in records}
    assert set(by_name) == {"王芳", "李强", "王小明", "赵刚", "孙丽"}
    assert by_name["王芳"]["relation"] == "户主" and by_name["李强"]["relation"] == "配偶"
    assert by_name["王小明"]["relation"] == "女" and by_name["孙丽"]["relation"] == "配偶"
    assert by_name["王芳"]["phone"] == "13812345678"
    assert by_name["王芳"]["political_status"] == "中共党员"
    assert by_name["孙丽"]["political_status"] == "中共预备党员"
    assert by_name["王小明"]["birth_date"] == "1993-07-29"          # blank → from the ID
    assert by_name["赵刚"]["birth_date"] == "1948-05-23"
    assert all(not r["issues"] for r in records)
    assert by_name["王芳"]["household_no"] == by_name["王小明"]["household_no"]
    households = {r["household_no"] + (r["address"] or "") for r in records}
    assert len(households) == 2


def test_two_row_header_with_split_address(tmp_path: Path, database) -> None:
    import xlsxwriter

    path = tmp_path / "两行表头.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花园社区")
    ws.merge_range(0, 0, 0, 10, "花园社区居民花名册")
    ws.write(1, 0, "填报单位：花园社区居委会   日期：2024-01-01")
    for col, label in enumerate(["户编号", "姓 名", "称谓", "公民身份号码", "手机号码", "政治面貌", "出生年月"]):
        ws.merge_range(2, col, 3, col, label)
    ws.merge_range(2, 7, 2, 10, "家庭住址")
    ws.write_row(3, 7, ["小区", "楼栋", "单元", "室"])
    r = 4
    for hno, people, addr in (("A01", PEOPLE, ["花园小区", "3", "2", "501"]),
                              ("A02", OTHER, ["花园小区", "5", "1", "102"])):
        ws.merge_range(r, 0, r + len(people) - 1, 0, hno)
        for col in range(4):
            ws.merge_range(r, 7 + col, r + len(people) - 1, 7 + col, addr[col])
        for p in people:
            ws.write_row(r, 1, [p[0], p[2], p[1], p[3], p[4], p[5]])
            r += 1
    ws.write(r, 0, "合计")
    ws.write(r + 1, 0, "制表人：张三")
    wb.close()
    summary = run_import(database, path)
    assert summary.imported == 5 and summary.skipped == 2
    records = _records(database)
    _check(records)
    assert {r["address"] for r in records} == {"花园小区3栋2单元501室", "花园小区5栋1单元102室"}


def test_sheet_per_grid_without_numbers(tmp_path: Path, database) -> None:
    import openpyxl

    path = tmp_path / "分网格.xlsx"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for sheet, people, addr in (("一网格", PEOPLE, "幸福路1号"), ("二网格", OTHER, "幸福路2号")):
        ws = wb.create_sheet(sheet)
        ws.append(["序号", "姓名", "与户主关系", "身份证号码", "联系方式", "政治面貌", "出生日期", "现住址"])
        for i, p in enumerate(people, 1):
            ws.append([i, p[0], p[2], p[1], p[3], p[4], p[5], addr if i == 1 else None])
    help_sheet = wb.create_sheet("填表说明")
    help_sheet.append(["1. 每户第一行为户主"])
    wb.save(path)
    summary = run_import(database, path)
    assert summary.imported == 5
    records = _records(database)
    by_name = {r["name"]: r for r in records}
    assert by_name["王小明"]["grid"] == "一网格" and by_name["孙丽"]["grid"] == "二网格"
    assert by_name["王小明"]["address"] == "幸福路1号"
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM household")).scalar() == 2


def test_gbk_csv_with_other_words(tmp_path: Path, database) -> None:
    lines = ["户号,姓名,关系,证件号码,电话,政治面貌,生日,地址,网格,标签"]
    for hno, people, addr in (("1", PEOPLE, "建设路8号"), ("2", OTHER, "建设路9号")):
        for p in people:
            lines.append(",".join([hno, p[0], p[2], p[1], p[3], p[4], p[5], addr, "东区网格", "低保/残疾"]))
    path = tmp_path / "导出.csv"
    path.write_bytes("\r\n".join(lines).encode("gbk"))
    summary = run_import(database, path)
    assert summary.imported == 5
    records = _records(database)
    _check(records)
    assert all(sorted(r["tags"]) == ["低保", "残疾人"] for r in records)
    assert {r["grid"] for r in records} == {"东区网格"}


def test_second_head_is_flagged_and_gender_conflict(tmp_path: Path, database) -> None:
    import openpyxl

    path = tmp_path / "两个户主.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["户号", "姓名", "与户主关系", "身份证号", "性别"])
    ws.append(["H1", "赵刚", "户主", "410102194805232005", "女"])
    ws.append(["H1", "孙丽", "户主", "130108195812225079", "男"])
    ws.append(["H1", "孙小", "儿子", "130108195812225079", "男"])
    wb.save(path)
    summary = run_import(database, path)
    assert summary.flag_counts.get("second_head") == 1
    assert summary.in_file_duplicates
    by_name = {r["name"]: r for r in _records(database)}
    assert "second_head" in by_name["孙丽"]["issues"] and by_name["孙丽"]["relation"] != "户主"
    assert by_name["赵刚"]["issues"] == [] and by_name["赵刚"]["gender"] == "女"


@pytest.mark.parametrize("raw,want", [
    ("1990.03.07", date(1990, 3, 7)), ("1990年3月7日", date(1990, 3, 7)), ("19900307", date(1990, 3, 7)),
    ("1990-3-7", date(1990, 3, 7)), ("1990/3/7", date(1990, 3, 7)), (32939.0, date(1990, 3, 7)),
    (date(1990, 3, 7), date(1990, 3, 7)), ("１９９０－０３－０７", date(1990, 3, 7)), (19900307, date(1990, 3, 7)),
    ("1990-03-07 00:00:00", date(1990, 3, 7)),
])
def test_dates(raw: object, want: date) -> None:
    assert norm.parse_date(raw) == (want, "")


def test_value_normalisers() -> None:
    assert norm.name(" 王\u3000芳 ") == "王芳"
    assert norm.gender("男性") == ("男", True)
    assert norm.political("团员") == ("共青团员", True)
    assert norm.relation("儿子") == "子" and norm.relation("本人") == "户主" and norm.relation("侄子") == "侄子"
    assert set(norm.tags("低保户、残疾，独居老人 流动人口")) == {"低保", "流动人口", "残疾人", "独居老人"}
    assert norm.parse_date("1990年3月")[1] == "partial"
