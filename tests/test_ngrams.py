"""Tests of ngram vocabularies and ngram co-occurrence counting."""
from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import ngramvec as nv
from ngramvec.data.ngrams import parse_contexts

from _reference import count_ngram_pairs, ngram_window_pairs

S = nv.NGRAM_SEP


def _brute_ngrams(sentences, k):
    return Counter(S.join(s[i:i + k]) for s in sentences for i in range(len(s) - k + 1))


def _sentences(rng, n=300, vocab=12):
    words = [f"w{i}" for i in range(vocab)]
    p = 1.0 / np.arange(1, vocab + 1)
    p /= p.sum()
    return [list(rng.choice(words, size=rng.integers(1, 20), p=p)) for _ in range(n)]


@pytest.mark.parametrize("orders, min_count", [((1, 2), 3), ((1, 2, 3), [2, 3, 2]),
                                               ((2,), 4), ((1, 3), {1: 5, 3: 2}),
                                               ((1, 2, 3, 4), 2)])
def test_ngram_vocab_exact(rng, orders, min_count, tmp_path):
    sents = _sentences(rng)
    corpus = nv.Corpus(sents)
    mins = {k: (min_count if isinstance(min_count, int) else
                (min_count[k] if isinstance(min_count, dict) else min_count[orders.index(k)]))
            for k in orders}
    expect = {}
    for k in orders:
        expect.update({w: c for w, c in _brute_ngrams(sents, k).items() if c >= mins[k]})
    for kw in (dict(n_threads=1), dict(n_threads=2, memory_limit="200KB", tmp_dir=tmp_path)):
        v = nv.Vocabulary.build(corpus, min_count=min_count, ngram_orders=orders, **kw)
        assert dict(zip(v.index_to_key, v.counts.tolist())) == expect
        assert list(v.counts) == sorted(v.counts, reverse=True)
        assert set(v.ngram_orders) <= set(orders)
    assert os.listdir(tmp_path) == []


def test_ngram_lookup_save_load(tmp_path):
    corpus = nv.Corpus(["new york city", "new york", "york city"] * 3)
    v = nv.Vocabulary.build(corpus, min_count=2, ngram_orders=(1, 2))
    assert ("new", "york") in v and v.count(("new", "york")) == 6
    assert v.get_index("new\u00a0york") == v.get_index(("new", "york"))
    v.save(tmp_path / "v.txt")
    w = nv.Vocabulary.load(tmp_path / "v.txt")
    assert w.index_to_key == v.index_to_key and w.ngram_orders == (1, 2)
    assert v.subset([2]).index_to_key == ["new\u00a0york", "york\u00a0city"]


@pytest.mark.parametrize("name, expect", [("uni_uni", ((1,), (1,))), ("uni_bi", ((1,), (1, 2))),
                                          ("bi_bi", ((1, 2), (1, 2))),
                                          ("bi_tri", ((1, 2), (1, 2, 3))),
                                          ("uni_six", ((1,), (1, 2, 3, 4, 5, 6)))])
def test_parse_contexts(name, expect):
    assert parse_contexts(name) == expect


def test_one_max_order():
    from ngramvec.data import _ngrams, ngrams
    # one definition (base.keys), compiled into the kernels by setup.py as NV_MAX_ORDER
    assert ngrams.MAX_ORDER is nv.base.keys.MAX_ORDER
    assert _ngrams.MAX_ORDER == nv.base.keys.MAX_ORDER == 6
    index = _ngrams.NgramIndex()
    with pytest.raises(ValueError, match="prefix and last ids must be non-negative"):
        index.add_order(np.array([-1], np.int32), np.array([0], np.int32))
    for _ in range(2, ngrams.MAX_ORDER + 1):
        index.add_order(np.array([0], np.int32), np.array([0], np.int32))
    assert index.max_order == ngrams.MAX_ORDER
    assert index.lookup(np.zeros(7, np.int32), 6).tolist() == [0, 0, -1, -1, -1, -1, -1]
    with pytest.raises(ValueError, match="ngram orders go up to 6"):
        index.add_order(np.array([0], np.int32), np.array([0], np.int32))


