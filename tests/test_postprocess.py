"""Tests of ngramvec.postprocess: whitening, all-but-the-top, SIF/uSIF, isotropy."""
from __future__ import annotations

import os
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.decomposition import PCA
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from ngramvec.vectors import postprocess as pp
from ngramvec.vectors.postprocess import (
    SIF,
    USIF,
    AllButTheTop,
    EmptySentenceWarning,
    RankDeficientWarning,
    Whitening,
    WordAverage,
    alignment,
    average_cosine,
    partition_function_ratio,
    uniformity,
)

try:
    from ngramvec.vectors.keyedvectors import KeyedVectors as _KV
except ImportError:  # pragma: no cover - the module is written in parallel
    _KV = None


class StandIn:
    """Minimal KeyedVectors: the attributes the sentence embedders use, any dtype."""

    def __init__(self, vectors, index_to_key, counts=None):
        self.vectors = np.asarray(vectors)
        self.index_to_key = list(index_to_key)
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64)

    def with_vectors(self, new_vectors):
        return StandIn(new_vectors, self.index_to_key, self.counts)


def make_kv(vectors, keys, counts=None):
    if _KV is not None and np.asarray(vectors).dtype == np.float32:
        return _KV(vectors, keys, counts)
    return StandIn(vectors, keys, counts)


# --------------------------------------------------------------------------- fixtures

WORDS = ("the of and to a in is was he that it his her you as had with for she not at but "
         "be my on have him which this all they by from so were are me one or an what there "
         "said no when would if who been their will out more up into").split()


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture
def X(rng):
    """Anisotropic vectors with a mean far from 0: 600 x 12, float64."""
    scales = np.geomspace(10.0, 0.1, 12)
    rot, _ = np.linalg.qr(rng.normal(size=(12, 12)))
    return (rng.normal(size=(600, 12)) * scales) @ rot + 4.0


@pytest.fixture
def kv(rng):
    """Zipf-distributed counts over WORDS, 16-d float32 vectors with a common direction."""
    n = len(WORDS)
    vectors = rng.normal(size=(n, 16)) + 2.0 * rng.normal(size=16)
    counts = (1e6 / np.arange(1, n + 1)).astype(np.int64)
    return make_kv(vectors.astype(np.float32), WORDS, counts)


@pytest.fixture
def sentences(rng):
    """300 token lists drawn Zipf-like from WORDS, with a few unknown words."""
    n = len(WORDS)
    p = 1.0 / np.arange(1, n + 1)
    p /= p.sum()
    out = []
    for _ in range(300):
        toks = [WORDS[i] for i in rng.choice(n, size=rng.integers(3, 15), p=p)]
        if rng.random() < 0.3:
            toks.append("zzunknown")
        out.append(toks)
    return out


# --------------------------------------------------------------------------- Whitening


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_whitening_gives_identity_covariance(X, dtype):
    Z = Whitening().fit_transform(X.astype(dtype))
    assert Z.dtype == dtype
    np.testing.assert_allclose(Z.mean(axis=0), 0.0, atol=1e-4)
    # condition number 1e4: float32 arithmetic leaves ~1e-4 on the smallest direction
    np.testing.assert_allclose(np.cov(Z.T), np.eye(12), atol=1e-3 if dtype == np.float32 else 1e-9)


def test_whitening_matches_sklearn_pca_whiten_up_to_sign(X):
    ours = Whitening(n_components=5).fit(X)
    pca = PCA(n_components=5, whiten=True, svd_solver="full").fit(X)
    signs = np.sign(np.sum(ours.components_ * pca.components_, axis=1))
    np.testing.assert_allclose(ours.components_, pca.components_ * signs[:, None], atol=1e-9)
    np.testing.assert_allclose(ours.explained_variance_, pca.explained_variance_, rtol=1e-10)
    np.testing.assert_allclose(ours.transform(X), pca.transform(X) * signs, atol=1e-8)


