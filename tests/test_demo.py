"""Demo data: deterministic, valid and consistent, with the search index and change events filled."""
from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from commdesk.errors import UserError
from commdesk.models.db import Database, open_database
from commdesk.demo.households import REVIEW_FLAG, generate_demo
from commdesk.demo.names import chinese_number
from commdesk.validation.idcard import check_id_number

TODAY = date(2026, 6, 15)
HOUSEHOLDS = 400


def _build(path: Path, households: int = HOUSEHOLDS, seed: int = 1) -> tuple[Database, dict[str, Any]]:
    database = open_database(path)
    summary = generate_demo(database, households=households, seed=seed, today=TODAY)
    return database, summary


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Database, dict[str, Any]]]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COMMDESK_HOME", str(tmp_path_factory.mktemp("home")))
        database, summary = _build(tmp_path_factory.mktemp("demo") / "demo.sqlite3")
        try:
            yield database, summary
        finally:
            database.close()


def _rows(database: Database, sql: str, **params: Any) -> list[Any]:
    with database.engine.connect() as conn:
        return conn.execute(text(sql), params).all()


def _age(born: str, on: date = TODAY) -> float:
    return (on - date.fromisoformat(born)).days / 365.2425


def test_summary_counts_match_the_tables(demo: tuple[Database, dict[str, Any]]) -> None:
    database, summary = demo
    assert summary["households"] == HOUSEHOLDS
    assert _rows(database, "SELECT count(*) FROM household")[0][0] == HOUSEHOLDS
    assert _rows(database, "SELECT count(*) FROM resident")[0][0] == summary["residents"]
    assert _rows(database, "SELECT count(*) FROM resident_event")[0][0] == summary["events"]
    assert 2.5 * HOUSEHOLDS <= summary["residents"] <= 3.5 * HOUSEHOLDS
    community = _rows(database, "SELECT name, street_office, district FROM community")
    assert community == [("幸福里社区", "和平街道", "新华区")]
    grids = _rows(database, "SELECT code, name, leader, workers FROM grid ORDER BY code")
    assert [g.name for g in grids[:3]] == ["第一网格", "第二网格", "第三网格"]
    assert all(g.leader and "、" in g.workers for g in grids)
    estates = [r[0] for r in _rows(database, "SELECT DISTINCT estate FROM household ORDER BY id")]
    assert estates[:3] == ["幸福里小区", "和平新村", "建设家园"]


def test_same_seed_same_people_other_seed_other_people(tmp_path: Path) -> None:
    def people(path: Path, seed: int) -> list[tuple[Any, ...]]:
        database, _summary = _build(path, 60, seed)
        try:
            return [tuple(r) for r in _rows(database, "SELECT h.household_no, h.estate, h.building, h.room, r.name,"
                                                      " r.relation, r.id_number, r.phone, r.birth_date, r.tags"
                                                      " FROM resident r JOIN household h ON h.id = r.household_id"
                                                      " ORDER BY r.id")]
        finally:
            database.close()

    first = people(tmp_path / "a.sqlite3", 7)
    assert first == people(tmp_path / "b.sqlite3", 7)
    assert first != people(tmp_path / "c.sqlite3", 8)


def test_id_numbers_are_valid_unique_and_agree_with_gender_and_birth(demo: tuple[Database, dict[str, Any]]) -> None:
    database, _summary = demo
    rows = _rows(database, "SELECT id_number, gender, birth_date, review FROM resident")
    numbers = [r.id_number for r in rows if r.id_number]
    assert len(numbers) == len(set(numbers))
    for r in rows:
        if r.id_number is None:
            assert r.review == REVIEW_FLAG
            continue
        check = check_id_number(r.id_number, today=TODAY)
        assert check.ok and check.number == r.id_number and not check.notes
        assert check.gender == r.gender
        assert check.birth_date == date.fromisoformat(r.birth_date)
        assert r.review == ""
    flagged = sum(1 for r in rows if r.review)
    assert 0 < flagged <= 0.02 * len(rows)
    regions = Counter(n[:4] for n in numbers)
    assert regions.most_common(1)[0][0] == "1301"        # one city (石家庄) for most people


