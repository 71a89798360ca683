"""The gensim 4 KeyedVectors API of ngramvec.KeyedVectors, method by method against gensim
4.4 on the same vectors; where ngramvec differs on purpose (docs/gensim.md), our
behaviour is tested and gensim's is shown beside it."""
from __future__ import annotations

import logging
import sys

import numpy as np
import pytest

from ngramvec.base.exceptions import (OptionalDependencyError, OutOfVocabularyError,
                                      VectorsFormatError)
from ngramvec.base.keys import NGRAM_SEP
from ngramvec.vectors.keyedvectors import KeyedVectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated:DeprecationWarning",
                                        "ignore:Adding single vectors:UserWarning")

KEYS = ["été", f"new{NGRAM_SEP}york", "</s>", "日本語"] + [f"w{i}" for i in range(116)]


def _gensim(wv: KeyedVectors):
    g = gensim_kv.KeyedVectors(wv.vector_size)
    g.add_vectors(list(wv.index_to_key), wv.vectors.copy())
    return g


def _same_neighbours(ours, theirs) -> None:
    assert [k for k, _ in ours] == [k for k, _ in theirs]
    np.testing.assert_allclose([v for _, v in ours], [v for _, v in theirs], rtol=1e-5)


def _fill_caches(wv: KeyedVectors) -> None:
    wv.fill_norms()
    assert wv.unit_vectors.shape == wv.vectors.shape


def _fresh_unit(wv: KeyedVectors) -> np.ndarray:
    """Unit vectors computed from scratch (to check the caches after changes)."""
    n = np.linalg.norm(wv.vectors, axis=1)
    n[n == 0] = 1
    return wv.vectors / n[:, None]


@pytest.fixture
def wv(rng):
    return KeyedVectors(rng.standard_normal((len(KEYS), 12)), KEYS,
                        counts=rng.integers(1, 1000, len(KEYS)))


@pytest.fixture
def g(wv):
    return _gensim(wv)


# --------------------------------------------------------------------------- indexing


def test_integer_indexing_matches_gensim(wv, g):
    np.testing.assert_array_equal(wv[0], g[0])
    np.testing.assert_array_equal(wv[np.int64(7)], g[np.int64(7)])
    np.testing.assert_array_equal(wv[[0, 5, 3]], g[[0, 5, 3]])
    np.testing.assert_array_equal(wv[["w3", 2, ("new", "york")]], g[["w3", 2, f"new{NGRAM_SEP}york"]])
    np.testing.assert_array_equal(wv[np.array([4, 1])], g[[4, 1]])
    for key in ["w5", 9, len(wv) - 1]:
        assert wv.get_index(key) == g.get_index(key)
        assert wv.has_index_for(key) and g.has_index_for(key)
    for key in ["nope", len(wv), -1]:
        assert wv.get_index(key, default=-7) == g.get_index(key, default=-7) == -7
        assert not wv.has_index_for(key) and not g.has_index_for(key)
    assert wv.get_vector(3, norm=True) == pytest.approx(g.get_vector(3, norm=True), rel=1e-6)
    assert wv[[]].shape == (0, 12)  # gensim: numpy's "need at least one array to concatenate"


def test_integer_indexing_errors(wv):
    for bad in [len(wv), -1, True, 2.0]:
        with pytest.raises(OutOfVocabularyError, match=r"is not in the vocabulary \(120 entries\)"):
            wv.get_index(bad)
    with pytest.raises(OutOfVocabularyError, match=r"120 is not in the vocabulary"):
        wv[np.array([0, 120])]
    with pytest.raises(OutOfVocabularyError, match=r"-2 is not in the vocabulary"):
        wv[np.array([-2])]
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary"):
        wv[[0, "zz"]]


def test_in_tests_keys_only(wv, g):
    # gensim's `in` is has_index_for, so row numbers are "in" it; ngramvec's `in` asks
    # about keys (has_index_for answers for row numbers).
    assert 3 in g and 3 not in wv and wv.has_index_for(3)
    assert "w3" in wv and ("new", "york") in wv


def test_get_vector_is_read_only(wv):
    v = wv.get_vector("w1")
    with pytest.raises(ValueError, match=r"read-only"):
        v[0] = 1.0
    with pytest.raises(ValueError, match=r"read-only"):
        wv["w1"][0] = 1.0


