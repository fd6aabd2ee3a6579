"""Import kind ``party-members``: the Party member roster (党员花名册), through the import framework.

The framework reads the file (sniffing, calamine/CSV, title rows, header-row detection, merged
cells) with this kind's field table (``fields.PARTY_MEMBERS``, listed in ``fields.KINDS``); this module
turns the data rows into members:

- a member is matched to a resident by ID number, else by name + birth date (the full date when
  the ID gives it, else year and month from 出生年月, and only when exactly one resident fits);
  the household number then comes from the resident's household;
- unmatched members are kept as members who do not live here (no resident), flagged
  ``not_resident`` for review;
- an ID cell that the spreadsheet damaged (stored as a number, 1.3E+17, wrong check character)
  is never guessed: the member gets no ID number and the flag ``id_precision_lost`` /
  ``id_checksum_invalid`` / ``id_invalid``;
- join and full-membership dates are known to the month (1984.03, 1992年7月, a date cell);
- branches (所在党支部) are created under the community's Party committee when new, and linked to
  the grid of the same name (第一网格党支部 → 第一网格);
- a member already registered (same ID number, or same resident) is updated, not duplicated.

Everything is written in one transaction with an ``ImportBatch`` (kind ``party-members``) that
:func:`undo_party_batch` can undo.
"""
from __future__ import annotations

import json
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers.fields import KINDS
from commdesk.importers.fields import PARTY_MEMBERS as KIND
from commdesk.importers.normalise import gender as norm_gender
from commdesk.importers.normalise import is_blank, parse_date
from commdesk.importers.normalise import name as norm_name


_MONTH = re.compile(r"(\d{4})\s*[.\-/年]\s*(\d{1,2})")
_FOOTER = re.compile(r"^(合计|小计|总计|共计|填表人|填报人|审核人|负责人|制表|注[:：]|说明[:：])")
MEMBERSHIP_WORDS = {"正式": "正式党员", "预备": "预备党员"}
CATEGORY_WORDS = (("流动", "流动党员"), ("在职", "在职党员报到"), ("报到", "在职党员报到"), ("居住", "居住党员"))


# -- reading through the framework -------------------------------------------------------------------
@dataclass
class SourceRow:
    sheet: str
    row: int                      # 1-based row number as Excel shows it
    values: dict[str, Any]


def data_rows(path: Path, kind: str, cancel: Callable[[], bool] | None = None) -> tuple[list[SourceRow], list[str]]:
    """Every data row of the file's data sheets as {field: raw value}, merged cells filled down.

    Uses the framework's reader (file sniffing, calamine/CSV, hostile-input guards) and its header
    detection with the kind's synonyms. Returns (rows, warnings)."""
    from commdesk.importers.layout import merged_fill
    from commdesk.importers.plan import build_plans
    from commdesk.importers.reader import open_source

    source = open_source(path)
    out: list[SourceRow] = []
    warnings = list(source.warnings)
    try:
        plans = build_plans(source, kind)
        data = [p for p in plans if p.role == "data"]
        if not data:
            raise UserError(_("“{file}”中没有找到{label}的表头").format(file=path.name, label=KINDS[kind].label))
        sheets = {s.name: s for s in source.sheets}
        for sp in data:
            sheet = sheets[sp.name]
            load = getattr(sheet, "load", None)
            if load is not None:
                load()
            mapping = {i: f for i, f in sp.mapping().items() if not KINDS[kind].by_key[f].ignore}
            rows = {i: list(r) for i, r in sheet.rows() if i >= sp.data_start}
            merged_fill(rows, [m for m in sheet.merged if m[0] >= sp.data_start])
            for i in sorted(rows):
                if cancel is not None and cancel():
                    from commdesk.importers.plan import ImportCancelled

                    raise ImportCancelled(_("导入已取消，数据库没有任何改动"))
                cells = rows[i]
                if all(is_blank(c) for c in cells):
                    continue
                first = next((str(c).strip() for c in cells if not is_blank(c)), "")
                if _FOOTER.match(unicodedata.normalize("NFKC", first).replace(" ", "")):
                    continue
                values: dict[str, Any] = {}
                for col, key in mapping.items():
                    if col < len(cells) and not is_blank(cells[col]):
                        if KINDS[kind].by_key[key].multi and key in values:
                            values[key] = f"{values[key]}、{cells[col]}"
                        else:
                            values.setdefault(key, cells[col])
                out.append(SourceRow(sp.name, i + 1, values))
            warnings += sheet.warnings
            if hasattr(sheet, "unload"):
                sheet.unload()
    finally:
        source.close()
    return out, warnings


