#!/usr/bin/env python3
"""Generate resident registers in layouts the importer has not seen, each with a .truth.json.

Run with the project's venv (openpyxl; the .xls needs LibreOffice's soffice):
    .venv/bin/python tests/data/unseen/make_unseen.py [OUTDIR]
Default OUTDIR: this folder. All data is invented (fake names, computed ID numbers). The files
in this folder were made by it; tests/test_import_unseen.py reads them (it does not run this).

Truth format = the samples' format (records: name, gender, birth_date, id_number, relation, phone,
political, tags, household_no, grid, address, unrecoverable) plus, per record:
  household      an integer: residents with the same value form one household (needed where the
                 file has no household number, or numbers restart per sheet)
  row            where the resident sits in the file ("sheet!row", 1-based) - for reading reports
  gender_in_file only where the file's gender contradicts the ID (unrecoverable has gender_conflict)
and at top level: file, households, residents, traits (what the layout exercises), notes.

``unrecoverable`` may hold: id_precision_lost, id_checksum_invalid (must be flagged, no ID kept),
legacy15 (15-digit number in the file; id_number is its exact 18-digit upgrade; no flag),
gender_conflict (the file's gender contradicts the ID; must be flagged with gender_conflict).
``household_no`` is "" where the file has no household number.
"""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
TODAY = date(2026, 11, 1)

# ---------------------------------------------------------------------------------------------
# people
# ---------------------------------------------------------------------------------------------
SURNAMES = list("王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文")
GIVEN_M = list("伟强磊军勇杰涛明超刚平辉鹏华建国志波浩宇轩博文俊熙晨阳鑫斌峰凯亮成林东海")
GIVEN_F = list("芳娜秀英敏静丽艳娟霞桂兰玉梅红宁欣怡涵琪雪婷慧颖佳倩露瑶琳丹萍")
REGIONS = ["130102", "130104", "130105", "130108", "130121", "130181", "110105", "370102", "410102", "420106"]
WEIGHTS = [2 ** (17 - i) % 11 for i in range(17)]
CHECK = "10X98765432"


