"""``run_import``: the extraction written to the database in one transaction, as one batch.

Order of work: backup (real imports of a SQLite file) → read and normalise (``plan.extract``, or
the wizard preview's extraction when the file and plan are unchanged) → one transaction:
community and grids, duplicates against the database (ID number, then name + birth date, then
name within the same household), households and residents inserted as tuples with DB-API
``executemany`` in chunks with explicit ids (so the batch records them as id ranges), merged
residents updated per the policy with their before/after values kept, search index written for
the new and touched residents, the batch row and one audit entry. A dry run does all of it and
rolls back; cancel or any failure rolls back too, leaving the database exactly as before.

Bulk loads (a 100,000-row register): secondary indexes are dropped and rebuilt around a load at
least as big as the tables (``models.bulk.bulk_load``), and when nothing in the database matches
the file, the rows are written in chunks by ``new_rows``: the trigram index of each chunk is
filled by one ``INSERT … SELECT`` in a thread while the next chunk is prepared.
``ImportSummary.timings`` says where the time went.
"""
from __future__ import annotations

import hashlib
import json
import logging
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text, update

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers.cells import gc_paused
from commdesk.importers.records import Extraction, Household as FileHousehold, Resident as FileResident
from commdesk.validation.review_flags import PROBLEM_LABELS
from commdesk.importers.new_rows import CHUNK, HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS, NewRows, constant_columns, \
    new_rows
from commdesk.importers.plan import ImportCancelled, ImportPlan, build_plans, extract, remember_mappings, \
    take_extraction, _remembered
from commdesk.importers.reader import Source, open_source
from commdesk.models import AuditEntry, Community, Grid, Household, ImportBatch, ImportBatchChange, Resident
from commdesk.models.base import current_user, new_uuid, now
from commdesk.models.bulk import bulk_load, insert_sql, sql_value, uuid_hex_batch
from commdesk.models.household import RELATION_ORDER, format_address, join_tags, split_tags
from commdesk.models.search_index import char_body, tri_body

log = logging.getLogger("commdesk.import")
#: From this many residents, an import with nothing to match writes through ``new_rows``.
PIPELINE_FROM = 2 * CHUNK
POLICIES = ("fill", "update", "skip")
_ADDRESS = slice(HOUSEHOLD_COLUMNS.index("estate"), HOUSEHOLD_COLUMNS.index("address") + 1)
#: Resident columns a merge may change, with the file value's attribute name.
MERGE_FIELDS = (("name", "name"), ("gender", "gender"), ("ethnicity", "ethnicity"), ("birth_date", "birth_date"),
                ("id_number", "id_number"), ("relation", "relation"), ("political_status", "political"),
                ("education", "education"), ("work_unit", "work_unit"), ("phone", "phone"),
                ("hukou_type", "hukou_type"), ("tags", "tags"), ("former_name", "former_name"))
_DEFAULTS = {"political_status": "群众", "ethnicity": "汉族", "hukou_type": "户籍"}
class _Clock:
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
            out.append(_("  跳过（{reason}）：{n} 行").format(reason=reason, n=n))
        for reason, n in self.rejected_reasons.items():
            out.append(_("  拒绝（{reason}）：{n} 行").format(reason=PROBLEM_LABELS.get(reason, reason), n=n))
        if self.flagged:
            out.append(_("待核实 {n} 人：").format(n=self.flagged))
            for code, n in self.flag_counts.items():
                out.append(_("  {label}：{n}").format(label=PROBLEM_LABELS.get(code, code), n=n))
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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _ranges(ids: Iterable[int]) -> list[list[int]]:
    out: list[list[int]] = []
    for i in sorted(ids):
        if out and out[-1][1] + 1 == i:
            out[-1][1] = i
        else:
            out.append([i, i])
    return out


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


