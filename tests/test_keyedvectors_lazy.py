"""KeyedVectors loaded from a native .npz answer from a compiled key index until
index_to_key / key_to_index are first used: the same answers as eager vectors, the
same attributes once made, mutations that stay right."""
from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from ngramvec import KeyedVectors
from ngramvec.base.exceptions import OutOfVocabularyError, VectorsFormatError
from ngramvec.base.keys import NGRAM_SEP

_formats = pytest.importorskip("ngramvec.vectors._formats")

# ASCII, Latin-1, CJK, an emoji, an ngram key, a lone surrogate, a NUL, a long key
KEYS = (["the", "cat", "dog", "caf\u00e9", "\u732b", "\U0001f408", f"new{NGRAM_SEP}york",
         "\ud800lone", "a\x00b", "x" * 300] + [f"w{i}" for i in range(30)])


@pytest.fixture
def vecs(rng):
    return rng.standard_normal((len(KEYS), 6)).astype(np.float32)


@pytest.fixture(params=[None, "r"], ids=["memory", "mmap"])
def loaded(request, tmp_path, vecs):
    """(lazy, eager): the same vectors loaded from an .npz, and made in memory."""
    counts = np.arange(len(KEYS))[::-1] * 3 % 17
    KeyedVectors(vecs, KEYS, counts=counts).save(tmp_path / "v.npz")
    kv = KeyedVectors.load(tmp_path / "v.npz", mmap=request.param)
    assert _lazy(kv)
    return kv, KeyedVectors(vecs, KEYS, counts=counts)


def _lazy(kv):
    """Whether neither public key attribute has been made yet."""
    return kv._lazy is not None and kv._index_to_key is None and kv._key_to_index is None


def test_queries_agree_and_keep_the_index_lazy(loaded):
    kv, eager = loaded
    queries = KEYS + ["absent", "", "CAT", "caf", ("new", "york"), ["new", "york"], 0, 5,
                      len(KEYS) - 1, len(KEYS), -1, 3.0, None, b"cat", np.int64(2)]
    for q in queries:
        try:
            hashable = hash(q) is not None
        except TypeError:
            hashable = False
        if hashable:
            assert (q in kv) == (q in eager), q
        assert kv.has_index_for(q) == eager.has_index_for(q), q
        assert kv.get_index(q, default=-7) == eager.get_index(q, default=-7), q
        if eager.has_index_for(q):
            np.testing.assert_array_equal(kv[q], eager[q])
            np.testing.assert_array_equal(kv.get_vector(q, norm=True),
                                          eager.get_vector(q, norm=True))
        else:
            with pytest.raises(OutOfVocabularyError):
                kv.get_index(q)
    np.testing.assert_array_equal(kv[["cat", "\u732b", "x" * 300]],
                                  eager[["cat", "\u732b", "x" * 300]])
    np.testing.assert_array_equal(kv[np.array([3, 1])], eager[np.array([3, 1])])
    with pytest.raises(OutOfVocabularyError, match="'absent'"):
        kv[["cat", "absent"]]
    assert len(kv) == len(eager) and repr(kv) == repr(eager)
    for word in ("cat", "\ud800lone", "\U0001f408", ("new", "york"), 4):
        assert kv.most_similar(word, topn=5) == eager.most_similar(word, topn=5)
        assert kv.similar_by_key(word, topn=3) == eager.similar_by_key(word, topn=3)
    assert (kv.most_similar(positive=["cat", "caf\u00e9"], negative=["dog"], topn=4)
            == eager.most_similar(positive=["cat", "caf\u00e9"], negative=["dog"], topn=4))
    assert (kv.most_similar_cosmul(positive=["cat", "w3"], negative=["w4"], topn=4)
            == eager.most_similar_cosmul(positive=["cat", "w3"], negative=["w4"], topn=4))
    assert kv.most_similar("cat", topn=None).tolist() == eager.most_similar("cat",
                                                                          topn=None).tolist()
    assert kv.similar_by_vector(eager["w7"], topn=3) == eager.similar_by_vector(eager["w7"],
                                                                               topn=3)
    assert kv.similarity("cat", "dog") == eager.similarity("cat", "dog")
    assert kv.distance("\u732b", "dog") == eager.distance("\u732b", "dog")
    assert kv.n_similarity(["cat", "w1"], ["dog"]) == eager.n_similarity(["cat", "w1"], ["dog"])
    assert kv.doesnt_match(["cat", "dog", "w5", "absent"]) == eager.doesnt_match(
        ["cat", "dog", "w5", "absent"])
    assert kv.closer_than("cat", "w9") == eager.closer_than("cat", "w9")
    assert kv.rank("cat", "w9") == eager.rank("cat", "w9")
    assert kv.most_similar_to_given("cat", ["dog", "w2", "\u732b"]) == \
        eager.most_similar_to_given("cat", ["dog", "w2", "\u732b"])
    assert kv.rank_by_centrality(["cat", "dog", "w2"]) == eager.rank_by_centrality(
        ["cat", "dog", "w2"])
    np.testing.assert_array_equal(kv.distances("cat", ["dog", "w2"]),
                                  eager.distances("cat", ["dog", "w2"]))
    assert kv.relative_cosine_similarity("cat", "dog", topn=5) == \
        eager.relative_cosine_similarity("cat", "dog", topn=5)
    np.testing.assert_array_equal(kv.get_mean_vector(["cat", "w1", "absent"]),
                                  eager.get_mean_vector(["cat", "w1", "absent"]))
    assert kv.get_vecattr("dog", "count") == eager.get_vecattr("dog", "count")
    sub, sub_eager = kv.vectors_for_all(["dog", "absent", "cat", "dog"]), \
        eager.vectors_for_all(["dog", "absent", "cat", "dog"])
    assert sub.index_to_key == sub_eager.index_to_key == ["dog", "cat"]
    np.testing.assert_array_equal(sub.vectors, sub_eager.vectors)
    kv["cat"] = np.ones(6)             # replacing a present key's vector adds no key
    eager["cat"] = np.ones(6)
    assert kv.most_similar("dog", topn=3) == eager.most_similar("dog", topn=3)
    assert _lazy(kv)                   # none of this needed the lists


