"""An import's options and its summary: every source row counted (imported, merged, duplicates
skipped, skipped with reason, rejected), the review flags raised, where the time went."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from commdesk.i18n import _
from commdesk.importers.records import Extraction
from commdesk.validation.review_flags import PROBLEM_LABELS

#: What to do with a resident already in the database (``--on-duplicate``).
POLICIES = ("fill", "update", "skip")


class PhaseClock:
    """Wall and CPU seconds per phase of an import, added to ``timings`` (``phase`` / ``phase_cpu``)."""

    def __init__(self, timings: dict[str, float]) -> None:
        self.timings = timings
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), time.process_time()
        self.timings[phase] = round(self.timings.get(phase, 0.0) + wall - self.wall, 3)
        self.timings[f"{phase}_cpu"] = round(self.timings.get(f"{phase}_cpu", 0.0) + cpu - self.cpu, 3)
        self.wall, self.cpu = wall, cpu


@dataclass
class ImportOptions:
    kind: str = "residents"
    on_duplicate: str = "fill"          # fill / update / skip
    dry_run: bool = False
    backup: bool = True
    report_path: Path | None = None     # error-report workbook to write
    report_full: bool = False           # the report shows full ID numbers and phones (default: masked)
    remember_mapping: bool = True


@dataclass
class ImportSummary:
    file: str
    kind: str
    dry_run: bool
    on_duplicate: str
    batch_id: int | None = None
    rows_total: int = 0
    imported: int = 0
    merged: int = 0
    duplicates_skipped: int = 0
    skipped: int = 0
    rejected: int = 0
    flagged: int = 0
    households_created: int = 0
    households_matched: int = 0
    grids_created: list[str] = field(default_factory=list)
    community_created: str = ""
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    flag_counts: dict[str, int] = field(default_factory=dict)
    #: the first rows of each skip reason, rejection reason and review flag: [sheet, row number]
    examples: dict[str, list[list[Any]]] = field(default_factory=dict)
    in_file_duplicates: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup_path: str = ""
    report_path: str = ""
    seconds: float = 0.0
    #: wall and CPU seconds per phase: read, normalise (normalise + validate), prepare (matching and rows), insert,
    #: index_rebuild, search_index, commit (each also as ``<phase>_cpu``). When every row is new the
    #: rows are prepared, inserted and indexed in one pipeline (``pipeline``, wall and CPU of all
    #: threads): then prepare, insert and search_index (the wait for the trigram fill, which runs
    #: while the next rows are prepared) are its wall-time parts, without CPU figures.
    timings: dict[str, float] = field(default_factory=dict)

    def accounted(self) -> int:
        return self.imported + self.merged + self.duplicates_skipped + self.skipped + self.rejected

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def lines(self) -> list[str]:
        head = _("试导入（未写入数据库）") if self.dry_run else _("导入完成")
        out = [_("{head}：{file}").format(head=head, file=self.file)]
        if self.batch_id:
            out.append(_("批次号：{id}（可用 commdesk import --undo {id} 撤销）").format(id=self.batch_id))
        out.append(_("共 {n} 行：新增 {a} 人，合并到已有居民 {m} 人，跳过重复 {d} 人，跳过非数据行 {s} 行，拒绝 {r} 行")
                   .format(n=self.rows_total, a=self.imported, m=self.merged, d=self.duplicates_skipped,
                           s=self.skipped, r=self.rejected))
        out.append(_("新建 {c} 户，并入已有 {e} 户").format(c=self.households_created, e=self.households_matched))
        if self.community_created:
            out.append(_("已建立社区：{name}").format(name=self.community_created))
        if self.grids_created:
            out.append(_("新建网格：{grids}").format(grids="、".join(self.grids_created)))
        for reason, n in self.skipped_reasons.items():
            out.append(_("  跳过（{reason}）：{n} 行").format(reason=reason, n=n) + self._where("skip:" + reason, n))
        for reason, n in self.rejected_reasons.items():
            out.append(_("  拒绝（{reason}）：{n} 行").format(reason=PROBLEM_LABELS.get(reason, reason), n=n)
                       + self._where("reject:" + reason, n))
        if self.flagged:
            out.append(_("待核实 {n} 人：").format(n=self.flagged))
            for code, n in self.flag_counts.items():
                out.append(_("  {label}：{n}").format(label=PROBLEM_LABELS.get(code, code), n=n)
                           + self._where("flag:" + code, n))
        if self.in_file_duplicates:
            out.append(_("文件内重复 {n} 处").format(n=len(self.in_file_duplicates)))
        if self.conflicts:
            out.append(_("与数据库中已有值不一致 {n} 处（未覆盖，见报告）").format(n=len(self.conflicts)))
        for warning in self.warnings:
            out.append(_("注意：{w}").format(w=warning))
        if self.backup_path:
            out.append(_("导入前已备份到 {path}").format(path=self.backup_path))
        if self.report_path:
            out.append(_("问题报告：{path}").format(path=self.report_path))
        return out


    def _where(self, key: str, n: int) -> str:
        """"（居民信息 第 12、45 行等）": where the first rows of a problem are."""
        found = self.examples.get(key)
        if not found:
            return ""
        by_sheet: dict[str, list[str]] = {}
        for sheet, row in found:
            by_sheet.setdefault(sheet, []).append(str(row))
        text = "；".join(_("{sheet} 第 {rows} 行").format(sheet=sheet, rows="、".join(rows))
                        for sheet, rows in by_sheet.items())
        return "（" + text + (_("等") if n > len(found) else "") + "）"


#: How many rows of each problem the summary names.
EXAMPLES = 5


def _example(summary: ImportSummary, key: str, sheet: str, row: int) -> None:
    rows = summary.examples.setdefault(key, [])
    if len(rows) < EXAMPLES:
        rows.append([sheet, row])


#: The longest text each household field keeps (the writer cuts there): field, label, limit.
HOUSEHOLD_LIMITS = (("household_no", _("户号"), 40), ("estate", _("小区"), 100), ("building", _("楼栋"), 20),
                    ("unit", _("单元"), 20), ("room", _("房号"), 20), ("address", _("住址"), 300))


def _household_cuts(result: Extraction) -> list[str]:
    """One warning per household field that some households' values are too long for."""
    cut: dict[str, list[tuple[str, int, int]]] = {}
    for h in result.households:
        for key, _label, limit in HOUSEHOLD_LIMITS:
            length = len(getattr(h, key))
            if length > limit:
                cut.setdefault(key, []).append((h.sheet, h.row, length))
    out = []
    for key, label, limit in HOUSEHOLD_LIMITS:
        if key in cut:
            where = "、".join(_("{sheet} 第 {row} 行（{n} 个字）").format(sheet=s, row=r, n=n) for s, r, n in cut[key][:EXAMPLES])
            out.append(_("{label}超过 {limit} 字的 {count} 户只保存了前 {limit} 字：{where}").format(
                label=label, limit=limit, count=len(cut[key]), where=where + (_("等") if len(cut[key]) > EXAMPLES else "")))
    return out


def summarise(summary: ImportSummary, result: Extraction) -> None:
    summary.rows_total = sum(o.count for o in result.outcomes)
    for out in result.outcomes:
        if out.status == "skipped":
            summary.skipped += out.count
            key = out.reason.split("（", 1)[0] if out.reason.startswith(_("分组标题行")) else out.reason
            summary.skipped_reasons[key] = summary.skipped_reasons.get(key, 0) + out.count
            _example(summary, "skip:" + key, out.sheet, out.row)
        elif out.status == "rejected":
            summary.rejected += out.count
            summary.rejected_reasons[out.reason] = summary.rejected_reasons.get(out.reason, 0) + out.count
            _example(summary, "reject:" + out.reason, out.sheet, out.row)
    for res in result.residents:
        codes = res.flag_codes()
        if codes:
            summary.flagged += 1
        for code in dict.fromkeys(codes):
            summary.flag_counts[code] = summary.flag_counts.get(code, 0) + 1
            _example(summary, "flag:" + code, res.sheet, res.row)
        if "duplicate_in_file" in codes:
            summary.in_file_duplicates.append({"sheet": res.sheet, "row": res.row, "name": res.name})
    summary.warnings += result.warnings + _household_cuts(result)