def check_char(first17: str) -> str:
    return CHECK[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def make_id(rng: random.Random, born: date, gender: str, region: str | None = None) -> str:
    region = region or rng.choice(REGIONS)
    seq = rng.randint(0, 99)
    g = rng.choice("13579") if gender == "男" else rng.choice("02468")
    first17 = f"{region}{born:%Y%m%d}{seq:02d}{g}"
    return first17 + check_char(first17)


def id15(id18: str) -> str:
    assert id18[6:8] == "19"
    return id18[:6] + id18[8:17]


def as_excel_number(id18: str) -> float:
    """What Excel keeps of an 18-digit ID typed into a number cell: 15 significant digits."""
    n = int(id18)
    return float(round(n, -3))


def sci_text(id18: str) -> str:
    """How a damaged ID shows in a CSV saved from Excel (General format): 1.30102E+17."""
    return f"{float(id18):.5E}".replace("E+", "E+")


def bad_check(id18: str, rng: random.Random) -> str:
    wrong = [c for c in "0123456789X" if c != id18[17]]
    return id18[:17] + rng.choice(wrong)


@dataclass
class Person:
    name: str
    gender: str
    born: date
    id18: str
    relation: str            # canonical: 户主 配偶 子 女 父亲 母亲 儿媳 孙子 孙女
    phone: list[str] = field(default_factory=list)   # canonical numbers (mobile digits or 0311-86012345)
    political: str = "群众"
    tags: list[str] = field(default_factory=list)
    # rendering hints decided per file
    id_damage: str = ""      # "" / precision / sci / checksum / legacy15
    gender_conflict: bool = False
    extra: dict = field(default_factory=dict)

    @property
    def age(self) -> int:
        return TODAY.year - self.born.year - ((TODAY.month, TODAY.day) < (self.born.month, self.born.day))


@dataclass
class Household:
    no: str
    grid: str
    address: str
    members: list[Person]
    key: int = 0
    extra: dict = field(default_factory=dict)


class Names:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()

    def make(self, gender: str, surname: str | None = None) -> str:
        pool = GIVEN_M if gender == "男" else GIVEN_F
        for _ in range(1000):
            s = surname or self.rng.choice(SURNAMES)
            given = self.rng.choice(pool) + (self.rng.choice(pool) if self.rng.random() < 0.7 else "")
            name = s + given
            if name not in self.used:
                self.used.add(name)
                return name
        raise RuntimeError("names exhausted")


def rand_date(rng: random.Random, y0: int, y1: int) -> date:
    y = rng.randint(y0, y1)
    m = rng.randint(1, 12)
    d = rng.randint(1, 28)
    return date(y, m, d)


def mobile(rng: random.Random) -> str:
    return rng.choice(["13", "15", "17", "18", "19"]) + str(rng.randint(0, 9)) + f"{rng.randint(0, 99999999):08d}"


def landline(rng: random.Random) -> str:
    return f"0311-{rng.choice('2345678')}{rng.randint(0, 9999999):07d}"


def person(rng, names, gender, born, relation, surname=None):
    p = Person(names.make(gender, surname), gender, born, make_id(rng, born, gender), relation)
    age = p.age
    if age >= 16 and rng.random() < 0.85:
        p.phone = [mobile(rng)]
    if age < 14:
        p.political = "群众"
    elif age <= 28 and rng.random() < 0.35:
        p.political = "共青团员"
    else:
        r = rng.random()
        p.political = "中共党员" if r < 0.12 else "中共预备党员" if r < 0.14 else "民主党派" if r < 0.16 else "群众"
    r = rng.random()
    if r < 0.05:
        p.tags.append("低保")
    elif r < 0.08 and age >= 18:
        p.tags.append("残疾人")
    elif r < 0.10 and age >= 25 and gender == "男":
        p.tags.append("退役军人")
    elif r < 0.12 and age >= 18:
        p.tags.append("流动人口")
    return p


def make_households(rng: random.Random, names: Names, n: int, grids: list[str], address_fn, no_fn) -> list[Household]:
    out = []
    for i in range(n):
        grid = grids[min(len(grids) - 1, i * len(grids) // n)]
        head_gender = rng.choice("男男男女")
        head_born = rand_date(rng, 1938, 1992)
        head = person(rng, names, head_gender, head_born, "户主")
        members = [head]
        surname = head.name[0]
        size_roll = rng.random()
        if head.age >= 60 and size_roll < 0.25:
            pass                                              # lives alone
        elif rng.random() < 0.85:
            sg = "女" if head_gender == "男" else "男"
            sb = rand_date(rng, max(1930, head_born.year - 5), min(2000, head_born.year + 5))
            members.append(person(rng, names, sg, sb, "配偶"))
        if not (len(members) == 1 and head.age >= 60):
            kids = rng.choice([0, 1, 1, 2, 2, 3]) if head.age < 70 else rng.choice([0, 0, 1])
            for _ in range(kids):
                kg = rng.choice("男女")
                ky = head_born.year + rng.randint(22, 34)
                if ky > 2024:
                    continue
                kb = rand_date(rng, ky, ky)
                kid = person(rng, names, kg, kb, "子" if kg == "男" else "女", surname if head_gender == "男" or rng.random() < 0.5 else None)
                members.append(kid)
                if kg == "男" and kid.age >= 28 and rng.random() < 0.5:
                    wb = rand_date(rng, ky - 2, min(2000, ky + 3))
                    members.append(person(rng, names, "女", wb, "儿媳"))
                    gy = ky + rng.randint(24, 32)
                    if gy <= 2023:
                        gg = rng.choice("男女")
                        members.append(person(rng, names, gg, rand_date(rng, gy, gy), "孙子" if gg == "男" else "孙女", surname))
            if head.age < 55 and rng.random() < 0.18:
                pg = rng.choice("男女")
                pb = rand_date(rng, head_born.year - 32, head_born.year - 24)
                members.append(person(rng, names, pg, pb, "父亲" if pg == "男" else "母亲", surname if pg == "男" else None))
        # household-level tags for the elderly
        if len(members) == 1 and head.age >= 65:
            head.tags = ["独居老人"] + [t for t in head.tags if t != "独居老人"]
        elif len(members) == 2 and all(m.age >= 65 for m in members) and rng.random() < 0.7:
            for m in members:
                m.tags = ["空巢老人"] + m.tags
        for m in members:
            if m.age < 14 and rng.random() < 0.08:
                m.tags.append("留守儿童")
            if m.age >= 70 and not m.phone and rng.random() < 0.5:
                m.phone = [landline(rng)]
        out.append(Household(no_fn(i), grid, address_fn(rng, i), members, key=i + 1))
    return out


def std_address(estates):
    def fn(rng, i):
        return f"{rng.choice(estates)}{rng.randint(1, 24)}栋{rng.randint(1, 4)}单元{rng.randint(1, 18)}0{rng.randint(1, 4)}室"
    return fn


def hno(prefix="", width=5):
    return lambda i: f"{prefix}{i + 1:0{width}d}"


# ---------------------------------------------------------------------------------------------
# truth
# ---------------------------------------------------------------------------------------------
def truth_record(p: Person, h: Household, *, household_no=None, grid=None, address=None, row="") -> dict:
    unrec = []
    if p.id_damage in ("precision", "sci", "text000"):
        unrec.append("id_precision_lost")
    elif p.id_damage == "checksum":
        unrec.append("id_checksum_invalid")
    elif p.id_damage == "legacy15":
        unrec.append("legacy15")
    rec = {
        "name": p.name, "gender": p.gender, "birth_date": p.born.isoformat(), "id_number": p.id18,
        "relation": p.relation, "phone": "、".join(p.phone), "political": p.political, "tags": sorted(set(p.tags)),
        "household_no": h.no if household_no is None else household_no,
        "grid": h.grid if grid is None else grid,
        "address": h.address if address is None else address,
        "unrecoverable": unrec, "household": h.key, "row": row,
    }
    if p.gender_conflict:
        rec["unrecoverable"].append("gender_conflict")
        rec["gender_in_file"] = "女" if p.gender == "男" else "男"
    return rec


def write_truth(path: Path, records: list[dict], traits: list[str], notes: list[str] | None = None) -> None:
    body = {"file": path.name, "households": len({r["household"] for r in records}), "residents": len(records),
            "traits": traits, "notes": notes or [], "records": records}
    Path(str(path) + ".truth.json").write_text(json.dumps(body, ensure_ascii=False, indent=1), encoding="utf-8")


# ---------------------------------------------------------------------------------------------
# value renderings (what offices type)
# ---------------------------------------------------------------------------------------------
def date_text(rng, d: date, styles=("dot", "cn", "compact", "slash")) -> str:
    s = rng.choice(styles)
    return {"dot": f"{d.year}.{d.month}.{d.day}", "dot0": f"{d:%Y.%m.%d}", "cn": f"{d.year}年{d.month}月{d.day}日",
            "compact": f"{d:%Y%m%d}", "slash": f"{d:%Y/%m/%d}", "dash": d.isoformat(),
            "dash1": f"{d.year}-{d.month}-{d.day}"}[s]


REL_VARIANTS = {
    "户主": ["户主", "户主", "户主", "本人"], "配偶": ["配偶", "妻子", "丈夫", "爱人"], "子": ["儿子", "子", "长子", "次子"],
    "女": ["女儿", "女", "长女", "次女"], "父亲": ["父亲", "父"], "母亲": ["母亲", "母"], "儿媳": ["儿媳", "儿媳妇"],
    "孙子": ["孙子"], "孙女": ["孙女"],
}


def rel_text(rng, p: Person) -> str:
    v = rng.choice(REL_VARIANTS[p.relation])
    if p.relation == "配偶" and v in ("妻子", "丈夫"):
        v = "妻子" if p.gender == "女" else "丈夫"
    if v in ("长子", "次子", "长女", "次女"):
        v = v  # fine: canonical 子 / 女
    return v


POL_VARIANTS = {"中共党员": ["中共党员", "党员", "中共党员"], "中共预备党员": ["预备党员", "中共预备党员"],
                "共青团员": ["共青团员", "团员"], "民主党派": ["民主党派", "民盟", "九三学社"], "群众": ["群众", "群众", ""]}


def pol_text(rng, p: Person) -> str:
    return rng.choice(POL_VARIANTS[p.political])


TAG_VARIANTS = {"低保": ["低保", "低保户"], "残疾人": ["残疾人", "残疾"], "独居老人": ["独居老人"], "空巢老人": ["空巢老人", "空巢"],
                "退役军人": ["退役军人", "退伍军人"], "流动人口": ["流动人口"], "留守儿童": ["留守儿童"]}


def tags_text(rng, p: Person, seps=("、",)) -> str:
    return rng.choice(seps).join(rng.choice(TAG_VARIANTS[t]) for t in p.tags)


def phone_text(rng, p: Person, styles=("plain",)) -> str:
    if not p.phone:
        return ""
    out = []
    for num in p.phone:
        s = rng.choice(styles)
        if "-" in num:          # landline
            out.append(num)
        elif s == "space":
            out.append(f"{num[:3]} {num[3:7]} {num[7:]}")
        elif s == "dash":
            out.append(f"{num[:3]}-{num[3:7]}-{num[7:]}")
        else:
            out.append(num)
    return "、".join(out)


def gender_text(rng, p: Person, styles=("plain",)) -> str:
    g = p.gender if not p.gender_conflict else ("女" if p.gender == "男" else "男")
    s = rng.choice(styles)
    return {"plain": g, "long": g + "性", "blank": ""}[s]


# ---------------------------------------------------------------------------------------------
# xlsx helpers
# ---------------------------------------------------------------------------------------------
class Sheet:
    def __init__(self, ws):
        self.ws = ws
        self.r = 0

    def row(self, values, col0=1, fmt=None) -> int:
        self.r += 1
        for j, v in enumerate(values):
            if v is None or v == "":
                continue
            c = self.ws.cell(row=self.r, column=col0 + j, value=v)
            if fmt and j in fmt:
                c.number_format = fmt[j]
        return self.r

    def blank(self):
        self.r += 1

    def merge(self, r0, c0, r1, c1):
        if (r0, c0) != (r1, c1):
            self.ws.merge_cells(start_row=r0, start_column=c0, end_row=r1, end_column=c1)


def title(sh: Sheet, text, width):
    r = sh.row([text])
    sh.ws.cell(row=r, column=1).font = Font(bold=True, size=16)
    sh.ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
    sh.merge(r, 1, r, width)


def save_wb(wb, path: Path):
    if "Sheet" in wb.sheetnames and len(wb.sheetnames) > 1 and wb["Sheet"].max_row == 1 and wb["Sheet"]["A1"].value is None:
        del wb["Sheet"]
    wb.save(path)


# =============================================================================================
# the registers
# =============================================================================================
def f01(rng):
    """Synonym headers, unusual column order, many extra columns, 序号 restarting per household."""
    path = OUT / "阳光社区居民花名册.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 18, ["一网格", "二网格"], std_address(["阳光花园", "阳光里小区"]), hno("YG", 4))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "花名册"
    sh = Sheet(ws)
    sh.row(["序号", "姓名", "称谓", "性别", "民族", "公民身份号码", "出生年月日", "婚姻状况", "文化程度", "工作单位",
            "手机号码", "户籍地址", "现居住地址", "户编号", "所属网格", "人员类别", "政治面貌", "备注"])
    recs = []
    for h in hhs:
        for k, p in enumerate(h.members, 1):
            r = sh.row([k, p.name, rel_text(rng, p), gender_text(rng, p, ("plain", "long")), rng.choice(["汉族", "汉", "回族", "满族"]),
                        p.id18, date_text(rng, p.born), rng.choice(["已婚", "未婚", "丧偶", "离异"]) if p.age >= 20 else "未婚",
                        rng.choice(["小学", "初中", "高中", "大专", "本科", "研究生"]), rng.choice(["", "退休", "石家庄某公司", "个体", "无业", "学生"]),
                        phone_text(rng, p), f"河北省石家庄市{rng.choice(['长安区', '新华区', '正定县'])}{rng.choice(['建设路', '中山路'])}{rng.randint(1, 200)}号",
                        h.address, h.no, h.grid, tags_text(rng, p), pol_text(rng, p),
                        rng.choice(["", "", "", "外出务工", "长期在外"])])
            recs.append(truth_record(p, h, row=f"花名册!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["synonym headers (称谓/公民身份号码/出生年月日/手机号码/户编号/所属网格/人员类别)",
                             "unusual column order", "extra columns: 民族 婚姻状况 文化程度 工作单位 户籍地址 备注",
                             "序号 restarting per household", "gender 男/女/男性/女性", "dates as text 1990.3.7/1990年3月7日/19900307/1990/03/07",
                             "grid names without 第 (一网格)"])


def f02(rng):
    """Title + 填报单位 + 日期 lines, header on row 5, household cells merged down, Excel date cells,
    grid merged over the whole grid block, 小计/合计 rows, footer spread over several cells."""
    path = OUT / "东风社区人口信息表.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格", "第三网格"]
    hhs = make_households(rng, names, 24, grids, std_address(["东风小区", "东风新村"]), hno("DF", 4))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人口信息"
    sh = Sheet(ws)
    W = 13
    title(sh, "东风社区人口信息登记表", W)
    r = sh.row(["填报单位（盖章）：东风街道东风社区居民委员会"]); sh.merge(r, 1, r, 8)
    sh.row(["填报日期：2024年6月30日", None, None, None, None, None, None, None, None, None, "单位：人"])
    sh.blank()
    sh.row(["网格", "户号", "家庭住址", "姓名", "与户主关系", "性别", "出生日期", "身份证号码", "民族", "政治面貌", "联系电话", "重点人群", "备注"])
    recs = []
    total_h = total_p = 0
    for g in grids:
        g_start = sh.r + 1
        gh = [h for h in hhs if h.grid == g]
        for h in gh:
            h_start = sh.r + 1
            for p in h.members:
                born = datetime(p.born.year, p.born.month, p.born.day) if rng.random() > 0.1 else None
                r = sh.row([g, h.no, h.address, p.name, rel_text(rng, p), gender_text(rng, p), born, p.id18, "汉族",
                            pol_text(rng, p), phone_text(rng, p, ("plain", "dash")), tags_text(rng, p), ""],
                           fmt={6: rng.choice(["yyyy-mm-dd", 'yyyy"年"m"月"d"日"', "yyyy/m/d"])})
                recs.append(truth_record(p, h, row=f"人口信息!{r}"))
            h_end = sh.r
            for c in (2, 3):
                for rr in range(h_start + 1, h_end + 1):
                    ws.cell(row=rr, column=c).value = None
                sh.merge(h_start, c, h_end, c)
        g_end = sh.r
        for rr in range(g_start + 1, g_end + 1):
            ws.cell(row=rr, column=1).value = None
        sh.merge(g_start, 1, g_end, 1)
        n_p = sum(len(h.members) for h in gh)
        total_h += len(gh); total_p += n_p
        sh.row([f"{g}小计", f"{len(gh)}户", None, f"{n_p}人"])
    sh.row(["合计", f"{total_h}户", None, f"{total_p}人"])
    sh.blank()
    sh.row(["填表人：", "王芳", None, "审核人：", "李强", None, None, "填报日期：2024年6月30日"])
    save_wb(wb, path)
    write_truth(path, recs, ["title + 填报单位 + 日期 rows, header on row 5", "household cells (户号, 家庭住址) merged down",
                             "grid merged over the whole grid block", "Excel date cells in 3 number formats, some blank",
                             "小计 rows per grid, 合计 row", "footer spread over several cells: 填表人：|王芳|审核人：(in the 姓名 column)|李强"])


def f03(rng):
    """Three-row header with merged group headings; birth dates as serial numbers stored as plain
    numbers; mobile and landline in two columns; ID numbers with spaces inside."""
    path = OUT / "向阳社区居民信息采集表.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 16, grids, std_address(["向阳小区", "向阳西区"]), hno("XY", 4))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "采集表"
    sh = Sheet(ws)
    title(sh, "向阳社区居民信息采集表", 16)
    def header_block():
        """The three header rows (group headings merged over their columns), written at the current row."""
        a = sh.r + 1
        sh.row(["序号", "户信息", None, None, "家庭成员信息", None, None, None, None, None, None, None, "联系方式", None, "特殊人群", "备注"])
        sh.row([None, "户号", "所属网格", "现居住地址", "姓名", "与户主关系", "性别", "身份信息", None, "民族", "政治面貌", "文化程度", "手机", "固定电话"])
        sh.row([None, None, None, None, None, None, None, "公民身份号码", "出生日期"])
        for c in (1, 15, 16):
            sh.merge(a, c, a + 2, c)
        sh.merge(a, 2, a, 4); sh.merge(a, 5, a, 12); sh.merge(a, 13, a, 14)
        for c in (2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14):
            sh.merge(a + 1, c, a + 2, c)
        sh.merge(a + 1, 8, a + 1, 9)

    header_block()      # rows 2..4
    recs = []
    seq = 0
    for hi, h in enumerate(hhs):
        if hi == len(hhs) // 2:
            header_block()  # a second block pasted below the first: its header rows came along
        for p in h.members:
            seq += 1
            if p.age >= 70 and rng.random() < 0.5:
                p.phone = [landline(rng)] + p.phone
            mob = [x for x in p.phone if "-" not in x]
            land = [x for x in p.phone if "-" in x]
            idv = p.id18 if rng.random() < 0.6 else f"{p.id18[:6]} {p.id18[6:14]} {p.id18[14:]}"
            serial = (p.born - date(1899, 12, 30)).days
            r = sh.row([seq, h.no, h.grid, h.address, p.name, rel_text(rng, p), gender_text(rng, p), idv, serial,
                        "汉族", pol_text(rng, p), rng.choice(["初中", "高中", "本科"]), "、".join(mob), "、".join(land),
                        tags_text(rng, p), ""])
            recs.append(truth_record(p, h, row=f"采集表!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["three-row header with merged group headings (户信息 / 家庭成员信息 / 身份信息 / 联系方式)",
                             "birth dates as Excel serial numbers stored as plain numbers",
                             "phones in two columns (手机, 固定电话), landlines 0311-xxxxxxxx",
                             "ID numbers with spaces inside (6 8 4)",
                             "the whole three-row header repeated once in the middle (a second block pasted below)"])


def f04(rng):
    """A printed register pasted back: title + header repeated every 40 rows with a page line,
    households crossing page breaks, household number/address/grid only on the head's row,
    phones with spaces/dashes, two phones in one cell separated by 、 or /, landlines."""
    path = OUT / "红旗社区居民登记表（打印版）.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格", "第三网格"]
    hhs = make_households(rng, names, 40, grids, std_address(["红旗小区", "红旗南苑", "红旗北苑"]), hno("", 3))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "登记表"
    sh = Sheet(ws)
    header = ["户号", "姓名", "性别", "与户主关系", "身份证号", "出生日期", "政治面貌", "联系电话", "居住地址", "网格", "人员类别"]
    rows = []
    recs_pending = []
    for h in hhs:
        for i, p in enumerate(h.members):
            if p.phone and rng.random() < 0.25:
                p.phone = p.phone + [rng.choice([mobile(rng), landline(rng)])]
            ph = phone_text(rng, p, ("plain", "space", "dash"))
            if len(p.phone) == 2 and rng.random() < 0.5:
                ph = ph.replace("、", "/")
            if i == 0 and rng.random() < 0.15:
                rows.append(([], None, None))
            rows.append(([h.no if i == 0 else "", p.name, gender_text(rng, p), rel_text(rng, p), p.id18,
                          date_text(rng, p.born, ("dash", "dash1")), pol_text(rng, p), ph,
                          h.address if i == 0 else "", h.grid if i == 0 else "", tags_text(rng, p)], p, h))
    page = 1
    per_page = 40
    pages = (len(rows) + per_page - 1) // per_page
    recs = []
    for start in range(0, len(rows), per_page):
        title(sh, "红旗社区居民信息登记表" + ("" if page == 1 else "（续）"), len(header))
        sh.row(header)
        for values, p, h in rows[start:start + per_page]:
            r = sh.row(values)
            if p is not None:
                recs.append(truth_record(p, h, row=f"登记表!{r}"))
        r = sh.row([f"第 {page} 页  共 {pages} 页"]); sh.merge(r, 1, r, len(header))
        page += 1
    save_wb(wb, path)
    write_truth(path, recs, ["title + header repeated every 40 rows, '第 n 页 共 m 页' lines, households crossing page breaks",
                             "household number, address and grid only on the head's row",
                             "phones with spaces/dashes, two numbers in one cell (、 or /), landlines"])


def f05(rng):
    """One sheet per grid (no grid column) + an instructions sheet + a summary sheet; household
    numbers restart at 1 in every sheet and are stored as numbers; some genders and birth dates blank."""
    path = OUT / "和谐社区分网格登记表.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格", "第三网格"]
    hhs = make_households(rng, names, 24, grids, std_address(["和谐家园", "和谐小区"]), hno())
    wb = openpyxl.Workbook()
    ws0 = wb.active
    ws0.title = "填表说明"
    for i, line in enumerate(["填表说明：", "1. 每个网格一个工作表，每户第一行填写户主；", "2. 身份证号请设置为文本格式，出生日期可不填（由身份证号自动识别）；",
                              "3. 人员类别可多选，用顿号分隔；", "4. 户号按网格内顺序编号。"], 1):
        ws0.cell(row=i, column=1, value=line)
    recs = []
    key = 0
    for g in grids:
        ws = wb.create_sheet(g)
        sh = Sheet(ws)
        title(sh, f"和谐社区{g}居民信息", 10)
        sh.row(["户号", "姓名", "性别", "出生日期", "身份证号", "与户主关系", "政治面貌", "联系电话", "地址", "人员类别"])
        for n, h in enumerate([h for h in hhs if h.grid == g], 1):
            h.no = str(n)
            for p in h.members:
                born = p.born.isoformat() if rng.random() > 0.2 else ""
                r = sh.row([n, p.name, gender_text(rng, p, ("plain", "plain", "blank")), born, p.id18, rel_text(rng, p),
                            pol_text(rng, p), phone_text(rng, p), h.address, tags_text(rng, p)])
                recs.append(truth_record(p, h, row=f"{g}!{r}"))
    ws = wb.create_sheet("汇总")
    sh = Sheet(ws)
    sh.row(["网格", "户数", "人数", "党员数"])
    for g in grids:
        gh = [h for h in hhs if h.grid == g]
        sh.row([g, len(gh), sum(len(h.members) for h in gh), sum(1 for h in gh for p in h.members if p.political == "中共党员")])
    sh.row(["合计", len(hhs), sum(len(h.members) for h in hhs), None])
    save_wb(wb, path)
    write_truth(path, recs, ["one sheet per grid (第一网格/第二网格/第三网格), no grid column, title row per sheet",
                             "instructions sheet (填表说明) first, summary sheet (汇总) last",
                             "household numbers restart at 1 in every sheet, stored as numbers",
                             "gender blank for some (from ID), birth date blank for some (from ID)"],
                ["household_no '1' occurs once per grid: households are grid + number (field 'household')"])