def month_date(value: Any) -> date | None:
    """A date known to the month: 1984.03, 1992年7月, 2023-3, a date cell (day kept), an Excel serial."""
    if is_blank(value):
        return None
    parsed, _flag = parse_date(value)
    if parsed is not None:
        return parsed
    m = _MONTH.search(unicodedata.normalize("NFKC", str(value)))
    if m:
        year, month = int(m.group(1)), int(m.group(2))
        if 1900 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    return None


# -- the import --------------------------------------------------------------------------------------
@dataclass
class PartySummary:
    """What a Party import did (the same shape of figures as the resident importer's summary)."""

    file: str
    kind: str
    dry_run: bool = False
    batch_id: int | None = None
    rows_total: int = 0
    imported: int = 0
    merged: int = 0
    skipped: int = 0
    rejected: int = 0
    flagged: int = 0
    matched: int = 0
    created: dict[str, int] = field(default_factory=dict)
    flag_counts: dict[str, int] = field(default_factory=dict)
    rejected_reasons: dict[str, int] = field(default_factory=dict)
    problems: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    backup_path: str = ""
    seconds: float = 0.0

    def flag(self, code: str) -> None:
        self.flag_counts[code] = self.flag_counts.get(code, 0) + 1

    def reject(self, row: SourceRow, reason: str) -> None:
        self.rejected += 1
        self.rejected_reasons[reason] = self.rejected_reasons.get(reason, 0) + 1
        self.problems.append({"sheet": row.sheet, "row": row.row, "reason": reason})

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)

    def lines(self) -> list[str]:
        head = _("试导入（未写入数据库）") if self.dry_run else _("导入完成")
        out = [_("{head}：{file}").format(head=head, file=self.file)]
        if self.batch_id:
            out.append(_("批次号：{id}").format(id=self.batch_id))
        out.append(_("共 {n} 行：新增 {a} 条，更新已有 {m} 条，拒绝 {r} 行，待核实 {f} 条").format(
            n=self.rows_total, a=self.imported, m=self.merged, r=self.rejected, f=self.flagged))
        for code, n in sorted(self.flag_counts.items()):
            out.append(f"  {code}: {n}")
        for reason, n in sorted(self.rejected_reasons.items()):
            out.append(_("  拒绝：{reason}（{n} 行）").format(reason=reason, n=n))
        return out


def _id_check(raw: Any) -> tuple[str | None, str, date | None, str | None]:
    """(valid number, flag code or "", birth date, gender) of an ID cell; damaged ones give a flag."""
    from commdesk.validation.idcard import check_id_number

    if is_blank(raw):
        return None, "", None, None
    check = check_id_number(raw)
    if check.ok:
        return check.number, "", check.birth_date, check.gender
    code = {"precision_lost": "id_precision_lost", "bad_checksum": "id_checksum_invalid"}.get(check.problem or "",
                                                                                          "id_invalid")
    return None, code, None, None


def _phone(raw: Any) -> tuple[str, bool]:
    from commdesk.validation.phone import check_phone, split_phones

    if is_blank(raw):
        return "", True
    numbers = []
    for piece in split_phones(raw) or [raw]:
        check = check_phone(piece)
        if not check.ok:
            return "", False
        numbers.append(check.number or "")
    return "、".join(n for n in numbers if n), True