def test_whitening_partial_fit_over_chunks_equals_fit(X):
    full = Whitening(n_components=8).fit(X)
    streamed = Whitening(n_components=8)
    for chunk in np.array_split(X, [7, 50, 51, 400]):
        streamed.partial_fit(chunk)
    assert streamed.n_samples_seen_ == X.shape[0]
    np.testing.assert_allclose(streamed.mean_, full.mean_, rtol=1e-12)
    np.testing.assert_allclose(streamed.covariance_, full.covariance_, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(streamed.transform(X), full.transform(X), atol=1e-9)


def test_partial_fit_large_offset_is_exact(rng):
    # Centred merges keep precision where sums of squares would cancel catastrophically.
    Y = rng.normal(size=(1000, 3)) + 1e8
    w = Whitening()
    for chunk in np.array_split(Y, 10):
        w.partial_fit(chunk)
    np.testing.assert_allclose(w.covariance_, np.cov(Y.T), rtol=1e-6, atol=1e-6)


def test_whitening_transform_of_fit_data_equals_fit_transform(X):
    w = Whitening(n_components=6)
    np.testing.assert_array_equal(w.fit_transform(X), w.fit(X).transform(X))


def test_whitening_float32_and_float64_agree(X):
    z64 = Whitening().fit(X).transform(X)
    z32 = Whitening().fit(X.astype(np.float32)).transform(X.astype(np.float32))
    np.testing.assert_allclose(z32, z64, atol=2e-3)


def test_whitening_other_dtypes_give_float64(X):
    Z = Whitening().fit_transform(np.round(X * 10).astype(np.int64))
    assert Z.dtype == np.float64


def test_whitening_non_contiguous_input(X):
    Xf = np.asfortranarray(X)[:, ::1]
    np.testing.assert_allclose(Whitening().fit_transform(Xf[::2]),
                               Whitening().fit_transform(np.ascontiguousarray(X[::2])), atol=1e-10)


def test_whitening_fewer_samples_than_dimensions_warns_and_floors(rng):
    Y = rng.normal(size=(5, 20))
    w = Whitening(eps=1e-6)
    with pytest.warns(RankDeficientWarning, match=r"16 of the 20 kept directions have a variance "
                                                  r"below the floor"):
        Z = w.fit_transform(Y)
    assert w.n_floored_ == 16
    assert np.isfinite(Z).all()
    # floored directions are scaled by 1/sqrt(eps * s_max), never by 1/sqrt(1e-17)
    assert w.scale_.max() <= 1.0 / np.sqrt(1e-6 * w.explained_variance_[0]) * (1 + 1e-12)
    new = w.transform(rng.normal(size=(10, 20)))
    assert np.linalg.norm(new, axis=1).max() < 1e4
    # the spanned directions are still whitened
    np.testing.assert_allclose(np.var(Z[:, :4], axis=0, ddof=1), 1.0, rtol=1e-8)


def test_whitening_zero_variance_direction_warns(X):
    Y = np.column_stack([X, np.full(len(X), 3.0)])
    with pytest.warns(RankDeficientWarning, match="pass n_components <= 12|Pass n_components <= 12"):
        Z = Whitening().fit_transform(Y)
    assert np.isfinite(Z).all() and np.abs(Z).max() < 1e3
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Whitening(n_components=12).fit(Y)  # dropping the flat direction: no warning


def test_whitening_constant_input_is_an_error():
    with pytest.raises(ValueError, match="without variance: all fitted vectors are identical"):
        Whitening().fit(np.ones((10, 3)))


def test_whitening_inverse_transform(X):
    w = Whitening().fit(X)
    np.testing.assert_allclose(w.inverse_transform(w.transform(X)), X, atol=1e-9)


def test_whitening_feature_names_and_params(X):
    w = Whitening(n_components=3).fit(X)
    assert list(w.get_feature_names_out()) == ["whitening0", "whitening1", "whitening2"]
    assert w.get_params() == {"n_components": 3, "eps": 1e-6}
    assert not hasattr(clone(w), "mean_")


@pytest.mark.parametrize("est", [Whitening(), AllButTheTop()])
def test_not_fitted(est, X):
    with pytest.raises(NotFittedError):
        est.transform(X)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"n_components": 0}, ValueError,
     r"The 'n_components' parameter of Whitening must be an int in the range \[1, 12\] or None "
     r"for data with 12 features. Got 0 instead."),
    ({"n_components": -1}, ValueError,
     r"The 'n_components' parameter of Whitening must be an int in the range \[0, inf\) or None. "
     r"Got -1 instead."),
    ({"n_components": "3"}, TypeError, r"The 'n_components' parameter of Whitening must be an int"),
    ({"n_components": 13}, ValueError,
     r"The 'n_components' parameter of Whitening must be an int in the range \[1, 12\] or None "
     r"for data with 12 features. Got 13 instead."),
    ({"eps": 0.0}, ValueError,
     r"The 'eps' parameter of Whitening must be a float in the range \(0, 1\). Got 0.0 instead."),
    ({"eps": 1.5}, ValueError, r"The 'eps' parameter of Whitening"),
])
def test_whitening_parameter_validation(X, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        Whitening(**kwargs).fit(X)


def test_n_components_larger_than_samples(X):
    with pytest.raises(ValueError, match=r"n_components=8 is larger than the number of samples "
                                         r"\(5\)"):
        Whitening(n_components=8).fit(X[:5])


@pytest.mark.parametrize("bad, match", [
    (np.array([[1.0, np.nan], [0.0, 1.0], [2.0, 2.0]]),
     r"X contains NaN or infinity in 1 row\(s\) \(first: row 0\)"),
    (np.array([[1.0, 0.0], [0.0, 1.0], [np.inf, 2.0]]),
     r"X contains NaN or infinity in 1 row\(s\) \(first: row 2\)"),
    (np.zeros((0, 4)), r"Found array with 0 sample\(s\) \(shape=\(0, 4\)\) while a minimum of 1 "
                       r"is required by Whitening: X is empty"),
    (np.zeros((4, 0)), r"Found array with 0 feature\(s\) \(shape=\(4, 0\)\)"),
    (np.ones(5), r"2-d array of shape \(n_samples, n_features\)"),
    (np.ones((1, 3)), "at least 2 samples to estimate a covariance; got 1 sample"),
    (np.ones((3, 2)) * 1j, "Complex data not supported"),
])
def test_bad_input(bad, match):
    with pytest.raises(ValueError, match=match):
        Whitening().fit(bad)


def test_bad_input_types():
    import scipy.sparse

    with pytest.raises(TypeError, match="dense array for X; got a sparse matrix"):
        Whitening().fit(scipy.sparse.random(5, 3, format="csr"))
    with pytest.raises(TypeError, match="real numeric array for X; got dtype <U1"):
        Whitening().fit(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(TypeError, match="object array that is not numeric"):
        Whitening().fit(np.array([["a", 1], [None, 2]], dtype=object))
    Z = Whitening().fit_transform(np.array([[1, 2], [3, 5], [0, 1]], dtype=object))
    assert Z.dtype == np.float64


def test_nan_at_transform_and_mismatched_dims(X):
    w = Whitening().fit(X)
    bad = X[:4].copy()
    bad[3, 2] = np.nan
    with pytest.raises(ValueError, match=r"first: row 3"):
        w.transform(bad)
    with pytest.raises(ValueError, match="X has 5 features, but Whitening is expecting 12 "
                                         "features as input."):
        w.transform(X[:, :5])
    with pytest.raises(ValueError, match="X has 5 features, but Whitening is expecting 12"):
        w.partial_fit(X[:, :5])


def test_whitening_save_load_roundtrip(tmp_path, X):
    w = Whitening(n_components=4, eps=1e-5).fit(X[:300])
    path = tmp_path / "white.model"  # written under exactly this name
    w.save(path)
    assert sorted(os.listdir(tmp_path)) == ["white.model"]  # no temporary file left
    loaded = Whitening.load(path)
    assert loaded.get_params() == w.get_params()
    np.testing.assert_array_equal(loaded.transform(X), w.transform(X))
    # streaming goes on exactly after a reload
    loaded.partial_fit(X[300:])
    np.testing.assert_allclose(loaded.transform(X), Whitening(4, eps=1e-5).fit(X).transform(X),
                               atol=1e-9)
    with pytest.raises(ValueError, match="holds a Whitening, not a AllButTheTop"):
        AllButTheTop.load(path)
    with pytest.raises(NotFittedError):
        Whitening().save(tmp_path / "x.npz")


def test_save_load_rejects_foreign_npz(tmp_path):
    from ngramvec.base.exceptions import VectorsFormatError

    np.savez(tmp_path / "other.npz", a=np.arange(3))
    with pytest.raises(VectorsFormatError, match=r"other\.npz: not a Whitening file of ngramvec"):
        Whitening.load(tmp_path / "other.npz")
    (tmp_path / "text.npz").write_text("not an archive")
    with pytest.raises(VectorsFormatError, match=r"text\.npz: not a Whitening file of ngramvec: "
                                                 r"not an \.npz archive"):
        Whitening.load(tmp_path / "text.npz")


def test_load_files_of_format_version_1(tmp_path, X):
    """Files written by the NpzMixin of earlier versions are still read."""
    import json

    w = Whitening(n_components=4).fit(X)
    old = tmp_path / "old.npz"
    np.savez(old, __estimator__=np.array("Whitening"), __format__=np.array(1),
             __params__=np.array(json.dumps({"n_components": 4, "eps": 1e-6})),
             n_features_in_=np.array(12), n_samples_seen_=np.array(len(X)), mean_=w.mean_,
             covariance_=w.covariance_)
    np.testing.assert_allclose(Whitening.load(old).transform(X), w.transform(X), atol=1e-12)
    with pytest.raises(ValueError, match="holds a Whitening, not a AllButTheTop"):
        AllButTheTop.load(old)


# --------------------------------------------------------------------------- AllButTheTop


def test_abtt_removed_components_are_orthogonal_to_output(X):
    abtt = AllButTheTop(n_components=3).fit(X)
    Y = abtt.transform(X)
    assert np.abs(Y @ abtt.components_.T).max() < 1e-9
    np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-9)


def test_abtt_matches_pca_computation(X):
    Y = AllButTheTop(n_components=2).fit_transform(X)
    pca = PCA(n_components=2, svd_solver="full").fit(X)
    Xc = X - X.mean(axis=0)
    expected = Xc - Xc @ pca.components_.T @ pca.components_
    np.testing.assert_allclose(Y, expected, atol=1e-9)


def test_abtt_default_n_components(rng):
    assert AllButTheTop().fit(rng.normal(size=(50, 12))).n_components_ == 1
    assert AllButTheTop().fit(rng.normal(size=(300, 250))).n_components_ == 2


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_abtt_dtype_and_fit_transform(X, dtype):
    abtt = AllButTheTop(n_components=2)
    Y = abtt.fit_transform(X.astype(dtype))
    assert Y.dtype == dtype
    np.testing.assert_array_equal(Y, abtt.transform(X.astype(dtype)))
    ref = AllButTheTop(n_components=2).fit_transform(X)
    np.testing.assert_allclose(Y, ref, atol=1e-4 if dtype == np.float32 else 1e-12)


def test_abtt_partial_fit_equals_fit(X):
    full = AllButTheTop(n_components=2).fit(X)
    part = AllButTheTop(n_components=2)
    for chunk in np.array_split(X, 4):
        part.partial_fit(chunk)
    np.testing.assert_allclose(part.transform(X), full.transform(X), atol=1e-9)


def test_abtt_improves_isotropy(X):
    Y = AllButTheTop(n_components=2).fit_transform(X)
    assert average_cosine(X) > 0.5
    assert abs(average_cosine(Y)) < 0.05
    assert partition_function_ratio(Y) > partition_function_ratio(X)


def test_abtt_validation(X, rng):
    with pytest.raises(ValueError, match=r"The 'n_components' parameter of AllButTheTop must be "
                                         r"an int in the range \[1, 11\] for data with 12 "
                                         r"features. Got 12 instead."):
        AllButTheTop(n_components=12).fit(X)
    with pytest.raises(ValueError, match=r"The 'n_components' parameter of AllButTheTop must be "
                                         r"an int in the range \[0, inf\) or None. Got -1"):
        AllButTheTop(n_components=-1).fit(X)
    with pytest.raises(ValueError, match=r"at least 2 features .*got 1 feature\(s\)"):
        AllButTheTop().fit(rng.normal(size=(10, 1)))
    with pytest.raises(ValueError, match=r"larger than the number of samples \(3\)"):
        AllButTheTop(n_components=4).fit(X[:3])


def test_abtt_rank_deficient_warns(rng):
    Y = np.column_stack([rng.normal(size=(50, 2)), np.zeros((50, 4))])
    with pytest.warns(RankDeficientWarning, match="2 of the 4 removed directions have no "
                                                  "variance"):
        AllButTheTop(n_components=4).fit(Y)


def test_abtt_save_load(tmp_path, X):
    abtt = AllButTheTop(n_components=2).fit(X)
    abtt.save(tmp_path / "abtt.npz")
    np.testing.assert_array_equal(AllButTheTop.load(tmp_path / "abtt.npz").transform(X),
                                  abtt.transform(X))


def test_keyed_vectors_helper(rng):
    keys = [f"w{i}" for i in range(40)]
    kv = make_kv(rng.normal(size=(40, 6)).astype(np.float32) + 1, keys, np.arange(40) + 1)
    out = pp.postprocess_keyed_vectors(kv, AllButTheTop(n_components=1))
    assert out.index_to_key == keys and out.vectors.dtype == np.float32
    assert abs(average_cosine(out.vectors)) < abs(average_cosine(kv.vectors))
    w = Whitening(n_components=3).fit(kv.vectors)
    reduced = pp.postprocess_keyed_vectors(kv, w, fit=False)
    assert reduced.vectors.shape == (40, 3)


# --------------------------------------------------------------------------- isotropy


def test_average_cosine_exact_and_sampled(rng):
    Y = rng.normal(size=(60, 5)) + 1.0
    U = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    C = U @ U.T
    brute = C[np.triu_indices(60, 1)].mean()
    assert average_cosine(Y) == pytest.approx(brute, abs=1e-12)
    sampled = average_cosine(Y, n_pairs=20000, seed=3)
    assert sampled == pytest.approx(brute, abs=0.02)
    assert sampled == average_cosine(Y, n_pairs=20000, seed=3)


def test_average_cosine_zero_vectors(rng):
    Y = np.vstack([rng.normal(size=(5, 3)), np.zeros((2, 3))])
    assert average_cosine(Y) == pytest.approx(average_cosine(Y[:5]))
    with pytest.raises(ValueError, match="at least 2 non-zero vectors; got 1"):
        average_cosine(np.array([[1.0, 0.0], [0.0, 0.0]]))
    with pytest.raises(ValueError, match=r"The 'n_pairs' parameter of average_cosine must be an "
                                         r"int in the range \[1, inf\) or None. Got 0 instead."):
        average_cosine(Y, n_pairs=0)


def test_partition_function_ratio(rng):
    eye = np.eye(4)
    assert partition_function_ratio(np.vstack([eye, -eye])) == pytest.approx(1.0)
    Y = rng.normal(size=(200, 4)) * 0.3
    # direct evaluation on small norms
    _, vecs = np.linalg.eigh(Y.T @ Y)
    z = np.exp(np.hstack([Y @ vecs, -Y @ vecs])).sum(axis=0)
    assert partition_function_ratio(Y) == pytest.approx(z.min() / z.max(), rel=1e-10)
    # huge norms would overflow exp(); the log-space computation does not
    big = partition_function_ratio(Y * 1e4)
    assert 0.0 <= big < 1.0 and np.isfinite(big)
    assert partition_function_ratio(Y + 3.0) < partition_function_ratio(Y)


def test_alignment(rng):
    Y = rng.normal(size=(20, 3))
    assert alignment(Y, 2 * Y) == pytest.approx(0.0, abs=1e-12)
    assert alignment(Y, -Y) == pytest.approx(4.0)
    assert alignment(Y, -Y, alpha=1.0) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="same number of rows"):
        alignment(Y, Y[:5])
    with pytest.raises(ValueError, match="Y has 2 features, but alignment is expecting 3"):
        alignment(Y, Y[:, :2])
    with pytest.raises(ValueError, match=r"The 'alpha' parameter of alignment must be a float in "
                                         r"the range \(0, inf\). Got 0.0 instead."):
        alignment(Y, Y, alpha=0)
    with pytest.raises(ValueError, match="zero vector"):
        alignment(np.zeros((2, 3)), Y[:2])


