"""Pinyin keys for search-as-you-type: ``name_keys("张三") == ("zs", "zhangsan")``.

pypinyin is imported lazily (it loads large dictionaries). Readings are cached per character;
a run of Han characters containing a polyphonic character (长, 重, 乐…) that is part of a
phrase in pypinyin's dictionary is read as a whole (also cached) so that the phrase picks the
right reading: 张长江 → zcj.
Surnames have their own readings (单 shan, 曾 zeng, 解 xie…), applied to the first character
or compound surname of a name only.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

__all__ = ["name_keys", "text_initials"]

COMPOUND_SURNAMES: dict[str, tuple[str, str]] = {
    "尉迟": ("yu", "chi"), "长孙": ("zhang", "sun"), "万俟": ("mo", "qi"), "单于": ("chan", "yu"),
    "令狐": ("ling", "hu"), "欧阳": ("ou", "yang"), "上官": ("shang", "guan"), "司马": ("si", "ma"),
    "诸葛": ("zhu", "ge"), "皇甫": ("huang", "fu"), "澹台": ("tan", "tai"), "公孙": ("gong", "sun"),
    "慕容": ("mu", "rong"), "东方": ("dong", "fang"), "夏侯": ("xia", "hou"), "宇文": ("yu", "wen"),
    "呼延": ("hu", "yan"), "端木": ("duan", "mu"), "闻人": ("wen", "ren"), "西门": ("xi", "men"),
    "南宫": ("nan", "gong"),
}
SURNAMES: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "区": "ou", "查": "zha",
    "盖": "ge", "华": "hua", "黑": "he", "缪": "miao", "乐": "yue", "覃": "qin", "翟": "zhai",
    "秘": "bi", "种": "chong", "繁": "po", "员": "yun", "能": "nai", "句": "gou", "召": "shao",
    "柏": "bai", "任": "ren", "沈": "shen", "石": "shi", "长": "chang", "重": "chong", "宿": "su",
    "冼": "xian", "折": "she", "尉": "yu", "逄": "pang", "隗": "wei", "郇": "huan", "汤": "tang",
    "贲": "ben", "眭": "sui", "谌": "chen", "阚": "kan", "那": "na", "藏": "zang", "薄": "bo",
    "车": "che", "燕": "yan", "应": "ying", "纪": "ji", "祭": "zhai", "相": "xiang", "曲": "qu",
    "叶": "ye", "秦": "qin", "万": "wan", "都": "du", "蔚": "yu", "卜": "bu", "过": "guo",
    "舍": "she", "隽": "juan", "牟": "mou", "莘": "shen", "粘": "nian", "郦": "li",
}


_DROP, _ASCII, _HAN, _POLY = 0, 1, 2, 3  # kinds of character


@lru_cache(maxsize=16384)
def _char_reading(ch: str) -> tuple[str, int]:
    """(reading, kind) of one character; full-width letters/digits count as ASCII."""
    folded = unicodedata.normalize("NFKC", ch)
    if len(folded) == 1 and folded.isascii():
        return (folded.lower(), _ASCII) if folded.isalnum() else ("", _DROP)
    if ch.isspace() or ch.isascii():
        return "", _DROP
    from pypinyin import Style, pinyin

    readings = pinyin(ch, style=Style.NORMAL, heteronym=True, errors="ignore")
    if not readings or not readings[0] or not readings[0][0].isascii():
        return "", _DROP
    default = pinyin(ch, style=Style.NORMAL, heteronym=False, errors="ignore")[0][0]
    return default, _POLY if len(set(readings[0])) > 1 else _HAN


@lru_cache(maxsize=4096)
def _run_readings(run: str) -> tuple[str, ...]:
    """Context-aware readings of a run of Han characters (used when one is polyphonic)."""
    from pypinyin import Style, pinyin

    result = pinyin(run, style=Style.NORMAL, heteronym=False, errors="ignore")
    if len(result) != len(run):  # unexpected segmentation: fall back to single characters
        return tuple(_char_reading(ch)[0] for ch in run)
    return tuple(item[0] for item in result)


@lru_cache(maxsize=1)
def _phrases() -> dict | None:
    try:
        from pypinyin.constants import PHRASES_DICT
    except ImportError:  # pragma: no cover - layout of another pypinyin version
        return None
    return PHRASES_DICT


def _in_phrase(run: str) -> bool:
    """Whether part of ``run`` is in pypinyin's phrase dictionary (so context may matter)."""
    phrases = _phrases()
    if phrases is None:  # pragma: no cover
        return True
    size = len(run)
    if size == 2:  # the usual given name
        return run in phrases
    return any(run[i:j] in phrases for i in range(size - 1) for j in range(i + 2, min(size, i + 8) + 1))


def _han_run(run: str, readings: list[str], polyphonic: bool) -> list[str]:
    if polyphonic and len(run) > 1 and _in_phrase(run):
        return list(_run_readings(run))
    return readings


def _syllables(text: str) -> list[str]:
    """One reading per kept character of ``text`` (ASCII letters/digits are their own reading)."""
    out: list[str] = []
    run_start, readings, polyphonic = 0, [], False  # pending run of Han characters
    for index, ch in enumerate(text):
        reading, kind = _char_reading(ch)
        if kind >= _HAN:
            if not readings:
                run_start = index
            readings.append(reading)
            polyphonic = polyphonic or kind == _POLY
            continue
        if readings:
            out += _han_run(text[run_start:index], readings, polyphonic)
            readings, polyphonic = [], False
        if reading:
            out.append(reading)
    if readings:
        out += _han_run(text[run_start:], readings, polyphonic)
    return out


def _keys(syllables: list[str]) -> tuple[str, str]:
    return "".join(s[0] for s in syllables), "".join(syllables)


def name_keys(name: str) -> tuple[str, str]:
    """(initials, full pinyin) of a person's name, lowercase ASCII, surname readings applied."""
    name = (name or "").strip()
    head: list[str] = []
    if name[:2] in COMPOUND_SURNAMES:
        head, name = list(COMPOUND_SURNAMES[name[:2]]), name[2:]
    elif name[:1] in SURNAMES:
        head, name = [SURNAMES[name[:1]]], name[1:]
    return _keys(head + _syllables(name))


def text_initials(text: str) -> str:
    """Initials of any text (no surname readings): ``"居委会2号楼" -> "jwh2hl"``."""
    return _keys(_syllables(text or ""))[0]