def f06(rng):
    """No household number at all: households by head row + address; members' address blank, '同上'
    or repeated; grid given by section heading rows inside the sheet (one with the grid worker)."""
    path = OUT / "长安社区居民信息.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格", "第三网格"]
    hhs = make_households(rng, names, 24, grids, std_address(["长安小区", "长安东里"]), lambda i: "")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    sh = Sheet(ws)
    title(sh, "长安社区居民基本信息表", 10)
    sh.row(["序号", "姓名", "与户主关系", "性别", "出生年月", "身份证号", "政治面貌", "手机号", "家庭住址", "备注"])
    headings = {"第一网格": "第一网格", "第二网格": "第二网格（网格员：李娜）", "第三网格": "第三网格"}
    recs = []
    seq = 0
    for g in grids:
        r = sh.row([headings[g]]); sh.merge(r, 1, r, 10)
        for hi, h in enumerate([h for h in hhs if h.grid == g]):
            style = ["blank", "same", "repeat"][hi % 3]
            for i, p in enumerate(h.members):
                seq += 1
                addr = h.address if i == 0 else {"blank": "", "same": "同上", "repeat": h.address}[style]
                rel = rel_text(rng, p)
                if p.relation == "配偶" and rng.random() < 0.5:
                    rel = "之妻" if p.gender == "女" else "之夫"
                p.tags = []          # the layout has no tags column
                r = sh.row([seq, p.name, rel, gender_text(rng, p), date_text(rng, p.born, ("dash",)), p.id18, pol_text(rng, p),
                            phone_text(rng, p), addr, ""])
                recs.append(truth_record(p, h, row=f"Sheet1!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["no household number: households by head row + address",
                             "members' address blank / '同上' / repeated (one style per household, rotating)",
                             "grid from section heading rows ('第二网格（网格员：李娜）')",
                             "header 出生年月 holding full dates; relations 之妻/之夫/本人/长子/次女"],
                ["household_no is '' (file has none); grid expected as the grid name without the 网格员 note"])


