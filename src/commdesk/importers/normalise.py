"""Cell values to canonical field values: names, dates, gender, political status, relations, tags.

Each function takes whatever a reader hands over (str, float, int, date, datetime, None) and
returns the canonical value, or raises nothing: a value that cannot be understood comes back
as ``None`` (or the raw text) and the caller records a problem. Nothing here guesses.
"""
from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta
from functools import lru_cache

from commdesk.models.household import POLITICAL_STATUSES, RELATIONS, RESIDENT_TAGS

_EXCEL_EPOCH = date(1899, 12, 30)
_SPACES = re.compile(r"[\s\u3000\u00a0\u200b\ufeff]+")
#: a bracketed note inside a cell: 群众（默认）, 本人(户主), 第二网格（网格员：李娜）
BRACKETED = re.compile(r"[(（\[【][^)）\]】]*[)）\]】]")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_EMPTY_MARKS = {"", "-", "--", "—", "——", "/", "\\", "无", "空", "null", "none", "nan", "n/a", "#n/a", "/无"}


def text(value: object) -> str:
    """Plain text of a cell: numbers without ``.0``, dates ISO, whitespace trimmed."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip().replace("\u3000", " ").strip()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def is_blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip() or value.strip().lower() in _EMPTY_MARKS
    return False


def folded(value: object) -> str:
    """Text with full-width letters/digits folded (NFKC) and all whitespace removed."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text(value)))


# --- names -------------------------------------------------------------------------------------

_NAME_NOTE = re.compile(r"\s*[(（]([^)）\d]{1,10})[)）]\s*$")   # 宋伟浩(外出), 杜超文（已故）


def name_note(value: str) -> tuple[str, str]:
    """(name, note) for a name cell ending in a bracketed note; (value, "") otherwise."""
    m = _NAME_NOTE.search(value)
    if m is None or not value[:m.start()].strip():
        return value, ""
    return value[:m.start()], m.group(1).strip()


#: Invisible characters a name never holds: C0/C1 controls, bidi overrides and isolates (U+202A–
#: U+202E, U+2066–U+2069, which reorder what is shown), zero-width and other format characters.
_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e"
                        "\u2060-\u206f\ufeff\ufff9-\ufffb]")


def invisible_chars(value: str) -> bool:
    return bool(_INVISIBLE.search(value))


@lru_cache(maxsize=65536)
def _name(raw: str) -> str:
    raw = _INVISIBLE.sub("", unicodedata.normalize("NFKC", raw)).strip()
    if _CJK.search(raw):
        return _SPACES.sub("", raw)
    return _SPACES.sub(" ", raw)


_PLAIN_NAME = re.compile(r"[\u4e00-\u9fff]{1,30}")   # unified ideographs only: NFKC leaves them as they are


def name(value: object) -> str:
    """Trimmed; spaces inside Chinese names (``王　芳``) removed; Latin names keep one space."""
    if value is None:
        return ""
    raw = value if isinstance(value, str) else text(value)
    return _name(raw)


_PLACEHOLDER_NAME = re.compile(r"^[\s\-—_=*.·/\\]*$")


def looks_like_name(value: str) -> bool:
    return bool(value) and not _PLACEHOLDER_NAME.match(value) and len(value) <= 30


_UNUSUAL_NAME = re.compile(r"[=+@|<>{}\[\]$%^&;\"'`~#!?0-9]")
#: what a name is written with: CJK ideographs (with the extensions), Latin letters (a foreign
#: resident's name, accents included), the middle dot of transliterated names, spaces, hyphen, dot
_NAME_CHARS = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff\U00020000-\U0003134f\u3007A-Za-z\u00c0-\u024f"
                         r"·•‧・\s.\-']*$")


def unusual_name(value: str) -> bool:
    """Digits, formula or markup characters, emoji and other symbols: not how a person's name is
    written (the name is kept as written and flagged for review)."""
    return bool(_UNUSUAL_NAME.search(value)) or not _NAME_CHARS.match(value)


def name_problem(raw: object, name: str) -> str:
    """Why a name cell cannot be a resident's name: ``name_too_long``, ``name_invisible`` (only
    control or format characters), or ``missing_name`` (empty or a placeholder such as ——)."""
    if len(name) > 30:
        return "name_too_long"
    if not name and isinstance(raw, str) and raw.strip() and not _INVISIBLE.sub("", raw).strip():
        return "name_invisible"
    return "missing_name"


