#!/usr/bin/env python3
"""Second round of unseen-layout resident registers for commdesk's importer, each with a .truth.json.

Run with the project's venv (openpyxl; the .xls needs LibreOffice's soffice):
    .venv/bin/python tests/data/unseen2/make_unseen2.py [OUTDIR]     (default OUTDIR: this folder)
All data is invented. The person/household generator and the truth format are copied from
tests/data/unseen/make_unseen.py (first round); see its docstring for the base format:
records (name, gender, birth_date, id_number, relation, phone, political, tags, household_no,
grid, address, unrecoverable, household, row[, gender_in_file]) and top-level traits/notes.

Extensions read by tests/test_import_unseen.py (per record, all optional):
  expect_flags  the exact set of review flags the resident must carry (default: unrecoverable ∩
                {id_precision_lost, id_checksum_invalid, gender_conflict}, as round 1)
  expect        field -> the value that must be stored when it differs from the real value
                (birth_date null: the file does not give it and there is no ID)
  accept        field -> list of alternative values that are a defensible reading (judgement
                calls); "issues" -> list of alternative flag sets. A match on an alternative is
                reported as "judgement", not as a failure.
"""
from __future__ import annotations

import csv
import io
import json
import random
import shutil
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl

OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent
# the people, households, truth records and sheet helpers of round 1
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "unseen"))
from make_unseen import (Household, Names, Person, Sheet, date_text, gender_text, hno, make_households,  # noqa: E402
                         make_id, mobile, person, phone_text, pol_text, rand_date, rel_text, save_wb,
                         std_address, tags_text, title, truth_record, write_truth)



# =============================================================================================
# round-2 helpers
# =============================================================================================
from openpyxl.utils import get_column_letter  # noqa: E402


def rec(p, h, *, row, expect=None, accept=None, expect_flags=None, **kw):
    r = truth_record(p, h, row=row, **kw)
    if expect:
        r["expect"] = expect
    if accept:
        r["accept"] = accept
    if expect_flags is not None:
        r["expect_flags"] = sorted(expect_flags)
    return r


def new_person(rng, names, gender, born, relation, surname=None, name=None):
    p = person(rng, names, gender, born, relation, surname)
    if name:
        names.used.add(name)
        p.name = name
    return p


def strip(hhs, tags=True, political=False):
    for h in hhs:
        for p in h.members:
            if tags:
                p.tags = []
            if political:
                p.political = "群众"


def blank_sheets(wb, *names):
    for n in names:
        wb.create_sheet(n)


