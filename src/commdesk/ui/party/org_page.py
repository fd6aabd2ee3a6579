"""党组织: the organisation tree (党委 → 党支部 → 党小组), editable, with each branch's grids."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QComboBox, QLabel, QLineEdit, QListWidget, QListWidgetItem, QToolBar, QTreeWidget,
                               QTreeWidgetItem, QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.models.party import ORG_CHILD_KINDS, ORG_KINDS
from commdesk.changes import Changes
from commdesk.services.community import list_grids
from commdesk.services.party_org import OrgNode, archive_org, link_grids, org_tree, save_org
from commdesk.ui.dialogs.form_dialog import FormDialog, combo
from commdesk.ui.party.common import action
from commdesk.ui.party.common import PageOp as Op


class OrgDialog(FormDialog):
    """New org under the selected one; editing can also move an org under another parent (a Party
    group moved to another branch takes its members along)."""

    def __init__(self, parent: QWidget | None, node: OrgNode | None, parent_node: OrgNode | None,
                 parents: list[OrgNode] | None = None) -> None:
        super().__init__(_("编辑组织") if node else _("新建组织"), parent)
        self.node = node
        self.parent_node = parent_node
        self.parent_box: QComboBox | None = None
        if node is not None and parents is not None:
            self.parent_box = QComboBox()
            self.parent_box.setObjectName("orgParent")
            if node.kind in ("党委", "党总支"):
                self.parent_box.addItem(_("（无，最高一级）"), None)
            for candidate in parents:
                if node.kind in ORG_CHILD_KINDS[candidate.kind]:
                    self.parent_box.addItem(candidate.name, candidate.id)
            self.parent_box.setCurrentIndex(max(0, self.parent_box.findData(parent_node.id if parent_node else None)))
            self.add_field("parent", _("上级组织"), self.parent_box)
        else:
            self.add_field("parent", _("上级组织"), QLabel(parent_node.name if parent_node else _("（无，最高一级）")))
        kinds = ORG_CHILD_KINDS[parent_node.kind] if parent_node else ("党委", "党总支")
        if node is not None and node.kind not in kinds:
            kinds = (node.kind, *kinds)
        self.name = self.add_field("name", _("组织名称"), QLineEdit(node.name if node else ""))
        self.kind = self.add_field("kind", _("类别"), combo(list(kinds), node.kind if node else ""))
        self.secretary = self.add_field("secretary", _("书记/组长"), QLineEdit(node.secretary if node else ""))
        self.name.textChanged.connect(lambda _t: self.show_messages(self.collect()[1]))
        self.show_messages(self.collect()[1])

    def parent_id(self) -> int | None:
        if self.parent_box is not None:
            return self.parent_box.currentData()
        return self.parent_node.id if self.parent_node else None

    def collect(self) -> tuple[Any, dict[str, str]]:
        errors = {} if self.name.text().strip() else {"name": _("请填写组织名称")}
        value = {"org_id": self.node.id if self.node else None, "name": self.name.text(),
                 "kind": self.kind.currentText(), "parent_id": self.parent_id(), "secretary": self.secretary.text()}
        return value, errors


class GridLinkDialog(FormDialog):
    """Tick the grids this branch leads (a grid ticked here leaves its old branch)."""

    def __init__(self, parent: QWidget | None, node: OrgNode, grids: list[tuple[int, str, str]]) -> None:
        super().__init__(_("联系网格：{name}").format(name=node.name), parent)
        self.node = node
        self.list = QListWidget()
        for gid, name, owner in grids:
            item = QListWidgetItem(name + (f"（{owner}）" if owner and owner != node.name else ""))
            item.setData(Qt.ItemDataRole.UserRole, gid)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if owner == node.name else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.add_field("grids", _("网格"), self.list)

    def collect(self) -> tuple[Any, dict[str, str]]:
        ids = [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())
               if self.list.item(i).checkState() == Qt.CheckState.Checked]
        return {"org_id": self.node.id, "grid_ids": ids}, {}


class OrgPage(QWidget):
    title = "党组织"
    loaded = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("orgPage")
        self.nodes: dict[int, OrgNode] = {}
        self.tree = QTreeWidget()
        self.tree.setObjectName("orgTree")
        self.tree.setHeaderLabels([_("组织"), _("类别"), _("书记/组长"), _("党员数"), _("联系网格")])
        self.tree.setColumnWidth(0, 260)
        self.tree.itemDoubleClicked.connect(lambda _i, _c: self.edit())
        toolbar = QToolBar()
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        toolbar.addAction(action(self, "新建下级组织", self.add_child, "Ctrl+N"))
        toolbar.addAction(action(self, "编辑", self.edit, "F2"))
        toolbar.addAction(action(self, "联系网格", self.link, "Ctrl+G"))
        toolbar.addAction(action(self, "撤销组织", self.archive, "Delete"))
        action(self, "刷新", self.refresh, "F5")
        self.hint = QLabel(_("党委（党总支）→ 党支部 → 党小组。选中一个组织后按 Ctrl+N 新建它的下级，F2 编辑"
                             "（可调整上级组织），Ctrl+G 设置党支部联系的网格。"))
        self.hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(toolbar)
        layout.addWidget(self.hint)
        layout.addWidget(self.tree, 1)
        self.dialog: FormDialog | None = None

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        Op(self, org_tree).success(self._show).run()

    def _show(self, roots: list[OrgNode]) -> None:
        current = self.current()
        keep = current.id if current else None
        self.tree.clear()
        self.nodes = {}

        def add(node: OrgNode, parent: QTreeWidgetItem | None) -> None:
            self.nodes[node.id] = node
            item = QTreeWidgetItem([node.name, node.kind, node.secretary, str(node.members) if node.kind in (
                "党支部", "党小组") else "", "、".join(node.grids)])
            item.setData(0, Qt.ItemDataRole.UserRole, node.id)
            if parent is None:
                self.tree.addTopLevelItem(item)
            else:
                parent.addChild(item)
            for child in node.children:
                add(child, item)
            if node.id == keep:
                self.tree.setCurrentItem(item)

        for root in roots:
            add(root, None)
        self.tree.expandAll()
        if self.tree.currentItem() is None and self.tree.topLevelItemCount():
            self.tree.setCurrentItem(self.tree.topLevelItem(0))
        self.loaded.emit()

    def current(self) -> OrgNode | None:
        item = self.tree.currentItem()
        return self.nodes.get(item.data(0, Qt.ItemDataRole.UserRole)) if item is not None else None

    def _open(self, dialog: FormDialog, save: Any) -> None:
        dialog.save_fn = save
        self.dialog = dialog
        dialog.open()

    def add_child(self) -> None:
        parent = self.current()
        if parent is not None and not ORG_CHILD_KINDS[parent.kind]:
            parent = self.nodes.get(parent.parent_id) if parent.parent_id else None
        if parent is None and self.nodes:
            parent = next(iter(self.nodes.values()))
        self._open(OrgDialog(self, None, parent), lambda s, v: save_org(
            s, None, name=v["name"], kind=v["kind"], parent_id=v["parent_id"], secretary=v["secretary"]))

    def edit(self) -> None:
        node = self.current()
        if node is None:
            return
        parent = self.nodes.get(node.parent_id) if node.parent_id else None
        below = {n.id for n in node.walk()}          # not under itself or its own children
        parents = [n for n in self.nodes.values() if n.id not in below]
        self._open(OrgDialog(self, node, parent, parents), lambda s, v: save_org(
            s, v["org_id"], name=v["name"], kind=v["kind"], parent_id=v["parent_id"], secretary=v["secretary"]))

    def link(self) -> None:
        node = self.current()
        if node is None or node.kind not in ("党支部", "党总支"):
            return
        def job(session: Any) -> list[tuple[int, str, str]]:
            from commdesk.services.party_org import branch_of_grid

            out = []
            for g in list_grids(session):
                owner = branch_of_grid(session, g.id)
                out.append((g.id, g.name, self.nodes[owner].name if owner in self.nodes else ""))
            return out

        Op(self, job).success(lambda grids: self._open(
            GridLinkDialog(self, node, grids), lambda s, v: link_grids(s, v["org_id"], v["grid_ids"]))).run()

    def archive(self) -> None:
        node = self.current()
        if node is None:
            return
        from commdesk.ui.dialogs.form_dialog import confirm
        from commdesk.ui.party.common import show_failure

        if confirm(self, _("撤销组织"), _("撤销“{name}”？").format(name=node.name)):
            Op(self, lambda s: archive_org(s, node.id), write=True).failure(lambda e: show_failure(self, e)).run()

    def on_changes(self, changes: Changes) -> None:
        if changes.touches("party_org", "grid", "party_member"):
            self.refresh()


__all__ = ["OrgPage", "ORG_KINDS"]
