"""A ledger (台账) declared once: title, columns, grouping, filters, sort and a row source.

The same declaration drives the Excel writer, the PDF writer and (through the GUI's adapter)
the on-screen table, so the three never disagree. Rows are streamed from light Core queries
(tuples, never ORM objects), so a 300,000-row ledger does not sit in memory.

A ledger's ``source(session, params)`` yields source rows (anything the column getters can read,
usually SQLAlchemy ``Row`` tuples). :meth:`Ledger.rows` turns them into :class:`Row` values —
raw Python values (``date``, ``int``, ``str``) per visible column — plus :class:`Section`
headings. :func:`format_cell` is the single place a raw value becomes display text (and where
ID numbers and phones are masked).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Any, NamedTuple

from sqlalchemy.orm import Session

from commdesk.errors import UserError
from commdesk.i18n import _

#: Column kinds. ``id``/``phone`` are masked on request; ``code`` is text that looks like a number
#: (household numbers): always written as text. ``seq`` is the 序号 the ledger numbers itself.
KINDS = ("text", "id", "phone", "code", "date", "int", "number", "seq")
_DEFAULT_ALIGN = {"int": "right", "number": "right", "seq": "center", "date": "center", "id": "center",
                  "phone": "center", "code": "center"}
#: Widths (in characters, a CJK character = 1) up to which a portrait A4 page holds a ledger.
PORTRAIT_MAX_CHARS = 86


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: float = 8.0                         # characters (a Chinese character = 1)
    kind: str = "text"
    align: str = ""                            # left | center | right ("" → by kind)
    getter: Callable[[Any], Any] | None = None  # source row → raw value (default: attribute ``key``)
    group_level: bool = False                  # household-level: shown once per group
    default: bool = True                       # visible unless the user picks columns
    # -- the on-screen table (see Ledger.screen_columns) --
    screen: bool | None = None                 # shown on screen: None → as ``default``; False: printed only
    alert: bool = False                        # on screen, a non-empty value is drawn as a warning
    after: str = ""                            # a screen-only column: placed after this key ("" → at the end)

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")

    @property
    def alignment(self) -> str:
        return self.align or _DEFAULT_ALIGN.get(self.kind, "left")

    def read(self) -> Callable[[Any], Any]:
        if self.getter is not None:
            return self.getter
        if self.kind == "seq":      # numbered by Ledger.rows
            return lambda _src: None
        return attrgetter(self.key)


@dataclass(frozen=True)
class FilterSpec:
    """A filter the export dialog can offer. ``choices(session)`` → [(value, label)] or None (free text)."""

    key: str
    label: str
    choices: Callable[[Session], list[tuple[str, str]]] | None = None
    default: Any = None


@dataclass(frozen=True)
class Params:
    """What one export asks for."""

    month: tuple[int, int] | None = None
    filters: Mapping[str, Any] = field(default_factory=dict)
    columns: tuple[str, ...] | None = None     # keys to show, in this order (None: the defaults)
    sort: str = ""
    masked: bool = True
    today: date | None = None

    @property
    def day(self) -> date:
        return self.today or date.today()

    def filter(self, key: str, default: Any = None) -> Any:
        value = self.filters.get(key, default)
        return default if value in (None, "") else value


class Row(NamedTuple):
    """One ledger row: raw values per visible column; rows sharing ``group`` are kept together."""

    values: tuple[Any, ...]
    group: Any = None
    first: bool = True        # first row of its group (group-level columns are shown)


class Section(NamedTuple):
    """A heading row spanning the table (e.g. 低保 in 重点人群台账)."""

    label: str


Item = Row | Section
Source = Callable[[Session, Params], Iterable[Any]]


@dataclass(frozen=True)
class Ledger:
    key: str
    title: str
    columns: tuple[Column, ...]
    source: Source
    count: Callable[[Session, Params], int] | None = None   # rows the source will yield (for progress)
    group_key: Callable[[Any], Any] | None = None            # consecutive source rows with one key = a group
    section_key: Callable[[Any], str] | None = None          # a change starts a Section
    filters: tuple[FilterSpec, ...] = ()
    sorts: tuple[tuple[str, str], ...] = ()                  # (key, label); the first is the default
    landscape: bool | None = None                            # None: decided by the total width
    needs_month: bool = False
    description: str = ""
    order: int = 100                                         # position in lists (export --list, dialog)
    screen_only: tuple[Column, ...] = ()                     # columns only the on-screen table shows

    # -- columns ---------------------------------------------------------------------------------
    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        raise UserError(_("台账“{title}”没有列“{key}”").format(title=self.title, key=key))

    def visible_columns(self, params: Params | None = None) -> tuple[Column, ...]:
        keys = params.columns if params is not None else None
        if not keys:
            return tuple(c for c in self.columns if c.default)
        return tuple(self.column(k) for k in keys)

    def is_landscape(self, params: Params | None = None, override: bool | None = None) -> bool:
        if override is not None:
            return override
        if self.landscape is not None and not (params and params.columns):
            return self.landscape
        return sum(c.width for c in self.visible_columns(params)) > PORTRAIT_MAX_CHARS

    # -- titles ----------------------------------------------------------------------------------
    def title_for(self, params: Params) -> str:
        if self.needs_month and params.month:
            year, month = params.month
            return _("{title}（{year}年{month}月）").format(title=self.title, year=year, month=month)
        return self.title

    def check(self, params: Params) -> None:
        if self.needs_month and not params.month:
            raise UserError(_("“{title}”需要指定月份（--month YYYY-MM）").format(title=self.title))
        known = {f.key for f in self.filters}
        unknown = sorted(set(params.filters) - known)
        if unknown:
            raise UserError(_("台账“{title}”不支持筛选条件：{keys}").format(title=self.title, keys="、".join(unknown)))
        if params.sort and params.sort not in {k for k, _label in self.sorts}:
            raise UserError(_("台账“{title}”不支持排序方式：{sort}").format(title=self.title, sort=params.sort))
        self.visible_columns(params)

    # -- rows ------------------------------------------------------------------------------------
    def total(self, session: Session, params: Params) -> int | None:
        return self.count(session, params) if self.count is not None else None

    def rows(self, session: Session, params: Params) -> Iterator[Item]:
        """Stream the ledger: :class:`Row` (raw values per visible column) and :class:`Section` items."""
        self.check(params)
        columns = self.visible_columns(params)
        readers = [c.read() for c in columns]
        seq_at = [i for i, c in enumerate(columns) if c.kind == "seq"]
        group_key = self.group_key
        section_key = self.section_key
        seq = 0
        last_group: Any = object()
        last_section: Any = object()
        for src in self.source(session, params):
            if section_key is not None:
                sec = section_key(src)
                if sec != last_section:
                    last_section = sec
                    last_group = object()
                    seq = 0
                    yield Section(sec)
            if group_key is not None:
                key = group_key(src)
                first = key != last_group
                last_group = key
            else:
                key, first = None, True
            if first:
                seq += 1
            values = [read(src) for read in readers]
            for i in seq_at:
                values[i] = seq if first else None
            yield Row(tuple(values), key, first)

    # -- the on-screen table ---------------------------------------------------------------------
    def screen_columns(self) -> tuple[Column, ...]:
        """The on-screen table's columns: the declared columns shown on screen (``screen``, else
        ``default``) in declaration order, and the ``screen_only`` ones each placed after the column
        its ``after`` names. Screen-only columns are never exported (:meth:`column` does not know them)."""
        out = [c for c in self.columns if (c.default if c.screen is None else c.screen)]
        for extra in self.screen_only:
            keys = [c.key for c in out]
            out.insert(keys.index(extra.after) + 1 if extra.after in keys else len(out), extra)
        return tuple(out)


# -- display -----------------------------------------------------------------------------------
def _mask_id(value: str) -> str:
    from commdesk.validation.idcard import mask_id

    return mask_id(value)


def _mask_phone(value: str) -> str:
    from commdesk.validation.phone import mask_phone, split_phones

    pieces = split_phones(value)
    if len(pieces) > 1:
        return "、".join(mask_phone(p) for p in pieces)
    return mask_phone(value)


def format_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return value.isoformat()


def format_cell(column: Column, value: Any, masked: bool = True) -> str:
    """Display text of a raw value, as the screen and the PDF show it (masked when asked)."""
    if value is None or value == "":
        return ""
    kind = column.kind
    if kind == "id":
        return _mask_id(str(value)) if masked else str(value)
    if kind == "phone":
        return _mask_phone(str(value)) if masked else str(value)
    if kind == "date":
        return format_date(value) if isinstance(value, (date, datetime)) else str(value)
    if kind == "number" and isinstance(value, float):
        return f"{value:,.2f}"
    return str(value)


def formatter(column: Column, masked: bool) -> Callable[[Any], str]:
    """A fast one-argument formatter for a column (the writers call it per cell)."""
    kind = column.kind
    if kind in ("text", "code", "int", "seq"):
        return lambda v: "" if v is None else str(v)
    if kind == "date":
        return lambda v: "" if v is None else (v.isoformat() if isinstance(v, date) and not isinstance(v, datetime)
                                               else format_cell(column, v, masked))
    return lambda v: format_cell(column, v, masked)


def format_row(columns: Sequence[Column], values: Sequence[Any], masked: bool = True) -> list[str]:
    return [format_cell(c, v, masked) for c, v in zip(columns, values)]


def to_date(value: Any) -> date | None:
    """SQLite hands dates back as text from Core text() queries."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


