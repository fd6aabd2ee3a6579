"""One person's fields from a data row: the ID number and what it gives (birth date, gender), the
birth date and gender checked against it, the repeating fields (gender … former name) normalised
once per combination, phones, key-group ticks, and a duplicate ID earlier in the file. Problems
are kept per cell; what cannot be recovered is a review flag, never a guessed value."""
from __future__ import annotations

import re
from datetime import date
from typing import Any

from commdesk.i18n import _
from commdesk.importers import normalise as norm
from commdesk.importers.cells import Memo, _date_cell, _reliable_birth
from commdesk.importers.layout import SheetPlan
from commdesk.importers.records import Resident
from commdesk.validation.idcard import check_id_number, normalise_id_text, valid_id_parts
from commdesk.validation.phone import check_phone, split_phones

#: Person fields read through one ``itemgetter`` per row (in this order).
_PERSON_KEYS = ("id_number", "birth_date", "gender", "ethnicity", "political", "education", "work_unit",
                "hukou_type", "tags", "notes", "former_name", "relation")
_PERSON_COUNT = len(_PERSON_KEYS)
_ROUNDED_ID = re.compile(r"\d{15}000")
_MOBILE = re.compile(r"1[3-9]\d{9}")   # as validation.phone; used on 11 ASCII characters only
ID_FLAGS = {"precision_lost": "id_precision_lost", "bad_checksum": "id_checksum_invalid"}
#: The longest text each person field keeps (field, index in the tail of _PERSON_KEYS, limit);
#: a longer cell is cut there and flagged, never silently.
_LIMITED = (("education", 3, 20), ("work_unit", 4, 100), ("notes", 7, 1000), ("former_name", 8, 50))
PHONE_LIMIT = 40
FIELD_LABELS = {"education": _("文化程度"), "work_unit": _("工作单位"), "notes": _("备注"), "former_name": _("曾用名"),
                "phone": _("联系电话")}
_TRUNCATED_PREFIX = "value_truncated:"
_TRUNCATED = _TRUNCATED_PREFIX + _("{field}原有 {n} 个字，超过 {limit} 字，只保存了前 {limit} 字")
NOTES_LIMIT = dict((key, limit) for key, _i, limit in _LIMITED)["notes"]
#: A birth date more than this many years ago (or after today) is not a living resident's.
OLDEST_YEARS = 120