def test_first_access_gives_the_eager_attributes(loaded, tmp_path):
    kv, eager = loaded
    # key_to_index first: both made, index order, int values
    d = kv.key_to_index
    assert type(d) is dict and list(d.items()) == list(eager.key_to_index.items())
    assert all(type(i) is int for i in d.values())
    assert kv._lazy is None and kv.key_to_index is d
    assert type(kv.index_to_key) is list and kv.index_to_key == eager.index_to_key
    # index_to_key first: the list alone, then the dict from it
    kv2 = KeyedVectors.load(tmp_path / "v.npz")
    keys = kv2.index_to_key
    assert type(keys) is list and keys == KEYS and kv2.index_to_key is keys
    assert kv2._key_to_index is None and kv2._lazy is not None
    assert kv2.get_index("dog") == 2 and "absent" not in kv2
    assert list(kv2.key_to_index.items()) == list(eager.key_to_index.items())
    assert kv2._lazy is None
    # the attributes stay the ones in use, as when built eagerly
    kv3 = KeyedVectors.load(tmp_path / "v.npz")
    kv3.key_to_index["alias"] = 1
    assert kv3.get_index("alias") == 1 and "alias" in kv3
    kv4 = KeyedVectors.load(tmp_path / "v.npz")
    kv4.index_to_key[0] = "THE"        # the dict still holds the file's keys
    assert kv4.most_similar("dog", topn=len(KEYS))[-1][0] in kv4.index_to_key
    assert "the" in kv4 and "THE" not in kv4
    assert list(kv4.key_to_index)[0] == "the"


def test_assigning_one_attribute_keeps_the_other(tmp_path, vecs):
    KeyedVectors(vecs, KEYS).save(tmp_path / "v.npz")
    kv = KeyedVectors.load(tmp_path / "v.npz")
    kv.index_to_key = list(reversed(KEYS))
    assert kv.key_to_index == {k: i for i, k in enumerate(KEYS)} and kv._lazy is None
    kv = KeyedVectors.load(tmp_path / "v.npz")
    kv.key_to_index = {"cat": 0}
    assert kv.index_to_key == KEYS and kv.get_index("dog", -1) == -1


def test_mutations_after_a_lazy_load(loaded, tmp_path):
    kv, eager = loaded
    for k in (kv, eager):
        k.add_vector("new", np.full(6, 0.5, np.float32))
        k.add_vectors(["dog", "newer"], np.eye(2, 6), replace=True)
        k[("new", "york")] = np.arange(6)
        k[0] = np.ones(6)
    assert kv.index_to_key == eager.index_to_key and kv.key_to_index == eager.key_to_index
    np.testing.assert_array_equal(kv.vectors, eager.vectors)
    assert kv.most_similar("newer", topn=4) == eager.most_similar("newer", topn=4)
    kv.sort_by_descending_frequency()
    eager.sort_by_descending_frequency()
    assert kv.index_to_key == eager.index_to_key and kv.key_to_index == eager.key_to_index
    with pytest.raises(ValueError, match="present already"):
        kv.add_vector("newer", np.ones(6))


