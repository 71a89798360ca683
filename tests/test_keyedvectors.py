"""Tests of ngramvec.keyedvectors.KeyedVectors, checked against gensim 4 where it applies."""
from __future__ import annotations

import logging

import numpy as np
import pytest

from ngramvec.base.keys import NGRAM_SEP
from ngramvec.base.exceptions import OutOfVocabularyError, VectorsFormatError
from ngramvec.vectors import _analogy as analogy_module
from ngramvec.vectors.keyedvectors import KeyedVectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning")

SPECIAL = ["été", f"new{NGRAM_SEP}york", "</s>", "日本語", "naïve"]


def _gensim(wv: KeyedVectors):
    g = gensim_kv.KeyedVectors(wv.vector_size)
    g.add_vectors(wv.index_to_key, wv.vectors)
    return g


@pytest.fixture
def wv(rng):
    keys = SPECIAL + [f"w{i}" for i in range(195)]
    return KeyedVectors(rng.standard_normal((len(keys), 16)), keys)


# --------------------------------------------------------------------------- construction


def test_construction_converts_and_indexes(rng):
    x = rng.standard_normal((3, 4))  # float64
    wv = KeyedVectors(x, ["a", "b", "c"], counts=[5, 3, 1])
    assert wv.vectors.dtype == np.float32 and wv.vectors.flags.c_contiguous
    assert wv.key_to_index == {"a": 0, "b": 1, "c": 2}
    assert wv.counts.dtype == np.int64 and wv.counts.tolist() == [5, 3, 1]
    assert len(wv) == 3 and wv.vector_size == 4
    assert repr(wv) == "KeyedVectors(n_keys=3, dim=4)"
    # float32 C-contiguous input is not copied; a non-contiguous one is.
    y = rng.standard_normal((3, 4)).astype(np.float32)
    assert np.shares_memory(KeyedVectors(y, ["a", "b", "c"]).vectors, y)
    z = np.asfortranarray(y)
    assert KeyedVectors(z, ["a", "b", "c"]).vectors.flags.c_contiguous


@pytest.mark.parametrize("keys, exc, match", [
    (["a", "b", "a"], ValueError, r"duplicate key 'a' at positions 0 and 2"),
    (["a", "b c", "d"], ValueError, r"the key 'b c' contains ASCII whitespace"),
    (["a", "b\tc", "d"], ValueError, r"contains ASCII whitespace"),
    (["a", "b\n", "d"], ValueError, r"contains ASCII whitespace"),
    (["a", "", "d"], ValueError, r"must not be empty"),
    (["a", 2, "d"], TypeError, r"keys of KeyedVectors must be str"),
    (["a", "b"], ValueError, r"vectors has 3 rows but there are 2 keys"),
])
def test_bad_keys(keys, exc, match):
    with pytest.raises(exc, match=match):
        KeyedVectors(np.zeros((3, 2)), keys)


def test_bad_vectors_and_counts():
    with pytest.raises(ValueError, match=r"vectors must be a 2-D array"):
        KeyedVectors(np.zeros(3), ["a", "b", "c"])
    with pytest.raises(TypeError, match=r"vectors must be numeric"):
        KeyedVectors(np.array([["x"]]), ["a"])
    with pytest.raises(ValueError, match=r"counts must have shape \(2,\)"):
        KeyedVectors(np.zeros((2, 2)), ["a", "b"], counts=[1])
    with pytest.raises(ValueError, match=r"counts must be >= 0"):
        KeyedVectors(np.zeros((2, 2)), ["a", "b"], counts=[1, -1])
    with pytest.raises(TypeError, match=r"counts must be integers"):
        KeyedVectors(np.zeros((2, 2)), ["a", "b"], counts=[1.5, 2])


