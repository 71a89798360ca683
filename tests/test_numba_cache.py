"""Numba's cache of ngramvec's kernels lives in a per-user directory, never in the package."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from numba.core.caching import NullCache

from ngramvec.base import numba_cache
from ngramvec.base.numba_cache import cache_dir, njit

ROOT = Path(__file__).resolve().parents[1]

_RUN_KERNEL = """
import numpy as np, scipy.sparse as sp
from ngramvec.models._svd_numba import csr_matmul
m = sp.random(20, 10, density=0.3, format="csr", random_state=0, dtype=np.float64)
x = np.ones((10, 2))
out = csr_matmul(m.indptr, m.indices, m.data, x, np.empty((20, 2)))
assert np.allclose(out, m @ x)
stats = csr_matmul.stats
print(stats.cache_path)
print(sum(stats.cache_hits.values()), sum(stats.cache_misses.values()))
"""


@pytest.mark.skipif(sys.platform in ("win32", "darwin"), reason="XDG layout")
def test_cache_dir_follows_xdg(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == str(tmp_path / "ngramvec" / "numba")
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert cache_dir() == os.path.join(os.path.expanduser("~"), ".cache", "ngramvec", "numba")


def test_kernels_are_cached_outside_the_package_and_reused(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    env.update(XDG_CACHE_HOME=str(tmp_path), PYTHONPATH=str(ROOT))

    def run() -> tuple[str, int, int]:
        r = subprocess.run([sys.executable, "-c", _RUN_KERNEL], env=env, cwd=tmp_path,
                           capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        path, counts = r.stdout.split("\n")[:2]
        hits, misses = map(int, counts.split())
        return path, hits, misses

    path, hits, misses = run()
    assert Path(path).is_relative_to(tmp_path / "ngramvec" / "numba")
    assert (hits, misses) == (0, 1)
    assert list(Path(path).glob("_svd_numba.csr_matmul-*.nbi"))
    path, hits, misses = run()                      # a later run loads, does not compile
    assert (hits, misses) == (1, 0)


def test_ngramvec_kernels_use_the_user_cache():
    from ngramvec.models import _glove_numba, _svd_numba
    expected = os.environ.get("NUMBA_CACHE_DIR") or cache_dir()
    for kernel in (_glove_numba.glove_train_epoch, _glove_numba.glove_loss,
                   _glove_numba.glove_shuffle, _svd_numba.csr_matmul):
        assert Path(kernel.stats.cache_path).is_relative_to(expected), kernel


def _double(x):  # pragma: no cover - compiled
    return 2 * x


def test_njit_without_cache_and_with_an_unwritable_cache_dir(monkeypatch, tmp_path):
    assert isinstance(njit(_double)._cache, NullCache)
    assert isinstance(njit(nogil=True)(_double)._cache, NullCache)
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setattr(numba_cache, "cache_dir", lambda: str(blocker / "numba"))
    monkeypatch.setattr(numba_cache.UserProvidedCacheLocator, "from_function",
                        classmethod(lambda cls, f, p: None))   # as if NUMBA_CACHE_DIR is unset
    kernel = njit(cache=True)(_double)
    assert isinstance(kernel._cache, NullCache)     # compiles every run, but runs
    assert kernel(np.int64(3)) == 6
