"""Tests of ngramvec.sgns and its kernel ngramvec._sgns."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import ngramvec as nv
from ngramvec.models import _sgns
from ngramvec.base.exceptions import OneShotIteratorError, TrainingDivergedError, \
    VectorsFormatError
from ngramvec.models.sgns import SGNS, _chunk_bounds
from ngramvec.vectors.keyedvectors import KeyedVectors


def kv(model, which=None):
    return KeyedVectors.from_model(model, which=which)

from _reference import count_ngram_pairs, count_pairs


# ---------------------------------------------------------------- reference arithmetic

def _ref_sigmoid(f: np.float32, table: np.ndarray) -> np.float32 | None:
    """word2vec's table lookup; None outside (-6, 6)."""
    if f >= 6 or f <= -6:
        return None
    return table[min(int(np.float32((f + np.float32(6)) * np.float32(1000 / 12))), 999)]


def ref_update_pair(syn0, syn1, centre, targets, lr, table):
    """Slow, obvious SGNS step in float32: syn0[centre] against targets[0] (label 1)
    and the negatives targets[1:] (label 0), as in word2vec.c. Returns the loss before."""
    f32 = np.float32
    lr = f32(lr)
    l1 = syn0[centre].copy()
    neu1e = np.zeros_like(l1)
    loss = 0.0
    for j, t in enumerate(targets):
        label = f32(1.0 if j == 0 else 0.0)
        f = f32(np.dot(l1, syn1[t]))
        s = _ref_sigmoid(f, table)
        if s is None:
            g = (label - f32(1.0 if f >= 6 else 0.0)) * lr
        else:
            g = (label - s) * lr
        z = float(np.clip(f if j == 0 else -f, -6, 6))
        loss += np.log1p(np.exp(-z))
        neu1e += g * syn1[t]
        syn1[t] += g * l1
    syn0[centre] += neu1e
    return loss


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.mark.parametrize("dim", [1, 7, 100])
def test_update_pair_matches_reference(rng, dim):
    table = _sgns.sgns_exp_table()
    syn0 = rng.normal(0, 0.3, (5, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.3, (6, dim)).astype(np.float32)
    targets = np.array([2, 0, 5, 3], dtype=np.int32)
    r0, r1 = syn0.copy(), syn1.copy()
    ref_loss = ref_update_pair(r0, r1, 1, targets, 0.05, table)
    loss = _sgns.sgns_update_pair(syn0, syn1, 1, targets, 0.05, table)
    np.testing.assert_allclose(syn0, r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, r1, rtol=1e-5, atol=1e-6)
    assert loss == pytest.approx(ref_loss, rel=1e-4)
    # only the centre row and the target rows move
    assert np.array_equal(syn1[[1, 4]], r1[[1, 4]])


def test_update_pair_clips_large_dot_products():
    table = _sgns.sgns_exp_table()
    syn0 = np.full((1, 4), 2.0, dtype=np.float32)          # dot = 16 > 6
    syn1 = np.full((2, 4), 2.0, dtype=np.float32)
    targets = np.array([0, 1], dtype=np.int32)
    before0 = syn1[0].copy()
    _sgns.sgns_update_pair(syn0, syn1, 0, targets, 0.1, table)
    assert np.array_equal(syn1[0], before0)                  # positive: g = 0
    np.testing.assert_allclose(syn1[1], 2.0 - 0.1 * 2.0)     # negative: g = -lr
    assert np.isfinite(syn0).all()


def _fenced_table() -> np.ndarray:
    """The sigmoid table as a view of a longer buffer whose next cell is NaN: a read one
    past the table shows as NaN instead of depending on what the heap holds there."""
    buf = np.full(1001, np.nan, dtype=np.float32)
    buf[:1000] = _sgns.sgns_exp_table()
    return buf[:1000]


@pytest.mark.parametrize("negative", [False, True])
def test_update_pair_dot_just_below_six_stays_in_the_table(negative):
    # issue 14: f = 5.9999995f (the float below 6) gave the grid index 1000, one past
    # the table; what lay there (NaN, 1e20, ...) went into the gradient and the run
    # diverged at random. The last cell is used instead.
    table = _fenced_table()
    f = np.nextafter(np.float32(6), np.float32(0))
    assert np.float32(f + np.float32(6)) == 12.0              # the rounding at stake
    syn0 = np.array([[f]], dtype=np.float32)                  # dot = f exactly
    syn1 = np.ones((2, 1), dtype=np.float32)
    targets = np.array([1, 0] if negative else [0], dtype=np.int32)
    r0, r1 = syn0.copy(), syn1.copy()
    ref_loss = ref_update_pair(r0, r1, 0, targets, 0.025, table)
    loss = _sgns.sgns_update_pair(syn0, syn1, 0, targets, 0.025, table)
    assert np.isfinite(syn0).all() and np.isfinite(syn1).all()
    np.testing.assert_array_equal(syn0, r0)
    np.testing.assert_array_equal(syn1, r1)
    assert loss == pytest.approx(ref_loss, rel=1e-6)


def test_exp_table_is_word2vecs():
    t = _sgns.sgns_exp_table()
    x = (np.arange(1000) / 1000 * 2 - 1) * 6
    np.testing.assert_allclose(t, 1 / (1 + np.exp(-x)), rtol=1e-6)


def test_alias_table_samples_the_distribution(rng):
    w = np.array([5.0, 0.0, 1.0, 10.0, 4.0])
    cells = _sgns.sgns_alias_table(w)
    bits = rng.integers(0, 2**64, size=200_000, dtype=np.uint64)
    freq = np.bincount(_sgns.sgns_alias_draw(cells, bits), minlength=5) / bits.size
    np.testing.assert_allclose(freq, w / w.sum(), atol=0.005)
    assert freq[1] == 0
    with pytest.raises(ValueError, match="not all zero"):
        _sgns.sgns_alias_table(np.zeros(3))


def test_chunk_bounds_hold_whole_sentences():
    ends = np.array([3, 10, 11, 30, 31, 40], dtype=np.int64)
    b = _chunk_bounds(ends, 10)
    assert b[0] == 0 and b[-1] == len(ends)
    assert np.all(np.diff(b) > 0)


def _kernel_run(n_vocab=6, dim=4, negative=2, window=2, dynamic=False, n_threads=1,
                sentences=((0, 1, 2, 3), (4, 5), (1,), (2, 3, 4, 5, 0, 1))):
    """The pieces of one kernel run over lexicon-id sentences (lexicon id == row)."""
    ids = np.array([w for s in sentences for w in s], dtype=np.int32)
    ends = np.cumsum([len(s) for s in sentences]).astype(np.int64)
    syn0 = np.random.default_rng(0).random((n_vocab, dim), dtype=np.float32) - 0.5
    syn1 = np.zeros((n_vocab, dim), dtype=np.float32)
    keep = np.full(n_vocab, 2**32, dtype=np.uint64)
    alias = _sgns.sgns_alias_table(np.ones(n_vocab))
    states = np.arange(1, 4 * n_threads + 1, dtype=np.uint64).reshape(n_threads, 4)
    opts = _sgns.SGNSOptions(dim, window, negative, dynamic, True, 0.025, 1e-4, len(ids))
    chunks = _chunk_bounds(ends, 5)
    return dict(syn0=syn0, syn1=syn1, ends=ends, chunks=chunks, keep=keep, alias=alias,
                rng_states=states, opts=opts), ids, np.arange(n_vocab, dtype=np.int32)


@pytest.mark.parametrize("window", [1, 2, 5])
def test_train_words_visits_every_window_pair(window):
    """Full window, no subsampling: the kernel trains each (i, j), 0 < |i - j| <= window,
    once per epoch, reads every token once and advances the run's progress."""
    kw, ids, remap = _kernel_run(window=window)
    shared = _sgns.SGNSShared(**kw)
    sents = np.split(ids, kw["ends"][:-1])
    expected = sum(1 for s in sents for i in range(len(s)) for j in range(len(s))
                   if 0 < abs(i - j) <= window)
    words, pairs, loss = _sgns.sgns_train_words(shared, ids, remap, 0, shared.n_chunks)
    assert (words, pairs) == (len(ids), expected) and loss > 0
    assert shared.progress == len(ids) and shared.n_threads == 1
    assert _sgns.sgns_train_words(shared, ids, remap, 1, 1) == (0, 0, 0.0)
    # out-of-vocabulary tokens are dropped before windowing (word2vec)
    remap[3] = -1
    shared = _sgns.SGNSShared(**kw)
    short = [s[s != 3] for s in sents]
    expected = sum(1 for s in short for i in range(len(s)) for j in range(len(s))
                   if 0 < abs(i - j) <= window)
    assert _sgns.sgns_train_words(shared, ids, remap, 0, shared.n_chunks)[1] == expected


def test_shared_and_kernels_check_their_arrays():
    kw, ids, remap = _kernel_run()
    with pytest.raises(ValueError, match="keep must have one entry per row of syn0"):
        _sgns.SGNSShared(**{**kw, "keep": kw["keep"][:-1]})
    with pytest.raises(ValueError, match="opts.dim columns"):
        _sgns.SGNSShared(**{**kw, "syn1": np.zeros((6, 3), dtype=np.float32)})
    with pytest.raises(ValueError, match=r"rng_states must have shape \(n_threads, 4\)"):
        _sgns.SGNSShared(**{**kw, "rng_states": np.zeros((1, 3), dtype=np.uint64)})
    with pytest.raises(ValueError, match="chunks must run from sentence 0 to len"):
        _sgns.SGNSShared(**{**kw, "chunks": kw["chunks"][:-1]})
    shared = _sgns.SGNSShared(**kw)
    with pytest.raises(ValueError, match=r"chunk range \[0, 99\) is outside"):
        _sgns.sgns_train_words(shared, ids, remap, 0, 99)
    with pytest.raises(ValueError, match=r"remap in \[-1, n_vocab\)"):
        _sgns.sgns_train_words(shared, ids, remap + 1, 0, shared.n_chunks)
    with pytest.raises(ValueError, match="ids must cover every sentence"):
        _sgns.sgns_train_words(shared, ids[:-1], remap, 0, shared.n_chunks)
    units = remap[ids][None, :]
    with pytest.raises(ValueError, match="orders must be distinct"):
        _sgns.sgns_train_ngrams(shared, units, units, np.array([7], dtype=np.int32),
                                np.array([1], dtype=np.int32), kw["keep"], 0, 1)
    with pytest.raises(ValueError, match=r"cunits in \[-1, n_context\)"):
        _sgns.sgns_train_ngrams(shared, units, units + 6, np.array([1], dtype=np.int32),
                                np.array([1], dtype=np.int32), kw["keep"], 0, 1)
    assert shared.progress == 0          # nothing was trained


# ---------------------------------------------------------------- training

def _two_clusters(rng, n_sent=600, length=12):
    a = [f"a{i}" for i in range(10)]
    b = [f"b{i}" for i in range(10)]
    sents = []
    for s in range(n_sent):
        words = a if s % 2 == 0 else b
        sents.append(" ".join(rng.choice(words, length)))
    return sents


@pytest.fixture(scope="module")
def cluster_corpus():
    return nv.Corpus(_two_clusters(np.random.default_rng(7)))


def test_two_clusters_neighbours(cluster_corpus):
    m = SGNS(dim=16, window=3, negative=5, epochs=5, min_count=1, sample=0, n_threads=2,
             seed=3, lr=0.05).fit(cluster_corpus)
    wv = kv(m)
    assert len(wv) == 20 and wv.vectors.dtype == np.float32
    for w in ("a0", "a5", "b2", "b9"):
        near = [k for k, _ in wv.most_similar(w, topn=5)]
        assert all(k[0] == w[0] for k in near), (w, near)


@pytest.mark.parametrize("batch", [True, False])
def test_one_thread_is_bit_reproducible(cluster_corpus, batch):
    kw = dict(dim=10, window=2, epochs=2, min_count=1, sample=1e-2, n_threads=1, seed=11,
              batch=batch)
    a = SGNS(**kw).fit(cluster_corpus)
    b = SGNS(**kw).fit(cluster_corpus)
    c = SGNS(**{**kw, "seed": 12}).fit(cluster_corpus)
    assert np.array_equal(a.vectors_, b.vectors_)
    assert np.array_equal(a.context_vectors_, b.context_vectors_)
    assert not np.array_equal(a.vectors_, c.vectors_)


def test_history_callback_and_loss(cluster_corpus):
    seen = []
    m = SGNS(dim=8, window=2, epochs=3, min_count=1, n_threads=1, compute_loss=True,
             batch=False)
    m.fit(cluster_corpus, callback=seen.append)
    assert [s["epoch"] for s in seen] == [1, 2, 3]
    n_tok = cluster_corpus.encoded().n_tokens
    assert all(s["words"] == n_tok for s in seen)
    assert seen[-1]["lr"] == pytest.approx(1e-4)
    assert seen[0]["loss"] > seen[-1]["loss"] > 0
    assert m.history_ == seen
    assert set(seen[0]) == {"epoch", "words", "seconds", "words_per_sec", "lr", "pairs",
                            "batches", "loss"}
    assert seen[0]["batches"] == 0                # pair by pair


def test_callback_returning_false_stops(cluster_corpus):
    kw = dict(dim=8, window=2, min_count=1, n_threads=1, seed=5)
    seen = []

    def stop_at_2(stats):
        seen.append(stats["epoch"])
        return stats["epoch"] < 2

    m = SGNS(epochs=5, **kw).fit(cluster_corpus, callback=stop_at_2)
    assert seen == [1, 2] and m.epochs_trained_ == 2 and len(m.history_) == 2
    assert np.isfinite(m.vectors_).all() and len(kv(m)) == 20
    assert not hasattr(m, "callback") and not hasattr(m, "_callback")
    m.partial_fit(epochs=1, callback=lambda stats: False)     # usable: training goes on
    assert m.epochs_trained_ == 3
    with pytest.raises(TypeError, match="The 'callback' parameter of SGNS.fit must be a "
                                        "callable or None"):
        SGNS(epochs=1, **kw).fit(cluster_corpus, callback="print")


def test_vectors_kinds_and_partial_fit(cluster_corpus, tmp_path):
    m = SGNS(dim=8, window=2, epochs=1, min_count=1, n_threads=1).fit(cluster_corpus)
    s = kv(m, "word+context").vectors
    np.testing.assert_allclose(s, m.vectors_ + m.context_vectors_)
    np.testing.assert_array_equal(kv(m, "sum").vectors, s)                 # word2vec's names
    np.testing.assert_array_equal(kv(m, "input").vectors, kv(m, "word").vectors)
    assert kv(m, "context").index_to_key == m.context_index_to_key_
    np.testing.assert_array_equal(kv(m).counts, m.counts_)
    snapshot = kv(m)
    before = m.vectors_.copy()
    assert m.partial_fit(epochs=2) is m
    assert m.epochs_trained_ == 3
    assert not np.array_equal(before, m.vectors_)
    np.testing.assert_array_equal(snapshot.vectors, before)      # from_model is a snapshot
    path = tmp_path / "m.npz"
    m.save(path)
    m2 = SGNS.load(path)
    assert np.array_equal(m2.vectors_, m.vectors_)
    assert m2.vocabulary_.index_to_key == m.vocabulary_.index_to_key
    assert m2.epochs_trained_ == 3 and m2.history_ == m.history_
    assert m2.get_params() == m.get_params()
    # continuing a loaded model equals continuing the original (one thread)
    m.partial_fit(epochs=1)
    m2.partial_fit(cluster_corpus, 1)
    assert np.array_equal(m2.vectors_, m.vectors_)
    assert np.array_equal(m2.context_vectors_, m.context_vectors_)
    with pytest.raises(ValueError, match="pass the corpus"):
        SGNS.load(path).partial_fit(epochs=1)
    with pytest.raises(ValueError, match=r"The 'epochs' parameter of SGNS.partial_fit must be an "
                                         r"int in the range \[1, inf\). Got 0 instead."):
        m.partial_fit(epochs=0)


def test_partial_fit_of_unfitted_model_is_fit(cluster_corpus):
    kw = dict(dim=8, window=2, min_count=1, n_threads=1, seed=9)
    a = SGNS(epochs=2, **kw).fit(cluster_corpus)
    b = SGNS(epochs=5, **kw).partial_fit(cluster_corpus, 2)
    assert np.array_equal(a.vectors_, b.vectors_) and b.epochs_trained_ == 2
    with pytest.raises(ValueError, match="not fitted yet: pass the corpus"):
        SGNS().partial_fit()


def test_save_load_errors_and_format_version_1(cluster_corpus, tmp_path):
    import json
    m = SGNS(dim=4, window=2, epochs=1, min_count=1, n_threads=1).fit(cluster_corpus)
    (tmp_path / "text.npz").write_text("words")
    with pytest.raises(VectorsFormatError, match=r"text\.npz: not a SGNS model file of "
                                                 r"ngramvec: not an \.npz archive"):
        SGNS.load(tmp_path / "text.npz")
    m.save(tmp_path / "m.npz")
    with pytest.raises(VectorsFormatError, match="holds a SGNS, not a GloVe"):
        nv.GloVe.load(tmp_path / "m.npz")
    with pytest.raises(NotFittedError):
        SGNS().save(tmp_path / "x.npz")
    # the layout written before ngramvec.base.persist
    v = m.vocabulary_
    meta = {"format": "ngramvec-sgns", "version": 1, "params": m.get_params(),
            "epochs_trained": 1, "history": m.history_, "total_tokens": v.total_tokens,
            "seed_used": 0, "word_total": v.word_total}
    np.savez(tmp_path / "old.npz", syn0=m.vectors_, syn1=m.context_vectors_, counts=v.counts,
             keys=np.frombuffer("\n".join(v.index_to_key).encode(), dtype=np.uint8),
             rng_states=m._rng_states,
             meta=np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8))
    old = SGNS.load(tmp_path / "old.npz")
    assert np.array_equal(old.vectors_, m.vectors_) and old.epochs_trained_ == 1
    old.partial_fit(cluster_corpus, 1)
    m.partial_fit(epochs=1)
    assert np.array_equal(old.vectors_, m.vectors_)


