"""Review flags (待核实): the codes written to ``Resident.review`` and their Chinese labels.

One table for the importer (which writes the flags), the ledger and the exports (which show
them). Light on purpose: the ledger reads it on its first paint.
"""
from __future__ import annotations

from commdesk.i18n import _

PROBLEM_LABELS = {
    "id_precision_lost": _("身份证号被存成了数字，末尾几位已丢失"),
    "id_checksum_invalid": _("身份证号校验位不对（可能有输入错误）"),
    "id_invalid": _("身份证号无效"),
    "gender_conflict": _("性别与身份证号不一致"),
    "gender_invalid": _("性别无法识别"),
    "birth_date_conflict": _("出生日期与身份证号不一致"),
    "birth_date_invalid": _("出生日期无法识别"),
    "birth_date_partial": _("出生日期只有年月"),
    "birth_date_implausible": _("出生日期不合常理（晚于今天或早于 120 年前）"),
    "age_implausible": _("年龄不合常理（不是 0–120 之间的整数）"),
    "value_truncated": _("内容过长，只保存了前面部分"),
    "political_unknown": _("政治面貌无法识别"),
    "phone_invalid": _("电话号码格式不正确"),
    "second_head": _("同一户有两个户主"),
    "name_unusual": _("姓名含有数字、符号或不可见字符"),
    "duplicate_in_file": _("与文件中前面的行重复"),
    "missing_name": _("缺少姓名"),
    "name_too_long": _("姓名太长（超过 30 个字）"),
    "name_invisible": _("姓名只有不可见的控制字符"),
    "not_resident": _("党员不是本社区登记的居民（在外居住或未登记）"),
}


def review_codes(review: str | None) -> list[str]:
    """The flag codes of a ``review`` text (one ``code: detail`` a line)."""
    return [line.split(":", 1)[0] for line in (review or "").splitlines() if line.strip()]


def review_labels(review: str | None) -> list[str]:
    """Chinese labels of the review flags (one table for the importer and the ledger)."""
    return [PROBLEM_LABELS.get(code, code) for code in review_codes(review)]
