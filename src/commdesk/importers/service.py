"""``run_import``: the extraction written to the database in one transaction, as one batch.

Order of work: backup (real imports of a SQLite file) → read and normalise (``plan.extract``, or
the wizard preview's extraction when the file and plan are unchanged) → one transaction, written
by :class:`~commdesk.importers.writer.Writer` (options and summary: :mod:`.summary`):
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import Connection

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.importers.cells import gc_paused
from commdesk.importers.records import Extraction
from commdesk.importers.plan import ImportPlan, build_plans, extract, remember_mappings, take_extraction, _remembered
from commdesk.importers.reader import Source, open_source
from commdesk.models import AuditEntry, ImportBatch, ImportBatchChange
from commdesk.models.base import new_uuid
from commdesk.importers.summary import POLICIES, ImportOptions, ImportSummary, PhaseClock, summarise
from commdesk.importers.writer import Writer, id_ranges

log = logging.getLogger("commdesk.import")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


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
          clock: PhaseClock) -> tuple[Source, ImportPlan]:
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
            if not sp.has_name():
                raise UserError(_("“{file}”工作表“{sheet}”：没有找到“姓名”列，请在映射步骤中指定").format(
                    file=path.name, sheet=sp.name))
    except BaseException:
        opened.close()
        raise
    clock.lap("read")
    return opened, plan


def _extract(opened: Source, plan: ImportPlan, progress: Callable[[int, int], None] | None,
             cancel: Callable[[], bool] | None, clock: PhaseClock) -> Extraction:
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
    clock = PhaseClock(timings)
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
            writer = Writer(conn, summary, options.on_duplicate, path.name, plan.community, cancel, progress)
            clock.lap("connect")
            with gc_paused():
                writer.write(result)
            clock = PhaseClock(timings)
            summarise(summary, result)
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

        write_error_report(Path(options.report_path), plan, result, summary, masked=not options.report_full)
        summary.report_path = str(options.report_path)
    summary.seconds = round(time.perf_counter() - started, 3)
    log.info("import of %s: %d rows, %d imported, %d merged, %d rejected, %d flagged, dry_run=%s, %.2fs",
             path.name, summary.rows_total, summary.imported, summary.merged, summary.rejected, summary.flagged,
             options.dry_run, summary.seconds)
    return summary


def _record_batch(conn: Connection, writer: Writer, summary: ImportSummary, path: Path, kind: str,
                  options: ImportOptions) -> int:
    counts = {"rows_total": summary.rows_total, "imported": summary.imported, "merged": summary.merged,
              "duplicates_skipped": summary.duplicates_skipped, "skipped": summary.skipped,
              "rejected": summary.rejected, "flagged": summary.flagged,
              "households_created": summary.households_created, "grids_created": summary.grids_created}
    inserted = {k: id_ranges(v) for k, v in writer.inserted.items() if v}
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