def test_lookup(wv):
    ny = f"new{NGRAM_SEP}york"
    assert "été" in wv and ("new", "york") in wv and ny in wv
    assert "zzz" not in wv and ("new", "jersey") not in wv and 3 not in wv
    np.testing.assert_array_equal(wv[("new", "york")], wv.vectors[1])
    np.testing.assert_array_equal(wv["été"], wv.vectors[0])
    assert wv[["w0", "été"]].shape == (2, 16)
    assert wv.get_index(("new", "york")) == 1
    np.testing.assert_allclose(np.linalg.norm(wv.get_vector("w3", norm=True)), 1.0, rtol=1e-6)


def test_out_of_vocabulary_error(wv):
    with pytest.raises(OutOfVocabularyError, match=r"'zzz' is not in the vocabulary \(200 entries\)"):
        wv.get_index("zzz")
    with pytest.raises(KeyError, match=r"'new\\xa0jersey' is not in the vocabulary"):
        wv[("new", "jersey")]
    with pytest.raises(KeyError, match=r"'nope' is not in the vocabulary"):
        wv[["w1", "nope"]]
    with pytest.raises(KeyError, match=r"'nope'"):
        wv.most_similar("nope")


def test_unit_vectors_zero_rows_and_cache(rng, caplog):
    x = rng.standard_normal((4, 3)).astype(np.float32)
    x[2] = 0
    wv = KeyedVectors(x, list("abcd"))
    with caplog.at_level(logging.WARNING, logger="ngramvec.keyedvectors"):
        u = wv.unit_vectors
        assert wv.unit_vectors is u  # cached: logged once
    assert sum("norm zero" in r.message for r in caplog.records) == 1
    assert u.dtype == np.float32 and not np.isnan(u).any()
    np.testing.assert_array_equal(u[2], 0)
    np.testing.assert_allclose(np.linalg.norm(u[[0, 1, 3]], axis=1), 1, rtol=1e-6)
    assert wv.similarity("a", "c") == 0.0
    wv.vectors = x * 2 + 1
    assert wv.unit_vectors is not u
    np.testing.assert_allclose(np.linalg.norm(wv.unit_vectors, axis=1), 1, rtol=1e-6)
    with pytest.raises(ValueError, match=r"vectors must have shape \(4, dim\)"):
        wv.vectors = np.zeros((3, 3))


def test_with_vectors(rng):
    wv = KeyedVectors(rng.standard_normal((3, 4)), ["a", "b", "c"], counts=[3, 2, 1])
    new = wv.with_vectors(rng.standard_normal((3, 2)))
    assert new.index_to_key == wv.index_to_key and new.vector_size == 2
    assert new.counts.tolist() == [3, 2, 1] and new.counts is not wv.counts
    assert new.vectors.dtype == np.float32
    with pytest.raises(ValueError, match=r"new_vectors must have shape \(3, dim\)"):
        wv.with_vectors(np.zeros((2, 4)))


# --------------------------------------------------------------------------- queries vs gensim


def test_similarities_match_gensim(wv):
    g = _gensim(wv)
    assert wv.similarity("été", "w3") == pytest.approx(float(g.similarity("été", "w3")), abs=1e-6)
    assert wv.distance("w1", "w3") == pytest.approx(float(g.distance("w1", "w3")), abs=1e-6)
    assert wv.n_similarity(["w1", "w2"], ["w3", "été"]) == pytest.approx(
        float(g.n_similarity(["w1", "w2"], ["w3", "été"])), abs=1e-6)
    words = ["w1", "w2", "w3", "w4", "été"]
    assert wv.doesnt_match(words) == g.doesnt_match(words)
    with pytest.raises(ValueError, match=r"two non-empty lists"):
        wv.n_similarity([], ["w1"])


