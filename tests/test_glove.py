"""Tests of GloVe: the Numba kernel against a slow NumPy reference, training
properties, determinism, W + C alignment by key, persistence and validation."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from ngramvec.models.cooccur import Cooccurrence
from ngramvec.base.exceptions import TrainingDivergedError, VectorsFormatError
from ngramvec.models.glove import GloVe
from ngramvec.models._glove_numba import glove_loss, glove_shuffle, glove_train_epoch
from ngramvec.data.vocab import Vocabulary
from ngramvec.vectors.keyedvectors import KeyedVectors


# --------------------------------------------------------------------------- helpers


def make_counts(matrix, row_keys=None, col_keys=None) -> Cooccurrence:
    matrix = sp.csr_matrix(matrix)
    n_rows, n_cols = matrix.shape
    row_keys = row_keys or [f"r{i}" for i in range(n_rows)]
    col_keys = col_keys or (row_keys if n_rows == n_cols else [f"c{j}" for j in range(n_cols)])
    rv = Vocabulary(row_keys, np.arange(len(row_keys), 0, -1))
    cv = rv if col_keys is row_keys else Vocabulary(col_keys, np.arange(len(col_keys), 0, -1))
    return Cooccurrence(matrix, rv, cv)


def random_matrix(rng, n_rows=12, n_cols=9, density=0.5, dtype=np.float32):
    dense = rng.random((n_rows, n_cols)) < density
    values = rng.gamma(0.7, 60.0, size=(n_rows, n_cols)) + 0.05  # some above x_max
    return sp.csr_matrix(np.where(dense, values, 0.0).astype(dtype))


def two_clusters(rng, n=20):
    """Words 0..n/2-1 co-occur often among themselves, as do words n/2..n-1, and
    rarely across (GloVe trains on nonzero records only, so the rare ones are kept)."""
    half = n // 2
    block = rng.uniform(0.1, 0.3, (n, n))
    block[:half, :half] = rng.gamma(2.0, 20.0, (half, half))
    block[half:, half:] = rng.gamma(2.0, 20.0, (n - half, n - half))
    block = (block + block.T) / 2
    np.fill_diagonal(block, 0.0)
    return make_counts(block.astype(np.float32))


def reference_epoch(rows, cols, vals, order, W, C, GW, GC, x_max, alpha, lr, clip):
    """One AdaGrad pass written out record by record, as glove.c does it (float32
    parameters, float64 for f, log x and the loss)."""
    d = W.shape[1] - 1
    loss = 0.0
    for e in order:
        i, j, x = rows[e], cols[e], float(vals[e])
        f = 1.0 if x >= x_max else (x / x_max) ** alpha
        dot = float(np.dot(W[i, :d].astype(np.float64), C[j, :d].astype(np.float64)))
        diff = dot + float(W[i, d]) + float(C[j, d]) - math.log(x)
        fdiff = f * diff
        loss += 0.5 * fdiff * diff
        fd = np.float32(fdiff)
        gw = np.clip(fd * C[j, :d], -clip, clip).astype(np.float32) * np.float32(lr)
        gc = np.clip(fd * W[i, :d], -clip, clip).astype(np.float32) * np.float32(lr)
        W[i, :d] -= gw / np.sqrt(GW[i, :d])
        C[j, :d] -= gc / np.sqrt(GC[j, :d])
        GW[i, :d] += gw * gw
        GC[j, :d] += gc * gc
        W[i, d] -= fd / np.sqrt(GW[i, d])
        C[j, d] -= fd / np.sqrt(GC[j, d])
        GW[i, d] += fd * fd
        GC[j, d] += fd * fd
    return loss


def init_params(rng, n_rows, n_cols, dim):
    W = ((rng.random((n_rows, dim + 1), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    C = ((rng.random((n_cols, dim + 1), dtype=np.float32) - 0.5) / dim).astype(np.float32)
    return W, C, np.ones_like(W), np.ones_like(C)


# --------------------------------------------------------------------------- kernel


@pytest.mark.parametrize("dim,clip", [(11, 100.0), (16, 0.05)])
def test_kernel_matches_numpy_reference(rng, dim, clip):
    m = random_matrix(rng).tocoo()
    rows, cols = m.row.astype(np.int32), m.col.astype(np.int32)
    vals = m.data.astype(np.float32)
    order = rng.permutation(vals.size).astype(np.int32)
    W, C, GW, GC = init_params(rng, *m.shape, dim)
    # larger initial values so the gradients (and the clipping) matter
    W *= 40
    C *= 40
    ref = [a.copy() for a in (W, C, GW, GC)]
    ref_loss = reference_epoch(rows, cols, vals, order, *ref, 20.0, 0.75, 0.05, clip)
    loss, visited = glove_train_epoch(rows, cols, vals, order, W, C, GW, GC,
                                      20.0, 0.75, 0.05, clip, 1)
    assert visited == vals.size
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    for got, want in zip((W, C, GW, GC), ref):
        np.testing.assert_allclose(got, want, rtol=2e-5, atol=2e-6)
    assert glove_loss(rows, cols, vals, W, C, 20.0, 0.75) >= 0


def test_kernel_float64_values_and_empty_slices(rng):
    m = random_matrix(rng, 5, 4).tocoo()
    rows, cols, vals = m.row.astype(np.int32), m.col.astype(np.int32), m.data.astype(np.float64)
    order = np.arange(vals.size, dtype=np.int32)
    W, C, GW, GC = init_params(rng, 5, 4, 3)
    ref = [a.copy() for a in (W, C, GW, GC)]
    ref_loss = reference_epoch(rows, cols, vals, order, *ref, 100.0, 0.75, 0.05, 100.0)
    loss, visited = glove_train_epoch(rows, cols, vals, order, W, C, GW, GC,
                                      100.0, 0.75, 0.05, 100.0, 1)
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    # more slices than records: every record still visited once
    loss2, visited2 = glove_train_epoch(rows[:2], cols[:2], vals[:2], order[:2], W, C, GW, GC,
                                        100.0, 0.75, 0.05, 100.0, 4)
    assert visited2 == 2 and np.isfinite(loss2)


def test_shuffle_is_a_deterministic_permutation():
    a = np.arange(1000, dtype=np.int32)
    b = a.copy()
    glove_shuffle(a, 7)
    glove_shuffle(b, 7)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(np.sort(a), np.arange(1000))
    assert not np.array_equal(a, np.arange(1000))
    c = np.arange(1000, dtype=np.int32)
    glove_shuffle(c, 8)
    assert not np.array_equal(a, c)
    for n in (0, 1, 2):
        x = np.arange(n, dtype=np.int32)
        glove_shuffle(x, 1)
        np.testing.assert_array_equal(np.sort(x), np.arange(n))


# --------------------------------------------------------------------------- training


def test_loss_decreases_and_clusters_separate(rng):
    counts = two_clusters(rng)
    model = GloVe(dim=8, epochs=40, x_max=50, n_threads=1, seed=3).fit(counts)
    hist = model.loss_history_
    assert len(hist) == 40 and model.epochs_trained_ == 40
    assert hist[-1] < 0.2 * hist[0]
    assert all(b <= a * 1.05 for a, b in zip(hist, hist[1:]))
    assert model.loss(counts) < hist[0]
    wv = KeyedVectors.from_model(model, which="word+context")
    for w in ("r0", "r15"):
        cluster = int(w[1:]) < 10
        for other, _ in wv.most_similar(w, topn=5):
            assert (int(other[1:]) < 10) == cluster


def test_one_thread_is_bit_identical_and_seed_matters(rng):
    counts = make_counts(random_matrix(rng, 15, 15))
    a = GloVe(dim=6, epochs=3, n_threads=1, seed=5).fit(counts)
    b = GloVe(dim=6, epochs=3, n_threads=1, seed=5).fit(counts)
    c = GloVe(dim=6, epochs=3, n_threads=1, seed=6).fit(counts)
    np.testing.assert_array_equal(a.word_params_, b.word_params_)
    np.testing.assert_array_equal(a.context_gradsq_, b.context_gradsq_)
    assert a.loss_history_ == b.loss_history_
    assert not np.array_equal(a.word_params_, c.word_params_)


def test_continue_training_equals_one_run(rng):
    counts = make_counts(random_matrix(rng, 10, 10))
    full = GloVe(dim=5, epochs=5, n_threads=1).fit(counts)
    part = GloVe(dim=5, epochs=2, n_threads=1).fit(counts)
    assert part.partial_fit(counts, 3) is part
    assert part.epochs_trained_ == 5
    np.testing.assert_array_equal(full.word_params_, part.word_params_)
    np.testing.assert_array_equal(full.context_gradsq_, part.context_gradsq_)
    assert full.loss_history_ == part.loss_history_
    assert [h["epoch"] for h in part.history_] == [1, 2, 3, 4, 5]
    # partial_fit of an unfitted model starts it: one epoch at a time is the long run too
    step = GloVe(dim=5, n_threads=1)
    for _ in range(5):
        step.partial_fit(counts)
    np.testing.assert_array_equal(full.word_params_, step.word_params_)
    other = make_counts(random_matrix(rng, 11, 11))
    with pytest.raises(ValueError, match="same row and column vocabularies"):
        part.partial_fit(other)
    # fit starts again from scratch
    again = part.set_params(epochs=5).fit(counts)
    assert again.epochs_trained_ == 5
    np.testing.assert_array_equal(full.word_params_, again.word_params_)


def test_continue_training_with_a_drawn_seed(rng, tmp_path):
    """seed=None draws a seed once per fit; partial_fit (after a reload too) keeps it."""
    counts = make_counts(random_matrix(rng, 10, 10))
    model = GloVe(dim=4, epochs=2, n_threads=1, seed=None).fit(counts)
    model.save(tmp_path / "m.npz")
    reloaded = GloVe.load(tmp_path / "m.npz")
    model.partial_fit(counts)
    reloaded.partial_fit(counts)
    ref = GloVe(dim=4, epochs=3, n_threads=1, seed=model._seed_used).fit(counts)
    np.testing.assert_array_equal(model.word_params_, ref.word_params_)
    np.testing.assert_array_equal(reloaded.word_params_, ref.word_params_)


def test_two_threads_train(rng):
    counts = two_clusters(rng)
    model = GloVe(dim=8, epochs=10, n_threads=2).fit(counts)
    assert np.all(np.isfinite(model.word_params_))
    assert model.loss_history_[-1] < model.loss_history_[0]


def test_callback_progress_and_stop(rng):
    counts = make_counts(random_matrix(rng, 8, 8))
    seen = []

    def cb(stats):
        seen.append(stats)
        return False if stats["epoch"] == 2 else None

    model = GloVe(dim=4, epochs=5, n_threads=1).fit(counts, callback=cb, progress=True)
    assert [s["epoch"] for s in seen] == [1, 2]
    assert set(seen[0]) == {"epoch", "loss", "seconds", "lr", "records", "records_per_sec"}
    assert model.epochs_trained_ == 2 and len(model.loss_history_) == 2
    assert seen[0]["loss"] == model.loss_history_[0] and seen[0]["seconds"] >= 0
    assert seen[0]["records"] == model.n_records_ and seen[0]["lr"] == 0.05
    assert model.history_ == seen
    seen[0]["loss"] = -1.0                   # the callback gets a copy
    assert model.history_[0]["loss"] == model.loss_history_[0]
    # stopped early, the model is consistent: it continues as a run of that length
    model.partial_fit(counts, 1, callback=lambda stats: False)
    ref = GloVe(dim=4, epochs=3, n_threads=1).fit(counts)
    np.testing.assert_array_equal(model.word_params_, ref.word_params_)
    assert KeyedVectors.from_model(model).vectors.shape == (8, 4)
    assert not hasattr(model, "callback") and not hasattr(model, "_callback")
    with pytest.raises(TypeError, match="The 'callback' parameter of GloVe.fit must be a "
                                        "callable or None"):
        GloVe(dim=4, epochs=1, n_threads=1).fit(counts, callback=3)


def test_divergence_names_the_epoch(rng):
    counts = make_counts(random_matrix(rng, 8, 8))
    model = GloVe(dim=4, epochs=3, lr=1e30, grad_clip=1e30, n_threads=1)
    with pytest.raises(TrainingDivergedError, match=r"diverged in epoch \d"):
        model.fit(counts)


def test_explicit_zeros_are_skipped(rng):
    # row 0 stores an explicit zero at column 0 next to the 2.0 at column 1
    m = sp.csr_matrix((np.array([2.0, 0.0, 3.0], np.float32), np.array([1, 0, 0]),
                       np.array([0, 2, 3])), shape=(2, 2))
    model = GloVe(dim=3, epochs=2, n_threads=1).fit(make_counts(m))
    assert model.n_records_ == 2


# --------------------------------------------------------------------------- vectors


def test_word_plus_context_aligned_by_key_on_rectangular_counts(rng):
    row_keys = ["a", "b", "c", "d"]
    col_keys = ["c", "a", "x"]
    counts = make_counts(random_matrix(rng, 4, 3, density=0.9), row_keys, col_keys)
    model = GloVe(dim=5, epochs=2, n_threads=1, vectors="word+context").fit(counts)
    W, C = model.word_params_[:, :5], model.context_params_[:, :5]
    wv = KeyedVectors.from_model(model)
    assert wv.index_to_key == row_keys and wv.vectors.shape == (4, 5)
    np.testing.assert_array_equal(model.vectors_, wv.vectors)
    assert model.index_to_key_ == row_keys and model.context_index_to_key_ == col_keys
    np.testing.assert_array_equal(model.context_vectors_, C)
    np.testing.assert_allclose(wv["a"], W[0] + C[1])
    np.testing.assert_allclose(wv["c"], W[2] + C[0])
    np.testing.assert_allclose(wv["b"], W[1])  # not a column key: W alone
    np.testing.assert_allclose(wv["d"], W[3])
    ctx = KeyedVectors.from_model(model, which="context")
    assert ctx.index_to_key == col_keys
    np.testing.assert_allclose(ctx["x"], C[2])
    np.testing.assert_array_equal(ctx.counts, counts.col_vocab.counts)
    words = KeyedVectors.from_model(model, which="word")
    np.testing.assert_allclose(words.vectors, W)
    np.testing.assert_array_equal(words.counts, counts.row_vocab.counts)
    only_c = GloVe(dim=5, epochs=1, n_threads=1, vectors="context").fit(counts)
    assert only_c.index_to_key_ == col_keys and only_c.vectors_.shape == (3, 5)
    with pytest.raises(ValueError, match="The 'which' parameter of GloVe.get_vector_arrays must "
                                         "be a str among"):
        KeyedVectors.from_model(model, which="both")


def test_save_load_roundtrip_and_continue(rng, tmp_path):
    counts = make_counts(random_matrix(rng, 9, 9))
    model = GloVe(dim=4, epochs=3, n_threads=1, seed=2, vectors="word+context").fit(counts)
    path = tmp_path / "glove.npz"
    model.save(path)
    loaded = GloVe.load(path)
    assert loaded.get_params() == model.get_params()
    np.testing.assert_array_equal(loaded.word_gradsq_, model.word_gradsq_)
    np.testing.assert_array_equal(loaded.vectors_, model.vectors_)
    assert loaded.loss_history_ == model.loss_history_ and loaded.epochs_trained_ == 3
    assert loaded.history_ == model.history_ and loaded.index_to_key_ == model.index_to_key_
    loaded.partial_fit(counts, 2)
    model.partial_fit(counts, 2)
    np.testing.assert_array_equal(loaded.word_params_, model.word_params_)
    longer = GloVe(dim=4, epochs=5, n_threads=1, seed=2, vectors="word+context").fit(counts)
    np.testing.assert_array_equal(loaded.word_params_, longer.word_params_)
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros(2))
    with pytest.raises(VectorsFormatError, match="not a GloVe model file"):
        GloVe.load(bad)
    with pytest.raises(FileNotFoundError, match="no such GloVe model file"):
        GloVe.load(tmp_path / "missing.npz")
    (tmp_path / "text.npz").write_text("hello")
    with pytest.raises(VectorsFormatError, match=r"text\.npz: not a GloVe model file of ngramvec: "
                                                 r"not an \.npz archive"):
        GloVe.load(tmp_path / "text.npz")
    with pytest.raises(VectorsFormatError, match=r"holds a GloVe, not a Cooccurrence"):
        Cooccurrence.load(path)
    with pytest.raises(NotFittedError):
        GloVe().save(tmp_path / "unfitted.npz")


def test_load_files_of_format_version_1(rng, tmp_path):
    """Model files of the layout before ngramvec.base.persist are still read."""
    counts = make_counts(random_matrix(rng, 6, 6))
    model = GloVe(dim=3, epochs=2, n_threads=1).fit(counts)
    old = tmp_path / "old.npz"
    np.savez(old, format=np.array("ngramvec-glove-1"), params=np.array(json.dumps(
        model.get_params())), word_params=model.word_params_,
        context_params=model.context_params_, word_gradsq=model.word_gradsq_,
        context_gradsq=model.context_gradsq_, row_keys=np.array(model.row_keys_, dtype=str),
        col_keys=np.array(model.col_keys_, dtype=str), row_counts=model.row_counts_,
        col_counts=model.col_counts_, loss_history=np.array(model.loss_history_),
        state=np.array([2, model.n_records_], dtype=np.int64))
    loaded = GloVe.load(old)
    assert loaded.epochs_trained_ == 2 and loaded.loss_history_ == model.loss_history_
    np.testing.assert_array_equal(loaded.vectors_, model.vectors_)
    loaded.partial_fit(counts)
    np.testing.assert_array_equal(loaded.word_params_, model.partial_fit(counts).word_params_)


def test_not_fitted(rng):
    for attr in ("vectors_", "index_to_key_", "counts_", "context_vectors_",
                 "context_index_to_key_", "context_counts_"):
        with pytest.raises(NotFittedError, match="This GloVe instance is not fitted yet"):
            getattr(GloVe(), attr)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        KeyedVectors.from_model(GloVe())
    with pytest.raises(NotFittedError):
        GloVe().loss(make_counts(random_matrix(rng, 4, 4)))


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize("param,value,match", [
    ("x_max", 0, r"The 'x_max' parameter of GloVe must be a float in the range \(0, inf\)\. Got 0"),
    ("x_max", -1.0, r"'x_max' parameter of GloVe must be a float in the range \(0, inf\)"),
    ("alpha", 0.0, r"'alpha' parameter of GloVe must be a float in the range \(0, inf\)"),
    ("lr", 0, r"'lr' parameter of GloVe must be a float in the range \(0, inf\)"),
    ("lr", -0.1, r"'lr' parameter of GloVe must be a float in the range \(0, inf\)"),
    ("dim", 0, r"'dim' parameter of GloVe must be an int in the range \[1, inf\)\. Got 0"),
    ("epochs", 0, r"'epochs' parameter of GloVe must be an int in the range \[1, inf\)"),
    ("grad_clip", 0.0, r"'grad_clip' parameter of GloVe must be a float"),
    ("vectors", "both", r"'vectors' parameter of GloVe must be a str among"),
])
def test_bad_parameters(rng, param, value, match):
    counts = make_counts(random_matrix(rng, 4, 4))
    with pytest.raises(ValueError, match=match):
        GloVe(**{param: value}).fit(counts)


def test_bad_parameter_types(rng):
    counts = make_counts(random_matrix(rng, 4, 4))
    with pytest.raises(TypeError, match=r"'dim' parameter of GloVe must be an int"):
        GloVe(dim=2.5).fit(counts)
    with pytest.raises(ValueError, match=r"The 'epochs' parameter of GloVe.partial_fit must be an "
                                         r"int in the range \[1, inf\). Got 0 instead."):
        GloVe().partial_fit(counts, epochs=0)
    with pytest.raises(TypeError, match="must be a Cooccurrence"):
        GloVe().fit(sp.csr_matrix(np.ones((2, 2))))


def test_empty_and_all_zero_matrices():
    with pytest.raises(ValueError, match="has no positive count"):
        GloVe().fit(make_counts(sp.csr_matrix((3, 3), dtype=np.float32)))
    zeros = sp.csr_matrix((np.zeros(2, np.float32), np.array([0, 1]), np.array([0, 1, 2])),
                          shape=(2, 2))
    with pytest.raises(ValueError, match="has no positive count"):
        GloVe().fit(make_counts(zeros))
    with pytest.raises(ValueError, match="has no positive count"):
        GloVe().fit(Cooccurrence(sp.csr_matrix((0, 0), dtype=np.float32),
                                 Vocabulary([], []), Vocabulary([], [])))


@pytest.mark.parametrize("bad,match", [(-1.0, "1 negative values"), (np.nan, "1 NaN values"),
                                       (np.inf, "1 infinite values")])
def test_negative_nan_inf_counts(bad, match):
    m = np.array([[1.0, 2.0], [bad, 3.0]], dtype=np.float32)
    with pytest.raises(ValueError, match=match):
        GloVe().fit(make_counts(m))


def test_shape_mismatch_with_vocabularies(rng):
    counts = make_counts(random_matrix(rng, 4, 4))
    counts.matrix = sp.csr_matrix(np.ones((4, 5), dtype=np.float32))
    with pytest.raises(ValueError, match=r"has shape \(4, 5\) but its vocabularies have 4 rows "
                                         r"and 4 columns"):
        GloVe().fit(counts)