# =============================================================================================
# the registers
# =============================================================================================
def r01(rng):
    """户籍人口 and 流动人口 as two sheets of one grid's workbook (grid only in the title), an empty
    Sheet3; the 流动人口 sheet has a different layout with 房东姓名/房东电话 columns."""
    path = OUT / "滨河社区第三网格人口台账.xlsx"
    names = Names(rng)
    hj = make_households(rng, names, 14, ["第三网格"], std_address(["滨河花园", "滨河小区"]), hno("BH", 4))
    ld = make_households(rng, names, 7, ["第三网格"], std_address(["滨河花园", "滨河小区"]), lambda i: "")
    for h in ld:
        h.key += 100
    strip(ld, tags=True, political=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户籍人口"
    sh = Sheet(ws)
    title(sh, "滨河社区第三网格户籍人口登记表", 11)
    sh.row(["序号", "户号", "姓名", "与户主关系", "性别", "身份证号", "出生日期", "政治面貌", "联系电话", "家庭住址", "人员类别"])
    recs = []
    seq = 0
    for h in hj:
        for p in h.members:
            seq += 1
            r = sh.row([seq, h.no, p.name, rel_text(rng, p), gender_text(rng, p), p.id18, date_text(rng, p.born, ("dash", "cn")),
                        pol_text(rng, p), phone_text(rng, p), h.address, tags_text(rng, p)])
            recs.append(rec(p, h, row=f"户籍人口!{r}", accept={"grid": [""]}))
    ws = wb.create_sheet("流动人口")
    sh = Sheet(ws)
    title(sh, "滨河社区第三网格流动人口登记表", 12)
    sh.row(["序号", "姓名", "性别", "民族", "身份证号", "联系电话", "户籍地址", "现居住地址", "与户主关系", "房东姓名", "房东电话", "来本地日期"])
    seq = 0
    for h in ld:
        landlord = names.make(rng.choice("男女"))
        lphone = mobile(rng)
        origin = rng.choice(["河南省周口市川汇区", "山东省菏泽市牡丹区", "河北省邢台市信都区", "安徽省阜阳市颍州区"]) + f"{rng.randint(1, 99)}号"
        came = f"20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        for p in h.members:
            seq += 1
            r = sh.row([seq, p.name, p.gender, "汉族", p.id18, phone_text(rng, p), origin, h.address, rel_text(rng, p),
                        landlord, lphone, came])
            recs.append(rec(p, h, row=f"流动人口!{r}", accept={"grid": [""], "tags": [["流动人口"]]}))
    blank_sheets(wb, "Sheet3")
    save_wb(wb, path)
    write_truth(path, recs, ["two data sheets named 户籍人口 / 流动人口 (not grids) in one grid's workbook, no grid column",
                             "grid named only in each sheet's title (滨河社区第三网格…)", "an empty Sheet3",
                             "流动人口 sheet: different columns, no 户号 (households by 户主 rows + address), no 政治面貌 / 人员类别",
                             "流动人口 sheet: 房东姓名 / 房东电话 columns (the landlord's phone is not the resident's)"],
                ["grid truth '第三网格' (from the titles); '' is accepted (file has no grid column); the sheet names are NOT grids",
                 "流动人口 residents: tags [] (no tags column); ['流动人口'] accepted as a reading of the sheet",
                 "phone truth = the resident's own number only; 房东电话 must not be added"])


def r02(rng):
    """One sheet holding two tables one under another: 一、户籍人口 (header A) then 二、流动人口 with
    its own header in a different column order and column set; empty Sheet2/Sheet3."""
    path = OUT / "东湖社区居民登记表.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hj = make_households(rng, names, 16, grids, std_address(["东湖小区", "东湖苑"]), hno("DH", 4))
    ld = make_households(rng, names, 6, grids, std_address(["东湖小区", "东湖苑"]), lambda i: "")
    for h in ld:
        h.key += 100
    strip(hj, tags=True)
    strip(ld, tags=True, political=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    sh = Sheet(ws)
    title(sh, "东湖社区居民信息登记表", 11)
    r = sh.row(["一、户籍人口"]); sh.merge(r, 1, r, 11)
    sh.row(["序号", "户号", "网格", "姓名", "性别", "身份证号", "与户主关系", "出生日期", "政治面貌", "联系电话", "住址"])
    recs = []
    seq = 0
    for h in hj:
        for p in h.members:
            seq += 1
            r = sh.row([seq, h.no, h.grid, p.name, p.gender, p.id18, rel_text(rng, p), date_text(rng, p.born, ("slash",)),
                        pol_text(rng, p), phone_text(rng, p), h.address])
            recs.append(rec(p, h, row=f"Sheet1!{r}"))
    sh.blank(); sh.blank()
    r = sh.row(["二、流动人口（租住）"]); sh.merge(r, 1, r, 10)
    sh.row(["序号", "姓名", "身份证号", "性别", "联系电话", "现住址", "网格", "与户主关系", "户籍地", "登记日期"])
    seq = 0
    for h in ld:
        for p in h.members:
            seq += 1
            r = sh.row([seq, p.name, p.id18, p.gender, phone_text(rng, p), h.address, h.grid, rel_text(rng, p),
                        rng.choice(["河南周口", "山东菏泽", "安徽阜阳"]), f"2023-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"])
            recs.append(rec(p, h, row=f"Sheet1!{r}", accept={"tags": [["流动人口"]]}))
    blank_sheets(wb, "Sheet2", "Sheet3")
    save_wb(wb, path)
    write_truth(path, recs, ["two tables one under another on one sheet: '一、户籍人口' + header A, two blank rows, '二、流动人口（租住）' + header B",
                             "header B: different column order (姓名 second, 身份证号 third, 网格 seventh) and set (no 户号/出生日期/政治面貌; 户籍地, 登记日期)",
                             "second table: no household number (households by 户主 rows + address)",
                             "workbook with empty Sheet2 / Sheet3"],
                ["the second table must be read with its own header", "tags: the layout has none ([]); ['流动人口'] accepted for the second table"])


def r03(rng):
    """A 脱敏 copy: visible 身份证号 / 联系电话 columns masked (130102********1234, 139****5678) and the
    original full values kept in hidden columns at the end (身份证号（原）, 联系电话（原）)."""
    path = OUT / "春晖社区居民信息表（脱敏）.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 18, grids, std_address(["春晖园", "春晖里"]), hno("CH", 4))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民信息"
    sh = Sheet(ws)
    cols = ["序号", "户号", "网格", "姓名", "性别", "身份证号", "出生日期", "与户主关系", "政治面貌", "联系电话", "住址", "人员类别",
            "身份证号（原）", "联系电话（原）"]
    title(sh, "春晖社区居民信息表（脱敏）", 12)
    sh.row(cols)
    recs = []
    seq = 0
    for h in hhs:
        for p in h.members:
            seq += 1
            masked_id = p.id18[:6] + "********" + p.id18[14:]
            ph = phone_text(rng, p)
            masked_ph = "、".join((n[:3] + "****" + n[7:]) if "-" not in n else n[:5] + "****" + n[-2:] for n in p.phone)
            born = p.born.isoformat() if rng.random() < 0.7 else ""
            r = sh.row([seq, h.no, h.grid, p.name, p.gender, masked_id, born, rel_text(rng, p), pol_text(rng, p), masked_ph,
                        h.address, tags_text(rng, p), p.id18, ph])
            recs.append(rec(p, h, row=f"居民信息!{r}"))
    for c in (13, 14):
        ws.column_dimensions[get_column_letter(c)].hidden = True
    save_wb(wb, path)
    write_truth(path, recs, ["visible 身份证号 column masked 130102********1234 (birth digits starred)",
                             "visible 联系电话 column masked 139****5678",
                             "full values in hidden columns M/N headed 身份证号（原）/ 联系电话（原）",
                             "出生日期 blank for ~30% (only the full ID gives it)"],
                ["truth: the full ID / phone from the hidden columns — the data is in the file; a masked value is not an ID",
                 "judgement: an importer that reads the masked column would at least have to flag every ID (it cannot be valid)"])


def r04(rng):
    """GBK CSV from a system export: title + export-time lines above the header, CRLF, a trailing
    empty column on every line, quoted 备注 with embedded newlines and commas, 户号 with leading
    zeros (text), ISO dates with T, phones with +86 / 转 extensions / (本人) notes / one lost as 8.61391E+12."""
    path = OUT / "翠苑社区居民导出.csv"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 20, grids, std_address(["翠苑一区", "翠苑二区"]), lambda i: f"{i + 101:05d}")
    people = [p for h in hhs for p in h.members if p.phone and "-" not in p.phone[0]]
    rng.shuffle(people)
    lost = people[:2]
    styles = {}
    for i, p in enumerate(people[2:]):
        styles[p.name] = ["plus86space", "plus86", "note", "note2", "plain", "plain", "plain"][i % 7]
    cols = ["户号", "网格", "姓名", "性别", "出生日期", "身份证号", "与户主关系", "联系电话", "政治面貌", "住址", "重点人群", "备注", ""]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["翠苑社区居民信息导出"] + [""] * (len(cols) - 1))
    w.writerow(["导出时间：2024-05-01 10:32:15", "", "", "导出人：admin"] + [""] * (len(cols) - 4))
    w.writerow(cols)
    recs = []
    line = 3
    for h in hhs:
        for k, p in enumerate(h.members):
            line += 1
            expect, accept, flags = None, None, None
            if p in lost:
                ph = f"{float('86' + p.phone[0]):.5E}".replace("E+", "E+")
                expect, accept, flags = {"phone": ""}, {"phone": [ph]}, ["phone_invalid"]
            elif p.phone and "-" not in p.phone[0]:
                n = p.phone[0]
                ph = {"plus86space": f"+86 {n[:3]} {n[3:7]} {n[7:]}", "plus86": f"+86{n}", "note": f"{n}（本人）",
                      "note2": f"{n}(女儿)" if rng.random() < 0.5 else f"{n}(儿子)", "plain": n}[styles[p.name]]
            elif p.phone:
                ext = str(rng.randint(800, 899))
                ph = f"{p.phone[0]}转{ext}" if rng.random() < 0.6 else p.phone[0]
                if "转" in ph:
                    p.phone = [f"{p.phone[0]}-{ext}"]
            else:
                ph = ""
            note = ""
            if k == 0 and rng.random() < 0.3:
                note = rng.choice(["2023年6月搬入\n房屋为租住", "户主长期在外，\n由配偶代填", "低保年审已完成,待复核"])
            born = p.born.isoformat() + "T00:00:00"
            w.writerow([h.no, h.grid, p.name, p.gender, born, p.id18, rel_text(rng, p), ph, pol_text(rng, p), h.address,
                        tags_text(rng, p), note, ""])
            recs.append(rec(p, h, row=f"csv!{line}", expect=expect, accept=accept, expect_flags=flags))
            line += note.count("\n")
    path.write_bytes(buf.getvalue().encode("gb18030"))
    write_truth(path, recs, ["CSV in GBK, CRLF", "title line and 导出时间 line above the header", "a trailing empty column (every line ends with ',')",
                             "备注 quoted with embedded newlines / commas", "户号 00101… as text (leading zeros must stay)",
                             "dates 1990-03-07T00:00:00", "phones: +86 139 1234 5678, +8613912345678, 139…（本人）, 139…(儿子), 0311-86012345转801",
                             "two phones typed into the system as 8.61391E+12 (digits lost)"],
                ["household_no truth '00101' (the CSV holds text; stripping zeros would be wrong)",
                 "a phone given as 8.61391E+12 cannot be recovered: expect the phone_invalid flag; stored phone '' or the raw text both accepted",
                 "0311-86012345转801 truth 0311-86012345-801"])


