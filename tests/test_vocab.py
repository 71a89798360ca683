"""Tests of ngramvec.vocab."""
from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


_KEY_TEXT = st.lists(st.sampled_from(["a", "b", "z", "é", "\u00a0", "\x00", "\udcff",
                                     "\U0001f600", "abcdefghij"]),
                    min_size=1, max_size=6).map("".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_KEY_TEXT, st.integers(1, 3)), max_size=80,
                unique_by=lambda kc: kc[0]))
def test_compiled_key_sort_take_and_join_match_python(entries):
    """The compiled key pieces against Python: count descending then str order (UTF-8
    bytes, long shared prefixes, NUL and lone surrogates included), picking keys, and
    joining ngram keys from codes."""
    from ngramvec.base.keys import key_ends_utf8, keys_utf8
    from ngramvec.data._ngrams import join_keys_utf8, key_order_utf8, take_keys_utf8
    keys = [k for k, _ in entries]
    counts = np.array([c for _, c in entries], dtype=np.int64)
    blob = keys_utf8(keys)
    ends = key_ends_utf8(blob, len(keys))
    order = key_order_utf8(blob, ends, counts)
    assert order.tolist() == sorted(range(len(keys)), key=lambda i: (-counts[i], keys[i]))
    assert take_keys_utf8(blob, ends, order) == keys_utf8([keys[i] for i in order])
    heads, tails = keys[: len(keys) // 2], keys[len(keys) // 2:]
    codes = np.arange(0, len(heads) * len(tails), 3, dtype=np.int64)
    hb, tb = keys_utf8(heads), keys_utf8(tails)
    joined = join_keys_utf8(hb, key_ends_utf8(hb, len(heads)), tb, key_ends_utf8(tb, len(tails)),
                            codes)
    assert joined == keys_utf8([heads[c // len(tails)] + nv.NGRAM_SEP + tails[c % len(tails)]
                                for c in codes.tolist()])
    v = nv.Vocabulary.from_counts(keys, counts) if keys else None
    if v is not None:                    # the bytes kept for pickling are the sorted keys
        assert v.index_to_key == [keys[i] for i in order] and v.keys_utf8() == keys_utf8(
            v.index_to_key)
        u = nv.Vocabulary._from_counts_utf8(blob, len(keys), counts)
        assert "index_to_key" not in u.__dict__
        assert u.index_to_key == v.index_to_key and u.counts.tolist() == v.counts.tolist()
        assert u.word_total == v.word_total


def test_compiled_key_pieces_refuse_bad_offsets_positions_and_codes():
    from ngramvec.data._ngrams import join_keys_utf8, key_order_utf8, take_keys_utf8
    blob = b"a\nbb\n"
    ends = np.array([1, 4], dtype=np.int64)
    with pytest.raises(ValueError, match="newline offsets"):
        key_order_utf8(blob, np.array([0, 4], dtype=np.int64), np.ones(2, np.int64))
    with pytest.raises(ValueError, match="newline offsets"):
        take_keys_utf8(blob, np.array([1, 3], dtype=np.int64), np.zeros(1, np.int64))
    with pytest.raises(ValueError, match="2 keys but 3 counts"):
        key_order_utf8(blob, ends, np.ones(3, np.int64))
    with pytest.raises(IndexError, match="key position 2 out of range"):
        take_keys_utf8(blob, ends, np.array([0, 2], dtype=np.int64))
    with pytest.raises(IndexError, match="ngram code 4 out of range"):
        join_keys_utf8(blob, ends, blob, ends, np.array([3, 4], dtype=np.int64))
    with pytest.raises(IndexError, match="ngram code -1 out of range"):
        join_keys_utf8(blob, ends, blob, ends, np.array([-1], dtype=np.int64))
    assert take_keys_utf8(b"", np.zeros(0, np.int64), np.zeros(0, np.int64)) == b""


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
