"""Accuracy on the nine layout classes of issue 13 (tests/data/layouts/, generated with their truth by
tests/data/make_layouts.py): 一户一档 household cards, village registers (组别, 三组12号), one sheet per
小区 with the address split over 楼栋/单元/房号, a GB18030 tab-separated export with ="…" numbers,
a header far down with dates in three forms, 流动人口 with landlord and 居住证 columns, 年龄 only
with masked IDs, a BIFF8 .xls with two-row merged group headers, and one household per row with
its members in repeated column groups. Compared exactly as tests/test_import_unseen.py compares."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_import_unseen import check_register

DATA = Path(__file__).parent / "data"
REGISTERS = sorted(f"layouts/{p.name}" for p in (DATA / "layouts").iterdir()
                   if p.is_file() and not p.name.endswith(".json"))


def test_every_layout_class_has_a_register() -> None:
    assert len(REGISTERS) == 9
    assert (DATA / "layouts" / "东城社区居民基本信息表.xls").read_bytes()[:8] == bytes.fromhex("d0cf11e0a1b11ae1")


@pytest.mark.parametrize("name", REGISTERS)
def test_layout_register_is_imported_exactly(tmp_path: Path, name: str) -> None:
    check_register(DATA, name, tmp_path)