def r05(rng):
    """One household per row, members in columns (户主 / 配偶 / 子女1-3 / 其他成员 + 关系)."""
    path = OUT / "金桥社区家庭户信息表.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 16, grids, std_address(["金桥小区", "金桥花园"]), hno("JQ", 4))
    for h in hhs:
        head = h.members[0]
        spouse = [p for p in h.members if p.relation == "配偶"][:1]
        kids = [p for p in h.members if p.relation in ("子", "女")][:3]
        other = [p for p in h.members if p.relation in ("父亲", "母亲", "儿媳", "孙子", "孙女")][:1]
        h.members = [head] + spouse + kids + other
        for p in h.members:
            p.tags = []
            p.political = "群众"
            if p is not head:
                p.phone = []
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "家庭户信息"
    sh = Sheet(ws)
    cols = ["序号", "户号", "网格", "家庭住址", "户主姓名", "户主性别", "户主身份证号", "户主联系电话", "配偶姓名", "配偶身份证号",
            "子女1姓名", "子女1身份证号", "子女2姓名", "子女2身份证号", "子女3姓名", "子女3身份证号", "其他成员姓名", "其他成员关系",
            "其他成员身份证号", "家庭人口数"]
    title(sh, "金桥社区家庭户信息表", len(cols))
    sh.row(cols)
    recs = []
    for i, h in enumerate(hhs, 1):
        head = h.members[0]
        spouse = next((p for p in h.members if p.relation == "配偶"), None)
        kids = [p for p in h.members if p.relation in ("子", "女")]
        other = next((p for p in h.members if p.relation not in ("户主", "配偶", "子", "女")), None)
        vals = [i, h.no, h.grid, h.address, head.name, head.gender, head.id18, phone_text(rng, head),
                spouse.name if spouse else "", spouse.id18 if spouse else ""]
        for k in range(3):
            vals += [kids[k].name, kids[k].id18] if k < len(kids) else ["", ""]
        vals += [other.name, rel_text(rng, other), other.id18] if other else ["", "", ""]
        vals.append(len(h.members))
        r = sh.row(vals)
        for p in h.members:
            recs.append(rec(p, h, row=f"家庭户信息!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["one household per row: 户主姓名/户主性别/户主身份证号/户主联系电话, 配偶姓名/配偶身份证号, 子女1-3姓名/身份证号, 其他成员姓名/关系/身份证号",
                             "relation implied by the column (子女n: 子 or 女 by the ID's gender)", "家庭人口数 column"],
                ["judgement: whether the importer is meant to support this layout at all; the truth says every member is a resident",
                 "members' gender and birth date come from their IDs; only the head has a phone"])