def test_window_rule_reference_by_hand():
    # four words (ids 20 + p as contexts), three bigrams (30 + p inputs, 40 + p contexts)
    units = {1: [(10 + p, 20 + p) for p in range(4)], 2: [(30 + p, 40 + p) for p in range(3)]}
    # a bigram centre [i, i+1) reaches a word j when both its tokens are within the window
    assert list(ngram_window_pairs(units, (2,), (1,), 1)) == []
    assert list(ngram_window_pairs(units, (2,), (1,), 2)) == [
        (30, 22, 2), (31, 20, 2), (31, 23, 2), (32, 21, 2)]
    assert list(ngram_window_pairs(units, (2,), (1,), 2, overlap=True)) == [
        (30, 20, 1), (30, 21, 1), (30, 22, 2), (31, 20, 2), (31, 21, 1), (31, 22, 1),
        (31, 23, 2), (32, 21, 2), (32, 22, 1), (32, 23, 1)]
    assert list(ngram_window_pairs(units, (2,), (1,), 2, overlap=True, direction="left")) == [
        (31, 20, 2), (32, 21, 2)]
    assert list(ngram_window_pairs(units, (2,), (1,), 2, direction="right")) == [
        (30, 22, 2), (31, 23, 2)]
    # a unit is never its own context, even with overlap
    assert list(ngram_window_pairs(units, (2,), (2,), 2, overlap=True)) == [
        (30, 41, 2), (31, 40, 2), (31, 42, 2), (32, 41, 2)]
    # words: the usual window; gaps (-1 / None) pair with nothing
    words = {1: [(0, 0), (None, -1), (2, 2)]}
    assert list(ngram_window_pairs(words, (1,), (1,), 2)) == [(0, 2, 2), (2, 0, 2)]
    assert list(ngram_window_pairs(words, (1,), (1,), lambda i: 1)) == []


sent_st = st.lists(st.lists(st.sampled_from("abcde"), min_size=0, max_size=12), min_size=1,
                   max_size=8).filter(lambda s: any(s))


@pytest.mark.filterwarnings("ignore:.*no pair was counted")
@settings(max_examples=50, deadline=None)
@given(sentences=sent_st, window=st.integers(1, 4),
       contexts=st.sampled_from(["uni_bi", "bi_bi", "uni_tri", "bi_tri", "bi_uni"]),
       weighting=st.sampled_from(["uniform", "harmonic"]), dynamic=st.booleans(),
       direction=st.sampled_from(["both", "left", "right"]), overlap=st.booleans(),
       sample=st.sampled_from([None, 0.05]), min_count=st.integers(1, 2),
       n_threads=st.integers(1, 3), seed=st.integers(0, 2**40))
def test_ngram_kernel_matches_reference(sentences, window, contexts, weighting, dynamic,
                                        direction, overlap, sample, min_count, n_threads, seed):
    corpus = nv.Corpus([" ".join(s) for s in sentences])
    ins, ctx = parse_contexts(contexts)
    orders = tuple(sorted(set(ins) | set(ctx)))
    try:
        vocab = nv.Vocabulary.build(corpus, min_count=min_count, ngram_orders=orders)
    except nv.CorpusError:
        return
    if not set(ins) <= set(vocab.ngram_orders) or not set(ctx) <= set(vocab.ngram_orders):
        with pytest.raises(ValueError, match="the vocabulary has no entries of order"):
            nv.count_cooccurrences(corpus, vocab, window=window, contexts=contexts)
        return
    got = nv.count_cooccurrences(corpus, vocab, window=window, contexts=contexts,
                                 weighting=weighting, dynamic_window=dynamic,
                                 direction=direction, overlap=overlap, sample=sample,
                                 n_threads=n_threads, seed=seed, dtype=np.float64)
    enc = corpus.encoded()
    sents = [list(enc.sentence(s)) for s in range(enc.n_sentences)]
    rows, cols = got.row_vocab.key_to_index, got.col_vocab.key_to_index
    keep = None
    if sample:
        kp = vocab.keep_probs(sample)
        keep = dict(zip(vocab.index_to_key, kp))
    ref = count_ngram_pairs(sents, enc.lexicon_keys, rows, cols, ins, ctx, window, weighting,
                            dynamic, direction, keep, overlap, seed)
    dense = np.zeros(got.shape)
    for (r, c), val in ref.items():
        dense[r, c] = val
    np.testing.assert_allclose(got.matrix.toarray(), dense, rtol=1e-12)
    assert [k.count(S) + 1 for k in got.row_vocab.index_to_key] == \
        [k for k in got.row_vocab.orders]
    assert set(got.row_vocab.ngram_orders) <= set(ins)


