"""The layered house: no import cycle in ``src/wetval`` and no upward import.

The graph is built from the source (``ast``), not by importing: every
``import wetval...`` / ``from wetval... import ...`` (relative ones resolved),
module-level and function-level imports kept apart, ``if TYPE_CHECKING:``
blocks left out (they never run). Importing ``wetval.a.b`` also runs the
package ``wetval.a``'s ``__init__``, so that edge is added too (marked
"package").

The layer table :data:`LAYERS` is the one drawn in ``docs/architecture.md``
("Layers"); a test keeps the two equal.
"""

from __future__ import annotations

import ast
import importlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src" / "wetval"

#: Layers, lowest first. A module may import modules of its own layer and of
#: the layers below it, never above. Prefixes match whole dotted names.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "foundations",
        (
            "wetval._deprecation",
            "wetval._flags",
            "wetval._text",
            "wetval._version",
            "wetval.atomic",
            "wetval.boundary",
            "wetval.cards",
            "wetval.dates",
            "wetval.errors",
            "wetval.hashing",
            "wetval.indicators",
            "wetval.inventory",
            "wetval.io",
            "wetval.kinds",
            "wetval.landclass",
            "wetval.messages",
            "wetval.plotting",
            "wetval.plugins",
            "wetval.provenance",
            "wetval.results",
            "wetval.spatial.crs",
            "wetval.spatial.read",
            "wetval.spec",
            "wetval.strings",
            "wetval.spreadsheet",
            "wetval.summary",
            "wetval.tables",
            "wetval.units",
            "wetval.variation",
        ),
    ),
    ("datasets", ("wetval.datasets",)),
    (
        "methods",
        (
            "wetval.calibrate",
            "wetval.condition",
            "wetval.pricing",
            "wetval.quota",
            "wetval.review",
            "wetval.screening",
            "wetval.spatial",
            "wetval.valuation",
        ),
    ),
    ("uncertainty", ("wetval.uncertainty",)),
    ("conformance", ("wetval.testing",)),
    ("assessment", ("wetval.assess", "wetval.assessment", "wetval.registry", "wetval.scale")),
    ("presentation", ("wetval.__main__", "wetval.cli", "wetval.report")),
    ("package", ("wetval",)),
)

#: Modules no other package module may import (only tests and plugins use them).
IMPORTED_BY_NO_MODULE = ("wetval.testing",)


@dataclass(frozen=True)
class Edge:
    """One import: ``source`` imports ``target`` at ``line``."""

    source: str
    target: str
    line: int
    lazy: bool  # inside a function body
    package: bool = False  # the implicit import of the target's package __init__
    forward: bool = False  # a deprecated name forwarded by wetval._deprecation

    def __str__(self) -> str:
        how = " (in a function)" if self.lazy and not self.forward else ""
        how += " (runs its package)" if self.package else ""
        how += " (deprecated name)" if self.forward else ""
        return f"{self.source}:{self.line} -> {self.target}{how}"


