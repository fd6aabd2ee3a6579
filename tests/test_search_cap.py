"""Broad single search terms are capped (search as you type stays fast); several terms are
intersected, so each of them is searched completely."""
from __future__ import annotations

from typing import Any

import pytest

from commdesk.reports.ledger_query import LedgerFilter, ordered_ids
from tests.gui_support import seed_small_community


def names(db: Any, query: str) -> list[int]:
    with db.engine.connect() as conn:
        return ordered_ids(conn, LedgerFilter(search=query))


def test_single_term_is_capped_and_several_terms_are_complete(db: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = seed_small_community(db)
    both = sorted([ids["张三"], ids["张小明"]])
    assert sorted(names(db, "张")) == both
    monkeypatch.setattr("commdesk.search.query.TERM_CAP", 1)
    assert len(names(db, "张")) == 1
    assert len(names(db, "zh")) == 1
    assert sorted(names(db, "张 幸福里")) == both  # two terms: neither may be cut short