def _assert_same_ranking(ours, theirs):
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    np.testing.assert_allclose([s for _, s in ours], [s for _, s in theirs], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [
    dict(positive="été"),
    dict(positive=["w1", "w2"], negative=["w3"]),
    dict(positive=["w1", "w2"], negative="w3", topn=3),
    dict(negative=["w5"]),
    dict(positive=["w1"], restrict_vocab=50),
    dict(positive=["w1", "w2"], negative=["w3"], restrict_vocab=120, topn=20),
])
def test_most_similar_matches_gensim(wv, kwargs):
    _assert_same_ranking(wv.most_similar(**kwargs), _gensim(wv).most_similar(**kwargs))


def test_most_similar_with_vectors_and_ngrams(wv):
    g = _gensim(wv)
    v = wv["w7"] * 3.0
    _assert_same_ranking(wv.most_similar(positive=[v, "w2"]), g.most_similar(positive=[v, "w2"]))
    _assert_same_ranking(wv.similar_by_vector(v, topn=5), g.similar_by_vector(v, topn=5))
    _assert_same_ranking(wv.similar_by_key("w9", topn=5), g.similar_by_key("w9", topn=5))
    ours = wv.most_similar(("new", "york"), topn=4)
    _assert_same_ranking(ours, g.most_similar(f"new{NGRAM_SEP}york", topn=4))
    # a 2-D array is a list of vectors
    two = np.stack([wv["w1"], wv["w2"]])
    _assert_same_ranking(wv.most_similar(two), g.most_similar(positive=[wv["w1"], wv["w2"]]))


def test_most_similar_all_scores(wv):
    g = _gensim(wv)
    ours = wv.most_similar(["w1", "w2"], ["w3"], topn=None)
    theirs = g.most_similar(["w1", "w2"], ["w3"], topn=None)
    assert ours.shape == (len(wv),)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    assert wv.most_similar("w1", topn=None, restrict_vocab=10).shape == (10,)
    assert wv.most_similar("w1", topn=0) == []


@pytest.mark.parametrize("pos, neg", [(["w1", "w2"], ["w3"]), ("été", None), (["w4"], ["w5", "w6"])])
def test_cosmul_matches_gensim(wv, pos, neg):
    g = _gensim(wv)
    _assert_same_ranking(wv.most_similar_cosmul(pos, neg, topn=8), g.most_similar_cosmul(pos, neg, topn=8))
    np.testing.assert_allclose(wv.most_similar(pos, neg, topn=None, method="3cosmul"),
                               g.most_similar_cosmul(pos, neg, topn=None), rtol=1e-5, atol=1e-6)


def test_query_validation(wv):
    with pytest.raises(ValueError, match=r"The 'method' parameter of most_similar must be a str "
                                         r"among \{'3cosadd', '3cosmul'\}"):
        wv.most_similar("w1", method="cos")
    with pytest.raises(ValueError, match=r"The 'topn' parameter of most_similar must be an int "
                                         r"in the range \[0, inf\)"):
        wv.most_similar("w1", topn=-1)
    with pytest.raises(ValueError, match=r"The 'restrict_vocab' parameter of most_similar"):
        wv.most_similar("w1", restrict_vocab=0)
    with pytest.raises(ValueError, match=r"at least one positive or negative"):
        wv.most_similar()
    with pytest.raises(ValueError, match=r"3cosmul needs at least one positive"):
        wv.most_similar_cosmul(negative=["w1"])
    with pytest.raises(ValueError, match=r"a query vector must have 16 values"):
        wv.most_similar(np.zeros(3))
    with pytest.raises(TypeError, match=r"must contain keys"):
        wv.most_similar([1.5, 2.0])  # ints are row numbers, floats nothing
    with pytest.raises(ValueError, match=r"vector must be 1-D"):
        wv.similar_by_vector(np.zeros((2, 16)))
    with pytest.raises(ValueError, match=r"none of the keys is in the vocabulary"):
        wv.doesnt_match(["x", "y"])