# --- dates -------------------------------------------------------------------------------------

_YMD = re.compile(r"^(\d{4})\s*[-年./\\]\s*(\d{1,2})\s*[-月./\\]\s*(\d{1,2})\s*日?(?:[\sT]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_YMD8 = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM = re.compile(r"^(\d{4})\s*[-年./\\]\s*(\d{1,2})\s*月?$|^(\d{4})(\d{2})$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")


def _serial(number: float) -> date | None:
    if 1 <= number < 2958466:
        return _EXCEL_EPOCH + timedelta(days=int(number))
    return None


def _valid(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


@lru_cache(maxsize=65536)
def _parse_date_text(raw: str) -> tuple[date | None, str]:
    if len(raw) == 10 and raw.isascii() and raw[4] in "-./" and raw[7] == raw[4] and raw[:4].isdigit() \
            and raw[5:7].isdigit() and raw[8:].isdigit():    # 1990-03-07, 1990.03.07, 1990/03/07: as _YMD reads them
        got = _valid(int(raw[:4]), int(raw[5:7]), int(raw[8:]))
        return got, "" if got else "invalid"
    s = unicodedata.normalize("NFKC", raw).strip()
    if not s:
        return None, ""
    m = _YMD.match(s)
    if m:
        got = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return got, "" if got else "invalid"
    m = _YMD8.match(s)
    if m:
        got = _valid(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        return got, "" if got else "invalid"
    m = _DMY.match(s)
    if m:
        first, second, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if first > 12 >= second:
            got = _valid(year, second, first)
            return got, "" if got else "invalid"
        if second > 12 >= first:
            got = _valid(year, first, second)
            return got, "" if got else "invalid"
        return None, "ambiguous"
    if _YM.match(s):
        return None, "partial"
    if re.fullmatch(r"\d{4,5}(?:\.0+)?", s):
        number = float(s)
        if number > 3000:  # a serial number written as text (a bare year is not a date)
            return _serial(number), ""
        return None, "partial"
    return None, "invalid"


def parse_date(value: object) -> tuple[date | None, str]:
    """(date, problem) with problem "", "invalid", "partial" (year/month only) or "ambiguous"."""
    if value is None:
        return None, ""
    if isinstance(value, datetime):
        return value.date(), ""
    if isinstance(value, date):
        return value, ""
    if isinstance(value, bool):
        return None, "invalid"
    if isinstance(value, (int, float)):
        number = float(value)
        if 19000101 <= number <= 21001231 and number.is_integer():
            return _parse_date_text(str(int(number)))
        if 1800 <= number < 2200:     # a year (1972) or 出生年月 typed as a number (1972.02, 1990.1), not a
            return None, "partial"    # serial: those days are in 1904–1906

        got = _serial(number)
        return got, "" if got else "invalid"
    if isinstance(value, timedelta):
        return None, "invalid"
    return _parse_date_text(str(value))


# --- gender, political status, relation, ethnicity, tags -----------------------------------------

_GENDER = {"男": "男", "女": "女", "男性": "男", "女性": "女", "m": "男", "f": "女", "male": "男", "female": "女",
           "男士": "男", "女士": "女", "1": "男", "2": "女", "乾": "男", "坤": "女"}


def gender(value: object) -> tuple[str, bool]:
    """(canonical gender or "", understood)."""
    s = folded(value).lower()
    if not s:
        return "", True
    got = _GENDER.get(s)
    return (got, True) if got else ("", False)


_POLITICAL = {
    "中共党员": "中共党员", "党员": "中共党员", "共产党员": "中共党员", "中国共产党党员": "中共党员", "正式党员": "中共党员",
    "中共正式党员": "中共党员", "中国共产党员": "中共党员", "党": "中共党员", "中共": "中共党员",
    "中共预备党员": "中共预备党员", "预备党员": "中共预备党员", "中国共产党预备党员": "中共预备党员",
    "共青团员": "共青团员", "团员": "共青团员", "共青团": "共青团员", "中国共产主义青年团团员": "共青团员",
    "民主党派": "民主党派", "民主党派成员": "民主党派", "民革": "民主党派", "民革党员": "民主党派", "民盟": "民主党派",
    "民盟盟员": "民主党派", "民建": "民主党派", "民建会员": "民主党派", "民进": "民主党派", "民进会员": "民主党派",
    "农工党": "民主党派", "农工党党员": "民主党派", "致公党": "民主党派", "致公党党员": "民主党派",
    "九三学社": "民主党派", "九三学社社员": "民主党派", "台盟": "民主党派", "台盟盟员": "民主党派",
    "群众": "群众", "普通群众": "群众", "居民": "群众", "农民": "群众",
}
assert set(_POLITICAL.values()) <= set(POLITICAL_STATUSES)


def political(value: object) -> tuple[str, bool]:
    """(canonical status, understood). Blank → 群众 (understood). A bracketed note is read too:
    群众（默认） is 群众, 中共党员（预备） a probationary member."""
    s = folded(value)
    if is_blank(s):
        return "群众", True
    got = _POLITICAL.get(s)
    if got is None and BRACKETED.search(s):
        got = _POLITICAL.get(BRACKETED.sub("", s))
        if got == "中共党员" and "预备" in s:
            got = "中共预备党员"
    return (got, True) if got else (s[:10], False)


_RELATION = {
    "户主": "户主", "本人": "户主", "户主本人": "户主", "本人户主": "户主", "户长": "户主",
    "配偶": "配偶", "妻": "配偶", "妻子": "配偶", "夫": "配偶", "丈夫": "配偶", "爱人": "配偶", "老伴": "配偶",
    "夫妻": "配偶", "之妻": "配偶", "之夫": "配偶",
    "子": "子", "儿子": "子", "长子": "子", "次子": "子", "三子": "子", "四子": "子", "五子": "子", "独子": "子",
    "养子": "子", "继子": "子", "之子": "子", "儿": "子",
    "女": "女", "女儿": "女", "长女": "女", "次女": "女", "三女": "女", "四女": "女", "五女": "女", "独女": "女",
    "养女": "女", "继女": "女", "之女": "女",
    "儿媳": "儿媳", "儿媳妇": "儿媳", "媳妇": "儿媳", "长媳": "儿媳", "次媳": "儿媳", "长子媳": "儿媳",
    "次子媳": "儿媳", "三子媳": "儿媳", "子媳": "儿媳", "次孙女": "孙女", "次孙": "孙子", "次孙子": "孙子",
    "长孙子": "孙子",
    "女婿": "女婿", "孙子": "孙子", "孙": "孙子", "长孙": "孙子", "孙女": "孙女", "长孙女": "孙女",
    "外孙子": "外孙子", "外孙": "外孙子", "外孙女": "外孙女",
    "父亲": "父亲", "父": "父亲", "爸爸": "父亲", "母亲": "母亲", "母": "母亲", "妈妈": "母亲",
    "岳父": "岳父", "岳母": "岳母", "公公": "公公", "婆婆": "婆婆",
    "兄弟": "兄弟", "兄": "兄弟", "弟": "兄弟", "哥哥": "兄弟", "弟弟": "兄弟", "哥": "兄弟",
    "姐妹": "姐妹", "姐": "姐妹", "妹": "姐妹", "姐姐": "姐妹", "妹妹": "姐妹",
    "祖父母": "祖父母", "祖父": "祖父母", "祖母": "祖父母", "爷爷": "祖父母", "奶奶": "祖父母",
    "外祖父": "祖父母", "外祖母": "祖父母", "外公": "祖父母", "外婆": "祖父母", "姥爷": "祖父母", "姥姥": "祖父母",
    "其他": "其他", "其它": "其他", "其他亲属": "其他",
}
assert set(_RELATION.values()) <= set(RELATIONS)


_HEAD_OF = re.compile(r"^户主(?:之|的)")


def relation(value: object) -> str:
    """Canonical relation where one exists, else the text as written (never a guess)."""
    s = folded(value)
    if is_blank(s):
        return ""
    if s.startswith("户主") and len(s) <= 3:
        return "户主"
    got = _RELATION.get(s)
    if got is not None:
        return got
    bare = BRACKETED.sub("", s)
    if "户主" in s and bare in ("本人", "户主", ""):      # 本人(户主), 户主(本人)
        return "户主"
    bare = _HEAD_OF.sub("", bare)                         # 户主之妻 → 妻
    return _RELATION.get(bare, s[:10])


def ethnicity(value: object) -> str:
    s = folded(value)
    if is_blank(s):
        return ""
    if not s.endswith("族") and len(s) <= 3 and _CJK.match(s) and s not in ("穿青人",):
        s += "族"
    return s[:20]


_TAG_SPLIT = re.compile(r"[、，,/;；|\\＋+]+")
_SPACES_IN_TAGS = re.compile(r"\s+")
_TAGS = {
    "低保": "低保", "低保户": "低保", "城市低保": "低保", "农村低保": "低保", "最低生活保障": "低保", "低保对象": "低保",
    "特困供养": "特困供养", "特困": "特困供养", "特困人员": "特困供养", "特困户": "特困供养", "五保": "特困供养",
    "五保户": "特困供养", "分散供养特困": "特困供养", "特困供养人员": "特困供养",
    "独居老人": "独居老人", "独居": "独居老人", "空巢老人": "空巢老人", "空巢": "空巢老人",
    "高龄老人": "高龄老人", "高龄": "高龄老人", "残疾人": "残疾人", "残疾": "残疾人", "残疾人员": "残疾人",
    "退役军人": "退役军人", "退伍军人": "退役军人", "复员军人": "退役军人", "转业军人": "退役军人",
    "留守儿童": "留守儿童", "重点优抚对象": "重点优抚对象", "优抚对象": "重点优抚对象", "优抚": "重点优抚对象",
    "流动人口": "流动人口", "外来人口": "流动人口", "流动人员": "流动人口",
    "失能失智": "失能失智", "失能": "失能失智", "失智": "失能失智", "失能老人": "失能失智",
}
assert set(_TAGS.values()) <= set(RESIDENT_TAGS)
#: Every word that names a key group (the headers of tick columns: 低保, 是否低保).
TAG_WORDS = tuple(_TAGS) + tuple(f"是否{w}" for w in _TAGS)
_NOT_TICKED = {"否", "不是", "无", "没有", "×", "✗", "✘", "0", "n", "no", "false", "非"}


def tag_of_header(label: str) -> str:
    """The key group a tick column's header names (its own text when it is not a known one)."""
    word = _SPACES.sub("", unicodedata.normalize("NFKC", label))
    word = word[2:] if word.startswith("是否") else word
    return _TAGS.get(word, word[:20])


def ticked(value: object) -> bool:
    """A tick column's cell says yes: √, ✓, 是, 1, 一级 … anything but blank and a no."""
    if value is None or value is False:
        return False
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value != 0
    s = folded(value).lower()
    return bool(s) and not is_blank(s) and s not in _NOT_TICKED


@lru_cache(maxsize=4096)
def _tags(raw: str) -> tuple[str, ...]:
    out: list[str] = []
    for part in _TAG_SPLIT.split(unicodedata.normalize("NFKC", raw)):
        joined = _SPACES_IN_TAGS.sub("", part)
        # spaces separate tags too, unless they sit inside one (空巢 老人)
        for piece in [joined] if joined in _TAGS else _SPACES_IN_TAGS.split(part):
            piece = piece.strip()
            if is_blank(piece) or piece in ("否", "是"):
                continue
            tag = _TAGS.get(piece, piece[:20])
            if tag not in out:
                out.append(tag)
    return tuple(sorted(out))


def tags(value: object) -> tuple[str, ...]:
    """Key-group tags split on 、，,/ and spaces, synonyms made canonical, sorted."""
    if value is None:
        return ()
    return _tags(text(value))


_HUKOU = {"户籍": "户籍", "常住": "户籍", "户籍人口": "户籍", "常住人口": "户籍", "本地": "户籍", "本地户籍": "户籍",
          "流动": "流动", "流动人口": "流动", "暂住": "流动", "外来": "流动", "外来人口": "流动", "寄住": "流动",
          "境外": "境外", "境外人员": "境外", "外籍": "境外"}


def hukou_type(value: object) -> str:
    s = folded(value)
    if is_blank(s):
        return ""
    return _HUKOU.get(s, "")


_HOUSING = {"自有": "自有", "自有住房": "自有", "自住": "自有", "产权房": "自有", "租住": "租住", "租房": "租住",
            "租赁": "租住", "出租": "租住", "借住": "借住", "寄住": "借住"}


def housing(value: object) -> str:
    s = folded(value)
    return _HOUSING.get(s, "其他" if s and not is_blank(s) else "")


def short_text(value: object, limit: int) -> str:
    s = text(value)
    return "" if is_blank(s) else s[:limit]