@pytest.mark.parametrize("action", ["sort", "intersect", "pickle", "deepcopy", "with_vectors",
                                    "save", "word2vec"])
def test_each_mutation_or_copy_from_lazy(tmp_path, vecs, action):
    counts = np.arange(len(KEYS))[::-1]
    KeyedVectors(vecs, KEYS, counts=counts).save(tmp_path / "v.npz")
    kv = KeyedVectors.load(tmp_path / "v.npz")
    eager = KeyedVectors(vecs, KEYS, counts=counts)
    if action == "sort":
        kv.sort_by_descending_frequency()
        eager.sort_by_descending_frequency()
        out, ref = kv, eager
    elif action == "intersect":
        src = KeyedVectors(np.ones((3, 6)), ["dog", "zzz", "\u732b"])
        src.save_word2vec_format(tmp_path / "src.txt")
        assert kv.intersect_word2vec_format(tmp_path / "src.txt") == 2
        eager.intersect_word2vec_format(tmp_path / "src.txt")
        out, ref = kv, eager
    elif action == "pickle":
        out, ref = pickle.loads(pickle.dumps(kv)), eager
        assert out._lazy is None
    elif action == "deepcopy":
        out, ref = copy.deepcopy(kv), eager
    elif action == "with_vectors":
        out, ref = kv.with_vectors(vecs * 2), eager.with_vectors(vecs * 2)
        assert _lazy(out) and _lazy(kv)       # they share the (unchanging) index
        out.add_vector("only-in-out", np.ones(6))
        assert "only-in-out" not in kv and len(kv) == len(KEYS)
        ref.add_vector("only-in-out", np.ones(6))
    elif action == "save":
        kv.save(tmp_path / "again.npz")
        out, ref = KeyedVectors.load(tmp_path / "again.npz"), eager
    else:
        for k in (kv, eager):   # the lone surrogate cannot be written as UTF-8
            with pytest.raises(VectorsFormatError, match=r"record 8: cannot write the key"):
                k.save_word2vec_format(tmp_path / "no.bin", binary=True)
        keep = [k for k in KEYS if k != "\ud800lone"]
        kv.vectors_for_all(keep).save_word2vec_format(tmp_path / "lazy.bin", binary=True)
        eager.vectors_for_all(keep).save_word2vec_format(tmp_path / "eager.bin", binary=True)
        assert (tmp_path / "lazy.bin").read_bytes() == (tmp_path / "eager.bin").read_bytes()
        out, ref = kv, eager
    assert out.index_to_key == ref.index_to_key
    assert list(out.key_to_index.items()) == list(ref.key_to_index.items())
    np.testing.assert_array_equal(out.vectors, ref.vectors)
    assert out.most_similar("cat", topn=5) == ref.most_similar("cat", topn=5)


def test_pickles_of_the_earlier_layout_still_load(vecs):
    kv = KeyedVectors(vecs, KEYS)
    state = kv.__getstate__()
    old = {("index_to_key" if k == "_index_to_key" else "key_to_index" if k == "_key_to_index"
            else k): v for k, v in state.items() if k != "_lazy"}
    back = KeyedVectors.__new__(KeyedVectors)
    back.__setstate__(old)
    assert back.index_to_key == KEYS and back.get_index("dog") == 2


@pytest.mark.parametrize("mmap", [None, "r"])
@pytest.mark.parametrize("keys, match", [
    (["\u732b", "dog", "\u732b"], r"duplicate key '\u732b' at positions 0 and 2"),
    (["a", "b", "c", "d", "b"], r"duplicate key 'b' at positions 1 and 4"),
    (["\ud800", "x", "\ud800"], r"duplicate key '\\ud800' at positions 0 and 2"),
])
def test_hostile_duplicates_name_the_file(tmp_path, mmap, keys, match):
    from ngramvec.base.persist import encode_strings
    from test_io import _raw_npz
    blob, off = encode_strings(keys)
    p = _raw_npz(tmp_path / "dup.npz", blob, off, np.zeros((len(keys), 2), np.float32))
    with pytest.raises(VectorsFormatError, match=rf"dup\.npz: damaged vectors file: {match}"):
        KeyedVectors.load(p, mmap=mmap)


