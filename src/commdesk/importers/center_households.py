"""Import kind ``center-households``: the 党员中心户联系户台账, through the import framework.

One row per contact household; the center household's cells (网格, 党员中心户, 中心户住址) are
merged down (or simply left blank) over its contacts. The file names households only by their
head and address, so it is imported after the residents register:

- the center: the Party member of that name (imported from the roster before), disambiguated by
  the center's address when several members share the name; the center household is the
  member's household (or, for a member without one, the household at the center's address);
- each contact: the household whose head has that name at that address (addresses compared
  after normalisation: full-width, spaces, 号楼/幢 → 栋, 号/室); if the head's name does not
  match, the only household at that address is taken and flagged in the summary;
- a contact already with another center is moved (its old assignment ends today, history kept);
- unmatched rows are rejected with the reason, never guessed.
"""
from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from commdesk.i18n import _
from commdesk.importers.fields import CENTER_HOUSEHOLDS as KIND
from commdesk.importers.normalise import is_blank
from commdesk.importers.normalise import name as norm_name
from commdesk.importers.party_members import BatchRecorder, PartySummary, data_rows


_CENTER_FIELDS = ("grid", "center_member", "center_address")
_BUILDING = re.compile(r"(\d+)\s*(?:号楼|号栋|幢|栋|楼)")
_ROOM = re.compile(r"(\d+)\s*(?:号|室|户)$")


def norm_address(value: Any) -> str:
    """Address text as compared: NFKC, no spaces, 号楼/幢/楼 → 栋, a trailing 号/户 (or bare number) → 室."""
    s = "".join(unicodedata.normalize("NFKC", str(value or "")).split())
    s = _BUILDING.sub(lambda m: f"{m.group(1)}栋", s)
    s = _ROOM.sub(lambda m: f"{m.group(1)}室", s)
    if s[-1:].isdigit():
        s += "室"
    return s.replace("-", "")


class _Households:
    """Live households by (head, address), by address, and by number (one query, a dict lookup each)."""

    def __init__(self, session: Session) -> None:
        from commdesk.models.household import format_address

        self.by_head: dict[tuple[str, str], list[int]] = {}
        self.by_address: dict[str, list[int]] = {}
        self.by_no: dict[str, int] = {}
        rows = session.execute(text(
            "SELECT h.id, h.household_no, h.estate, h.building, h.unit, h.room, h.address,"
            " (SELECT name FROM resident x WHERE x.household_id = h.id AND x.relation = '户主'"
            "  AND x.archived_at IS NULL ORDER BY x.status != '在住' LIMIT 1)"
            " FROM household h WHERE h.archived_at IS NULL"))
        for hid, hno, estate, building, unit, room, address, head in rows:
            keys = {norm_address(format_address(estate, building, unit, room, "")), norm_address(address)} - {""}
            for key in keys:
                self.by_address.setdefault(key, []).append(hid)
                if head:
                    self.by_head.setdefault((head, key), []).append(hid)
            self.by_no[hno] = hid

    def find(self, head: str, address: str, household_no: str = "") -> tuple[int | None, str]:
        """(household id, "" | "head_differs") or (None, reason)."""
        if household_no and household_no in self.by_no:
            return self.by_no[household_no], ""
        key = norm_address(address)
        hits = self.by_head.get((head, key), [])
        if len(set(hits)) == 1:
            return hits[0], ""
        if len(set(hits)) > 1:
            return None, _("有多户户主为“{head}”、住址为“{addr}”").format(head=head, addr=address)
        at = set(self.by_address.get(key, []))
        if len(at) == 1:
            return next(iter(at)), "head_differs"
        return None, _("没有找到户主为“{head}”、住址为“{addr}”的住户").format(head=head, addr=address)


def _center_member(session: Session, name: str, address: str, households: _Households) -> tuple[Any, int | None]:
    """(member, household id of the center) for the name in the file, or (None, None)."""
    from commdesk.models import Resident
    from commdesk.models.party import PartyMember

    members = session.scalars(select(PartyMember).where(PartyMember.name == name,
                                                        PartyMember.archived_at.is_(None))).all()
    at = set(households.by_address.get(norm_address(address), [])) if address else set()
    candidates = []
    for m in members:
        hid = session.get(Resident, m.resident_id).household_id if m.resident_id else None
        candidates.append((m, hid))
    if at:
        fitting = [(m, h) for m, h in candidates if h in at]
        if len(fitting) == 1:
            return fitting[0]
    if len(candidates) == 1:
        m, hid = candidates[0]
        if hid is None and len(at) == 1:
            hid = next(iter(at))
        return m, hid
    return None, None