def test_generator_corpus_is_encoded_once():
    sents = _two_clusters(np.random.default_rng(0), n_sent=50)
    corpus = nv.Corpus(s for s in sents)
    m = SGNS(dim=4, epochs=3, min_count=1, n_threads=1).fit(corpus)   # 3 epochs, 1 read
    assert m.epochs_trained_ == 3
    with pytest.raises(OneShotIteratorError, match="one-shot iterator"):
        list(corpus)                   # reading the text again is the error


def test_consumed_generator_error_says_what_to_do():
    corpus = nv.Corpus(s for s in ["a b c", "a b d"])
    list(corpus)
    with pytest.raises(OneShotIteratorError, match="pass a list, a file path"):
        SGNS(min_count=1).fit(corpus)


def test_divergence_is_reported(cluster_corpus):
    with pytest.raises(TrainingDivergedError, match="epoch 1"):
        SGNS(dim=8, min_count=1, epochs=2, lr=1e30, n_threads=1).fit(cluster_corpus)


def test_fit_accepts_lists_and_encoded(cluster_corpus):
    enc = cluster_corpus.encoded()
    m = SGNS(dim=4, epochs=1, min_count=1, n_threads=1).fit(enc)
    assert len(m.index_to_key_) == 20
    m = SGNS(dim=4, epochs=1, min_count=1, n_threads=1).fit([["x", "y", "z"]] * 3)
    assert set(kv(m).index_to_key) == {"x", "y", "z"}


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("param, value, msg", [
    ("dim", 0, r"'dim' parameter of SGNS must be an int in the range \[1, inf\)\. Got 0"),
    ("window", 0, r"The 'window' parameter of SGNS must be an int in the range \[1, 10000\]\. "
                  r"Got 0 instead\."),
    ("window", 10001, r"'window' parameter of SGNS must be an int in the range \[1, 10000\]"),
    ("max_size", 0, r"'max_size' parameter of SGNS must be an int in the range \[1, inf\) or "
                    r"None"),
    ("negative", -1, r"'negative' parameter of SGNS must be an int in the range \[0, inf\)"),
    ("sample", -1e-3, r"'sample' parameter of SGNS must be a float in the range \[0, inf\)"),
    ("epochs", 0, r"'epochs' parameter of SGNS must be an int in the range \[1, inf\)"),
    ("lr", 0.0, r"'lr' parameter of SGNS must be a float in the range \(0, inf\)"),
    ("contexts", "sentence", r"'contexts' parameter of SGNS must be 'word' or 'X_Y'"),
])
def test_bad_parameters(cluster_corpus, param, value, msg):
    with pytest.raises(ValueError, match=msg):
        SGNS(**{param: value}).fit(cluster_corpus)


