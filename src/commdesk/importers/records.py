"""What reading a register produces: residents grouped in households, and one outcome for every
row that did not become a resident (skipped with its reason, or rejected), so every row is
accounted for. Written by :mod:`.extract`, read by the writer, the preview and the error report."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from commdesk.importers.hidden import Hidden


@dataclass(slots=True)
class Household:
    key: tuple[Any, ...]
    sheet: str
    row: int
    household_no: str = ""
    grid: str = ""
    estate: str = ""
    building: str = ""
    unit: str = ""
    room: str = ""
    address: str = ""
    housing: str = ""
    members: list[Resident] = field(default_factory=list)
    head: Resident | None = None   # the first member written as 户主 (a later one is flagged)


@dataclass(slots=True)
class Resident:
    sheet: str
    row: int                       # 1-based row number as Excel shows it
    name: str
    household: Household
    gender: str = ""
    ethnicity: str = ""
    birth_date: date | None = None
    id_number: str | None = None
    relation: str = ""
    political: str = "群众"
    education: str = ""
    work_unit: str = ""
    phone: str = ""
    hukou_type: str = ""
    tags: tuple[str, ...] = ()
    notes: str = ""
    former_name: str = ""
    flags: list[str] = field(default_factory=list)           # review lines "code" / "code:detail"
    problems: list[tuple[int, str]] = field(default_factory=list)  # (column index, problem code)
    raw: list[Any] | None = None                              # the source cells when there is a problem

    def flag_codes(self) -> list[str]:
        return [f.split(":", 1)[0] for f in self.flags]


@dataclass(slots=True)
class RowOutcome:
    sheet: str
    row: int             # 1-based; for a run of blank rows, the first
    status: str          # data / skipped / rejected
    reason: str = ""
    count: int = 1       # rows in this run (blank runs are aggregated)
    raw: list[Any] | None = None
    problems: list[tuple[int, str]] = field(default_factory=list)


@dataclass
class Extraction:
    residents: list[Resident] = field(default_factory=list)
    households: list[Household] = field(default_factory=list)
    outcomes: list[RowOutcome] = field(default_factory=list)
    grids: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    rows_total: int = 0
    #: hidden rows (1-based) and columns per sheet, for the sheets whose format says (.xlsx, .xls)
    hidden: dict[str, Hidden] = field(default_factory=dict)

    def problem_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for res in self.residents:
            for _col, code in res.problems:
                counts[code] = counts.get(code, 0) + 1
        for out in self.outcomes:
            if out.status == "rejected":
                counts[out.reason] = counts.get(out.reason, 0) + out.count
        return counts