def test_uniformity(rng):
    Y = rng.normal(size=(40, 3))
    U = Y / np.linalg.norm(Y, axis=1, keepdims=True)
    d2 = ((U[:, None, :] - U[None, :, :]) ** 2).sum(-1)[np.triu_indices(40, 1)]
    brute = np.log(np.mean(np.exp(-2.0 * d2)))
    assert uniformity(Y) == pytest.approx(brute, rel=1e-10)
    assert uniformity(Y, n_pairs=None) == pytest.approx(brute, rel=1e-10)
    assert uniformity(Y, n_pairs=5000, seed=1) == pytest.approx(brute, abs=0.1)
    collapsed = np.tile(Y[:1], (10, 1))
    assert uniformity(collapsed) == pytest.approx(0.0, abs=1e-12)
    assert uniformity(Y) < uniformity(Y + 5.0)
    with pytest.raises(ValueError, match=r"The 't' parameter of uniformity must be a float in "
                                         r"the range \(0, inf\)"):
        uniformity(Y, t=-1)


# --------------------------------------------------------------------------- sentences


def manual_sif(kv, sentences, a, k):
    p = kv.counts / kv.counts.sum()
    w = a / (a + p)
    V = np.asarray(kv.vectors, dtype=np.float64)
    rows = []
    for s in sentences:
        ids = [kv.key_to_index[t] for t in s if t in kv.key_to_index]
        rows.append(np.mean([w[i] * V[i] for i in ids], axis=0) if ids else np.zeros(V.shape[1]))
    M = np.array(rows)
    _, _, vt = np.linalg.svd(M, full_matrices=False)
    u = vt[:k]
    return M - M @ u.T @ u