def test_bad_types(cluster_corpus):
    with pytest.raises(TypeError, match="'dim' parameter of SGNS must be an int"):
        SGNS(dim=1.5).fit(cluster_corpus)
    with pytest.raises(TypeError, match="'corpus' parameter of SGNS.fit"):
        SGNS().fit(42)


# ---------------------------------------------------------------- ngram units (ngram2vec)

def _phrase_sentences(rng, n_sent=150):
    """Sentences with frequent phrases ("new york", "ice cream"), common words and rare
    ones (out of vocabulary at min_count=3: gaps inside sentences)."""
    common = ["the", "a", "big", "city", "cold", "likes", "is", "and"]
    phrases = [["new", "york"], ["ice", "cream"], ["new", "car"]]
    out = []
    for s in range(n_sent):
        toks: list[str] = []
        for _ in range(rng.integers(1, 9)):
            r = rng.random()
            if r < 0.3:
                toks += phrases[rng.integers(len(phrases))]
            elif r < 0.35:
                toks.append(f"rare{rng.integers(100000)}")
            else:
                toks.append(common[rng.integers(len(common))])
        out.append(" ".join(toks))
    return out


@pytest.fixture(scope="module")
def phrase_data():
    sents = _phrase_sentences(np.random.default_rng(5))
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=3, ngram_orders=(1, 2))
    return sents, corpus, vocab


