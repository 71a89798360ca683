"""Tests of PPMI and SVD against direct NumPy computations."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import ngramvec as nv
from ngramvec.models.cooccur import Cooccurrence


def _counts(rng, n_rows=30, n_cols=None, density=0.3):
    n_cols = n_cols or n_rows
    m = sp.random(n_rows, n_cols, density=density, random_state=np.random.RandomState(0),
                  data_rvs=lambda k: rng.integers(1, 50, k).astype(float), format="csr")
    rows = nv.Vocabulary([f"w{i}" for i in range(n_rows)], np.arange(n_rows, 0, -1))
    cols = nv.Vocabulary([f"w{i}" for i in range(0, 2 * n_cols, 2)], np.arange(n_cols, 0, -1))
    return Cooccurrence(m, rows, cols)


def _dense_sppmi(m: np.ndarray, cds: float, k: float) -> np.ndarray:
    row = m.sum(1, keepdims=True)
    col = m.sum(0, keepdims=True) ** cds
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(m * col.sum() / (row * col)) - np.log(k)
    pmi[~np.isfinite(pmi)] = 0
    return np.maximum(pmi, 0)


@pytest.mark.parametrize("cds, shift", [(1.0, 1.0), (0.75, 1.0), (0.75, 5.0), (0.5, 2.0)])
def test_ppmi_matches_dense_formula(rng, cds, shift):
    counts = _counts(rng)
    out = nv.PPMI(cds=cds, shift=shift, dtype=np.float64).fit_transform(counts)
    np.testing.assert_allclose(out.matrix.toarray(), _dense_sppmi(counts.matrix.toarray(), cds,
                                                                  shift), rtol=1e-10, atol=1e-12)
    assert (out.matrix.data > 0).all()
    assert out.row_vocab is counts.row_vocab and out.params["ppmi"]["cds"] == cds
    assert nv.PPMI().fit_transform(counts).matrix.dtype == np.float32
    bare = nv.PPMI(cds=cds, shift=shift).fit_transform(counts.matrix)
    assert sp.issparse(bare)


def test_ppmi_chunked_rows_agree(rng, monkeypatch):
    import ngramvec.models.ppmi as ppmi_mod
    counts = _counts(rng, 40)
    whole = nv.PPMI(dtype=np.float64).fit_transform(counts).matrix
    monkeypatch.setattr(ppmi_mod, "_ROW_CHUNK_NNZ", 7)
    chunked = nv.PPMI(dtype=np.float64).fit_transform(counts).matrix
    assert (whole != chunked).nnz == 0


def test_ppmi_validation(rng):
    counts = _counts(rng)
    for kw, match in [(dict(cds=0), r"'cds' parameter of PPMI must be a float in the range "
                                    r"\(0, 1\]. Got 0"),
                      (dict(cds=1.5), "'cds' parameter"), (dict(shift=0), "'shift' parameter"),
                      (dict(dtype=np.int64), "'dtype' parameter")]:
        with pytest.raises(ValueError, match=match):
            nv.PPMI(**kw).fit(counts)
    bad = counts.matrix.copy()
    bad.data[0] = -1
    with pytest.raises(ValueError, match="finite and non-negative"):
        nv.PPMI().fit(bad)
    with pytest.raises(ValueError, match="empty"):
        nv.PPMI().fit(sp.csr_matrix((3, 3)))
    with pytest.raises(TypeError, match="expects a Cooccurrence or a scipy.sparse"):
        nv.PPMI().fit(np.ones((3, 3)))
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        nv.PPMI().transform(counts)


@pytest.mark.parametrize("algorithm", ["randomized", "arpack"])
@pytest.mark.parametrize("eig", [0.0, 0.5, 1.0])
def test_svd_matches_numpy(rng, algorithm, eig):
    ppmi = nv.PPMI().fit_transform(_counts(rng, 40, density=0.5))
    svd = nv.SVD(dim=5, eig=eig, algorithm=algorithm, n_iter=10).fit(ppmi)
    u, s, vt = np.linalg.svd(ppmi.matrix.toarray().astype(np.float64))
    np.testing.assert_allclose(svd.singular_values_, s[:5], rtol=1e-3)
    w = svd.vectors_.astype(np.float64)
    ref = u[:, :5] * s[:5] ** eig
    # equal up to the sign of each component
    signs = np.sign((w * ref).sum(0))
    np.testing.assert_allclose(w * signs, ref, atol=2e-3 * max(1, s[0] ** eig))
    assert svd.vectors_.dtype == np.float32
    assert svd.index_to_key_ == ppmi.row_vocab.index_to_key
    assert nv.KeyedVectors.from_model(svd).index_to_key == ppmi.row_vocab.index_to_key
    # transform: the fitted matrix projects onto U Σ^eig (exactly with ARPACK)
    tol = 2e-3 if algorithm == "randomized" else 1e-4
    np.testing.assert_allclose(svd.transform(ppmi), svd.vectors_, atol=tol * max(1, s[0] ** eig))


def test_add_context_aligns_by_key(rng):
    counts = _counts(rng, 20, 10)   # columns are w0, w2, ..., w18
    ppmi = nv.PPMI().fit_transform(counts)
    plain = nv.SVD(dim=3).fit(ppmi)
    both = nv.SVD(dim=3, add_context=True).fit(ppmi)
    w = nv.KeyedVectors.from_model(plain)
    c = nv.KeyedVectors.from_model(plain, which="context")
    b = nv.KeyedVectors.from_model(both)
    np.testing.assert_allclose(b["w4"], w["w4"] + c["w4"], rtol=1e-5)
    np.testing.assert_allclose(b["w3"], w["w3"], rtol=1e-6)   # no column
    # every model answers the same three choices
    np.testing.assert_allclose(nv.KeyedVectors.from_model(plain, "word+context").vectors,
                               b.vectors, rtol=1e-5)
    np.testing.assert_allclose(nv.KeyedVectors.from_model(both, "word").vectors, w.vectors,
                               rtol=1e-6)
    assert c.index_to_key == counts.col_vocab.index_to_key
    np.testing.assert_array_equal(plain.context_vectors_, c.vectors)


def test_svd_validation(rng):
    ppmi = nv.PPMI().fit_transform(_counts(rng, 10))
    with pytest.raises(ValueError, match=r"'dim' parameter of SVD must be smaller than the "
                                         r"smaller side of the matrix \(10 x 10\): at most 9"):
        nv.SVD(dim=10).fit(ppmi)
    with pytest.raises(ValueError, match=r"'dim' parameter of SVD must be an int in the range"):
        nv.SVD(dim=0).fit(ppmi)
    with pytest.raises(ValueError, match="'eig' parameter"):
        nv.SVD(dim=2, eig=2).fit(ppmi)
    with pytest.raises(ValueError, match="'algorithm' parameter"):
        nv.SVD(dim=2, algorithm="lanczos").fit(ppmi)
    with pytest.raises(TypeError, match="SVD.fit expects a Cooccurrence .* or a scipy.sparse "
                                        "matrix, got ndarray"):
        nv.SVD(dim=2).fit(ppmi.matrix.toarray())
    with pytest.raises(ValueError, match="add_context=True.* fit it on a Cooccurrence"):
        nv.SVD(dim=2, add_context=True).fit(ppmi.matrix)
    svd = nv.SVD(dim=2).fit(ppmi)
    with pytest.raises(ValueError, match=r"X has shape \(10, 3\); SVD was fitted on a matrix of "
                                         r"10 columns"):
        svd.transform(np.ones((10, 3)))
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError, match="This SVD instance is not fitted yet"):
        nv.SVD().transform(ppmi)
    with pytest.raises(NotFittedError):
        nv.SVD().vectors_


def test_svd_of_a_bare_sparse_matrix(rng):
    """SVD takes a SciPy sparse matrix as well: the same vectors, without keys."""
    ppmi = nv.PPMI().fit_transform(_counts(rng, 30))
    keyed = nv.SVD(dim=4, seed=3).fit(ppmi)
    bare = nv.SVD(dim=4, seed=3).fit(ppmi.matrix)
    np.testing.assert_array_equal(bare.vectors_, keyed.vectors_)
    np.testing.assert_array_equal(bare.context_vectors_, keyed.context_vectors_)
    assert bare.index_to_key_ is None and bare.n_features_in_ == 30
    np.testing.assert_allclose(bare.transform(ppmi.matrix), keyed.transform(ppmi), atol=1e-6)
    new_rows = ppmi.matrix[:3].toarray()                  # dense rows work too
    np.testing.assert_allclose(bare.transform(new_rows), bare.transform(ppmi.matrix[:3]),
                               atol=1e-6)
    np.testing.assert_allclose(nv.SVD(dim=4, seed=3).fit_transform(ppmi.matrix),
                               bare.transform(ppmi.matrix), atol=1e-6)
    with pytest.raises(ValueError, match="fitted on a bare matrix: its vectors have no keys"):
        nv.KeyedVectors.from_model(bare)


def test_pipeline_two_clusters(rng):
    """Words that only co-occur inside their cluster have their neighbours there."""
    a = [f"a{i}" for i in range(10)]
    b = [f"b{i}" for i in range(10)]
    sents = [" ".join(rng.choice(a if rng.random() < 0.5 else b, size=12)) for _ in range(600)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    counts = nv.count_cooccurrences(corpus, vocab, window=2)
    wv = nv.KeyedVectors.from_model(nv.SVD(dim=4).fit(nv.PPMI().fit_transform(counts)))
    for w in ("a0", "b3"):
        near = [k for k, _ in wv.most_similar(w, topn=5)]
        assert all(k[0] == w[0] for k in near), (w, near)