# --------------------------------------------------------------------------- batched engine


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
@pytest.mark.parametrize("restrict", [None, 150])
def test_analogy_topk_matches_one_at_a_time(wv, rng, monkeypatch, method, restrict):
    # Tiny blocks force several chunks.
    monkeypatch.setattr(analogy_module, "_BLOCK_BYTES", 4 * 200 * 7)
    q = rng.integers(0, 150, size=(40, 3))
    got = wv._analogy_topk(q[:, 0], q[:, 1], q[:, 2], method=method, restrict_vocab=restrict,
                           topn=3)
    keys = wv.index_to_key
    for (a, b, c), row in zip(q, got):
        expected = wv.most_similar([keys[b], keys[c]], [keys[a]], topn=3, method=method,
                                   restrict_vocab=restrict)
        assert [keys[i] for i in row] == [k for k, _ in expected]


def test_analogy_topk_matches_gensim_cosmul(wv, rng):
    g = _gensim(wv)
    q = rng.integers(0, len(wv), size=(30, 3))
    got = wv._analogy_topk(q[:, 0], q[:, 1], q[:, 2], method="3cosmul")[:, 0]
    keys = wv.index_to_key
    for (a, b, c), p in zip(q, got):
        if len({a, b, c}) < 3:
            continue
        theirs = g.most_similar_cosmul([keys[b], keys[c]], [keys[a]], topn=1)[0][0]
        assert keys[p] == theirs


def test_analogy_topk_exclusions(rng):
    wv = KeyedVectors(rng.standard_normal((6, 3)), list("abcdef"))
    got = wv._analogy_topk([0], [1], [2], topn=10)
    assert got.shape == (1, 10)
    assert set(got[0, :3].tolist()) == {3, 4, 5} and (got[0, 3:] == -1).all()
    got = wv._analogy_topk([0], [1], [2], topn=3, exclude=np.array([[4, -1]]))
    assert set(got[0, :2].tolist()) == {3, 5} and got[0, 2] == -1
    assert wv._analogy_topk([], [], []).shape == (0, 1)
    with pytest.raises(ValueError, match=r"question indices out of range"):
        wv._analogy_topk([0], [1], [6])
    with pytest.raises(ValueError, match=r"exclude must have shape \(1, m\)"):
        wv._analogy_topk([0], [1], [2], exclude=np.array([1, 2]))


def test_known_analogy_is_solved(rng):
    # b - a + c lands on d by construction.
    base = rng.standard_normal((50, 20)).astype(np.float32)
    offset = rng.standard_normal(20).astype(np.float32) * 2
    x = np.vstack([base, base[:10] + offset])
    keys = [f"x{i}" for i in range(50)] + [f"y{i}" for i in range(10)]
    wv = KeyedVectors(x, keys)
    assert wv.most_similar(["y0", "x1"], ["x0"], topn=1)[0][0] == "y1"
    got = wv._analogy_topk(np.arange(9), np.arange(50, 59), np.arange(1, 10))[:, 0]
    np.testing.assert_array_equal(got, np.arange(51, 60))


# --------------------------------------------------------------------------- persistence


def test_native_save_load(wv, tmp_path):
    wv2 = KeyedVectors(wv.vectors, wv.index_to_key, counts=np.arange(len(wv))[::-1])
    p = tmp_path / "vectors.kv"
    wv2.save(p)
    back = KeyedVectors.load(p)
    assert back.index_to_key == wv2.index_to_key
    np.testing.assert_array_equal(back.vectors, wv2.vectors)
    np.testing.assert_array_equal(back.counts, wv2.counts)
    wv.save(p)
    assert KeyedVectors.load(p).counts is None


