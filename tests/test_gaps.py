"""Windows over surviving tokens for ngram units (``gaps="drop"``), in counting and SGNS,
against the slow references of tests/_reference.py."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ngramvec as nv
from ngramvec.data.ngrams import parse_contexts
from ngramvec.models import _sgns
from ngramvec.models.sgns import SGNS, _chunk_bounds

from _reference import Xoshiro, count_ngram_pairs, sgns_ngram_pairs_dropped

sent_st = st.lists(st.lists(st.sampled_from("abcdefg"), min_size=0, max_size=12), min_size=1,
                   max_size=8).filter(lambda s: any(s))


def _dense(ref, shape):
    out = np.zeros(shape)
    for (r, c), w in ref.items():
        out[r, c] = w
    return out


def _words(vocab, sample):
    """Words of the vocabulary -> keep probability (1 without subsampling)."""
    kp = vocab.keep_probs(sample) if sample else np.ones(len(vocab))
    return {k: float(p) for k, p, o in zip(vocab.index_to_key, kp, vocab.orders) if o == 1}


@pytest.mark.filterwarnings("ignore:.*no pair was counted")
@settings(max_examples=60, deadline=None)
@given(sentences=sent_st, window=st.integers(1, 4),
       contexts=st.sampled_from(["uni_bi", "bi_bi", "uni_tri", "bi_uni"]),
       dynamic=st.booleans(), overlap=st.booleans(),
       direction=st.sampled_from(["both", "left", "right"]),
       sample=st.sampled_from([None, 0.05]), min_count=st.integers(1, 3),
       removal=st.sampled_from([("drop", None, None), (None, "drop", "clean"),
                                (None, "keep", "dirty")]),
       n_threads=st.integers(1, 3), seed=st.integers(0, 2**40))
def test_counting_over_surviving_tokens_matches_reference(sentences, window, contexts, dynamic,
                                                          overlap, direction, sample,
                                                          min_count, removal, n_threads, seed):
    """gaps="drop" (and oov / subsampling separately): the counts are the slow
    reference's, where out-of-vocabulary words and words subsampled with their own
    frequency are taken out before the ngrams and windows are formed."""
    gaps, oov, subsampling = removal
    corpus = nv.Corpus([" ".join(s) for s in sentences])
    ins, ctx = parse_contexts(contexts)
    orders = tuple(sorted(set(ins) | set(ctx)))
    try:
        vocab = nv.Vocabulary.build(corpus, min_count=min_count, ngram_orders=orders)
    except nv.CorpusError:
        return
    if not set(orders) <= set(vocab.ngram_orders):
        return
    got = nv.count_cooccurrences(corpus, vocab, window=window, contexts=contexts,
                                 dynamic_window=dynamic, direction=direction, overlap=overlap,
                                 sample=sample, gaps=gaps, oov=oov, subsampling=subsampling,
                                 weighting="harmonic", n_threads=n_threads, seed=seed,
                                 dtype=np.float64)
    drop_oov = gaps == "drop" or oov == "drop"
    dirty = gaps == "drop" or subsampling == "dirty"
    assert got.params["oov"] == ("drop" if drop_oov else "keep")
    assert got.params["subsampling"] == ("dirty" if dirty else "clean")
    enc = corpus.encoded()
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    keep = None
    if sample and not dirty:
        keep = dict(zip(vocab.index_to_key, vocab.keep_probs(sample)))
    ref = count_ngram_pairs(sents, enc.lexicon_keys, got.row_vocab.key_to_index,
                            got.col_vocab.key_to_index, ins, ctx, window, "harmonic", dynamic,
                            direction, keep, overlap, seed, words=_words(vocab, sample),
                            drop_oov=drop_oov, dirty=dirty and bool(sample))
    np.testing.assert_allclose(got.matrix.toarray(), _dense(ref, got.shape), rtol=1e-12)


def _phrase_corpus(seed=5, n=300):
    rng = np.random.default_rng(seed)
    common = ["the", "a", "big", "city", "cold", "likes", "is", "and"]
    phrases = [["new", "york"], ["ice", "cream"], ["new", "car"]]
    out = []
    for _ in range(n):
        toks: list[str] = []
        for _ in range(rng.integers(1, 9)):
            r = rng.random()
            if r < 0.3:
                toks += phrases[rng.integers(len(phrases))]
            elif r < 0.4:
                toks.append(f"rare{rng.integers(100000)}")
            else:
                toks.append(common[rng.integers(len(common))])
        out.append(" ".join(toks))
    return nv.Corpus(out)


@pytest.fixture(scope="module")
def phrases():
    corpus = _phrase_corpus()
    return corpus, nv.Vocabulary.build(corpus, min_count=3, ngram_orders=(1, 2, 3))


def test_drop_differs_from_keep_and_equals_it_without_removals(phrases):
    corpus, vocab = phrases
    kw = dict(window=2, contexts="uni_bi", dtype=np.float64)
    keep = nv.count_cooccurrences(corpus, vocab, gaps="keep", **kw)
    drop = nv.count_cooccurrences(corpus, vocab, gaps="drop", **kw)
    assert keep.params["oov"] == "keep" and drop.params["oov"] == "drop"
    # out-of-vocabulary words inside sentences: windows reach past them, ngrams form
    # across them ("new rare york" gives "new york")
    assert drop.stats["pairs"] > keep.stats["pairs"]
    ny = drop.col_vocab.key_to_index["new\u00a0york"]
    assert drop.matrix[:, ny].sum() >= keep.matrix[:, ny].sum()
    # no out-of-vocabulary token and no subsampling: the same counts
    words = nv.Vocabulary.build(corpus, min_count=1, ngram_orders=(1, 2))
    a = nv.count_cooccurrences(corpus, words, gaps="keep", **kw)
    b = nv.count_cooccurrences(corpus, words, gaps="drop", **kw)
    assert (a.matrix != b.matrix).nnz == 0


def test_drop_counts_of_shards_sum_to_the_whole(phrases):
    """Random decisions hash global positions: shards counted apart and merged equal the
    whole count (what the distributed backend relies on)."""
    corpus, vocab = phrases
    kw = dict(window=3, contexts="bi_bi", gaps="drop", sample=0.05, dynamic_window=True,
              seed=9, dtype=np.float64)
    whole = nv.count_cooccurrences(corpus, vocab, **kw)
    n = corpus.encoded().n_sentences
    parts = [nv.count_cooccurrences(corpus, vocab, shard=(a, b), **kw)
             for a, b in ((0, 70), (70, 71), (71, n))]
    merged = nv.Cooccurrence.merge(parts)
    np.testing.assert_allclose(merged.matrix.toarray(), whole.matrix.toarray(), rtol=1e-12)
    one = nv.count_cooccurrences(corpus, vocab, n_threads=1, memory_limit="300KB", **kw)
    assert (one.matrix != whole.matrix).nnz == 0


def test_gaps_parameter_is_checked(phrases):
    corpus, vocab = phrases
    with pytest.raises(ValueError, match="The 'gaps' parameter of count_cooccurrences must be"):
        nv.count_cooccurrences(corpus, vocab, contexts="uni_bi", gaps="squeeze")
    with pytest.raises(ValueError, match=r"oov='keep' contradicts gaps='drop'"):
        nv.count_cooccurrences(corpus, vocab, contexts="uni_bi", gaps="drop", oov="keep")
    with pytest.raises(ValueError, match=r"subsampling='dirty' contradicts gaps='keep'"):
        nv.count_cooccurrences(corpus, vocab, contexts="uni_bi", gaps="keep",
                               subsampling="dirty", sample=1e-3)
    with pytest.raises(ValueError, match="The 'gaps' parameter of SGNS must be"):
        SGNS(contexts="uni_bi", gaps="holes").fit(corpus, vocab=vocab)
    with pytest.raises(TypeError, match="The 'gaps' parameter of SGNS must be a str"):
        SGNS(contexts="uni_bi", gaps=None).fit(corpus, vocab=vocab)
    bigrams = vocab.subset([2])
    with pytest.raises(ValueError, match="the vocabulary has no words"):
        nv.count_cooccurrences(corpus, bigrams, input_orders=(2,), context_orders=(2,),
                               gaps="drop")


def _maps(enc, vocab, kix, keys, orders, top):
    """Internal id -> id in ``vocab``, order by order, from the index of ``keys``."""
    out = []
    for k in range(1, top + 1):
        if k == 1:
            m = np.asarray(enc.remap(vocab), dtype=np.int32) if 1 in orders else \
                np.full(len(enc.lexicon_keys), -1, dtype=np.int32)
        else:
            m = np.full(max(kix.sizes.get(k, 0), 1), -1, dtype=np.int32)
            if k in orders:
                for key, i, o in zip(keys, kix.ids.tolist(), kix.orders.tolist()):
                    if o == k and i >= 0:
                        m[i] = vocab.key_to_index.get(key, -1)
        out.append(m)
    return out


@pytest.mark.parametrize("contexts", ["uni_bi", "bi_bi", "bi_tri"])
@pytest.mark.parametrize("dynamic", [False, True])
@pytest.mark.parametrize("batch", [False, True])
def test_sgns_pairs_over_surviving_tokens_equal_the_reference(phrases, contexts, dynamic,
                                                              batch):
    """One epoch of the gaps="drop" kernel, one thread, negative=0: every (input,
    context) pair it trains, with its multiplicity, and the generator's final state are
    those of the reference re-enactment (subsampling draws per token, window draws per
    position, ngrams over the tokens left), pair by pair and batched."""
    from ngramvec.data.ngrams import build_index
    corpus, vocab = phrases
    ins, ctx = parse_contexts(contexts)
    top = max(ins + ctx)
    iv, cv = vocab.subset(ins), vocab.subset(ctx)
    enc = corpus.encoded()
    ends = np.asarray(enc.ends, dtype=np.int64)
    keys = [k for k, o in zip(vocab.index_to_key, vocab.orders) if o >= 2]
    kix = build_index(enc, keys)
    window = 3
    # word thresholds: a few words subsampled (keep 1/2, 1/4), the others always kept
    thr = {k: 2**32 for k, o in zip(vocab.index_to_key, vocab.orders) if o == 1}
    thr["the"], thr["new"], thr["cold"] = 2**31, 2**30, 3 * 2**30
    word_keep = np.array([thr.get(k, 0) for k in enc.lexicon_keys], dtype=np.uint64)
    syn0 = np.eye(len(iv), dtype=np.float32)
    syn1 = np.zeros((len(cv), len(iv)), dtype=np.float32)
    opts = _sgns.SGNSOptions(len(iv), window, 0, dynamic, False, 1e-5, 1e-5, int(ends[-1]),
                             False, batch)
    state = np.array([[3, 5, 7, 11]], dtype=np.uint64)
    shared = _sgns.SGNSShared(syn0, syn1, ends, _chunk_bounds(ends, 10**9),
                              np.full(len(iv), 2**32, dtype=np.uint64),
                              _sgns.sgns_alias_table(np.ones(len(cv))), state, opts)
    _, pairs, _ = _sgns.sgns_train_ngrams_dropped(
        shared, np.asarray(enc.ids, dtype=np.int32), word_keep, kix.index,
        _maps(enc, iv, kix, keys, ins, top), _maps(enc, cv, kix, keys, ctx, top),
        np.array(ins, dtype=np.int32), np.array(ctx, dtype=np.int32), 0, shared.n_chunks)
    got = np.rint(syn1.T / np.float32(0.5e-5)).astype(np.int64)
    assert got.sum() == pairs > 0
    rng = Xoshiro([3, 5, 7, 11])
    ref = sgns_ngram_pairs_dropped([list(enc.sentence(s)) for s in range(enc.n_sentences)],
                                   enc.lexicon_keys, iv.key_to_index, cv.key_to_index, ins,
                                   ctx, window, thr, rng, dynamic, batch)
    assert np.array_equal(got, _dense(ref, got.shape).astype(np.int64))
    assert [int(v) for v in state[0]] == rng.s


@pytest.mark.parametrize("contexts", ["uni_bi", "bi_bi"])
def test_sgns_trains_counting_pairs_with_either_gaps(phrases, contexts):
    """Full window, no subsampling: SGNS trains per epoch exactly the pairs that
    count_cooccurrences counts with the same gaps, and the two settings differ (the
    corpus has out-of-vocabulary words inside sentences)."""
    corpus, vocab = phrases
    vocab = vocab.subset([1, 2])
    n = {}
    for gaps in ("keep", "drop"):
        for batch in (False, True):
            m = SGNS(dim=4, window=2, epochs=1, sample=0, dynamic_window=False, gaps=gaps,
                     contexts=contexts, batch=batch, n_threads=2).fit(corpus, vocab=vocab)
            counted = nv.count_cooccurrences(corpus, vocab, window=2, contexts=contexts,
                                             gaps=gaps).stats["pairs"]
            assert m.history_[0]["pairs"] == counted
        n[gaps] = counted
    assert n["drop"] > n["keep"]


def test_sgns_drop_is_bit_reproducible_and_learns(phrases, tmp_path):
    corpus, vocab = phrases
    kw = dict(dim=8, window=3, epochs=2, sample=1e-2, n_threads=1, seed=4, contexts="bi_bi")
    assert SGNS().gaps == "keep"
    kw["gaps"] = "drop"
    a = SGNS(**kw).fit(corpus, vocab=vocab)
    b = SGNS(**kw).fit(corpus, vocab=vocab)
    assert np.array_equal(a.vectors_, b.vectors_)
    assert np.array_equal(a.context_vectors_, b.context_vectors_)
    k = SGNS(**{**kw, "gaps": "keep"}).fit(corpus, vocab=vocab)
    assert not np.array_equal(a.vectors_, k.vectors_)
    assert np.isfinite(a.vectors_).all()
    # save / load keeps the setting and continues identically
    a.save(tmp_path / "m.npz")
    c = SGNS.load(tmp_path / "m.npz")
    assert c.gaps == "drop"
    a.partial_fit(epochs=1)
    c.partial_fit(corpus, 1)
    assert np.array_equal(a.vectors_, c.vectors_)


# ---------------------------------------------------------------- shared negatives across orders

def _ref_masked(syn0, syn1, inputs, targets, mask, lr, table):
    """The batched step with P positives: G[b, t] is word2vec's coefficient with label 1
    for a positive input b pairs with (mask[t, b]), 0 for one it does not pair with,
    label 0 for the negatives t >= P; dX = G Y, dY = G^T X from the rows as they were."""
    from test_sgns_batch import _coef
    P = mask.shape[0]
    x = syn0[inputs].astype(np.float64)
    y = syn1[targets].astype(np.float64)
    m = (x @ y.T).astype(np.float32)
    g = np.zeros_like(m)
    for b in range(m.shape[0]):
        for t in range(m.shape[1]):
            if t < P and not mask[t, b]:
                continue
            g[b, t] = _coef(m[b, t], 1.0 if t < P else 0.0, np.float32(lr), table)
    g = g.astype(np.float64)
    np.add.at(syn0, inputs, (g @ y).astype(np.float32))
    np.add.at(syn1, targets, (g.T @ x).astype(np.float32))


@pytest.mark.parametrize("isa", ["generic"] + (["avx2"] if _sgns.sgns_isa() == "avx2" else []))
@pytest.mark.parametrize("nb,P,k", [(1, 2, 5), (7, 2, 5), (12, 3, 5), (32, 2, 4), (5, 6, 5)])
def test_masked_batch_matches_numpy(isa, nb, P, k):
    rng = np.random.default_rng(nb * 10 + P + k)
    table = _sgns.sgns_exp_table()
    dim = 100
    syn0 = rng.normal(0, 0.5, (50, dim)).astype(np.float32)
    syn1 = rng.normal(0, 0.5, (30, dim)).astype(np.float32)
    inputs = rng.choice(50, nb, replace=False).astype(np.int32)
    targets = rng.choice(30, P + k, replace=False).astype(np.int32)
    mask = rng.random((P, nb)) < 0.6
    mask[:, 0] = True
    r0, r1 = syn0.copy(), syn1.copy()
    _ref_masked(r0, r1, inputs, targets, mask, 0.05, table)
    _sgns.sgns_update_batch(syn0, syn1, inputs, targets, 0.05, table, isa, mask=mask)
    np.testing.assert_allclose(syn0, r0, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(syn1, r1, rtol=1e-5, atol=1e-6)
    # all ones: the plain batch of each positive's pairs, with the negatives shared
    ones = np.ones((1, nb), dtype=bool)
    a0, a1, b0, b1 = syn0.copy(), syn1.copy(), syn0.copy(), syn1.copy()
    _sgns.sgns_update_batch(a0, a1, inputs, targets[:k + 1], 0.05, table, isa, mask=ones)
    _sgns.sgns_update_batch(b0, b1, inputs, targets[:k + 1], 0.05, table, isa)
    assert np.array_equal(a0, b0) and np.array_equal(a1, b1)
