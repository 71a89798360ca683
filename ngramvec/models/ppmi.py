"""Positive pointwise mutual information with context-distribution smoothing.

Levy, Goldberg & Dagan (2015), "Improving Distributional Similarity with Lessons
Learned from Word Embeddings", TACL 3.
"""
from __future__ import annotations

import logging
from typing import Any

import numpy as np
import scipy.sparse as sp

from ngramvec.base.estimator import Estimator
from ngramvec.models.cooccur import Cooccurrence

logger = logging.getLogger(__name__)

__all__ = ["PPMI"]

_ROW_CHUNK_NNZ = 1 << 24


class PPMI(Estimator):
    """Shifted positive PMI of a co-occurrence matrix, sparse in and sparse out.

    .. math::

        \\mathrm{PMI}_\\alpha(w, c) = \\log \\frac{\\#(w, c) \\; \\sum_{c'} \\#(c')^\\alpha}
                                               {\\#(w) \\; \\#(c)^\\alpha}, \\qquad
        \\mathrm{SPPMI}(w, c) = \\max(\\mathrm{PMI}_\\alpha(w, c) - \\log k, 0)

    where #(w) and #(c) are the row and column sums of the counts, α = ``cds`` and
    k = ``shift``. Only positive cells are stored.

    Parameters
    ----------
    cds : float, default=0.75
        Context-distribution smoothing exponent α in (0, 1]; 1 is plain PMI.
    shift : float, default=1
        k of the shift log k (the number of negative samples SGNS would use);
        1 means no shift.
    dtype : numpy dtype, default=float32
        Of the output values (float32 or float64); the arithmetic is float64.

    Attributes
    ----------
    row_sums_ : ndarray of float64, shape (n_rows,)
    col_sums_ : ndarray of float64, shape (n_cols,)
        Smoothed column sums #(c)^α.
    total_ : float
        Σ_c #(c)^α.

    Examples
    --------
    >>> import ngramvec as nv
    >>> c = nv.Corpus(["a b c", "a b", "c d"])
    >>> counts = nv.count_cooccurrences(c, nv.Vocabulary.build(c, min_count=1), window=1)
    >>> ppmi = nv.PPMI(cds=1.0).fit_transform(counts)
    >>> bool((ppmi.matrix.data > 0).all())
    True
    """

    def __init__(self, cds: float = 0.75, shift: float = 1.0, dtype: Any = np.float32) -> None:
        self.cds = cds
        self.shift = shift
        self.dtype = dtype

    @staticmethod
    def _matrix(counts: Cooccurrence | sp.spmatrix) -> sp.csr_matrix:
        m = counts.matrix if isinstance(counts, Cooccurrence) else counts
        if not sp.issparse(m):
            raise TypeError("PPMI expects a Cooccurrence or a scipy.sparse matrix, got "
                            f"{type(counts).__name__}")
        m = sp.csr_matrix(m)
        if m.nnz == 0:
            raise ValueError("the co-occurrence matrix is empty (no pairs were counted)")
        if not np.all(np.isfinite(m.data)) or (m.data < 0).any():
            raise ValueError("co-occurrence counts must be finite and non-negative")
        return m

    def fit(self, counts: Cooccurrence | sp.spmatrix, y: Any = None) -> "PPMI":
        """Compute the marginals of ``counts``.

        Parameters
        ----------
        counts : Cooccurrence or scipy.sparse matrix
            Finite, non-negative counts.
        y : None
            Ignored (scikit-learn's signature).

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            A bad parameter, a dense or empty matrix, negative or non-finite counts.
        """
        p = self._validate_params()
        m = self._matrix(counts)
        self.row_sums_ = np.asarray(m.sum(axis=1, dtype=np.float64)).ravel()
        col = np.asarray(m.sum(axis=0, dtype=np.float64)).ravel()
        self.col_sums_ = col ** p["cds"]
        self.total_ = float(self.col_sums_.sum())
        self._fitted_params = p
        return self

    def transform(self, counts: Cooccurrence | sp.spmatrix) -> Cooccurrence | sp.csr_matrix:
        """SPPMI of ``counts`` with the fitted marginals.

        Returns a :class:`Cooccurrence` (same vocabularies) when given one, else a
        ``csr_matrix``, with values of the fitted ``dtype``.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before :meth:`fit`.
        ValueError
            A matrix of another shape than the fitted one.
        """
        self._check_fitted()
        m = self._matrix(counts)
        if m.shape != (self.row_sums_.shape[0], self.col_sums_.shape[0]):
            raise ValueError(f"the matrix has shape {m.shape}, PPMI was fitted on "
                             f"{(self.row_sums_.shape[0], self.col_sums_.shape[0])}")
        with np.errstate(divide="ignore"):
            log_row = np.log(self.row_sums_)
            log_col = np.log(self.col_sums_)
        p = self._fitted_params
        offset = np.log(self.total_) - np.log(p["shift"])
        out_dtype = p["dtype"]
        n_rows = m.shape[0]
        indptr_out = np.zeros(n_rows + 1, dtype=np.int64)
        parts_idx, parts_val = [], []
        r0 = 0
        while r0 < n_rows:
            # rows [r0, r1) holding about _ROW_CHUNK_NNZ nonzeros: bounded float64 scratch
            r1 = int(np.searchsorted(m.indptr, m.indptr[r0] + _ROW_CHUNK_NNZ, side="right"))
            r1 = min(max(r1, r0 + 1), n_rows)
            a, b = int(m.indptr[r0]), int(m.indptr[r1])
            rows = np.repeat(np.arange(r0, r1), np.diff(m.indptr[r0:r1 + 1]))
            cols = m.indices[a:b]
            pmi = np.log(m.data[a:b].astype(np.float64)) - log_row[rows] - log_col[cols] + offset
            keep = pmi > 0
            parts_idx.append(cols[keep])
            parts_val.append(pmi[keep].astype(out_dtype))
            counts_per_row = np.bincount(rows[keep] - r0, minlength=r1 - r0)
            indptr_out[r0 + 1:r1 + 1] = counts_per_row
            r0 = r1
        np.cumsum(indptr_out, out=indptr_out)
        indices = np.concatenate(parts_idx) if parts_idx else np.zeros(0, np.int32)
        data = np.concatenate(parts_val) if parts_val else np.zeros(0, out_dtype)
        out = sp.csr_matrix((data, indices, indptr_out), shape=m.shape)
        out.has_sorted_indices = True
        logger.info("PPMI: %s positive cells of %s (cds=%g, shift=%g)", f"{out.nnz:,}",
                    f"{m.nnz:,}", p["cds"], p["shift"])
        if isinstance(counts, Cooccurrence):
            params = dict(counts.params, ppmi=dict(cds=p["cds"], shift=p["shift"]))
            return Cooccurrence(out, counts.row_vocab, counts.col_vocab, params)
        return out

    def fit_transform(self, counts: Cooccurrence | sp.spmatrix,
                      y: Any = None) -> Cooccurrence | sp.csr_matrix:
        """``fit(counts).transform(counts)``."""
        return self.fit(counts).transform(counts)
