"""Import of the Party samples (after the residents register) against their truth files."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from sqlalchemy import func, select

from commdesk.importers.center_households import import_center_households, norm_address
from commdesk.importers.party_members import import_party_members, month_date, undo_party_batch
from commdesk.models.party import CenterContact, CenterHousehold, PartyMember
from commdesk.services.coverage import stats_agree
from commdesk.reports.party_json import center_household_records, party_member_records

DATA = Path(__file__).resolve().parent / "data"
RESIDENTS = DATA / "import" / "幸福里社区居民信息登记表.xlsx"
ROSTER = DATA / "party" / "幸福里社区党员花名册.xlsx"
CENTERS = DATA / "party" / "幸福里社区党员中心户联系户台账.xlsx"
MEMBER_KEYS = ("id_number", "gender", "birth_date", "join_date", "full_date", "branch", "status", "phone",
               "household_no")


def truth(path: Path) -> Any:
    return json.loads(path.with_name(path.name + ".truth.json").read_text(encoding="utf-8"))


@pytest.fixture
def residents(db: Any) -> Any:
    if not RESIDENTS.exists():
        pytest.skip("the residents sample is not in tests/data/import")
    from commdesk.importers import ImportOptions, run_import

    run_import(db, RESIDENTS, ImportOptions(backup=False))
    return db


def test_month_dates() -> None:
    from datetime import date

    assert month_date("1984.03") == date(1984, 3, 1)
    assert month_date("1992年7月") == date(1992, 7, 1)
    assert month_date("２０２３．０８") == date(2023, 8, 1)
    assert month_date(date(2023, 1, 1)) == date(2023, 1, 1)
    assert month_date("") is None and month_date("不详") is None


def test_address_normalisation() -> None:
    assert norm_address("幸福里小区 2号楼2单元701") == norm_address("幸福里小区2栋2单元701室")
    assert norm_address("幸福里二区６栋３单元９０１室") == "幸福里二区6栋3单元901室"


def test_roster_every_member_as_in_the_truth(residents: Any) -> None:
    summary = import_party_members(residents, ROSTER, backup=False)
    expected = truth(ROSTER)["members"]
    assert summary.imported == len(expected) and summary.rejected == 0
    with residents.Session() as s:
        got = {r["name"]: r for r in party_member_records(s)}
    assert len(got) == len(expected)
    for t in expected:
        g = got[t["name"]]
        assert {k: g[k] for k in MEMBER_KEYS} == {k: t[k] for k in MEMBER_KEYS}, t["name"]
        assert (g["issues"] != []) == bool(t["unrecoverable"])


def test_contact_ledger_every_link_as_in_the_truth(residents: Any) -> None:
    import_party_members(residents, ROSTER, backup=False)
    summary = import_center_households(residents, CENTERS, backup=False)
    expected = truth(CENTERS)["centers"]
    assert summary.rejected == 0 and summary.imported == sum(len(c["contacts"]) for c in expected)
    with residents.Session() as s:
        got = {c["center_household_no"]: c for c in center_household_records(s)}
        assert stats_agree(s)
    assert set(got) == {c["center_household_no"] for c in expected}
    for t in expected:
        g = got[t["center_household_no"]]
        assert (g["member_name"], g["member_id_number"], g["grid"]) == (t["member_name"], t["member_id_number"],
                                                                        t["grid"])
        assert sorted((c["household_no"], c["head"]) for c in g["contacts"]) == \
            sorted((c["household_no"], c["head"]) for c in t["contacts"])


def test_reimport_updates_and_undo_removes(residents: Any) -> None:
    first = import_party_members(residents, ROSTER, backup=False)
    again = import_party_members(residents, ROSTER, backup=False)
    assert again.imported == 0 and again.merged == first.imported
    centers = import_center_households(residents, CENTERS, backup=False)
    with residents.Session() as s:
        assert s.scalar(select(func.count()).select_from(PartyMember)) == first.imported
    undo_party_batch(residents, centers.batch_id)
    with residents.Session() as s:
        assert s.scalar(select(func.count()).select_from(CenterContact)) == 0
        assert s.scalar(select(func.count()).select_from(CenterHousehold)) == 0
        assert stats_agree(s)
    undo_party_batch(residents, first.batch_id)
    with residents.Session() as s:
        assert s.scalar(select(func.count()).select_from(PartyMember)) == 0


def test_damaged_ids_are_flagged_not_guessed(residents: Any, tmp_path: Path) -> None:
    """A copy of the roster where Excel damaged two ID cells and one member is not a resident."""
    wb = openpyxl.load_workbook(ROSTER)
    ws = wb.active
    header = [c.value for c in ws[2]]
    id_col, name_col = header.index("身份证号码") + 1, header.index("姓名") + 1
    names = {}
    original = ws.cell(3, id_col).value
    ws.cell(3, id_col).value = float(original)                         # stored as a number: digits lost
    names["lost"] = ws.cell(3, name_col).value
    bad = ws.cell(4, id_col).value
    ws.cell(4, id_col).value = bad[:-1] + ("0" if bad[-1] != "0" else "1")   # a typo: check character wrong
    names["typo"] = ws.cell(4, name_col).value
    ws.cell(5, name_col).value = "外来人"                                   # not in the residents register
    ws.cell(5, id_col).value = None
    path = tmp_path / "damaged.xlsx"
    wb.save(path)
    summary = import_party_members(residents, path, backup=False)
    assert summary.flag_counts.get("id_precision_lost") == 1 and summary.flag_counts.get("id_checksum_invalid") == 1
    assert summary.flag_counts.get("not_resident") == 1
    with residents.Session() as s:
        got = {r["name"]: r for r in party_member_records(s)}
    lost = got[names["lost"]]
    assert lost["id_number"] is None and "id_precision_lost" in lost["issues"]
    assert lost["household_no"] == "H00005"            # still found: name + birth month
    assert got[names["typo"]]["id_number"] is None and "id_checksum_invalid" in got[names["typo"]]["issues"]
    assert got["外来人"]["household_no"] is None and "not_resident" in got["外来人"]["issues"]