REL6 = {"户主": ["本人(户主)", "本人（户主）", "户主本人", "户主"], "配偶": ["户主之妻", "户主之夫", "妻", "夫"],
        "子": ["长子", "之子", "儿", "次子"], "女": ["之女", "三女", "长女"], "儿媳": ["长子媳", "次子媳", "儿媳妇"],
        "孙子": ["长孙", "孙子"], "孙女": ["次孙女", "孙女"], "父亲": ["户主之父", "父"], "母亲": ["户主之母", "母"],
        "其他": ["其他"]}
POL6 = {"中共党员": ["共产党员", "中共党员", "党员"], "中共预备党员": ["中共党员（预备）", "预备党员", "中共预备党员"],
        "共青团员": ["团员", "共青团员"], "民主党派": ["民盟", "九三学社"], "群众": ["群众（默认）", "群众", ""]}


def r06(rng):
    """Value variety: relations 本人(户主)/户主之妻/长子媳/次孙女/户主之母 and non-family members
    (外甥, 侄女, 保姆, 租户, 孙媳); political 中共党员（预备）/共产党员/无党派人士/群众（默认）; gender
    as 1/2, M/F, '男 ' / '女　' (trailing spaces), 男性/女性."""
    path = OUT / "朝阳社区人口登记簿.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 20, grids, std_address(["朝阳小区", "朝阳北里"]), hno("CY", 4))
    extras = [("外甥", "男"), ("侄女", "女"), ("保姆", "女"), ("租户", "男"), ("孙媳", "女"), ("外甥女", "女")]
    for (word, g), h in zip(extras, rng.sample(hhs, len(extras))):
        p = person(rng, names, g, rand_date(rng, 1975, 2000), "其他")
        p.extra["rel_text"] = word
        h.members.append(p)
    nonpartisan = rng.sample([p for h in hhs for p in h.members if p.age >= 40 and p.political == "群众"], 2)
    for p in nonpartisan:
        p.extra["pol_text"] = "无党派人士"
    for p in rng.sample([p for h in hhs for p in h.members if p.age >= 20 and p.political == "群众" and p not in nonpartisan], 2):
        p.political = "中共预备党员"          # so that 中共党员（预备） and 预备党员 both occur
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "登记簿"
    sh = Sheet(ws)
    title(sh, "朝阳社区人口登记簿", 11)
    sh.row(["户号", "网格", "姓名", "性别", "身份证号", "出生日期", "与户主关系", "政治面貌", "联系电话", "住址", "人员类别"])
    gstyles = ["code", "mf", "space", "long", "plain"]
    turn = {}

    def pick(table, key):
        turn[key] = turn.get(key, -1) + 1
        return table[key][turn[key] % len(table[key])]
    recs = []
    for hi, h in enumerate(hhs):
        gs = gstyles[hi % len(gstyles)]
        for p in h.members:
            g = p.gender
            gv = {"code": ("1" if g == "男" else "2") if rng.random() < 0.5 else (1 if g == "男" else 2),
                  "mf": "M" if g == "男" else "F", "space": g + rng.choice([" ", "\u3000", "  "]), "long": g + "性", "plain": g}[gs]
            accept = {}
            if "rel_text" in p.extra:
                relt = p.extra["rel_text"]
                accept["relation"] = [relt]
            else:
                relt = pick(REL6, p.relation)
                if relt in ("户主之妻", "户主之夫", "妻", "夫"):
                    relt = pick({"女": ["户主之妻", "妻"], "男": ["户主之夫", "夫"]}, p.gender)
            if "pol_text" in p.extra:
                polt = p.extra["pol_text"]
                accept["political"] = ["无党派人士"]
                accept["issues"] = [["political_unknown"]]
            else:
                polt = pick(POL6, p.political)
            r = sh.row([h.no, h.grid, p.name, gv, p.id18, date_text(rng, p.born, ("dash", "slash")), relt, polt,
                        phone_text(rng, p), h.address, tags_text(rng, p)])
            recs.append(rec(p, h, row=f"登记簿!{r}", accept=accept or None))
    save_wb(wb, path)
    write_truth(path, recs, ["relations 本人(户主)/本人（户主）/户主之妻/户主之夫/长子媳/次子媳/次孙女/长孙/户主之父/户主之母/之女/三女",
                             "non-family members 外甥/外甥女/侄女/保姆/租户/孙媳 (canonical 其他)",
                             "political 中共党员（预备）/共产党员/无党派人士/群众（默认）/blank",
                             "gender 1/2 (text and number), M/F, trailing ASCII / ideographic spaces, 男性/女性"],
                ["judgement: 外甥/侄女/保姆/租户/孙媳 truth 其他; keeping the word as written is accepted",
                 "judgement: 无党派人士 is not one of the five statuses: truth 群众; keeping it flagged political_unknown is accepted",
                 "租户 is kept in the household it is listed in (the file says so)"])