def f07(rng):
    """GB18030 CSV from an old system: every ID-number quirk, tags in one quoted comma cell, dates in slashes."""
    path = OUT / "建华社区人口导出.csv"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 22, grids, std_address(["建华小区", "建华里"]), hno("JH", 4))
    people = [p for h in hhs for p in h.members]
    # choose the quirky ones
    olds = [p for p in people if p.born.year < 1985 and not p.id18.endswith("X")]
    rng.shuffle(olds)
    for p in olds[:3]:
        p.id_damage = "legacy15"
    for p in olds[3:6]:
        p.id_damage = "sci"
    for p in olds[6:8]:
        p.id_damage = "text000"
    for p in olds[8:10]:
        p.id_damage = "checksum"
    quirks = ["apostrophe", "fullwidth", "spaces", "lowerx"]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["户号", "网格名称", "姓名", "性别", "出生日期", "证件号码", "与户主关系", "联系方式", "政治面貌", "家庭住址", "特殊人群"])
    recs = []
    n = 1
    for h in hhs:
        for p in h.members:
            n += 1
            idv = p.id18
            if p.id_damage == "legacy15":
                idv = id15(p.id18)
            elif p.id_damage == "sci":
                idv = sci_text(p.id18)
            elif p.id_damage == "text000":
                idv = str(round(int(p.id18), -3))
            elif p.id_damage == "checksum":
                idv = bad_check(p.id18, rng)
            else:
                q = rng.choice(quirks + ["plain"] * 6)
                if p.id18.endswith("X") and rng.random() < 0.7:
                    q = "lowerx"
                if q == "apostrophe":
                    idv = "'" + p.id18
                elif q == "fullwidth":
                    idv = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in p.id18)
                elif q == "spaces":
                    idv = f"{p.id18[:6]} {p.id18[6:14]} {p.id18[14:]}"
                elif q == "lowerx":
                    idv = p.id18.lower()
            born = date_text(rng, p.born, ("slash", "dash1", "dot0")) if rng.random() > 0.1 else ""
            tg = tags_text(rng, p, (",", "、", " ", ";"))
            if "空巢老人" in p.tags:
                tg = "、".join("空巢 老人" if t == "空巢老人" else t for t in p.tags)
            w.writerow([h.no, h.grid, p.name, gender_text(rng, p), born, idv, rel_text(rng, p), phone_text(rng, p, ("plain", "dash")),
                        pol_text(rng, p), h.address, tg])
            recs.append(truth_record(p, h, row=f"csv!{n}"))
    path.write_bytes(buf.getvalue().encode("gb18030"))
    write_truth(path, recs, ["CSV in GB18030", "header synonyms 证件号码/联系方式/网格名称/家庭住址/特殊人群",
                             "IDs with leading apostrophe, full-width digits, spaces, lower-case x",
                             "15-digit legacy IDs", "damaged IDs as 1.30102E+17 text and as 18 digits ending 000 (Excel-rounded, written out in full)",
                             "wrong check digits", "tags separated by , (quoted) 、 space ;"],
                ["IDs written as 18 digits ending in 000 (Excel rounded them before the CSV was saved) are given as id_precision_lost; "
                 "an importer can only see a bad check digit there, so id_checksum_invalid is an acceptable second reading"])


