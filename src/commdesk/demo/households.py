"""Demo data: a generated, realistic community for trying the app, screenshots and the benchmark.

``generate_demo(database, households=300, seed=1)`` creates one community (社区) with its
street office and district, grids (第一网格…) with leaders and workers, estates (小区) with
buildings, units and rooms, and households of 1-6 members whose relations, surnames and ages fit
together (spouses of opposite gender with their own surname, children with the father's surname
as a rule, three generations where the ages allow it). Every resident has a valid 18-digit ID
number (石家庄 region codes; the floating population's from where they came), consistent with the
gender and birth date; phones for adults; education, ethnicity, political status and key-group
tags; ~2 % moved out and ~1 % deceased in the last 18 months, plus births and move-ins, each with
a ``ResidentEvent`` so that the monthly change figures have content. A handful (~0.5 %) of
residents carry the review flag ``id_checksum_invalid`` with no ID number, so the "needs review"
list is not empty. The same seed (and ``today``) gives the same names, IDs and addresses.

Everything is written with Core ``executemany`` in chunks inside one transaction (100,000
households, ~290,000 residents: about 35 s of CPU on the 2-core reference PC), the pinyin keys come
from one cached call per distinct name, the search index rows are built with the same body
functions as ``commdesk.models.search_index``, and for a big load the secondary indexes are rebuilt once
at the end instead of being updated row by row.
The audit trail gets one ``demo`` entry for the whole generation. No names here are real people.
"""
from __future__ import annotations

import bisect
import itertools
import json
import logging
import os
import random
import time
from collections.abc import Callable, Iterator
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, text

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models.base import current_user, now
from commdesk.models.household import RELATION_ORDER, format_address, join_tags
from commdesk.models import dialect
from commdesk.models.search_index import char_rows, pinyin_keys, tri_body
from . import names
from commdesk.validation.idcard import check_char

__all__ = ["generate_demo", "REVIEW_FLAG", "STREET_OFFICE", "DISTRICT"]

log = logging.getLogger("commdesk.demo")

STREET_OFFICE = "和平街道"
DISTRICT = "新华区"
REVIEW_FLAG = "id_checksum_invalid:演示数据"
MAX_HOUSEHOLDS = 1_000_000
CHUNK = 2000            # households generated and written together
HOUSEHOLDS_PER_GRID = 350
EVENT_DAYS = 540        # life events fall in the last ~18 months
YEAR = 365.2425
BULK_INDEX_THRESHOLD = 5000   # from this many households, indexes are rebuilt after the load
BULK_CACHE_KIB = 128 * 1024   # and the page cache is larger during the load (FTS merges, index sorts)

_RECORD = ("id", "uuid", "created_at", "updated_at", "updated_by")
#: Columns written per table, in the order of the row tuples (NOT NULL text columns left out are
#: filled by ``_insert_sql`` with '').
_TABLES: dict[str, tuple[str, ...]] = {
    "household": _RECORD + ("household_no", "grid_id", "estate", "building", "unit", "room", "address", "housing",
                            "status", "tags", "notes"),
    "resident": _RECORD + ("household_id", "name", "gender", "ethnicity", "birth_date", "id_number", "relation",
                           "rel_order", "political_status", "education", "work_unit", "phone", "hukou_type",
                           "tags", "status", "move_in_date", "move_out_date", "death_date", "review",
                           "py_initials", "py_full"),
    "resident_event": ("resident_id", "kind", "event_date", "from_household_id", "to_household_id", "place",
                       "note", "recorded_at", "recorded_by"),
    "resident_fts_tri": ("rowid", "body"),
    "resident_fts_char": ("rowid", "body"),
}
_EMPTY_TEXT = {"resident": ("former_name", "notes")}


def _insert_sql(table: str, cols: tuple[str, ...]) -> str:
    extra = _EMPTY_TEXT.get(table, ())
    marks = ["?"] * len(cols) + ["''"] * len(extra)
    names = ", ".join('"user"' if c == "user" else c for c in cols + extra)   # a reserved word on PostgreSQL
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join(marks)})"


