"""The package's import structure: layers, no cycles, few imports inside functions.

The layers are declared once, as import-linter contracts in ``pyproject.toml``
(``[tool.importlinter]``): __main__ > cli > vectors > models > data > base | datasets
(``__main__`` is ``python -m ngramvec``). These tests
check them on grimp's import graph of the checkout, to which they add the compiled
modules (grimp reads ``.py`` files only, so ``from ngramvec.models._cooccur import x``
would otherwise go unseen).
"""
from __future__ import annotations

import ast
import copy
import importlib.machinery
import subprocess
import sys
from pathlib import Path
from typing import Iterator

import grimp
import pytest
from importlinter import api as importlinter_api
from importlinter.application import output as importlinter_output
from importlinter.contracts.forbidden import ForbiddenContract
from importlinter.contracts.independence import IndependenceContract
from importlinter.contracts.layers import LayersContract

import ngramvec

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ngramvec"
CONFIG = ROOT / "pyproject.toml"

LAYERS = ["__main__", "cli", "vectors", "models", "data", "base | datasets"]

# What an import inside a function may import: optional or heavy dependencies, loaded on
# first use (plus importlib, to load such a module by name), and ngramvec's private Numba
# kernel modules (``_*.py`` importing numba: importing one is importing numba). Each such
# import carries a one-line "# reason" comment on its line or the line above.
LAZY_IMPORTS = ("numba", "sklearn", "scipy.stats", "scipy.sparse.linalg", "scipy.linalg", "tqdm",
                "dask", "distributed", "matplotlib", "ot", "gensim", "importlib")
# ngramvec packages that load a heavy dependency when imported, so that they too are
# imported on first use (test_heavy_packages_load_their_dependency checks the claim).
HEAVY_PACKAGES = {"ngramvec.vectors.postprocess": "sklearn",
                  "ngramvec.models.distributed": "distributed"}

CONTRACT_TYPES = {"layers": LayersContract, "forbidden": ForbiddenContract,
                  "independence": IndependenceContract}


# --------------------------------------------------------------------------- helpers


def _module_files() -> dict[str, Path]:
    """Dotted name -> file of every Python module of ngramvec."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _compiled_modules() -> set[str]:
    """Dotted names of ngramvec's compiled modules: Cython sources and built extensions."""
    names = set()
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    for path in PACKAGE.rglob("_*"):
        rel = path.relative_to(ROOT)
        if path.suffix == ".pyx":
            names.add(".".join(rel.with_suffix("").parts))
        elif path.name.endswith(suffixes):
            stem = path.name.split(".", 1)[0]
            names.add(".".join(rel.parent.parts + (stem,)))
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


Import = tuple[ast.stmt, list[tuple[str, ...]], bool, bool]