@pytest.mark.parametrize("contexts,orders", [("uni_bi", ((1,), (1, 2))),
                                             ("bi_bi", ((1, 2), (1, 2))),
                                             ("bi_uni", ((1, 2), (1,)))])
@pytest.mark.parametrize("window", [1, 2, 4])
def test_ngram_pairs_are_ngram2vecs(phrase_data, contexts, orders, window):
    sents, corpus, vocab = phrase_data
    # the case covers gaps (out-of-vocabulary words inside sentences) and short sentences
    assert any(t not in vocab for s_ in sents for t in s_.split())
    assert any(len(s_.split()) == 1 for s_ in sents)
    m = SGNS(dim=4, window=window, epochs=2, min_count=3, sample=0, dynamic_window=False,
             contexts=contexts, gaps="keep", n_threads=2).fit(corpus, vocab=vocab)
    enc = corpus.encoded()
    ref = count_ngram_pairs([list(enc.sentence(s)) for s in range(enc.n_sentences)],
                            enc.lexicon_keys, m.input_vocabulary_.key_to_index,
                            m.context_vocabulary_.key_to_index, *orders, window)
    n_ref = int(sum(ref.values()))
    counted = nv.count_cooccurrences(corpus, vocab, window=window, contexts=contexts,
                                     dynamic_window=False, sample=None).stats["pairs"]
    assert n_ref == counted
    assert [h["pairs"] for h in m.history_] == [n_ref] * 2
    # overlap=True: the same pairs as counting with overlap=True (more than without)
    m = SGNS(dim=4, window=window, epochs=1, min_count=3, sample=0, dynamic_window=False,
             contexts=contexts, overlap=True, gaps="keep", n_threads=2).fit(corpus, vocab=vocab)
    counted_overlap = nv.count_cooccurrences(corpus, vocab, window=window, contexts=contexts,
                                             dynamic_window=False, sample=None,
                                             overlap=True).stats["pairs"]
    assert m.history_[0]["pairs"] == counted_overlap
    assert counted_overlap > counted