def _stamp(moment: datetime) -> str:
    """A DateTime as SQLAlchemy stores it on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


class _Member:
    __slots__ = ("surname", "given", "gender", "born", "birth", "relation", "region", "hukou", "ethnicity", "married",
                 "status", "left_on", "place", "went", "move_in", "tags")

    def __init__(self, surname: str, gender: str, born: int, relation: str) -> None:
        self.surname, self.gender, self.born, self.relation = surname, gender, born, relation
        self.given = ""
        self.birth = date.min
        self.region = ""
        self.hukou = "户籍"
        self.ethnicity = "汉族"
        self.married = False
        self.status = "在住"
        self.left_on: int | None = None     # ordinal of the move-out or death
        self.place = ""                      # where they came from
        self.went = ""                       # where they moved out to
        self.move_in: int | None = None
        self.tags: set[str] = set()


class _People:
    """Seeded generator of families; dates are ordinals relative to ``today``."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today.toordinal()
        self.first17: set[str] = set()
        self.phones: set[str] = set()
        self.surname = _Pick(self.rng, names.SURNAMES)
        self.region = _Pick(self.rng, names.CITY_REGIONS)
        self.origin = _Pick(self.rng, [((c, p), w) for c, p, w in names.ORIGINS])
        self.ethnicity = _Pick(self.rng, names.ETHNICITIES)
        self.kind = _Pick(self.rng, list(zip(names.KINDS, names.KIND_WEIGHTS)))
        self.education = [(before, _Pick(self.rng, list(zip(levels, weights))))
                          for before, levels, weights in names.EDUCATION_BY_ERA]

    # --- small draws -----------------------------------------------------------------------
    def years(self, lo: float, hi: float) -> int:
        return int(self.rng.uniform(lo, hi) * YEAR)

    def other_surname(self, avoid: str) -> str:
        s = self.surname()
        return self.surname() if s == avoid else s

    def any(self, items: Any) -> Any:
        """A uniform choice (``random.choice`` costs several times more; the demo draws millions)."""
        return items[int(self.rng.random() * len(items))]

    def given(self, gender: str, year: int) -> str:
        era = "old" if year < 1960 else "mid" if year < 1985 else "young" if year < 2005 else "kid"
        if self.rng.random() < 0.55:
            return self.any(names.GIVEN_NAMES[(gender, era)])
        return self.any(names.GIVEN_FIRST[gender]) + self.any(names.GIVEN_SECOND[gender])

    def person_name(self, min_age: int = 28, max_age: int = 55) -> str:
        gender = self.rng.choice("男女")
        return self.surname() + self.given(gender, date.fromordinal(self.today - self.years(min_age, max_age)).year)

    def id_number(self, region: str, birth: date, gender: str) -> str:
        head = f"{region}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        odd = gender == "男"
        while True:
            draw = int(self.rng.random() * 500)      # two sequence digits and the gender digit
            first17 = f"{head}{draw // 5:02d}{draw % 5 * 2 + odd}"
            if first17 not in self.first17:
                self.first17.add(first17)
                return first17 + check_char(first17)

    def mobile(self) -> str:
        while True:
            number = f"{self.any(names.MOBILE_PREFIXES)}{int(self.rng.random() * 100_000_000):08d}"
            if number not in self.phones:
                self.phones.add(number)
                return number

    def landline(self) -> str:
        return f"0311-8{int(self.rng.random() * 10_000_000):07d}"

    # --- families ----------------------------------------------------------------------------
    def couple(self, husband_born: int, wife_head: bool) -> tuple[_Member, _Member]:
        """(husband, wife): opposite genders, each with their own surname, wife usually younger."""
        husband = _Member(self.surname(), "男", husband_born, "配偶" if wife_head else "户主")
        wife_born = min(husband_born + self.years(-1.5, 5), self.today - self.years(20, 21))
        wife = _Member(self.other_surname(husband.surname), "女", wife_born, "户主" if wife_head else "配偶")
        husband.married = wife.married = True
        return husband, wife

    def children(self, mother_born: int, surname: str, mother_surname: str, count: int,
                 son: str = "子", daughter: str = "女") -> list[_Member]:
        """Up to ``count`` children of a mother born on ``mother_born``, oldest first, none unborn."""
        out: list[_Member] = []
        born = mother_born + self.years(22, 33)
        for _i in range(count):
            if born >= self.today:
                break
            gender = "男" if self.rng.random() < 0.51 else "女"
            name = surname if self.rng.random() < 0.93 else mother_surname
            out.append(_Member(name, gender, born, son if gender == "男" else daughter))
            born += self.years(1.5, 6)
        return out

    def family(self, kind: str) -> list[_Member]:
        rng, today = self.rng, self.today
        if kind in ("elder_single", "young_single"):
            elder = kind == "elder_single"
            gender = ("女" if rng.random() < 0.65 else "男") if elder else ("男" if rng.random() < 0.55 else "女")
            born = today - (self.years(62, 95) if elder else self.years(20, 45))
            return [_Member(self.surname(), gender, born, "户主")]
        if kind in ("elder_couple", "couple"):
            lo, hi = (60, 90) if kind == "elder_couple" else (23, 42)
            husband, wife = self.couple(today - self.years(lo, hi), rng.random() < 0.18)
            return [husband, wife]
        if kind == "nuclear":
            husband, wife = self.couple(today - self.years(27, 56), rng.random() < 0.15)
            count = rng.choices((1, 2, 3), (55, 40, 5))[0]
            return [husband, wife] + self.children(wife.born, husband.surname, wife.surname, count)
        if kind == "single_parent":
            parent = _Member(self.surname(), "女" if rng.random() < 0.7 else "男", today - self.years(28, 52), "户主")
            mother_born = parent.born if parent.gender == "女" else parent.born + self.years(0, 4)
            father = parent.surname if parent.gender == "男" or rng.random() < 0.4 else self.surname()
            return [parent] + self.children(mother_born, father, parent.surname, rng.choice((1, 1, 1, 2)))
        if kind == "three_up":
            return self._three_up()
        return self._grandparents(kind == "left_behind")

    def _elders(self, lo: float, hi: float) -> tuple[list[_Member], str, int]:
        """The older generation: a couple, or a widowed head. (members, family surname, mother's birth)."""
        born = self.today - self.years(lo, hi)
        if self.rng.random() < 0.25:
            gender = "女" if self.rng.random() < 0.7 else "男"
            head = _Member(self.surname(), gender, born, "户主")
            if gender == "女":
                return [head], self.other_surname(head.surname), head.born
            return [head], head.surname, head.born + self.years(0, 5)
        husband, wife = self.couple(born, self.rng.random() < 0.12)
        return [husband, wife], husband.surname, wife.born

    def _grandparents(self, left_behind: bool) -> list[_Member]:
        rng, today = self.rng, self.today
        if left_behind:
            members, surname, mother_born = self._elders(55, 72)
            count = rng.choice((1, 1, 2))
            kids = []
            born = today - self.years(2, 15)
            for _i in range(count):
                gender = "男" if rng.random() < 0.51 else "女"
                kids.append(_Member(surname, gender, born, "孙子" if gender == "男" else "孙女"))
                born = min(born + self.years(1.5, 5), today - self.years(1, 1.5))
            for kid in kids:
                kid.tags.add("留守儿童")
            return members + kids
        members, surname, mother_born = self._elders(52, 82)
        mother_age = (today - mother_born) / YEAR
        if mother_age - 21 < 24:
            return members + self.children(mother_born, surname, members[-1].surname, 2)
        mid_born = today - self.years(24, min(mother_age - 21, 50))
        if rng.random() < 0.75:
            mid = _Member(surname, "男", mid_born, "子")
            inlaw = _Member(self.other_surname(surname), "女", mid_born + self.years(-1, 5), "儿媳")
            kids = self.children(inlaw.born, surname, inlaw.surname, rng.choice((0, 1, 1, 2)), "孙子", "孙女")
        else:
            mid = _Member(surname, "女", mid_born, "女")
            inlaw = _Member(self.other_surname(surname), "男", mid_born - self.years(-1, 4), "女婿")
            kids = self.children(mid.born, inlaw.surname, surname, rng.choice((0, 1, 1, 2)), "外孙子", "外孙女")
        mid.married = inlaw.married = True
        inlaw.move_in = min(max(inlaw.born, mid.born) + self.years(24, 30), today - 1)
        out = members + [mid, inlaw] + kids
        sibling_born = mother_born + self.years(23, 40)
        if len(out) < 6 and rng.random() < 0.3 and today - sibling_born > 16 * YEAR:
            gender = "男" if rng.random() < 0.51 else "女"
            out.append(_Member(surname, gender, sibling_born, "子" if gender == "男" else "女"))
        return out[:6]

    def _three_up(self) -> list[_Member]:
        rng = self.rng
        husband, wife = self.couple(self.today - self.years(32, 56), rng.random() < 0.15)
        head = wife if wife.relation == "户主" else husband
        out = [husband, wife] + self.children(wife.born, husband.surname, wife.surname, rng.choice((0, 1, 1, 2)))
        # the elders are the head's parents, or (one time in five) the spouse's
        own = rng.random() < 0.8
        child = head if own else (husband if head is wife else wife)
        names_ = ("父亲", "母亲") if own else (("公公", "婆婆") if head is wife else ("岳父", "岳母"))
        father_born = child.born - self.years(24, 34)
        mother_born = min(father_born + self.years(0, 5), child.born - self.years(21, 22))
        which = rng.choices(("mother", "father", "both"), (55, 15, 30))[0]
        elders = []
        if which != "mother" and self.today - father_born < 99 * YEAR:
            elders.append(_Member(child.surname, "男", father_born, names_[0]))
        if which != "father" and self.today - mother_born < 99 * YEAR:
            elders.append(_Member(self.other_surname(child.surname), "女", mother_born, names_[1]))
        if len(elders) == 2:
            elders[0].married = elders[1].married = True
        return out + elders

    # --- who they are ------------------------------------------------------------------------
    def settle(self, members: list[_Member], kind: str) -> tuple[str, str, str]:
        """Origin, names, statuses and tags of a family; returns the household's (housing, status, tags)."""
        rng, today = self.rng, self.today
        floating = rng.random() < {"young_single": 0.5, "couple": 0.25, "nuclear": 0.1}.get(kind, 0.0)
        housing = "租住" if floating or rng.random() < 0.04 else "借住" if rng.random() < 0.015 else "自有"
        family_ethnicity = self.ethnicity()
        arrived = today - rng.randrange(int(6 * YEAR)) if floating else 0
        code, place = self.origin() if floating else ("", "")
        taken: set[str] = set()
        for m in members:
            blood = m.relation not in ("配偶", "儿媳", "女婿")
            m.ethnicity = family_ethnicity if blood or rng.random() < 0.5 else self.ethnicity()
            if floating:
                m.region, m.hukou, m.place = code, "流动", place
                m.move_in = arrived if m.born < arrived else None   # born here: a birth, not a move-in
            elif not blood and rng.random() < 0.2:
                m.region, m.place = self.origin()
            else:
                m.region = self.region()
            m.birth = date.fromordinal(m.born)
            if m.region == "130103" and m.birth.year >= 2014:
                m.region = "130105"                                 # 桥东区 was merged in 2014
            m.given = self.given(m.gender, m.birth.year)
            while m.surname + m.given in taken:
                m.given = self.given(m.gender, m.birth.year)
            taken.add(m.surname + m.given)
            if m.relation == "户主":
                continue
            age = (today - m.born) / YEAR
            arrived_on = max(m.born, m.move_in or 0)      # leaving comes after arriving
            if age >= 65 and rng.random() < (0.09 if age < 80 else 0.2):
                m.status, m.left_on = "死亡", min(today, max(today - rng.randrange(EVENT_DAYS), arrived_on + 1))
            elif age >= 18 and rng.random() < (0.28 if m.relation in ("子", "女") and not m.married and age <= 40
                                                else 0.006):
                m.status, m.left_on = "迁出", min(today, max(today - rng.randrange(EVENT_DAYS), arrived_on + 1))
                m.went = rng.choice(names.DESTINATIONS)
        return (housing, "空挂" if housing == "自有" and rng.random() < 0.008 else "在住",
                join_tags(self._tags(members, kind, floating)))

    def _tags(self, members: list[_Member], kind: str, floating: bool) -> set[str]:
        rng, today = self.rng, self.today
        active = [m for m in members if m.status == "在住"]
        poor = rng.random() < {"elder_single": 0.06, "single_parent": 0.12, "elder_couple": 0.03}.get(kind, 0.012)
        household: set[str] = {"低保户"} if poor else set()
        if floating:
            household.add("流动人口户")
        for m in active:
            age = (today - m.born) / YEAR
            if poor:
                m.tags.add("低保")
            if m.hukou == "流动":
                m.tags.add("流动人口")
            if age >= 80:
                m.tags.add("高龄老人")
                if rng.random() < 0.12:
                    m.tags.add("失能失智")
            if rng.random() < (0.005 if age < 18 else 0.015 if age < 60 else 0.05):
                m.tags.add("残疾人")
                household.add("残疾人家庭")
            if m.gender == "男" and 28 <= age <= 85 and rng.random() < 0.05:
                m.tags.add("退役军人")
                household.add("退役军人家庭")
                if rng.random() < 0.15:
                    m.tags.add("重点优抚对象")
            if age >= 16:
                m.tags.discard("留守儿童")
        ages = [(today - m.born) / YEAR for m in active]
        if len(active) == 1 and ages[0] >= 60:
            active[0].tags.add("独居老人")
            household.add("独居老人户")
            if not poor and rng.random() < 0.03:
                active[0].tags.add("特困供养")
                household.add("特困户")
        elif len(active) >= 2 and min(ages) >= 60:
            for m in active:
                m.tags.add("空巢老人")
            household.add("空巢家庭")
        return household

    def details(self, m: _Member) -> tuple[str | None, str, str, str, str, str]:
        """(ID number or None, review flag, phone, education, work unit, political status)."""
        rng = self.rng
        age = (self.today - m.born) / YEAR
        year = m.birth.year
        if rng.random() < 0.005:
            number, review = None, REVIEW_FLAG
        else:
            number, review = self.id_number(m.region, m.birth, m.gender), ""
        phone = ""
        if age >= 18 or (age >= 16 and rng.random() < 0.5):
            r = rng.random()
            if age >= 75:
                phone = "" if r < 0.25 else self.landline() if r < 0.45 else self.mobile()
            else:
                phone = self.landline() if age >= 60 and r < 0.1 else self.mobile()
        if age < 6:
            education, work = "学龄前", ""
        elif age < 12:
            education, work = "小学", self.any(names.SCHOOLS["小学"])
        elif age < 15:
            education, work = "初中", self.any(names.SCHOOLS["初中"])
        elif age < 18:
            education, work = "高中", self.any(names.SCHOOLS["高中"])
        elif age < 22 and rng.random() < 0.5:
            education, work = "本科", self.any(names.SCHOOLS["大学"])
        else:
            education = next(pick() for before, pick in self.education if year < before)
            work = self.work_unit(age, m.gender)
        political = "群众"
        if age >= 18:
            odds = 0.10 * (1.6 if education in ("本科", "研究生") else 0.6 if education in ("小学", "初中") else 1.0)
            odds *= 1.3 if age >= 60 else 1.0
            r = rng.random()
            if r < odds:
                political = "中共党员"
            elif r < odds + (0.006 if age <= 40 else 0.0):
                political = "中共预备党员"
            elif r > 0.998:
                political = "民主党派"
        if political == "群众" and 14 <= age <= 28 and rng.random() < 0.45:
            political = "共青团员"
        return number, review, phone, education, work, political

    def work_unit(self, age: float, gender: str) -> str:
        rng = self.rng
        if age >= (60 if gender == "男" else 55):
            return "退休" if rng.random() < 0.8 else ""
        r = rng.random()
        if r < 0.25:
            return self.any(names.PUBLIC_UNITS)
        if r < 0.6:
            return f"石家庄市{self.any(names.WORK_UNIT_PREFIXES)}{self.any(names.WORK_UNIT_TRADES)}有限公司"
        if r < 0.72:
            return "个体经营"
        if r < 0.84:
            return "灵活就业"
        return ""

    def addresses(self, households: int, first_estate: str) -> Any:
        """Endless (estate, building, unit, room), estate after estate, a few rooms left empty."""
        rng = self.rng
        pool = [p + s for p in names.ESTATE_PREFIXES for s in names.ESTATE_SUFFIXES]
        rng.shuffle(pool)
        estates = [first_estate] + [e for e in names.ESTATE_FIRST if e != first_estate] + pool
        per_estate = max(60, households // 3)
        for phase in range(1, 100):
            for estate in estates:
                name = estate if phase == 1 else f"{estate}{names.chinese_number(phase)}期"
                quota = min(rng.randint(150, 700), per_estate)
                building = 0
                while quota > 0:
                    building += 1
                    units, floors = rng.choice((1, 2, 2, 3, 3, 4)), rng.choice((5, 6, 6, 7, 11, 18, 26))
                    for unit in range(1, units + 1):
                        for floor in range(1, floors + 1):
                            for door in (1, 2):
                                if quota > 0 and rng.random() > 0.1:
                                    quota -= 1
                                    yield name, str(building), str(unit), f"{floor}{door:02d}"


class _Pick:
    """A weighted choice from (item, weight) pairs; much cheaper per call than ``random.choices``."""

    __slots__ = ("items", "cum", "total", "rand")

    def __init__(self, rng: random.Random, pairs: Any) -> None:
        self.items = tuple(item for item, _w in pairs)
        self.cum = list(itertools.accumulate(w for _i, w in pairs))
        self.total = self.cum[-1]
        self.rand = rng.random

    def __call__(self) -> Any:
        return self.items[bisect.bisect_right(self.cum, self.rand() * self.total)]


def _uuid_hexes() -> Iterator[str]:
    """Random version-4 UUIDs as 32 hex digits, drawn 4096 at a time (one urandom call, not one per row)."""
    while True:
        raw = os.urandom(16 * 4096).hex()
        for i in range(0, len(raw), 32):
            h = raw[i:i + 32]
            yield f"{h[:12]}4{h[13:16]}{'89ab'[int(h[16], 16) & 3]}{h[17:]}"


def _first_estate(community_name: str) -> str:
    base = community_name.strip()
    for suffix in ("社区居民委员会", "居民委员会", "居委会", "村民委员会", "村委会", "社区"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
            break
    if not base:
        return "幸福里小区"
    return base if base.endswith(("小区", "新村", "家园", "花园", "嘉园", "公寓", "苑")) else base + "小区"


def _check_empty(conn: Connection) -> None:
    for table in ("community", "household", "resident"):
        if conn.execute(text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
            raise UserError(_("数据库中已有社区或住户数据，演示数据只能载入新的空数据库。"))


class _Writer:
    """Turns families into rows and writes them in chunks on one connection, inside its transaction."""

    def __init__(self, conn: Connection, people: _People, households: int, progress: Any) -> None:
        self.conn, self.people, self.households, self.progress = conn, people, households, progress
        self.user = current_user()
        self.stamp = _stamp(now())
        self.uuids = _uuid_hexes()
        self.keys = lru_cache(maxsize=None)(pinyin_keys)     # one pinyin computation per distinct name
        self.grid_count = max(3, round(households / HOUSEHOLDS_PER_GRID))
        self.counts = {"households": households, "residents": 0, "in_residence": 0, "moved_out": 0,
                       "deceased": 0, "events": 0, "party_members": 0, "needs_review": 0}
        self.estates: set[str] = set()

    def _next_id(self, table: str) -> int:
        return 1 + self.conn.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()

    def community(self, name: str) -> tuple[int, str]:
        """Write the community and its grids; returns the community's (id, uuid)."""
        people, stamp, user = self.people, self.stamp, self.user
        community_id, community_uuid = self._next_id("community"), next(self.uuids)
        self.conn.exec_driver_sql(
            _insert_sql("community", ("id", "uuid", "created_at", "updated_at", "updated_by", "name",
                                      "street_office", "district")),
            (community_id, community_uuid, stamp, stamp, user, name, STREET_OFFICE, DISTRICT))
        self.grid_base = self._next_id("grid") - 1
        width = max(2, len(str(self.grid_count)))
        grids = [(self.grid_base + g, next(self.uuids), stamp, stamp, user, community_id, f"{g:0{width}d}",
                  f"第{names.chinese_number(g)}网格", people.person_name(),
                  "、".join(people.person_name(24, 45) for _i in range(2))) for g in range(1, self.grid_count + 1)]
        self.conn.exec_driver_sql(_insert_sql("grid", ("id", "uuid", "created_at", "updated_at", "updated_by",
                                                       "community_id", "code", "name", "leader", "workers")), grids)
        return community_id, community_uuid

    def households_and_residents(self, first_estate: str) -> None:
        conn, households = self.conn, self.households
        addresses = self.people.addresses(households, first_estate)
        # Secondary indexes are dropped for a big load and rebuilt after it (one sort is much cheaper
        # than 300k random B-tree inserts); all inside the transaction, so a failure restores them.
        indexes = (dialect.secondary_indexes(conn, ("household", "resident"))
                   if households >= BULK_INDEX_THRESHOLD else [])
        for index_name, _sql in indexes:
            conn.exec_driver_sql(f'DROP INDEX "{index_name}"')
        hid, rid = self._next_id("household") - 1, self._next_id("resident") - 1
        for start in range(0, households, CHUNK):
            if getattr(self.progress, "cancelled", False):
                raise UserError(_("已取消，未写入演示数据。"))
            rows: dict[str, list[tuple[Any, ...]]] = {"household": [], "resident": [], "resident_event": [],
                                                      "resident_fts_tri": [], "resident_fts_char": []}
            for index in range(start, min(start + CHUNK, households)):
                hid += 1
                rid = self._household(rows, index, hid, rid, next(addresses))
            for table, cols in _TABLES.items():
                if rows[table]:
                    conn.exec_driver_sql(_insert_sql(table, cols), rows[table])
            self.counts["residents"] += len(rows["resident"])
            self.counts["events"] += len(rows["resident_event"])
            if self.progress is not None:
                self.progress(min(start + CHUNK, households), households)
        for _name, sql in indexes:
            conn.exec_driver_sql(sql)

    def _household(self, rows: dict[str, list[tuple[Any, ...]]], index: int, hid: int, rid: int,
                   where: tuple[str, str, str, str]) -> int:
        """Rows of one household and its members; returns the last resident id used."""
        people, stamp, user, counts, today = self.people, self.stamp, self.user, self.counts, self.people.today
        kind = people.kind()
        members = people.family(kind)
        housing, status, htags = people.settle(members, kind)
        notes = "人户分离：户籍在本社区，本人不在此居住" if status == "空挂" else ""
        estate, building, unit, room = where
        self.estates.add(estate)
        household_no = f"H{index + 1:06d}"
        address = format_address(estate, building, unit, room)
        rows["household"].append((hid, next(self.uuids), stamp, stamp, user, household_no,
                                  self.grid_base + 1 + index * self.grid_count // self.households, estate,
                                  building, unit, room, "", housing, status, htags, notes))
        members.sort(key=lambda m: (RELATION_ORDER.get(m.relation, 99), m.born))
        events = rows["resident_event"]
        for m in members:
            rid += 1
            name = m.surname + m.given
            number, review, phone, education, work, political = people.details(m)
            initials, full = self.keys(name)
            left = date.fromordinal(m.left_on).isoformat() if m.left_on else None
            rows["resident"].append((
                rid, next(self.uuids), stamp, stamp, user, hid, name, m.gender, m.ethnicity, m.birth.isoformat(),
                number, m.relation, RELATION_ORDER.get(m.relation, 99), political, education, work, phone, m.hukou,
                join_tags(m.tags) if m.tags else "", m.status,
                date.fromordinal(m.move_in).isoformat() if m.move_in else None,
                left if m.status == "迁出" else None, left if m.status == "死亡" else None, review, initials, full))
            rows["resident_fts_tri"].append((rid, tri_body(name, number, phone, household_no, address)))
            rows["resident_fts_char"] += char_rows(self.conn, rid, name)
            counts["party_members"] += political in ("中共党员", "中共预备党员")
            counts["needs_review"] += bool(review)
            if today - m.born < EVENT_DAYS:
                events.append(self._event(rid, "出生", m.born, None, hid, ""))
            elif m.move_in and today - m.move_in < EVENT_DAYS:
                events.append(self._event(rid, "迁入", m.move_in, None, hid, m.place))
            if m.status == "迁出":
                counts["moved_out"] += 1
                events.append(self._event(rid, "迁出", m.left_on or today, hid, None, m.went))
            elif m.status == "死亡":
                counts["deceased"] += 1
                events.append(self._event(rid, "死亡", m.left_on or today, hid, None, ""))
        return rid

    def _event(self, rid: int, kind: str, on: int, from_hid: int | None, to_hid: int | None,
               place: str) -> tuple[Any, ...]:
        day = date.fromordinal(on)
        recorded = (self.stamp if on >= self.people.today
                    else f"{day.isoformat()} {9 + on % 8:02d}:{on * 7 % 60:02d}:00.000000")
        return (rid, kind, day.isoformat(), from_hid, to_hid, place, "", recorded, self.user)

    def audit(self, community_id: int, community_uuid: str, summary: dict[str, Any]) -> None:
        self.conn.exec_driver_sql(
            _insert_sql("audit_log", ("at", "user", "table_name", "record_id", "record_uuid", "action", "changes",
                                      "summary")),
            (self.stamp, self.user, "community", community_id, community_uuid, "demo",
             json.dumps(summary, ensure_ascii=False),
             _("生成演示数据：{h} 户，{r} 人（种子 {s}）").format(h=summary["households"], r=summary["residents"],
                                                         s=summary["seed"])))


def generate_demo(database: Any, households: int = 300, seed: int = 1, *, community_name: str = "幸福里社区",
                  progress: Callable[[int, int], None] | None = None, today: date | None = None) -> dict[str, Any]:
    """Fill an empty database with a generated community; returns summary counts.

    ``database`` is a :class:`commdesk.models.db.Database`. ``progress(done, total)`` is called
    with household counts after each chunk; when it has a true ``cancelled`` attribute the
    generation stops and nothing is written. ``today`` anchors ages and event dates (tests).
    """
    if not 1 <= households <= MAX_HOUSEHOLDS:
        raise UserError(_("演示户数应在 1 到 {n} 之间").format(n=MAX_HOUSEHOLDS))
    started = time.perf_counter()
    with database.engine.begin() as conn:
        _check_empty(conn)
        writer = _Writer(conn, _People(seed, today or date.today()), households, progress)
        cache_size = dialect.cache_size(conn)
        if households >= BULK_INDEX_THRESHOLD:
            dialect.set_cache_size(conn, -BULK_CACHE_KIB)
        try:
            community_id, community_uuid = writer.community(community_name)
            writer.households_and_residents(_first_estate(community_name))
        finally:
            dialect.set_cache_size(conn, cache_size)
        counts = writer.counts
        counts["in_residence"] = counts["residents"] - counts["moved_out"] - counts["deceased"]
        summary = {"community": community_name, "street_office": STREET_OFFICE, "district": DISTRICT,
                   "grids": writer.grid_count, "estates": len(writer.estates), **counts, "seed": seed}
        writer.audit(community_id, community_uuid, summary)
    summary["seconds"] = round(time.perf_counter() - started, 2)
    log.info("demo data: %d households, %d residents in %.1f s", households, counts["residents"], summary["seconds"])
    return summary
