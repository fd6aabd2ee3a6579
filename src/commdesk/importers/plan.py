"""``inspect_file``: what the wizard shows before anything is written.

An ``ImportPlan`` holds, per sheet, the detected header rows and column mapping (both
correctable), plus a preview of the first rows with per-cell problems and the problem counts
over the whole file. ``run_import`` accepts the plan (after the user's corrections) or a path.
Mappings the user corrected are remembered per header signature in the ``setting`` table
(key ``import.mappings``).
"""
from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers import column_groups
from commdesk.importers.cells import Memo, gc_paused, prepare_head
from commdesk.importers.extract import SheetWalker
from commdesk.importers.records import Extraction
from commdesk.importers.fields import clean_label, get_kind
from commdesk.importers.hidden import Hidden, column_letter
from commdesk.importers.layout import SCAN_ROWS, ColumnPlan, SheetPlan, community_name, detect_sheet, \
    duplicate_notes, sheet_gives_estate, sheet_gives_grid
from commdesk.importers.reader import Source, open_source

MAPPINGS_KEY = "import.mappings"
PREVIEW_ROWS = 50


class ImportCancelled(UserError):
    """The user cancelled; nothing was written."""


@dataclass
class PreviewRow:
    sheet: str
    row: int
    status: str                      # data / skipped / rejected
    reason: str                      # ends with "隐藏行" for a hidden row
    cells: list[str]
    problems: dict[int, str]         # column index → problem code
    hidden: bool = False             # a hidden row (imported like any other)


@dataclass
class ImportPlan:
    path: Path
    kind: str
    file_type: str
    encoding: str
    sheets: list[SheetPlan]
    community: str = ""
    grids: list[str] = field(default_factory=list)
    preview: list[PreviewRow] = field(default_factory=list)
    problem_counts: dict[str, int] = field(default_factory=dict)
    row_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: a data sheet has no name column (nothing looked like names either): the wizard opens the
    #: mapping step; an import refuses until one is chosen
    needs_mapping: bool = False
    #: the extraction behind the preview, with the fingerprint it was made for: ``run_import``
    #: takes it (once) instead of reading the file again when nothing has changed since
    _extraction: tuple[tuple[Any, ...], Extraction] | None = field(default=None, repr=False, compare=False)

    def data_sheets(self) -> list[SheetPlan]:
        return [s for s in self.sheets if s.role == "data"]

    def set_mapping(self, sheet: str, column: int, field_key: str | None) -> None:
        """The user's correction: column ``column`` of ``sheet`` is ``field_key`` (None: ignore)."""
        spec = get_kind(self.kind)
        if field_key is not None and field_key not in spec.by_key:
            raise UserError(_("未知字段：{field}").format(field=field_key))
        for plan in self.sheets:
            if plan.name != sheet:
                continue
            for col in plan.columns:
                if col.field == field_key and field_key and not spec.by_key[field_key].multi and not col.group:
                    col.field = None
            for col in plan.columns:
                if col.index == column:
                    col.field, col.strength, col.group = field_key, 9, ""
                    if col.label:       # the same header in the sheet's other tables: the same field
                        plan.corrections[clean_label(col.label)] = field_key
                    return
            plan.columns.append(ColumnPlan(column, "", field_key, 9))

    def set_header_rows(self, sheet: str, rows: list[int]) -> None:
        """The user's correction of the header rows (1-based row numbers as Excel shows them)."""
        for plan in self.sheets:
            if plan.name == sheet:
                plan.header_rows = [r - 1 for r in rows]
                plan.data_start = max(rows)
                plan.role = "data"
                plan.columns = []   # re-detected from these rows by ``refresh_plan``