def _counting_run(n_input, n_context, ends, window, overlap=False, batch=False):
    """A run whose ``syn1`` counts the pairs trained: syn0 is the identity (dim =
    n_input), syn1 zero, no negatives, a constant lr of 1e-5. A pair (c, o) adds
    g = lr * (1 - sigmoid(f)) = lr / 2 to syn1[o, c] while f stays below the sigmoid
    table's first step (0.012), so ``syn1.T / (lr / 2)`` is the count matrix."""
    syn0 = np.eye(n_input, dtype=np.float32)
    syn1 = np.zeros((n_context, n_input), dtype=np.float32)
    opts = _sgns.SGNSOptions(n_input, window, 0, False, False, 1e-5, 1e-5, int(ends[-1]),
                             overlap, batch)
    shared = _sgns.SGNSShared(syn0, syn1, ends, _chunk_bounds(ends, 7),
                              np.full(n_input, 2**32, dtype=np.uint64),
                              _sgns.sgns_alias_table(np.ones(n_context)),
                              np.arange(1, 5, dtype=np.uint64)[None, :], opts)
    return shared, syn1


def _pair_counts(syn1, pairs):
    counts = np.rint(syn1.T / np.float32(0.5e-5)).astype(np.int64)
    assert counts.sum() == pairs
    return counts


