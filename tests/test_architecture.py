"""The shape of the product: no import cycle between its modules (imports inside functions included), and no file
of it over 400 lines. The packages are the ones `pyproject.toml` ships.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES = 400
# Files still over the limit while their split is under way; none since vault/service.py was split (issue 12).
OVER_THE_LIMIT_FOR_NOW: set[str] = set()


def product_packages() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["packages"]["find"]["include"]
    return sorted(pattern.rstrip("*") for pattern in patterns)


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Every set of modules that import each other round a loop (strongly connected components of two or more,
    or a module importing itself), each sorted; Tarjan's algorithm without recursion."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0
    for start in sorted(graph.modules):
        if start in index:
            continue
        work: list[tuple[str, Iterable[str]]] = [(start, iter(sorted(graph.find_modules_directly_imported_by(start))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            module, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = counter
                    counter += 1
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.find_modules_directly_imported_by(successor)))))
                    break
                if successor in on_stack:
                    low[module] = min(low[module], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[module])
                if low[module] == index[module]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == module:
                            break
                    if len(component) > 1 or graph.direct_import_exists(importer=module, imported=module):
                        cycles.append(sorted(component))
    return sorted(cycles)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(*product_packages(), cache_dir=None)


def test_the_cycle_finder_finds_a_loop_hidden_in_a_function() -> None:
    made = grimp.ImportGraph()
    for importer, imported in (("p.tasks", "p.pipeline"), ("p.pipeline", "p.issuing"), ("p.issuing", "p.tasks")):
        made.add_import(importer=importer, imported=imported)
    made.add_import(importer="p.cli", imported="p.tasks")
    assert import_cycles(made) == [["p.issuing", "p.pipeline", "p.tasks"]]


def test_the_graph_sees_imports_inside_functions(graph: grimp.ImportGraph) -> None:
    # `sohoa longterm run` imports the job inside its function, so that `sohoa --help` stays quick.
    assert graph.direct_import_exists(importer="runtime.cli", imported="issuing.longterm")


def test_no_module_imports_round_a_loop(graph: grimp.ImportGraph) -> None:
    assert import_cycles(graph) == []


def _product_files() -> list[Path]:
    return sorted(path for package in product_packages() for path in (ROOT / package).rglob("*.py"))


def test_no_product_file_is_over_400_lines() -> None:
    files = _product_files()
    assert len(files) > 50
    lengths = {str(path.relative_to(ROOT)): len(path.read_text(encoding="utf-8").splitlines()) for path in files}
    over = {name for name, lines in lengths.items() if lines > MAX_LINES}
    assert over - OVER_THE_LIMIT_FOR_NOW == set(), {name: lengths[name] for name in over}