def _age_problem(value: Any) -> str:
    """"" for a blank or plausible 年龄 (0–120, optionally 岁/周岁); else the cell's text (for the flag)."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, (int, float)):
        return "" if 0 <= value <= OLDEST_YEARS and float(value).is_integer() else norm.text(value)[:20]
    text = norm.text(value)
    if norm.is_blank(text):
        return ""
    digits = re.sub(r"(周岁|岁)$", "", text.replace(" ", ""))
    if digits.isascii() and digits.isdigit() and int(digits) <= OLDEST_YEARS:
        return ""
    if re.fullmatch(r"\d+(\.0+)?", digits) and float(digits) <= OLDEST_YEARS:
        return ""
    return text[:20]


class PersonCells:
    """Reads the person fields of one sheet's rows (columns resolved once, values through the memo)."""

    def __init__(self, cols: dict[str, list[int]], plan: SheetPlan, memo: Memo, ids_seen: dict[str, Resident]) -> None:
        self.cols = cols
        self.ids_seen = ids_seen
        self.tail_memo = memo.tails
        self.n_former = memo.of(lambda v: norm.name(v)[:50], "former_name")
        self.n_date = memo.of(_date_cell, "birth_date")
        self.n_gender = memo.of(norm.gender, "gender")
        self.n_ethnicity = memo.of(norm.ethnicity, "ethnicity")
        self.n_political = memo.of(norm.political, "political")
        self.n_education = memo.of(lambda v: norm.short_text(v, 20), "education")
        self.n_work_unit = memo.of(lambda v: norm.short_text(v, 100), "work_unit")
        self.n_hukou = memo.of(norm.hukou_type, "hukou_type")
        self.n_tags = memo.of(norm.tags, "tags")
        self.n_notes = memo.of(lambda v: norm.short_text(v, 1000), "notes")
        phone_cols = cols.get("phone", [])
        #: the phone column when there is exactly one, -1 when there is none, -2 when there are several
        self.phone_col = phone_cols[0] if len(phone_cols) == 1 else (-1 if not phone_cols else -2)
        self.first_col = {key: c[0] for key, c in cols.items() if c}
        #: tick columns (低保 √): column index and the key group its header names
        self.tick_cols = [(i, norm.tag_of_header(plan.columns[i].label)) for i in cols.get("tag_flag", ())]
        self.party_col = self.first_col.get("party_flag", -1)      # 是否党员 是/否
        #: 年龄 (never a birth date): read only to flag an impossible one (-5, 999, 七十)
        self.age_col = self.first_col.get("age", -1)
        self.n_age = memo.of(_age_problem, "age")
        self.today = date.today()
        self.earliest_birth = date(self.today.year - OLDEST_YEARS, 1, 1)

    def col(self, key: str) -> int:
        return self.first_col.get(key, -1)

    def _tail_values(self, tail: tuple[Any, ...]) -> tuple[Any, ...]:
        """Normalised gender … former name of ``tail`` (cells in ``_PERSON_KEYS`` order from gender on).

        Remembered when every cell is text or empty: a key of other cells could compare equal to
        a different one (``1 == 1.0 == True``) yet normalise differently; a key of text never does.
        """
        gender, ethnicity, political, education, work_unit, hukou_type, tags, notes, former_name = tail
        values = (self.n_gender(gender), self.n_ethnicity(ethnicity), self.n_political(political),
                  self.n_education(education), self.n_work_unit(work_unit), self.n_hukou(hukou_type),
                  self.n_tags(tags), self.n_notes(notes), self.n_former(former_name))
        if len(self.tail_memo) < Memo.LIMIT and all(v is None or type(v) is str for v in tail):
            self.tail_memo[tail] = values
        return values

    def fill(self, res: Resident, row: list[Any], unusual: bool, cells: tuple[Any, ...]) -> None:
        """The person's values from ``cells`` (the raw cells of ``_PERSON_KEYS``; empty is "" or None)."""
        id_raw, born_raw = cells[0], cells[1]
        # the fields that repeat (gender … former name) are normalised together, once per combination
        tail = cells[2:11]
        values = self.tail_memo.get(tail)
        if values is None:
            values = self._tail_values(tail)
        ((stated, understood), ethnicity, (political, political_ok), education, work_unit, hukou_type, tags, notes,
         former_name) = values
        problems = res.problems
        flags = res.flags
        if unusual:
            problems.append((self.col("name"), "name_unusual"))
            flags.append("name_unusual")
        # ID number ("" is blank too): the birth date and gender it gives
        id_birth: date | None = None
        id_gender: str | None = None
        quick = valid_id_parts(id_raw, self.today)
        if quick is not None:                      # the usual valid cell
            res.id_number, id_birth, id_gender = quick
        elif id_raw is not None and not norm.is_blank(id_raw if isinstance(id_raw, str) else "x"):
            check = check_id_number(id_raw, today=self.today)
            if check.ok:
                res.id_number = check.number
                id_birth, id_gender = check.birth_date, check.gender
            else:
                id_problem = check.problem
                if id_problem == "bad_checksum" and _ROUNDED_ID.fullmatch(normalise_id_text(id_raw)):
                    # 18 digits ending 000 that do not check: a number Excel kept to 15 significant
                    # digits, then saved as text (a CSV export), not a typo
                    id_problem = "precision_lost"
                code = ID_FLAGS.get(id_problem or "", "id_invalid")
                problems.append((self.col("id_number"), code))
                raw_text = norm.text(id_raw)
                flags.append(f"{code}:原表格中为 {raw_text}" if raw_text else code)
                if id_problem == "precision_lost":
                    id_birth = _reliable_birth(id_raw)   # the digits that survived may give it
        # birth date
        born, problem = self.n_date(born_raw)
        if problem:
            code = "birth_date_partial" if problem == "partial" else "birth_date_invalid"
            if not id_birth:
                problems.append((self.col("birth_date"), code))
                flags.append(code)
        if born is not None and not self.earliest_birth <= born <= self.today:
            # 2099 or 1850: not a living resident's birth date; kept in the flag, never stored
            problems.append((self.col("birth_date"), "birth_date_implausible"))
            flags.append(f"birth_date_implausible:原表格中为 {born.isoformat()}")
            born = None
        if born is not None and id_birth and born != id_birth:
            problems.append((self.col("birth_date"), "birth_date_conflict"))
            flags.append("birth_date_conflict")
        res.birth_date = born or id_birth
        age_col = self.age_col
        if age_col >= 0 and age_col < len(row):
            bad_age = self.n_age(row[age_col])
            if bad_age:
                problems.append((age_col, "age_implausible"))
                flags.append(f"age_implausible:原表格中为 {bad_age}")
        # gender
        if not understood:
            problems.append((self.col("gender"), "gender_invalid"))
            flags.append("gender_invalid")
        if stated and id_gender and stated != id_gender:
            problems.append((self.col("gender"), "gender_conflict"))
            flags.append(f"gender_conflict:身份证号显示为{id_gender}")
        res.gender = stated or id_gender or ""
        # the rest
        res.ethnicity = ethnicity
        res.political = political
        party_col = self.party_col
        if party_col >= 0 and political == "群众" and party_col < len(row) and norm.ticked(row[party_col]):
            res.political = "中共党员"
        if not political_ok:
            problems.append((self.col("political"), "political_unknown"))
            flags.append("political_unknown")
        res.education = education
        res.work_unit = work_unit
        res.hukou_type = hukou_type
        res.tags = tags
        if self.tick_cols:
            size = len(row)
            ticked = [tag for i, tag in self.tick_cols if i < size and norm.ticked(row[i])]
            if ticked:
                res.tags = tuple(sorted(set(tags).union(ticked)))
        res.notes = notes
        res.former_name = former_name
        if len(work_unit) == 100 or len(notes) == 1000 or len(education) == 20 or len(former_name) == 50:
            self._truncated(res, tail)
        phone_col = self.phone_col
        if phone_col >= 0:
            raw = row[phone_col] if phone_col < len(row) else None
            if type(raw) is str and len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
                res.phone = raw                 # one column holding a plain mobile: what _phones finds
            else:
                self._phones(res, row)
        elif phone_col == -2:
            self._phones(res, row)
        if res.id_number:
            earlier = self.ids_seen.get(res.id_number)
            if earlier is not None:
                problems.append((self.col("id_number"), "duplicate_in_file"))
                flags.append(f"duplicate_in_file:{earlier.sheet} 第 {earlier.row} 行")
            else:
                self.ids_seen[res.id_number] = res

    def add_note(self, res: Resident, note: str) -> None:
        """Put ``note`` (what was written after the name) in front of 备注; a result over the
        field's limit is cut there and flagged like any other over-long cell."""
        merged = f"{note}；{res.notes}" if res.notes else note
        limit = NOTES_LIMIT
        if len(merged) > limit and not any(f.startswith(_TRUNCATED_PREFIX + FIELD_LABELS["notes"]) for f in res.flags):
            res.problems.append((self.col("notes"), "value_truncated"))
            res.flags.append(_TRUNCATED.format(field=FIELD_LABELS["notes"], n=len(merged), limit=limit))
        res.notes = merged[:limit]

    def _truncated(self, res: Resident, tail: tuple[Any, ...]) -> None:
        """Flag each text the field's limit cut short (the flag says how long it was)."""
        for key, index, limit in _LIMITED:
            length = len(norm.text(tail[index]))
            if length > limit:
                res.problems.append((self.col(key), "value_truncated"))
                res.flags.append(_TRUNCATED.format(field=FIELD_LABELS[key], n=length, limit=limit))

    def _phones(self, res: Resident, row: list[Any]) -> None:
        numbers: list[str] = []
        bad = False
        for i in self.cols.get("phone", ()):
            if i >= len(row):
                continue
            raw = row[i]
            if type(raw) is str and len(raw) == 11 and raw.isascii() and _MOBILE.fullmatch(raw):
                if raw not in numbers:         # a plain mobile number: what check_phone would return
                    numbers.append(raw)
                if bad:
                    res.problems.append((i, "phone_invalid"))
                continue
            if raw is None or raw == "" or (isinstance(raw, str) and norm.is_blank(raw)):
                continue
            if isinstance(raw, str) and len(raw) <= 16:
                checked = check_phone(raw)
                pieces = [checked] if checked.ok else [check_phone(p) for p in split_phones(raw)]
            elif isinstance(raw, str):
                pieces = [check_phone(p) for p in split_phones(raw)]
            else:
                pieces = [check_phone(raw)]
            for piece in pieces:
                if piece.ok and piece.number:
                    if piece.number not in numbers:
                        numbers.append(piece.number)
                elif piece.problem != "empty":
                    bad = True
            if bad:
                res.problems.append((i, "phone_invalid"))
        if bad:
            res.flags.append("phone_invalid")
            if not numbers:
                raw_text = "、".join(norm.text(row[i]) for i in self.cols.get("phone", ()) if i < len(row))
                res.phone = self._at_most(res, raw_text, PHONE_LIMIT)
        if numbers:
            res.phone = self._at_most(res, "、".join(numbers), PHONE_LIMIT)

    def _at_most(self, res: Resident, value: str, limit: int) -> str:
        if len(value) <= limit:
            return value
        res.problems.append((self.col("phone"), "value_truncated"))
        res.flags.append(_TRUNCATED.format(field=FIELD_LABELS["phone"], n=len(value), limit=limit))
        kept = value[:limit + 1]
        cut = kept.rfind("、")
        return kept[:cut] if cut > 0 else value[:limit]     # whole numbers only