def _membership(raw: Any, full: date | None) -> str:
    text_ = unicodedata.normalize("NFKC", str(raw or ""))
    for word, value in MEMBERSHIP_WORDS.items():
        if word in text_:
            return value
    return "正式党员" if full is not None else "预备党员" if not text_ else "正式党员"


def _category(raw: Any) -> str:
    text_ = str(raw or "")
    for word, value in CATEGORY_WORDS:
        if word in text_:
            return value
    return ""


class BatchRecorder:
    """Collects inserted ids and updated records for the ImportBatch, so the import can be undone."""

    def __init__(self) -> None:
        self.inserted: dict[str, list[int]] = {}
        self.changes: list[dict[str, Any]] = []

    def add(self, table: str, record_id: int) -> None:
        self.inserted.setdefault(table, []).append(record_id)

    def changed(self, table: str, record_id: int, before: dict[str, Any], after: dict[str, Any]) -> None:
        def plain(d: dict[str, Any]) -> str:
            return json.dumps({k: v.isoformat() if isinstance(v, date) else v for k, v in d.items()},
                              ensure_ascii=False)

        self.changes.append({"table_name": table, "record_id": record_id, "before": plain(before),
                             "after": plain(after)})

    def record(self, session: Session, kind: str, path: Path, summary: PartySummary) -> int:
        import hashlib

        from commdesk.models import AuditEntry, ImportBatch, ImportBatchChange

        def ranges(ids: list[int]) -> list[list[int]]:
            out: list[list[int]] = []
            for i in sorted(ids):
                if out and out[-1][1] == i - 1:
                    out[-1][1] = i
                else:
                    out.append([i, i])
            return out

        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        batch = ImportBatch(kind=kind, file_name=path.name[:260], file_sha256=digest, on_duplicate="update",
                            inserted=json.dumps({t: ranges(v) for t, v in self.inserted.items()}),
                            counts=json.dumps({"rows_total": summary.rows_total, "imported": summary.imported,
                                               "merged": summary.merged, "rejected": summary.rejected,
                                               "flagged": summary.flagged}, ensure_ascii=False))
        session.add(batch)
        session.flush()
        for c in self.changes:
            session.add(ImportBatchChange(batch_id=batch.id, **c))
        session.add(AuditEntry(table_name="import_batch", record_id=batch.id, record_uuid=batch.uuid, action="import",
                               changes=batch.counts, summary=_("导入 {file}（{kind}）").format(
                                   file=path.name, kind=KINDS[kind].label)[:300]))
        return batch.id


def _branch(session: Session, name: str, cache: dict[str, int], recorder: BatchRecorder) -> int | None:
    from commdesk.models import Grid
    from commdesk.models.party import PartyOrgGrid
    from commdesk.services.party_org import ensure_root, find_org, save_org

    name = "".join(unicodedata.normalize("NFKC", name).split())
    if not name:
        return None
    if name in cache:
        return cache[name]
    org = find_org(session, name)
    if org is not None:
        cache[name] = org.id
        return org.id
    root = ensure_root(session)
    _c, org_id = save_org(session, None, name=name, kind="党支部", parent_id=root)
    recorder.add("party_org", org_id)
    grid_name = name.removesuffix("党支部").removesuffix("支部")
    grid = session.scalars(select(Grid).where(Grid.name == grid_name, Grid.archived_at.is_(None))).first()
    if grid is not None and session.get(PartyOrgGrid, grid.id) is None:
        session.add(PartyOrgGrid(grid_id=grid.id, org_id=org_id))
    cache[name] = org_id
    return org_id


