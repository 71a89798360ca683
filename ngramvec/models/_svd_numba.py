"""Numba kernels for the randomized SVD: sparse (CSR) times dense, row-parallel.

SciPy's sparse-dense product runs on one thread; the randomized SVD of a PPMI
matrix spends most of its time in these products, so they get a parallel kernel:
each thread takes a block of rows, and every output row is written by exactly one
thread (no races, results independent of the thread count).
"""
from __future__ import annotations

from numba import prange

from ngramvec.base.numba_cache import njit  # numba.njit; cache=True caches in the user's cache dir


@njit(parallel=True, nogil=True, cache=True, fastmath=False)
def csr_matmul(indptr, indices, data, x, out):  # pragma: no cover - compiled
    """out[i, :] = sum_p data[p] * x[indices[p], :] over the nonzeros p of row i.

    Parameters
    ----------
    indptr : int32 or int64 array, shape (n_rows + 1,)
    indices : int32 array, shape (nnz,)
    data : float32 or float64 array, shape (nnz,)
    x : 2-D C-contiguous array, shape (n_cols, k), same dtype as ``out``
    out : 2-D C-contiguous array, shape (n_rows, k), overwritten
    """
    n_rows = indptr.shape[0] - 1
    k = x.shape[1]
    for i in prange(n_rows):
        row = out[i]
        for c in range(k):
            row[c] = 0.0
        for p in range(indptr[i], indptr[i + 1]):
            v = data[p]
            xr = x[indices[p]]
            for c in range(k):          # contiguous: vectorised by LLVM
                row[c] += v * xr[c]
    return out