class _Writer:
    """The database side of one import, on one connection inside one transaction."""

    def __init__(self, conn: Connection, summary: ImportSummary, policy: str, file_name: str,
                 community_hint: str, cancel: Callable[[], bool] | None,
                 progress: Callable[[int, int], None] | None) -> None:
        self.conn = conn
        self.summary = summary
        self.policy = policy
        self.file_name = file_name
        self.community_hint = community_hint
        self.cancel = cancel
        self.progress = progress
        self.inserted: dict[str, list[int]] = {"community": [], "grid": [], "household": [], "resident": []}
        self.changes: list[dict[str, Any]] = []
        self.touched: list[int] = []
        self.stamp = now()
        self.stamp_text = sql_value(self.stamp)
        self.user = current_user()
        self.uuids: list[str] = []
        self.names: dict[str, tuple[str, str, str]] = {}
        self.tags: dict[tuple[str, ...], str] = {}

    def check_cancel(self) -> None:
        if self.cancel is not None and self.cancel():
            raise ImportCancelled(_("导入已取消，数据库没有任何改动"))

    # -- community and grids ------------------------------------------------------------------------
    def _record(self, **values: Any) -> dict[str, Any]:
        return {"uuid": new_uuid(), "created_at": self.stamp, "updated_at": self.stamp, "updated_by": self.user,
                "archived_at": None, **values}

    def community_id(self) -> int:
        row = self.conn.execute(select(Community.id).where(Community.archived_at.is_(None))
                                .order_by(Community.id)).first()
        if row is not None:
            return int(row[0])
        name = self.community_hint or Path(self.file_name).stem
        result = self.conn.execute(Community.__table__.insert().values(
            **self._record(name=name[:100], street_office="", district="")))
        cid = int(result.inserted_primary_key[0])
        self.inserted["community"].append(cid)
        self.summary.community_created = name
        return cid

    def grid_ids(self, names: list[str]) -> dict[str, int]:
        out = {n: int(i) for i, n in self.conn.execute(select(Grid.id, Grid.name).where(Grid.archived_at.is_(None)))}
        missing = [n for n in names if n and n not in out]
        if not missing:
            return out
        cid = self.community_id()
        count = self.conn.execute(select(func.count()).select_from(Grid)).scalar() or 0
        for n in missing:
            count += 1
            result = self.conn.execute(Grid.__table__.insert().values(
                **self._record(community_id=cid, code=f"{count:02d}", name=n[:100], leader="", workers="")))
            gid = int(result.inserted_primary_key[0])
            out[n] = gid
            self.inserted["grid"].append(gid)
            self.summary.grids_created.append(n)
        return out

    # -- matching -----------------------------------------------------------------------------------------
    def _existing_residents(self, result: Extraction) -> tuple[dict[str, dict[str, Any]],
                                                                dict[str, list[dict[str, Any]]]]:
        """Existing residents that may match: by ID number, and by name."""
        has_any = self.conn.execute(text("SELECT 1 FROM resident LIMIT 1")).first() is not None
        if not has_any:
            return {}, {}
        cols = ", ".join(["id", "household_id", "rel_order", "review"] + [c for c, _a in MERGE_FIELDS])
        by_id: dict[str, dict[str, Any]] = {}
        by_name: dict[str, list[dict[str, Any]]] = {}
        ids = sorted({r.id_number for r in result.residents if r.id_number})
        for chunk in _chunks(ids, 900):
            q = text(f"SELECT {cols} FROM resident WHERE archived_at IS NULL AND id_number IN :ids") \
                .bindparams(bindparam("ids", expanding=True))
            for row in self.conn.execute(q, {"ids": list(chunk)}).mappings():
                by_id[row["id_number"]] = _typed(row)
        names = sorted({r.name for r in result.residents})
        for chunk in _chunks(names, 900):
            q = text(f"SELECT {cols} FROM resident WHERE archived_at IS NULL AND name IN :names") \
                .bindparams(bindparam("names", expanding=True))
            for row in self.conn.execute(q, {"names": list(chunk)}).mappings():
                found = by_id.get(row["id_number"]) if row["id_number"] else None
                by_name.setdefault(row["name"], []).append(found if found is not None and found["id"] == row["id"]
                                                           else _typed(row))
        return by_id, by_name

    def _existing_households(self, result: Extraction, grid_ids: dict[str, int]) -> dict[tuple[str, int | None],
                                                                                         int]:
        numbers = sorted({h.household_no for h in result.households if h.household_no})
        out: dict[tuple[str, int | None], int] = {}
        for chunk in _chunks(numbers, 900):
            q = text("SELECT id, household_no, grid_id FROM household WHERE archived_at IS NULL "
                     "AND household_no IN :nos").bindparams(bindparam("nos", expanding=True))
            for hid, no, gid in self.conn.execute(q, {"nos": list(chunk)}):
                out.setdefault((no, gid), hid)
                out.setdefault((no, None), hid)
        return out

    # -- the write --------------------------------------------------------------------------------------------
    def write(self, result: Extraction) -> None:
        clock = _Clock(self.summary.timings)
        grid_ids = self.grid_ids(result.grids)
        if result.households and not self.inserted["community"]:
            self.community_id()
        by_id, by_name = self._existing_residents(result)
        households = self._existing_households(result, grid_ids)
        if not by_id and not by_name and not households and len(result.residents) >= PIPELINE_FROM:
            self.write_new(result, clock)   # nothing to match: all rows new
            return
        next_hid = (self.conn.execute(text("SELECT max(id) FROM household")).scalar() or 0) + 1
        next_rid = (self.conn.execute(text("SELECT max(id) FROM resident")).scalar() or 0) + 1
        first_rid = next_rid
        household_rows: list[tuple[Any, ...]] = []
        resident_rows: list[tuple[Any, ...]] = []
        new_household_text: dict[int, tuple[str, str]] = {}    # household number and address, as stored
        fts_rows: list[tuple[int, str, str]] = []             # new residents of new households: id, bodies
        elsewhere: list[int] = []                              # new residents of households already stored
        heads: dict[int, str] = {}
        total = len(result.residents) or 1
        done = 0
        self.uuids = uuid_hex_batch(len(result.households) + len(result.residents))
        imported = 0
        for fh in result.households:
            self.check_cancel()
            gid = grid_ids.get(fh.grid) if fh.grid else None
            target = households.get((fh.household_no, gid)) if fh.household_no else None
            if target is None and fh.household_no and gid is None:
                target = households.get((fh.household_no, None))
            matches = [self._match(r, by_id, by_name, target) for r in fh.members] if by_id or by_name \
                else [None] * len(fh.members)
            if target is None:
                found = [m["household_id"] for m in matches if m is not None]
                target = max(set(found), key=found.count) if found else None
            if target is None:
                target = next_hid
                next_hid += 1
                row = self.household_row(target, fh, gid)
                household_rows.append(row)
                new_household_text[target] = (fh.household_no[:40], format_address(*row[_ADDRESS]))
            else:
                self.summary.households_matched += 1
                self._fill_household(target, fh, gid)
                if target not in heads:
                    head = self.conn.execute(text(
                        "SELECT name FROM resident WHERE household_id=:h AND relation='户主' AND archived_at IS NULL"
                        " AND status='在住' LIMIT 1"), {"h": target}).first()
                    heads[target] = head[0] if head else ""
            stored = new_household_text.get(target)
            for res, match in zip(fh.members, matches):
                done += 1
                if match is not None:
                    self._merge(res, match, target, heads)
                    continue
                if res.relation == "户主":
                    head = heads.get(target)
                    if head and head != res.name:
                        res.relation = ""
                        res.flags.append(f"second_head:数据库中该户户主为{head}")
                        res.problems.append((-1, "second_head"))
                    else:
                        heads[target] = res.name
                keys = self.name_keys(res.name)
                resident_rows.append(self.resident_row(next_rid, target, res, keys))
                if stored is not None:
                    fts_rows.append((next_rid, tri_body(res.name[:50], res.id_number, res.phone, *stored), keys[2]))
                else:
                    elsewhere.append(next_rid)
                imported += 1
                next_rid += 1
            if self.progress is not None and done % 5000 < len(fh.members):
                self.progress(done, total)
        # new rows have consecutive ids
        self.inserted["household"].extend(range(next_hid - len(household_rows), next_hid))
        self.inserted["resident"].extend(range(first_rid, next_rid))
        self.summary.households_created += len(household_rows)
        self.summary.imported += imported
        clock.lap("prepare")
        with bulk_load(self.conn, ("household", "resident"), len(resident_rows)):
            self._insert("household", household_rows)
            self._insert("resident", resident_rows)
            clock.lap("insert")
            self.check_cancel()
        clock.lap("index_rebuild")
        self._index(first_rid, next_rid - 1, fts_rows, elsewhere + self.touched)
        clock.lap("search_index")

    def write_new(self, result: Extraction, clock: _Clock) -> None:
        """``write`` when every household and resident of a read file is new."""
        clock.lap("pipeline")       # matching found nothing
        with new_rows(self, len(result.residents), self.progress) as rows:
            rows.write(result)
        self.record_new_rows(rows, clock)

    def record_new_rows(self, rows: NewRows, clock: _Clock) -> None:
        """Counts and timings of ``new_rows``: ``pipeline`` is its wall time outside the walk
        (rows prepared, inserted, waiting for the trigram fill), split into prepare / insert /
        search_index."""
        clock.lap("index_rebuild")
        seconds, timings = rows.seconds, self.summary.timings
        written = seconds["finish"] + seconds["write"]
        timings["index_rebuild"] = round(max(0.0, timings["index_rebuild"] - written), 3)
        timings["pipeline"] = round(timings.get("pipeline", 0.0) + seconds["write"] + seconds["finish"], 3)
        for key in ("prepare", "insert", "search_index"):
            timings[key] = round(timings.get(key, 0.0) + seconds[key], 3)
        self.summary.households_created += rows.households_created
        self.summary.imported += rows.residents_created

    def _index(self, first: int, last: int, fts_rows: list[tuple[int, str, str]], others: list[int]) -> None:
        """The search index of the new residents (bodies built here, as ``reindex_residents`` would
        build them from the stored rows) and of the others (read back from the database)."""
        from commdesk.models.search_index import reindex_residents

        if first <= last:
            for table in ("resident_fts_tri", "resident_fts_char"):
                self.conn.exec_driver_sql(f"DELETE FROM {table} WHERE rowid BETWEEN ? AND ?", (first, last))
        for chunk in _chunks(fts_rows, CHUNK):
            self.check_cancel()
            self.conn.exec_driver_sql("INSERT INTO resident_fts_tri(rowid, body) VALUES (?, ?)",
                                      [(rid, tri) for rid, tri, _char in chunk])
            self.conn.exec_driver_sql("INSERT INTO resident_fts_char(rowid, body) VALUES (?, ?)",
                                      [(rid, char) for rid, _tri, char in chunk])
        reindex_residents(self.conn, others)

    def insert_statement(self, table: str) -> str:
        """The ``INSERT`` of ``household_row`` / ``resident_row`` rows (the columns every new row
        has in common written into it)."""
        columns = HOUSEHOLD_COLUMNS if table == "household" else RESIDENT_COLUMNS
        return insert_sql(table, columns, constant_columns(table, self.stamp_text, self.user))

    def _insert(self, table: str, rows: list[tuple[Any, ...]]) -> None:
        sql = self.insert_statement(table)
        for chunk in _chunks(rows, CHUNK):
            self.check_cancel()
            self.conn.exec_driver_sql(sql, chunk)

    def _uuid(self) -> str:
        if not self.uuids:
            self.uuids = uuid_hex_batch(4096)
        return self.uuids.pop()

    def household_row(self, hid: int, fh: FileHousehold, gid: int | None) -> tuple[Any, ...]:
        """A row in ``HOUSEHOLD_COLUMNS`` order, values in storage form."""
        return (hid, self._uuid(), gid, fh.household_no[:40], fh.estate[:100], fh.building[:20], fh.unit[:20],
                fh.room[:20], fh.address[:300], fh.housing or "自有")

    def name_keys(self, name: str) -> tuple[str, str, str]:
        """Stored pinyin initials and full pinyin of a name, and its one-character index body (the
        name as stored, truncated to 50), once per distinct name."""
        keys = self.names.get(name)
        if keys is None:
            from commdesk.search.pinyin import name_keys

            initials, full = name_keys(name)
            keys = self.names[name] = (initials[:50], full[:200], char_body(name[:50]))
        return keys

    def resident_row(self, rid: int, hid: int, res: FileResident, keys: tuple[str, str, str]) -> tuple[Any, ...]:
        """A row in ``RESIDENT_COLUMNS`` order, values in storage form (``keys``: ``name_keys``)."""
        tags = self.tags.get(res.tags)
        if tags is None:
            tags = self.tags[res.tags] = join_tags(res.tags)
        born = res.birth_date
        return (rid, self._uuid(), hid, res.name[:50], res.former_name, res.gender, res.ethnicity,
                born.isoformat() if born is not None else None, res.id_number, res.relation[:10],
                RELATION_ORDER.get(res.relation, 99), res.political[:10], res.education, res.work_unit, res.phone,
                res.hukou_type or "户籍", tags, res.notes, "\n".join(res.flags) if res.flags else "", keys[0], keys[1])

    def _match(self, res: FileResident, by_id: dict[str, dict[str, Any]],
               by_name: dict[str, list[dict[str, Any]]], target: int | None) -> dict[str, Any] | None:
        if res.id_number and res.id_number in by_id:
            return by_id[res.id_number]
        candidates = [c for c in by_name.get(res.name, ())
                      if not (res.id_number and c["id_number"] and c["id_number"] != res.id_number)]
        if not candidates:
            return None
        same_house = [c for c in candidates if target is not None and c["household_id"] == target]
        if res.birth_date is not None:
            same = [c for c in candidates if c["birth_date"] == res.birth_date]
            if len(same) > 1:
                same = [c for c in same if c in same_house]
            return same[0] if len(same) == 1 else None
        same_house = [c for c in same_house if c["birth_date"] is None or not c["id_number"]]
        return same_house[0] if len(same_house) == 1 else None

    def _merge(self, res: FileResident, existing: dict[str, Any], target: int, heads: dict[int, str]) -> None:
        if existing.get("_merged"):
            self.summary.in_file_duplicates.append({"sheet": res.sheet, "row": res.row, "name": res.name})
            self.summary.duplicates_skipped += 1
            return
        existing["_merged"] = True
        if self.policy == "skip":
            self.summary.duplicates_skipped += 1
            return
        before: dict[str, Any] = {}
        after: dict[str, Any] = {}
        for column, attr in MERGE_FIELDS:
            new = getattr(res, attr)
            if column == "tags":
                merged_tags = join_tags(set(split_tags(existing["tags"])) | set(new))
                new = merged_tags if self.policy == "fill" else (join_tags(new) or existing["tags"])
            old = existing[column]
            if new in (None, "", ()) or new == old:
                continue
            if column == "relation" and new == "户主" and heads.get(target) and heads[target] != existing["name"]:
                continue
            blank = old in (None, "") or (column in _DEFAULTS and old == _DEFAULTS[column] and self.policy == "fill"
                                           and column != "political_status")
            if self.policy == "update" or blank:
                before[column], after[column] = old, new
            else:
                self.summary.conflicts.append({"sheet": res.sheet, "row": res.row, "name": res.name,
                                               "field": column, "existing": _plain(old), "file": _plain(new)})
        review_old = existing["review"] or ""
        lines = [line for line in review_old.splitlines() if line]
        if after.get("id_number"):
            lines = [line for line in lines if not line.startswith(("id_precision_lost", "id_checksum_invalid",
                                                                     "id_invalid"))]
        codes = {line.split(":", 1)[0] for line in lines}
        new_flags = [f for f in res.flags if f.split(":", 1)[0] not in codes]
        if existing["id_number"] or after.get("id_number"):
            new_flags = [f for f in new_flags if not f.startswith("id_")]
        lines += new_flags
        review_new = "\n".join(dict.fromkeys(lines))
        if review_new != review_old:
            before["review"], after["review"] = review_old, review_new
        if existing["household_id"] != target and self.policy == "update":
            before["household_id"], after["household_id"] = existing["household_id"], target
        self.summary.merged += 1
        if not after:
            return
        if "relation" in after:
            after["rel_order"] = RELATION_ORDER.get(after["relation"], 99)
            before["rel_order"] = existing["rel_order"]
        if "name" in after:
            from commdesk.search.pinyin import name_keys

            after["py_initials"], after["py_full"] = name_keys(after["name"])
        values = dict(after, updated_at=self.stamp, updated_by=self.user)
        self.conn.execute(update(Resident.__table__).where(Resident.__table__.c.id == existing["id"]).values(**values))
        self.changes.append({"table_name": "resident", "record_id": existing["id"],
                             "before": json.dumps({k: _plain(v) for k, v in before.items()}, ensure_ascii=False),
                             "after": json.dumps({k: _plain(v) for k, v in after.items()}, ensure_ascii=False)})
        self.touched.append(existing["id"])

    def _fill_household(self, hid: int, fh: FileHousehold, gid: int | None) -> None:
        row = self.conn.execute(text("SELECT grid_id, estate, building, unit, room, address FROM household WHERE id=:i"),
                                {"i": hid}).mappings().first()
        if row is None:
            return
        new = {"grid_id": gid, "estate": fh.estate, "building": fh.building, "unit": fh.unit, "room": fh.room,
               "address": fh.address}
        before, after = {}, {}
        for key, value in new.items():
            if value in (None, "") or value == row[key]:
                continue
            if row[key] in (None, "") or self.policy == "update":
                before[key], after[key] = row[key], value
        if not after:
            return
        self.conn.execute(update(Household.__table__).where(Household.__table__.c.id == hid)
                          .values(**after, updated_at=self.stamp, updated_by=self.user))
        self.changes.append({"table_name": "household", "record_id": hid,
                             "before": json.dumps(before, ensure_ascii=False),
                             "after": json.dumps(after, ensure_ascii=False)})
        ids = [r[0] for r in self.conn.execute(text("SELECT id FROM resident WHERE household_id=:h"), {"h": hid})]
        self.touched.extend(ids)