def _match_by_name(session: Session, name: str, birth: date | None, month_only: bool) -> Any:
    from commdesk.models import Resident

    if not name or birth is None:
        return None
    q = select(Resident).where(Resident.name == name, Resident.archived_at.is_(None))
    if month_only:
        first = birth.replace(day=1)
        nxt = date(birth.year + (birth.month == 12), birth.month % 12 + 1, 1)
        q = q.where(Resident.birth_date >= first, Resident.birth_date < nxt)
    else:
        q = q.where(Resident.birth_date == birth)
    hits = session.scalars(q.limit(2)).all()
    return hits[0] if len(hits) == 1 else None


def import_party_members(database: Any, path: str | Path, *, dry_run: bool = False, backup: bool = True,
                         cancel: Callable[[], bool] | None = None, today: date | None = None) -> PartySummary:
    """Import a 党员花名册 (see the module docstring)."""
    from commdesk.models.party import PartyMember
    from commdesk.services.party_members import add_event, match_resident

    started = time.perf_counter()
    path = Path(path)
    rows, warnings = data_rows(path, KIND.key, cancel)
    summary = PartySummary(file=path.name, kind=KIND.key, dry_run=dry_run, warnings=warnings)
    summary.rows_total = len(rows)
    if not dry_run and backup and getattr(database, "path", None) is not None and Path(database.path).exists():
        from commdesk.models.backup import backup_database

        summary.backup_path = str(backup_database(database, reason="before-import"))
    today = today or date.today()
    recorder = BatchRecorder()
    session = database.Session()
    try:
        with session.begin():
            branches: dict[str, int] = {}
            for row in rows:
                v = row.values
                name = norm_name(v.get("name"))
                if not name:
                    summary.reject(row, _("没有姓名"))
                    continue
                flags: list[str] = []
                idn, id_flag, id_birth, id_gender = _id_check(v.get("id_number"))
                if id_flag:
                    flags.append(f"{id_flag}:{_('花名册中的身份证号已损坏，请核对后补录')}")
                birth_cell = v.get("birth_date")
                cell_birth, _flag = parse_date(birth_cell) if not is_blank(birth_cell) else (None, "")
                month_birth = month_date(birth_cell) if cell_birth is None else None
                birth = id_birth or cell_birth
                gender, ok = norm_gender(v.get("gender")) if not is_blank(v.get("gender")) else ("", True)
                if id_gender and gender and gender != id_gender:
                    flags.append("gender_conflict:" + _("性别与身份证号不一致"))
                gender = gender or id_gender or ""
                phone, phone_ok = _phone(v.get("phone"))
                if not phone_ok:
                    flags.append("phone_invalid:" + _("电话号码格式不正确"))
                join = month_date(v.get("join_date"))
                full = month_date(v.get("full_date"))
                membership = _membership(v.get("membership"), full)
                resident = match_resident(session, idn, name, birth) if (idn or birth) else None
                if resident is None and birth is None and month_birth is not None:
                    resident = _match_by_name(session, name, month_birth, True)
                if resident is not None:
                    summary.matched += 1
                    birth = birth or resident.birth_date
                    gender = gender or resident.gender
                    if idn is None and resident.id_number and id_flag:
                        pass     # the damaged cell is not replaced by a guess; the resident link stands
                else:
                    flags.append("not_resident:" + _("未在居民信息中找到此人（按不在本社区居住的党员登记）"))
                branch_id = _branch(session, str(v.get("branch") or ""), branches, recorder)
                category = _category(v.get("category")) or "居住党员"
                values: dict[str, Any] = {
                    "name": name, "gender": gender, "ethnicity": str(v.get("ethnicity") or "").strip(),
                    "birth_date": birth or month_birth, "id_number": idn, "phone": phone,
                    "category": category, "org_id": branch_id, "membership": membership, "join_date": join,
                    "full_date": full if membership == "正式党员" else None,
                    "party_post": str(v.get("party_post") or "").strip()[:20],
                    "work_unit": str(v.get("work_unit") or "").strip()[:100],
                    "address": str(v.get("address") or "").strip()[:300] if resident is None else "",
                    "resident_id": resident.id if resident is not None else None,
                    "notes": str(v.get("notes") or "").strip(), "review": "\n".join(flags),
                }
                existing = None
                if idn:
                    existing = session.scalars(select(PartyMember).where(PartyMember.id_number == idn,
                                                                         PartyMember.archived_at.is_(None))).first()
                if existing is None and resident is not None:
                    existing = session.scalars(select(PartyMember).where(PartyMember.resident_id == resident.id,
                                                                         PartyMember.archived_at.is_(None))).first()
                if existing is not None:
                    before = {k: getattr(existing, k) for k in values}
                    after = {k: val for k, val in values.items() if val not in (None, "") or k == "review"}
                    for k, val in after.items():
                        setattr(existing, k, val)
                    recorder.changed("party_member", existing.id, before, after)
                    summary.merged += 1
                else:
                    member = PartyMember(**values)
                    session.add(member)
                    session.flush()
                    recorder.add("party_member", member.id)
                    if join:
                        add_event(session, member.id, "入党", join, new="预备党员")
                    if values["full_date"]:
                        add_event(session, member.id, "转正", values["full_date"], "预备党员", "正式党员")
                    add_event(session, member.id, "登记", today, new=category, note=_("导入 {f}").format(f=path.name))
                    summary.imported += 1
                if flags:
                    summary.flagged += 1
                    for f in flags:
                        summary.flag(f.split(":", 1)[0])
            session.flush()
            if not dry_run:
                summary.created = {t: len(v) for t, v in recorder.inserted.items()}
                summary.batch_id = recorder.record(session, KIND.key, path, summary)
            else:
                session.rollback()
    finally:
        session.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


