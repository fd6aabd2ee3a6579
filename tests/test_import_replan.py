"""A correction made in the wizard (a column mapped to nothing) is seen by the preview."""
from __future__ import annotations

from pathlib import Path

from commdesk.importers import inspect_file, replan

SAMPLE = Path(__file__).parent / "data" / "import" / "幸福里社区居民信息登记表.xlsx"


def test_unmapping_the_id_column_changes_the_preview() -> None:
    plan = inspect_file(SAMPLE)
    assert plan.problem_counts.get("id_precision_lost", 0) > 0
    sheet = plan.data_sheets()[0]
    id_col = next(c.index for c in sheet.columns if c.field == "id_number")
    plan.set_mapping(sheet.name, id_col, None)
    replan(plan)
    assert "id_precision_lost" not in plan.problem_counts  # no ID column, no ID problems
    assert plan.row_counts["data"] == 399  # the same people are still found