@pytest.mark.parametrize("binary", [False, True])
def test_word2vec_files_byte_identical_to_gensim(rng, tmp_path, binary):
    keys = SPECIAL + [f"w{i}" for i in range(20)]
    # Awkward magnitudes exercise the float formatting (exponents, -0.0, tiny values).
    scale = np.array([1, 1e-5, 1e6, 1e-20, 3, 1e17, 0.5], dtype=np.float64)
    x = (rng.standard_normal((len(keys), 7)) * scale).astype(np.float32)
    x[0, 0] = -0.0
    x[1, 1] = 0.1
    wv = KeyedVectors(x, keys)
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    wv.save_word2vec_format(ours, binary=binary)
    _gensim(wv).save_word2vec_format(str(theirs), binary=binary)
    assert ours.read_bytes() == theirs.read_bytes()
    # gensim reads ours, we read gensim's
    g = gensim_kv.KeyedVectors.load_word2vec_format(str(ours), binary=binary)
    assert g.index_to_key == keys
    np.testing.assert_array_equal(g.vectors, x)
    back = KeyedVectors.load_word2vec_format(theirs, binary=binary)
    assert back.index_to_key == keys
    np.testing.assert_array_equal(back.vectors, x)


def test_glove_format_is_word2vec_text_without_header(wv, tmp_path):
    wv.save_glove_format(tmp_path / "g.txt")
    _gensim(wv).save_word2vec_format(str(tmp_path / "w.txt"), write_header=False)
    assert (tmp_path / "g.txt").read_bytes() == (tmp_path / "w.txt").read_bytes()
    back = KeyedVectors.load_glove_format(tmp_path / "g.txt", limit=3)
    assert back.index_to_key == wv.index_to_key[:3]
    g = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "g.txt"), no_header=True)
    np.testing.assert_array_equal(g.vectors, wv.vectors)


def test_load_c_tool_binary_and_compressed(wv, tmp_path):
    body = b"".join(k.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
                    for k, v in zip(wv.index_to_key, wv.vectors))
    p = tmp_path / "c.bin"
    p.write_bytes(f"{len(wv)} {wv.vector_size}\n".encode() + body)
    back = KeyedVectors.load_word2vec_format(p, binary=True)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    wv.save_word2vec_format(tmp_path / "v.bin.gz", binary=True)
    g = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "v.bin.gz"), binary=True)
    np.testing.assert_array_equal(g.vectors, wv.vectors)


def test_load_bad_file_names_record(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\na 1 2\na 3 4\n")
    with pytest.raises(VectorsFormatError, match=r"v\.txt, record 3: duplicate key 'a'"):
        KeyedVectors.load_word2vec_format(p)


# --------------------------------------------------------------------------- no direction
# Issue 10, item 6: queries without a direction used to return arbitrary keys scoring 0.

def _kv_with_bad_rows():
    vecs = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [0, 0, 0], [np.nan, 1, 0]],
                    dtype=np.float32)
    return KeyedVectors(vecs, ["king", "queen", "man", "woman", "zero", "broken"])


def test_positives_and_negatives_that_cancel_out_are_refused():
    kv = _kv_with_bad_rows()
    with pytest.raises(ValueError, match=r"positives and negatives cancel out"):
        kv.most_similar(positive=["king"], negative=["king"])


@pytest.mark.parametrize("method", ["3cosadd", "3cosmul"])
def test_zero_norm_query_word_is_refused(method):
    kv = _kv_with_bad_rows()
    with pytest.raises(ValueError, match=r"the vector of 'zero' has norm zero"):
        kv.most_similar("zero", method=method)
    with pytest.raises(ValueError, match=r"the vector of 'broken' has NaN or infinite values"):
        kv.most_similar(positive=["king", "broken"], method=method)


def test_doesnt_match_refuses_a_vector_without_direction():
    kv = _kv_with_bad_rows()
    assert kv.doesnt_match(["king", "woman", "man"]) == "man"
    with pytest.raises(ValueError, match=r"the vector of 'broken' has NaN or infinite values"):
        kv.doesnt_match(["broken", "king", "queen"])
    with pytest.raises(ValueError, match=r"the vector of 'zero' has norm zero"):
        kv.doesnt_match(["king", "zero", "queen"])