def test_households_have_one_head_and_plausible_families(demo: tuple[Database, dict[str, Any]]) -> None:
    database, _summary = demo
    members: dict[int, list[Any]] = defaultdict(list)
    for r in _rows(database, "SELECT household_id, name, gender, birth_date, relation, rel_order FROM resident"):
        members[r.household_id].append(r)
    assert len(members) == HOUSEHOLDS
    same_surname = children = 0
    for family in members.values():
        assert 1 <= len(family) <= 6
        heads = [m for m in family if m.relation == "户主"]
        assert len(heads) == 1
        head = heads[0]
        assert len({m.name for m in family}) == len(family)
        spouses = [m for m in family if m.relation == "配偶"]
        assert len(spouses) <= 1
        for spouse in spouses:
            assert spouse.gender != head.gender
            assert abs(_age(spouse.birth_date) - _age(head.birth_date)) <= 10
        husband = head if head.gender == "男" else (spouses[0] if spouses else None)
        for m in family:
            gap = _age(head.birth_date) - _age(m.birth_date)
            if m.relation in ("子", "女"):
                assert gap >= 18 and m.gender == ("男" if m.relation == "子" else "女")
                if husband is not None:
                    children += 1
                    same_surname += m.name[0] == husband.name[0]
            elif m.relation in ("孙子", "孙女", "外孙子", "外孙女"):
                assert gap >= 36
            elif m.relation in ("父亲", "母亲"):
                assert -gap >= 18
            elif m.relation in ("岳父", "岳母", "公公", "婆婆"):
                assert -gap >= 12          # the spouse's parents: the spouse may be a few years younger
            elif m.relation in ("儿媳", "女婿"):
                assert m.gender == ("女" if m.relation == "儿媳" else "男")
    assert children and same_surname / children > 0.8     # children take the father's surname as a rule


def test_statuses_dates_and_events_agree(demo: tuple[Database, dict[str, Any]]) -> None:
    database, summary = demo
    residents = {r.id: r for r in _rows(database, "SELECT id, household_id, status, move_in_date, move_out_date,"
                                                  " death_date, birth_date, relation FROM resident")}
    events = _rows(database, "SELECT resident_id, kind, event_date, from_household_id, to_household_id FROM"
                             " resident_event")
    by_resident: dict[int, dict[str, Any]] = defaultdict(dict)
    for e in events:
        by_resident[e.resident_id][e.kind] = e
        assert 0 <= (TODAY - date.fromisoformat(e.event_date)).days <= 550
    kinds = Counter(e.kind for e in events)
    assert kinds["出生"] and kinds["迁入"] and kinds["迁出"] and kinds["死亡"]
    total = len(residents)
    assert 0.01 <= summary["moved_out"] / total <= 0.035
    assert 0.004 <= summary["deceased"] / total <= 0.02
    for r in residents.values():
        if r.status == "迁出":
            e = by_resident[r.id]["迁出"]
            assert e.event_date == r.move_out_date and e.from_household_id == r.household_id
        elif r.status == "死亡":
            e = by_resident[r.id]["死亡"]
            assert e.event_date == r.death_date and e.from_household_id == r.household_id
            assert r.relation != "户主"
        else:
            assert r.move_out_date is None and r.death_date is None
        if "出生" in by_resident[r.id]:
            assert by_resident[r.id]["出生"].event_date == r.birth_date
        if "迁入" in by_resident[r.id]:
            assert by_resident[r.id]["迁入"].event_date == r.move_in_date
        if r.move_in_date and r.status != "在住":
            assert r.move_in_date < (r.move_out_date or r.death_date)


def test_tags_and_political_status_are_plausible(demo: tuple[Database, dict[str, Any]]) -> None:
    database, _summary = demo
    rows = _rows(database, "SELECT r.household_id, r.birth_date, r.status, r.tags, r.political_status, r.phone,"
                           " r.hukou_type, h.tags AS htags, h.housing FROM resident r"
                           " JOIN household h ON h.id = r.household_id")
    total = len(rows)
    party = sum(r.political_status == "中共党员" for r in rows)
    assert 0.06 <= party / total <= 0.12
    assert all(14 <= _age(r.birth_date) <= 29 for r in rows if r.political_status == "共青团员")
    active: dict[int, list[Any]] = defaultdict(list)
    for r in rows:
        if r.status == "在住":
            active[r.household_id].append(r)
        if "高龄老人" in r.tags:
            assert _age(r.birth_date) >= 80
        if "流动人口" in r.tags:
            assert r.hukou_type == "流动" and "流动人口户" in r.htags
        if _age(r.birth_date) >= 18 and _age(r.birth_date) < 60:
            assert r.phone
    for family in active.values():
        if "独居老人" in family[0].tags:
            assert len(family) == 1 and _age(family[0].birth_date) >= 60 and "独居老人户" in family[0].htags
    tags = Counter(t for r in rows for t in r.tags.split("、") if t)
    for tag in ("低保", "独居老人", "空巢老人", "高龄老人", "残疾人", "退役军人", "留守儿童", "流动人口"):
        assert tags[tag] > 0, tag
    assert {r.housing for r in rows} >= {"自有", "租住"}