def test_most_similar_takes_row_numbers(wv, g):
    _same_neighbours(wv.most_similar(3, topn=5), g.most_similar(3, topn=5))
    _same_neighbours(wv.most_similar(positive=[3, "w7"], negative=[9], topn=5),
                     g.most_similar(positive=[3, "w7"], negative=[9], topn=5))


# --------------------------------------------------------------------------- norms


def test_norms_and_normed_vectors_match_gensim(wv, g):
    g.fill_norms()
    np.testing.assert_array_equal(wv.norms, g.norms)
    assert wv.norms.dtype == np.float32
    np.testing.assert_allclose(wv.get_normed_vectors(), g.get_normed_vectors(), rtol=1e-6)
    with pytest.raises(ValueError, match=r"read-only"):
        wv.get_normed_vectors()[0, 0] = 2
    wv.vectors[0] *= 2  # an in-place change the cache cannot see ...
    wv.fill_norms(force=True)  # ... until asked
    assert wv.norms[0] == pytest.approx(2 * g.norms[0], rel=1e-6)
    wv.norms = None
    np.testing.assert_allclose(wv.unit_vectors, _fresh_unit(wv), rtol=1e-6)
    with pytest.raises(ValueError, match=r"only 'kv.norms = None'"):
        wv.norms = np.ones(len(wv))


def test_zero_vectors_give_zero_cosines(rng):
    """gensim divides by the zero norm (NaN); ngramvec's cosine with a zero vector is 0."""
    x = rng.standard_normal((4, 3))
    x[2] = 0
    wv = KeyedVectors(x, ["a", "b", "z", "d"])
    g = _gensim(wv)
    with np.errstate(invalid="ignore", divide="ignore"):
        assert np.isnan(g.get_normed_vectors()[2]).all()
        assert np.isnan(g.distances("a")[2])
    assert not wv.get_normed_vectors()[2].any()
    assert wv.distances("a")[2] == 1.0 and wv.distances("z").tolist() == [1.0] * 4
    with pytest.raises(ValueError, match=r"the vector of 'z' has norm zero"):
        wv.closer_than("z", "a")
    with pytest.raises(ValueError, match=r"the vector of 'z' has norm zero"):
        wv.most_similar_to_given("z", ["a", "b"])
    with pytest.raises(ValueError, match=r"the vector of 'z' has norm zero"):
        wv.rank_by_centrality(["a", "z"])


# --------------------------------------------------------------------------- distances, ranks


@pytest.mark.parametrize("key1, key2", [("w0", "w1"), ("w5", "w50"), ("été", "w99"),
                                        (3, "w10"), ("w7", "w7")])
def test_closer_than_and_rank_match_gensim(wv, g, key1, key2):
    assert wv.closer_than(key1, key2) == g.closer_than(key1, key2)
    assert wv.rank(key1, key2) == g.rank(key1, key2)


def test_most_similar_to_given_matches_gensim(wv, g, rng):
    for _ in range(20):
        key1 = f"w{rng.integers(116)}"
        keys = [f"w{i}" for i in rng.choice(116, size=8, replace=False)]
        assert wv.most_similar_to_given(key1, keys) == g.most_similar_to_given(key1, keys)
    assert wv.most_similar_to_given(("new", "york"), [("new", "york"), "w1"]) == ("new", "york")


