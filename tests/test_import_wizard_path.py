"""The wizard's path (inspect_file → corrections → replan → run_import(plan)) gives exactly what
importing the file directly gives, including household cells merged down over the members."""
from __future__ import annotations

from pathlib import Path

from commdesk.importers import ImportOptions, inspect_file, replan, run_import
from commdesk.models.db import open_database
from commdesk.services.export_residents import resident_records

# (name, ID, relation)
HOUSEHOLDS = [
    ("A01", "花园小区3栋2单元501室", [("王芳", "110105198203216813", "户主"), ("李强", "130102196603262005", "配偶"),
                                  ("王小明", "130105199307295980", "女儿")]),
    ("A02", "花园小区5栋1单元102室", [("赵刚", "410102194805232005", "户主"), ("孙丽", "130108195812225079", "丈夫")]),
]

# two households at one address, without household numbers
SHARED = [("钱进", "户主", "110105197001011234"), ("钱小进", "儿子", "110105199501011235"),
          ("周平", "户主", "110105196502021236"), ("吴兰", "配偶", "110105196703031237")]


def _merged_register(path: Path) -> None:
    """Household number and address merged down over each household's rows (as clerks do), and a
    second sheet without household numbers where two households at one address share one merged
    address cell (the second household's address is only in the merged range)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("花园社区")
    ws.write_row(0, 0, ["户号", "姓名", "与户主关系", "身份证号", "现住址"])
    r = 1
    for hno, address, people in HOUSEHOLDS:
        ws.merge_range(r, 0, r + len(people) - 1, 0, hno)
        ws.merge_range(r, 4, r + len(people) - 1, 4, address)
        for name, idn, relation in people:
            ws.write_row(r, 1, [name, relation, idn])
            r += 1
    ws = wb.add_worksheet("幸福路")
    ws.write_row(0, 0, ["姓名", "与户主关系", "身份证号", "现住址"])
    ws.merge_range(1, 3, 4, 3, "幸福路8号")
    for r, (name, relation, idn) in enumerate(SHARED, start=1):
        ws.write_row(r, 0, [name, relation, idn])
    wb.close()


def _records(tmp_path: Path, name: str, source) -> list[tuple]:
    database = open_database(tmp_path / name)
    try:
        run_import(database, source, ImportOptions(backup=False))
        with database.Session() as session:
            return sorted((r["name"], r["household_no"], r["address"], r["relation"]) for r in resident_records(session))
    finally:
        database.close()


def test_replan_and_run_with_a_plan_fill_merged_household_cells(tmp_path: Path) -> None:
    path = tmp_path / "合并单元格.xlsx"
    _merged_register(path)
    direct = _records(tmp_path, "direct.sqlite3", path)
    assert {(n, h, a) for n, h, a, _r in direct} == \
        {(name, hno, address) for hno, address, people in HOUSEHOLDS for name, _idn, _rel in people} \
        | {(name, "", "幸福路8号") for name, _rel, _idn in SHARED}
    plan = inspect_file(path)
    assert plan.row_counts["households"] == 4
    replan(plan)                       # reads the file again, as after a correction in the wizard
    assert plan.row_counts["households"] == 4
    assert _records(tmp_path, "replanned.sqlite3", plan) == direct
    plan = inspect_file(path)
    plan._extraction = None            # run_import reads the file again itself
    assert _records(tmp_path, "plan.sqlite3", plan) == direct


def test_preview_extraction_is_used_once_and_only_while_it_fits(tmp_path: Path) -> None:
    path = tmp_path / "合并单元格.xlsx"
    _merged_register(path)
    plan = inspect_file(path)
    assert plan._extraction is not None
    database = open_database(tmp_path / "db.sqlite3")
    try:
        first = run_import(database, plan, ImportOptions(backup=False, dry_run=True))
        assert first.timings.get("reused_preview") == 1 and plan._extraction is None
        second = run_import(database, plan, ImportOptions(backup=False, dry_run=True))
        assert "reused_preview" not in second.timings and second.imported == first.imported == 9
        replan(plan)
        sheet = plan.data_sheets()[0]
        id_col = next(c.index for c in sheet.columns if c.field == "id_number")
        plan.set_mapping(sheet.name, id_col, None)       # a correction after the preview: read again
        corrected = run_import(database, plan, ImportOptions(backup=False, dry_run=True))
        assert "reused_preview" not in corrected.timings and corrected.imported == 9
        plan.set_mapping(sheet.name, id_col, "id_number")
        replan(plan)
        SHARED.append(("郑新", "女儿", "110105199804041238"))   # the file changes after the preview
        try:
            _merged_register(path)
        finally:
            SHARED.pop()
        assert run_import(database, plan, ImportOptions(backup=False, dry_run=True)).imported == 10
    finally:
        database.close()
