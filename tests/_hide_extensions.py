"""Hide the compiled modules of ngramvec, as if it had been installed without a C compiler.

:func:`install` puts a finder first on ``sys.meta_path`` that refuses every ngramvec
submodule whose name starts with ``_`` and that would be loaded from an extension
module (a file ending in one of ``importlib.machinery.EXTENSION_SUFFIXES``), whatever
its name: the kernels of today and those added later. It must run before ngramvec is
imported; ``tests/test_no_extensions.py`` starts pytest in a subprocess that way::

    python -c "import _hide_extensions; _hide_extensions.install(); import pytest; ..."
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys

__all__ = ["HideCompiledModules", "install", "active"]


class HideCompiledModules(importlib.abc.MetaPathFinder):
    """Meta-path finder raising ImportError for ngramvec's compiled modules."""

    def find_spec(self, fullname, path, target=None):
        if not fullname.startswith("ngramvec.") or not fullname.rpartition(".")[2].startswith("_"):
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        origin = spec.origin if spec is not None else None
        if origin and origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
            raise ModuleNotFoundError(f"No module named {fullname!r} (compiled modules are hidden "
                                      "by tests/_hide_extensions.py)", name=fullname)
        return None


def install() -> None:
    """Hide the compiled modules for the rest of this process (before ngramvec is imported)."""
    loaded = sorted(m for m in sys.modules if m == "ngramvec" or m.startswith("ngramvec."))
    if loaded:
        raise RuntimeError(f"install() must run before ngramvec is imported; loaded: {loaded}")
    if not active():
        sys.meta_path.insert(0, HideCompiledModules())


def active() -> bool:
    """Whether the compiled modules are hidden in this process."""
    return any(isinstance(f, HideCompiledModules) for f in sys.meta_path)
