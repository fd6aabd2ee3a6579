"""Pinyin search keys for names and free text."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from commdesk.search import pinyin
from commdesk.search.pinyin import COMPOUND_SURNAMES, SURNAMES, name_keys, text_initials

KEY = re.compile(r"[a-z0-9]*")


@pytest.mark.parametrize(
    ("name", "initials", "full"),
    [
        ("张三", "zs", "zhangsan"),
        ("李四", "ls", "lisi"),
        ("单雄信", "sxx", "shanxiongxin"),
        ("曾国藩", "zgf", "zengguofan"),
        ("解缙", "xj", "xiejin"),
        ("仇英", "qy", "qiuying"),
        ("欧阳修", "oyx", "ouyangxiu"),
        ("司马光", "smg", "simaguang"),
        ("诸葛亮", "zgl", "zhugeliang"),
        ("尉迟恭", "ycg", "yuchigong"),
        ("长孙无忌", "zswj", "zhangsunwuji"),
        ("万俟卨", "mqx", "moqixie"),
        ("吕布", "lb", "lvbu"),
        ("张长江", "zcj", "zhangchangjiang"),  # 长江 read as a phrase
    ],
)
def test_names(name: str, initials: str, full: str) -> None:
    assert name_keys(name) == (initials, full)


@pytest.mark.parametrize(("name", "start"), [("朴槿", "piao"), ("区伟", "ou"), ("查良镛", "zha"),
                                             ("盖聂", "ge"), ("乐毅", "yue"), ("翟强", "zhai"),
                                             ("单于", "chanyu"), ("尉缭", "yu")])
def test_surname_readings(name: str, start: str) -> None:
    assert name_keys(name)[1].startswith(start)


def test_every_surname_in_the_tables() -> None:
    for surname, reading in SURNAMES.items():
        assert name_keys(surname + "一") == (reading[0] + "y", reading + "yi"), surname
    for surname, readings in COMPOUND_SURNAMES.items():
        keys = name_keys(surname + "一")
        assert keys == (readings[0][0] + readings[1][0] + "y", "".join(readings) + "yi"), surname


def test_override_applies_to_the_first_character_only() -> None:
    assert name_keys("张单") == ("zd", "zhangdan")
    assert name_keys("单单") == ("sd", "shandan")
    assert name_keys("王曾")[1] == "wangceng"
    assert name_keys("曾曾")[1] == "zengceng"
    assert text_initials("单雄信") == "dxx"  # free text: no surname reading
    assert text_initials("曾国藩") == "cgf"


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("张三ABC123", ("zsabc123", "zhangsanabc123")),
        ("Tom李", ("toml", "tomli")),
        ("张 三", ("zs", "zhangsan")),
        ("  张三\u3000", ("zs", "zhangsan")),
        ("张\u3000三", ("zs", "zhangsan")),
        ("Ａ座", ("az", "azuo")),
        ("阿卜杜·热合曼", ("abdrhm", None)),
        ("张三（小）", ("zsx", "zhangsanxiao")),
        ("", ("", "")),
        ("   ", ("", "")),
        ("·-!", ("", "")),
        ("😀李", ("l", "li")),
    ],
)
def test_mixed_text(text: str, keys: tuple[str, str | None]) -> None:
    initials, full = name_keys(text)
    assert initials == keys[0]
    if keys[1] is not None:
        assert full == keys[1]


def test_text_initials() -> None:
    assert text_initials("居委会2号楼") == "jwh2hl"
    assert text_initials("") == ""
    assert text_initials("A栋 3单元") == "ad3dy"


def test_import_is_cheap() -> None:
    code = "import sys, commdesk.search.pinyin; sys.exit('pypinyin' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


def test_readings_are_cached_per_character() -> None:
    name_keys("张三")
    before = pinyin._char_reading.cache_info().hits
    name_keys("张三")
    assert pinyin._char_reading.cache_info().hits >= before + 2


@settings(deadline=None)
@given(st.text(max_size=12))
def test_any_text_gives_lowercase_ascii_keys(text: str) -> None:
    initials, full = name_keys(text)
    assert KEY.fullmatch(initials) and KEY.fullmatch(full)
    assert len(initials) <= len(full)
    assert initials[:1] == full[:1]
    assert KEY.fullmatch(text_initials(text))


NO_READING = "兙兡嗧桛烪瓧瓰瓱瓼甅"  # CJK unit characters pypinyin has no reading for


def test_characters_without_reading_are_dropped() -> None:
    assert name_keys("李" + NO_READING) == ("l", "li")


@settings(deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)
               .filter(lambda ch: ch not in NO_READING), min_size=1, max_size=4))
def test_han_names_have_one_syllable_per_character(name: str) -> None:
    initials, full = name_keys(name)
    assert len(initials) == len(name)
    assert len(text_initials(name)) == len(name)
    assert full.isalpha()
