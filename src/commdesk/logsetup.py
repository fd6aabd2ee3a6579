"""Logging: one rotating file in the log folder. Never log ID numbers or phone numbers."""
from __future__ import annotations

import logging
import logging.handlers

_configured = False


def setup_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    from commdesk.paths import logs_dir

    handler = logging.handlers.RotatingFileHandler(logs_dir() / "commdesk.log", maxBytes=2_000_000,
                                                   backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("commdesk")
    root.setLevel(level)
    root.addHandler(handler)
    _configured = True
