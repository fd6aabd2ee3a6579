"""The 住户台账 page's commands as QActions with shortcuts, each opening its dialog and saving
through the runner. The page's change signal refreshes the table and the panel afterwards."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QWidget

from commdesk.i18n import _
from commdesk.models import Household, Resident
from commdesk.models.household import split_tags
from commdesk.services import households as hs
from commdesk.services.resident_form import HouseholdForm, ResidentForm
from commdesk.ui.dialogs.event_dialog import EventDialog
from commdesk.ui.dialogs.form_dialog import confirm
from commdesk.ui.dialogs.household_dialog import HouseholdDialog
from commdesk.ui.dialogs.move_dialog import MoveDialog
from commdesk.ui.dialogs.resident_dialog import ResidentDialog
from commdesk.ui.errors import show_error
from commdesk.ui.runner import Op


def resident_form(r: Resident) -> ResidentForm:
    return ResidentForm(name=r.name, gender=r.gender, ethnicity=r.ethnicity, birth_date=r.birth_date,
                        id_number=r.id_number or "", relation=r.relation, political_status=r.political_status,
                        education=r.education, work_unit=r.work_unit, phone=r.phone, hukou_type=r.hukou_type,
                        tags=split_tags(r.tags), notes=r.notes, former_name=r.former_name, version=r.version)


def household_form(h: Household) -> HouseholdForm:
    return HouseholdForm(household_no=h.household_no, grid_id=h.grid_id, estate=h.estate, building=h.building,
                         unit=h.unit, room=h.room, address=h.address, housing=h.housing, status=h.status,
                         tags=split_tags(h.tags), notes=h.notes, version=h.version)


class HouseholdActions(QObject):
    def __init__(self, page: QWidget) -> None:
        """``page`` is the :class:`~commdesk.ui.ledger_page.LedgerPage` that owns these actions (typed
        as a widget: this module sits below the page and must not import it)."""
        super().__init__(page)
        self.page = page
        self.last_dialog: Any = None

        def act(text: str, shortcut: Any, slot: Any, name: str) -> QAction:
            action = QAction(_(text), page)
            action.setObjectName(name)
            if shortcut:
                action.setShortcut(QKeySequence(shortcut))
                action.setToolTip(f"{_(text)}（{QKeySequence(shortcut).toString(QKeySequence.SequenceFormat.NativeText)}）")
            action.triggered.connect(lambda _checked=False: slot())
            page.addAction(action)
            return action

        self.new_household = act("新建户", "Ctrl+N", self.add_household, "actNewHousehold")
        self.edit_household_action = act("编辑户", "Ctrl+E", self.edit_household, "actEditHousehold")
        self.add_member = act("添加成员", "Ctrl+Shift+N", self.add_resident, "actAddMember")
        self.edit_member = act("编辑居民", "F2", self.edit_resident, "actEditResident")
        self.move = act("迁到他户", "Ctrl+M", self.move_resident, "actMove")
        self.event = act("登记变动", "Ctrl+D", self.record_event, "actEvent")
        self.archive = act("归档居民", "Delete", self.archive_resident, "actArchive")
        self.archive_household = act("归档整户", "Ctrl+Delete", self.archive_whole_household, "actArchiveHousehold")
        self.restore = act("恢复", "Ctrl+Shift+R", self.restore_selected, "actRestore")

    def toolbar_actions(self) -> list[QAction]:
        return [self.new_household, self.edit_household_action, self.add_member, self.edit_member, self.move,
                self.event, self.archive, self.restore]

    # --- helpers ---------------------------------------------------------------------------
    def _resident(self, resident_id: int | None = None) -> int | None:
        if resident_id:
            return resident_id
        if self.page.panel.members.hasFocus():
            return self.page.panel.selected_member()
        return self.page.current_resident()

    def _open(self, dialog: Any) -> Any:
        self.last_dialog = dialog
        dialog.finished.connect(lambda _r: self._closed(dialog))
        dialog.open()
        return dialog

    def _closed(self, dialog: Any) -> None:
        # Qt emits accepted() before finished(): a follow-up dialog may already be open
        if self.last_dialog is dialog:
            self.last_dialog = None

    # --- commands --------------------------------------------------------------------------
    def add_household(self) -> None:
        def load(session: Any) -> tuple[str, Any]:
            return hs.next_household_no(session), None

        def opened(result: tuple[str, Any]) -> None:
            grid = self.page.grid_box.currentData()
            dialog = HouseholdDialog(self.page.grids, self.page,
                                     HouseholdForm(household_no=result[0], grid_id=grid), title=_("新建户"))
            dialog.save_fn = hs.create_household
            dialog.accepted.connect(lambda: self._household_created(dialog.result_value))
            self._open(dialog)

        Op(self.page, load).success(opened).run()

    def _household_created(self, result: Any) -> None:
        _changes, household_id = result
        self.add_resident(household_id=household_id, first=True)

    def edit_household(self) -> None:
        hid = self.page.current_household()
        if hid is None:
            return

        def opened(form: HouseholdForm) -> None:
            dialog = HouseholdDialog(self.page.grids, self.page, form)
            dialog.save_fn = lambda s, f: hs.update_household(s, hid, f)
            self._open(dialog)

        Op(self.page, lambda s: household_form(s.get_one(Household, hid))).success(opened).run()

    def add_resident(self, household_id: int | None = None, first: bool = False) -> None:
        hid = household_id or self.page.current_household()
        if hid is None:
            return
        form = ResidentForm(relation="户主" if first else "子")
        dialog = ResidentDialog(self.page, form, title=_("添加家庭成员"), with_arrival=True)

        def save(session: Any, f: ResidentForm) -> Any:
            kind, when = dialog.arrival_choice()
            return hs.add_resident(session, hid, f, event=kind, event_date=when)

        dialog.save_fn = save
        dialog.accepted.connect(lambda: self.page.select_after_refresh(dialog.result_value[1]))
        self._open(dialog)

    def edit_resident(self, resident_id: int | None = None) -> None:
        rid = self._resident(resident_id)
        if rid is None:
            return

        def opened(form: ResidentForm) -> None:
            dialog = ResidentDialog(self.page, form)
            dialog.save_fn = lambda s, f: hs.update_resident(s, rid, f)
            dialog.accepted.connect(lambda: self.page.select_after_refresh(rid))
            self._open(dialog)

        Op(self.page, lambda s: resident_form(s.get_one(Resident, rid))).success(opened).run()

    def move_resident(self) -> None:
        rid = self._resident()
        if rid is None:
            return

        def opened(info: tuple[str, int]) -> None:
            dialog = MoveDialog(info[0], info[1], self.page)
            dialog.save_fn = lambda s, v: hs.move_resident(s, rid, v["household_id"], v["date"], v["relation"])
            dialog.accepted.connect(lambda: self.page.select_after_refresh(rid))
            self._open(dialog)

        Op(self.page, lambda s: (lambda r: (r.name, r.household_id))(s.get_one(Resident, rid))).success(opened).run()

    def record_event(self) -> None:
        rid = self._resident()
        if rid is None:
            return

        def opened(info: tuple[str, str]) -> None:
            dialog = EventDialog(info[0], self.page, kind="迁入" if info[1] == "迁出" else "迁出")
            dialog.save_fn = lambda s, v: hs.record_event(s, rid, v["kind"], v["date"], v["place"], v["note"])
            dialog.accepted.connect(lambda: self.page.select_after_refresh(rid))
            self._open(dialog)

        Op(self.page, lambda s: (lambda r: (r.name, r.status))(s.get_one(Resident, rid))).success(opened).run()

    def _archive(self, table: str, record_id: int, archived: bool) -> None:
        Op(self.page, lambda s: hs.set_archived(s, table, record_id, archived), write=True) \
            .failure(lambda e: show_error(self.page, e)).run()

    def archive_resident(self) -> None:
        rid = self._resident()
        if rid is None or self.page.archived_box.isChecked():
            return
        if confirm(self.page, _("归档居民"), _("把这名居民归档？归档后不在台账中显示，可以随时恢复。")):
            self._archive("resident", rid, True)

    def archive_whole_household(self) -> None:
        hid = self.page.current_household()
        if hid is None or self.page.archived_box.isChecked():
            return
        if confirm(self.page, _("归档整户"), _("把整户（含全部成员）归档？可以随时恢复。")):
            self._archive("household", hid, True)

    def restore_selected(self) -> None:
        rid = self._resident()
        if rid is None:
            return
        detail = self.page.panel.detail
        if detail is not None and detail.archived:
            self._archive("household", detail.id, False)
        else:
            self._archive("resident", rid, False)
