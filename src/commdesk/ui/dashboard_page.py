"""工作台 (dashboard), the first page after start: counts, alerts that open the list behind them,
and three small charts drawn with QPainter (households per grid with coverage, checklist
completion, meetings done vs due). All figures come from one read on the database thread
(:func:`commdesk.services.dashboard.dashboard_data`); ``painted`` is emitted once they are shown."""
from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent
from PySide6.QtWidgets import (QFrame, QGridLayout, QHBoxLayout, QLabel, QListWidget, QListWidgetItem, QSizePolicy,
                               QVBoxLayout, QWidget)

from commdesk.i18n import _
from commdesk.changes import Changes
from commdesk.services.dashboard import Alert, DashboardData, dashboard_data, slow_alerts, sort_alerts
from commdesk.ui.runner import Op

LEVEL_COLORS = {"high": "#b3261e", "medium": "#9a6700", "info": "#35618f"}
REFRESH_TABLES = ("household", "resident", "grid", "party_member", "center_household", "center_contact", "visit",
                  "meeting", "consultation", "checklist_item", "party_org", "setting")


class BarChart(QWidget):
    """Horizontal bars: (label, value[, second value drawn over it]) with a title and a legend."""

    def __init__(self, title: str, legend: Sequence[str] = (), parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.legend = list(legend)
        self.items: list[tuple[str, float, float | None]] = []
        self.colors = (QColor("#9db8dc"), QColor("#3b6fb6"))
        self.setMinimumHeight(150)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def set_items(self, items: list[tuple[str, float, float | None]]) -> None:
        self.items = items
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        w, h = self.width(), self.height()
        p.fillRect(0, 0, w, h, QColor("#ffffff"))
        fm = p.fontMetrics()
        line = fm.height()
        bold = QFont(p.font())
        bold.setBold(True)
        p.setFont(bold)
        p.drawText(6, line, self.title)
        p.setFont(self.font())
        x = w - 6
        for i, name in reversed(list(enumerate(self.legend))):
            tw = fm.horizontalAdvance(name)
            x -= tw
            p.drawText(x, line, name)
            x -= 14
            p.fillRect(x, line - 9, 10, 10, self.colors[min(i, 1)])
            x -= 10
        if not self.items:
            p.setPen(QColor("#888888"))
            p.drawText(QRectF(0, line, w, h - line), Qt.AlignmentFlag.AlignCenter, _("暂无数据"))
            return
        top = line + 8
        rows = len(self.items)
        bar_h = max(6.0, min(20.0, (h - top - 4) / rows - 3))
        label_w = min(max(fm.horizontalAdvance(lbl) for lbl, _v, _s in self.items) + 8, w // 3)
        value_w = fm.horizontalAdvance("100000/100000") + 6
        span = max(1.0, max(max(v, s or 0) for _l, v, s in self.items))
        avail = max(10, w - label_w - value_w - 12)
        shown = int((h - top) // (bar_h + 3))
        for i, (label, value, second) in enumerate(self.items[:shown]):
            y = top + i * (bar_h + 3)
            p.setPen(QColor("#333333"))
            p.drawText(QRectF(4, y, label_w - 6, bar_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                       fm.elidedText(label, Qt.TextElideMode.ElideRight, label_w - 6))
            p.fillRect(QRectF(label_w + 2, y, avail * value / span, bar_h), self.colors[0])
            if second is not None:
                p.fillRect(QRectF(label_w + 2, y + bar_h * 0.25, avail * second / span, bar_h * 0.5), self.colors[1])
            text = f"{int(second)}/{int(value)}" if second is not None else f"{int(value)}"
            p.drawText(QRectF(label_w + 6 + avail, y, value_w, bar_h), Qt.AlignmentFlag.AlignVCenter, text)
        if shown < rows:
            p.setPen(QColor("#888888"))
            p.drawText(QRectF(0, h - line, w - 6, line), Qt.AlignmentFlag.AlignRight,
                       _("另有 {n} 项未显示").format(n=rows - shown))


class Tile(QFrame):
    def __init__(self, label: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.value = QLabel("—")
        self.value.setStyleSheet("font-size: 22px; font-weight: bold; color: #1f3f6e;")
        self.label = QLabel(label)
        self.note = QLabel("")
        self.note.setStyleSheet("color: #666666;")
        box = QVBoxLayout(self)
        box.setContentsMargins(10, 6, 10, 6)
        box.addWidget(self.label)
        box.addWidget(self.value)
        box.addWidget(self.note)


class DashboardPage(QWidget):
    title = "工作台"
    loaded = Signal()
    painted = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dashboardPage")
        self.data: DashboardData | None = None
        self.load_ms: float | None = None
        self._pending_paint = False
        self.heading = QLabel(_("工作台"))
        self.heading.setStyleSheet("font-size: 16px; font-weight: bold;")
        self.tiles: dict[str, Tile] = {}
        tiles = QGridLayout()
        for i, (key, label) in enumerate((("households", _("在册户数")), ("residents", _("在住居民")),
                                          ("members", _("党员")), ("coverage", _("中心户覆盖率")),
                                          ("checklist_open", _("在办清单事项")), ("consultations_open", _("落实中的议事")))):
            tile = Tile(label)
            self.tiles[key] = tile
            tiles.addWidget(tile, 0, i)
        self.alerts = QListWidget()
        self.alerts.setObjectName("alertList")
        self.alerts.setToolTip(_("回车或双击：打开对应列表"))
        self.alerts.itemActivated.connect(self.open_alert)
        self.alerts.setMinimumHeight(120)
        self.grid_chart = BarChart(_("各网格户数与覆盖户数"), (_("户数"), _("已覆盖")))
        self.checklist_chart = BarChart(_("责任清单完成情况"))
        self.meeting_chart = BarChart(_("三会一课：已开/应开（期）"), (_("应开"), _("已开")))
        charts = QHBoxLayout()
        charts.addWidget(self.grid_chart, 3)
        charts.addWidget(self.checklist_chart, 2)
        charts.addWidget(self.meeting_chart, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.heading)
        layout.addLayout(tiles)
        alerts_label = QLabel(_("需要处理"))
        alerts_label.setStyleSheet("font-weight: bold;")
        layout.addWidget(alerts_label)
        layout.addWidget(self.alerts, 2)
        layout.addLayout(charts, 3)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(400)
        self._timer.timeout.connect(self.refresh)
        self._slow_pending = False
        self.painted.connect(self._read_slow_alerts)

    def start(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        t0 = time.perf_counter()
        # paint with the quick figures first; the slow alerts (overdue visits) are read once that
        # paint is done (read at once, their Python work would take the GIL from the painting)
        self._slow_pending = True
        Op(self, lambda s: dashboard_data(s, slow=False)).success(lambda d: self._show(d, t0)).run()

    def _read_slow_alerts(self) -> None:
        if self._slow_pending:
            self._slow_pending = False
            Op(self, slow_alerts).success(self._add_alerts).run()

    def _add_alerts(self, alerts: list[Alert]) -> None:
        if self.data is None or not alerts:
            return
        self.data.alerts = [a for a in self.data.alerts if a.key not in {x.key for x in alerts}] + alerts
        sort_alerts(self.data.alerts)
        self._show_alerts(self.data)

    def _show(self, data: DashboardData, t0: float) -> None:
        self.data = data
        c = data.counts
        self.heading.setText(_("工作台　{d}").format(d=data.today.isoformat()))
        self.tiles["households"].value.setText(f"{c.get('households', 0):,}")
        self.tiles["residents"].value.setText(f"{c.get('residents', 0):,}")
        self.tiles["members"].value.setText(f"{c.get('members', 0):,}")
        self.tiles["members"].note.setText(_("预备党员 {n} 名").format(n=c.get("probationary", 0)))
        self.tiles["coverage"].value.setText(f"{c['coverage']:.1f}%" if "coverage" in c else "—")
        self.tiles["coverage"].note.setText(_("中心户 {n} 个").format(n=c.get("centers", 0)))
        self.tiles["checklist_open"].value.setText(str(c.get("checklist_open", 0)))
        self.tiles["checklist_open"].note.setText(_("逾期 {n} 项").format(n=data.checklist.get("逾期", 0)))
        self.tiles["consultations_open"].value.setText(str(c.get("consultations_open", 0)))
        self._show_alerts(data)
        self.grid_chart.set_items([(g, n, cov) for g, n, cov in data.households_per_grid])
        order = ("未启动", "推进中", "已完成", "已销号", "逾期")
        self.checklist_chart.set_items([(_(s), data.checklist.get(s, 0), None) for s in order if data.checklist])
        self.meeting_chart.set_items([(k, due, held) for k, held, due in data.meetings])
        self.load_ms = (time.perf_counter() - t0) * 1000
        self.loaded.emit()
        self._pending_paint = True
        self.update()
        if not self.isVisible():
            self._pending_paint = False
            self.painted.emit()

    def _show_alerts(self, data: DashboardData) -> None:
        self.alerts.clear()
        for alert in data.alerts:
            text = alert.text + ("\n　" + "\n　".join(alert.details[:3]) if alert.details else "")
            item = QListWidgetItem(("● " if alert.level == "high" else "○ ") + text)
            item.setForeground(QColor(LEVEL_COLORS[alert.level]))
            item.setData(Qt.ItemDataRole.UserRole, alert)
            self.alerts.addItem(item)
        if not data.alerts:
            self.alerts.addItem(QListWidgetItem(_("没有需要处理的提醒。")))
        else:
            self.alerts.setCurrentRow(0)

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802
        super().paintEvent(event)
        if self._pending_paint:
            self._pending_paint = False
            QTimer.singleShot(0, self.painted.emit)

    def open_alert(self, item: QListWidgetItem | None = None) -> None:
        item = item or self.alerts.currentItem()
        alert: Alert | None = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        if alert is None:
            return
        window = self.window()
        show = getattr(window, "show_page", None)
        if show is None:
            return
        if alert.target == "checklist":
            from commdesk.ui.meetings.checklist_page import ChecklistPage

            show(ChecklistPage).set_filter(alert.filter)
        elif alert.target == "meetings":
            from commdesk.ui.meetings.meetings_page import MeetingsPage

            show(MeetingsPage).show_calendar(alert.filter)
        elif alert.target == "ledger":
            from commdesk.ui.ledger_page import LedgerPage

            page = show(LedgerPage)
            page.review_box.setChecked(True)
        else:
            self._open_party_page(alert)

    def _open_party_page(self, alert: Alert) -> None:
        """Visits, centers and members are the Party module's pages (opened when they exist)."""
        import importlib

        names = {"visits": ("commdesk.ui.party.visits_page", "VisitsPage"),
                 "centers": ("commdesk.ui.party.centers_page", "CentersPage"),
                 "members": ("commdesk.ui.party.members_page", "MembersPage")}
        module_name, cls_name = names.get(alert.target, ("", ""))
        try:
            cls = getattr(importlib.import_module(module_name), cls_name)
        except (ImportError, AttributeError):
            return
        window = self.window()
        if not (hasattr(window, "has_page") and window.has_page(cls)):
            return
        page = window.show_page(cls)
        setter = getattr(page, "set_filter", None) or getattr(page, "show_overdue", None)
        if callable(setter):
            try:
                setter(alert.filter)
            except TypeError:
                pass

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.open_alert()
            return
        super().keyPressEvent(event)

    def on_changes(self, changes: Changes) -> None:
        if changes.touches(*REFRESH_TABLES):
            self._timer.start()
