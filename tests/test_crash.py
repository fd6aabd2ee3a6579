"""The crash dialog: the log it writes has no personal data and the dialog names the log."""
from __future__ import annotations

import sys
from pathlib import Path

from commdesk.ui import crash


def test_crash_log_has_the_frames_but_no_personal_data(commdesk_home: Path, qtbot: object) -> None:
    resident = {"name": "张三", "id": "110101199003077777", "phone": "13812345678"}
    try:
        raise ValueError(" ".join(resident.values()))  # data, as a bug's message would carry it
    except ValueError:
        exc_type, _exc, tb = sys.exc_info()
        path = crash.write_crash_log(exc_type, tb)  # type: ignore[arg-type]
    text = path.read_text(encoding="utf-8")
    assert path.parent == commdesk_home / "logs" and path.name.startswith("crash-")
    assert "ValueError" in text and "test_crash_log_has_the_frames" in text
    assert "张三" not in text and "199003077777" not in text and "12345678" not in text
    box = crash.crash_dialog(path)
    qtbot.addWidget(box)  # type: ignore[attr-defined]
    assert str(path) in box.text() and "程序出错" == box.windowTitle()


def test_install_replaces_the_excepthook_once(monkeypatch: object) -> None:
    monkeypatch.setattr(sys, "excepthook", sys.__excepthook__)  # type: ignore[attr-defined]
    monkeypatch.setattr(crash, "_installed", {})  # type: ignore[attr-defined]
    crash.install_crash_handler()
    crash.install_crash_handler()
    assert sys.excepthook is crash._hook
    assert crash._installed["previous"] is sys.__excepthook__