def r07(rng):
    """Dates and IDs and names: 出生年月 as 1990年03月 / 90.3.7 / 1990-03-07T00:00:00 / Excel dates with
    a time / 七十年代-style text for residents without ID; IDs 暂无 / 未办理 for children; names with
    middle dots (· • .) and trailing notes 王芳(已故) / 李强（外出）."""
    path = OUT / "新风社区居民名册.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 18, grids, std_address(["新风小区", "新风苑"]), hno("XF", 4))
    # a Uyghur household with dotted names
    u = Household("XF0019", "第二网格", "新风苑3栋2单元502室", [], key=19)
    for nm, g, born, relx in [("阿卜杜·热合曼", "男", date(1968, 4, 12), "户主"), ("古丽娜尔·艾买提", "女", date(1971, 9, 3), "配偶"),
                              ("迪丽努尔•阿卜杜", "女", date(1995, 1, 20), "女"), ("麦麦提.阿卜杜", "男", date(1998, 6, 8), "子")]:
        p = Person(nm, g, born, make_id(rng, born, g, "650102"), relx)
        if p.age >= 18:
            p.phone = [mobile(rng)]
        u.members.append(p)
    hhs.append(u)
    strip(hhs, tags=True)                 # the layout has no tags column
    people = [p for h in hhs for p in h.members]
    kids = [p for p in people if p.age < 12]
    rng.shuffle(kids)
    noid_kids = kids[:3]
    olds = [p for p in people if p.age >= 60 and p.relation != "户主"]
    rng.shuffle(olds)
    noid_old = olds[:1]
    adults = [p for p in people if 20 <= p.age < 60 and p.relation != "户主" and p not in noid_kids]
    rng.shuffle(adults)
    noted = {adults[0].name: "（外出）", adults[1].name: "(外出务工)"}
    dead = [p for p in people if p.age >= 70]
    if dead:
        noted[rng.choice(dead).name] = "(已故)"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "名册"
    sh = Sheet(ws)
    title(sh, "新风社区居民名册", 11)
    sh.row(["序号", "户号", "网格", "姓名", "性别", "出生年月", "身份证号", "与户主关系", "政治面貌", "联系电话", "住址"])
    recs = []
    seq = 0
    for h in hhs:
        for p in h.members:
            seq += 1
            d = p.born
            accept, expect, flags = {}, {}, None
            idv = p.id18
            fmt = None
            if p in noid_kids:
                idv = rng.choice(["暂无", "未办理", "未申领"])
                expect["id_number"] = None
                accept["issues"] = [["id_invalid"]]
                if p is noid_kids[0]:
                    bv = f"{d.year}年{d.month}月"
                    expect["birth_date"] = None
                    flags = ["birth_date_partial"]
                    accept["issues"] = [["birth_date_partial", "id_invalid"]]
                else:
                    bv = f"{d.year}.{d.month}.{d.day}"
                flags = flags or []
            elif p in noid_old:
                idv = ""
                bv = f"{'五六七八'[(d.year - 1950) // 10] if 1950 <= d.year < 1990 else '四'}十年代"
                expect["birth_date"] = None
                flags = ["birth_date_invalid"]
                accept["issues"] = [["birth_date_partial"]]
                expect["id_number"] = None
            else:
                style = rng.choice(["ym0", "yy", "isoT", "xldt", "ym0", "yy", "isoT", "dot"])
                if style == "ym0":
                    bv = f"{d.year}年{d.month:02d}月"
                elif style == "yy":
                    bv = f"{d.year % 100:02d}.{d.month}.{d.day}"
                elif style == "isoT":
                    bv = d.isoformat() + "T00:00:00"
                elif style == "xldt":
                    bv, fmt = datetime(d.year, d.month, d.day, rng.choice([0, 8, 12])), "yyyy-mm-dd hh:mm"
                else:
                    bv = f"{d.year}.{d.month:02d}"
            nm = p.name + noted.get(p.name, "")
            if "•" in p.name or "." in p.name:
                accept["name"] = [p.name.replace("•", "·").replace(".", "·")]
            r = sh.row([seq, h.no, h.grid, nm, p.gender, bv, idv, rel_text(rng, p), pol_text(rng, p), phone_text(rng, p), h.address])
            if fmt:
                ws.cell(row=r, column=6).number_format = fmt
            recs.append(rec(p, h, row=f"名册!{r}", expect=expect or None, accept=accept or None, expect_flags=flags))
    save_wb(wb, path)
    write_truth(path, recs, ["出生年月 column: 1990年03月 (month only; the ID gives the day), 90.3.7 (two-digit year), 1990-03-07T00:00:00, "
                             "Excel datetime cells with a time, 1990.03",
                             "three children with ID 暂无/未办理/未申领 (one of them with birth 2019年3月 only)",
                             "one elderly member with no ID and birth written as 五十年代-style text",
                             "names with middle dots: 阿卜杜·热合曼 (U+00B7), 迪丽努尔•阿卜杜 (U+2022), 麦麦提.阿卜杜 (ASCII dot)",
                             "names with trailing notes: （外出）, (外出务工), (已故)"],
                ["with a valid ID the file's partial/two-digit-year date is not a problem: birth from the ID, no flag",
                 "no ID + 2019年3月: birth_date null, flag birth_date_partial; no ID + 五十年代: birth_date null, flag birth_date_invalid (partial accepted)",
                 "judgement: 暂无/未办理/未申领 mean 'has no ID' — truth: no ID, no id_invalid flag; the flag is accepted",
                 "the name note (外出)/(外出务工)/(已故) is not part of the name: truth = name without it (judgement of moderate strength: "
                 "keeping it verbatim is safe but makes the name wrong for search and duplicate matching)",
                 "names are given as written (• and . kept); normalising them to · is accepted"])


