"""Numba's ``njit`` for ngramvec's kernels, with the on-disk cache in a per-user directory.

With ``cache=True`` Numba writes its cache (``*.nbi`` / ``*.nbc`` files) into the
``__pycache__`` directory next to the source, that is into ``site-packages/ngramvec/``
for an installed package. pip does not know those files: they survive an uninstall,
and the leftover ``site-packages/ngramvec/`` directory then imports as a namespace
package that shadows an editable install of ngramvec (``module 'ngramvec' has no
attribute ...``). So ngramvec's kernels use :func:`njit` from here, which keeps Numba's
cache in :func:`cache_dir` instead (``~/.cache/ngramvec/numba`` on Linux), for
ngramvec's functions only: Numba's configuration and other libraries are untouched.
``NUMBA_CACHE_DIR``, when set, still wins, as it does for every Numba function.

The cache is keyed by the source file's path and content, so an installed copy and a
checkout never share entries, and an edited kernel is recompiled.
"""
from __future__ import annotations

import logging
import os
import sys
from typing import Any, Callable

import numba
from numba.core.caching import (CompileResultCacheImpl, FunctionCache, UserProvidedCacheLocator,
                                UserWideCacheLocator)

__all__ = ["njit", "cache_dir"]

logger = logging.getLogger(__name__)


def cache_dir() -> str:
    """Directory of Numba's cache for ngramvec's kernels.

    ``$XDG_CACHE_HOME/ngramvec/numba`` (default ``~/.cache/ngramvec/numba``) on Linux
    and other POSIX systems, ``~/Library/Caches/ngramvec/numba`` on macOS,
    ``%LOCALAPPDATA%\\ngramvec\\numba`` on Windows.

    Returns
    -------
    str
        Absolute path; it need not exist yet.
    """
    if sys.platform == "win32":
        base = os.environ.get("LOCALAPPDATA") or os.path.join(os.path.expanduser("~"), "AppData",
                                                             "Local")
    elif sys.platform == "darwin":
        base = os.path.join(os.path.expanduser("~"), "Library", "Caches")
    else:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(os.path.abspath(base), "ngramvec", "numba")


class _UserCacheLocator(UserWideCacheLocator):
    """Numba's per-user locator, pointed at :func:`cache_dir` instead of Numba's own."""

    def __init__(self, py_func: Callable, py_file: str) -> None:
        super().__init__(py_func, py_file)
        self._cache_path = os.path.join(cache_dir(), self.get_suitable_cache_subpath(py_file))


class _CacheImpl(CompileResultCacheImpl):
    # NUMBA_CACHE_DIR first (the user's explicit choice), then ours; never the source tree
    _locator_classes = [UserProvidedCacheLocator, _UserCacheLocator]


class _FunctionCache(FunctionCache):
    _impl_class = _CacheImpl


def _use_user_cache(dispatcher: Any) -> Any:
    try:
        dispatcher._cache = _FunctionCache(dispatcher.py_func)
    except RuntimeError as exc:  # no writable cache directory: compile on every run
        logger.debug("Numba cache disabled for %s: %s", dispatcher.py_func.__qualname__, exc)
    return dispatcher


def njit(func: Callable | None = None, *, cache: bool = False, **options: Any) -> Any:
    """:func:`numba.njit`, where ``cache=True`` caches in :func:`cache_dir`.

    Parameters
    ----------
    func : callable, optional
        The function, when used as a bare ``@njit``.
    cache : bool, default False
        Cache the compiled code on disk, in :func:`cache_dir` (or ``NUMBA_CACHE_DIR``
        when set), never next to the source.
    **options
        Passed to :func:`numba.njit` (``parallel``, ``nogil``, ``fastmath``, ``inline``, ...).
        Explicit signatures are not supported: compilation is lazy.

    Returns
    -------
    numba dispatcher, or a decorator returning one
    """
    def decorate(f: Callable) -> Any:
        dispatcher = numba.njit(**options)(f)
        return _use_user_cache(dispatcher) if cache else dispatcher

    return decorate if func is None else decorate(func)
