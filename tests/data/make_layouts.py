#!/usr/bin/env python3
"""Third round of generated registers: the nine layout classes of issue 13, each with a .truth.json.

Run with the project's venv (openpyxl; xlwt for the real BIFF8 .xls):
    .venv/bin/python tests/data/make_layouts.py [OUTDIR]      (default OUTDIR: tests/data/layouts)
All data is invented (generated names, computed GB 11643 ID numbers, plausible ages). The people,
households, truth records and sheet helpers come from tests/data/unseen/make_unseen.py and
tests/data/unseen2/make_unseen2.py (see their docstrings for the truth format, read by
tests/test_import_layouts_round2.py with the comparison of tests/test_import_unseen.py).
"""
from __future__ import annotations

import random
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
OUT = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "layouts"
sys.path.insert(0, str(HERE / "unseen"))
sys.path.insert(0, str(HERE / "unseen2"))
from make_unseen import (Names, Sheet, date_text, gender_text, hno, make_households, make_id,  # noqa: E402
                         mobile, phone_text, pol_text, rand_date, rel_text, save_wb, std_address, title,
                         write_truth)
from make_unseen2 import rec, strip  # noqa: E402

CN_NUM = "一二三四五六七八九十"


def _members(hhs):
    return [(h, p) for h in hhs for p in h.members]