def r08(rng):
    """Elderly-care style register: table starting at column D under a title, an empty spacer column
    inside the table, 户主姓名 + 户主身份证号 before 姓名 + 本人身份证号, 本人电话 plus 紧急联系人 /
    联系人电话, no household number; empty Sheet2/Sheet3."""
    path = OUT / "安康社区独居老人及家庭登记表.xlsx"
    names = Names(rng)
    grids = ["第四网格", "第五网格"]
    hhs = make_households(rng, names, 16, grids, std_address(["安康小区", "安康东苑"]), lambda i: "")
    strip(hhs, tags=False, political=True)   # the layout has no 政治面貌 column
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    sh = Sheet(ws)
    cols = ["序号", "户主姓名", "户主身份证号", "姓名", "与户主关系", "性别", "本人身份证号", "出生日期", None, "本人电话",
            "紧急联系人", "联系人电话", "住址", "网格", "人员类别"]
    r = sh.row(["安康社区独居老人及家庭登记表"], col0=4); sh.merge(r, 4, r, 3 + len(cols))
    sh.row(["填报单位：安康社区居委会"], col0=4)
    sh.row(cols, col0=4)
    recs = []
    seq = 0
    for h in hhs:
        head = h.members[0]
        contact = names.make(rng.choice("男女"))
        cphone = mobile(rng)
        for p in h.members:
            seq += 1
            r = sh.row([seq, head.name, head.id18, p.name, rel_text(rng, p), p.gender, p.id18, date_text(rng, p.born, ("dash",)),
                        None, phone_text(rng, p), contact, cphone, h.address, h.grid, tags_text(rng, p)], col0=4)
            recs.append(rec(p, h, row=f"Sheet1!{r}"))
    blank_sheets(wb, "Sheet2", "Sheet3")
    save_wb(wb, path)
    write_truth(path, recs, ["table starts at column D (A-C empty) under title / 填报单位 lines", "an empty spacer column (L) inside the table",
                             "户主姓名 + 户主身份证号 columns before 姓名 + 本人身份证号", "本人电话 + 紧急联系人 / 联系人电话 (someone else's phone)",
                             "no household number (户主 rows / 户主姓名)", "workbook named Sheet1 with empty Sheet2/Sheet3"],
                ["id_number truth = 本人身份证号; phone truth = 本人电话 only"])


