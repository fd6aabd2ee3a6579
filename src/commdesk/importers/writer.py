"""The database side of one import, on one connection inside one transaction: community and
grids, duplicates against the database (ID number, then name + birth date, then name within the
same household), households and residents inserted as tuples in chunks with explicit ids (so the
batch records them as id ranges), merged residents updated per the policy with their before and
after values kept, the search index written for new and touched residents."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, bindparam, func, select, text, update

from commdesk.i18n import _
from commdesk.importers.records import Extraction, Household as FileHousehold, Resident as FileResident
from commdesk.importers.new_rows import CHUNK, HOUSEHOLD_COLUMNS, RESIDENT_COLUMNS, NewRows, constant_columns, \
    new_rows
from commdesk.importers.plan import ImportCancelled
from commdesk.models import Community, Grid, Household, Resident, dialect
from commdesk.models.base import current_user, new_uuid, now
from commdesk.models.bulk import bulk_load, insert_sql, sql_value, uuid_hex_batch
from commdesk.models.household import RELATION_ORDER, format_address, join_tags, split_tags
from commdesk.models.search_index import char_body, tri_body
from commdesk.importers.summary import ImportSummary, PhaseClock

#: From this many residents, an import with nothing to match writes through ``new_rows``.
PIPELINE_FROM = 2 * CHUNK
_ADDRESS = slice(HOUSEHOLD_COLUMNS.index("estate"), HOUSEHOLD_COLUMNS.index("address") + 1)
#: Resident columns a merge may change, with the file value's attribute name.
MERGE_FIELDS = (("name", "name"), ("gender", "gender"), ("ethnicity", "ethnicity"), ("birth_date", "birth_date"),
                ("id_number", "id_number"), ("relation", "relation"), ("political_status", "political"),
                ("education", "education"), ("work_unit", "work_unit"), ("phone", "phone"),
                ("hukou_type", "hukou_type"), ("tags", "tags"), ("former_name", "former_name"))
_DEFAULTS = {"political_status": "群众", "ethnicity": "汉族", "hukou_type": "户籍"}


def id_ranges(ids: Iterable[int]) -> list[list[int]]:
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


class Writer:
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
        clock = PhaseClock(self.summary.timings)
        # one import at a time on a server (a second waits, then matches against the first's rows)
        dialect.serialise_imports(self.conn)
        grid_ids = self.grid_ids(result.grids)
        if result.households and not self.inserted["community"]:
            self.community_id()
        by_id, by_name = self._existing_residents(result)
        households = self._existing_households(result, grid_ids)
        if not by_id and not by_name and not households and len(result.residents) >= PIPELINE_FROM:
            self.write_new(result, clock)   # nothing to match: all rows new
            return
        # the new rows' ids, reserved (another PC's insert meanwhile takes ids after them)
        next_hid = dialect.reserve_ids(self.conn, "household", len(result.households))
        next_rid = dialect.reserve_ids(self.conn, "resident", len(result.residents))
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

    def write_new(self, result: Extraction, clock: PhaseClock) -> None:
        """``write`` when every household and resident of a read file is new."""
        clock.lap("pipeline")       # matching found nothing
        with new_rows(self, len(result.residents), self.progress, households=len(result.households)) as rows:
            rows.write(result)
        self.record_new_rows(rows, clock)

    def record_new_rows(self, rows: NewRows, clock: PhaseClock) -> None:
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
        table = Resident.__table__
        # the row version moves on like an edit's: another PC's form of this resident is now stale
        values = dict(after, updated_at=self.stamp, updated_by=self.user, version=table.c.version + 1)
        self.conn.execute(update(table).where(table.c.id == existing["id"]).values(**values))
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
        table = Household.__table__
        self.conn.execute(update(table).where(table.c.id == hid)
                          .values(**after, updated_at=self.stamp, updated_by=self.user, version=table.c.version + 1))
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