def f08(rng):
    """UTF-8 CSV with BOM; synonyms; gender 男性/女性/blank; two genders contradicting the ID; 合计 line."""
    path = OUT / "光明社区居民表.csv"
    names = Names(rng)
    grids = ["光明一网格", "光明二网格"]
    hhs = make_households(rng, names, 20, grids, std_address(["光明小区", "光明苑"]), hno("GM-", 3))
    people = [p for h in hhs for p in h.members if p.age >= 18]
    for p in rng.sample(people, 2):
        p.gender_conflict = True
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["序号", "户编号", "所属网格", "现居住地址", "姓名", "公民身份号码", "性别", "出生年月日", "称谓", "手机号码", "政治面貌",
                "重点人群", "民族", "文化程度", "婚姻状况"])
    recs = []
    seq = 0
    for h in hhs:
        for p in h.members:
            seq += 1
            g = gender_text(rng, p, ("plain", "long", "blank")) if not p.gender_conflict else gender_text(rng, p)
            w.writerow([seq, h.no, h.grid, h.address, p.name, p.id18, g, date_text(rng, p.born, ("cn", "dot", "compact")),
                        rel_text(rng, p), phone_text(rng, p, ("plain", "space")), pol_text(rng, p), tags_text(rng, p, ("、", "，")),
                        "汉族", rng.choice(["初中", "高中", "本科"]), rng.choice(["已婚", "未婚"])])
            recs.append(truth_record(p, h, row=f"csv!{seq + 1}"))
    w.writerow(["合计", "", "", "", f"共{seq}人", "", "", "", "", "", "", "", "", "", ""])
    path.write_bytes(b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8"))
    write_truth(path, recs, ["CSV in UTF-8 with BOM", "synonyms 户编号/所属网格/现居住地址/公民身份号码/出生年月日/称谓/手机号码/重点人群",
                             "gender 男/女/男性/女性/blank", "two genders contradicting the ID (flag gender_conflict)",
                             "tags separated by 、 or ，", "合计 line at the end"],
                ["gender for a gender_conflict resident: either the file's or the ID's is accepted"])


def f09(rng):
    """A web system's 'Excel export': really tab-separated GBK text named .xls, long numbers written
    as ="..." so that Excel keeps them as text."""
    path = OUT / "新华社区人口系统导出.xls"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 18, grids, std_address(["新华小区", "新华东苑"]), hno("1301020010", 4))
    lines = ["\t".join(["户号", "网格", "姓名", "性别", "身份证号", "出生日期", "与户主关系", "联系电话", "政治面貌", "住址", "人员类别"])]
    recs = []
    for h in hhs:
        for p in h.members:
            ph = phone_text(rng, p)
            lines.append("\t".join([f'="{h.no}"', h.grid, p.name, p.gender, f'="{p.id18}"', p.born.isoformat() + " 00:00:00",
                                    rel_text(rng, p), f'="{ph}"' if ph else "", pol_text(rng, p), h.address, tags_text(rng, p)]))
            recs.append(truth_record(p, h, row=f"tsv!{len(lines)}"))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    write_truth(path, recs, ["file named .xls that is tab-separated GBK text (web system export)",
                             'household number, ID and phone written as ="..." (Excel text trick)',
                             "dates as '1990-03-07 00:00:00'", "14-digit household numbers"],
                ['the ="..." wrapper is presentation: the value inside is the data'])


