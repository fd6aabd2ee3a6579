"""Single rules behind the unseen-layout registers (tests/test_import_unseen.py), each on its own."""
from __future__ import annotations

from datetime import date

import pytest

from commdesk.importers import normalise as norm
from commdesk.importers.cells import _household_text, _reliable_birth
from commdesk.importers.layout import community_name
from commdesk.models.household import format_address


def _records(path, tmp_path) -> list[dict]:
    """The residents as exported after importing ``path`` into a fresh database."""
    from commdesk.importers import ImportOptions, run_import
    from commdesk.models.db import open_database
    from commdesk.services.export_residents import resident_records

    database = open_database(tmp_path / "db.sqlite3")
    try:
        run_import(database, path, ImportOptions(backup=False))
        with database.Session() as session:
            return resident_records(session)
    finally:
        database.close()


@pytest.mark.parametrize(("value", "expected"), [
    (1972.02, (None, "partial")), (1990.1, (None, "partial")), (1985, (None, "partial")),   # 出生年月 as a number
    (32000, (date(1987, 8, 11), "")), (19900307, (date(1990, 3, 7), "")), ("1972.02", (None, "partial")),
])
def test_numbers_in_a_birth_column(value: object, expected: tuple) -> None:
    assert norm.parse_date(value) == expected


def test_tags_keep_a_group_whose_words_are_spaced() -> None:
    assert norm.tags("空巢 老人") == ("空巢老人",)
    assert norm.tags("低保 残疾") == ("低保", "残疾人")
    assert norm.tags("低保户,残疾人；独居") == ("低保", "残疾人", "独居老人")


@pytest.mark.parametrize(("value", "yes"), [("√", True), ("✓", True), ("是", True), (1, True), ("一级", True),
                                            ("", False), (None, False), ("否", False), ("无", False), ("×", False),
                                            (0, False), ("/", False)])
def test_tick_cells(value: object, yes: bool) -> None:
    assert norm.ticked(value) is yes


def test_tick_column_headers_name_their_group() -> None:
    assert norm.tag_of_header("低保户") == "低保" and norm.tag_of_header("残疾") == "残疾人"


def test_ditto_in_a_household_cell_means_the_row_above() -> None:
    assert _household_text("同上") == "" and _household_text("〃") == "" and _household_text("幸福路1号") == "幸福路1号"


def test_birth_digits_of_a_rounded_id_only_when_no_carry_reached_them() -> None:
    assert _reliable_birth(130102199001011234.0) == date(1990, 1, 1)        # kept 130102199001011: 15th digit 1
    assert _reliable_birth("130121194905120000") is None                  # rounded up from …0511 9650: carry
    assert _reliable_birth("1.30102E+17") is None


@pytest.mark.parametrize(("line", "name"), [("新村社区居民信息模板（已填）", "新村社区"), ("李村社区人口", "李村社区"),
                                            ("和平街道幸福里社区居民登记表", "幸福里社区"), ("张庄村村民登记", "张庄村")])
def test_community_names(line: str, name: str) -> None:
    assert community_name([line]) == name


@pytest.mark.parametrize(("parts", "address"), [
    (("幸福家园", "8号楼", "1单元", "1601室"), "幸福家园8号楼1单元1601室"),
    (("幸福家园", "2", "3", "301"), "幸福家园2栋3单元301室"),
    (("幸福家园", "10栋", "1", "1302号"), "幸福家园10栋1单元1302号"),
])
def test_split_address_parts_keep_their_word_once(parts: tuple[str, str, str, str], address: str) -> None:
    assert format_address(*parts) == address