def fingerprint(plan: ImportPlan) -> tuple[Any, ...]:
    """What an extraction depends on: the file (size, modification time) and the plan's kind,
    data sheets, header rows and mapping."""
    try:
        stat = plan.path.stat()
        file: tuple[Any, ...] = (str(plan.path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        file = (str(plan.path), None)
    sheets = tuple((s.name, s.index, s.header_rows and tuple(s.header_rows), s.data_start, s.grid_from_sheet,
                    s.estate_from_sheet, tuple((c.index, c.label, c.field, c.group) for c in s.columns),
                    tuple(sorted(s.corrections.items()))) for s in plan.data_sheets())
    return file, plan.kind, sheets


def take_extraction(plan: ImportPlan) -> Extraction | None:
    """The preview's extraction when it still fits the plan and the file (and only once: an
    import changes it). ``None``: read the file again."""
    cached, plan._extraction = plan._extraction, None
    if cached is None or cached[0] != fingerprint(plan):
        return None
    return cached[1]


def _remembered(session: Session | None) -> dict[str, dict[str, Any]]:
    if session is None:
        return {}
    from commdesk.models import Setting

    row = session.get(Setting, MAPPINGS_KEY)
    try:
        value = json.loads(row.value) if row is not None else {}
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def remember_mappings(session: Session, plan: ImportPlan) -> None:
    """Store the corrected mappings of the plan's sheets by header signature."""
    from commdesk.models import Setting

    stored = _remembered(session)
    changed = False
    for sheet in plan.data_sheets():
        if any(c.strength == 9 for c in sheet.columns):
            stored[sheet.signature()] = {"kind": plan.kind,
                                         "mapping": {str(c.index): c.field for c in sheet.columns}}
            changed = True
        if sheet.corrections:       # by header too: a table with that header anywhere, another layout
            labels = stored.setdefault(_LABELS, {}).setdefault(plan.kind, {})
            labels.update(sheet.corrections)
            changed = True
    if not changed:
        return
    row = session.get(Setting, MAPPINGS_KEY)
    text_value = json.dumps(stored, ensure_ascii=False)
    if row is None:
        session.add(Setting(key=MAPPINGS_KEY, value=text_value))
    else:
        row.value = text_value


_LABELS = "labels"     # the remembered corrections by header: {kind: {clean label: field}}


def apply_corrections(columns: list[ColumnPlan], corrections: dict[str, str | None]) -> None:
    """The user's corrections by header, on a table's columns (a non-multi field moves)."""
    for col in columns:
        if not col.label or (key := clean_label(col.label)) not in corrections:
            continue
        target = corrections[key]
        col.field, col.strength, col.group = target, 9, ""


def _apply_remembered(sheet: SheetPlan, remembered: dict[str, dict[str, Any]], kind: str) -> None:
    labels = remembered.get(_LABELS, {}).get(kind, {})
    if isinstance(labels, dict) and labels:
        mine = {clean_label(c.label) for c in sheet.columns if c.label}
        sheet.corrections.update({k: v for k, v in labels.items() if k in mine})
        apply_corrections(sheet.columns, sheet.corrections)
    entry = remembered.get(sheet.signature())
    if not entry or entry.get("kind", kind) != kind:
        return
    mapping = entry.get("mapping", {})
    for col in sheet.columns:
        if str(col.index) in mapping:
            col.field = mapping[str(col.index)]
            col.strength = 9


def build_plans(source: Source, kind: str, remembered: dict[str, dict[str, Any]] | None = None
                ) -> list[SheetPlan]:
    spec = get_kind(kind)
    plans = []
    for sheet in source.sheets:
        load = getattr(sheet, "load", None)
        if load is not None:
            load()
        head = prepare_head(sheet, SCAN_ROWS + 2)
        plan = detect_sheet(spec, sheet.name, sheet.index, sheet.visible, head, sheet.merged)
        _apply_remembered(plan, remembered or {}, kind)
        plans.append(plan)
        if plan.role != "data" and hasattr(sheet, "unload"):
            sheet.unload()
    data = [p for p in plans if p.role == "data"]
    for plan in data:
        plan.estate_from_sheet = sheet_gives_estate(plan)
        plan.grid_from_sheet = sheet_gives_grid(plan, len(data))
    return plans


def refresh_plan(source: Source, plan: ImportPlan) -> None:
    """Re-detect the columns of sheets whose header rows the user changed."""
    spec = get_kind(plan.kind)
    from commdesk.importers.layout import _assign, _combine, _labels

    for sp in plan.sheets:
        if sp.role != "data" or sp.columns or not sp.header_rows:
            continue
        sheet = next(s for s in source.sheets if s.name == sp.name)
        head = prepare_head(sheet, max(sp.header_rows) + 1)
        labels: list[str] = []
        for r in sp.header_rows:
            labels = _combine(labels, _labels(head.get(r, [])))
        sp.columns, _score = _assign(spec, labels)
        apply_corrections(sp.columns, sp.corrections)


def replan(plan: ImportPlan) -> ImportPlan:
    """Re-read the file with the user's corrections (header rows, mapping) and refresh the
    preview, problem counts and row counts the wizard shows. Writes nothing."""
    from commdesk.importers.reader import open_source

    source = open_source(plan.path)
    try:
        refresh_plan(source, plan)
        result = extract(source, plan)
        plan._extraction = (fingerprint(plan), result)
        plan.grids = list(result.grids)
        plan.preview = _preview(result, PREVIEW_ROWS)
        plan.problem_counts = result.problem_counts()
        plan.row_counts = _row_counts(result)
    finally:
        source.close()
    return plan


def _next_table(spec: Any, sheet_plan: SheetPlan, sheet: Any, header_row: int) -> SheetPlan:
    """The plan of a table whose header is row ``header_row`` of the sheet: columns as detected,
    then the sheet's corrections by header (the wizard's and the remembered ones)."""
    from commdesk.importers.layout import _assign, _labels

    row = next((cells for r, cells in sheet.rows() if r == header_row), [])
    columns, _score = _assign(spec, _labels(row))
    apply_corrections(columns, sheet_plan.corrections)
    return SheetPlan(name=sheet_plan.name, index=sheet_plan.index, visible=sheet_plan.visible,
                     header_rows=[header_row], data_start=header_row + 1, columns=columns,
                     grid_from_sheet=sheet_plan.grid_from_sheet, estate_from_sheet=sheet_plan.estate_from_sheet,
                     corrections=sheet_plan.corrections, notes=duplicate_notes(spec, sheet_plan.name, columns))


def extract(source: Source, plan: ImportPlan, progress: Callable[[int, int], None] | None = None,
            cancel: Callable[[], bool] | None = None) -> Extraction:
    """Walk every data sheet of the plan (one streaming pass each)."""
    spec = get_kind(plan.kind)
    result = Extraction(warnings=list(source.warnings))
    households: dict[tuple[Any, ...], Any] = {}
    ids_seen: dict[str, Any] = {}
    memo = Memo()
    sheets = {s.name: s for s in source.sheets}
    total = sum(max(sheets[p.name].height, 1) for p in plan.data_sheets()) or 1
    done_before = 0
    for sp in plan.data_sheets():
        if cancel is not None and cancel():
            raise ImportCancelled(_("导入已取消，数据库没有任何改动"))
        sheet = sheets[sp.name]
        load = getattr(sheet, "load", None)
        if load is not None:
            load()      # its merged ranges are known once it is loaded (the walker fills them in)
        if not sp.has_name():
            raise UserError(_("“{file}”工作表“{sheet}”：没有找到“姓名”列，请在映射步骤中指定").format(
                file=source.path.name, sheet=sp.name))
        result.warnings += sp.notes
        hidden = source.hidden(sp.name)

        def tick(n: int, base: int = done_before) -> None:
            if cancel is not None and cancel():
                raise ImportCancelled(_("导入已取消，数据库没有任何改动"))
            if progress is not None:
                progress(min(n, total), total)

        table, first_row = sp, 0
        while True:        # a table, then any other table below it with a header of its own
            walk_plan, walk_sheet = column_groups.prepare(spec, table, sheet)
            walker = SheetWalker(spec, walk_plan, walk_sheet, result, households, ids_seen, sp.grid_from_sheet,
                                 memo, hidden.rows if hidden else frozenset(), first_row=first_row)
            with gc_paused():
                walker.walk(tick)
            if walker.next_table is None:
                break
            first_row = walker.next_table
            table = _next_table(spec, sp, sheet, first_row)
            result.warnings += table.notes
            result.warnings.append(_("工作表“{sheet}”第 {row} 行起是另一张表（表头不同），按它自己的表头导入").format(
                sheet=sp.name, row=first_row + 1))
        result.warnings += sheet.warnings
        if hidden:
            result.hidden[sp.name] = hidden
            result.warnings += hidden_notes(spec, sp, hidden, result.outcomes)
        done_before = result.rows_total
        if hasattr(sheet, "unload"):
            sheet.unload()
    if progress is not None:
        progress(total, total)
    return result


def _preview(result: Extraction, limit: int) -> list[PreviewRow]:
    """The first ``limit`` rows, then up to ``limit`` hidden rows further down (the user sees
    what was hidden before importing it)."""
    rows: list[PreviewRow] = []
    chosen = result.outcomes[:limit]
    by_row = {(r.sheet, r.row): r for r in result.residents[: limit * 2]}
    if result.hidden:
        first = {id(out) for out in chosen}
        chosen = chosen + [out for out in result.outcomes if id(out) not in first and _is_hidden(result, out)][:limit]
        by_row.update({(r.sheet, r.row): r for r in result.residents
                       if r.row in result.hidden.get(r.sheet, _NONE).rows})
    for out in chosen:
        res = by_row.get((out.sheet, out.row))
        raw = (res.raw if res is not None else out.raw) or []
        cells = [str(v) if v is not None else "" for v in raw]
        if res is not None and not cells:
            cells = [res.name]
        problems = {col: code for col, code in out.problems if col >= 0}
        is_hidden = _is_hidden(result, out)
        reason = "；".join(filter(None, (out.reason, _("隐藏行") if is_hidden else "")))
        rows.append(PreviewRow(out.sheet, out.row, out.status, reason, cells, problems, is_hidden))
    return rows


_NONE = Hidden()


def _is_hidden(result: Extraction, out: Any) -> bool:
    """A hidden row of interest: a person's row, or a skipped or rejected row that is not blank."""
    hidden = result.hidden.get(out.sheet)
    return hidden is not None and out.row in hidden.rows and out.reason != _("空行")


def _row_list(rows: list[int], limit: int = 10) -> str:
    shown = "、".join(str(r) for r in rows[:limit])
    return shown + (_("等") if len(rows) > limit else "")


def hidden_notes(spec: Any, sp: SheetPlan, hidden: Hidden, outcomes: list[Any]) -> list[str]:
    """What the user is told about a sheet's hidden rows and columns: they are read like the
    others (nothing is dropped for being hidden), and which ones they are."""
    notes = []
    rows = sorted(o.row for o in outcomes if o.sheet == sp.name and o.row in hidden.rows and o.reason != _("空行"))
    if rows:
        people = sum(1 for o in outcomes if o.sheet == sp.name and o.row in hidden.rows and o.status == "data")
        notes.append(_("工作表“{sheet}”中有 {n} 个隐藏行（第 {rows} 行），隐藏行与其他行一样处理，"
                       "其中 {people} 行是居民信息").format(sheet=sp.name, n=len(rows), rows=_row_list(rows),
                                                       people=people))
    columns = []
    for col in sp.columns:
        if col.index not in hidden.cols:
            continue
        label = col.label or _("无表头")
        if col.field and not spec.by_key[col.field].ignore:
            columns.append(_("{letter} 列“{label}”（作为“{field}”导入）").format(
                letter=column_letter(col.index), label=label, field=spec.by_key[col.field].label))
        else:
            columns.append(_("{letter} 列“{label}”（不导入）").format(letter=column_letter(col.index), label=label))
    if columns:
        notes.append(_("工作表“{sheet}”中有隐藏列：{cols}；隐藏列与其他列一样按列映射导入").format(
            sheet=sp.name, cols="、".join(columns)))
    return notes


def inspect_file(path: str | Path, kind: str = "residents", session: Session | None = None,
                 *, preview_rows: int = PREVIEW_ROWS) -> ImportPlan:
    """Read the file once and return the plan the wizard shows (writes nothing)."""
    path = Path(path)
    source = open_source(path)
    try:
        sheets = build_plans(source, kind, _remembered(session))
        plan = ImportPlan(path=path, kind=kind, file_type=source.kind, encoding=source.encoding, sheets=sheets,
                          warnings=list(source.warnings))
        plan.community = community_name([line for s in sheets for line in s.title_lines] + [path.stem])
        if not plan.data_sheets():
            raise UserError(_("“{file}”中没有找到居民信息表（没有“姓名”“身份证号”等表头）").format(file=path.name))
        unnamed = [s.name for s in plan.data_sheets() if not s.has_name()]
        if unnamed:        # the wizard's mapping step is where the user says which column it is
            plan.needs_mapping = True
            plan.warnings += [_("工作表“{sheet}”没有找到“姓名”列，也没有哪一列的内容像姓名，请在列对应中指定").format(
                sheet=name) for name in unnamed]
            return plan
        result = extract(source, plan)
        plan._extraction = (fingerprint(plan), result)
        plan.grids = list(result.grids)
        plan.preview = _preview(result, preview_rows)
        plan.problem_counts = result.problem_counts()
        plan.row_counts = _row_counts(result)
        plan.warnings += result.warnings
        return plan
    finally:
        source.close()


def _row_counts(result: Extraction) -> dict[str, int]:
    counts = {"data": 0, "skipped": 0, "rejected": 0}
    for out in result.outcomes:
        counts[out.status] = counts.get(out.status, 0) + out.count
    counts["households"] = len(result.households)
    return counts