def _typed(row: Any) -> dict[str, Any]:
    out = dict(row)
    birth = out.get("birth_date")
    if isinstance(birth, str) and birth:
        out["birth_date"] = date.fromisoformat(birth[:10])
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def _summarise(summary: ImportSummary, result: Extraction) -> None:
    summary.rows_total = sum(o.count for o in result.outcomes)
    for out in result.outcomes:
        if out.status == "skipped":
            summary.skipped += out.count
            key = out.reason.split("（", 1)[0] if out.reason.startswith(_("分组标题行")) else out.reason
            summary.skipped_reasons[key] = summary.skipped_reasons.get(key, 0) + out.count
        elif out.status == "rejected":
            summary.rejected += out.count
            summary.rejected_reasons[out.reason] = summary.rejected_reasons.get(out.reason, 0) + out.count
    for res in result.residents:
        codes = res.flag_codes()
        if codes:
            summary.flagged += 1
        for code in dict.fromkeys(codes):
            summary.flag_counts[code] = summary.flag_counts.get(code, 0) + 1
        if "duplicate_in_file" in codes:
            summary.in_file_duplicates.append({"sheet": res.sheet, "row": res.row, "name": res.name})
    summary.warnings += result.warnings


def _warm_pinyin() -> None:
    """pypinyin loads its dictionaries when first imported (about 0.3 s): that happens in a thread
    while the file is read (calamine parses without holding the GIL), not when the first row is
    written. An import already under way in another thread just makes the writer wait for it."""
    if "pypinyin" in sys.modules:
        return

    def load() -> None:
        try:
            from commdesk.search.pinyin import name_keys

            name_keys("张")
        except Exception:  # noqa: BLE001 - the writer's own import reports any real problem
            log.debug("pinyin warm-up failed", exc_info=True)

    threading.Thread(target=load, name="pinyin-warm-up", daemon=True).start()