def test_ngram_counts_spill_identical(rng, tmp_path):
    sents = [" ".join(s) for s in _sentences(rng, 500, 30)]
    corpus = nv.Corpus(sents)
    vocab = nv.Vocabulary.build(corpus, min_count=2, ngram_orders=(1, 2))
    a = nv.count_cooccurrences(corpus, vocab, window=3, contexts="bi_bi", n_threads=1)
    b = nv.count_cooccurrences(corpus, vocab, window=3, contexts="bi_bi", n_threads=2,
                               memory_limit="400KB", tmp_dir=tmp_path)
    assert b.stats["spills"] > 0
    assert (a.matrix != b.matrix).nnz == 0
    assert os.listdir(tmp_path) == []


def test_ngram_vectors_and_rectangular_svd():
    text = ["i flew to new york city in may", "new york is a big city",
            "she left new york for boston", "boston and new york are cities"] * 20
    corpus = nv.Corpus(text)
    vocab = nv.Vocabulary.build(corpus, min_count=2, ngram_orders=(1, 2))
    counts = nv.count_cooccurrences(corpus, vocab, window=2, contexts="bi_bi")
    wv = nv.KeyedVectors.from_model(nv.SVD(dim=5).fit(nv.PPMI().fit_transform(counts)))
    assert ("new", "york") in wv and wv[("new", "york")].shape == (5,)
    uni_bi = nv.count_cooccurrences(corpus, vocab, window=2, contexts="uni_bi")
    assert uni_bi.shape[0] < uni_bi.shape[1]           # words x (words + bigrams)
    both = nv.SVD(dim=5, add_context=True).fit(nv.PPMI().fit_transform(uni_bi))
    assert both.vectors_.shape == (uni_bi.shape[0], 5)


def test_ngram_validation():
    corpus = nv.Corpus(["a b c d"])
    words = nv.Vocabulary.build(corpus, min_count=1)
    with pytest.raises(ValueError, match=r"no entries of order\(s\) \[2\]; build it with "
                                         r"Vocabulary.build\(..., ngram_orders=\(1, 2\)\)"):
        nv.count_cooccurrences(corpus, words, contexts="uni_bi")
    for bad in ("uni-bi", "uni_seven", "bi", "x_y"):
        with pytest.raises(ValueError, match=r"The 'contexts' parameter of count_cooccurrences "
                                             r"must be 'X_Y'"):
            nv.count_cooccurrences(corpus, words, contexts=bad)
    with pytest.raises(TypeError, match="'contexts' parameter"):
        nv.count_cooccurrences(corpus, words, contexts=2)
    for bad in ((0,), (-1, 2), (7,), (), (1, 2.5)):
        with pytest.raises(ValueError, match=r"'ngram_orders' parameter of Vocabulary.build "
                                             r"must be a non-empty sequence of ints in the "
                                             r"range \[1, 6\]"):
            nv.Vocabulary.build(corpus, ngram_orders=bad)
        with pytest.raises(ValueError, match="'input_orders' parameter of count_cooccurrences"):
            nv.count_cooccurrences(corpus, words, input_orders=bad, context_orders=(1,))
    with pytest.raises(ValueError, match="give either 'contexts' or"):
        nv.count_cooccurrences(corpus, words, contexts="uni_uni", input_orders=(1,))
    bi = nv.Vocabulary.build(corpus, min_count=1, ngram_orders=(1, 2))
    # oov='drop' is defined for ngram units now (tests/test_gaps.py); gaps must agree
    with pytest.raises(ValueError, match="oov='drop' contradicts gaps='keep'"):
        nv.count_cooccurrences(corpus, bi, contexts="uni_bi", oov="drop", gaps="keep")
    with pytest.raises(ValueError, match="one count per order"):
        nv.Vocabulary.build(corpus, min_count=[1, 2, 3], ngram_orders=(1, 2))
    with pytest.raises(ValueError, match="gives no count for order 2"):
        nv.Vocabulary.build(corpus, min_count={1: 1}, ngram_orders=(1, 2))
    with pytest.raises(MemoryError, match="too small to hold even one buffer"):
        nv.Vocabulary.build(corpus, min_count=1, ngram_orders=(1, 2), memory_limit=64)


