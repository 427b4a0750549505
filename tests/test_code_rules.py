"""House rules checked on the source text: no private names imported across modules, no ``assert``
or ``print`` in shipped runtime code (CLIs and the worker protocol excepted), no import cycles."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNTIME = ("addon", "inference", "rigs")
#: Modules whose stdout/stderr is their interface: command-line tools and the worker protocol.
PRINTING = {"addon/cli.py", "addon/conversation_cli.py", "inference/cli.py", "inference/__main__.py",
            "inference/distributed.py", "inference/batch/runner.py",  # the batch summary every CLI prints
            "inference/batch/frontend.py"}  # the batch skeleton: per-file lines and errors of every batch CLI


def _sources(*pkgs):
    for pkg in pkgs:
        for path in sorted((ROOT / pkg).rglob("*.py")):
            yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), filename=str(path))


def test_no_private_names_imported_across_modules():
    bad = [f"{rel}:{n.lineno}: {a.name}" for rel, tree in _sources(*RUNTIME, "tools", "training", "benchmarks")
           for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)
           for a in n.names if a.name.startswith("_") and not a.name.startswith("__")]
    assert not bad, bad


def test_no_assert_or_print_in_runtime_code():
    asserts = [f"{rel}:{n.lineno}" for rel, tree in _sources(*RUNTIME) for n in ast.walk(tree)
               if isinstance(n, ast.Assert)]
    prints = [f"{rel}:{n.lineno}" for rel, tree in _sources(*RUNTIME) if rel not in PRINTING
              for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
    assert not asserts, f"assert in runtime code (raise an error naming the input instead): {asserts}"
    assert not prints, f"print in runtime code (use logging): {prints}"


def _module_of(rel: str) -> str:
    return rel[:-3].replace("/", ".").removesuffix(".__init__")


def _targets(rel: str, node: ast.ImportFrom) -> list[str]:
    """Modules of this repository an ``ImportFrom`` node loads (relative imports resolved)."""
    if node.level:
        base = _module_of(rel).split(".")
        if not rel.endswith("__init__.py"):
            base = base[:-1]
        base = base[:len(base) - (node.level - 1)]
        mod = ".".join(base + ([node.module] if node.module else []))
    else:
        mod = node.module or ""
    return [mod] + [f"{mod}.{a.name}" for a in node.names]


def test_no_import_cycles():
    """No import cycle in addon/, inference/, rigs/ and tools/ (one graph, so a loop through two of them
    counts too). Any import (also inside functions) counts: a lazy import that closes a loop is still a
    cycle. A module importing its own package (``from . import x``) is not an edge: the package is
    initialised before any of its modules."""
    graph: dict[str, set[str]] = {}
    for pkg in (*RUNTIME, "tools"):
        for rel, tree in _sources(pkg):
            mods = set()
            for n in ast.walk(tree):
                if isinstance(n, ast.ImportFrom):
                    mods.update(_targets(rel, n))
                elif isinstance(n, ast.Import):
                    mods.update(a.name for a in n.names)
            graph[_module_of(rel)] = mods
    for mod in graph:
        graph[mod] = {m for m in graph[mod] if m in graph and m != mod and not mod.startswith(m + ".")}
    cycles, state = [], {}

    def visit(m, stack):
        state[m] = 1
        for d in sorted(graph[m]):
            if state.get(d) == 1:
                cycles.append(stack[stack.index(d):] + [d])
            elif d not in state:
                visit(d, stack + [d])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])
    assert not cycles, cycles