def _open(database: Any, path: Path, source: str | Path | ImportPlan, kind: str,
          clock: _Clock) -> tuple[Source, ImportPlan]:
    """The opened file and the plan (the given one, or detected with the remembered mappings)."""
    opened = open_source(path)
    try:
        if isinstance(source, ImportPlan):
            plan = source
        else:
            with database.Session() as session:
                remembered = _remembered(session)
            sheets = build_plans(opened, kind, remembered)
            from commdesk.importers.layout import community_name

            plan = ImportPlan(path=path, kind=kind, file_type=opened.kind, encoding=opened.encoding, sheets=sheets)
            plan.community = community_name([line for s in sheets for line in s.title_lines] + [path.stem])
        if not plan.data_sheets():
            raise UserError(_("“{file}”中没有找到居民信息表（没有“姓名”“身份证号”等表头）").format(file=path.name))
        for sp in plan.data_sheets():        # before anything is written (extract checks it too)
            if "name" not in sp.mapping().values():
                raise UserError(_("“{file}”工作表“{sheet}”：没有找到“姓名”列，请在映射步骤中指定").format(
                    file=path.name, sheet=sp.name))
    except BaseException:
        opened.close()
        raise
    clock.lap("read")
    return opened, plan


def _extract(opened: Source, plan: ImportPlan, progress: Callable[[int, int], None] | None,
             cancel: Callable[[], bool] | None, clock: _Clock) -> Extraction:
    """``plan.extract`` timed as ``normalise`` (sheets loaded lazily during the walk count as reading)."""
    timings = clock.timings
    loaded = opened.load_times()
    result = extract(opened, plan, progress, cancel)
    clock.lap("normalise")
    wall, cpu = (after - before for after, before in zip(opened.load_times(), loaded, strict=True))
    for phase, sign in (("read", 1), ("normalise", -1)):
        timings[phase] = round(timings[phase] + sign * wall, 3)
        timings[f"{phase}_cpu"] = round(timings[f"{phase}_cpu"] + sign * cpu, 3)
    return result