def _dense(ref, shape):
    out = np.zeros(shape, dtype=np.int64)
    for (r, c), w in ref.items():
        out[r, c] = round(w)
    return out


@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("batch", [False, True])
def test_word_pairs_equal_the_reference_pair_by_pair(phrase_data, window, batch):
    """Every (centre, context) pair the word kernel trains in an epoch, with its
    multiplicity, is the slow reference's (out-of-vocabulary tokens dropped first), in
    both update modes."""
    _, corpus, vocab = phrase_data
    words = vocab.subset([1])
    enc = corpus.encoded()
    remap = np.ascontiguousarray(enc.remap(words), dtype=np.int32)
    ends = np.asarray(enc.ends, dtype=np.int64)
    shared, syn1 = _counting_run(len(words), len(words), ends, window, batch=batch)
    _, pairs, _ = _sgns.sgns_train_words(shared, np.asarray(enc.ids, dtype=np.int32), remap,
                                         0, shared.n_chunks)
    got = _pair_counts(syn1, pairs)
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    ref = count_pairs(sents, remap, remap, None, window)
    assert np.array_equal(got, _dense(ref, got.shape))


def _units(enc, vocab, orders):
    """(len(orders), n_tokens): id in ``vocab`` of the ngram of each order at each corpus
    position, -1 when none or crossing the sentence end."""
    keys = enc.lexicon_keys
    out = np.full((len(orders), enc.n_tokens), -1, dtype=np.int32)
    for s in range(enc.n_sentences):
        toks = [keys[i] for i in enc.sentence(s)]
        a = int(enc.ends[s - 1]) if s else 0
        for x, k in enumerate(orders):
            for i in range(len(toks) - k + 1):
                out[x, a + i] = vocab.key_to_index.get(nv.NGRAM_SEP.join(toks[i:i + k]), -1)
    return out