# =============================================================================================
# 1. 一户一档: one household per block
# =============================================================================================
def l01(rng):
    """Household cards: a 户号/网格/住址 line for each household, then its members; blank rows
    between the blocks. Sheet 1 repeats the members' header in every block and writes the
    household line in one merged cell (户号：… 网格：… 家庭住址：…); sheet 2 has its header once at
    the top and the household line as label and value cells (户主 | 王某 | 户号 | … )."""
    path = OUT / "红星社区一户一档.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 20, ["第一网格", "第二网格"], std_address(["红星小区", "红星花园"]), hno("HX", 4))
    strip(hhs, tags=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "一户一档"
    sh = Sheet(ws)
    header = ["序号", "姓名", "与户主关系", "性别", "民族", "身份证号", "出生日期", "联系电话", "政治面貌"]
    title(sh, "红星社区一户一档登记簿", len(header))
    recs = []
    first, second = hhs[:10], hhs[10:]
    for h in first:
        r = sh.row([f"户号：{h.no}　　所属网格：{h.grid}　　家庭住址：{h.address}"])
        sh.merge(r, 1, r, len(header))
        sh.row(header)
        for k, p in enumerate(h.members, 1):
            r = sh.row([k, p.name, rel_text(rng, p), gender_text(rng, p), "汉族", p.id18, date_text(rng, p.born),
                        phone_text(rng, p), pol_text(rng, p)])
            recs.append(rec(p, h, row=f"一户一档!{r}"))
        sh.blank()
        if rng.random() < 0.5:
            sh.blank()
    ws = wb.create_sheet("续表")
    sh = Sheet(ws)
    title(sh, "红星社区一户一档登记簿（续）", len(header))
    sh.row(header)
    for h in second:
        sh.row(["户主", h.members[0].name, "户号", h.no, "网格", h.grid, "家庭住址", h.address])
        for k, p in enumerate(h.members, 1):
            r = sh.row([k, p.name, rel_text(rng, p), gender_text(rng, p), "汉族", p.id18, date_text(rng, p.born),
                        phone_text(rng, p), pol_text(rng, p)])
            recs.append(rec(p, h, row=f"续表!{r}"))
        sh.blank()
    save_wb(wb, path)
    write_truth(path, recs, ["一户一档: a household line (户号/网格/家庭住址) above each household's members",
                             "blank rows between blocks, several blocks per sheet",
                             "sheet 1: the household line in one merged cell, the members' header repeated per block",
                             "sheet 2: header once; household line as label/value cells starting with 户主 | name",
                             "no 户号/网格/住址 columns: every household value comes from its block's line"])


# =============================================================================================
# 2. village registers
# =============================================================================================
def l02(rng):
    """A village register: 组别 (村民小组) instead of 网格, addresses like 三组12号, a 户主 column
    repeating the head's name on every member's row."""
    path = OUT / "石桥村村民花名册.xlsx"
    names = Names(rng)
    groups = [f"{CN_NUM[i]}组" for i in range(4)]
    numbers: dict[str, int] = {}

    def address(rng, i):
        return ""

    hhs = make_households(rng, names, 24, groups, address, hno("", 4))
    for h in hhs:
        numbers[h.grid] = numbers.get(h.grid, 0) + rng.randint(1, 4)
        h.address = f"{h.grid}{numbers[h.grid]}号"
        h.no = f"{groups.index(h.grid) + 1:02d}{numbers[h.grid]:03d}"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "村民花名册"
    sh = Sheet(ws)
    header = ["序号", "组别", "户号", "户主", "姓名", "与户主关系", "性别", "身份证号码", "出生日期", "联系电话", "家庭住址",
              "政治面貌"]
    title(sh, "石桥村村民花名册", len(header))
    sh.row(["填报单位：石桥镇石桥村村民委员会"])
    sh.row(header)
    recs = []
    for k, (h, p) in enumerate(_members(hhs), 1):
        r = sh.row([k, h.grid, h.no, h.members[0].name, p.name, rel_text(rng, p), gender_text(rng, p), p.id18,
                    date_text(rng, p.born, ("dash", "cn", "dot")), phone_text(rng, p), h.address, pol_text(rng, p)])
        recs.append(rec(p, h, row=f"村民花名册!{r}", expect={"tags": []}))
    save_wb(wb, path)
    write_truth(path, recs, ["village register: 组别 (一组 … 四组) is the grid", "addresses like 三组12号",
                             "户主 column repeating the head's name on every member row", "no tags column"])


# =============================================================================================
# 3. one sheet per 小区, address split over 楼栋/单元/房号
# =============================================================================================
def l03(rng):
    path = OUT / "翠湖社区分小区住户登记.xlsx"
    names = Names(rng)
    estates = ["翠湖花园", "锦绣苑", "阳光新村"]
    wb = openpyxl.Workbook()
    recs = []
    key = 0
    for si, estate in enumerate(estates):
        ws = wb.active if si == 0 else wb.create_sheet(estate)
        ws.title = estate
        sh = Sheet(ws)
        header = ["序号", "楼栋", "单元", "房号", "姓名", "与户主关系", "性别", "身份证号", "联系电话", "政治面貌"]
        title(sh, f"翠湖社区{estate}住户登记表", len(header))
        sh.row(header)
        hhs = make_households(rng, names, 8, [""], lambda rng, i: "", lambda i: "")
        used = set()
        for h in hhs:
            key += 1
            h.key = key
            while True:
                b, u, room = rng.randint(1, 12), rng.randint(1, 3), f"{rng.randint(1, 18)}0{rng.randint(1, 4)}"
                if (b, u, room) not in used:
                    used.add((b, u, room))
                    break
            b_text = rng.choice([str(b), f"{b}栋", f"{b}号楼"])
            u_text = rng.choice([str(u), f"{u}单元"])
            b_full = b_text if b_text.endswith(("栋", "楼")) else f"{b}栋"
            u_full = u_text if u_text.endswith("单元") else f"{u}单元"
            h.address = f"{estate}{b_full}{u_full}{room}室"
            for k, p in enumerate(h.members, 1):
                r = sh.row([k, b_text, u_text, room, p.name, rel_text(rng, p), gender_text(rng, p), p.id18,
                            phone_text(rng, p), pol_text(rng, p)])
                recs.append(rec(p, h, row=f"{estate}!{r}", expect={"tags": []}))
    save_wb(wb, path)
    write_truth(path, recs, ["one sheet per 小区 (the sheet's name), no 小区 or 网格 column",
                             "the address split over 楼栋/单元/房号 (3, 3栋, 3号楼 / 2, 2单元 / 501)",
                             "address = sheet name + 楼栋 + 单元 + 房号室; the sheet name is not a grid"])


# =============================================================================================
# 4. GB18030 tab-separated export with ="…" numbers
# =============================================================================================
def l04(rng):
    path = OUT / "新桥社区人口系统导出.txt"
    names = Names(rng)
    hhs = make_households(rng, names, 18, ["第一网格", "第二网格", "第三网格"], std_address(["新桥小区", "新桥家园"]),
                          hno("XQ", 5))
    strip(hhs, tags=True)
    rare = hhs[3].members[-1]
    rare.name = rare.name[0] + "䶮"            # 䶮 (CJK Ext. A): in GB18030, not in GBK
    names.used.add(rare.name)
    lines = ["\t".join(["户编号", "姓名", "与户主关系", "性别", "公民身份号码", "出生日期", "联系电话", "政治面貌",
                        "所属网格", "现住址"])]
    recs = []
    for h, p in _members(hhs):
        phone = phone_text(rng, p)
        lines.append("\t".join([h.no, p.name, rel_text(rng, p), p.gender, f'="{p.id18}"', p.born.strftime("%Y-%m-%d"),
                                f'="{phone}"' if phone else "", pol_text(rng, p), h.grid, h.address]))
        recs.append(rec(p, h, row=f"{path.stem}!{len(lines)}"))
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("gb18030"))
    write_truth(path, recs, ["GB18030 text (one name with 䶮, not in GBK), tab-separated, CRLF, .txt",
                             "ID numbers and phones wrapped as =\"…\" (the Excel-export habit)"])


