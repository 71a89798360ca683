"""Tests of ngramvec.vocab."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

import ngramvec as nv
from ngramvec.base.exceptions import CorpusError, OutOfVocabularyError, VectorsFormatError


def _random_corpus(rng, n_sent=200, n_words=50):
    words = [f"w{i}" for i in range(n_words)]
    p = 1.0 / np.arange(1, n_words + 1)
    p /= p.sum()
    return [list(rng.choice(words, size=rng.integers(1, 15), p=p)) for _ in range(n_sent)]


def test_exact_counts_sorted_ids(rng):
    sents = _random_corpus(rng)
    truth = Counter(w for s in sents for w in s)
    v = nv.Vocabulary.build(nv.Corpus(sents), min_count=3)
    expect = sorted(((w, c) for w, c in truth.items() if c >= 3), key=lambda x: (-x[1], x[0]))
    assert list(zip(v.index_to_key, v.counts.tolist())) == expect
    assert v.total_tokens == sum(truth.values())
    assert v.key_to_index[v.index_to_key[5]] == 5
    v2 = nv.Vocabulary.build(nv.Corpus(sents), min_count=1, max_size=7)
    assert len(v2) == 7 and v2.index_to_key == [w for w, _ in sorted(
        truth.items(), key=lambda x: (-x[1], x[0]))][:7]


def test_ties_broken_by_key():
    v = nv.Vocabulary.build(nv.Corpus([["b", "a", "c", "a", "b", "c"]]), min_count=1)
    assert v.index_to_key == ["a", "b", "c"]


def test_lookup_and_oov():
    v = nv.Vocabulary.build(nv.Corpus(["a a b"]), min_count=1)
    assert "a" in v and "z" not in v and v.count("a") == 2
    with pytest.raises(OutOfVocabularyError, match=r"'zebra' is not in the vocabulary \(2 entries\)"):
        v.get_index("zebra")
    with pytest.raises(KeyError):  # a KeyError subclass
        v.get_index("zebra")


def test_no_word_above_min_count():
    with pytest.raises(CorpusError, match=r"no token occurs at least min_count=10 times \(the most "
                                          r"frequent occurs 2 times\)"):
        nv.Vocabulary.build(nv.Corpus(["a a b"]), min_count=10)


def test_validation():
    c = nv.Corpus(["a"])
    with pytest.raises(ValueError, match=r"The 'min_count' parameter of Vocabulary.build must be "
                                         r"an int in the range \[1, inf\). Got 0 instead."):
        nv.Vocabulary.build(c, min_count=0)
    with pytest.raises(TypeError, match="'max_size' parameter"):
        nv.Vocabulary.build(c, max_size=2.5)
    with pytest.raises(TypeError, match="expected a Corpus or an EncodedCorpus"):
        nv.Vocabulary.build(["a", "b"])


def test_keep_probs_word2vec_formula():
    v = nv.Vocabulary(["a", "b", "c"], [1000, 10, 1])
    p = v.keep_probs(1e-2)
    f = np.array([1000, 10, 1]) / 1011
    expect = np.minimum((np.sqrt(f / 1e-2) + 1) * 1e-2 / f, 1)
    np.testing.assert_allclose(p, expect)
    assert p[2] == 1.0 and 0 < p[0] < 1
    assert (v.keep_probs(None) == 1).all()


def test_save_load_roundtrip(tmp_path):
    v = nv.Vocabulary.build(nv.Corpus(["b a a ä", "new york"]), min_count=1)
    v.save(tmp_path / "v.txt")
    w = nv.Vocabulary.load(tmp_path / "v.txt")
    assert w.index_to_key == v.index_to_key and (w.counts == v.counts).all()
    (tmp_path / "bad.txt").write_text("a 3\nb x\n", encoding="utf-8")
    with pytest.raises(VectorsFormatError, match=r"bad.txt, record 2: expected 'token count'"):
        nv.Vocabulary.load(tmp_path / "bad.txt")
    (tmp_path / "dup.txt").write_text("a 3\nb 2\na 1\n", encoding="utf-8")
    with pytest.raises(VectorsFormatError, match=r"record 3: duplicate token 'a'"):
        nv.Vocabulary.load(tmp_path / "dup.txt")
    with pytest.raises(FileNotFoundError, match="no such vocabulary file"):
        nv.Vocabulary.load(tmp_path / "missing.txt")


def test_constructor_checks():
    with pytest.raises(ValueError, match="duplicate key 'a'"):
        nv.Vocabulary(["a", "a"], [1, 1])
    with pytest.raises(ValueError, match="2 keys but 1 counts"):
        nv.Vocabulary(["a", "b"], [1])


@pytest.mark.parametrize("keys", [["the", "new\u00a0york", "\udcff", "é"], ["a\nb", "c"], []])
def test_vocabulary_pickles_compactly_and_whole(keys):
    """A pickled vocabulary (what Dask sends to workers) comes back equal: keys in
    order, their index, counts, totals and orders; keys holding a newline too."""
    import pickle
    counts = np.arange(len(keys), 0, -1)
    v = nv.Vocabulary(keys, counts, total_tokens=100, min_count=1)
    w = pickle.loads(pickle.dumps(v, protocol=5))
    assert w.index_to_key == v.index_to_key
    assert w.key_to_index == v.key_to_index
    assert w.counts.tolist() == v.counts.tolist()
    assert (w.total_tokens, w.word_total, w.min_count) == (v.total_tokens, v.word_total, 1)
    assert w.orders.tolist() == v.orders.tolist()


@pytest.mark.parametrize("keys", [["the", "new\u00a0york", "\udcff", "é", "a\u00a0b\u00a0c"], []])
def test_unpickled_vocabulary_decodes_its_keys_on_first_use(keys):
    """An unpickled vocabulary (a Dask scheduler's or worker's copy) keeps the keys as
    bytes until they are used: its length, orders, word subset and bytes come without
    decoding; pickled again it is the same; the keys, once used, are the original's."""
    import pickle
    v = nv.Vocabulary(keys, np.arange(len(keys), 0, -1), total_tokens=50, min_count=1)
    w = pickle.loads(pickle.dumps(v, protocol=5))
    assert "index_to_key" not in w.__dict__ and "key_to_index" not in w.__dict__
    assert len(w) == len(v) and w.keys_utf8() == v.keys_utf8()
    assert w.orders.tolist() == v.orders.tolist()
    ws, vs = w.subset([1]), v.subset([1])
    w2 = pickle.loads(pickle.dumps(w, protocol=5))
    assert "index_to_key" not in w.__dict__ and "index_to_key" not in ws.__dict__
    assert ws.index_to_key == vs.index_to_key and ws.counts.tolist() == vs.counts.tolist()
    assert ws.key_to_index == vs.key_to_index
    assert (ws.total_tokens, ws.word_total) == (vs.total_tokens, vs.word_total)
    for u in (w, w2):
        assert u.index_to_key == v.index_to_key and u.key_to_index == v.key_to_index
        assert all(k in u for k in keys)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        w2.nope