def r09(rng):
    """户号 stored as numbers shown with format 00000 (00107); rows sorted by grid then name, so households
    are interleaved and the head is not always first; members' address 同户主; 是否党员 / 是否低保 /
    是否残疾 columns holding 是/否 instead of 政治面貌 / 人员类别."""
    path = OUT / "和平社区居民户籍登记.xlsx"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 18, grids, std_address(["和平小区", "和平里"]), lambda i: f"{i + 101:05d}")
    for h in hhs:
        for p in h.members:
            p.political = "中共党员" if p.political in ("中共党员", "中共预备党员") else "群众"
            p.tags = [t for t in p.tags if t in ("低保", "残疾人")]
    rows = [(h, p) for h in hhs for p in h.members]
    rows.sort(key=lambda hp: (hp[0].grid, hp[1].name))
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "户籍登记"
    sh = Sheet(ws)
    title(sh, "和平社区居民户籍登记表", 12)
    sh.row(["户号", "网格", "姓名", "与户主关系", "性别", "身份证号", "出生日期", "是否党员", "联系电话", "家庭住址", "是否低保", "是否残疾"])
    recs = []
    for h, p in rows:
        addr = h.address if p.relation == "户主" else "同户主"
        r = sh.row([int(h.no), h.grid, p.name, rel_text(rng, p), p.gender, p.id18, date_text(rng, p.born, ("dash",)),
                    "是" if p.political == "中共党员" else "否", phone_text(rng, p), addr,
                    "是" if "低保" in p.tags else "否", "是" if "残疾人" in p.tags else "否"])
        ws.cell(row=r, column=1).number_format = "00000"
        recs.append(rec(p, h, row=f"户籍登记!{r}", accept={"household_no": [str(int(h.no))]}))
    save_wb(wb, path)
    write_truth(path, recs, ["户号 stored as numbers 101… with number format 00000 (Excel shows 00101)",
                             "rows sorted by 网格 then 姓名: households interleaved, the head often not the first row of its household",
                             "address on the head's row only, members' cells say 同户主",
                             "是否党员 (是/否) instead of 政治面貌; 是否低保 / 是否残疾 (是/否) tick columns"],
                ["judgement: household_no truth '00101' (what the user sees); '101' (the stored number) is accepted",
                 "是否党员=是 → 中共党员, 否 → 群众; 是否低保/是否残疾=是 → tags 低保/残疾人",
                 "address: a member whose row says 同户主 has the head's address, even when the head's row comes later"])