@pytest.mark.parametrize("contexts,orders", [("uni_bi", ((1,), (1, 2))),
                                             ("bi_bi", ((1, 2), (1, 2))),
                                             ("bi_tri", ((1, 2), (1, 2, 3)))])
@pytest.mark.parametrize("window", [1, 3])
@pytest.mark.parametrize("overlap", [False, True])
@pytest.mark.parametrize("batch", [False, True])
def test_ngram_pairs_equal_the_reference_pair_by_pair(phrase_data, contexts, orders, window,
                                                      overlap, batch):
    """The ngram kernel trains, per epoch, exactly the (input unit, context unit) pairs
    of ngram2vec's window rule (``nv_ngram_window.h``), overlap on or off, each as often
    as the slow reference in tests/_reference.py counts it."""
    sents, corpus, _ = phrase_data
    vocab = nv.Vocabulary.build(corpus, min_count=3, ngram_orders=(1, 2, 3))
    ins, ctx = orders
    iv, cv = vocab.subset(ins), vocab.subset(ctx)
    enc = corpus.encoded()
    ends = np.asarray(enc.ends, dtype=np.int64)
    shared, syn1 = _counting_run(len(iv), len(cv), ends, window, overlap, batch)
    _, pairs, _ = _sgns.sgns_train_ngrams(
        shared, _units(enc, iv, ins), _units(enc, cv, ctx), np.array(ins, dtype=np.int32),
        np.array(ctx, dtype=np.int32), np.full(len(cv), 2**32, dtype=np.uint64), 0,
        shared.n_chunks)
    got = _pair_counts(syn1, pairs)
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    ref = count_ngram_pairs(sents, enc.lexicon_keys, iv.key_to_index, cv.key_to_index, ins,
                            ctx, window, overlap=overlap)
    assert np.array_equal(got, _dense(ref, got.shape))
    if overlap:     # units sharing positions are pairs too: more pairs than without
        assert pairs > sum(count_ngram_pairs(sents, enc.lexicon_keys, iv.key_to_index,
                                             cv.key_to_index, ins, ctx, window).values())


def test_ngram_units_vocabularies_and_vectors(phrase_data, tmp_path):
    sents, corpus, vocab = phrase_data
    m = SGNS(dim=6, window=3, epochs=2, min_count=3, n_threads=1, contexts="bi_bi").fit(corpus)
    assert ("new", "york") in kv(m) and "new\u00a0york" in kv(m)
    assert set(m.vocabulary_.ngram_orders) == {1, 2}
    assert m.input_vocabulary_ is m.context_vocabulary_ is m.vocabulary_
    u = SGNS(dim=6, window=3, epochs=1, min_count=3, n_threads=1, contexts="uni_bi")
    u.fit(corpus, vocab=vocab)
    wv, cv = kv(u), kv(u, "context")
    assert u.input_vocabulary_.ngram_orders == (1,) and ("new", "york") not in wv
    assert ("new", "york") in cv and len(cv) == len(vocab) > len(wv)
    s = kv(u, "word+context")
    np.testing.assert_allclose(s["city"], wv["city"] + cv["city"])
    assert np.isfinite(wv.vectors).all() and np.abs(cv.vectors).sum() > 0
    path = tmp_path / "ub.npz"
    u.save(path)
    u2 = SGNS.load(path)
    u.partial_fit(epochs=1)
    u2.partial_fit(corpus, 1)
    assert np.array_equal(u.vectors_, u2.vectors_)
    assert np.array_equal(u.context_vectors_, u2.context_vectors_)


