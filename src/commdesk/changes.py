"""What a command changed, so pages decide whether to refresh (one app-level signal carries it)."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Changes:
    tables: frozenset[str] = field(default_factory=frozenset)
    ids: frozenset[int] = field(default_factory=frozenset)

    @classmethod
    def of(cls, *tables: str, ids: tuple[int, ...] | list[int] = ()) -> Changes:
        return cls(frozenset(tables), frozenset(ids))

    def touches(self, *tables: str) -> bool:
        return bool(self.tables.intersection(tables))

    def __or__(self, other: Changes) -> Changes:
        return Changes(self.tables | other.tables, self.ids | other.ids)