# -- undo ----------------------------------------------------------------------------------------------
#: tables a Party import may insert into, in the order undo deletes them
PARTY_TABLES = ("visit", "center_member", "center_contact", "center_household", "party_member_event",
                "party_member", "party_org_grid", "party_org")


def undo_party_batch(database: Any, batch_id: int) -> dict[str, int]:
    """Undo a ``party-members`` / ``center-households`` import batch in one transaction."""
    from commdesk.models import ImportBatch, ImportBatchChange
    from commdesk.models.base import now

    counts: dict[str, int] = {}
    with database.Session.begin() as s:
        batch = s.get(ImportBatch, batch_id)
        if batch is None or batch.kind not in ("party-members", "center-households"):
            raise UserError(_("没有这个党建导入批次：{id}").format(id=batch_id))
        if batch.status == "undone":
            raise UserError(_("批次 {id} 已经撤销过了").format(id=batch_id))
        inserted = batch.inserted_ranges()
        ids = {t: [i for a, b in r for i in range(a, b + 1)] for t, r in inserted.items()}
        member_ids = ids.get("party_member", [])
        for table in PARTY_TABLES:
            if table == "party_member_event" and member_ids:
                marks = ",".join(str(int(i)) for i in member_ids)
                counts[table] = s.execute(text(f"DELETE FROM party_member_event WHERE member_id IN ({marks})")).rowcount
                continue
            if table == "party_org_grid" and ids.get("party_org"):
                marks = ",".join(str(int(i)) for i in ids["party_org"])
                s.execute(text(f"DELETE FROM party_org_grid WHERE org_id IN ({marks})"))
                continue
            if ids.get(table):
                marks = ",".join(str(int(i)) for i in ids[table])
                counts[table] = s.execute(text(f"DELETE FROM {table} WHERE id IN ({marks})")).rowcount
        for change in s.scalars(select(ImportBatchChange).where(ImportBatchChange.batch_id == batch_id)
                                .order_by(ImportBatchChange.id.desc())):
            before = json.loads(change.before)
            sets = ", ".join(f"{k} = :{k}" for k in before)
            if sets and change.table_name in PARTY_TABLES:
                s.execute(text(f"UPDATE {change.table_name} SET {sets} WHERE id = :_id"),
                          {**before, "_id": change.record_id})
        batch.status, batch.undone_at = "undone", now()
    return counts

