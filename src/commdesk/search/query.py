"""Search as you type: turn what the user typed into an SQL condition on ``resident r``.

Each whitespace-separated term becomes one condition, all ANDed:
- 3+ characters of anything → trigram FTS (name, ID fragment, phone fragment, household no, address);
- 1-2 Chinese characters → the one-token-per-character FTS table (names);
- Latin letters → pinyin initials or full-pinyin prefix over indexed columns ("zs", "zhang");
- 1-2 digits → too short to mean anything: ignored (the UI says so).

The same terms on both stores (``dialect``: "sqlite" or "postgresql"): SQLite answers from its FTS5
tables with ``MATCH``; PostgreSQL from the same-named plain tables (``models.search_index``):
``ILIKE`` over the ``pg_trgm``-indexed body, and ``=`` on the 1-2 character token table.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_LATIN = re.compile(r"^[a-z]+$")
#: Most matches one search term contributes. A one-character surname or a two-letter pinyin
#: prefix matches 20,000-50,000 people in a street office; search as you type shows the first
#: TERM_CAP of them and asks for one more character (the page says so).
TERM_CAP = 2000
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


@dataclass(frozen=True)
class Condition:
    sql: str
    params: dict[str, object]


def normalise_query(text: str) -> str:
    text = unicodedata.normalize("NFKC", text or "").replace("\u3000", " ")
    return " ".join(text.split())


def _fts_phrase(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def term_kind(term: str) -> str:
    low = term.lower()
    if _LATIN.match(low):
        return "pinyin"
    if len(term) >= 3:
        return "trigram"
    if _CJK.search(term):
        return "chars"
    return "too_short"


def _like_anywhere(term: str) -> str:
    return "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


#: The trigram term's test on each store (parameter ``:{p}``) and its parameter value.
_TRI = {"sqlite": ("body MATCH :{p}", _fts_phrase),
        "postgresql": ("body ILIKE :{p} ESCAPE '\\'", _like_anywhere)}


def _token(term: str) -> str:
    """A 1-2 character term as the PostgreSQL token table holds it (``name_tokens``)."""
    return "".join(c for c in term.lower() if c.isalnum())


def term_condition(term: str, n: int, cap: bool = True, dialect: str = "sqlite") -> Condition | None:
    kind = term_kind(term)
    p = f"q{n}"
    limit = f" LIMIT {TERM_CAP}" if cap else ""
    tri_test, tri_value = _TRI["postgresql" if dialect == "postgresql" else "sqlite"]
    if kind == "pinyin":
        low = term.lower()
        upper = low[:-1] + chr(ord(low[-1]) + 1)
        tri = (" UNION ALL SELECT rowid FROM resident_fts_tri WHERE " + tri_test.format(p=p + "t")
               if len(term) >= 3 else "")
        return Condition(
            f"r.id IN (SELECT id FROM resident WHERE py_initials >= :{p}a AND py_initials < :{p}b"
            f" UNION ALL SELECT id FROM resident WHERE py_full >= :{p}a AND py_full < :{p}b{tri}{limit})",
            {f"{p}a": low, f"{p}b": upper, **({f"{p}t": tri_value(term)} if len(term) >= 3 else {})},
        )
    if kind == "trigram":
        return Condition(f"r.id IN (SELECT rowid FROM resident_fts_tri WHERE {tri_test.format(p=p)}{limit})",
                         {p: tri_value(term)})
    if kind == "chars":
        if dialect == "postgresql":
            token = _token(term)
            if not token:
                return None
            return Condition(f"r.id IN (SELECT rowid FROM resident_fts_char WHERE body = :{p}{limit})",
                             {p: token})
        phrase = _fts_phrase(" ".join(term))
        return Condition(f"r.id IN (SELECT rowid FROM resident_fts_char WHERE body MATCH :{p}{limit})",
                         {p: phrase})
    return None


def search_condition(text: str, dialect: str = "sqlite") -> Condition | None:
    """The combined condition for a query, or None when nothing usable was typed. ``dialect``:
    the store's dialect name (``session.get_bind().dialect.name``)."""
    terms = [t for t in normalise_query(text).split(" ") if t]
    # a single term is capped; several terms are intersected, so each must be complete
    conds = [c for i, t in enumerate(terms)
             for c in [term_condition(t, i, cap=len(terms) == 1, dialect=dialect)] if c is not None]
    if not conds:
        return None
    params: dict[str, object] = {}
    for c in conds:
        params.update(c.params)
    return Condition(" AND ".join(c.sql for c in conds), params)


def is_too_short(text: str) -> bool:
    q = normalise_query(text)
    return bool(q) and search_condition(q) is None