def test_a_section_heading_that_also_titles_the_sheet_still_names_the_grid(tmp_path) -> None:
    """Rows above the header are remembered to skip a repeated page head, but a lone 第一网格 row
    in the data is a section heading even when the sheet's title row says the same."""
    import openpyxl

    path = tmp_path / "分组.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["第一网格"])
    ws.append(["姓名", "与户主关系", "身份证号", "现住址"])
    ws.append(["第一网格"])
    ws.append(["王芳", "户主", "110105198203216813", "幸福路1号"])
    ws.append(["第二网格"])
    ws.append(["赵刚", "户主", "410102194805232005", "幸福路2号"])
    wb.save(path)
    assert {r["name"]: r["grid"] for r in _records(path, tmp_path)} == {"王芳": "第一网格", "赵刚": "第二网格"}


def test_an_id_ending_000_that_does_not_check_is_a_rounded_number_in_a_register(tmp_path) -> None:
    """In an import, 18 digits ending 000 that fail the check are what Excel leaves of a number
    (saved as text in a CSV): flagged as lost digits. Typed into a form they stay a typo."""
    from commdesk.validation.idcard import check_id_number

    path = tmp_path / "导出.csv"
    path.write_text("姓名,与户主关系,身份证号,出生日期\n王芳,户主,130121194905120000,1949-05-11\n"
                    "赵刚,户主,130121194905120001,1949-05-11\n", encoding="utf-8")
    assert {r["name"]: r["issues"] for r in _records(path, tmp_path)} == \
        {"王芳": ["id_precision_lost"], "赵刚": ["id_checksum_invalid"]}
    assert check_id_number("130121194905120000").problem == "bad_checksum"


@pytest.mark.parametrize(("value", "expected"), [("本人(户主)", "户主"), ("本人（户主）", "户主"), ("户主(本人)", "户主"),
                                                 ("户主之妻", "配偶"), ("户主之母", "母亲"), ("长子媳", "儿媳"),
                                                 ("次孙女", "孙女"), ("外甥", "外甥")])
def test_relation_variants(value: str, expected: str) -> None:
    assert norm.relation(value) == expected


@pytest.mark.parametrize(("value", "expected"), [("群众（默认）", ("群众", True)), ("中共党员（预备）", ("中共预备党员", True)),
                                                 ("党员(正式)", ("中共党员", True)), ("无党派人士", ("无党派人士", False))])
def test_political_status_with_a_note(value: str, expected: tuple) -> None:
    assert norm.political(value) == expected


def test_a_note_after_a_phone_or_a_name_is_not_part_of_it() -> None:
    from commdesk.validation.phone import check_phone

    assert check_phone("18303940795（本人）").number == "18303940795"
    assert check_phone("(0311)86012345").number == "0311-86012345"      # an area code in brackets stays
    assert norm.name_note("宋伟浩(外出)") == ("宋伟浩", "外出") and norm.name_note("杜超文（已故）") == ("杜超文", "已故")
    assert norm.name_note("王芳") == ("王芳", "") and norm.name_note("(外出)") == ("(外出)", "")


def test_column_roles_that_are_not_the_residents_own() -> None:
    from commdesk.importers.fields import get_kind, match_field

    kind = get_kind("residents")
    for header in ("户主身份证号", "房东电话", "紧急联系人电话", "联系人电话", "监护人电话"):
        assert match_field(kind, header)[0] == "others", header
    assert match_field(kind, "是否低保") == ("tag_flag", 3) and norm.tag_of_header("是否低保") == "低保"
    assert match_field(kind, "是否党员") == ("party_flag", 3)
    assert match_field(kind, "低保金额")[0] != "tag_flag"          # a tag word inside a header is not a tick column


@pytest.mark.parametrize(("sheet", "sheets", "grid"), [("第一网格", 2, "第一网格"), ("第一网格人口台账", 2, "第一网格人口台账"),
                                                       ("户籍人口", 2, ""), ("流动人口", 2, ""), ("幸福里", 2, "幸福里"),
                                                       ("幸福里", 1, ""), ("Sheet1", 2, "")])
def test_which_sheet_names_are_grids(sheet: str, sheets: int, grid: str) -> None:
    from commdesk.importers.layout import SheetPlan, sheet_gives_grid

    assert sheet_gives_grid(SheetPlan(name=sheet, index=0), sheets) == grid