def f10(rng):
    """A real .xls (LibreOffice-converted): title + 填报 line, merged household cells, IDs stored as
    numbers (damaged), 出生年月 typed as numbers like 1985.06 (year.month), text 1985年6月."""
    path = OUT / "平安社区人口台账.xls"
    names = Names(rng)
    grids = ["第一网格", "第二网格", "第三网格"]
    hhs = make_households(rng, names, 20, grids, std_address(["平安小区", "平安里"]), hno("PA", 4))
    people = [p for h in hhs for p in h.members if not p.id18.endswith("X")]
    for p in rng.sample(people, 5):
        p.id_damage = "precision"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "人口台账"
    sh = Sheet(ws)
    title(sh, "平安社区人口台账", 14)
    sh.row(["填报单位：平安社区居委会", None, None, None, None, None, None, None, None, None, "填报时间：2023年12月"])
    sh.row(["序号", "户号", "网格", "姓名", "性别", "民族", "出生年月", "身份证号", "与户主关系", "政治面貌", "文化程度", "联系电话", "家庭住址", "人员类别"])
    recs = []
    seq = 0
    for h in hhs:
        h_start = sh.r + 1
        for p in h.members:
            seq += 1
            roll = rng.random()
            if roll < 0.6:
                ym, fmt = float(f"{p.born.year}.{p.born.month:02d}"), "0.00"
            elif roll < 0.8:
                ym, fmt = f"{p.born.year}.{p.born.month:02d}", None
            else:
                ym, fmt = f"{p.born.year}年{p.born.month}月", None
            idv = as_excel_number(p.id18) if p.id_damage == "precision" else p.id18
            r = sh.row([seq, h.no, h.grid, p.name, gender_text(rng, p), "汉族", ym, idv, rel_text(rng, p), pol_text(rng, p),
                        rng.choice(["初中", "高中", "本科"]), phone_text(rng, p), h.address, tags_text(rng, p)],
                       fmt={6: fmt} if fmt else {7: "0"} if p.id_damage else None)
            if p.id_damage:
                ws.cell(row=r, column=8).number_format = "0"
            if fmt:
                ws.cell(row=r, column=7).number_format = fmt
            recs.append(truth_record(p, h, row=f"人口台账!{r}"))
        h_end = sh.r
        for c in (2, 3, 13):
            for rr in range(h_start + 1, h_end + 1):
                ws.cell(row=rr, column=c).value = None
            sh.merge(h_start, c, h_end, c)
    tmp = OUT / "_tmp_平安.xlsx"
    wb.save(tmp)
    outdir = OUT / "_soffice"
    outdir.mkdir(exist_ok=True)
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(outdir), str(tmp)], check=True,
                   capture_output=True, timeout=180)
    shutil.move(outdir / "_tmp_平安.xls", path)
    tmp.unlink()
    shutil.rmtree(outdir, ignore_errors=True)
    write_truth(path, recs, ["real .xls (BIFF8, converted by LibreOffice)", "title + 填报 line, header on row 3",
                             "household cells (户号, 网格, 家庭住址) merged down",
                             "出生年月 typed as numbers 1985.06 (format 0.00), as text 1985.06 / 1985年6月: only year and month, the day comes from the ID",
                             "IDs stored as numbers (15 significant digits kept): flagged, no ID"])