# =============================================================================================
# 5. header far down, merged titles, dates in three forms in one column
# =============================================================================================
def l05(rng):
    path = OUT / "长青社区居民信息统计表.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 20, ["第一网格", "第二网格"], std_address(["长青小区", "长青苑"]), hno("CQ", 4))
    strip(hhs, tags=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "居民信息"
    sh = Sheet(ws)
    header = ["序号", "户号", "网格", "姓名", "与户主关系", "性别", "出生日期", "身份证号", "联系电话", "住址", "政治面貌"]
    width = len(header)
    title(sh, "长青社区居民信息统计表", width)
    r = sh.row(["（2024年度）"])
    sh.merge(r, 1, r, width)
    r = sh.row(["填报单位（盖章）：长青街道长青社区居民委员会"])
    sh.merge(r, 1, r, 6)
    sh.row(["填报日期：2024年7月1日", None, None, None, None, None, None, None, "单位：人、户"])
    sh.blank()
    r = sh.row(["说明：1. 本表由社区网格员填写；2. 出生日期按身份证填写；3. 住址填写实际居住地址。"])
    sh.merge(r, 1, r, width)
    sh.row(header)                           # row 7
    recs = []
    for k, (h, p) in enumerate(_members(hhs), 1):
        style = rng.choice(["custom", "text", "serial"])
        if style == "custom":
            born, fmt = datetime(p.born.year, p.born.month, p.born.day), 'yyyy"年"m"月"d"日"'
        elif style == "text":
            born, fmt = f"{p.born.year}.{p.born.month}.{p.born.day}", None
        else:
            born, fmt = (p.born - date(1899, 12, 30)).days, None
        r = sh.row([k, h.no, h.grid, p.name, rel_text(rng, p), gender_text(rng, p), born, p.id18, phone_text(rng, p),
                    h.address, pol_text(rng, p)])
        if fmt:
            ws.cell(row=r, column=7).number_format = fmt
        recs.append(rec(p, h, row=f"居民信息!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["six title rows (two merged across the table, a 说明 line), header on row 7",
                             "出生日期: custom-format date cells (yyyy年m月d日), text 1990.3.7 and bare serial numbers"])


# =============================================================================================
# 6. 流动人口 with landlord and 居住证 columns
# =============================================================================================
def l06(rng):
    path = OUT / "平安里社区流动人口登记表.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 16, ["第一网格"], std_address(["平安里小区", "平安公寓"]), lambda i: "")
    strip(hhs, tags=True, political=True)
    wb = openpyxl.Workbook()
    recs = []
    sheets = [("流动人员登记", hhs[:8]), ("暂住人口登记", hhs[8:])]
    for si, (sheet, part) in enumerate(sheets):
        ws = wb.active if si == 0 else wb.create_sheet(sheet)
        ws.title = sheet
        sh = Sheet(ws)
        if si == 0:
            header = ["序号", "姓名", "性别", "民族", "公民身份号码", "户籍地址", "现居住地址", "本人联系电话", "与户主关系",
                      "居住证号码", "居住证有效期至", "房东姓名", "房东联系电话", "来本地日期"]
        else:
            header = ["序号", "流动人员姓名", "性别", "身份证号", "手机号码", "与户主关系", "暂住地址", "居住证编号",
                      "房东姓名/电话", "出租人身份证号"]
        title(sh, f"平安里社区{sheet}表", len(header))
        sh.row(header)
        seq = 0
        for h in part:
            landlord = names.make(rng.choice("男女"))
            lphone = mobile(rng)
            l_id = make_id(rng, rand_date(rng, 1950, 1985), rng.choice("男女"))
            origin = rng.choice(["河南省周口市川汇区", "山东省菏泽市牡丹区", "安徽省阜阳市颍州区"]) + f"{rng.randint(1, 99)}号"
            for p in h.members:
                seq += 1
                permit = f"{rng.randint(1301, 1399)}{rng.randint(10 ** 9, 10 ** 10 - 1)}"
                if si == 0:
                    values = [seq, p.name, p.gender, "汉族", p.id18, origin, h.address, phone_text(rng, p), rel_text(rng, p),
                              permit, f"20{rng.randint(25, 29)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                              landlord, lphone, f"20{rng.randint(15, 23)}-{rng.randint(1, 12):02d}-01"]
                else:
                    values = [seq, p.name, p.gender, p.id18, phone_text(rng, p), rel_text(rng, p), h.address, permit,
                              f"{landlord}/{lphone}", l_id]
                r = sh.row(values)
                recs.append(rec(p, h, row=f"{sheet}!{r}", expect={"grid": ""}, accept={"tags": [["流动人口"]]}))
    save_wb(wb, path)
    write_truth(path, recs, ["流动人口 registers on two sheets named 流动人员登记 / 暂住人口登记 (not grids)",
                             "房东姓名 / 房东联系电话 / 房东姓名/电话 / 出租人身份证号: never the resident's own",
                             "居住证号码 / 居住证编号 / 居住证有效期至: not the resident's ID",
                             "流动人员姓名 is the name column"],
                ["grid: none (no grid column, the sheet names are population kinds)",
                 "tags: [] (no tags column); ['流动人口'] accepted as a reading of the sheet"])


# =============================================================================================
# 7. only 年龄, partially masked IDs
# =============================================================================================
def l07(rng):
    path = OUT / "白云社区老年人信息表（部分脱敏）.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 18, ["第一网格", "第二网格"], std_address(["白云小区", "白云里"]), hno("BY", 4))
    strip(hhs, tags=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "老年人信息"
    sh = Sheet(ws)
    header = ["序号", "户号", "网格", "姓名", "性别", "年龄", "身份证号", "与户主关系", "联系电话", "家庭住址", "政治面貌"]
    title(sh, "白云社区居民信息表（部分脱敏）", len(header))
    sh.row(header)
    recs = []
    for k, (h, p) in enumerate(_members(hhs), 1):
        masked = rng.random() < 0.4
        id_text = f"{p.id18[:6]}********{p.id18[14:]}" if masked else p.id18
        r = sh.row([k, h.no, h.grid, p.name, p.gender, p.age, id_text, rel_text(rng, p), phone_text(rng, p), h.address,
                    pol_text(rng, p)])
        if masked:
            recs.append(rec(p, h, row=f"老年人信息!{r}", expect={"id_number": None, "birth_date": None},
                            expect_flags=["id_invalid"]))
        else:
            recs.append(rec(p, h, row=f"老年人信息!{r}"))
    save_wb(wb, path)
    write_truth(path, recs, ["年龄 only, no birth-date column", "about 40% of IDs masked 110101********1234"],
                ["a masked ID is flagged (id_invalid) and stored as none; its birth date is not taken from the "
                 "visible digits nor from 年龄: none is stored"])


# =============================================================================================
# 8. BIFF8 .xls with two-row merged group headers
# =============================================================================================
def l08(rng):
    import xlwt

    path = OUT / "东城社区居民基本信息表.xls"
    names = Names(rng)
    hhs = make_households(rng, names, 18, ["第一网格", "第二网格"], std_address(["东城小区", "东城花园"]), hno("DC", 4))
    strip(hhs, tags=True)
    wb = xlwt.Workbook(encoding="utf-8")
    ws = wb.add_sheet("基本信息")
    bold = xlwt.easyxf("font: bold on; align: horiz center, vert center")
    day = xlwt.easyxf(num_format_str="yyyy-mm-dd")
    text = xlwt.easyxf(num_format_str="@")
    lone = ["序号", "户号", "网格"]
    basic = ["姓名", "与户主关系", "性别", "出生日期", "身份证号", "政治面貌"]
    contact = ["联系电话", "家庭住址"]
    width = len(lone) + len(basic) + len(contact)
    ws.write_merge(0, 0, 0, width - 1, "东城社区居民基本信息表", bold)
    for c, label in enumerate(lone):
        ws.write_merge(1, 2, c, c, label, bold)
    ws.write_merge(1, 1, len(lone), len(lone) + len(basic) - 1, "基本信息", bold)
    ws.write_merge(1, 1, len(lone) + len(basic), width - 1, "联系方式", bold)
    for c, label in enumerate(basic + contact, len(lone)):
        ws.write(2, c, label, bold)
    recs = []
    r = 3
    for k, (h, p) in enumerate(_members(hhs), 1):
        values = [k, h.no, h.grid, p.name, rel_text(rng, p), gender_text(rng, p), p.born, p.id18, pol_text(rng, p),
                  phone_text(rng, p), h.address]
        for c, v in enumerate(values):
            if isinstance(v, date):
                ws.write(r, c, datetime(v.year, v.month, v.day), day)
            elif c == 7:
                ws.write(r, c, v, text)
            else:
                ws.write(r, c, v)
        r += 1
        recs.append(rec(p, h, row=f"基本信息!{r}"))
    wb.save(str(path))
    write_truth(path, recs, ["real BIFF8 .xls (written by xlwt)", "title row merged across the table",
                             "two-row header: 基本信息 merged over 姓名…政治面貌, 联系方式 over 联系电话/家庭住址, "
                             "序号/户号/网格 merged down over both rows", "birth dates as date cells"])


# =============================================================================================
# 9. one household per row, members in repeated column groups
# =============================================================================================
def l09(rng):
    path = OUT / "晨光社区家庭成员信息表.xlsx"
    names = Names(rng)
    hhs = make_households(rng, names, 16, ["第一网格", "第二网格"], std_address(["晨光小区", "晨光家园"]), hno("CG", 4))
    strip(hhs, tags=True, political=True)
    groups = 4
    for h in hhs:
        h.members = h.members[:1 + groups]
        for p in h.members[1:]:
            p.phone = p.phone[:1]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "家庭成员"
    sh = Sheet(ws)
    cols = ["序号", "户号", "所属网格", "家庭住址", "户主姓名", "户主身份证号", "户主联系电话"]
    for n in range(1, groups + 1):
        cols += [f"成员{n}姓名", f"成员{n}与户主关系", f"成员{n}身份证号", f"成员{n}联系电话"]
    cols.append("家庭人口数")
    title(sh, "晨光社区家庭成员信息表", len(cols))
    sh.row(cols)
    recs = []
    for i, h in enumerate(hhs, 1):
        head = h.members[0]
        vals = [i, h.no, h.grid, h.address, head.name, head.id18, phone_text(rng, head)]
        for n in range(groups):
            if n + 1 < len(h.members):
                p = h.members[n + 1]
                vals += [p.name, rel_text(rng, p), p.id18, phone_text(rng, p)]
            else:
                vals += ["", "", "", ""]
        vals.append(len(h.members))
        r = sh.row(vals)
        recs += [rec(p, h, row=f"家庭成员!{r}") for p in h.members]
    save_wb(wb, path)
    write_truth(path, recs, ["one household per row: 户主姓名/户主身份证号/户主联系电话, then 成员1–4 "
                             "姓名/与户主关系/身份证号/联系电话", "empty member groups", "家庭人口数 column"],
                ["members' gender and birth date come from their IDs"])


def main() -> None:
    import json

    OUT.mkdir(parents=True, exist_ok=True)
    registers = (".xlsx", ".xls", ".csv", ".txt", ".json")
    for old in OUT.iterdir():
        if old.is_file() and old.suffix in registers:
            old.unlink()
    for i, fn in enumerate([l01, l02, l03, l04, l05, l06, l07, l08, l09], 1):
        fn(random.Random(3000 + i))
    for p in sorted(OUT.iterdir()):
        if p.suffix in registers and not p.name.endswith(".truth.json"):
            t = json.loads(Path(str(p) + ".truth.json").read_text(encoding="utf-8"))
            print(f"{p.name}: {t['residents']} residents, {t['households']} households")


if __name__ == "__main__":
    main()
