"""Logging: one rotating file in the log folder. Never log ID numbers or phone numbers."""
from __future__ import annotations

import logging
import logging.handlers

import re

_configured = False
# 15-18 digit ID numbers (last char may be X) and 11-digit mobiles, wherever they appear
_ID = re.compile(r"(?<![0-9])([1-9][0-9]{5})[0-9]{6,9}([0-9]{2}[0-9Xx]?)(?![0-9])")
_MOBILE = re.compile(r"(?<![0-9])(1[3-9][0-9])[0-9]{4}([0-9]{4})(?![0-9])")


def redact(text: str) -> str:
    """Mask anything that looks like an ID number or a mobile phone."""
    text = _ID.sub(lambda m: m.group(1) + "********" + m.group(2)[-2:], text)
    return _MOBILE.sub(lambda m: m.group(1) + "****" + m.group(2), text)


class RedactingFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: int = logging.INFO) -> None:
    global _configured
    if _configured:
        return
    from commdesk.paths import logs_dir

    handler: logging.Handler
    try:
        handler = logging.handlers.RotatingFileHandler(logs_dir() / "commdesk.log", maxBytes=2_000_000,
                                                       backupCount=5, encoding="utf-8")
    except OSError:
        # a data folder nothing can be written to: the start says so (models.data_folder);
        # warnings go to stderr meanwhile (None in a windowed program: then nowhere)
        handler = logging.StreamHandler()
        handler.setLevel(logging.WARNING)
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger("commdesk")
    root.setLevel(level)
    root.addHandler(handler)
    _configured = True
