"""The package's structure holds: the layers declared in ``commdesk.LAYERS`` are respected (no
module imports a higher layer, counting imports inside functions), there is no import cycle, and
the demo generators are used only by the command line and the UI."""
from __future__ import annotations

from pathlib import Path

import commdesk
from tests.import_graph import cycles, import_graph, undeclared, upward_imports

PACKAGE_DIR = Path(commdesk.__file__).resolve().parent


def _graph() -> dict[str, set[str]]:
    return import_graph(PACKAGE_DIR)


def test_every_module_is_in_a_declared_layer() -> None:
    names = [name for layer in commdesk.LAYERS for name in layer]
    assert len(names) == len(set(names)), "a name is in two layers"
    assert undeclared(_graph(), commdesk.LAYERS) == []


def test_no_module_imports_a_higher_layer() -> None:
    assert upward_imports(_graph(), commdesk.LAYERS) == []


def test_there_is_no_import_cycle() -> None:
    assert cycles(_graph()) == []


def test_demo_is_imported_only_by_the_command_line_and_the_ui() -> None:
    users = sorted(m for m, targets in _graph().items() if not m.startswith("commdesk.demo")
                   and any(t == "commdesk.demo" or t.startswith("commdesk.demo.") for t in targets))
    assert users and all(m.startswith(("commdesk.cli.", "commdesk.ui.")) for m in users), users


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "low").mkdir(parents=True)
    (pkg / "high").mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "low" / "__init__.py").write_text("")
    (pkg / "low" / "a.py").write_text("def f():\n    from pkg.high import b  # an upward import inside a function\n")
    (pkg / "high" / "__init__.py").write_text("")
    (pkg / "high" / "b.py").write_text("from ..low import a\nfrom pkg.high import c\n")
    (pkg / "high" / "c.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high.b import x\n")
    (pkg / "stray.py").write_text("")
    layers = (("pkg",), ("low",), ("high",))
    graph = import_graph(pkg)
    assert graph["pkg.high.b"] == {"pkg.low.a", "pkg.high.c"}
    assert cycles(graph) == [["pkg.high.b", "pkg.high.c", "pkg.low.a"]]
    assert upward_imports(graph, layers) == ["pkg.low.a -> pkg.high.b"]
    assert undeclared(graph, layers) == ["pkg.stray"]