def _imports(module: str, path: Path) -> Iterator[Import]:
    """Every import statement of a module: (node, targets, in a function, under
    ``if TYPE_CHECKING``). One target per imported name, as the modules it may denote:
    ``import a.b`` gives ``("a.b",)``; ``from a import b`` gives ``("a.b", "a")`` (``a.b``
    when ``b`` is a module, ``a`` when it is an attribute)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]

    def visit(node: ast.AST, in_function: bool, type_checking: bool):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import):
                yield child, [(a.name,) for a in child.names], in_function, type_checking
            elif isinstance(child, ast.ImportFrom):
                parts = package[:len(package) - child.level + 1] if child.level else []
                base = ".".join(parts + ([child.module] if child.module else []))
                targets = [(f"{base}.{a.name}", base) for a in child.names]
                yield child, targets, in_function, type_checking
            elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                yield from visit(child, True, type_checking)
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for stmt in child.body:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]), in_function, True)
                for stmt in child.orelse:
                    yield from visit(ast.Module(body=[stmt], type_ignores=[]), in_function,
                                     type_checking)
            else:
                yield from visit(child, in_function, type_checking)

    yield from visit(tree, False, False)


def _graph(exclude_type_checking_imports: bool) -> grimp.ImportGraph:
    """grimp's graph of ngramvec, plus the compiled modules and the imports of them."""
    assert Path(ngramvec.__file__).parent == PACKAGE, "the checkout must be the ngramvec imported"
    graph = grimp.build_graph("ngramvec", cache_dir=None,
                              exclude_type_checking_imports=exclude_type_checking_imports)
    compiled = _compiled_modules()
    for name in compiled:
        graph.add_module(name)
    for module, path in _module_files().items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, targets, _, type_checking in _imports(module, path):
            if type_checking and exclude_type_checking_imports:
                continue
            for name in {name for target in targets for name in target} & compiled:
                graph.add_import(importer=module, imported=name, line_number=node.lineno,
                                 line_contents=lines[node.lineno - 1].strip())
    return graph


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components = []

    def successors(module: str) -> Iterator[str]:
        return iter(sorted(graph.find_modules_directly_imported_by(module)))

    for start in sorted(graph.modules):
        if start in index:
            continue
        work = [(start, successors(start))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, successors(child)))
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(sorted(component))
    return sorted(components)


def _describe_cycle(graph: grimp.ImportGraph, component: list[str]) -> str:
    """One import cycle through the first module of a component, with line numbers."""
    first = component[0]
    nxt = sorted(set(graph.find_modules_directly_imported_by(first)) & set(component))[0]
    chain = (first,) + graph.find_shortest_chain(importer=nxt, imported=first)
    hops = []
    for importer, imported in zip(chain, chain[1:]):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = f" (line {details[0]['line_number']})" if details else ""
        hops.append(f"    {importer} -> {imported}{where}")
    return f"  cycle among {component}:\n" + "\n".join(hops)


# --------------------------------------------------------------------------- tests


def test_contracts_are_declared_without_exceptions():
    config = importlinter_api.read_configuration(str(CONFIG))
    contracts = config["contracts_options"]
    layers = [c for c in contracts if c["type"] == "layers"]
    assert len(layers) == 1
    assert layers[0]["containers"] == ["ngramvec"] and layers[0]["layers"] == LAYERS
    assert str(layers[0].get("exhaustive")).lower() == "true"
    for contract in contracts:
        assert not contract.get("ignore_imports"), f"{contract['name']}: no ignore_imports"


def test_import_contracts():
    """Every contract of pyproject.toml holds, compiled modules included."""
    config = importlinter_api.read_configuration(str(CONFIG))
    session = config["session_options"]
    exclude = str(session.get("exclude_type_checking_imports", False)).lower() == "true"
    graph = _graph(exclude_type_checking_imports=exclude)
    broken = []
    for options in config["contracts_options"]:
        contract = CONTRACT_TYPES[options["type"]](
            name=options["name"], session_options=session, contract_options=options)
        check = contract.check(copy.deepcopy(graph), verbose=False)
        if not check.kept:
            with importlinter_output.console.capture() as captured:
                contract.render_broken_contract(check)
            broken.append(f"BROKEN: {contract.name}\n{captured.get()}")
    assert not broken, "\n".join(broken)


def test_compiled_modules_are_in_the_graph():
    graph = _graph(exclude_type_checking_imports=False)
    for name in _compiled_modules():
        assert name in graph.modules
    # the kernel of counting is used by its front end
    assert graph.direct_import_exists(importer="ngramvec.models.cooccur",
                                      imported="ngramvec.models._cooccur")


def test_no_import_cycles():
    """No module reaches itself through imports run at import time or call time (imports
    under ``if TYPE_CHECKING:`` are never run and do not count)."""
    graph = _graph(exclude_type_checking_imports=True)
    cycles = _cycles(graph)
    assert not cycles, "import cycles:\n" + "\n".join(_describe_cycle(graph, c) for c in cycles)