class _Lexicon:
    """What build_index reads of an encoded corpus."""

    def __init__(self, tokens):
        self.lexicon_keys = list(tokens)


def _index_reference(lexicon, keys):
    """Internal ids by dicts: order-k ids in order of first occurrence among the keys of
    order k, then the k-prefixes of longer keys; the id of a key from its tokens."""
    from ngramvec.base.keys import NGRAM_SEP
    lex = {t: i for i, t in enumerate(lexicon)}
    toks = [k.split(NGRAM_SEP) for k in keys]
    top = max(len(t) for t in toks)
    tables = {}
    for k in range(2, top + 1):
        table = tables.setdefault(k, {})
        for t in [t for t in toks if len(t) == k] + [t[:k] for t in toks if len(t) > k]:
            if all(x in lex for x in t) and tuple(t) not in table:
                table[tuple(t)] = len(table)
    ids = []
    for t in toks:
        if len(t) == 1:
            ids.append(lex.get(t[0], -1))
        else:
            ids.append(tables[len(t)].get(tuple(t), -1))
    return ids, {k: len(v) for k, v in tables.items()}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.sampled_from(["a", "b", "c", "dé", "zz", "e\u00e9"]), min_size=1,
                         max_size=4), min_size=1, max_size=40))
def test_build_index_equals_dict_reference(token_lists):
    """Ids of every key and the number of internal ids per order equal a dict
    re-enactment: missing prefixes indexed, repeated keys one id, a token outside the
    lexicon (``zz``) makes a key impossible (-1)."""
    from ngramvec.base.keys import NGRAM_SEP
    from ngramvec.data.ngrams import build_index
    lexicon = ["a", "b", "c", "dé", "e\u00e9"]
    keys = [NGRAM_SEP.join(t) for t in token_lists]
    kix = build_index(_Lexicon(lexicon), keys)
    ids, sizes = _index_reference(lexicon, keys)
    assert kix.ids.tolist() == ids
    assert kix.orders.tolist() == [len(t) for t in token_lists]
    for k, n in sizes.items():
        assert kix.sizes[k] == n
    # the tables find what they hold: an order-2 key's id from its tokens' ids
    for key, i in zip(keys, ids):
        t = key.split(NGRAM_SEP)
        if len(t) == 2 and i >= 0:
            got = kix.index.find(2, np.array([lexicon.index(t[0])], np.int32),
                                 np.array([lexicon.index(t[1])], np.int32))
            assert got.tolist() == [i]


def test_key_token_ids_rejects_bad_blobs():
    from ngramvec.data._ngrams import key_token_ids
    ok = b"a\nb\n"
    assert [x.tolist() for x in key_token_ids(ok, 2, b"a\xc2\xa0b\nq\n", 2)] == \
        [[0, 1, -1], [2, 1]]
    with pytest.raises(ValueError, match="end with a newline"):
        key_token_ids(b"a\nb", 2, b"a\n", 1)
    with pytest.raises(ValueError, match="distinct tokens"):
        key_token_ids(b"a\na\n", 2, b"a\n", 1)
    with pytest.raises(ValueError, match="distinct tokens"):
        key_token_ids(ok, 3, b"a\n", 1)
    with pytest.raises(ValueError, match="keys"):
        key_token_ids(ok, 2, b"a\nb\n", 1)
    with pytest.raises(ValueError, match="keys"):
        key_token_ids(ok, 2, b"a\n", 2)
