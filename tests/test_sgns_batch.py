"""SGNS's two update modes against NumPy references: one batched update with shared
negatives (nv_sgns_batch), and a whole deterministic one-thread run of both word bodies
(pair-by-pair and batched) on a tiny corpus, re-enacted in Python with the same
generator, alias table, subsampling and window draws."""
from __future__ import annotations

import numpy as np
import pytest

import ngramvec as nv
from ngramvec.models import _sgns
from ngramvec.models.sgns import SGNS, _chunk_bounds

ISAS = ["generic"] + (["avx2"] if _sgns.sgns_isa() == "avx2" else [])
MASK = (1 << 64) - 1


# ---------------------------------------------------------------- reference arithmetic

def _coef(f: np.float32, label: float, lr: np.float32, table: np.ndarray) -> np.float32:
    """word2vec's (label - sigmoid(f)) * lr from the table, f clipped at +-6."""
    f32 = np.float32
    if f >= 6:
        return (f32(label) - f32(1.0)) * lr
    if f > -6:
        return (f32(label) - table[min(int(f32((f + f32(6)) * f32(1000 / 12))), 999)]) * lr
    return f32(label) * lr


def ref_update_batch(syn0, syn1, inputs, targets, lr, table):
    """The batched step in NumPy: M = X Y^T, G = (label - sigmoid(M)) lr, then
    syn0[inputs] += G Y and syn1[targets] += G^T X, both from the rows as they were
    (np.add.at: a repeated row receives every update). Returns the loss before."""
    f32 = np.float32
    x = syn0[inputs].astype(np.float64)
    y = syn1[targets].astype(np.float64)
    m = (x @ y.T).astype(np.float32)
    g = np.empty_like(m)
    loss = 0.0
    for b in range(m.shape[0]):
        for t in range(m.shape[1]):
            label = 1.0 if t == 0 else 0.0
            g[b, t] = _coef(m[b, t], label, f32(lr), table)
            z = float(np.clip(m[b, t] if t == 0 else -m[b, t], -6, 6))
            loss += np.log1p(np.exp(-z))
    g = g.astype(np.float64)
    np.add.at(syn0, inputs, (g @ y).astype(np.float32))
    np.add.at(syn1, targets, (g.T @ x).astype(np.float32))
    return loss


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("dim", [1, 7, 16, 100])
@pytest.mark.parametrize("nb,nt", [(1, 1), (3, 6), (10, 6), (32, 6), (5, 11), (2, 16)])
def test_update_batch_matches_numpy(isa, dim, nb, nt):
    rng = np.random.default_rng(dim * 100 + nb * 7 + nt)
    table = _sgns.sgns_exp_table()
    syn0 = rng.normal(0, 0.5, (40, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (20, dim)).astype(np.float32)
    inputs = rng.integers(0, 40, nb).astype(np.int32)
    inputs[-1] = inputs[0]                          # a repeated input row
    targets = rng.integers(0, 20, nt).astype(np.int32)
    if nt > 2:
        targets[2] = targets[1]                     # a negative drawn twice
    r0, r1 = syn0.copy(), syn1.copy()
    ref = ref_update_batch(r0, r1, inputs, targets, 0.05, table)
    loss = _sgns.sgns_update_batch(syn0, syn1, inputs, targets, 0.05, table, isa)
    np.testing.assert_allclose(syn0, r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, r1, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(ref, rel=1e-4)
    untouched0 = np.setdiff1d(np.arange(40), inputs)
    untouched1 = np.setdiff1d(np.arange(20), targets)
    assert np.array_equal(syn0[untouched0], r0[untouched0])
    assert np.array_equal(syn1[untouched1], r1[untouched1])


@pytest.mark.parametrize("isa", ISAS)
@pytest.mark.parametrize("masked", [False, True])
def test_update_batch_dot_just_below_six_stays_in_the_table(isa, masked):
    # issue 14: a dot product of 5.9999995f (the float below 6) gave the grid index
    # 1000, one past the sigmoid table; the table here is fenced by a NaN, so that read
    # would put NaN in every row of the batch. The last cell is used instead.
    buf = np.full(1001, np.nan, dtype=np.float32)
    buf[:1000] = _sgns.sgns_exp_table()
    table = buf[:1000]
    f = np.nextafter(np.float32(6), np.float32(0))
    syn0 = np.array([[f], [f], [0.5]], dtype=np.float32)     # dots with syn1[0] = f
    syn1 = np.ones((3, 1), dtype=np.float32)
    inputs = np.array([0, 1, 2], dtype=np.int32)
    targets = np.array([0, 1, 2], dtype=np.int32)             # positive, two negatives
    r0, r1 = syn0.copy(), syn1.copy()
    ref = ref_update_batch(r0, r1, inputs, targets, 0.025, table)
    mask = np.array([[1, 1, 1]], dtype=np.uint8) if masked else None
    loss = _sgns.sgns_update_batch(syn0, syn1, inputs, targets, 0.025, table, isa, mask)
    assert np.isfinite(syn0).all() and np.isfinite(syn1).all()
    np.testing.assert_allclose(syn0, r0, rtol=1e-6)
    np.testing.assert_allclose(syn1, r1, rtol=1e-6)
    assert loss == pytest.approx(ref, rel=1e-6)


def test_update_batch_clips_and_checks():
    table = _sgns.sgns_exp_table()
    syn0 = np.full((2, 4), 2.0, dtype=np.float32)            # dots = 16 > 6
    syn1 = np.full((3, 4), 2.0, dtype=np.float32)
    inputs = np.array([0, 1], dtype=np.int32)
    targets = np.array([0, 2], dtype=np.int32)
    _sgns.sgns_update_batch(syn0, syn1, inputs, targets, 0.1, table)
    assert np.array_equal(syn1[0], np.full(4, 2.0, np.float32))       # positive: g = 0
    np.testing.assert_allclose(syn1[2], 2.0 - 2 * 0.1 * 2.0)           # two inputs, g = -lr
    np.testing.assert_allclose(syn0, 2.0 - 0.1 * 2.0)
    with pytest.raises(ValueError, match="input row out of range"):
        _sgns.sgns_update_batch(syn0, syn1, np.array([2], np.int32), targets, 0.1, table)
    with pytest.raises(ValueError, match="target out of range"):
        _sgns.sgns_update_batch(syn0, syn1, inputs, np.array([3], np.int32), 0.1, table)
    with pytest.raises(ValueError, match="inputs must hold 1 to 32 rows"):
        _sgns.sgns_update_batch(syn0, syn1, np.zeros(33, np.int32), targets, 0.1, table)
    with pytest.raises(ValueError, match="isa must be 'auto', 'avx2' or 'generic'"):
        _sgns.sgns_update_batch(syn0, syn1, inputs, targets, 0.1, table, "sse9")


def test_avx2_and_generic_agree_closely():
    if "avx2" not in ISAS:
        pytest.skip("no AVX2 + FMA on this CPU")
    rng = np.random.default_rng(3)
    table = _sgns.sgns_exp_table()
    a0 = rng.normal(0, 0.3, (50, 100)).astype(np.float32)
    a1 = rng.normal(0, 0.3, (30, 100)).astype(np.float32)
    b0, b1 = a0.copy(), a1.copy()
    for _ in range(20):
        inputs = rng.integers(0, 50, 10).astype(np.int32)
        targets = rng.integers(0, 30, 6).astype(np.int32)
        _sgns.sgns_update_batch(a0, a1, inputs, targets, 0.025, table, "avx2")
        _sgns.sgns_update_batch(b0, b1, inputs, targets, 0.025, table, "generic")
    np.testing.assert_allclose(a0, b0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a1, b1, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------- a whole run, re-enacted

class Xoshiro:
    """xoshiro256** as csrc/nv_rng.h."""

    def __init__(self, state):
        self.s = [int(v) for v in state]

    def next(self) -> int:
        s = self.s
        rot = lambda x, k: ((x << k) | (x >> (64 - k))) & MASK  # noqa: E731
        result = (rot((s[1] * 5) & MASK, 7) * 9) & MASK
        t = (s[1] << 17) & MASK
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rot(s[3], 45)
        return result

    def below(self, n: int) -> int:
        return (self.next() * n) >> 64


def _alias_draw(cells: np.ndarray, r: int) -> int:
    return int(_sgns.sgns_alias_draw(cells, np.array([r], dtype=np.uint64))[0])


def ref_run_words(syn0, syn1, ids, ends, keep, alias, state, window, negative, dynamic,
                  lr, batch, table):
    """One epoch of the word bodies at a constant lr (lr0 == min_lr), in Python."""
    from test_sgns import ref_update_pair
    rng = Xoshiro(state)
    pairs = 0
    start = 0
    for end in ends.tolist():
        units = []
        for p in range(start, end):
            w = int(ids[p])
            thr = int(keep[w])
            if thr < 2**32 and (rng.next() >> 32) >= thr:
                continue
            units.append(w)
        start = end
        n = len(units)
        for i in range(n):
            win = window - rng.below(window) if dynamic else window
            ctx = [units[j] for j in range(max(0, i - win), min(n - 1, i + win) + 1)
                   if j != i]
            if batch:
                for lo in range(0, len(ctx), 32):
                    part = ctx[lo:lo + 32]
                    targets = [units[i]]
                    for _ in range(negative):
                        neg = _alias_draw(alias, rng.next())
                        if neg != units[i]:
                            targets.append(neg)
                    ref_update_batch(syn0, syn1, np.array(part, np.int32),
                                     np.array(targets, np.int32), lr, table)
                    pairs += len(part)
            else:
                for c in ctx:
                    targets = [c]
                    for _ in range(negative):
                        neg = _alias_draw(alias, rng.next())
                        if neg != c:
                            targets.append(neg)
                    ref_update_pair(syn0, syn1, units[i], np.array(targets, np.int32), lr,
                                    table)
                    pairs += 1
    return pairs, rng.s


@pytest.mark.parametrize("batch", [False, True])
@pytest.mark.parametrize("isa", ISAS)
def test_one_thread_run_matches_numpy(batch, isa):
    """Tiny corpus, one thread, dynamic window, subsampling and negatives: the kernel's
    vectors, pair count and final generator state are the reference's."""
    if not batch and isa != ISAS[0]:
        pytest.skip("isa only selects the batched implementation")
    rng = np.random.default_rng(11)
    n_vocab, dim, window, negative, lr = 12, 9, 3, 4, 0.05
    sents = [rng.integers(0, n_vocab, rng.integers(1, 14)) for _ in range(25)]
    ids = np.concatenate(sents).astype(np.int32)
    ends = np.cumsum([len(s) for s in sents]).astype(np.int64)
    syn0 = rng.normal(0, 0.3, (n_vocab, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.1, (n_vocab, dim)).astype(np.float32)
    keep = np.full(n_vocab, 2**32, dtype=np.uint64)
    keep[[0, 3]] = [2**31, 2**30]                  # two subsampled words
    alias = _sgns.sgns_alias_table(np.arange(1, n_vocab + 1, dtype=np.float64) ** 0.75)
    state = np.array([[11, 22, 33, 44]], dtype=np.uint64)
    opts = _sgns.SGNSOptions(dim, window, negative, True, True, lr, lr, len(ids),
                             batch=batch, isa=isa)
    r0, r1 = syn0.copy(), syn1.copy()
    shared = _sgns.SGNSShared(syn0, syn1, ends, _chunk_bounds(ends, 20), keep, alias,
                              state, opts)
    ref_state = state[0].copy()
    _, pairs, _ = _sgns.sgns_train_words(shared, ids, np.arange(n_vocab, dtype=np.int32), 0,
                                         shared.n_chunks)
    table = _sgns.sgns_exp_table()
    ref_pairs, ref_s = ref_run_words(r0, r1, ids, ends, keep, alias, ref_state, window,
                                     negative, True, lr, batch, table)
    assert pairs == ref_pairs
    assert [int(v) for v in state[0]] == ref_s       # the same draws, in the same order
    np.testing.assert_allclose(syn0, r0, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(syn1, r1, rtol=1e-4, atol=1e-5)
    assert not np.allclose(syn0, rng.normal(0, 0.3, (n_vocab, dim)))


# ---------------------------------------------------------------- the estimator

@pytest.fixture(scope="module")
def clusters():
    rng = np.random.default_rng(7)
    a = [f"a{i}" for i in range(10)]
    b = [f"b{i}" for i in range(10)]
    return nv.Corpus([" ".join(rng.choice(a if s % 2 == 0 else b, 12)) for s in range(600)])


@pytest.mark.parametrize("contexts", ["word", "uni_bi"])
def test_batch_mode_learns_and_is_reproducible(clusters, contexts):
    kw = dict(dim=16, window=3, negative=5, epochs=4, min_count=1, sample=0, n_threads=1,
              seed=3, lr=0.05, contexts=contexts)
    m = SGNS(batch=True, **kw).fit(clusters)
    h = m.history_[0]
    assert 0 < h["batches"] < h["pairs"]            # several pairs per batch
    wv = nv.KeyedVectors.from_model(m)
    for w in ("a0", "a5", "b2", "b9"):
        assert all(k[0] == w[0] for k, _ in wv.most_similar(w, topn=5)), w
    again = SGNS(batch=True, **kw).fit(clusters)
    assert np.array_equal(m.vectors_, again.vectors_)
    assert np.array_equal(m.context_vectors_, again.context_vectors_)
    pairwise = SGNS(batch=False, **kw).fit(clusters)
    assert not np.array_equal(m.vectors_, pairwise.vectors_)
    # the same pairs either way (full window, no subsampling)
    full = dict(kw, dynamic_window=False, epochs=1)
    assert SGNS(batch=True, **full).fit(clusters).history_[0]["pairs"] == \
        SGNS(batch=False, **full).fit(clusters).history_[0]["pairs"]


def test_batch_parameter_is_checked(clusters):
    with pytest.raises(TypeError, match="'batch' parameter of SGNS must be a bool"):
        SGNS(batch="yes").fit(clusters)
    with pytest.raises(ValueError, match="'batch_positions' parameter of SGNS"):
        SGNS(batch_positions=9).fit(clusters)
    with pytest.raises(ValueError, match="'batch_positions' parameter of SGNS"):
        SGNS(batch_positions=0).fit(clusters)


@pytest.mark.parametrize("contexts", ["uni_bi", "bi_bi", "uni_tri"])
def test_batch_positions_train_the_same_pairs(contexts):
    """Batches over several context positions (batch_positions) train every pair of
    the one-position batches and of the pair-by-pair mode, once (full window, no
    subsampling: the pairs do not depend on the generator), in fewer batches; they
    still learn, and a one-thread run is reproducible."""
    rng = np.random.default_rng(5)
    words = ["new", "york", "city", "is", "big", "ice", "cream", "cold"]
    sents = [" ".join(rng.choice(words, rng.integers(1, 12))) for _ in range(300)]
    corpus = nv.Corpus(sents)
    kw = dict(dim=8, window=2, negative=3, epochs=1, min_count=1, sample=0, n_threads=1,
              seed=4, dynamic_window=False, contexts=contexts)
    pairs = SGNS(batch=False, **kw).fit(corpus).history_[0]["pairs"]
    runs = {g: SGNS(batch_positions=g, **kw).fit(corpus) for g in (1, 2, 4, 8)}
    for g, m in runs.items():
        assert m.history_[0]["pairs"] == pairs > 0, g
        assert np.isfinite(m.vectors_).all() and np.isfinite(m.context_vectors_).all()
    batches = [runs[g].history_[0]["batches"] for g in (1, 2, 4)]
    assert batches[0] > batches[1] >= batches[2]     # uni_tri: at most 2 positions
    again = SGNS(batch_positions=2, **kw).fit(corpus)
    assert np.array_equal(again.vectors_, runs[2].vectors_)
    assert not np.array_equal(runs[1].vectors_, runs[2].vectors_)


def test_ngram_units_built_in_blocks_are_the_same(monkeypatch, tmp_path):
    """The memory-mapped unit arrays, built in blocks of UNIT_BLOCK tokens (ngrams
    crossing a block or a sentence end included), train exactly what one block does;
    nothing is left in the temporary directory."""
    import tempfile
    from ngramvec.models import sgns as sgns_mod
    rng = np.random.default_rng(2)
    words = ["new", "york", "city", "is", "big", "ice", "cream", "cold"]
    sents = [" ".join(rng.choice(words, rng.integers(1, 9))) for _ in range(300)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=2, ngram_orders=(1, 2, 3))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)
    kw = dict(dim=6, window=2, epochs=1, min_count=2, n_threads=1, seed=1, contexts="bi_tri",
              gaps="keep")        # the unit arrays are gaps="keep"'s
    whole = SGNS(**kw).fit(corpus, vocab=vocab)
    monkeypatch.setattr(sgns_mod, "UNIT_BLOCK", 7)
    blocks = SGNS(**kw).fit(corpus, vocab=vocab)
    assert np.array_equal(whole.vectors_, blocks.vectors_)
    assert np.array_equal(whole.context_vectors_, blocks.context_vectors_)
    assert whole.history_[0]["pairs"] == blocks.history_[0]["pairs"] > 0
    assert list(tmp_path.iterdir()) == []


def test_models_saved_before_batch_mode_continue_pair_by_pair(clusters, tmp_path):
    """A model file without the 'batch' parameter (written before it existed) loads
    with batch=False, so continuing it keeps the arithmetic it was trained with."""
    import json
    m = SGNS(dim=4, window=2, epochs=1, min_count=1, n_threads=1, batch=False).fit(clusters)
    v = m.vocabulary_
    params = {k: p for k, p in m.get_params().items() if k != "batch"}
    meta = {"format": "ngramvec-sgns", "version": 1, "params": params,
            "epochs_trained": 1, "history": m.history_, "total_tokens": v.total_tokens,
            "seed_used": 0, "word_total": v.word_total}
    np.savez(tmp_path / "old.npz", syn0=m.vectors_, syn1=m.context_vectors_, counts=v.counts,
             keys=np.frombuffer("\n".join(v.index_to_key).encode(), dtype=np.uint8),
             rng_states=m._rng_states,
             meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    old = SGNS.load(tmp_path / "old.npz")
    assert old.batch is False and SGNS().batch is True
    old.partial_fit(clusters, 1)
    m.partial_fit(epochs=1)
    assert np.array_equal(old.vectors_, m.vectors_)