def _allowed_lazy(target: tuple[str, ...], numba_kernels: set[str]) -> bool:
    """Whether one imported name may be imported inside a function."""
    return any(name in numba_kernels or any(name == m or name.startswith(m + ".")
                                            for m in LAZY_IMPORTS + tuple(HEAVY_PACKAGES))
               for name in target)


def test_heavy_packages_load_their_dependency():
    for package, dependency in HEAVY_PACKAGES.items():
        code = (f"import sys, {package}; "
                f"sys.exit(0 if {dependency!r} in sys.modules else 1)")
        assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0, package
    # and ngramvec itself does not load it
    code = "import sys, ngramvec; sys.exit(1 if 'sklearn' in sys.modules else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0


def _numba_kernel_modules(files: dict[str, Path]) -> set[str]:
    """Private ngramvec modules (``_*``) that import numba at module level."""
    out = set()
    for module, path in files.items():
        if not module.rpartition(".")[2].startswith("_"):
            continue
        for _, targets, in_function, type_checking in _imports(module, path):
            if not in_function and not type_checking and any(
                    t[-1] == "numba" or t[-1].startswith("numba.") for t in targets):
                out.add(module)
    return out


def test_imports_inside_functions_are_optional_dependencies():
    files = _module_files()
    numba_kernels = _numba_kernel_modules(files)
    bad = []
    for module, path in files.items():
        lines = path.read_text(encoding="utf-8").splitlines()
        for node, targets, in_function, _ in _imports(module, path):
            if not in_function:
                continue
            text = " ".join(lines[node.lineno - 1:node.end_lineno])
            commented = "#" in text or lines[node.lineno - 2].strip().startswith("#")
            allowed = all(_allowed_lazy(t, numba_kernels) for t in targets)
            if not (allowed and commented):
                why = "not an optional dependency" if not allowed else "no '# reason' comment"
                bad.append(f"  {path.relative_to(ROOT)}:{node.lineno}: "
                           f"{lines[node.lineno - 1].strip()}  [{why}]")
    assert not bad, ("imports inside functions are only for optional heavy dependencies "
                     f"({', '.join(LAZY_IMPORTS)}), each with a '# reason' comment:\n"
                     + "\n".join(bad))


@pytest.mark.parametrize("target, expected", [
    (("numba",), True), (("tqdm.auto.tqdm", "tqdm.auto"), True), (("importlib",), True),
    (("scipy.linalg", "scipy"), True), (("scipy.sparse", "scipy"), False), (("os",), False),
    (("ngramvec.models.cooccur.accumulate", "ngramvec.models.cooccur"), False),
    (("ngramvec.models._glove_numba.glove_loss", "ngramvec.models._glove_numba"), True),
])
def test_allowed_lazy_imports(target, expected):
    assert _allowed_lazy(target, {"ngramvec.models._glove_numba"}) is expected


def test_numba_kernel_modules():
    kernels = _numba_kernel_modules(_module_files())
    assert {"ngramvec.models._glove_numba", "ngramvec.models._svd_numba"} <= kernels
    assert all(m.rpartition(".")[2].startswith("_") for m in kernels)


def test_cycle_finder_on_a_small_graph():
    graph = grimp.ImportGraph()
    for importer, imported in [("p.a", "p.b"), ("p.b", "p.c"), ("p.c", "p.a"), ("p.c", "p.d"),
                               ("p.d", "p.e"), ("p.e", "p.d"), ("p.f", "p.a")]:
        graph.add_import(importer=importer, imported=imported, line_number=1, line_contents="")
    assert _cycles(graph) == [["p.a", "p.b", "p.c"], ["p.d", "p.e"]]
    assert "p.a -> p.b (line 1)" in _describe_cycle(graph, ["p.a", "p.b", "p.c"])
    graph.remove_import(importer="p.c", imported="p.a")
    graph.remove_import(importer="p.e", imported="p.d")
    assert _cycles(graph) == []
