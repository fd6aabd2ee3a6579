"""Import of legacy registers (.xlsx/.xlsm, .xls, .csv in UTF-8 or GBK). No Qt.

The wizard and the CLI call the same four functions:

``inspect_file(path, kind="residents", session=None) -> ImportPlan``
    Reads the file once and writes nothing. The plan lists every sheet (``plan.sheets``: name,
    ``role`` "data"/"ignored" with ``reason``, ``header_rows`` (0-based), ``columns`` with their
    detected ``field``), the community name found in the title rows, the grids the file names,
    ``preview`` rows (cells, status, per-cell problem codes), ``problem_counts`` over the whole
    file and ``row_counts``. Corrections: ``plan.set_mapping(sheet, column, field_or_None)``,
    ``plan.set_header_rows(sheet, [rows])`` then ``replan(plan)`` (re-reads the file, refreshes
    the preview and counts). With a session,
    mappings the user corrected earlier for the same header are applied.

``run_import(database, plan_or_path, options=None, progress=None, cancel=None) -> ImportSummary``
    ``options``: ``ImportOptions(kind, on_duplicate="fill"|"update"|"skip", dry_run, backup,
    report_path, remember_mapping)``. ``progress(done, total)`` is called from the calling thread
    (run it off the GUI thread); ``cancel()`` is polled and, when true, ``ImportCancelled`` (a
    ``UserError``) is raised and the transaction rolled back. Backs up first, writes in one
    transaction, records an ``ImportBatch`` and one ``AuditEntry``. The summary accounts for
    every source row (imported / merged / duplicates skipped / skipped with reason / rejected
    with reason), lists flags, in-file duplicates and conflicts; ``summary.lines()`` is the
    Chinese text, ``summary.to_dict()`` the JSON.

``undo_batch(database, batch_id) -> dict``  and  ``list_batches(session) -> list[BatchRow]``
    Undo a whole import (inserted rows deleted, merged updates reverted) in one transaction.

``write_error_report(path, plan, extraction, summary, masked=True)`` is called by ``run_import`` when
``options.report_path`` is set (ID numbers and phones masked unless ``options.report_full``).

Hidden rows and columns (.xlsx/.xlsm/.xls) are imported like any other and reported: the plan's and
the summary's ``warnings`` name them, preview rows of hidden rows have ``hidden`` set (and
"隐藏行" in ``reason``), and the error report lists hidden rows and marks hidden columns.

Modules: ``sniff`` (real file type, refusals), ``reader`` (calamine/CSV, hostile-input
guards), ``hidden`` / ``hidden_xls`` (hidden rows and columns of .xlsx / .xls sheets), ``fields`` (per-kind field
tables and synonyms), ``layout`` (header rows, mapping),
``normalise`` (values), ``extract`` (rows → residents and households, problems, flags),
``plan`` (inspect), ``service`` (database write), ``undo``, ``report``, ``command`` (CLI).
Review-flag codes written to ``Resident.review``: id_precision_lost, id_checksum_invalid,
id_invalid, gender_conflict, gender_invalid, birth_date_conflict, birth_date_invalid,
birth_date_partial, political_unknown, phone_invalid, second_head, name_unusual,
duplicate_in_file.
"""
from __future__ import annotations

from commdesk.importers.plan import ImportCancelled, ImportPlan, inspect_file, refresh_plan, replan
from commdesk.importers.service import ImportOptions, ImportSummary, run_import
from commdesk.importers.undo import list_batches, undo_batch

__all__ = ["ImportCancelled", "ImportOptions", "ImportPlan", "ImportSummary", "inspect_file", "list_batches",
           "refresh_plan", "replan", "run_import", "undo_batch"]
