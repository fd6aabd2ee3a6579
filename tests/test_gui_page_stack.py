"""The pages' stack asks for the room of the page in view, not of the widest page built so far:
otherwise one wide page (党员中心户) makes every other page scroll sideways in a narrow window
(1366x768 at 150 %, 911x512 logical pixels)."""
from __future__ import annotations

from typing import Any

import pytest

pytestmark = pytest.mark.gui


def test_the_stack_is_as_wide_as_the_page_in_view(qtbot: Any, db: Any) -> None:
    from commdesk.ui.app import create_main_window, make_app
    from commdesk.ui.audit_page import AuditPage
    from commdesk.ui.party.centers_page import CentersPage
    from commdesk.ui.runner import set_runner
    from tests.gui_support import seed_small_community

    make_app()
    seed_small_community(db)
    window = create_main_window(db)
    qtbot.addWidget(window)
    window.show()
    window.start()
    try:
        centers = window.show_page(CentersPage)
        qtbot.waitUntil(lambda: window.runner.idle, timeout=10000)
        wide = centers.minimumSizeHint().width()
        audit = window.show_page(AuditPage)
        qtbot.waitUntil(lambda: window.runner.idle, timeout=10000)
        narrow = audit.minimumSizeHint().width()
        assert narrow < wide                       # the premise: the two pages differ
        assert window.stack.minimumSizeHint().width() == narrow
        window.show_page(CentersPage)
        assert window.stack.minimumSizeHint().width() == wide
    finally:
        window.runner.shutdown()
        set_runner(None)
