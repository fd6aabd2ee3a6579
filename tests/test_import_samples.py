"""Accuracy over the sample registers (with their truth files), re-import, undo, dry run, cancel."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.importers import ImportCancelled, ImportOptions, inspect_file, run_import, undo_batch
from commdesk.models.db import open_database
from commdesk.services.export_residents import resident_records

DATA = Path(__file__).resolve().parent / "data" / "import"
SAMPLES = ["幸福里社区居民信息登记表.xlsx", "和平社区人口台账(2019版).xls", "建设社区人口系统导出.csv"]
RELATION_EQUIV = {"儿子": "子", "女儿": "女", "妻子": "配偶", "丈夫": "配偶", "本人": "户主"}
DAMAGE = {"id_precision_lost", "id_checksum_invalid"}


def _truth(name: str) -> list[dict]:
    return json.loads((DATA / f"{name}.truth.json").read_text(encoding="utf-8"))["records"]


def _rel(value: str) -> str:
    return RELATION_EQUIV.get(value, value)


def _snapshot(database) -> dict[str, list]:
    with database.engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                for t in ("community", "grid", "household", "resident", "import_batch", "audit_log",
                          "resident_fts_tri")}


@pytest.fixture
def fresh(tmp_path: Path):
    databases = []

    def make(name: str = "db.sqlite3"):
        database = open_database(tmp_path / name)
        databases.append(database)
        return database

    yield make
    for database in databases:
        database.close()


def _key(rec: dict) -> tuple:
    return (rec["household_no"], rec["name"])


@pytest.mark.parametrize("sample", SAMPLES)
def test_sample_register_is_imported_exactly(fresh, sample: str) -> None:
    database = fresh()
    summary = run_import(database, DATA / sample)
    truth = _truth(sample)
    with database.Session() as session:
        got = resident_records(session)
    assert len(got) == len(truth)
    assert summary.imported == len(truth)
    assert summary.accounted() == summary.rows_total
    by_key: dict[tuple, list[dict]] = {}
    for rec in got:
        by_key.setdefault(_key(rec), []).append(rec)
    for want in truth:
        candidates = by_key.get(_key(want))
        assert candidates, f"missing {want['name']} in {want['household_no']}"
        rec = candidates.pop(0)
        damaged = set(want["unrecoverable"]) & DAMAGE
        assert set(rec["issues"]) == damaged, (want["name"], rec["issues"])
        assert rec["relation"] == _rel(want["relation"])
        assert rec["political_status"] == want["political"]
        assert (rec["phone"] or "") == (want["phone"] or "")
        assert sorted(rec["tags"]) == sorted(want["tags"])
        assert rec["grid"] == want["grid"]
        assert rec["address"] == want["address"]
        if damaged:
            assert rec["id_number"] is None
            # whatever the file did keep must be right; nothing may be guessed
            assert rec["birth_date"] in (None, want["birth_date"])
            assert rec["gender"] in ("", want["gender"])
        else:
            assert rec["id_number"] == want["id_number"]
            assert rec["birth_date"] == want["birth_date"]
            assert rec["gender"] == want["gender"]
    # households grouped exactly: same members per household number, one head each
    want_groups: dict[str, set[str]] = {}
    for want in truth:
        want_groups.setdefault(want["household_no"], set()).add(want["name"])
    got_groups: dict[str, set[str]] = {}
    for rec in got:
        got_groups.setdefault(rec["household_no"], set()).add(rec["name"])
    assert got_groups == want_groups
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM household")).scalar() == len(want_groups)
        heads = conn.execute(text("SELECT household_id, count(*) FROM resident WHERE relation='户主' "
                                  "GROUP BY household_id HAVING count(*) > 1")).all()
        assert heads == []
        assert conn.execute(text("SELECT count(*) FROM resident_fts_tri")).scalar() == len(truth)
        assert conn.execute(text("SELECT count(*) FROM resident WHERE py_initials = ''")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM audit_log WHERE action='import'")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM community")).scalar() == 1
        grids = {r[0] for r in conn.execute(text("SELECT name FROM grid"))}
    assert grids == {w["grid"] for w in truth}


@pytest.mark.parametrize("sample", SAMPLES)
def test_reimport_is_idempotent_and_undo_restores(fresh, sample: str) -> None:
    database = fresh()
    first = run_import(database, DATA / sample)
    before = _snapshot(database)
    second = run_import(database, DATA / sample)
    assert second.imported == 0
    assert second.merged + second.duplicates_skipped == first.imported
    assert second.conflicts == []
    with database.Session() as session:
        assert len(resident_records(session)) == first.imported
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM resident WHERE relation='户主'")).scalar() == \
            conn.execute(text("SELECT count(*) FROM household")).scalar()
    undo_batch(database, second.batch_id)
    after = _snapshot(database)
    for table in ("community", "grid", "household", "resident_fts_tri"):
        assert after[table] == before[table]
    undo_batch(database, first.batch_id)
    with database.engine.connect() as conn:
        for table in ("resident", "household", "grid", "community", "resident_fts_tri"):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_update_policy_merge_is_undone(fresh) -> None:
    database = fresh()
    sample = SAMPLES[0]
    run_import(database, DATA / sample)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE resident SET phone='', education='X' WHERE name='杨华玉'"))
    before = _snapshot(database)["resident"]
    summary = run_import(database, DATA / sample, ImportOptions(on_duplicate="update"))
    with database.engine.connect() as conn:
        phone, education = conn.execute(text("SELECT phone, education FROM resident WHERE name='杨华玉'")).one()
    assert phone == "15730956848" and education != "X"
    undo_batch(database, summary.batch_id)
    after = _snapshot(database)["resident"]
    strip = lambda rows: [tuple(v for i, v in enumerate(r) if i not in (24, 25)) for r in rows]  # noqa: E731
    assert [r.phone for r in after] == [r.phone for r in before]
    assert [r.education for r in after] == [r.education for r in before]
    assert len(strip(after)) == len(before)


def test_fill_policy_lists_conflicts_and_never_blanks(fresh) -> None:
    database = fresh()
    run_import(database, DATA / SAMPLES[2])
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE resident SET political_status='民主党派' WHERE name='付佳晓'"))
    summary = run_import(database, DATA / SAMPLES[2], ImportOptions(on_duplicate="fill"))
    assert any(c["name"] == "付佳晓" and c["field"] == "political_status" for c in summary.conflicts)
    with database.engine.connect() as conn:
        assert conn.execute(text("SELECT political_status FROM resident WHERE name='付佳晓'")).scalar() == "民主党派"


def test_dry_run_writes_nothing(fresh, tmp_path: Path) -> None:
    database = fresh()
    before = _snapshot(database)
    summary = run_import(database, DATA / SAMPLES[0], ImportOptions(dry_run=True, report_path=tmp_path / "r.xlsx"))
    assert summary.dry_run and summary.imported == 399 and summary.batch_id is None
    assert _snapshot(database) == before
    assert (tmp_path / "r.xlsx").exists()


def test_cancel_leaves_database_unchanged(fresh) -> None:
    database = fresh()
    run_import(database, DATA / SAMPLES[1])
    before = _snapshot(database)
    calls = {"n": 0}

    def cancel() -> bool:
        calls["n"] += 1
        return calls["n"] > 3

    with pytest.raises(ImportCancelled):
        run_import(database, DATA / SAMPLES[0], cancel=cancel)
    assert _snapshot(database) == before


def test_progress_is_reported(fresh) -> None:
    database = fresh()
    seen: list[tuple[int, int]] = []
    run_import(database, DATA / SAMPLES[0], progress=lambda d, t: seen.append((d, t)))
    assert seen and seen[-1][0] <= seen[-1][1]


def test_backup_is_made_before_a_real_import(fresh, commdesk_home: Path) -> None:
    database = fresh()
    summary = run_import(database, DATA / SAMPLES[2])
    assert summary.backup_path and Path(summary.backup_path).exists()


def test_error_report_highlights_problem_rows(fresh, tmp_path: Path) -> None:
    import openpyxl

    database = fresh()
    out = tmp_path / "report.xlsx"
    run_import(database, DATA / SAMPLES[0], ImportOptions(report_path=out))
    wb = openpyxl.load_workbook(out, read_only=True)
    ws = wb["居民信息"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][:3] == ("行号", "处理", "问题")
    problems = [r for r in rows[1:] if r[1] == "已导入"]
    assert len(problems) == 13
    assert any(r[1] == "已跳过" and "小计" in (r[2] or "") for r in rows[1:])


def test_inspect_file_plan(tmp_path: Path) -> None:
    plan = inspect_file(DATA / SAMPLES[1])
    assert [s.name for s in plan.data_sheets()] == ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格",
                                                   "第六网格"]
    assert plan.data_sheets()[0].header_rows == [2]
    assert plan.community == "和平社区"
    assert plan.problem_counts == {"id_precision_lost": 11}
    assert plan.preview and plan.preview[0].status == "data"
    assert plan.row_counts["data"] == 404
    plan = inspect_file(DATA / SAMPLES[0])
    assert [s.role for s in plan.sheets] == ["data", "ignored"]


def test_corrected_mapping_is_remembered(fresh) -> None:
    database = fresh()
    plan = inspect_file(DATA / SAMPLES[2])
    sheet = plan.data_sheets()[0]
    tags_col = next(c.index for c in sheet.columns if c.field == "tags")
    plan.set_mapping(sheet.name, tags_col, None)       # the user says: ignore that column
    run_import(database, plan)
    with database.Session() as session:
        again = inspect_file(DATA / SAMPLES[2], session=session)
        assert not any(r["tags"] for r in resident_records(session))
    assert again.data_sheets()[0].columns[tags_col].field is None


@pytest.mark.parametrize("full", [False, True])
def test_error_report_masks_ids_and_phones_unless_full_is_chosen(fresh, tmp_path: Path, full: bool) -> None:
    import re

    import openpyxl

    database = fresh()
    out = tmp_path / "report.xlsx"
    run_import(database, DATA / SAMPLES[0], ImportOptions(report_path=out, report_full=full))
    wb = openpyxl.load_workbook(out, read_only=True)
    ws = wb["居民信息"]
    rows = list(ws.iter_rows(values_only=True))
    header = list(rows[0])
    id_col = next(i for i, h in enumerate(header) if h and "身份证" in str(h))
    phone_col = next(i for i, h in enumerate(header) if h and "电话" in str(h))
    ids = [str(r[id_col]) for r in rows[1:] if r[id_col] not in (None, "")]
    phones = [str(r[phone_col]) for r in rows[1:] if r[phone_col] not in (None, "")]
    assert ids and phones
    every_cell = " ".join(str(v) for r in rows for v in r if v is not None)
    summary_sheet = " ".join(str(v) for r in wb["汇总"].iter_rows(values_only=True) for v in r if v is not None)
    if full:
        assert any(re.fullmatch(r"\d{17}[\dXx]", i) for i in ids)
        assert "完整身份证号" in summary_sheet
    else:
        assert all("*" in i for i in ids) and all("*" in p for p in phones)
        assert not re.search(r"\d{17}[\dXx]|1[3-9]\d{9}", every_cell)   # no full ID number or mobile anywhere
        assert "已脱敏" in summary_sheet


def test_summary_names_the_first_rows_of_each_problem(fresh) -> None:
    database = fresh()
    summary = run_import(database, DATA / SAMPLES[0], ImportOptions(dry_run=True))
    lines = "\n".join(summary.lines())
    assert "小计/合计行）：6 行（居民信息 第 75、144、213、270、344 行等）" in lines
    assert "末尾几位已丢失：11（居民信息 第 17、31、83、152、155 行等）" in lines
    assert summary.to_dict()["examples"]["flag:id_checksum_invalid"] == [["居民信息", 313], ["居民信息", 351]]