# -- registry ----------------------------------------------------------------------------------
_REGISTRY: dict[str, Ledger] = {}
_BUILTINS_LOADED = False


def register_ledger(ledger: Ledger) -> Ledger:
    """Add (or replace) a ledger; later modules (Party, meetings, checklists) call this at import."""
    _REGISTRY[ledger.key] = ledger
    return ledger


#: Modules that declare ledgers (each calls register_ledger at import), in list order.
LEDGER_MODULES = (
    "commdesk.reports.household_ledger", "commdesk.reports.key_group_ledger", "commdesk.reports.change_ledger",
    "commdesk.reports.party_ledgers", "commdesk.reports.meeting_ledgers", "commdesk.reports.checklist_ledgers",
)


def _load_builtins() -> None:
    global _BUILTINS_LOADED
    if not _BUILTINS_LOADED:
        _BUILTINS_LOADED = True
        import importlib

        for name in LEDGER_MODULES:
            importlib.import_module(name)


def get_ledger(key: str) -> Ledger:
    _load_builtins()
    try:
        return _REGISTRY[key]
    except KeyError:
        raise UserError(_("没有名为“{key}”的台账（可用：{keys}）").format(
            key=key, keys="、".join(k for k, _t in ledger_keys()))) from None


def ledger_keys() -> list[tuple[str, str]]:
    """[(key, Chinese title)] in registration order."""
    _load_builtins()
    ordered = sorted(enumerate(_REGISTRY.values()), key=lambda p: (p[1].order, p[0]))
    return [(led.key, led.title) for _i, led in ordered]