def r10(rng):
    """A real .xls (LibreOffice-converted): 户号/网格/家庭住址 merged down; two pairs of households that
    share one flat with the address cell merged across both households; gender as numbers 1/2;
    phones as number cells (some 8613912345678)."""
    path = OUT / "建设社区居民信息（2024年更新）.xls"
    names = Names(rng)
    grids = ["第一网格", "第二网格"]
    hhs = make_households(rng, names, 18, grids, std_address(["建设小区", "建设新村"]), hno("JS", 4))
    for a, b in ((2, 3), (11, 12)):       # same grid, same flat
        hhs[b].address = hhs[a].address
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民信息"
    sh = Sheet(ws)
    title(sh, "建设社区居民信息（2024年更新）", 11)
    sh.row(["户号", "网格", "家庭住址", "姓名", "与户主关系", "性别", "身份证号", "出生日期", "联系电话", "政治面貌", "人员类别"])
    recs = []
    spans = {}
    grid_start = {}
    for hi, h in enumerate(hhs):
        h_start = sh.r + 1
        grid_start.setdefault(h.grid, h_start)
        for p in h.members:
            gv = (1 if p.gender == "男" else 2) if rng.random() < 0.6 else p.gender
            if p.phone and "-" not in p.phone[0]:
                pv = int(p.phone[0]) if rng.random() < 0.6 else int("86" + p.phone[0])
            else:
                pv = phone_text(rng, p)
            r = sh.row([h.no, h.grid, h.address, p.name, rel_text(rng, p), gv, p.id18, p.born, pv, pol_text(rng, p),
                        tags_text(rng, p)])
            ws.cell(row=r, column=8).number_format = "yyyy-mm-dd"
            if isinstance(pv, int):
                ws.cell(row=r, column=9).number_format = "0"
            recs.append(rec(p, h, row=f"居民信息!{r}"))
        spans[hi] = (h_start, sh.r)
    for hi, (s, e) in spans.items():
        for rr in range(s + 1, e + 1):
            ws.cell(row=rr, column=1).value = None
        sh.merge(s, 1, e, 1)
    addr_groups = []
    skip = set()
    for hi in range(len(hhs)):
        if hi in skip:
            continue
        if (hi, hi + 1) in ((2, 3), (11, 12)):
            addr_groups.append((spans[hi][0], spans[hi + 1][1]))
            skip.add(hi + 1)
        else:
            addr_groups.append(spans[hi])
    for s, e in addr_groups:
        for rr in range(s + 1, e + 1):
            ws.cell(row=rr, column=3).value = None
        sh.merge(s, 3, e, 3)
    for g in grids:
        rows_g = [spans[i] for i, h in enumerate(hhs) if h.grid == g]
        s, e = rows_g[0][0], rows_g[-1][1]
        for rr in range(s + 1, e + 1):
            ws.cell(row=rr, column=2).value = None
        sh.merge(s, 2, e, 2)
    tmp = OUT / "_tmp_建设.xlsx"
    wb.save(tmp)
    outdir = OUT / "_soffice"
    outdir.mkdir(exist_ok=True)
    subprocess.run(["soffice", "--headless", "--convert-to", "xls", "--outdir", str(outdir), str(tmp)], check=True,
                   capture_output=True, timeout=240)
    shutil.move(outdir / "_tmp_建设.xls", path)
    tmp.unlink()
    shutil.rmtree(outdir, ignore_errors=True)
    write_truth(path, recs, ["real .xls (BIFF8, converted by LibreOffice)", "户号 merged down per household, 网格 merged over the grid block",
                             "家庭住址 merged down; for two pairs of households sharing a flat the merge spans both households",
                             "gender as number cells 1/2 for ~60%", "phones as number cells, some 8613912345678 (country code, no +)",
                             "birth dates as Excel date cells"],
                ["two households at one address stay two households (their 户号 differ)"])


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    registers = (".xlsx", ".xls", ".csv", ".json")
    for old in OUT.iterdir():
        if old.is_file() and old.suffix in registers:
            old.unlink()
    for i, fn in enumerate([r01, r02, r03, r04, r05, r06, r07, r08, r09, r10], 1):
        fn(random.Random(2000 + i))
    for p in sorted(OUT.iterdir()):
        if p.suffix in registers and not p.name.endswith(".truth.json"):
            t = json.loads(Path(str(p) + ".truth.json").read_text(encoding="utf-8"))
            print(f"{p.name}: {t['residents']} residents, {t['households']} households")


if __name__ == "__main__":
    main()