@pytest.mark.parametrize("offsets, match", [
    ([0, 2, 1 << 40], "inconsistent offsets"),
    ([0, 3, 5], "inconsistent offsets"),                 # last offset short of the bytes
    ([0, 7, 6], "inconsistent offsets"),                 # past the end
    ([0, -3, 6], "inconsistent offsets"),
    ([-1, 3, 6], "inconsistent offsets"),
])
def test_hostile_offsets_name_the_file(tmp_path, offsets, match):
    from test_io import _raw_npz
    blob = np.frombuffer(b"abcdef", np.uint8)
    p = _raw_npz(tmp_path / "off.npz", blob, np.array(offsets, np.int64),
                 np.zeros((2, 2), np.float32))
    with pytest.raises(VectorsFormatError, match=rf"off\.npz: .*{match}"):
        KeyedVectors.load(p)


def _python_accepts(raw: bytes) -> bool:
    try:
        raw.decode("utf-8", "surrogatepass")
        return True
    except UnicodeDecodeError:
        return False


_UTF8_PIECES = st.sampled_from([b"a", b"\x00", b"\x7f", b"\x80", b"\xbf", b"\xc0", b"\xc1",
                                b"\xc2", b"\xdf", b"\xe0", b"\xe0\xa0", b"\xed", b"\xed\xa0",
                                b"\xed\x9f", b"\xef\xbf", b"\xf0", b"\xf0\x90", b"\xf4",
                                b"\xf4\x8f", b"\xf4\x90", b"\xf5", b"\xff", b"\x8f",
                                "\u732b".encode(), "\U0001f408".encode(), b"\xc3\xa9"])


@settings(max_examples=300, deadline=None)
@given(st.lists(_UTF8_PIECES, min_size=1, max_size=6).map(b"".join))
def test_utf8_check_agrees_with_python(raw):
    """The compiled check accepts a key exactly when Python's UTF-8 decoder (with
    surrogatepass, as the keys are decoded) does."""
    index = _formats.KeyIndex(np.frombuffer(raw, np.uint8), np.array([0, len(raw)]), 7)
    status, _, _ = index.build()
    assert (status == _formats.KEYS_OK) == _python_accepts(raw)
    if status == _formats.KEYS_OK:
        assert index.keys() == [raw.decode("utf-8", "surrogatepass")]
        assert index.find(raw.decode("utf-8", "surrogatepass")) == 0


_KEY = st.text(st.characters(blacklist_characters=" \t\n\r\x0b\x0c"), min_size=1, max_size=20)


@settings(max_examples=60, deadline=None)
@given(st.lists(_KEY, max_size=60, unique=True), st.lists(_KEY, max_size=20),
       st.integers(0, 2**64 - 1))
def test_lookups_agree_with_a_dict(keys, others, seed):
    from ngramvec.base.persist import encode_strings
    blob, off = encode_strings(keys)
    index = _formats.KeyIndex(blob, off, seed)
    assert index.build() == (_formats.KEYS_OK, 0, -1)
    ref = {k: i for i, k in enumerate(keys)}
    for q in keys + others:
        assert index.find(q) == ref.get(q, -1)
    assert index.keys() == keys and list(index.index().items()) == list(ref.items())
    assert list(index.index(keys).items()) == list(ref.items())
    assert all(index.key(i) == k for i, k in enumerate(keys))


def test_lookups_of_every_length():
    """Keys of 1 to 40 bytes (each word layout of the hash) and their near misses."""
    from ngramvec.base.persist import encode_strings
    keys = ["".join(chr(97 + (i * 7 + j) % 26) for j in range(n)) for n in range(1, 41)
            for i in range(3)]
    keys = list(dict.fromkeys(keys))
    blob, off = encode_strings(keys)
    index = _formats.KeyIndex(blob, off, 12345)
    assert index.build()[0] == _formats.KEYS_OK
    for i, k in enumerate(keys):
        assert index.find(k) == i
        for pos in range(len(k)):     # one byte changed, anywhere: absent
            other = k[:pos] + ("Z" if k[pos] != "Z" else "Y") + k[pos + 1:]
            assert index.find(other) == -1
        assert index.find(k + "a") == (keys.index(k + "a") if k + "a" in keys else -1)
        assert index.find(k[:-1]) == (keys.index(k[:-1]) if k[:-1] in keys else -1)
