"""Accuracy on registers in layouts the importer was not written against, generated with their
truth in two rounds (tests/data/unseen/ by ``make_unseen.py``, tests/data/unseen2/ by
``make_unseen2.py``): synonyms, repeated and three-row headers, subtotal rows with counts,
footers over several cells, 出生年月 as a number, instruction sheets, split addresses, tick and
是否 columns, ="…" exports, 同上, section headings with notes, template example rows, masked IDs
beside hidden whole ones, the head's ID and a landlord's phone beside the resident's own, a second
table with its own header under the first, relation
and political-status variants, notes after names and phones, households whose rows are apart.

Compared as the sample registers are (tests/test_import_samples.py), plus the household
partition (the truth's ``household`` key) and one head per household. Round 2's truth may say per
record ``expect_flags`` (the flags required), ``expect`` (the value stored when it is not the real
one) and ``accept`` (other answers that are judgement calls, not errors)."""
from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import text

from commdesk.importers import ImportOptions, run_import
from commdesk.models.db import open_database
from commdesk.services.export_residents import resident_records

DATA = Path(__file__).parent / "data"
REGISTERS = sorted(f"{folder}/{p.name}" for folder in ("unseen", "unseen2") for p in (DATA / folder).iterdir()
                   if p.suffix in (".xlsx", ".xls", ".csv"))
#: layouts not supported yet (kept so that support, when it comes, is measured on them)
#: registers this importer cannot read exactly yet (an xfail each, strict: one that starts passing
#: must leave this list)
NOT_YET: dict[str, str] = {}
FLAGGED = {"id_precision_lost", "id_checksum_invalid", "gender_conflict"}
REL = {"儿子": "子", "女儿": "女", "妻子": "配偶", "丈夫": "配偶", "本人": "户主"}
POL = {"党员": "中共党员", "预备党员": "中共预备党员", "团员": "共青团员"}
_PHONE_FORM = re.compile(r"1\d{10}|0\d{2,3}-\d{7,8}(?:-\d{1,5})?|[2-9]\d{6,7}")


def _phones(value: str | None, strict: bool = False) -> frozenset[str]:
    """Digit strings of a phone cell; with ``strict`` (what was stored) a piece that is not a
    clean number is kept as written, so that it cannot match."""
    out = set()
    for piece in re.split(r"[、/,，;；]", value or ""):
        piece = piece.strip()
        if piece:
            out.add(piece if strict and not _PHONE_FORM.fullmatch(piece) else re.sub(r"\D", "", piece))
    return frozenset(out)


def _imported(path: Path, tmp_path: Path) -> tuple[list[dict], int]:
    database = open_database(tmp_path / "db.sqlite3")
    try:
        run_import(database, path, ImportOptions(backup=False))
        with database.Session() as session:
            got = resident_records(session)
            rows = session.execute(text(
                "SELECT r.name, r.household_id FROM resident r JOIN household h ON h.id = r.household_id"
                " WHERE r.archived_at IS NULL ORDER BY h.household_no, h.id, r.rel_order, r.id")).all()
            heads = session.execute(text(
                "SELECT count(*) FROM (SELECT household_id FROM resident WHERE relation = '户主'"
                " AND archived_at IS NULL GROUP BY household_id HAVING count(*) > 1)")).scalar_one()
    finally:
        database.close()
    for rec, (name, hid) in zip(got, rows, strict=True):
        assert rec["name"] == name
        rec["_hid"] = hid
    return got, heads


def _match(truth: list[dict], got: list[dict]) -> tuple[list[tuple[dict, dict]], list[str]]:
    """Truth records paired with imported residents: by name (the same ID first), then by an
    accepted name or the ID; what is left over either side is a problem."""
    pool, matched, problems, left = list(got), [], [], []
    for want in truth:
        candidates = [c for c in pool if c["name"] == want["name"]]
        if not candidates:
            left.append(want)
            continue
        pick = next((c for c in candidates if c["id_number"] and c["id_number"] == want["id_number"]), candidates[0])
        pool.remove(pick)
        matched.append((want, pick))
    for want in left:
        names = want.get("accept", {}).get("name", [])
        pick = next((c for c in pool if c["name"] in names), None) or next(
            (c for c in pool if c["id_number"] and c["id_number"] == want["id_number"]), None)
        if pick is None:
            problems.append(f"missing {want['name']} ({want.get('row', '')})")
            continue
        pool.remove(pick)
        matched.append((want, pick))
        if pick["name"] not in names:
            problems.append(f"{want['name']} imported as {pick['name']!r}")
    problems += [f"extra {rec['name']!r} ({rec['relation']}, {rec['issues']})" for rec in pool]
    return matched, problems


