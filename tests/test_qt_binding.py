"""Regression: PySide6 6.12.0 decremented None's reference count each time a Qt item returned
"no data" (QComboBox.currentData(), QListWidgetItem.data()), so a busy window aborted Python
("none_dealloc") after a few thousand calls. pyproject pins a binding without that bug."""
from __future__ import annotations

import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QListWidgetItem


def test_none_from_item_data_keeps_its_reference_count(qapp: Any) -> None:
    box = QComboBox()
    box.addItem("全部")
    box.addItem("第一网格", 7)
    item = QListWidgetItem("x")
    before = sys.getrefcount(None)
    for _ in range(1000):
        assert box.currentData() is None
        assert box.itemData(0) is None
        assert item.data(Qt.ItemDataRole.UserRole) is None
    assert sys.getrefcount(None) >= before - 50  # the buggy binding loses 3000 here
