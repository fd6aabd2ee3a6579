"""Search as you type and the ledger query, through ``LedgerFilter`` + ``ordered_ids`` on real SQLite.

Every query kind (1-2 Chinese characters, 3+ character substrings, pinyin initials and full-pinyin
prefixes with surname readings, ID/phone/address fragments, several terms ANDed), the index kept
in step with edits in the same transaction, ``rebuild_all``, and every ledger filter and the
row values. All people are generated.
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from commdesk.models import Household, Resident
from commdesk.models.db import open_database
from commdesk.models.search_index import rebuild_all
from commdesk.search.query import is_too_short, search_condition, term_kind
from commdesk.services.community import create_community, list_grids
from commdesk.services.households import add_resident, create_household, record_event, set_archived, update_household
from commdesk.validation.idcard import age_on
from commdesk.reports.ledger_query import AGE_BANDS, LedgerFilter, fetch_rows, ordered_ids, screen_columns
from commdesk.services.resident_form import HouseholdForm, ResidentForm
from commdesk.validation.idcard import check_char

TODAY = date(2024, 6, 15)
CJK = re.compile(r"[\u4e00-\u9fff]")


def make_id(born: date, seq: int, region: str = "110101") -> str:
    first17 = f"{region}{born:%Y%m%d}{seq:03d}"
    return first17 + check_char(first17)


# (household, name, relation, birth date, ID sequence, phone, tags, political status)
PEOPLE = [
    ("H1", "张三", "户主", date(1970, 5, 6), 11, "13911112222", ["残疾人"], "中共党员"),
    ("H1", "李梅", "配偶", date(1972, 8, 9), 22, "13922223333", [], "群众"),
    ("H1", "张三丰", "子", date(2000, 1, 2), 31, "", [], "共青团员"),
    ("H2", "单雄信", "户主", date(1960, 2, 3), 41, "0311-86012345", ["退役军人"], "中共党员"),
    ("H2", "曾国藩", "其他", date(1985, 3, 15), 3, "13933334444", [], "群众"),   # ID ends in X
    ("H2", "解缙", "其他", date(1990, 4, 5), 51, "", [], "群众"),
    ("H3", "仇英", "户主", date(1955, 6, 7), 61, "13944445555", ["独居老人"], "群众"),
    ("H3", "朴槿惠", "其他", date(1952, 2, 2), 72, "", [], "民主党派"),
    ("H3", "区家麟", "其他", date(2015, 9, 9), 81, "", ["留守儿童"], "群众"),
    ("H3", "欧阳修", "其他", date(1944, 10, 10), 91, "", ["高龄老人"], "群众"),
    ("H4", "张伟", "户主", date(1988, 12, 12), 101, "13955556666", [], "群众"),
    ("H4", "章伟", "其他", date(1989, 11, 11), 111, "", [], "群众"),
    ("H4", "司马相如", "其他", date(1979, 7, 7), 121, "", [], "群众"),
    ("H4", "阿依古丽·买买提", "其他", date(1995, 5, 5), 131, "", [], "群众"),
]
HOUSEHOLDS = {
    "H1": (0, {"estate": "幸福小区", "building": "1", "unit": "2", "room": "301", "tags": ["低保户"]}),
    "H2": (0, {"estate": "幸福小区", "building": "3", "unit": "1", "room": "502"}),
    "H3": (1, {"estate": "和谐家园", "building": "5", "unit": "1", "room": "101"}),
    "H4": (1, {"address": "城关镇东街88号"}),
}


@dataclass
class World:
    db: object
    grids: list[int]
    households: dict[str, int]
    ids: dict[str, int]           # name -> resident id
    names: dict[int, str]         # resident id -> name


def build(db: object) -> World:
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        create_community(s, "测试社区", grids=["第一网格", "第二网格"])
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        grids = [g.id for g in list_grids(s)]
        households = {}
        for no, (grid, kw) in HOUSEHOLDS.items():
            _c, households[no] = create_household(s, HouseholdForm(household_no=no, grid_id=grids[grid], **kw))
        ids = {}
        for hno, name, relation, born, seq, phone, tags, pol in PEOPLE:
            _c, ids[name] = add_resident(s, households[hno], ResidentForm(
                name=name, relation=relation, id_number=make_id(born, seq), phone=phone, tags=tags,
                political_status=pol))
    return World(db, grids, households, ids, {v: k for k, v in ids.items()})


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    database = open_database(tmp_path_factory.mktemp("search") / "search.sqlite3")
    try:
        yield build(database)
    finally:
        database.close()


@pytest.fixture
def fresh(db: object) -> World:
    """A world of its own, for tests that edit."""
    return build(db)


def found(w: World, query: str, **kw: object) -> set[str]:
    with w.db.engine.connect() as conn:  # type: ignore[attr-defined]
        ids = ordered_ids(conn, LedgerFilter(search=query, **kw), today=TODAY)  # type: ignore[arg-type]
    assert len(ids) == len(set(ids))
    return {w.names[i] for i in ids}


ALL = {p[1] for p in PEOPLE}


# --- query kinds -----------------------------------------------------------------------------

@pytest.mark.parametrize(("query", "kind", "expected"), [
    ("张", "chars", {"张三", "张三丰", "张伟"}),
    ("伟", "chars", {"张伟", "章伟"}),
    ("张三", "chars", {"张三", "张三丰"}),
    ("三丰", "chars", {"张三丰"}),
    ("李梅", "chars", {"李梅"}),
    ("张三丰", "trigram", {"张三丰"}),
    ("马相如", "trigram", {"司马相如"}),
    ("古丽·买", "trigram", {"阿依古丽·买买提"}),
    ("买买提", "trigram", {"阿依古丽·买买提"}),
])
def test_chinese_name_queries(world: World, query: str, kind: str, expected: set[str]) -> None:
    assert term_kind(query) == kind
    assert found(world, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("zs", {"张三", "张三丰"}),
    ("ZS", {"张三", "张三丰"}),
    ("zsf", {"张三丰"}),
    ("zw", {"张伟", "章伟"}),
    ("zhang", {"张三", "张三丰", "张伟", "章伟"}),
    ("zhangs", {"张三", "张三丰"}),
    ("zhangsanf", {"张三丰"}),
    ("lim", {"李梅"}),
    ("smxr", {"司马相如"}),
    ("simax", {"司马相如"}),
    ("ouyang", {"欧阳修"}),
])
def test_pinyin_initials_and_full_prefix(world: World, query: str, expected: set[str]) -> None:
    assert term_kind(query) == "pinyin"
    assert found(world, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("shan", {"单雄信"}), ("sxx", {"单雄信"}), ("dan", set()),
    ("zeng", {"曾国藩"}), ("zgf", {"曾国藩"}), ("ceng", set()),
    ("xie", {"解缙"}), ("xj", {"解缙"}), ("jie", set()),
    ("qiu", {"仇英"}), ("qy", {"仇英"}), ("chou", set()),
    ("piao", {"朴槿惠"}), ("pjh", {"朴槿惠"}), ("pu", set()),
    ("oujia", {"区家麟"}), ("ojl", {"区家麟"}), ("qu", set()),
    ("ou", {"区家麟", "欧阳修"}),
])
def test_surname_readings(world: World, query: str, expected: set[str]) -> None:
    assert found(world, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("19850315", {"曾国藩"}),                               # birth date inside the ID
    (make_id(date(1985, 3, 15), 3)[-6:].lower(), {"曾国藩"}),  # tail with a lower-case x
    (make_id(date(1985, 3, 15), 3), {"曾国藩"}),             # the whole number
    ("110101197005", {"张三"}),
    ("1112222", {"张三"}),                                  # phone fragments
    ("13922223333", {"李梅"}),
    ("86012345", {"单雄信"}),                               # landline
    ("0311-8601", {"单雄信"}),
    ("和谐家园", {"仇英", "朴槿惠", "区家麟", "欧阳修"}),         # address fragments
    ("5栋1单元", {"仇英", "朴槿惠", "区家麟", "欧阳修"}),
    ("3栋1单元502", {"单雄信", "曾国藩", "解缙"}),
    ("东街88号", {"张伟", "章伟", "司马相如", "阿依古丽·买买提"}),
    ("幸福小区", {"张三", "李梅", "张三丰", "单雄信", "曾国藩", "解缙"}),
    ("H3", {"仇英", "朴槿惠", "区家麟", "欧阳修"}),               # too short: no condition
])
def test_id_phone_and_address_fragments(world: World, query: str, expected: set[str]) -> None:
    if query == "H3":
        assert search_condition(query) is None and is_too_short(query)
        assert found(world, query) == ALL
        return
    assert found(world, query) == expected


@pytest.mark.parametrize(("query", "expected"), [
    ("张 幸福小区", {"张三", "张三丰"}),
    ("zs 1112222", {"张三"}),
    ("幸福小区 zs 13911112222", {"张三"}),
    ("和谐家园　ou", {"区家麟", "欧阳修"}),                 # ideographic space
    ("ＺＳ　张三丰", {"张三丰"}),                           # full-width letters
    ("张 章", set()),
    ("伟 东街88号", {"张伟", "章伟"}),
])
def test_several_terms_are_anded(world: World, query: str, expected: set[str]) -> None:
    assert found(world, query) == expected


@pytest.mark.parametrize("query", ["", "   ", "1", "12", "-", "'", '"'])
def test_nothing_usable_means_no_search_filter(world: World, query: str) -> None:
    assert search_condition(query) is None
    assert found(world, query) == ALL


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.text(alphabet=st.sampled_from(list('张三丰李梅zsZS0123456789X"\'*-+^():. 　ＡＮＤORNEAR|')),
                     max_size=12))
def test_any_typed_text_is_safe(world: World, query: str) -> None:
    """Whatever a person types (quotes, FTS operators, brackets), the query runs."""
    assert found(world, query) <= ALL


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_name_substring_finds_the_person(world: World, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(ALL)))
    compact = name.replace("·", "")
    start = data.draw(st.integers(0, len(compact) - 1))
    end = data.draw(st.integers(start + 1, len(compact)))
    fragment = compact[start:end]
    if "·" in name and len(fragment) >= 3 and fragment not in name:
        fragment = fragment[:2]  # the trigram index keeps the dot; substrings across it are typed with it
    assert name in found(world, fragment)
    assert all(fragment in other.replace("·", "") for other in found(world, fragment))


# --- the index follows edits -----------------------------------------------------------------

def test_renamed_resident_is_found_by_the_new_name_only(fresh: World) -> None:
    rid = fresh.ids["张三"]
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        r = s.get_one(Resident, rid)
        r.name, r.phone = "钱七", "13700001111"
    fresh.names[rid] = "钱七"
    assert "钱七" in found(fresh, "钱七") and "钱七" in found(fresh, "钱")
    assert found(fresh, "qq") == {"钱七"} and found(fresh, "qianqi") == {"钱七"}
    assert found(fresh, "zs") == {"张三丰"}
    assert found(fresh, "张三") == {"张三丰"}
    assert found(fresh, "1112222") == set() and found(fresh, "00001111") == {"钱七"}


def test_household_address_change_reindexes_members(fresh: World) -> None:
    hid = fresh.households["H3"]
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        update_household(s, hid, HouseholdForm(household_no="H3-新", grid_id=fresh.grids[1], estate="金色港湾",
                                                building="9", unit="3", room="1203"))
    members = {"仇英", "朴槿惠", "区家麟", "欧阳修"}
    assert found(fresh, "和谐家园") == set()
    assert found(fresh, "金色港湾") == members
    assert found(fresh, "9栋3单元1203") == members
    assert found(fresh, "H3-新") == members


def test_index_changes_belong_to_the_transaction(fresh: World) -> None:
    rid = fresh.ids["李梅"]
    with fresh.db.Session() as s:  # type: ignore[attr-defined]
        s.get_one(Resident, rid).name = "孙丽"
        s.flush()
        inside = ordered_ids(s.connection(), LedgerFilter(search="孙丽"))
        assert inside == [rid]
        assert ordered_ids(s.connection(), LedgerFilter(search="sl")) == [rid]
        s.rollback()
    assert found(fresh, "孙丽") == set() and found(fresh, "李梅") == {"李梅"} and found(fresh, "lm") == {"李梅"}


def test_new_residents_are_searchable_at_once(fresh: World) -> None:
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        _c, rid = add_resident(s, fresh.households["H1"], ResidentForm(name="单田芳", relation="其他"))
    fresh.names[rid] = "单田芳"
    assert found(fresh, "单田芳") == {"单田芳"} and found(fresh, "shantian") == {"单田芳"}
    assert found(fresh, "单") == {"单雄信", "单田芳"}


def test_deleted_resident_leaves_the_index(fresh: World) -> None:
    rid = fresh.ids["解缙"]
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        s.delete(s.get_one(Resident, rid))
    with fresh.db.engine.connect() as conn:  # type: ignore[attr-defined]
        assert _fts_counts(conn) == (len(PEOPLE) - 1,) * 3
        assert conn.exec_driver_sql(f"SELECT count(*) FROM resident_fts_tri WHERE rowid = {rid}").scalar() == 0


def _fts_counts(conn: object) -> tuple[int, int, int]:
    q = conn.exec_driver_sql  # type: ignore[attr-defined]
    return (q("SELECT count(*) FROM resident").scalar(), q("SELECT count(*) FROM resident_fts_tri").scalar(),
            q("SELECT count(DISTINCT rowid) FROM resident_fts_char").scalar())   # a token table on a server


QUERIES = ["张", "张三", "马相如", "zs", "zhang", "shan", "ou", "19850315", "1112222", "和谐家园", "东街88号",
           "张 幸福小区", "伟 东街88号"]


def test_rebuild_all_gives_the_same_results(fresh: World) -> None:
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        set_archived(s, "resident", fresh.ids["解缙"], True)
        record_event(s, fresh.ids["仇英"], "死亡", TODAY)
    before = {q: found(fresh, q, status="") for q in QUERIES}
    archived_before = found(fresh, "xie", archived=True, status="")
    with fresh.db.engine.begin() as conn:  # type: ignore[attr-defined]
        n, tri, char = _fts_counts(conn)
        assert n == tri == char == len(PEOPLE)
        conn.exec_driver_sql("UPDATE resident SET py_initials='', py_full=''")
        conn.exec_driver_sql("DELETE FROM resident_fts_char")
        assert rebuild_all(conn) == len(PEOPLE)
        assert _fts_counts(conn) == (len(PEOPLE),) * 3
    assert {q: found(fresh, q, status="") for q in QUERIES} == before
    assert archived_before == found(fresh, "xie", archived=True, status="") == {"解缙"}


def test_fts_rows_equal_residents_after_edits(fresh: World) -> None:
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        for i in range(5):
            add_resident(s, fresh.households["H2"], ResidentForm(name=f"新人{i}号"))
        s.get_one(Household, fresh.households["H1"]).room = "999"
        s.get_one(Resident, fresh.ids["张伟"]).name = "张威"
    with fresh.db.engine.connect() as conn:  # type: ignore[attr-defined]
        assert _fts_counts(conn) == (len(PEOPLE) + 5,) * 3
        rows = conn.execute(text("SELECT rowid FROM resident_fts_tri EXCEPT SELECT id FROM resident")).all()
        assert rows == []


# --- ledger filters --------------------------------------------------------------------------

def ids_of(w: World, today: date = TODAY, **kw: object) -> list[int]:
    with w.db.engine.connect() as conn:  # type: ignore[attr-defined]
        return ordered_ids(conn, LedgerFilter(**kw), today=today)  # type: ignore[arg-type]


def names_of(w: World, **kw: object) -> set[str]:
    return {w.names[i] for i in ids_of(w, **kw)}


def test_filters_grid_household_and_political_status(world: World) -> None:
    assert names_of(world, grid_id=world.grids[0]) == {p[1] for p in PEOPLE if p[0] in ("H1", "H2")}
    assert names_of(world, grid_id=world.grids[1]) == {p[1] for p in PEOPLE if p[0] in ("H3", "H4")}
    assert names_of(world, household_id=world.households["H2"]) == {"单雄信", "曾国藩", "解缙"}
    assert names_of(world, political_status="中共党员") == {"张三", "单雄信"}
    assert names_of(world, political_status="民主党派", grid_id=world.grids[0]) == set()
    assert names_of(world, grid_id=world.grids[1], search="ou") == {"区家麟", "欧阳修"}


def test_filter_by_tag_matches_resident_and_household_tags_exactly(world: World) -> None:
    assert names_of(world, tag="残疾人") == {"张三"}
    assert names_of(world, tag="低保户") == {"张三", "李梅", "张三丰"}  # the household's tag
    assert names_of(world, tag="独居老人") == {"仇英"}
    assert names_of(world, tag="老人") == set()                          # whole tags only
    assert names_of(world, tag="高龄老人", grid_id=world.grids[1]) == {"欧阳修"}


def test_filter_by_status_review_and_archived(fresh: World) -> None:
    with fresh.db.Session.begin() as s:  # type: ignore[attr-defined]
        record_event(s, fresh.ids["张三丰"], "迁出", TODAY - timedelta(days=3))
        record_event(s, fresh.ids["欧阳修"], "死亡", TODAY - timedelta(days=2))
        set_archived(s, "resident", fresh.ids["章伟"], True)
        s.get_one(Resident, fresh.ids["解缙"]).review = "second_head:一户多个户主\nid_invalid:导入时无效"
    everyone_active = ALL - {"章伟"}
    assert names_of(fresh) == everyone_active - {"张三丰", "欧阳修"}
    assert names_of(fresh, status="迁出") == {"张三丰"}
    assert names_of(fresh, status="死亡") == {"欧阳修"}
    assert names_of(fresh, status="") == everyone_active
    assert names_of(fresh, archived=True, status="") == {"章伟"}
    assert names_of(fresh, archived=True, search="zw", status="") == {"章伟"}
    assert names_of(fresh, review_only=True) == {"解缙"}
    with fresh.db.engine.connect() as conn:  # type: ignore[attr-defined]
        row = fetch_rows(conn, [fresh.ids["解缙"], fresh.ids["章伟"]], today=TODAY)
    from commdesk.validation.review_flags import PROBLEM_LABELS  # the one table of review-flag labels

    labels = [PROBLEM_LABELS[code] for code in ("second_head", "id_invalid")]
    assert all(CJK.search(label) for label in labels)
    assert row[fresh.ids["解缙"]]["review"] == "、".join(labels)
    assert row[fresh.ids["章伟"]]["archived"] is True and row[fresh.ids["解缙"]]["archived"] is False


def _ages_world(db: object, today: date) -> World:
    """One household whose members are born around each age-band boundary."""
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        create_community(s, "测试社区", grids=["第一网格"])
    with db.Session.begin() as s:  # type: ignore[attr-defined]
        grid = list_grids(s)[0].id
        _c, hid = create_household(s, HouseholdForm(household_no="A1", grid_id=grid, estate="幸福小区", room="1"))
        ids: dict[str, int] = {}
        births: list[date] = [today]
        for years in (7, 18, 35, 60, 80):
            try:
                on = today.replace(year=today.year - years)
            except ValueError:  # today is 29 February, that year has none
                on = date(today.year - years, 2, 28)
            births += [on, on + timedelta(days=1)]  # turns `years` today / is one day short
        for i, born in enumerate(births):
            _c, ids[f"r{i}"] = add_resident(s, hid, ResidentForm(name=f"居民{i}", birth_date=born))
    return World(db, [grid], {"A1": hid}, ids, {v: k for k, v in ids.items()})


@pytest.mark.parametrize("today", [TODAY, date(2024, 2, 29), date(2023, 12, 31), date(2025, 3, 1)])
def test_age_bands_agree_with_age_on_at_the_boundaries(db: object, today: date) -> None:
    w = _ages_world(db, today)
    all_ids = ids_of(w, today=today)
    with db.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = fetch_rows(conn, all_ids, today=today)
    ages = {rid: row["age"] for rid, row in rows.items()}
    assert min(ages.values()) == 0 and ages[w.ids["r0"]] == 0
    for band, (lo, hi) in AGE_BANDS.items():
        expected = {rid for rid, age in ages.items() if age >= lo and (hi is None or age <= hi)}
        assert set(ids_of(w, today=today, age_band=band)) == expected, band
    # each boundary person: turning N today is N, one day later born is N-1
    with db.Session() as s:  # type: ignore[attr-defined]
        for rid in all_ids:
            born = s.get_one(Resident, rid).birth_date
            assert ages[rid] == age_on(born, today)
    assert sorted(ages.values()) == sorted([0, 7, 6, 18, 17, 35, 34, 60, 59, 80, 79])
    assert set(ids_of(w, today=today, age_band="不存在的年龄段")) == set(all_ids)


def test_sort_orders(world: World) -> None:
    by_household = ids_of(world)
    assert [world.names[i] for i in by_household[:3]] == ["张三", "李梅", "张三丰"]  # 户主, 配偶, 子
    by_name = [world.names[i] for i in ids_of(world, sort="name")]
    assert by_name == ["阿依古丽·买买提", "李梅", "区家麟", "欧阳修", "朴槿惠", "仇英", "单雄信", "司马相如", "解缙",
                       "曾国藩", "张三", "张三丰", "张伟", "章伟"]  # by full pinyin (surname readings), then id
    by_birth = [world.names[i] for i in ids_of(world, sort="birth_date")]
    assert by_birth[0] == "欧阳修" and by_birth[-1] == "区家麟"
    assert set(ids_of(world, sort="grid")) == set(by_household)
    assert ids_of(world, sort="no-such-sort") == by_household


def test_fetch_rows_values(world: World) -> None:
    rid = world.ids["张三"]
    with world.db.engine.connect() as conn:  # type: ignore[attr-defined]
        rows = fetch_rows(conn, [rid, world.ids["欧阳修"], world.ids["张伟"]], today=TODAY)
        assert fetch_rows(conn, [], today=TODAY) == {}
    row = rows[rid]
    keys = [c.key for c in screen_columns()]  # the households ledger's screen view
    assert {k: row[k] for k in keys} == {
        "grid": "第一网格", "household_no": "H1", "address": "幸福小区1栋2单元301室", "name": "张三", "relation": "户主",
        "gender": "男", "ethnicity": "汉族", "birth_date": date(1970, 5, 6),
        "age": 54, "id_number": make_id(date(1970, 5, 6), 11), "political_status": "中共党员", "education": "",
        "phone": "13911112222", "tags": "残疾人", "remark": "", "review": "",
    }
    assert (row["id"], row["household_id"], row["archived"]) == (rid, world.households["H1"], False)
    assert rows[world.ids["欧阳修"]]["age"] == 79
    assert rows[world.ids["张伟"]]["address"] == "城关镇东街88号"
    assert rows[world.ids["张伟"]]["grid"] == "第二网格"