def modules(src: Path) -> dict[str, Path]:
    """Dotted module name → file, for every ``.py`` file of the package at ``src``."""
    found = {}
    for path in sorted(src.rglob("*.py")):
        parts = list(path.relative_to(src.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str, is_package: bool, known: dict[str, Path]) -> None:
        self.module, self.is_package, self.known = module, is_package, known
        self.root = module.split(".")[0]
        self.depth = 0
        self.found: list[tuple[str, int, bool]] = []

    def visit_FunctionDef(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_AsyncFunctionDef = visit_FunctionDef  # type: ignore[assignment]

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        name = test.id if isinstance(test, ast.Name) else getattr(test, "attr", None)
        if name == "TYPE_CHECKING":
            for child in node.orelse:
                self.visit(child)
            return
        self.generic_visit(node)

    def _add(self, name: str, line: int) -> None:
        while name and name not in self.known:
            name = name.rpartition(".")[0]
        if name and name != self.module:
            self.found.append((name, line, self.depth > 0))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.split(".")[0] == self.root:
                self._add(alias.name, node.lineno)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            base = self.module.split(".")
            if not self.is_package:
                base.pop()
            base = base[: len(base) - (node.level - 1)]
            origin = ".".join([*base, *([node.module] if node.module else [])])
        else:
            origin = node.module or ""
        if origin.split(".")[0] != self.root:
            return
        for alias in node.names:
            full = f"{origin}.{alias.name}"
            self._add(full if full in self.known else origin, node.lineno)


def import_graph(src: Path) -> list[Edge]:
    """Every import between the modules of the package at ``src``."""
    known = modules(src)
    edges: list[Edge] = []
    for module, path in known.items():
        visitor = _Imports(module, path.name == "__init__.py", known)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        for target, line, lazy in visitor.found:
            edges.append(Edge(module, target, line, lazy))
            # importing a.b.c runs a.b's __init__ unless the importer is inside a.b already
            parts = target.split(".")
            for n in range(2, len(parts)):
                package = ".".join(parts[:n])
                if not (module == package or module.startswith(package + ".")):
                    edges.append(Edge(module, package, line, lazy, package=True))
    return edges


def forwards(src: Path) -> list[Edge]:
    """The deprecated names each module forwards through :func:`wetval._deprecation.forward`.

    Read from the imported module (the tables may be built in code); a forward
    imports its target only when the old name is used, after both modules
    loaded, so it cannot close an import cycle, but it must still point down.
    """
    edges = []
    for module, path in modules(src).items():
        text = path.read_text(encoding="utf-8")
        found = re.search(r"^__getattr__ = forward\(", text, flags=re.MULTILINE)
        if found is None:
            continue
        line = text[: found.start()].count("\n") + 1
        getattr_ = vars(importlib.import_module(module))["__getattr__"]
        for target in sorted({t.split(":")[0] for t in getattr_.moved.values()}):
            edges.append(Edge(module, target, line, lazy=True, forward=True))
    return edges


def cycles(edges: Iterable[Edge]) -> list[list[Edge]]:
    """One cycle (as its chain of edges) per strongly connected component."""
    out: dict[str, list[Edge]] = {}
    for edge in edges:
        out.setdefault(edge.source, []).append(edge)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []

    def visit(node: str) -> None:  # Tarjan
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for edge in out.get(node, []):
            if edge.target not in index:
                visit(edge.target)
                low[node] = min(low[node], low[edge.target])
            elif edge.target in on_stack:
                low[node] = min(low[node], index[edge.target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(component)

    for node in sorted(out):
        if node not in index:
            visit(node)
    return [_chain(sorted(c)[0], c, out) for c in components]


def _chain(start: str, component: set[str], out: dict[str, list[Edge]]) -> list[Edge]:
    """The shortest path of edges from ``start`` back to itself inside ``component``."""
    paths: dict[str, list[Edge]] = {start: []}
    queue = [start]
    for node in queue:
        for edge in out.get(node, []):
            if edge.target == start:
                return [*paths[node], edge]
            if edge.target in component and edge.target not in paths:
                paths[edge.target] = [*paths[node], edge]
                queue.append(edge.target)
    raise AssertionError("a strongly connected component without a cycle")


def layer_of(module: str) -> tuple[int, str]:
    """The layer (rank, name) of a module: its longest matching prefix."""
    best: tuple[int, int, str] | None = None
    for rank, (name, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and (
                best is None or len(prefix) > best[0]
            ):
                best = (len(prefix), rank, name)
    assert best is not None, f"{module} is in no layer: add it to LAYERS and the docs"
    return best[1], best[2]


def _show(chains: Iterable[list[Edge]]) -> str:
    return "\n".join("  " + "\n    ".join(str(e) for e in chain) for chain in chains)


def _lazy_report(edges: Iterable[Edge]) -> Iterator[str]:
    shown = sorted({e for e in edges if e.lazy and not e.package}, key=lambda e: (e.source, e.line))
    for edge in shown:
        yield f"  {edge}"


EDGES = import_graph(SRC)
FORWARDS = forwards(SRC)


def test_the_graph_sees_the_package() -> None:
    # guards the checker itself against silently finding nothing
    assert len(modules(SRC)) > 80
    assert any(e.source == "wetval.assess" and e.target == "wetval.spec" for e in EDGES)
    assert any(e.source == "wetval.quota" and e.target == "wetval.pricing" for e in FORWARDS)


def test_no_import_cycle_at_module_level() -> None:
    found = cycles(e for e in EDGES if not e.lazy)
    assert not found, "import cycles (module-level imports):\n" + _show(found)


def test_no_cycle_is_hidden_by_an_import_inside_a_function() -> None:
    # an import moved into a function to dodge a cycle still makes one at run time
    found = cycles(EDGES)
    lazy = "\n".join(_lazy_report(EDGES + FORWARDS))
    print(f"imports inside functions (none may close a cycle):\n{lazy}")
    assert not found, "import cycles closed by imports inside functions:\n" + _show(found)


def test_every_module_is_in_a_layer() -> None:
    for module in modules(SRC):
        layer_of(module)


def test_every_import_points_down_the_layers() -> None:
    upward = [
        [e]
        for e in EDGES + FORWARDS
        if not e.package and layer_of(e.target)[0] > layer_of(e.source)[0]
    ]
    message = "\n".join(
        f"  {chain[0]}   [{layer_of(chain[0].source)[1]} -> {layer_of(chain[0].target)[1]}]"
        for chain in upward
    )
    assert not upward, "imports pointing up the layers:\n" + message


def test_no_package_module_imports_the_conformance_checks() -> None:
    def inside(module: str, prefix: str) -> bool:
        return module == prefix or module.startswith(prefix + ".")

    bad = [
        e
        for e in EDGES
        for prefix in IMPORTED_BY_NO_MODULE
        if inside(e.target, prefix) and not inside(e.source, prefix)
    ]
    assert not bad, "modules importing wetval.testing:\n" + "\n".join(f"  {e}" for e in bad)


def test_the_package_root_imports_nothing_at_module_level_but_foundations() -> None:
    # `import wetval` stays fast: every public name is imported on first use
    eager = [e for e in EDGES if e.source == "wetval" and not e.lazy]
    assert all(layer_of(e.target)[1] == "foundations" for e in eager), eager


def test_the_layers_are_the_ones_in_the_architecture_page() -> None:
    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    section = page.split("## Layers", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| (\d) \| `([a-z]+)` \| (.+) \|$", section, flags=re.MULTILINE)
    documented = tuple(
        (name, tuple(sorted(re.findall(r"`([\w.]+)`", members)))) for _, name, members in rows
    )
    assert documented == tuple((name, tuple(sorted(p))) for name, p in LAYERS)
    # the diagram draws the same layers, bottom to top
    diagram = re.search(r"```mermaid\n(.*?)```", section, flags=re.DOTALL)
    assert diagram is not None
    drawn = re.findall(r"^\s*(\w+)\[", diagram.group(1), flags=re.MULTILINE)
    assert drawn == [name for name, _ in LAYERS]


# ---------------------------------------------------------------- the checker itself
def _package(tmp_path: Path, files: dict[str, str]) -> Path:
    src = tmp_path / "pkg"
    for name, text in files.items():
        path = src / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return src


def test_the_checker_finds_a_cycle_closed_inside_a_function(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "from pkg.b import x\n",
            "b.py": "def f():\n    from . import a\n",
            "c.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.a\n",
        },
    )
    edges = import_graph(src)
    assert not cycles(e for e in edges if not e.lazy)
    (chain,) = cycles(edges)
    assert [str(e) for e in chain] == ["pkg.a:1 -> pkg.b", "pkg.b:2 -> pkg.a (in a function)"]
    assert not [e for e in edges if e.source == "pkg.c"]  # type-only imports never run


def test_the_checker_counts_the_package_init_of_a_submodule(tmp_path: Path) -> None:
    src = _package(
        tmp_path,
        {
            "__init__.py": "",
            "sub/__init__.py": "from .inner import y\n",
            "sub/inner.py": "import pkg.other\n",
            "sub/deep.py": "",
            "other.py": "import pkg.sub.deep\n",
        },
    )
    (chain,) = cycles(import_graph(src))
    assert {str(e) for e in chain} == {
        "pkg.other:1 -> pkg.sub (runs its package)",
        "pkg.sub:1 -> pkg.sub.inner",
        "pkg.sub.inner:1 -> pkg.other",
    }


@pytest.mark.parametrize(
    ("module", "layer"),
    [("wetval.tables", "foundations"), ("wetval.quota.ledger", "methods"), ("wetval", "package")],
)
def test_layer_lookup_takes_the_longest_prefix(module: str, layer: str) -> None:
    assert layer_of(module)[1] == layer