def test_search_index_and_pinyin_are_filled(demo: tuple[Database, dict[str, Any]]) -> None:
    database, summary = demo
    n = summary["residents"]
    assert _rows(database, "SELECT count(*) FROM resident_fts_tri")[0][0] == n
    assert _rows(database, "SELECT count(*) FROM resident_fts_char")[0][0] == n
    zhang = {r[0] for r in _rows(database, "SELECT rowid FROM resident_fts_char WHERE body MATCH '\"张\"'")}
    expected = {r[0] for r in _rows(database, "SELECT id FROM resident WHERE name LIKE '%张%'")}
    assert zhang and zhang == expected
    assert _rows(database, "SELECT count(*) FROM resident WHERE py_initials = '' OR py_full = ''")[0][0] == 0
    from commdesk.search.query import search_condition

    rid, number, phone, name = _rows(database, "SELECT id, id_number, phone, name FROM resident"
                                               " WHERE id_number IS NOT NULL AND phone LIKE '1%' LIMIT 1")[0]
    for query in (number[6:12], phone[-4:], name):
        cond = search_condition(query)
        assert cond is not None
        found = [r[0] for r in _rows(database, f"SELECT r.id FROM resident r WHERE {cond.sql}", **cond.params)]
        assert rid in found, query


def test_rows_read_back_through_the_orm_and_pass_the_integrity_check(demo: tuple[Database, dict[str, Any]]) -> None:
    database, _summary = demo
    from commdesk.models import Resident
    from commdesk.services.integrity import check_database

    with database.Session() as session:
        resident = session.get_one(Resident, 1)
        assert isinstance(resident.birth_date, date) and resident.created_at.year >= 2000
        assert resident.household.members[0].relation == "户主"
    with database.engine.connect() as conn:
        report = check_database(conn)
    assert report.ok, report.problems
    audit = _rows(database, "SELECT user, action, table_name, summary FROM audit_log")
    assert [(a.action, a.table_name) for a in audit] == [("demo", "community")]


def test_refuses_a_database_that_already_has_data(demo: tuple[Database, dict[str, Any]]) -> None:
    database, summary = demo
    with pytest.raises(UserError):
        generate_demo(database, households=5, seed=2, today=TODAY)
    assert _rows(database, "SELECT count(*) FROM household")[0][0] == summary["households"]


def test_progress_and_cancel(db: Database) -> None:
    calls: list[tuple[int, int]] = []

    class Cancelled:
        cancelled = True

        def __call__(self, done: int, total: int) -> None:
            calls.append((done, total))

    with pytest.raises(UserError):
        generate_demo(db, households=10, progress=Cancelled(), today=TODAY)
    assert _rows(db, "SELECT count(*) FROM community")[0][0] == 0
    generate_demo(db, households=10, progress=lambda done, total: calls.append((done, total)), today=TODAY)
    assert calls[-1] == (10, 10)


def test_rejects_a_silly_size(db: Database) -> None:
    with pytest.raises(UserError):
        generate_demo(db, households=0)


def test_small_demo_is_fast(db: Database) -> None:
    started = time.perf_counter()
    summary = generate_demo(db, households=200, seed=3)
    assert summary["households"] == 200
    assert time.perf_counter() - started < 10   # ~0.3 s here; generous for a loaded machine


def test_chinese_numbers() -> None:
    assert [chinese_number(n) for n in (1, 10, 12, 20, 105, 110, 286, 1000, 1010)] == [
        "一", "十", "十二", "二十", "一百零五", "一百一十", "二百八十六", "一千", "一千零一十"]
