"""The layout holds: no import cycle, each package imports only what its docstring allows, the
report is free of torch, modules and functions stay small, nobody probes a backend's attributes.

Everything is computed from the code (the AST), not from a list kept by hand.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers import ROOT

PACKAGE = ROOT / "alignaudit"
MAX_MODULE_LINES = 450
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip.update(id(n) for n in ast.walk(node))
    return skip


def imports_of(path: Path, type_hints: bool = False) -> set[str]:
    """alignaudit modules a module imports at run time (in functions too; with ``type_hints``,
    also those imported for type checking only). ``from a.b import c`` names module ``a.b.c``
    when that is a module, else ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip, found = set() if type_hints else _type_checking_nodes(tree), set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("alignaudit"):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                found.add(full if full in MODULES else str(node.module))
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("alignaudit"))
    return found


GRAPH = {name: imports_of(path) for name, path in MODULES.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_inside_alignaudit():
    assert cycles(GRAPH) == []


def test_no_import_cycle_even_through_type_hints():
    # A module that imports another only for its types still depends on it: a reader (and a
    # type checker) must understand both together, so those imports may not close a cycle.
    assert cycles({name: imports_of(path, type_hints=True) for name, path in MODULES.items()}) == []


def allowed_imports(name: str) -> list[str] | None:
    """What a package's docstring says it may import; None when it says anything."""
    doc = ast.get_docstring(ast.parse(MODULES[name].read_text(encoding="utf-8"))) or ""
    match = re.search(r"May import:(.*?)(?:\n\n|$)", doc, re.S)
    assert match, f"{name}: the package docstring does not say what it may import"
    said = match.group(1)
    if said.strip().startswith("anything"):
        return None
    return re.findall(r"alignaudit(?:\.\w+)+", said.split("(")[0])


PACKAGES = sorted(n for n, p in MODULES.items() if p.name == "__init__.py" and n != "alignaudit")


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_only_what_its_docstring_allows(package):
    allowed = allowed_imports(package)
    if allowed is None:
        return
    outside = defaultdict(set)
    for name, targets in GRAPH.items():
        if name != package and not name.startswith(package + "."):
            continue
        for target in targets:
            inside = target == package or target.startswith(package + ".")
            ok = inside or any(target == a or target.startswith(a + ".") for a in allowed)
            if not ok and target != "alignaudit":
                outside[name].add(target)
    assert not outside, f"{package} may import {allowed}, but: {dict(outside)}"


def test_importing_the_report_pulls_in_no_torch():
    code = ("import sys, pkgutil, importlib, alignaudit.report as r\n"
            "for m in pkgutil.iter_modules(r.__path__):\n"
            "    importlib.import_module(f'{r.__name__}.{m.name}')\n"
            "print(sorted(x for x in ('torch', 'transformers', 'sentence_transformers') "
            "if x in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_modules_stay_small(name):
    lines = len(MODULES[name].read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_MODULE_LINES, f"{name} has {lines} lines; split it by concern"


def _is_cli_command(node: ast.FunctionDef) -> bool:
    """A command whose parameters are the option declarations (typer reads them)."""
    return any(isinstance(a.annotation, ast.Attribute) and ast.unparse(a.annotation)
               .startswith("opt.") for a in node.args.args)


def test_functions_stay_short():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            start = node.body[0].lineno if _is_cli_command(node) else node.lineno
            length = (node.end_lineno or node.lineno) - start + 1
            if length > MAX_FUNCTION_LINES:
                long.append(f"{name}.{node.name} ({length} lines)")
    assert not long, long


def test_no_caller_probes_a_backend_with_hasattr_or_getattr():
    probes = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("hasattr", "getattr") and node.args
                    and "backend" in ast.unparse(node.args[0]).lower()):
                probes.append(f"{name}:{node.lineno} {ast.unparse(node)}")
    assert not probes, probes