@pytest.mark.parametrize("batch", [True, False])
def test_ngram_units_one_thread_is_bit_reproducible(phrase_data, batch):
    _, corpus, vocab = phrase_data
    kw = dict(dim=8, window=3, epochs=2, min_count=3, sample=1e-2, n_threads=1, seed=4,
              contexts="bi_bi", batch=batch)
    a = SGNS(**kw).fit(corpus, vocab=vocab)
    b = SGNS(**kw).fit(corpus, vocab=vocab)
    c = SGNS(**{**kw, "seed": 5}).fit(corpus, vocab=vocab)
    assert np.array_equal(a.vectors_, b.vectors_)
    assert np.array_equal(a.context_vectors_, b.context_vectors_)
    assert not np.array_equal(a.vectors_, c.vectors_)
    # subsampling and the dynamic window train fewer pairs than the full window
    full = SGNS(**{**kw, "sample": 0, "dynamic_window": False}).fit(corpus, vocab=vocab)
    assert 0 < a.history_[0]["pairs"] < full.history_[0]["pairs"]


def test_uni_bi_learns_clusters(cluster_corpus):
    m = SGNS(dim=16, window=3, epochs=5, min_count=1, sample=0, n_threads=2, seed=3,
             lr=0.05, contexts="uni_bi").fit(cluster_corpus)
    wv = kv(m)
    assert len(wv) == 20
    for w in ("a0", "b2"):
        assert all(k[0] == w[0] for k, _ in wv.most_similar(w, topn=5))


@pytest.mark.parametrize("contexts", ["bi", "uni-bi", "uni_seven", "bigram_bi", ""])
def test_bad_contexts(cluster_corpus, contexts):
    with pytest.raises(ValueError, match="'contexts' parameter of SGNS must be 'word' or 'X_Y'"):
        SGNS(contexts=contexts).fit(cluster_corpus)
    with pytest.raises(TypeError, match="'contexts' parameter of SGNS must be a str"):
        SGNS(contexts=2).fit(cluster_corpus)


def test_ngram_contexts_need_ngram_vocabulary(cluster_corpus):
    words = nv.Vocabulary.build(cluster_corpus, min_count=1)
    with pytest.raises(ValueError, match=r"needs vocabulary entries of order\(s\) \[2\].*"
                                         r"ngram_orders=\(1, 2\)"):
        SGNS(contexts="uni_bi").fit(cluster_corpus, vocab=words)
    # word contexts ignore the ngram entries of a vocabulary
    both = nv.Vocabulary.build(cluster_corpus, min_count=1, ngram_orders=(1, 2))
    m = SGNS(dim=4, epochs=1, n_threads=1).fit(cluster_corpus, vocab=both)
    assert len(kv(m)) == 20


def test_fewer_than_two_words():
    with pytest.raises(ValueError, match="at least two distinct in-vocabulary words"):
        SGNS(min_count=1).fit(nv.Corpus(["same same same", "same"]))


def test_vocab_not_matching_corpus(cluster_corpus):
    vocab = nv.Vocabulary(["zz", "yy"], [3, 2])
    with pytest.raises(ValueError, match="does not match this corpus"):
        SGNS(n_threads=1).fit(cluster_corpus, vocab=vocab)


def test_not_fitted():
    for attr in ("vectors_", "index_to_key_", "counts_", "context_vectors_",
                 "context_index_to_key_", "context_counts_"):
        with pytest.raises(NotFittedError, match="This SGNS instance is not fitted yet"):
            getattr(SGNS(), attr)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        kv(SGNS())
    with pytest.raises(AttributeError):        # NotFittedError is an AttributeError too
        SGNS().vectors_


def test_progress_bar(cluster_corpus, capsys):
    SGNS(dim=4, epochs=1, min_count=1, n_threads=1).fit(cluster_corpus, progress=True)
    assert "SGNS" in capsys.readouterr().err
