"""commdesk — 社区工作台: offline ledgers for community offices."""

__version__ = "0.1.0"
APP_NAME = "commdesk"

#: The layers of the package, lowest first: a module imports only from its own layer or a lower
#: one, and nothing imports in a cycle (``tests/test_architecture.py`` checks both, counting the
#: imports inside functions too). Every top-level module or package of ``commdesk`` is in exactly
#: one layer; ARCHITECTURE.md says what each holds and where a new piece goes.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("commdesk", "paths", "i18n", "errors", "logsetup", "changes"),   # base: no domain, no Qt
    ("validation", "search"),    # pure checks and text: ID numbers, phones, review flags, pinyin, queries
    ("models",),                 # the store: tables, engine, migrations, backups, search index hooks
    ("settings",),               # declared business settings (Party, meeting rules)
    ("services",),               # the ledgers' operations: households, Party, meetings, checklists
    ("reports",),                # ledger declarations, exports (xlsx/pdf/json), the monthly report
    ("importers",),              # legacy registers in: read, plan, walk, write, undo
    ("demo",),                   # generated demo data (only the command line and the UI use it)
    ("ui",),                     # PySide6 windows, pages and dialogs
    ("cli",),                    # the ``commdesk`` command and its sub-commands
    ("__main__",),               # ``python -m commdesk``
)