def run_import(database: Any, source: str | Path | ImportPlan, options: ImportOptions | None = None,
               progress: Callable[[int, int], None] | None = None,
               cancel: Callable[[], bool] | None = None) -> ImportSummary:
    """Import a register (a path, or the wizard's corrected plan). See the package docstring."""
    options = options or ImportOptions()
    if options.on_duplicate not in POLICIES:
        raise UserError(_("重复处理方式只能是 fill、update 或 skip"))
    started = time.perf_counter()
    timings: dict[str, float] = {}
    clock = _Clock(timings)
    _warm_pinyin()
    path = source.path if isinstance(source, ImportPlan) else Path(source)
    kind = source.kind if isinstance(source, ImportPlan) else options.kind
    previewed = take_extraction(source) if isinstance(source, ImportPlan) else None
    if previewed is not None:       # the wizard's preview read this file with this plan
        plan, result = source, previewed
        timings["reused_preview"] = 1
    else:
        opened, plan = _open(database, path, source, kind, clock)
        try:
            result = _extract(opened, plan, progress, cancel, clock)
        finally:
            opened.close()
    summary = ImportSummary(file=path.name, kind=kind, dry_run=options.dry_run, on_duplicate=options.on_duplicate,
                            timings=timings)
    if not options.dry_run and options.backup and getattr(database, "path", None) is not None \
            and Path(database.path).exists():
        from commdesk.models.backup import backup_database

        summary.backup_path = str(backup_database(database, reason="before-import"))
        clock.lap("backup")
    conn = database.engine.connect()
    sqlite = conn.dialect.name == "sqlite" and getattr(database, "path", None) is not None
    if sqlite:      # the commit makes the load durable; copying the log into the file follows in a thread
        conn.connection.driver_connection.execute("PRAGMA wal_autocheckpoint=0")  # type: ignore[union-attr]
    try:
        trans = conn.begin()
        try:
            writer = _Writer(conn, summary, options.on_duplicate, path.name, plan.community, cancel, progress)
            clock.lap("connect")
            with gc_paused():
                writer.write(result)
            clock = _Clock(timings)
            _summarise(summary, result)
            if not options.dry_run:
                summary.batch_id = _record_batch(conn, writer, summary, path, kind, options)
                if options.remember_mapping:
                    from sqlalchemy.orm import Session

                    with Session(bind=conn) as session:
                        remember_mappings(session, plan)
                        session.flush()
            if options.dry_run:
                trans.rollback()
            else:
                trans.commit()
            clock.lap("commit")
        except BaseException:
            trans.rollback()
            raise
    finally:
        if sqlite:
            try:
                conn.connection.driver_connection.execute(  # type: ignore[union-attr]
                    "PRAGMA wal_autocheckpoint=1000")     # SQLite's default, for the pool
            except Exception:  # noqa: BLE001 - a broken connection is not handed back to the pool
                conn.invalidate()
        conn.close()
    if sqlite and not options.dry_run and hasattr(database, "checkpoint_in_background"):
        database.checkpoint_in_background()
    if options.report_path is not None:
        from commdesk.importers.report import write_error_report

        write_error_report(Path(options.report_path), plan, result, summary)
        summary.report_path = str(options.report_path)
    summary.seconds = round(time.perf_counter() - started, 3)
    log.info("import of %s: %d rows, %d imported, %d merged, %d rejected, %d flagged, dry_run=%s, %.2fs",
             path.name, summary.rows_total, summary.imported, summary.merged, summary.rejected, summary.flagged,
             options.dry_run, summary.seconds)
    return summary