def f11(rng):
    """Combination: header on row 6 under title/填报单位/日期/说明; table starting in column B; no
    household number (户主姓名 column + split address 小区/楼栋/单元/门牌号 with mixed '3号楼'/'2单元'
    suffixes); tags as tick columns (低保/残疾/独居老人 with √); a gender conflict; a second
    instructions sheet ("注意事项") holding a two-column field/requirement table."""
    path = OUT / "幸福家园小区住户登记表.xlsx"
    names = Names(rng)
    grids = ["第五网格"]

    def split_addr(rng, i):
        return {"estate": rng.choice(["幸福家园", "幸福家园二期"]), "b": rng.randint(1, 12), "u": rng.randint(1, 3),
                "room": f"{rng.randint(1, 18)}0{rng.randint(1, 2)}"}

    hhs = make_households(rng, names, 20, grids, split_addr, lambda i: "")
    adults = [p for h in hhs for p in h.members if p.age >= 18]
    rng.choice(adults).gender_conflict = True
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "住户登记"
    sh = Sheet(ws)
    cols = ["户主姓名", "姓名", "与户主关系", "性别", "身份证号", "联系电话", "小区", "楼栋", "单元", "门牌号", "网格", "低保", "残疾", "独居老人", "备注"]
    r = sh.row([None, "幸福家园小区住户信息登记表"]); sh.merge(r, 2, r, 1 + len(cols))
    sh.row([None, "填报单位：幸福家园社区居委会（盖章）"])
    sh.row([None, "填报日期：2024年3月"])
    sh.row([None, "说明：本表由网格员入户采集，身份证号请核对；低保、残疾、独居老人栏打“√”。"])
    sh.blank()
    sh.row([None] + cols)
    recs = []
    for h in hhs:
        a = h.address
        bs = rng.choice([str(a["b"]), f"{a['b']}号楼", f"{a['b']}栋"])
        us = rng.choice([str(a["u"]), f"{a['u']}单元"])
        rs = rng.choice([a["room"], a["room"], f"{a['room']}室"])
        b_word = bs if not bs.isdigit() else f"{bs}栋"
        u_word = us if not us.isdigit() else f"{us}单元"
        r_word = rs if rs.endswith("室") else f"{rs}室"
        full = f"{a['estate']}{b_word}{u_word}{r_word}"
        h.address = full
        head = h.members[0].name
        for i, p in enumerate(h.members):
            tick = lambda t: "√" if t in p.tags else ""
            p.tags = [t for t in p.tags if t in ("低保", "残疾人", "独居老人")]
            p.political = "群众"   # the layout has no 政治面貌 column: blank means 群众
            r = sh.row([None, head, p.name, rel_text(rng, p), gender_text(rng, p), p.id18, phone_text(rng, p),
                        a["estate"], bs, us, rs, h.grid, tick("低保"), tick("残疾人"), tick("独居老人"), ""])
            recs.append(truth_record(p, h, row=f"住户登记!{r}"))
    ws2 = wb.create_sheet("注意事项")
    sh2 = Sheet(ws2)
    sh2.row(["项目", "填写要求"])
    for a, b in [("姓名", "与户口簿一致"), ("身份证号", "18位，设置为文本格式"), ("联系电话", "手机号，11位"),
                 ("楼栋", "填写数字，如3"), ("低保", "是则打√"), ("残疾", "持证残疾人打√")]:
        sh2.row([a, b])
    save_wb(wb, path)
    write_truth(path, recs, ["header on row 6 under title / 填报单位 / 日期 / 说明 lines", "table starts in column B",
                             "no household number: 户主姓名 column + address", "split address 小区/楼栋/单元/门牌号 with mixed suffixes (3, 3号楼, 3栋; 2, 2单元; 501, 501室)",
                             "tags as tick columns 低保/残疾/独居老人 (√)", "one gender contradicting the ID",
                             "second sheet 注意事项 with a two-column field/requirement table (not data)"],
                ["address truth = the parts joined with a suffix only where the cell has none (3号楼 stays 3号楼): debatable",
                 "tags truth = the ticked columns (only 低保/残疾人/独居老人 are representable here)",
                 "household_no '' (file has none)"])


