"""address search rows: addresses whose parts already end with 栋/楼/单元/室… indexed as shown

An address written in split columns whose parts already carry their word (8号楼, 3单元, 1601室)
was shown and indexed with the word doubled (8号楼栋3单元单元1601室室). The display is computed
when read; this rebuilds the trigram search rows of the residents of such households (the body
expression is frozen here as ``search.index.TRI_BODY_SQL`` has it at this revision).

Revision ID: 0007
Revises: 0006
"""
from __future__ import annotations

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

_AFFECTED = ("h.address = '' AND (substr(h.building, -1) IN ('栋', '楼', '幢', '座') OR substr(h.unit, -2) = '单元'"
             " OR substr(h.room, -1) IN ('室', '号', '户'))")
_BODY = """substr(
    CASE WHEN r.name != '' THEN ' | ' || r.name ELSE '' END
 || CASE WHEN coalesce(r.id_number, '') != '' THEN ' | ' || r.id_number ELSE '' END
 || CASE WHEN r.phone != '' THEN ' | ' || r.phone ELSE '' END
 || CASE WHEN h.household_no != '' THEN ' | ' || h.household_no ELSE '' END
 || CASE WHEN h.address != '' THEN ' | ' || h.address
         WHEN h.estate != '' OR h.building != '' OR h.unit != '' OR h.room != '' THEN ' | ' || h.estate
              || CASE WHEN h.building = '' THEN ''
                      WHEN substr(h.building, -1) IN ('栋', '楼', '幢', '座') THEN h.building
                      ELSE h.building || '栋' END
              || CASE WHEN h.unit = '' THEN '' WHEN substr(h.unit, -2) = '单元' THEN h.unit
                      ELSE h.unit || '单元' END
              || CASE WHEN h.room = '' THEN '' WHEN substr(h.room, -1) IN ('室', '号', '户') THEN h.room
                      ELSE h.room || '室' END
         ELSE '' END, 4)"""


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    affected = f"SELECT r.id FROM resident r JOIN household h ON h.id = r.household_id WHERE {_AFFECTED}"
    op.execute(f"DELETE FROM resident_fts_tri WHERE rowid IN ({affected})")
    op.execute(f"INSERT INTO resident_fts_tri(rowid, body) SELECT r.id, {_BODY} FROM resident r"
               f" JOIN household h ON h.id = r.household_id WHERE {_AFFECTED}")


def downgrade() -> None:
    """Nothing to undo: the rows are what the search index should hold."""
