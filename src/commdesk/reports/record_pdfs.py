"""Single-record PDFs: one meeting as a 会议记录 sheet (with signature lines) and one consultation
as a 协商议事记录 (with the 四议两公开 stage table when the procedure was used).

Laid out with reportlab platypus in the embedded CJK font; the page number sits at the foot of
every page ("第 N 页 共 M 页", as the monthly report). No personal ID numbers or phones appear.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.reports.fonts import cjk_font

log = logging.getLogger("commdesk.reports")
MARGIN = 18 * mm


class _St:
    def __init__(self, font: str) -> None:
        base = dict(fontName=font, wordWrap="CJK")
        self.title = ParagraphStyle("t", fontSize=18, leading=26, alignment=TA_CENTER, spaceAfter=2, **base)
        self.sub = ParagraphStyle("s", fontSize=10, leading=14, alignment=TA_CENTER, spaceAfter=8, **base)
        self.label = ParagraphStyle("l", fontSize=10, leading=14, alignment=TA_CENTER, **base)
        self.cell = ParagraphStyle("c", fontSize=10, leading=14, **base)
        self.small = ParagraphStyle("sm", fontSize=8.5, leading=11, **base)
        self.small_c = ParagraphStyle("smc", parent=self.small, alignment=TA_CENTER)
        self.heading = ParagraphStyle("h", fontSize=12, leading=17, spaceBefore=8, spaceAfter=4, **base)


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text if text is not None else "")).replace("\n", "<br/>"), style)


def _form_table(rows: Sequence[Sequence[Any]], st: _St, widths: Sequence[float], font: str,
                min_heights: dict[int, float] | None = None) -> Table:
    """A bordered form: label cells (grey) and value cells; a row may have 2 or 4 cells."""
    data, styles = [], [("GRID", (0, 0), (-1, -1), 0.6, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                        ("FONTNAME", (0, 0), (-1, -1), font)]
    for r, row in enumerate(rows):
        if len(row) == 2:
            data.append([_p(row[0], st.label), _p(row[1], st.cell), "", ""])
            styles.append(("SPAN", (1, r), (3, r)))
            styles.append(("BACKGROUND", (0, r), (0, r), colors.HexColor("#F0F0F0")))
        else:
            data.append([_p(row[0], st.label), _p(row[1], st.cell), _p(row[2], st.label), _p(row[3], st.cell)])
            styles.append(("BACKGROUND", (0, r), (0, r), colors.HexColor("#F0F0F0")))
            styles.append(("BACKGROUND", (2, r), (2, r), colors.HexColor("#F0F0F0")))
    heights = [None] * len(data)
    for r, h in (min_heights or {}).items():
        heights[r] = h
    table = Table(data, colWidths=list(widths), rowHeights=heights, repeatRows=0)
    table.setStyle(TableStyle(styles))
    return table


def _signatures(labels: Sequence[str], st: _St, width: float) -> KeepTogether:
    cells = [[_p(f"{label}（签字）：________________", st.cell) for label in labels]]
    cells.append([_p(_("日期：______年____月____日"), st.cell) for _l in labels])
    t = Table(cells, colWidths=[width / len(labels)] * len(labels))
    t.setStyle(TableStyle([("TOPPADDING", (0, 0), (-1, -1), 10)]))
    return KeepTogether([Spacer(1, 8 * mm), t])


def _build(out: Path, title: str, story: list[Any], font: str) -> None:
    from commdesk.reports.export import finish, temp_path
    from commdesk.reports.monthly_pdf import _numbered_canvas

    if out.parent and not out.parent.exists():
        raise UserError(_("输出文件夹不存在：{path}").format(path=out.parent))
    tmp = temp_path(out)
    doc = SimpleDocTemplate(str(tmp), pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
                            bottomMargin=MARGIN + 4 * mm, title=title, author="commdesk", creator="commdesk")
    try:
        doc.build(story, canvasmaker=_numbered_canvas(font))
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise UserError(_("无法写入文件 {name}：{err}").format(name=out.name, err=exc.strerror or exc)) from exc
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    finish(tmp, out)


def _community(session: Any) -> str:
    from commdesk.reports.export import community_name

    return community_name(session)


# -- 会议记录 -------------------------------------------------------------------------------------------
def meeting_minutes_pdf(database: Any, meeting_id: int, out_path: str | Path) -> Path:
    """One meeting as a printable 会议记录 with attendance, minutes, resolutions and signature lines."""
    from commdesk.services.attachments import list_attachments
    from commdesk.services.meetings import meeting_form, meeting_row, quorum

    out = Path(out_path)
    font = cjk_font().name
    st = _St(font)
    with database.Session() as s:
        row = meeting_row(s, meeting_id)
        form = meeting_form(s, meeting_id)
        files = list_attachments(s, "meeting", meeting_id)
        unit = row.branch + (f"·{row.group}" if row.group else "") or _community(s)
        community = _community(s)
    avail = A4[0] - 2 * MARGIN
    widths = (avail * 0.16, avail * 0.34, avail * 0.16, avail * 0.34)
    present = [a.name for a in form.attendees if a.status == "出席"]
    absent = [f"{a.name}（{a.status}{'：' + a.reason if a.reason else ''}）" for a in form.attendees
              if a.status != "出席"]
    vexp = sum(1 for a in form.attendees if a.voting)
    vpres = sum(1 for a in form.attendees if a.voting and a.status == "出席")
    q = quorum(row.kind, vexp, vpres)
    when = f"{row.start_at:%Y年%m月%d日 %H:%M}" + (f"–{row.end_at:%H:%M}" if row.end_at else "")
    rows: list[Sequence[Any]] = [
        (_("会议类型"), row.kind, _("党组织"), unit),
        (_("会议名称"), row.topic),
        (_("时间"), when, _("地点"), row.place),
        (_("主持人"), row.host, _("记录人"), row.recorder),
        (_("应到人数"), str(row.expected), _("实到人数"), str(row.present)),
        (_("出席人员"), "、".join(present) or _("（无）")),
        (_("缺席人员及原因"), "；".join(absent) or _("无")),
        (_("列席人员"), form.guests or _("无")),
    ]
    if q.applies:
        rows.append((_("法定人数"), q.text))
    rows += [(_("议程/议题"), form.agenda), (_("讨论情况"), form.minutes), (_("表决情况"), form.votes),
             (_("决议/决定"), form.resolutions), (_("遗留事项"), form.pending)]
    if files:
        rows.append((_("附件"), "；".join(f"{f.kind}：{f.original_name}" for f in files)))
    labels = [r[0] for r in rows]
    tall = {labels.index(_("讨论情况")): 30 * mm, labels.index(_("决议/决定")): 22 * mm}
    story: list[Any] = [_p(_("会议记录"), st.title), _p(f"{community}　{unit}", st.sub),
                        _form_table(rows, st, widths, font, tall),
                        _signatures((_("主持人"), _("记录人")), st, avail)]
    _build(out, _("会议记录：{t}").format(t=row.topic), story, font)
    log.info("meeting minutes PDF written for meeting %s", meeting_id)
    return out


# -- 协商议事记录 ---------------------------------------------------------------------------------------
def consultation_record_pdf(database: Any, consultation_id: int, out_path: str | Path) -> Path:
    from commdesk.services.consultations import consultation_detail

    out = Path(out_path)
    font = cjk_font().name
    st = _St(font)
    with database.Session() as s:
        d = consultation_detail(s, consultation_id)
        community = _community(s)
    c, f = d.row, d.form
    avail = A4[0] - 2 * MARGIN
    widths = (avail * 0.16, avail * 0.34, avail * 0.16, avail * 0.34)

    def day(v: Any) -> str:
        return v.isoformat() if v else ""

    parts = "；".join(f"{side}：{'、'.join(names)}" for side, names in f.participants.items())
    votes = "" if f.votes_for is None else _("赞成 {a} 票，反对 {b} 票，弃权 {c} 票").format(
        a=f.votes_for, b=f.votes_against or 0, c=f.votes_abstain or 0)
    rows: list[Sequence[Any]] = [
        (_("议题"), c.topic),
        (_("议题来源"), d.source_detail or c.source, _("提出人"), c.proposer),
        (_("议事时间"), day(c.held_on), _("议事地点"), f.place),
        (_("议事形式"), f.form, _("主持人"), f.host),
        (_("应到人数"), str(f.expected or ""), _("实到人数"), str(f.present or "")),
        (_("参加人员"), parts),
        (_("情况说明"), f.background),
        (_("讨论意见"), f.process),
        (_("表决情况"), votes, _("议事结果"), f.outcome),
        (_("形成决议"), f.decision),
        (_("责任人/单位"), f.executor, _("完成时限"), day(f.due_date)),
        (_("落实结果"), f.result, _("落实日期"), day(f.result_date)),
        (_("决议公开"), f"{day(f.decision_published_on)} {f.decision_published_how}".strip(),
         _("结果公开"), f"{day(f.result_published_on)} {f.result_published_how}".strip()),
        (_("群众满意度"), f.satisfaction, _("评议意见"), f.satisfaction_note),
    ]
    story: list[Any] = [_p(_("协商议事记录"), st.title), _p(community, st.sub), _form_table(rows, st, widths, font)]
    if d.stages:
        story += [_p(_("“四议两公开”办理情况"), st.heading), _stage_table(d.stages, st, avail, font)]
    if d.items:
        story += [_p(_("转为责任清单的事项"), st.heading)]
        data = [[_p(h, st.small_c) for h in (_("事项"), _("责任单位/人"), _("完成时限"), _("状态"), _("最新进展"))]]
        for i in d.items:
            data.append([_p(i.title, st.small), _p(f"{i.responsible_unit} {i.responsible_person}".strip(), st.small),
                         _p(day(i.deadline), st.small_c), _p(i.shown_status, st.small_c), _p(i.last_progress, st.small)])
        t = Table(data, colWidths=[avail * w for w in (0.3, 0.2, 0.14, 0.12, 0.24)], repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F0F0"))]))
        story.append(t)
    story.append(_signatures((_("主持人"), _("记录人")), st, avail))
    _build(out, _("协商议事记录：{t}").format(t=c.topic), story, font)
    log.info("consultation record PDF written for consultation %s", consultation_id)
    return out


def _stage_table(stages: Sequence[Any], st: _St, avail: float, font: str) -> Table:
    headers = (_("步骤"), _("日期"), _("会议形式/公开方式"), _("应到/实到"), _("表决"), _("内容"), _("结果/监督意见"))
    data = [[_p(h, st.small_c) for h in headers]]
    for s in stages:
        att = f"{s.expected}/{s.present}" if s.expected else ""
        if s.expected and s.present is not None:
            att += f"（{100.0 * s.present / s.expected:.0f}%）"
        votes = "" if s.votes_for is None else _("赞成{v}").format(v=s.votes_for)
        result = s.state if s.stage <= 4 else (s.supervision or s.state)
        if s.quorum:
            result = f"{result}：{s.quorum}"
        data.append([_p(f"{'①②③④⑤⑥'[s.stage - 1]} {s.name}", st.small), _p(s.held_on.isoformat() if s.held_on else "",
                                                                          st.small_c),
                     _p(s.form, st.small), _p(att, st.small_c), _p(votes, st.small_c), _p(s.content, st.small),
                     _p(result, st.small)])
    t = Table(data, colWidths=[avail * w for w in (0.17, 0.11, 0.13, 0.11, 0.08, 0.18, 0.22)], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F0F0F0")),
                           ("FONTNAME", (0, 0), (-1, -1), font)]))
    return t