def import_center_households(database: Any, path: str | Path, *, dry_run: bool = False, backup: bool = True,
                             cancel: Callable[[], bool] | None = None, today: date | None = None) -> PartySummary:
    """Import a 党员中心户联系户台账 (see the module docstring)."""
    from commdesk.models.party import CenterContact, CenterHousehold

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
            households = _Households(session)
            carried: dict[str, Any] = {}
            centers: dict[tuple[str, str], int | None] = {}
            for row in rows:
                v = dict(row.values)
                if not is_blank(v.get("center_member")):     # a new center starts; else its merged cells carry
                    carried = {k: v.get(k) for k in _CENTER_FIELDS}
                for k in _CENTER_FIELDS:
                    if is_blank(v.get(k)):
                        v[k] = carried.get(k)
                member_name = norm_name(v.get("center_member"))
                head = norm_name(v.get("head"))
                if not member_name:
                    summary.reject(row, _("没有党员中心户"))
                    continue
                key = (member_name, norm_address(v.get("center_address")))
                if key not in centers:
                    centers[key] = _ensure_center(session, member_name, str(v.get("center_address") or ""),
                                                  str(v.get("grid") or ""), households, summary, row, recorder,
                                                  today)
                center_id = centers[key]
                if center_id is None:
                    summary.reject(row, _("找不到党员中心户“{name}”（请先导入党员花名册）").format(name=member_name))
                    continue
                if not head:
                    summary.skipped += 1
                    continue
                hid, note = households.find(head, str(v.get("address") or ""), str(v.get("household_no") or ""))
                if hid is None:
                    summary.reject(row, note)
                    continue
                if note:
                    summary.flagged += 1
                    summary.flag(note)
                    summary.problems.append({"sheet": row.sheet, "row": row.row,
                                             "reason": _("户主姓名与登记不符，按住址匹配：{h}").format(h=head)})
                center = session.get_one(CenterHousehold, center_id)
                if hid == center.household_id:
                    summary.skipped += 1
                    continue
                current = session.scalars(select(CenterContact).where(
                    CenterContact.household_id == hid, CenterContact.end_date.is_(None),
                    CenterContact.archived_at.is_(None))).first()
                if current is not None and current.center_id == center_id:
                    summary.merged += 1
                    continue
                if current is not None:
                    recorder.changed("center_contact", current.id, {"end_date": None, "end_reason": ""},
                                     {"end_date": today, "end_reason": "导入调整"})
                    current.end_date, current.end_reason = today, _("导入调整")
                    session.flush()
                contact = CenterContact(center_id=center_id, household_id=hid, start_date=today)
                session.add(contact)
                session.flush()
                recorder.add("center_contact", contact.id)
                summary.imported += 1
            if not dry_run:
                summary.created = {t: len(v) for t, v in recorder.inserted.items()}
                summary.batch_id = recorder.record(session, KIND.key, path, summary)
            else:
                session.rollback()
    finally:
        session.close()
    summary.seconds = round(time.perf_counter() - started, 3)
    return summary


def _ensure_center(session: Session, member_name: str, address: str, grid_name: str, households: _Households,
                   summary: PartySummary, row: Any, recorder: BatchRecorder, today: date) -> int | None:
    from commdesk.models import Grid, Household
    from commdesk.models.party import CenterHousehold

    member, hid = _center_member(session, member_name, address, households)
    if member is None or hid is None:
        return None
    existing = session.scalars(select(CenterHousehold).where(
        CenterHousehold.household_id == hid, CenterHousehold.status == "在册",
        CenterHousehold.archived_at.is_(None))).first()
    if existing is not None:
        return existing.id
    grid_id = session.get_one(Household, hid).grid_id
    name = "".join(unicodedata.normalize("NFKC", grid_name).split())
    if name:
        grid = session.scalars(select(Grid).where(Grid.name == name, Grid.archived_at.is_(None))).first()
        if grid is not None:
            grid_id = grid.id
    # a household that was someone's contact leaves that center when it becomes one
    from commdesk.models.party import CenterContact

    for contact in session.scalars(select(CenterContact).where(
            CenterContact.household_id == hid, CenterContact.end_date.is_(None), CenterContact.archived_at.is_(None))):
        recorder.changed("center_contact", contact.id, {"end_date": None, "end_reason": ""},
                         {"end_date": today, "end_reason": "设为党员中心户"})
        contact.end_date, contact.end_reason = today, _("设为党员中心户")
    center = CenterHousehold(member_id=member.id, household_id=hid, grid_id=grid_id, designated_on=None,
                             notes=_("导入自 {f}").format(f=summary.file))
    session.add(center)
    session.flush()
    recorder.add("center_household", center.id)
    return center.id
