"""Everything PySide6: main window, pages, dialogs, table models and the op runner."""