def test_distances_match_gensim(wv, g, rng):
    d = wv.distances("w3")
    assert d.dtype == np.float32 and d.shape == (len(wv),)
    np.testing.assert_allclose(d, g.distances("w3"), atol=1e-6)
    others = ["w1", "été", "w3"]
    np.testing.assert_allclose(wv.distances("w3", others), g.distances("w3", others), atol=1e-6)
    v = rng.standard_normal(12).astype(np.float32)
    np.testing.assert_allclose(wv.distances(v, others), g.distances(v, others), atol=1e-6)
    np.testing.assert_allclose(wv.distances(v, None), g.distances(v), atol=1e-6)
    assert wv.distance("w1", "w2") == pytest.approx(g.distance("w1", "w2"), abs=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_cosine_similarities_match_gensim(rng, dtype):
    v = rng.standard_normal(7).astype(dtype)
    m = rng.standard_normal((30, 7)).astype(dtype)
    ours = KeyedVectors.cosine_similarities(v, m)
    theirs = gensim_kv.KeyedVectors.cosine_similarities(v, m)
    assert ours.dtype == theirs.dtype == dtype
    np.testing.assert_allclose(ours, theirs, rtol=1e-5 if dtype == np.float32 else 1e-12)
    m[4] = 0
    assert KeyedVectors.cosine_similarities(v, m)[4] == 0  # gensim: NaN
    assert KeyedVectors.cosine_similarities(v, m[:0]).shape == (0,)
    with pytest.raises(ValueError, match=r"vector_1 must be 1-D"):
        KeyedVectors.cosine_similarities(m, m)
    with pytest.raises(ValueError, match=r"vectors_all must have shape \(n, 7\). Got shape \(30, 6\)"):
        KeyedVectors.cosine_similarities(v, m[:, :6])


@pytest.mark.parametrize("topn", [1, 5, 10, 500])
def test_relative_cosine_similarity_matches_gensim(wv, g, topn):
    for wa, wb in [("w0", "w1"), ("été", "w4"), ("w8", "w8")]:
        assert wv.relative_cosine_similarity(wa, wb, topn) == pytest.approx(
            g.relative_cosine_similarity(wa, wb, topn), rel=1e-5)


@pytest.mark.parametrize("use_norm", [True, False])
def test_rank_by_centrality_matches_gensim(wv, g, use_norm, caplog):
    words = ["w1", "w2", "w3", "été", "w40", "w41", "w2"]
    ours = wv.rank_by_centrality(words, use_norm=use_norm)
    theirs = g.rank_by_centrality(words, use_norm=use_norm)
    assert [w for _, w in ours] == [w for _, w in theirs]
    np.testing.assert_allclose([s for s, _ in ours], [s for s, _ in theirs], rtol=1e-5)
    with caplog.at_level(logging.WARNING):
        assert [w for _, w in wv.rank_by_centrality(["w1", "zz", "w2"])] == \
            [w for _, w in g.rank_by_centrality(["w1", "zz", "w2"])]
    assert "ignores keys that are not present: ['zz']" in caplog.text
    assert wv.doesnt_match(words) == g.doesnt_match(words)


# --------------------------------------------------------------------------- mean vector


@pytest.mark.parametrize("pre_normalize", [True, False])
@pytest.mark.parametrize("post_normalize", [True, False])
def test_get_mean_vector_matches_gensim(wv, g, rng, pre_normalize, post_normalize):
    arr = rng.standard_normal(12).astype(np.float32)
    cases = [
        (["w1", "w2", "w3"], None),
        (["w1", "w2", "w3"], [0.5, 2.0, -1.0]),
        (["w1", "missing", 4, arr], np.array([1.0, 3.0, 0.25, 2.0])),
        ([("new", "york"), "été"], [1, 1]),
        (np.stack([arr, 2 * arr]), None),
    ]
    for keys, weights in cases:
        gkeys = [f"new{NGRAM_SEP}york" if isinstance(k, tuple) else k for k in keys] \
            if isinstance(keys, list) else keys
        kw = dict(weights=weights, pre_normalize=pre_normalize, post_normalize=post_normalize)
        ours = wv.get_mean_vector(keys, **kw)
        theirs = g.get_mean_vector(gkeys, **kw)
        assert ours.dtype == np.float32 and ours.shape == (12,)
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_get_mean_vector_errors(wv, g):
    with pytest.raises(ValueError, match=r"get_mean_vector: keys is empty"):
        wv.get_mean_vector([])
    with pytest.raises(ValueError, match=r"weights must have shape \(2,\), one per key. Got shape \(3,\)"):
        wv.get_mean_vector(["w1", "w2"], weights=[1, 2, 3])
    with pytest.raises(ValueError, match=r"weights must be finite"):
        wv.get_mean_vector(["w1", "w2"], weights=[1, np.nan])
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary"):
        wv.get_mean_vector(["w1", "zz"], ignore_missing=False)
    with pytest.raises(ValueError, match=r"a vector must have shape \(12,\). Got shape \(3,\)"):
        wv.get_mean_vector(["w1", np.zeros(3)])
    # no key present: gensim returns a zero vector, which would pass for a real mean
    assert not g.get_mean_vector(["zz", "yy"]).any()
    with pytest.raises(ValueError, match=r"none of the 2 keys is present"):
        wv.get_mean_vector(["zz", "yy"])
    with pytest.raises(TypeError, match=r"The 'pre_normalize' parameter of get_mean_vector must be a bool"):
        wv.get_mean_vector(["w1"], pre_normalize="yes")
    np.testing.assert_allclose(wv.get_mean_vector("w1"), wv.get_vector("w1", norm=True))


# --------------------------------------------------------------------------- changing vectors


def _same(wv: KeyedVectors, g) -> None:
    assert wv.index_to_key == g.index_to_key and wv.key_to_index == g.key_to_index
    np.testing.assert_array_equal(wv.vectors, g.vectors)
    np.testing.assert_allclose(wv.unit_vectors, _fresh_unit(wv), rtol=1e-6, atol=1e-7)
    np.testing.assert_array_equal(wv.norms, np.linalg.norm(wv.vectors, axis=1))


def test_add_and_replace_match_gensim_and_keep_the_caches(wv, g, rng):
    _fill_caches(wv)  # every change below must keep the caches right
    new = rng.standard_normal((3, 12)).astype(np.float32)
    assert wv.add_vector("fresh", new[0]) == g.add_vector("fresh", new[0]) == len(KEYS)
    _same(wv, g)
    wv.add_vectors(["w1", "n1", "n2"], new, replace=False)
    g.add_vectors(["w1", "n1", "n2"], new, replace=False)
    _same(wv, g)
    wv.add_vectors(["w1", "n1", "n3"], 2 * new, replace=True)
    g.add_vectors(["w1", "n1", "n3"], 2 * new, replace=True)
    _same(wv, g)
    wv["w2"] = new[1]
    g["w2"] = new[1]
    wv[["w4", "n9"]] = new[:2]
    g[["w4", "n9"]] = new[:2]
    _same(wv, g)
    _same_neighbours(wv.most_similar("w1", topn=5), g.most_similar("w1", topn=5))
    # counts: new keys get count 0 (gensim's expandos do the same), replaced ones keep theirs
    assert wv.counts.shape == (len(wv),) and wv.counts[-1] == 0
    assert wv.counts[wv.get_index("w1")] > 0


def test_setitem_with_row_numbers_sets_the_row(wv, g, rng):
    v = rng.standard_normal(12).astype(np.float32)
    wv[0] = v
    np.testing.assert_array_equal(wv["été"], v)
    np.testing.assert_allclose(wv.unit_vectors[0], v / np.linalg.norm(v), rtol=1e-6)
    assert len(wv) == len(KEYS)
    g[0] = v  # gensim adds a new key 0 instead
    assert g.index_to_key[-1] == 0 and len(g) == len(KEYS) + 1
    wv[[1, "w9"]] = np.stack([v, v])
    np.testing.assert_array_equal(wv[1], v)
    with pytest.raises(OutOfVocabularyError, match=r"500 is not in the vocabulary"):
        wv[500] = v


def test_add_vectors_with_counts_and_sorting(rng):
    wv = KeyedVectors(np.zeros((0, 4)), [])
    wv.add_vectors(["a", "b", "c", "d"], rng.standard_normal((4, 4)),
                   extras={"count": np.array([3, 9, 3, 12])})
    assert wv.counts.tolist() == [3, 9, 3, 12]
    g = wv.to_gensim()
    _fill_caches(wv)
    wv.sort_by_descending_frequency()
    g.sort_by_descending_frequency()
    # counts 12, 9, then a tie between "a" and "c": ngramvec keeps their order (stable),
    # gensim puts the later row first (its lexsort on -index)
    assert wv.index_to_key == ["d", "b", "a", "c"] and g.index_to_key == ["d", "b", "c", "a"]
    assert wv.counts.tolist() == [12, 9, 3, 3]
    np.testing.assert_array_equal(wv.vectors[:2], g.vectors[:2])
    np.testing.assert_allclose(wv.unit_vectors, _fresh_unit(wv), rtol=1e-6)
    assert wv.key_to_index == {"d": 0, "b": 1, "a": 2, "c": 3}


def test_sort_without_ties_matches_gensim(wv, g, rng):
    counts = rng.permutation(len(wv)) + 1
    wv.counts = counts.astype(np.int64)
    g.allocate_vecattrs(["count"], [np.int64])
    g.expandos["count"][:] = counts
    wv.sort_by_descending_frequency()
    g.sort_by_descending_frequency()
    _same(wv, g)
    assert wv.counts.tolist() == g.expandos["count"].tolist()


def test_editing_errors(wv):
    v = np.zeros(12)
    with pytest.raises(ValueError, match=r"add_vector: the key 'w1' is present already \(row 5\); "
                                         r"replace its vector with kv\[key\] = vector"):
        wv.add_vector("w1", v)
    with pytest.raises(ValueError, match=r"add_vector: the vector must have shape \(12,\). Got "
                                         r"shape \(5,\)"):
        wv.add_vector("x", np.zeros(5))
    with pytest.raises(ValueError, match=r"weights must have shape \(2, 12\) for 2 keys of dim 12. "
                                         r"Got shape \(2, 3\)"):
        wv.add_vectors(["x", "y"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"weights must have shape \(1, 12\) .* Got shape \(1, 5\)"):
        wv["x"] = np.zeros(5)
    with pytest.raises(ValueError, match=r"the key 'x' appears twice in keys \(positions 0 and 2\)"):
        wv.add_vectors(["x", "y", "x"], np.zeros((3, 12)))
    with pytest.raises(ValueError, match=r"contains ASCII whitespace"):
        wv.add_vector("a b", v)
    with pytest.raises(TypeError, match=r"keys of KeyedVectors must be str. Got 5"):
        wv.add_vectors([5], np.zeros((1, 12)))
    with pytest.raises(TypeError, match=r"weights must be numeric"):
        wv.add_vectors(["x"], np.array([["a"] * 12]))
    with pytest.raises(ValueError, match=r"stores only the 'count' attribute per key. Got the "
                                         r"extra 'sample_int'"):
        wv.add_vectors(["x"], np.zeros((1, 12)), extras={"sample_int": np.array([1])})
    with pytest.raises(ValueError, match=r"counts must be >= 0"):
        wv.add_vectors(["x"], np.zeros((1, 12)), extras={"count": np.array([-1])})
    with pytest.raises(ValueError, match=r"the 'count' extra must have shape \(1,\)"):
        wv.add_vectors(["x"], np.zeros((1, 12)), extras={"count": np.array([1, 2])})
    nocounts = KeyedVectors(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match=r"counts were given for the new keys, but the 2 keys "
                                         r"present have none"):
        nocounts.add_vectors(["x"], np.zeros((1, 3)), extras={"count": [4]})
    with pytest.raises(ValueError, match=r"sort_by_descending_frequency needs counts"):
        nocounts.sort_by_descending_frequency()
    assert len(wv) == len(KEYS)  # nothing was added by the failed calls
    wv.add_vectors([], np.zeros((0, 12)))
    assert len(wv) == len(KEYS)


def test_read_only_vectors_are_copied_before_a_change(rng):
    x = rng.standard_normal((3, 4)).astype(np.float32)
    original = x.copy()
    x.flags.writeable = False  # as a memory-mapped file
    wv = KeyedVectors(x, ["a", "b", "c"])
    assert np.shares_memory(wv.vectors, x)
    wv["a"] = np.ones(4)
    np.testing.assert_array_equal(wv["a"], np.ones(4))
    np.testing.assert_array_equal(x, original)


# --------------------------------------------------------------------------- selecting, merging


def test_vectors_for_all_matches_gensim(wv, g):
    keys = ["w3", "zz", "w1", "w3", "été", "w100"]
    ours = wv.vectors_for_all(keys)
    theirs = g.vectors_for_all(keys)
    assert ours.index_to_key == theirs.index_to_key == ["w3", "w1", "été", "w100"]
    np.testing.assert_array_equal(ours.vectors, theirs.vectors)
    assert ours.counts is None
    with_counts = wv.vectors_for_all(iter(keys), copy_vecattrs=True)
    assert with_counts.counts.tolist() == [wv.counts[wv.get_index(k)] for k in with_counts.index_to_key]
    assert len(wv.vectors_for_all(["nothing"])) == 0
    with pytest.raises(TypeError, match=r"vectors_for_all: keys must be str"):
        wv.vectors_for_all([3])


@pytest.mark.parametrize("binary", [False, True])
def test_intersect_word2vec_format_matches_gensim(wv, rng, tmp_path, binary):
    other_keys = ["w1", "w7", "zz_new", "été", "yy"]
    other = KeyedVectors(rng.standard_normal((5, 12)), other_keys)
    path = tmp_path / ("o.bin" if binary else "o.txt")
    other.save_word2vec_format(path, binary=binary)
    g = _gensim(wv)
    g.vectors_lockf = np.ones(len(g), dtype=np.float32)  # gensim needs it (a Word2Vec attribute)
    _fill_caches(wv)
    assert wv.intersect_word2vec_format(path, binary=binary) == 3
    if binary:
        # gensim 4.4's binary branch calls np.fromstring, which NumPy 2 refuses
        with pytest.raises(ValueError, match=r"fromstring is removed"):
            g.intersect_word2vec_format(str(path), binary=True)
        other.save_word2vec_format(tmp_path / "o.txt")  # the same vectors, as text
        g.intersect_word2vec_format(str(tmp_path / "o.txt"))
    else:
        g.intersect_word2vec_format(str(path))
    _same(wv, g)
    np.testing.assert_array_equal(wv["w7"], other["w7"])
    assert "zz_new" not in wv and len(wv) == len(KEYS)


def test_intersect_word2vec_format_errors(wv, tmp_path, rng):
    path = tmp_path / "o.txt"
    KeyedVectors(rng.standard_normal((2, 5)), ["w1", "w2"]).save_word2vec_format(path)
    with pytest.raises(VectorsFormatError, match=r"o\.txt: vectors of dim 5, but these "
                                                 r"KeyedVectors have dim 12"):
        wv.intersect_word2vec_format(path)
    with pytest.raises(ValueError, match=r"The 'encoding' parameter of intersect_word2vec_format "
                                         r"must be 'utf8'"):
        wv.intersect_word2vec_format(path, encoding="latin-1")
    with pytest.raises(ValueError, match=r"The 'unicode_errors' parameter"):
        wv.intersect_word2vec_format(path, unicode_errors="surrogate")
    (tmp_path / "bad.txt").write_text("2 12\nw1 1 2\n")
    with pytest.raises(VectorsFormatError, match=r"bad\.txt"):
        wv.intersect_word2vec_format(tmp_path / "bad.txt")


# --------------------------------------------------------------------------- WMD


def test_wmdistance_matches_gensim(wv, g):
    pytest.importorskip("ot")
    docs = [(["w1", "w2", "w3"], ["w4", "w5"]),
            (["w1", "w1", "w2", "zz"], ["w2", "w7", "w7", "w7", "été"]),
            (["w3"], ["w3", "w3"]),
            (["w1", "w2"], ["w2", "w1"])]
    for d1, d2 in docs:
        for norm in (True, False):
            assert wv.wmdistance(d1, d2, norm=norm) == pytest.approx(
                g.wmdistance(d1, d2, norm=norm), rel=1e-6, abs=1e-9)
    assert wv.wmdistance(["zz"], ["w1"]) == g.wmdistance(["zz"], ["w1"]) == float("inf")
    assert wv.wmdistance([("new", "york")], ["w1"]) == pytest.approx(
        g.wmdistance([f"new{NGRAM_SEP}york"], ["w1"]), rel=1e-6)


def test_wmdistance_of_parallel_vectors_is_zero():
    """Different words with the same direction are 0 apart; gensim answers inf (it treats
    an all-zero cost matrix as a failure)."""
    pytest.importorskip("ot")
    wv = KeyedVectors(np.array([[1.0, 0.0], [2.0, 0.0], [0.0, 1.0]]), ["x", "y", "z"])
    g = _gensim(wv)
    assert g.wmdistance(["x"], ["y"]) == float("inf")
    assert wv.wmdistance(["x"], ["y"]) == 0.0
    assert wv.wmdistance(["x"], ["z"]) == pytest.approx(g.wmdistance(["x"], ["z"]))


def test_wmdistance_errors(wv, monkeypatch):
    with pytest.raises(TypeError, match=r"The 'document1' parameter of wmdistance must be a list "
                                        r"of tokens. Got a str"):
        wv.wmdistance("w1 w2", ["w1"])
    monkeypatch.setitem(sys.modules, "ot", None)  # POT not installed
    with pytest.raises(OptionalDependencyError, match=r"KeyedVectors.wmdistance needs POT, which "
                                                      r"is not installed: pip install "
                                                      r"'ngramvec\[wmd\]' \(or pip install POT\)"):
        wv.wmdistance(["w1"], ["w2"])
    with pytest.raises(ImportError):  # it is an ImportError too
        wv.wmdistance(["w1"], ["w2"])


# --------------------------------------------------------------------------- query errors


def test_query_errors(wv):
    with pytest.raises(ValueError, match=r"most_similar_to_given: keys_list is empty"):
        wv.most_similar_to_given("w1", [])
    with pytest.raises(TypeError, match=r"The 'keys_list' parameter of most_similar_to_given must "
                                        r"be a list of keys. Got the single key 'w2'"):
        wv.most_similar_to_given("w1", "w2")
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary"):
        wv.most_similar_to_given("w1", ["w2", "zz"])
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary"):
        wv.closer_than("w1", "zz")
    with pytest.raises(KeyError, match=r"'zz' is not in the vocabulary"):
        wv.rank("zz", "w1")
    with pytest.raises(ValueError, match=r"rank_by_centrality: none of the words is present"):
        wv.rank_by_centrality(["zz"])
    with pytest.raises(ValueError, match=r"rank_by_centrality: none of the words is present"):
        wv.rank_by_centrality([])
    with pytest.raises(ValueError, match=r"distances: the vector must have shape \(12,\)"):
        wv.distances(np.zeros(3))
    with pytest.raises(TypeError, match=r"The 'other_words' parameter of distances must be a list"):
        wv.distances("w1", "w2")
    with pytest.raises(ValueError, match=r"The 'topn' parameter of relative_cosine_similarity"):
        wv.relative_cosine_similarity("w1", "w2", topn=0)
    one = KeyedVectors(np.ones((1, 3)), ["a"])
    with pytest.raises(ValueError, match=r"'a' has no neighbours"):
        one.relative_cosine_similarity("a", "a")


# --------------------------------------------------------------------------- conversion


def test_to_gensim_and_back(wv):
    g = wv.to_gensim()
    assert isinstance(g, gensim_kv.KeyedVectors)
    assert g.index_to_key == wv.index_to_key and g.vector_size == 12
    np.testing.assert_array_equal(g.vectors, wv.vectors)
    assert not np.shares_memory(g.vectors, wv.vectors)
    assert [g.get_vecattr(k, "count") for k in KEYS[:5]] == wv.counts[:5].tolist()
    _same_neighbours(g.most_similar("w1", topn=3), wv.most_similar("w1", topn=3))
    back = KeyedVectors.from_gensim(g)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)
    assert back.counts.tolist() == wv.counts.tolist()
    assert not np.shares_memory(back.vectors, g.vectors)
    shared = KeyedVectors.from_gensim(g, copy=False)
    assert np.shares_memory(shared.vectors, g.vectors)
    no_counts = KeyedVectors(wv.vectors, wv.index_to_key)
    assert "count" not in no_counts.to_gensim().expandos
    assert KeyedVectors.from_gensim(no_counts.to_gensim()).counts is None


def test_from_gensim_model_and_loaded_files(tmp_path):
    from gensim.models import Word2Vec
    sentences = [["the", "cat", "sat"], ["the", "dog", "sat"], ["a", "cat", "ran"]] * 20
    model = Word2Vec(sentences, vector_size=8, min_count=1, workers=1, seed=1, epochs=1)
    wv = KeyedVectors.from_gensim(model)  # a model: its .wv
    assert wv.index_to_key == model.wv.index_to_key
    np.testing.assert_array_equal(wv.vectors, model.wv.vectors)
    assert wv.counts.tolist() == [model.wv.get_vecattr(k, "count") for k in wv.index_to_key]
    assert wv.counts[wv.get_index("the")] == 40
    # gensim invents counts (n_keys - row) for a file loaded without fvocab; they come over
    wv.save_word2vec_format(tmp_path / "v.txt")
    loaded = gensim_kv.KeyedVectors.load_word2vec_format(str(tmp_path / "v.txt"))
    assert KeyedVectors.from_gensim(loaded).counts.tolist() == list(range(len(wv), 0, -1))


def test_from_gensim_errors():
    with pytest.raises(TypeError, match=r"The 'kv' parameter of KeyedVectors.from_gensim must be "
                                        r"a gensim KeyedVectors .* Got builtins.dict"):
        KeyedVectors.from_gensim({"a": 1})
    g = gensim_kv.KeyedVectors(3)
    g.add_vectors([0, 1], np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"the key at row 0 is 0 of type int; ngramvec keys are str"):
        KeyedVectors.from_gensim(g)
    g = gensim_kv.KeyedVectors(3)
    g.add_vectors(["a b", "c"], np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"the key 'a b' contains ASCII whitespace"):
        KeyedVectors.from_gensim(g)


def test_to_gensim_without_gensim(wv, monkeypatch):
    monkeypatch.setitem(sys.modules, "gensim.models.keyedvectors", None)
    with pytest.raises(OptionalDependencyError, match=r"KeyedVectors.to_gensim needs gensim, which "
                                                      r"is not installed: pip install gensim"):
        wv.to_gensim()


def test_vecattr_and_unit_normalize_all_match_gensim(wv, rng):
    g = wv.to_gensim()
    assert wv.get_vecattr("w3", "count") == g.get_vecattr("w3", "count")
    wv.set_vecattr("w3", "count", 77)
    g.set_vecattr("w3", "count", 77)
    assert wv.get_vecattr(5, "count") == g.get_vecattr(5, "count") and wv.counts[wv.get_index("w3")] == 77
    wv.unit_normalize_all()
    g.unit_normalize_all()
    np.testing.assert_allclose(wv.vectors, g.vectors, rtol=1e-6)
    np.testing.assert_allclose(wv.norms, 1.0, rtol=1e-6)
    bare = KeyedVectors(rng.standard_normal((2, 3)), ["a", "b"])
    with pytest.raises(KeyError, match=r"these KeyedVectors have no counts"):
        bare.get_vecattr("a", "count")
    bare.set_vecattr("b", "count", 4)
    assert bare.counts.tolist() == [0, 4]
    with pytest.raises(KeyError, match=r"'sample_int' is not one"):
        bare.get_vecattr("a", "sample_int")
    with pytest.raises(ValueError, match=r"a count must be an int >= 0. Got -1"):
        bare.set_vecattr("a", "count", -1)
    with pytest.raises(ValueError, match=r"one per-key attribute, 'count'. Got 'x'"):
        bare.set_vecattr("a", "x", 1)


# --------------------------------------------------------------------------- caches under edits


from hypothesis import given, settings, strategies as st  # noqa: E402

_EDIT = st.one_of(
    st.tuples(st.just("add"), st.lists(st.integers(0, 30), min_size=1, max_size=4, unique=True),
              st.booleans()),
    st.tuples(st.just("set"), st.lists(st.integers(0, 30), min_size=1, max_size=3, unique=True),
              st.booleans()),
    st.tuples(st.just("sort"), st.just([]), st.booleans()),
    st.tuples(st.just("zero"), st.lists(st.integers(0, 30), min_size=1, max_size=2, unique=True),
              st.booleans()),
)


@settings(max_examples=40, deadline=None)
@given(edits=st.lists(_EDIT, min_size=1, max_size=8), seed=st.integers(0, 2**32 - 1))
def test_edits_keep_the_caches_equal_to_a_fresh_computation(edits, seed):
    """Any sequence of adds, replacements (by key or row), zero vectors and sorts leaves
    the cached norms and unit vectors equal to those of fresh KeyedVectors, and the same
    state as gensim after the same changes."""
    rng = np.random.default_rng(seed)
    wv = KeyedVectors(rng.standard_normal((5, 4)), [f"k{i}" for i in range(5)],
                      counts=rng.integers(0, 9, 5))
    g = wv.to_gensim()
    for op, ids, flag in edits:
        _fill_caches(wv)
        if op in ("add", "set", "zero"):
            keys = [f"k{i}" for i in ids]
            vecs = rng.standard_normal((len(keys), 4)).astype(np.float32)
            if op == "zero":
                vecs[:] = 0
            if op == "add":
                wv.add_vectors(keys, vecs, replace=flag)
                g.add_vectors(keys, vecs, replace=flag)
            else:
                if flag:  # address present keys by their row number
                    keys = [wv.get_index(k) if k in wv else k for k in keys]
                wv[keys] = vecs
                g[[wv.index_to_key[k] if isinstance(k, int) else k for k in keys]] = vecs
        else:
            wv.sort_by_descending_frequency()
            g = wv.to_gensim()  # gensim orders ties differently (see above): go on from ours
    assert wv.index_to_key == g.index_to_key
    np.testing.assert_array_equal(wv.vectors, g.vectors)
    fresh = KeyedVectors(wv.vectors.copy(), wv.index_to_key)
    np.testing.assert_array_equal(wv.norms, fresh.norms)
    np.testing.assert_array_equal(wv.unit_vectors, fresh.unit_vectors)
    assert wv.counts.shape == (len(wv),)