def _record_batch(conn: Connection, writer: _Writer, summary: ImportSummary, path: Path, kind: str,
                  options: ImportOptions) -> int:
    counts = {"rows_total": summary.rows_total, "imported": summary.imported, "merged": summary.merged,
              "duplicates_skipped": summary.duplicates_skipped, "skipped": summary.skipped,
              "rejected": summary.rejected, "flagged": summary.flagged,
              "households_created": summary.households_created, "grids_created": summary.grids_created}
    inserted = {k: _ranges(v) for k, v in writer.inserted.items() if v}
    result = conn.execute(ImportBatch.__table__.insert().values(
        uuid=new_uuid(), created_at=writer.stamp, user=writer.user, kind=kind, file_name=path.name[:260],
        file_sha256=_sha256(path), on_duplicate=options.on_duplicate, status="imported", undone_by="",
        inserted=json.dumps(inserted), counts=json.dumps(counts, ensure_ascii=False)))
    batch_id = int(result.inserted_primary_key[0])
    if writer.changes:
        conn.execute(ImportBatchChange.__table__.insert(), [dict(c, batch_id=batch_id) for c in writer.changes])
    conn.execute(AuditEntry.__table__.insert().values(
        at=writer.stamp, user=writer.user, table_name="import_batch", record_id=batch_id, record_uuid="",
        action="import", changes=json.dumps(counts, ensure_ascii=False),
        summary=_("导入 {file}：新增 {a} 人，合并 {m} 人").format(file=path.name, a=summary.imported,
                                                            m=summary.merged)[:300]))
    return batch_id