def f12(rng):
    """A downloaded template filled in: header cells with line breaks, '*' required marks and
    format hints in brackets, a column-number row, a filled-in example row (示例) that is not a
    resident, numbers for the household number, tags in a 关爱对象 column."""
    path = OUT / "新村社区居民信息模板（已填）.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 16, grids, std_address(["新村小区", "新村北区"]), lambda i: str(101 + i))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民信息"
    sh = Sheet(ws)
    cols = ["*户号", "*所属网格", "*姓名", "*与户主\n关系", "性别\n（男/女）", "*公民身份号码\n（18位）", "出生日期\n(格式:1990-01-01)",
            "联系电话\n（手机）", "政治面貌", "*现居住地址\n（小区+楼栋+单元+室）", "关爱对象\n（可多选，用顿号分隔）", "备注"]
    sh.row(cols)
    for c in range(1, len(cols) + 1):
        ws.cell(row=1, column=c).alignment = Alignment(wrap_text=True)
    sh.row(list(range(1, len(cols) + 1)))
    sh.row(["示例", "第一网格", "张三", "户主", "男", "130102199001011234", "1990-01-01", "13800000000", "群众",
            "新村小区1栋1单元101室", "低保、残疾人", "示例行，请勿删除"])
    recs = []
    for h in hhs:
        for p in h.members:
            born = p.born.isoformat() if rng.random() < 0.8 else ""
            r = sh.row([int(h.no), h.grid, p.name, rel_text(rng, p), gender_text(rng, p), p.id18, born, phone_text(rng, p),
                        pol_text(rng, p), h.address, tags_text(rng, p), ""])
            recs.append(truth_record(p, h, row=f"居民信息!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["template headers with line breaks, '*' marks and bracketed hints", "column-number row under the header",
                             "an example row ('示例' / 张三) that must not be imported", "household numbers stored as numbers",
                             "tags column named 关爱对象（可多选，用顿号分隔）"])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    registers = (".xlsx", ".xls", ".csv", ".json")
    for old in OUT.iterdir():
        if old.is_file() and old.suffix in registers:
            old.unlink()
    for i, fn in enumerate([f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11, f12], 1):
        fn(random.Random(1000 + i))
    for p in sorted(OUT.iterdir()):
        if p.suffix in registers and not p.name.endswith(".truth.json"):
            t = json.loads(Path(str(p) + ".truth.json").read_text(encoding="utf-8"))
            print(f"{p.name}: {t['residents']} residents, {t['households']} households")


if __name__ == "__main__":
    main()
