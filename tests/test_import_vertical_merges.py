"""Household cells merged down over the member rows: every member gets the top value, and each
row looks only at the merged ranges that cover it (a 100,000-row register has tens of thousands
of ranges; scanning them all for every row took minutes)."""
from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from commdesk.importers import ImportOptions, run_import
from commdesk.importers.extract import SheetWalker
from commdesk.models import Household, Resident
from tests.gui_support import make_id


def _reference_fill(rows: dict[int, list[Any]], merged: list[tuple[int, int, int, int]]) -> dict[int, list[Any]]:
    """The rule, spelled out: a blank cell inside a range below its top row takes the top value."""
    out = {}
    for r, row in sorted(rows.items()):
        row = list(row)
        for r0, c0, r1, c1 in merged:
            if r0 < r <= r1:
                top = rows.get(r0)
                value = top[c0] if top is not None and c0 < len(top) else ""
                if len(row) <= c1:
                    row += [""] * (c1 + 1 - len(row))
                for c in range(c0, c1 + 1):
                    if row[c] is None or row[c] == "":
                        row[c] = value
        out[r] = row
    return out


def _walker(merged: list[tuple[int, int, int, int]]) -> SheetWalker:
    walker = SheetWalker.__new__(SheetWalker)   # only the merged-range state: what _fill_vertical reads
    walker.vertical = sorted(merged, key=lambda m: m[0])
    walker.vertical_next = 0
    walker.vertical_active = []
    walker.merge_cache = {}
    return walker


ranges = st.lists(st.tuples(st.integers(0, 40), st.integers(0, 5), st.integers(1, 6), st.integers(0, 2)).map(
    lambda t: (t[0], t[1], t[0] + t[2], t[1] + t[3])), max_size=25)


@settings(max_examples=200, deadline=None)
@given(merged=ranges, present=st.sets(st.integers(0, 50)), seed=st.integers(0, 1000))
def test_fill_matches_the_rule_and_looks_only_at_covering_ranges(merged: list[tuple[int, int, int, int]],
                                                                   present: set[int], seed: int) -> None:
    # merged ranges do not overlap in a real sheet: keep the first of any overlapping ones
    kept: list[tuple[int, int, int, int]] = []
    for m in merged:
        if all(m[2] < k[0] or k[2] < m[0] or m[3] < k[1] or k[3] < m[1] for k in kept):
            kept.append(m)
    rows = {r: [f"v{r}.{c}" if (r * 7 + c * 3 + seed) % 4 else "" for c in range(4)] for r in sorted(present)}
    expected = _reference_fill(rows, kept)
    walker = _walker(kept)
    for r in sorted(rows):
        got = walker._fill_vertical(r, list(rows[r]))
        assert got == expected[r], (r, kept)
        # the ranges kept active are exactly the ones that cover this row
        assert sorted(walker.vertical_active) == sorted(m for m in kept if m[0] <= r <= m[2])
        assert set(walker.merge_cache) <= {(m[0], m[1]) for m in walker.vertical_active}


def test_merged_household_cells_reach_every_member(tmp_path: Path, db: Any) -> None:
    import xlsxwriter

    path = tmp_path / "合并单元格.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.merge_range(0, 0, 0, 6, "幸福社区居民登记表")
    ws.write_row(1, 0, ["网格", "户号", "住址", "姓名", "与户主关系", "性别", "身份证号"])
    r = 2
    expected: dict[str, str] = {}
    for h in range(300):
        size = 1 + h % 4
        hno, address = f"H{h:04d}", f"幸福小区{h % 20 + 1}栋{h % 3 + 1}单元{h % 9 + 1}01室"
        for c, value in enumerate((f"第{h % 5 + 1}网格", hno, address)):
            if size > 1:
                ws.merge_range(r, c, r + size - 1, c, value)
            else:
                ws.write(r, c, value)
        for k in range(size):
            male = (h + k) % 2 == 0
            seq = (h % 400) * 2 + (1 if male else 2)
            number = make_id("130102", date(1950 + (h * 7 + k) % 60, 1 + k, 1 + h % 28), seq)
            ws.write_row(r, 3, [f"张{'伟芳娜敏静丽'[k % 6]}{'明华国强军平'[h % 6]}",
                                "户主" if k == 0 else "子女", "男" if male else "女", number])
            expected[number] = hno
            r += 1
    wb.close()
    summary = run_import(db, path, ImportOptions(backup=False))
    assert summary.imported == len(expected) and summary.rejected == 0
    with db.Session() as s:
        got = dict(s.execute(select(Resident.id_number, Household.household_no).join(Household)).all())
    assert got == expected


def test_adjacent_households_with_the_same_merged_cells_stay_apart(tmp_path: Path, db: Any) -> None:
    """No 户号: two families merged over the same address one after the other are two households
    (the second 户主 starts it), and a grid heading between rows stops the row above's cells from
    being taken over."""
    import xlsxwriter

    path = tmp_path / "同址两户.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("居民")
    ws.write_row(0, 0, ["住址", "姓名", "与户主关系", "性别", "身份证号"])
    people = [("户主", "王建国"), ("配偶", "李秀英"), ("户主", "赵志强"), ("子女", "赵小雨"), ("子女", "赵小雪")]
    numbers = [make_id("130102", date(1960 + k, 3, 1 + k), 10 + 2 * k + 1) for k in range(len(people))]
    ws.merge_range(1, 0, 5, 0, "幸福小区3栋2单元201室")     # one merged cell over both families
    for k, ((relation, name), number) in enumerate(zip(people, numbers)):
        ws.write_row(1 + k, 1, [name, relation, "男", number])
    ws.merge_range(6, 0, 6, 4, "第二网格")                  # a section row, then the same address again
    ws.merge_range(7, 0, 8, 0, "幸福小区3栋2单元201室")
    ws.write_row(7, 1, ["孙丽", "户主", "女", make_id("130102", date(1970, 5, 5), 22)])
    ws.write_row(8, 1, ["孙小明", "子女", "男", make_id("130102", date(1995, 6, 6), 31)])
    wb.close()
    summary = run_import(db, path, ImportOptions(backup=False))
    assert summary.imported == 7 and summary.rejected == 0
    with db.Session() as s:
        got = s.execute(select(Resident.name, Household.id, Household.address).join(Household)
                        .order_by(Resident.id)).all()
    homes = {name: hid for name, hid, _address in got}
    assert homes["王建国"] == homes["李秀英"]
    assert homes["赵志强"] == homes["赵小雨"] == homes["赵小雪"] != homes["王建国"]
    assert homes["孙丽"] == homes["孙小明"] not in (homes["王建国"], homes["赵志强"])
    assert {address for *_rest, address in got} == {"幸福小区3栋2单元201室"}