@pytest.mark.parametrize("name", [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=NOT_YET[n]))
                                  if n in NOT_YET else n for n in REGISTERS])
def test_unseen_register_is_imported_exactly(tmp_path: Path, name: str) -> None:
    check_register(DATA, name, tmp_path)


def check_register(data: Path, name: str, tmp_path: Path) -> None:
    """Import ``data/name`` into a new database and compare every resident with its truth."""
    truth = json.loads((data / f"{name}.truth.json").read_text(encoding="utf-8"))
    got, multi_heads = _imported(data / name, tmp_path)
    matched, problems = _match(truth["records"], got)
    for want, rec in matched:
        who = f"{want['name']} ({want.get('row', '')})"
        expect, accept = want.get("expect", {}), want.get("accept", {})

        def check(key: str, mine: object, wanted: object, alternatives: list = ()) -> None:
            if mine != wanted and mine not in alternatives:
                problems.append(f"{who} {key} {mine!r} != {wanted!r}")

        unrecoverable = set(want["unrecoverable"])
        damaged = unrecoverable & {"id_precision_lost", "id_checksum_invalid"}
        issues = set(rec["issues"])
        if damaged and rec["birth_date"] is None:
            issues.discard("birth_date_partial")   # 出生年月 gives the month only and the ID cannot give the day
        wanted_flags = set(want["expect_flags"]) if "expect_flags" in want else unrecoverable & FLAGGED
        check("issues", sorted(issues), sorted(wanted_flags), [sorted(a) for a in accept.get("issues", [])])
        if damaged:
            assert rec["id_number"] is None, who
            check("birth_date", rec["birth_date"], want["birth_date"], [None])
        else:
            for key in ("id_number", "birth_date"):
                check(key, rec[key], expect.get(key, want[key]), accept.get(key, []))
            if rec["gender"] not in {want["gender"], want.get("gender_in_file", want["gender"])}:
                check("gender", rec["gender"], want["gender"], accept.get("gender", []))
        check("relation", REL.get(rec["relation"], rec["relation"]),
              REL.get(expect.get("relation", want["relation"]), expect.get("relation", want["relation"])),
              [REL.get(a, a) for a in accept.get("relation", [])])
        check("political", POL.get(rec["political_status"], rec["political_status"]),
              POL.get(expect.get("political", want["political"]), expect.get("political", want["political"])),
              [POL.get(a, a) for a in accept.get("political", [])])
        check("phone", _phones(rec["phone"], strict=True), _phones(expect.get("phone", want["phone"])),
              [_phones(a, strict=True) for a in accept.get("phone", [])])
        check("tags", frozenset(rec["tags"]), frozenset(expect.get("tags", want["tags"])),
              [frozenset(a) for a in accept.get("tags", [])])
        for key in ("grid", "address", "household_no"):
            check(key, rec[key] or "", expect.get(key, want[key]) or "", accept.get(key, []))
    want_groups: dict[object, set[str]] = defaultdict(set)
    got_groups: dict[int, set[str]] = defaultdict(set)
    for want, rec in matched:
        want_groups[want.get("household", want["household_no"])].add(want["name"])
        got_groups[rec["_hid"]].add(want["name"])
    split = {frozenset(s) for s in want_groups.values()} - {frozenset(s) for s in got_groups.values()}
    problems += [f"household not as in the file: {'、'.join(sorted(s))}" for s in split]
    assert multi_heads == 0
    assert not problems, "\n".join(problems[:40])
