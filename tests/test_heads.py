"""Tests of the supervised heads (CoSENT, CosineRegression) and of their losses."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import logsumexp
from scipy.stats import spearmanr
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ngramvec.base.exceptions import TrainingDivergedError, VectorsFormatError
from ngramvec.vectors.postprocess import CoSENT, CosineRegression, Whitening
from ngramvec.vectors.postprocess._pairloss import cosent_loss, cosine_mse_loss, pair_cosines, \
    pair_cosines_backward, score_groups


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


def reference_cosent(cos, scores, lam):
    """The definition, over the full n x n matrix of score-ordered pairs (log space)."""
    ordered = scores[:, None] > scores[None, :]            # (i, j) with s_i > s_j
    diffs = lam * (cos[None, :] - cos[:, None])            # lam (cos_j - cos_i)
    return float(np.logaddexp(0.0, logsumexp(diffs[ordered]))) if ordered.any() else 0.0


def numeric_gradient(f, x, eps=1e-6):
    g = np.empty_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e[k] = eps
        g[k] = (f(x + e) - f(x - e)) / (2 * eps)
    return g


def cos_rows(a, b):
    with np.errstate(invalid="ignore"):
        return np.einsum("ij,ij->i", a, b) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)


def hidden_map_pairs(rng, n, d=12, k=4, levels=None):
    """Pairs whose gold score is the cosine under a hidden linear map M (d -> k)."""
    M = rng.normal(size=(d, k))
    X_a = rng.normal(size=(n, d))
    X_b = 0.5 * X_a + rng.normal(size=(n, d))
    s = cos_rows(X_a @ M, X_b @ M)
    if levels:                                      # STS-like: a few score levels, many ties
        s = np.round((s + 1) * levels / 2)
    return X_a, X_b, s, M


# --------------------------------------------------------------------------- the losses


@pytest.mark.parametrize("n, n_levels, lam", [(1, 1, 20.0), (2, 2, 20.0), (7, 3, 20.0),
                                              (40, 5, 20.0), (40, 40, 1.0), (60, 2, 5.0),
                                              (30, 6, 1000.0)])
def test_cosent_loss_matches_the_definition(rng, n, n_levels, lam):
    cos = rng.uniform(-1, 1, n)
    scores = rng.integers(0, n_levels, n).astype(float)     # ties on purpose
    loss, grad = cosent_loss(cos, scores, lam)
    assert loss == pytest.approx(reference_cosent(cos, scores, lam), rel=1e-12, abs=1e-12)
    assert np.isfinite(grad).all()


@pytest.mark.parametrize("n_levels", [2, 4, 1000])
def test_cosent_gradient_matches_finite_differences(rng, n_levels):
    cos = rng.uniform(-1, 1, 25)
    scores = rng.integers(0, n_levels, 25).astype(float)
    _, grad = cosent_loss(cos, scores, 20.0)
    num = numeric_gradient(lambda c: cosent_loss(c, scores, 20.0)[0], cos)
    np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


def test_cosent_loss_ties_and_no_order():
    cos = np.array([0.1, 0.9, -0.3])
    # all equal: nothing to rank, loss 0, no gradient
    loss, grad = cosent_loss(cos, np.array([2.0, 2.0, 2.0]), 20.0)
    assert loss == 0.0 and not grad.any()
    # a tie is not a comparison: (s = 1, 1, 0) compares pairs 0 and 1 each with pair 2 only
    loss, _ = cosent_loss(cos, np.array([1.0, 1.0, 0.0]), 20.0)
    assert loss == pytest.approx(np.log1p(np.exp(20 * (-0.3 - 0.1)) + np.exp(20 * (-0.3 - 0.9))))
    # perfectly ranked with a large margin: the loss is near 0
    loss, _ = cosent_loss(np.array([-1.0, 0.0, 1.0]), np.array([0.0, 1.0, 2.0]), 20.0)
    assert loss < 1e-8


def test_cosent_loss_is_order_invariant_and_does_not_overflow(rng):
    cos = rng.uniform(-1, 1, 50)
    scores = rng.integers(0, 4, 50).astype(float)
    perm = rng.permutation(50)
    loss, grad = cosent_loss(cos, scores, 500.0)
    loss_p, grad_p = cosent_loss(cos[perm], scores[perm], 500.0)
    assert np.isfinite(loss) and loss > 100          # exp(500 * 2) would overflow
    assert loss_p == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(grad_p, grad[perm], rtol=1e-10, atol=1e-300)


def test_cosent_loss_needs_no_quadratic_memory(rng):
    """200,000 pairs: the n x n matrix would be 320 GB; the sorted sums take O(n)."""
    n = 200_000
    loss, grad = cosent_loss(rng.uniform(-1, 1, n), rng.integers(0, 26, n) / 5.0, 20.0)
    assert np.isfinite(loss) and grad.shape == (n,) and np.isfinite(grad).all()


def test_score_groups():
    order, below, above = score_groups(np.array([3.0, 1.0, 3.0, 2.0, 1.0]))
    np.testing.assert_array_equal(order, [1, 4, 3, 0, 2])
    np.testing.assert_array_equal(below, [0, 0, 2, 3, 3])
    np.testing.assert_array_equal(above, [2, 2, 3, 5, 5])


def test_cosine_and_mse_gradients(rng):
    U, V = rng.normal(size=(6, 3)), rng.normal(size=(6, 3))
    U[2] = 0.0                                   # a zero row: cosine 0, no gradient
    target = rng.uniform(-1, 1, 6)

    def loss_of(flat):
        u, v = flat[:18].reshape(6, 3), flat[18:].reshape(6, 3)
        return cosine_mse_loss(pair_cosines(u, v)[0], target)[0]

    cos, nu, nv = pair_cosines(U, V)
    assert cos[2] == 0.0
    np.testing.assert_allclose(cos[[0, 1, 3]], cos_rows(U, V)[[0, 1, 3]])
    _, g = cosine_mse_loss(cos, target)
    gu, gv = pair_cosines_backward(U, V, cos, nu, nv, g)
    assert not gu[2].any()
    num = numeric_gradient(loss_of, np.concatenate([U.ravel(), V.ravel()]))
    keep = np.ones(36, bool)
    keep[6:9] = False                            # the zero row is not differentiable
    np.testing.assert_allclose(np.concatenate([gu.ravel(), gv.ravel()])[keep], num[keep],
                               rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("cls", [CoSENT, CosineRegression])
@pytest.mark.parametrize("bias, center, l2, k", [(False, True, 0.0, None), (True, True, 0.3, 3),
                                                 (True, False, 1.0, 5)])
def test_objective_gradient_matches_finite_differences(rng, cls, bias, center, l2, k):
    """The gradient of the whole objective (map, bias, penalty) in the parameters."""
    X_a, X_b, s, _ = hidden_map_pairs(rng, 30, d=5, k=2, levels=5)
    head = cls(n_components=k, bias=bias, center=center, l2=l2, init="random", max_iter=1)
    head._prepare(s)
    k = k or 5
    mean = X_a.mean(axis=0) if center else np.zeros(5)
    w0 = rng.normal(size=(5, k))
    f = head._objective(X_a - mean, X_b - mean, w0, l2, bias)
    theta = np.concatenate([w0.ravel() + 0.3 * rng.normal(size=5 * k),
                            rng.normal(size=k) if bias else np.zeros(0)])
    for index in (None, np.array([3, 7, 1, 20, 11, 4])):
        _, grad = f(theta, index)
        num = numeric_gradient(lambda t: f(t, index)[0], theta)
        np.testing.assert_allclose(grad, num, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------- known answers


@pytest.mark.parametrize("kwargs", [dict(init="identity"), dict(init="random"),
                                    dict(init="whitening", n_components=4, max_iter=500),
                                    dict(init="identity", batch_size=64, lr=0.01, max_iter=40)])
def test_cosent_recovers_the_ranking_of_a_hidden_linear_map(rng, kwargs):
    X_a, X_b, s, M = hidden_map_pairs(rng, 1500)
    T_a, T_b, t, _ = hidden_map_pairs(np.random.default_rng(99), 1, d=12)  # shape only
    T_a = rng.normal(size=(800, 12))
    T_b = 0.5 * T_a + rng.normal(size=(800, 12))
    t = cos_rows(T_a @ M, T_b @ M)
    raw = spearmanr(t, cos_rows(T_a, T_b)).statistic
    head = CoSENT(center=False, **kwargs).fit(X_a, X_b, s)
    got = head.score(T_a, T_b, t)
    assert raw < 0.85 and got > 0.98, (raw, got)
    assert head.loss_curve_[-1] < head.initial_loss_


def test_cosent_with_ties_and_binary_labels(rng):
    X_a, X_b, s, M = hidden_map_pairs(rng, 1500, levels=5)      # 6 score levels
    head = CoSENT(init="identity", center=False).fit(X_a, X_b, s)
    T_a = rng.normal(size=(800, 12))
    T_b = 0.5 * T_a + rng.normal(size=(800, 12))
    t = cos_rows(T_a @ M, T_b @ M)
    assert head.score(T_a, T_b, t) > 0.95
    labels = (s >= 4).astype(int)                                # similar / not similar
    binary = CoSENT(init="identity", center=False).fit(X_a, X_b, labels)
    assert binary.score(T_a, T_b, t) > 0.85


@pytest.mark.parametrize("target_range, low", [("[-1, 1]", -1.0), ("[0, 1]", 0.0)])
def test_cosine_regression_fits_the_rescaled_scores(rng, target_range, low):
    X_a, X_b, s, M = hidden_map_pairs(rng, 1500)
    s = 5.0 * (s - s.min()) / (s.max() - s.min())                # gold on a 0-5 scale
    head = CosineRegression(init="identity", center=False, target_range=target_range,
                            max_iter=300).fit(X_a, X_b, s)
    assert (head.score_min_, head.score_max_) == (s.min(), s.max())
    target = low + (1 - low) * s / 5.0
    mse = np.mean((head.similarity(X_a, X_b) - target) ** 2)
    assert mse == pytest.approx(head.loss_curve_[-1])
    if low == -1.0:      # the targets are (nearly) cosines of a linear map: reachable
        assert mse < head.initial_loss_ / 10 and head.score(X_a, X_b, s) > 0.95
    else:                # (cos + 1) / 2 is not the cosine of any map: only closer
        assert mse < head.initial_loss_ and head.score(X_a, X_b, s) > 0.5


def test_heavy_penalty_keeps_the_whitening_map(rng):
    """With init='whitening' and a huge l2, the head is Whitening of the fitted vectors."""
    X_a = rng.normal(size=(300, 6)) @ rng.normal(size=(6, 6)) + 2.0
    X_b = X_a + rng.normal(size=(300, 6))
    s = rng.uniform(0, 5, 300)
    head = CoSENT(init="whitening", n_components=4, l2=1e8).fit(X_a, X_b, s)
    white = Whitening(n_components=4).fit(np.vstack([X_a, X_b]))
    ours, theirs = head.transform(X_a), white.transform(X_a)
    scale = np.linalg.norm(ours) / np.linalg.norm(theirs)
    np.testing.assert_allclose(ours, scale * theirs, rtol=1e-5, atol=1e-6 * scale)
    np.testing.assert_allclose(head.mean_, white.mean_)


def test_identity_init_without_iterations_is_centring(rng):
    X_a, X_b = rng.normal(size=(50, 4)) + 1, rng.normal(size=(50, 4)) + 1
    s = rng.uniform(0, 1, 50)
    head = CoSENT(init="identity", l2=1e12).fit(X_a, X_b, s)
    mean = np.vstack([X_a, X_b]).mean(axis=0)
    np.testing.assert_allclose(head.similarity(X_a, X_b), cos_rows(X_a - mean, X_b - mean),
                               atol=1e-9)


def test_adam_is_reproducible_by_seed(rng):
    X_a, X_b, s, _ = hidden_map_pairs(rng, 300)
    a = CoSENT(init="random", batch_size=32, max_iter=3, seed=5).fit(X_a, X_b, s)
    b = CoSENT(init="random", batch_size=32, max_iter=3, seed=5).fit(X_a, X_b, s)
    c = CoSENT(init="random", batch_size=32, max_iter=3, seed=6).fit(X_a, X_b, s)
    np.testing.assert_array_equal(a.components_, b.components_)
    assert not np.allclose(a.components_, c.components_)
    assert a.n_iter_ == 3 and a.loss_curve_.shape == (3,)


def test_dtypes_shapes_bias_and_zero_vectors(rng):
    X_a, X_b, s, _ = hidden_map_pairs(rng, 200)
    X_a[0] = 0.0                                   # a sentence without known words
    head = CoSENT(n_components=3, bias=True, center=False, init="identity").fit(
        X_a.astype(np.float32), X_b.astype(np.float32), s)
    assert head.components_.shape == (3, 12) and head.bias_.shape == (3,)
    assert head.bias_.any() and not head.mean_.any()
    out = head.transform(X_a.astype(np.float32))
    assert out.dtype == np.float32 and out.shape == (200, 3)
    assert head.transform(X_a).dtype == np.float64
    assert head.transform(X_a.astype(np.int64)).dtype == np.float64
    assert np.isfinite(head.similarity(X_a, X_b)).all()
    assert list(head.get_feature_names_out()) == ["cosent0", "cosent1", "cosent2"]
    twin = clone(head)
    assert twin.get_params() == head.get_params() and not hasattr(twin, "components_")


def test_diverging_adam_is_an_error(rng):
    X_a, X_b, s, _ = hidden_map_pairs(rng, 100)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        with pytest.raises(TrainingDivergedError, match=r"CoSENT: the loss became NaN or "
                                                        r"infinite in epoch 1 of Adam; lower lr"):
            CoSENT(init="identity", batch_size=10, lr=1e300).fit(X_a, X_b, s)
    with pytest.raises(ValueError, match="CoSENT: the covariance of the sentence vectors "
                                         "overflows float64"):
        CoSENT().fit(X_a * 1e300, X_b, s)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("cls", [CoSENT, CosineRegression])
def test_bad_input(rng, cls):
    name = cls.__name__
    X_a, X_b = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    s = rng.uniform(0, 5, 10)
    with pytest.raises(ValueError, match=rf"{name} needs one row of X_a, one row of X_b and one "
                                         r"score per pair: got 10, 9 and 10 \(mismatched"):
        cls().fit(X_a, X_b[:9], s)
    with pytest.raises(ValueError, match=r"got 10, 10 and 8 \(mismatched lengths\)"):
        cls().fit(X_a, X_b, s[:8])
    with pytest.raises(ValueError, match=rf"all 10 scores are equal \(3\): no pair has a higher "
                                         rf"score than another, so {name} has nothing to learn"):
        cls().fit(X_a, X_b, np.full(10, 3.0))
    bad = X_b.copy()
    bad[4, 1] = np.nan
    with pytest.raises(ValueError, match=rf"X_b contains NaN or infinity in 1 row\(s\) \(first: "
                                         rf"row 4\); {name} needs finite vectors"):
        cls().fit(X_a, bad, s)
    bad_s = s.copy()
    bad_s[7] = np.nan
    with pytest.raises(ValueError, match=rf"scores contains NaN or infinity in 1 pair\(s\) "
                                         rf"\(first: pair 7\); {name} needs finite scores"):
        cls().fit(X_a, X_b, bad_s)
    with pytest.raises(ValueError, match=rf"The 'n_components' parameter of {name} must be an "
                                         r"int in the range \[1, 4\] or None for data with 4 "
                                         r"features. Got 5 instead."):
        cls(n_components=5).fit(X_a, X_b, s)
    with pytest.raises(ValueError, match="X_a and X_b must have the same width: X_a has 4"):
        cls().fit(X_a, X_b[:, :3], s)
    with pytest.raises(ValueError, match=r"needs scores as a 1-d array of shape \(n_pairs,\)"):
        cls().fit(X_a, X_b, s[:, None])
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        cls().transform(X_a)
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        cls().similarity(X_a, X_b)
    head = cls(init="identity", max_iter=2).fit(X_a, X_b, s)
    with pytest.raises(ValueError, match=f"X has 3 features, but {name} is expecting 4"):
        head.transform(X_a[:, :3])


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(lam=0.0), ValueError, r"The 'lam' parameter of CoSENT must be a float in the range "
                                r"\(0, inf\). Got 0.0 instead."),
    (dict(lam=-1), ValueError, r"The 'lam' parameter of CoSENT must be a float in the range "
                               r"\(0, inf\). Got -1.0 instead."),
    (dict(init="pca"), ValueError, r"The 'init' parameter of CoSENT must be a str among "
                                   r"\{'whitening', 'identity', 'random'\}. Got 'pca'"),
    (dict(max_iter=0), ValueError, r"The 'max_iter' parameter of CoSENT must be an int in the "
                                   r"range \[1, inf\)"),
    (dict(batch_size=1), ValueError, r"The 'batch_size' parameter of CoSENT must be an int in "
                                     r"the range \[2, inf\) or None. Got 1 instead."),
    (dict(l2=-0.1), ValueError, r"The 'l2' parameter of CoSENT must be a float in the range "
                                r"\[0, inf\)"),
    (dict(center=1), TypeError, r"The 'center' parameter of CoSENT must be a bool. Got 1"),
    (dict(bias="no"), TypeError, r"The 'bias' parameter of CoSENT must be a bool"),
    (dict(n_components=0), ValueError, r"The 'n_components' parameter of CoSENT must be an "
                                       r"int in the range \[1, 4\]"),
])
def test_parameter_validation(rng, kwargs, exc, match):
    X_a, X_b = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    with pytest.raises(exc, match=match):
        CoSENT(**kwargs).fit(X_a, X_b, rng.uniform(0, 5, 10))


def test_target_range_validation(rng):
    X_a, X_b = rng.normal(size=(10, 4)), rng.normal(size=(10, 4))
    with pytest.raises(ValueError, match=r"The 'target_range' parameter of CosineRegression "
                                         r"must be a str among \{'\[-1, 1\]', '\[0, 1\]'\}"):
        CosineRegression(target_range="[0, 5]").fit(X_a, X_b, rng.uniform(0, 5, 10))


def test_whitening_init_of_identical_vectors_is_an_error():
    X = np.ones((6, 3))
    with pytest.raises(ValueError, match="cannot whiten vectors without variance"):
        CoSENT().fit(X, X, np.arange(6.0))


# --------------------------------------------------------------------------- persistence


@pytest.mark.parametrize("cls, extra", [(CoSENT, dict(lam=10.0)),
                                        (CosineRegression, dict(target_range="[0, 1]"))])
def test_save_load_round_trip(tmp_path, rng, cls, extra):
    X_a, X_b, s, _ = hidden_map_pairs(rng, 100)
    head = cls(n_components=3, bias=True, max_iter=5, **extra).fit(X_a, X_b, s)
    path = tmp_path / "head.npz"
    head.save(path)
    back = cls.load(path)
    assert back.get_params() == head.get_params()
    np.testing.assert_array_equal(back.transform(X_a), head.transform(X_a))
    for name in ("n_iter_", "n_pairs_seen_", "initial_loss_", "converged_", "n_components_"):
        assert getattr(back, name) == getattr(head, name)
    np.testing.assert_array_equal(back.loss_curve_, head.loss_curve_)
    if cls is CosineRegression:
        assert (back.score_min_, back.score_max_) == (head.score_min_, head.score_max_)
    other = CosineRegression if cls is CoSENT else CoSENT
    with pytest.raises(VectorsFormatError, match=f"holds a {cls.__name__}, not a "
                                                 f"{other.__name__}"):
        other.load(path)


def test_load_refuses_inconsistent_components(tmp_path, rng):
    from ngramvec.base.persist import load_npz, save_npz
    X_a, X_b, s, _ = hidden_map_pairs(rng, 60)
    path = tmp_path / "head.npz"
    CoSENT(n_components=3, max_iter=2).fit(X_a, X_b, s).save(path)
    saved = load_npz(path, "CoSENT")
    saved.state["n_components_"] = 2
    save_npz(path, "CoSENT", saved.arrays, saved.params, saved.state)
    with pytest.raises(VectorsFormatError, match="components of shape"):
        CoSENT.load(path)