def test_sif_weights_in_unit_interval(kv, sentences):
    sif = SIF(kv, a=1e-3).fit(sentences)
    assert np.all(sif.weights_ > 0) and np.all(sif.weights_ <= 1)
    p = kv.counts / kv.counts.sum()
    np.testing.assert_allclose(sif.weights_, 1e-3 / (1e-3 + p))


@pytest.mark.parametrize("k", [1, 2])
def test_sif_matches_manual_computation(kv, sentences, k):
    ours = SIF(kv, a=1e-2, n_components=k).fit_transform(sentences)
    np.testing.assert_allclose(ours, manual_sif(kv, sentences, 1e-2, k), atol=1e-4)


def test_sif_output_orthogonal_to_components(kv, sentences):
    sif = SIF(kv, n_components=2).fit(sentences)
    out = sif.transform(sentences[:50]).astype(np.float64)
    assert np.abs(out @ sif.components_.T).max() < 1e-4


@pytest.mark.parametrize("make", [
    lambda kv: SIF(kv, n_components=2),
    lambda kv: USIF(kv, n_components=3),
    lambda kv: USIF(kv, n_components=3, normalize="dimensions"),
    lambda kv: WordAverage(kv),
])
def test_transform_of_fit_data_equals_fit_transform(kv, sentences, make):
    est = make(kv)
    np.testing.assert_array_equal(est.fit_transform(sentences), est.fit(sentences).transform(sentences))
    # stored components: the same sentence gets the same vector in any batch
    np.testing.assert_allclose(est.transform(sentences[5:6])[0], est.transform(sentences)[5],
                               rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("cls", [SIF, USIF])
def test_sentence_float32_and_float64_agree(kv, sentences, cls):
    kv64 = StandIn(np.asarray(kv.vectors, dtype=np.float64), kv.index_to_key, kv.counts)
    kv32 = StandIn(np.asarray(kv.vectors, dtype=np.float32), kv.index_to_key, kv.counts)
    out64 = cls(kv64).fit_transform(sentences)
    out32 = cls(kv32).fit_transform(sentences)
    assert out64.dtype == np.float64 and out32.dtype == np.float32
    np.testing.assert_allclose(out32, out64, atol=1e-4 * np.abs(out64).max())


def test_unknown_words_skipped_and_counted(kv, sentences):
    sif = SIF(kv).fit(sentences)
    with pytest.warns(EmptySentenceWarning, match=r"SIF.transform: 2 of 4 sentences have no known "
                                                  r"word \(first: sentence 1\)"):
        out = sif.transform([["the", "zz"], ["qq", "rr"], [], ["of"]])
    assert np.isfinite(out).all()
    np.testing.assert_array_equal(out[1], 0.0)
    np.testing.assert_array_equal(out[2], 0.0)
    X, stats = sif.embed([["the", "zz"], ["qq", "rr"], ["of"]])
    assert (stats.n_sentences, stats.n_tokens, stats.n_unknown, stats.n_empty) == (3, 5, 3, 1)
    assert stats.empty.tolist() == [1] and stats.coverage == pytest.approx(0.4)
    # unknown words do not change the vector of the known ones
    np.testing.assert_array_equal(sif.transform([["the", "zz", "of"]]),
                                  sif.transform([["the", "of"]]))
    assert sif.fit_stats_.n_unknown == sum(s.count("zzunknown") for s in sentences)


@pytest.mark.needs_extensions  # the core tokenizer is compiled
def test_strings_are_tokenized_and_lowercased(kv, sentences):
    sif = SIF(kv).fit(sentences)
    np.testing.assert_array_equal(sif.transform(["The man, HIS dog!"]),
                                  sif.transform([["the", "man", "his", "dog"]]))
    cased = SIF(kv, lowercase=False).fit(sentences)
    _, stats = cased.embed(["The cat"])
    assert stats.n_unknown == 2


@pytest.mark.needs_extensions
def test_tokenizer_is_the_core_one():
    import ngramvec as nv

    for text in ("It's 5 o’clock_now, DON'T!", "“Don’t,” said Mr. Holmes--twice.", "ABC def"):
        assert pp.tokenize_sentence(text) == nv.tokenize(text)
        assert pp.tokenize_sentence(text, lowercase=False) == nv.tokenize(text, lowercase=False)


def test_token_lists_need_no_compiled_tokenizer(kv, sentences, monkeypatch):
    """Pre-tokenized input never calls the tokenizer; strings get the data layer's error."""
    from ngramvec.base.exceptions import ExtensionNotBuiltError
    from ngramvec.vectors.postprocess import _embedder

    def missing(*args, **kwargs):
        raise ExtensionNotBuiltError("the compiled kernels of ngramvec are missing")

    expected = SIF(kv).fit(sentences).transform([["the", "man"], ["his", "dog"]])
    monkeypatch.setattr(_embedder, "tokenize", missing)
    sif = SIF(kv).fit(sentences)                 # token lists: the tokenizer is not called
    np.testing.assert_array_equal(sif.transform([["the", "man"], ["his", "dog"]]), expected)
    with pytest.raises(ExtensionNotBuiltError, match="compiled kernels"):
        sif.transform(["the man"])


def test_generators_are_accepted(kv, sentences):
    sif = SIF(kv).fit(s for s in sentences)
    np.testing.assert_array_equal(sif.transform(iter(sentences)), sif.transform(sentences))


def test_word_frequencies_dict_and_array(kv, sentences):
    by_dict = SIF(kv, word_frequencies=dict(zip(kv.index_to_key, kv.counts))).fit(sentences)
    by_array = SIF(kv, word_frequencies=kv.counts.astype(float)).fit(sentences)
    default = SIF(kv).fit(sentences)
    np.testing.assert_allclose(by_dict.weights_, default.weights_)
    np.testing.assert_allclose(by_array.weights_, default.weights_)
    # a word missing from the table gets its smallest probability
    partial = {w: c for w, c in zip(kv.index_to_key, kv.counts) if w != "the"}
    sif = SIF(kv, word_frequencies=partial).fit(sentences)
    p_min = min(partial.values()) / sum(partial.values())
    assert sif.weights_[kv.key_to_index["the"]] == pytest.approx(1e-3 / (1e-3 + p_min))


def test_word_frequency_errors(kv, sentences):
    no_counts = StandIn(kv.vectors, kv.index_to_key, None)
    with pytest.raises(ValueError, match="SIF needs word frequencies, but keyed_vectors.counts is "
                                         "None"):
        SIF(no_counts).fit(sentences)
    with pytest.raises(ValueError, match="word_frequencies has 3 entries but there are"):
        SIF(kv, word_frequencies=[1, 2, 3]).fit(sentences)
    with pytest.raises(ValueError, match="must hold finite counts >= 0"):
        SIF(kv, word_frequencies={"the": -1.0}).fit(sentences)
    with pytest.raises(ValueError, match="sum to 0"):
        SIF(kv, word_frequencies={"the": 0.0}).fit(sentences)


@pytest.mark.parametrize("kwargs, exc, match", [
    ({"a": 0}, ValueError,
     r"The 'a' parameter of SIF must be a float in the range \(0, inf\). Got 0.0 instead."),
    ({"a": -1e-3}, ValueError, r"The 'a' parameter of SIF must be a float in the range \(0, inf\)"),
    ({"a": "1e-3"}, TypeError, r"The 'a' parameter of SIF must be a float"),
    ({"n_components": -1}, ValueError,
     r"The 'n_components' parameter of SIF must be an int in the range \[0, inf\) or None. "
     r"Got -1"),
    ({"n_components": None}, TypeError,
     r"The 'n_components' parameter of SIF must be an int in the range \[0, 16\] for "
     r"16-dimensional vectors. Got None instead."),
    ({"n_components": 17}, ValueError,
     r"The 'n_components' parameter of SIF must be an int in the range \[0, 16\] for "
     r"16-dimensional vectors. Got 17 instead."),
    ({"lowercase": "yes"}, TypeError, r"The 'lowercase' parameter of SIF must be a bool"),
])
def test_sif_parameter_validation(kv, sentences, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        SIF(kv, **kwargs).fit(sentences)


def test_sentence_input_validation(kv, sentences):
    with pytest.raises(ValueError, match=r"n_components=5 is larger than the number of fit "
                                         r"sentences \(3\)"):
        USIF(kv, n_components=5).fit(sentences[:3])
    with pytest.raises(TypeError, match="got a single str. Wrap it in a list"):
        SIF(kv).fit("the man")
    with pytest.raises(TypeError, match="sentence 1 given to SIF must be a str or a list of str"):
        SIF(kv).fit([["the"], 3])
    with pytest.raises(TypeError, match="token list with non-str items"):
        SIF(kv).fit([["the", 3]])
    with pytest.raises(ValueError, match=r"SIF got no sentences \(an empty iterable\)"):
        SIF(kv).fit([])
    with pytest.raises(TypeError, match="The 'keyed_vectors' parameter of SIF must be a "
                                        "KeyedVectors"):
        SIF(np.zeros((3, 2))).fit(sentences)
    sif = SIF(kv).fit(sentences)
    with pytest.raises(ValueError, match="got no sentences"):
        sif.transform([])
    with pytest.raises(NotFittedError):
        SIF(kv).transform(sentences)


def test_sentence_vectors_replaced_after_fit(kv, sentences):
    sif = SIF(kv).fit(sentences)
    sif.set_params(keyed_vectors=StandIn(np.ones((len(WORDS), 4)), WORDS, kv.counts))
    with pytest.raises(ValueError, match=rf"was fitted on {len(WORDS)} x 16 word vectors; "
                                         rf"keyed_vectors now holds {len(WORDS)} x 4"):
        sif.transform(sentences)


def test_usif_parameters_follow_the_paper(kv, sentences):
    usif = USIF(kv, n_components=4).fit(sentences)
    lengths = [len(s) for s in sentences]
    n = np.mean(lengths)
    p = kv.counts / kv.counts.sum()
    vocab = len(p)
    threshold = 1 - (1 - 1 / vocab) ** n
    alpha = np.sum(p > threshold) / vocab
    a = (1 - alpha) / (alpha * 0.5 * vocab)
    assert usif.n_ == pytest.approx(n)
    assert usif.alpha_ == pytest.approx(alpha)
    assert usif.a_ == pytest.approx(a)
    np.testing.assert_allclose(usif.weights_, a / (0.5 * a + p))
    assert np.all(usif.weights_ > 0) and np.all(usif.weights_ <= 2)
    s = usif.singular_values_
    np.testing.assert_allclose(usif.component_weights_, s ** 2 / np.sum(s ** 2))
    assert usif.component_weights_.sum() == pytest.approx(1.0)
    assert USIF(kv, n=11).fit(sentences).n_ == 11.0


@pytest.mark.parametrize("normalize", ["words", "dimensions"])
def test_usif_matches_manual_computation(kv, sentences, normalize):
    usif = USIF(kv, n_components=3, n=11, normalize=normalize)
    ours = usif.fit_transform(sentences)
    V = np.asarray(kv.vectors, dtype=np.float64)
    w = usif.weights_
    rows = []
    for s in sentences:
        ids = [kv.key_to_index[t] for t in s if t in kv.key_to_index]
        vt = V[ids]
        if normalize == "words":
            vt = vt / np.linalg.norm(vt, axis=1, keepdims=True)
        else:
            vt = vt / np.linalg.norm(vt, axis=0)
        rows.append(np.mean(w[ids][:, None] * vt, axis=0))
    M = np.array(rows)
    _, sv, vt_ = np.linalg.svd(M, full_matrices=False)
    lam = sv[:3] ** 2 / np.sum(sv[:3] ** 2)
    expected = M.copy()
    for i in range(3):
        expected -= lam[i] * np.outer(M @ vt_[i], vt_[i])
    np.testing.assert_allclose(ours, expected, atol=1e-5)


def test_usif_validation(kv, sentences):
    with pytest.raises(ValueError, match=r"The 'normalize' parameter of USIF must be a str among "
                                         r"\{'words', 'dimensions'\}. Got 'rows' instead."):
        USIF(kv, normalize="rows").fit(sentences)
    with pytest.raises(ValueError, match=r"The 'n' parameter of USIF must be a float in the range "
                                         r"\(0, inf\) or None. Got 0.0 instead."):
        USIF(kv, n=0).fit(sentences)
    flat = StandIn(kv.vectors, kv.index_to_key, np.ones(len(WORDS), dtype=np.int64))
    with pytest.raises(ValueError, match="the word frequencies look uniform"):
        USIF(flat).fit(sentences)
    with pytest.raises(ValueError, match="cannot estimate the average sentence length"):
        USIF(kv, n_components=0).fit([[], []])


def test_sentence_embedder_save_load(tmp_path, kv, sentences):
    usif = USIF(kv, n_components=2).fit(sentences)
    usif.save(tmp_path / "usif.npz")
    loaded = USIF.load(tmp_path / "usif.npz", keyed_vectors=kv)
    assert loaded.a_ == usif.a_ and loaded.normalize == "words"
    np.testing.assert_array_equal(loaded.transform(sentences), usif.transform(sentences))
    other = StandIn(kv.vectors, [w.upper() for w in WORDS], kv.counts)
    with pytest.raises(ValueError, match="was saved with other word vectors"):
        USIF.load(tmp_path / "usif.npz", keyed_vectors=other)


def test_word_average_and_pipeline(kv, sentences):
    avg = WordAverage(kv).fit()
    out = avg.transform([["the", "of", "zz"]])
    expected = (np.asarray(kv.vectors[0], np.float64) + kv.vectors[1]) / 2
    np.testing.assert_allclose(out[0], expected, rtol=1e-6)
    pipe = make_pipeline(WordAverage(kv), Whitening(n_components=8)).fit(sentences)
    Z = pipe.transform(sentences)
    assert Z.shape == (len(sentences), 8) and Z.dtype == np.float32
    np.testing.assert_allclose(np.cov(Z.T.astype(np.float64)), np.eye(8), atol=1e-3)


def test_sif_reduces_common_direction(kv, sentences):
    avg = WordAverage(kv).fit_transform(sentences)
    sif = SIF(kv).fit_transform(sentences)
    assert average_cosine(avg) > 0.9
    assert average_cosine(sif) < average_cosine(avg)


def test_loaded_embedder_whose_weights_do_not_fit_its_keys_is_refused(kv, sentences, tmp_path):
    # found by the fuzz suite: a damaged weights_ array made transform index out of bounds
    est = pp.USIF(kv).fit(sentences)
    path = tmp_path / "usif.npz"
    est.save(path)
    import numpy as np
    with np.load(path, allow_pickle=False) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["weights_"] = arrays["weights_"][:-1]
    np.savez(path, **arrays)
    from ngramvec.base.exceptions import VectorsFormatError
    with pytest.raises(VectorsFormatError, match=r"usif\.npz.*word weights .* do not fit"):
        pp.USIF.load(path, keyed_vectors=kv)


# --------------------------------------------------------------------------- position weights


def test_position_weighted_average_matches_manual_computation(kv, sentences):
    avg = WordAverage(kv, weights="position").fit()
    got = avg.transform(sentences)
    vec = np.asarray(kv.vectors, dtype=np.float64)
    index = {w: i for i, w in enumerate(WORDS)}
    for row, toks in zip(got, sentences):
        known = [index[t] for t in toks if t in index]      # unknown words skipped
        m = len(known)
        w = np.arange(1, m + 1) * 2.0 / (m * (m + 1))        # 1, 2, ..., m normalised
        np.testing.assert_allclose(row, w @ vec[known], rtol=1e-5, atol=1e-6)
    plain = WordAverage(kv).fit().transform(sentences)
    assert not np.allclose(got, plain)
    # one word, or a sentence of one repeated word: the same as the plain mean
    few = [["the"], ["of", "of", "of"]]
    np.testing.assert_allclose(avg.transform(few), WordAverage(kv).fit().transform(few),
                               rtol=1e-6)


def test_position_weights_save_load_and_validation(tmp_path, kv, sentences):
    avg = WordAverage(kv, weights="position").fit()
    avg.save(tmp_path / "avg.npz")
    back = WordAverage.load(tmp_path / "avg.npz", keyed_vectors=kv)
    assert back.weights == "position"
    np.testing.assert_array_equal(back.transform(sentences), avg.transform(sentences))
    with pytest.raises(ValueError, match=r"The 'weights' parameter of WordAverage must be a str "
                                         r"among \{'uniform', 'position'\}. Got 'last' instead."):
        WordAverage(kv, weights="last").fit()
    with pytest.warns(EmptySentenceWarning):
        out = avg.transform([["zzunknown"], ["the"]])
    assert not out[0].any()


# --------------------------------------------------------------------------- pair measures


def test_pair_measures(rng):
    from ngramvec.vectors.postprocess import pair_measures
    X_a = rng.normal(size=(400, 8)) + 3.0
    X_b = X_a + 0.1 * rng.normal(size=(400, 8))
    scores = rng.uniform(0, 5, 400)
    m = pair_measures(X_a, X_b)
    assert m["positive_pairs"] == 400 and m["alignment"] < 0.01
    assert m["average_cosine"] > 0.8 and -4.0 * 2 <= m["uniformity"] <= 0.0
    # centring spreads the sentences: lower average cosine and uniformity, alignment worse
    mean = np.vstack([X_a, X_b]).mean(axis=0)
    c = pair_measures(X_a - mean, X_b - mean)
    assert c["average_cosine"] < 0.05 and c["uniformity"] < m["uniformity"]
    assert c["alignment"] > m["alignment"]
    top = pair_measures(X_a, X_b, scores, min_score=4.0)
    assert top["positive_pairs"] == int((scores >= 4.0).sum())
    assert top["alignment"] == pytest.approx(alignment(X_a[scores >= 4], X_b[scores >= 4]))
    Z = X_a.copy()
    Z[0] = 0.0                                   # zero vectors are left out, not an error
    assert pair_measures(Z, X_b)["positive_pairs"] == 399
    with pytest.raises(ValueError, match="pair_measures: min_score needs scores"):
        pair_measures(X_a, X_b, min_score=1.0)
    with pytest.raises(ValueError, match=r"one score per pair: 400 pairs, scores of shape \(3,\)"):
        pair_measures(X_a, X_b, scores[:3], min_score=1.0)
    with pytest.raises(ValueError, match="pair_measures: no positive pair"):
        pair_measures(X_a, X_b, scores, min_score=6.0)
    with pytest.raises(ValueError, match="same number of rows"):
        pair_measures(X_a, X_b[:10])
