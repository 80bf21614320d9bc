"""The layered core stays layered: every import goes down (docs/architecture.md draws it).

Each module of ``src/scholarlens`` has a rank in :data:`LAYERS`; a module may import only
modules of a lower rank, or modules of its own package (``formats/``, ``stores/``,
``ingest/``, ``cli/``, ``web/``) as long as that makes no cycle. Every import counts:
module-level, deferred (inside a function) and under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "scholarlens"

#: Layers, lowest first; inside a layer a module may import the ones listed before it.
LAYERS: list[tuple[str, list[str]]] = [
    ("L0 foundation", ["errors", "settings", "records", "models", "text", "names", "mojibake"]),
    ("L1 adapters", ["formats", "stores", "embeddings", "distributed", "scoring", "calibration", "index"]),
    ("L2 ingest stages", ["papers", "people", "matching", "owners", "authorship", "profiles", "ingest"]),
    (
        "L3 query features",
        [
            "catalog",
            "export",
            "topics",
            "similar",
            "person",
            "whois",
            "conflicts",
            "expertise",
            "affinity",
            "assign_io",
            "assign",
            "assign_export",
        ],
    ),
    ("L4 facade", ["kb"]),
    ("L5 front ends", ["web", "cli", "scholarlens"]),
]
#: Packages whose modules may import each other (acyclically).
PACKAGES = {"formats", "stores", "ingest", "cli", "web", "embeddings", "index"}


def rank_table() -> dict[str, tuple[int, int]]:
    return {unit: (li, ui) for li, (_, units) in enumerate(LAYERS) for ui, unit in enumerate(units)}


def module_name(path: Path, root: Path = SRC) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def imports_of(source: str, module: str, is_package: bool, known: set[str]) -> set[str]:
    """Every scholarlens module ``source`` imports, wherever the import statement is."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.split(".")[0] == "scholarlens"}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = module.split(".") if is_package else module.split(".")[:-1]
                pkg = pkg[: len(pkg) - (node.level - 1)]
                base = ".".join(pkg + ([node.module] if node.module else []))
            else:
                base = node.module or ""
            if base.split(".")[0] != "scholarlens":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                out.add(sub if sub in known else base)
    out.discard(module)
    return out


def import_graph(root: Path = SRC) -> dict[str, set[str]]:
    files = {module_name(p, root): p for p in root.rglob("*.py")}
    known = set(files)
    return {m: imports_of(p.read_text(encoding="utf-8"), m, p.name == "__init__.py", known) for m, p in files.items()}


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that go up or sideways-forward, modules with no layer, and import cycles."""
    ranks = rank_table()
    problems: list[str] = []
    for module, deps in sorted(graph.items()):
        unit = unit_of(module)
        if unit not in ranks:
            problems.append(f"{module}: not placed in a layer (add it to LAYERS in tests/test_layers.py)")
            continue
        for dep in sorted(deps):
            dep_unit = unit_of(dep)
            if dep_unit == unit and unit in PACKAGES | {"scholarlens"}:
                continue
            if dep_unit not in ranks:
                continue  # reported as unplaced on its own line
            if ranks[dep_unit] >= ranks[unit]:
                problems.append(
                    f"{module} ({LAYERS[ranks[unit][0]][0]}) imports {dep} ({LAYERS[ranks[dep_unit][0]][0]}): "
                    "an import may only go down"
                )
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as exc:
        problems.append(f"import cycle: {' -> '.join(exc.args[1])}")
    return problems


def test_every_import_goes_down_and_there_is_no_cycle() -> None:
    assert violations(import_graph()) == []


def test_the_checker_counts_deferred_and_type_checking_imports() -> None:
    source = (
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .kb import KnowledgeBase\n"
        "def f():\n    from .expertise import find_experts\n"
    )
    found = imports_of(source, "scholarlens.papers", False, {"scholarlens.kb", "scholarlens.expertise"})
    assert found == {"scholarlens.kb", "scholarlens.expertise"}
    problems = violations({"scholarlens.papers": found, "scholarlens.kb": set(), "scholarlens.expertise": set()})
    assert any("scholarlens.papers (L2 ingest stages) imports scholarlens.kb (L4 facade)" in p for p in problems)
    assert any("imports scholarlens.expertise (L3 query features)" in p for p in problems)


@pytest.mark.parametrize(
    "graph",
    [
        # a cycle inside a package, where sideways imports are otherwise allowed
        {"scholarlens.formats.a": {"scholarlens.formats.b"}, "scholarlens.formats.b": {"scholarlens.formats.a"}},
        # a cycle closed by an upward import
        {"scholarlens.papers": {"scholarlens.people"}, "scholarlens.people": {"scholarlens.papers"}},
    ],
)
def test_the_checker_fails_on_a_cycle(graph: dict[str, set[str]]) -> None:
    assert any(p.startswith("import cycle:") for p in violations(graph))


def test_the_checker_fails_on_an_unplaced_module() -> None:
    assert violations({"scholarlens.helpers": set()}) == [
        "scholarlens.helpers: not placed in a layer (add it to LAYERS in tests/test_layers.py)"
    ]
