"""The CJK font every PDF embeds.

Preference: the PC's own 宋体 / 仿宋 (Windows) when present and embeddable, else the bundled
WenQuanYi Micro Hei (TrueType collection, Apache-2.0, ``resources/fonts``), and only as a last
resort the non-embedded Adobe CID font STSong-Light (the viewer must supply it).
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFError, TTFont

log = logging.getLogger("commdesk.reports")

FONT_NAME = "CommdeskCJK"
FALLBACK_CID = "STSong-Light"


@dataclass(frozen=True)
class PdfFont:
    name: str            # the name registered with reportlab
    source: str          # file path, or the CID font's name
    embedded: bool


def system_candidates() -> list[tuple[Path, int]]:
    """The PC's own Song/FangSong fonts (Windows), best first."""
    windir = os.environ.get("WINDIR") or os.environ.get("SystemRoot")
    if os.name != "nt" or not windir:
        return []
    fonts = Path(windir) / "Fonts"
    return [(fonts / "simsun.ttc", 0), (fonts / "simfang.ttf", 0)]


def bundled_candidate() -> tuple[Path, int] | None:
    try:
        from commdesk.paths import font_path

        return font_path(), 0
    except FileNotFoundError:
        return None


_CHOSEN: PdfFont | None = None


def cjk_font(prefer_system: bool = True, candidates: list[tuple[Path, int]] | None = None) -> PdfFont:
    """Register (once) and return the font the PDFs use."""
    global _CHOSEN
    explicit = candidates is not None
    if _CHOSEN is not None and not explicit:
        return _CHOSEN
    if candidates is None:
        candidates = system_candidates() if prefer_system else []
        bundled = bundled_candidate()
        if bundled is not None:
            candidates.append(bundled)
    chosen: PdfFont | None = None
    for path, index in candidates:
        if not path.is_file():
            continue
        try:
            # reportlab refuses fonts whose licence bits forbid embedding (TTFError).
            font = TTFont(FONT_NAME, str(path), subfontIndex=index)
        except (TTFError, OSError, ValueError) as exc:
            log.warning("font %s not usable for PDF: %s", path.name, exc)
            continue
        pdfmetrics.registerFont(font)
        chosen = PdfFont(FONT_NAME, str(path), True)
        break
    if chosen is None:
        log.warning("no embeddable CJK font found; falling back to %s (not embedded)", FALLBACK_CID)
        pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_CID))
        chosen = PdfFont(FALLBACK_CID, FALLBACK_CID, False)
    if not explicit:
        _CHOSEN = chosen
    return chosen
