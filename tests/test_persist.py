"""Tests of ngramvec.base.persist, the one save/load, and of the classes that use it
beyond the estimators (Vocabulary, Cooccurrence, KeyedVectors)."""
from __future__ import annotations

import json
import os

import numpy as np
import pytest
import scipy.sparse as sp

import ngramvec as nv
from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import FORMAT_VERSION, META_KEY, load_npz, save_npz
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.vectors import formats


def test_round_trip_arrays_strings_params_state(tmp_path):
    path = tmp_path / "thing.model"
    keys = ["a", "ä", "", "new\u00a0york", "日本"]
    save_npz(path, "Thing", {"x": np.arange(6, dtype=np.float32).reshape(2, 3), "keys": keys,
                             "none": []},
             params={"dim": np.int64(3), "lr": 0.5}, state={"history": [{"loss": None}]})
    assert os.listdir(tmp_path) == ["thing.model"]    # exactly that name, no temporary file
    saved = load_npz(path, "Thing")
    assert saved.class_name == "Thing" and saved.format_version == FORMAT_VERSION
    assert saved.params == {"dim": 3, "lr": 0.5} and saved.state == {"history": [{"loss": None}]}
    assert saved.arrays["keys"] == keys and saved.arrays["none"] == []
    np.testing.assert_array_equal(saved.arrays["x"], np.arange(6).reshape(2, 3))
    with np.load(path, allow_pickle=False) as z:       # plain arrays, no pickles
        assert set(z.files) == {META_KEY, "x", "keys_utf8", "keys_offsets", "none_utf8",
                                "none_offsets"}
        assert json.loads(z[META_KEY].tobytes())["class"] == "Thing"


def test_errors_name_the_file(tmp_path):
    save_npz(tmp_path / "a.npz", "Thing", {"x": np.zeros(2)})
    with pytest.raises(VectorsFormatError, match=r"a\.npz: holds a Thing, not a Other; load it "
                                                 r"with Thing\.load"):
        load_npz(tmp_path / "a.npz", "Other")
    with pytest.raises(FileNotFoundError, match=r"missing\.npz: no such widget file"):
        load_npz(tmp_path / "missing.npz", "Thing", "widget")
    (tmp_path / "text.npz").write_text("just text\n")
    with pytest.raises(VectorsFormatError, match=r"text\.npz: not a widget file of ngramvec: not "
                                                 r"an \.npz archive") as err:
        load_npz(tmp_path / "text.npz", "Thing", "widget")
    assert "pickle" not in str(err.value)
    (tmp_path / "empty.npz").write_bytes(b"")
    with pytest.raises(VectorsFormatError, match=r"empty\.npz: not a Thing file of ngramvec"):
        load_npz(tmp_path / "empty.npz", "Thing")
    np.save(tmp_path / "single.npy", np.zeros(3))
    with pytest.raises(VectorsFormatError, match="a single .npy array, not an .npz archive"):
        load_npz(tmp_path / "single.npy", "Thing")
    np.savez(tmp_path / "foreign.npz", x=np.zeros(2))
    with pytest.raises(VectorsFormatError, match=r"not a Thing file of ngramvec \(no "
                                                 r"'__ngramvec__' entry\)"):
        load_npz(tmp_path / "foreign.npz", "Thing")
    raw = (tmp_path / "a.npz").read_bytes()
    (tmp_path / "cut.npz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(VectorsFormatError, match=r"cut\.npz"):
        load_npz(tmp_path / "cut.npz", "Thing")


def test_newer_format_version_is_refused(tmp_path):
    meta = {"library": "ngramvec", "class": "Thing", "format_version": FORMAT_VERSION + 1}
    np.savez(tmp_path / "new.npz", **{META_KEY: np.frombuffer(json.dumps(meta).encode(),
                                                              dtype=np.uint8)})
    with pytest.raises(VectorsFormatError, match=rf"new\.npz: written by a newer ngramvec \(format "
                                                 rf"version {FORMAT_VERSION + 1}\); this one "
                                                 rf"reads versions up to {FORMAT_VERSION}"):
        load_npz(tmp_path / "new.npz", "Thing")
    np.savez(tmp_path / "bad.npz", **{META_KEY: np.frombuffer(b"{not json", dtype=np.uint8)})
    with pytest.raises(VectorsFormatError, match="damaged '__ngramvec__' header"):
        load_npz(tmp_path / "bad.npz", "Thing")


def test_what_cannot_be_stored_leaves_the_old_file(tmp_path):
    path = tmp_path / "keep.npz"
    save_npz(path, "Thing", {"x": np.ones(2)})
    before = path.read_bytes()
    with pytest.raises(TypeError, match="object array would need pickles"):
        save_npz(path, "Thing", {"x": np.array([{}, 1], dtype=object)})
    with pytest.raises(TypeError, match="cannot be stored in the JSON header"):
        save_npz(path, "Thing", {}, params={"f": object()})
    with pytest.raises(ValueError, match="'keys_utf8' collides with the string list 'keys'"):
        save_npz(path, "Thing", {"keys": ["a"], "keys_utf8": np.zeros(1)})
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["keep.npz"]


def test_inconsistent_string_offsets(tmp_path):
    save_npz(tmp_path / "s.npz", "Thing", {"keys": ["ab", "c"]})
    with np.load(tmp_path / "s.npz") as z:
        files = {k: z[k] for k in z.files}
    files["keys_offsets"] = np.array([0, 5, 3])
    np.savez(tmp_path / "s.npz", **files)
    with pytest.raises(VectorsFormatError, match="inconsistent offsets of the strings 'keys'"):
        load_npz(tmp_path / "s.npz", "Thing")


# --------------------------------------------------------------------------- classes


def test_vocabulary_npz_keeps_totals(tmp_path):
    corpus = nv.Corpus(["a b c a", "b a d", "a b"])
    v = nv.Vocabulary.build(corpus, min_count=2, ngram_orders=(1, 2))
    v.save(tmp_path / "v.npz")
    w = nv.Vocabulary.load(tmp_path / "v.npz")
    assert w.index_to_key == v.index_to_key and np.array_equal(w.counts, v.counts)
    assert (w.total_tokens, w.word_total, w.max_size) == (v.total_tokens, v.word_total,
                                                          v.max_size)
    assert w.min_count == v.min_count
    np.testing.assert_array_equal(w.keep_probs(1e-1), v.keep_probs(1e-1))
    v.save(tmp_path / "v.txt")                              # the word2vec text format stays
    assert (tmp_path / "v.txt").read_text().splitlines()[0] == f"a {v.count('a')}"
    os.replace(tmp_path / "v.npz", tmp_path / "v.bin")      # recognised by content
    assert nv.Vocabulary.load(tmp_path / "v.bin").index_to_key == v.index_to_key
    save_npz(tmp_path / "other.npz", "Thing", {})
    with pytest.raises(VectorsFormatError, match="holds a Thing, not a Vocabulary"):
        nv.Vocabulary.load(tmp_path / "other.npz")


def test_cooccurrence_round_trip_and_format_version_1(tmp_path):
    corpus = nv.Corpus(["a b c", "c b ä", "a c"])
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    counts = nv.count_cooccurrences(corpus, vocab, window=2, weighting="harmonic")
    counts.save(tmp_path / "c.npz")
    back = Cooccurrence.load(tmp_path / "c.npz")
    assert (back.matrix != counts.matrix).nnz == 0 and back.matrix.dtype == counts.matrix.dtype
    assert back.row_vocab is back.col_vocab                 # one vocabulary, stored once
    assert back.row_vocab.total_tokens == vocab.total_tokens and back.params == counts.params
    rect = Cooccurrence(sp.csr_matrix(np.ones((2, 3), np.float32)),
                        nv.Vocabulary(["x", "y"], [2, 1]),
                        nv.Vocabulary(["p", "q", "r"], [3, 2, 1]), {"window": 1})
    rect.save(tmp_path / "r.npz")
    r = Cooccurrence.load(tmp_path / "r.npz")
    assert r.col_vocab.index_to_key == ["p", "q", "r"] and r.shape == (2, 3)
    # the layout of ngramvec before base.persist
    m = counts.matrix
    np.savez(tmp_path / "old.npz", format=np.array("ngramvec-cooccurrence-1"),
             indptr=m.indptr, indices=m.indices, data=m.data,
             shape=np.array(m.shape, dtype=np.int64),
             row_keys=np.array(vocab.index_to_key, dtype=str), row_counts=vocab.counts,
             col_keys=np.array(vocab.index_to_key, dtype=str), col_counts=vocab.counts,
             params=np.array(json.dumps(counts.params)))
    old = Cooccurrence.load(tmp_path / "old.npz")
    assert (old.matrix != m).nnz == 0 and old.col_vocab.index_to_key == vocab.index_to_key
    assert old.params == counts.params


def test_keyed_vectors_npz_and_format_version_1(tmp_path, rng):
    keys = ["a", "b", "new\u00a0york"]
    vecs = rng.normal(size=(3, 4)).astype(np.float32)
    wv = nv.KeyedVectors(vecs, keys, [3, 2, 1])
    wv.save(tmp_path / "v.npz")
    back = nv.KeyedVectors.load(tmp_path / "v.npz")
    assert back.index_to_key == keys and np.array_equal(back.counts, [3, 2, 1])
    np.testing.assert_array_equal(back.vectors, vecs)
    with np.load(tmp_path / "v.npz", allow_pickle=False) as z:    # the documented entries
        assert {"vectors", "keys_utf8", "keys_offsets", "counts"} <= set(z.files)
    formats.write_npz(tmp_path / "old.npz", keys, vecs)          # format version 1
    old = nv.KeyedVectors.load(tmp_path / "old.npz")
    assert old.index_to_key == keys and old.counts is None
    (tmp_path / "text.npz").write_text("a 1 2\n")
    with pytest.raises(VectorsFormatError, match=r"text\.npz: not a vectors file of ngramvec: "
                                                 r"not an \.npz archive"):
        nv.KeyedVectors.load(tmp_path / "text.npz")
    nv.GloVe(dim=2, epochs=1, n_threads=1).fit(Cooccurrence(
        sp.csr_matrix(np.ones((3, 3), np.float32)), nv.Vocabulary(keys, [3, 2, 1]),
        nv.Vocabulary(keys, [3, 2, 1]))).save(tmp_path / "g.npz")
    with pytest.raises(VectorsFormatError, match="holds a GloVe, not a KeyedVectors; load it "
                                                 "with GloVe.load"):
        nv.KeyedVectors.load(tmp_path / "g.npz")


def test_stored_parameters_are_checked_at_load(tmp_path):
    # a parameter the class would refuse at first use makes the file damaged at load,
    # named (found by the fuzz run: a saved embedder with lowercase=None loaded)
    from ngramvec.vectors.postprocess import Whitening

    X = np.random.default_rng(0).normal(size=(40, 4)).astype(np.float32)
    Whitening().fit(X).save(tmp_path / "w.npz")
    with np.load(tmp_path / "w.npz", allow_pickle=False) as z:
        files = {k: z[k] for k in z.files}
    meta = json.loads(files[META_KEY].tobytes())
    meta["params"]["eps"] = -1.0
    files[META_KEY] = np.frombuffer(json.dumps(meta).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad.npz", **files)
    with pytest.raises(VectorsFormatError, match=r"bad\.npz: damaged .*'eps' parameter"):
        Whitening.load(tmp_path / "bad.npz")
    assert Whitening.load(tmp_path / "bad.npz", eps=1e-6).eps == 1e-6   # overridden: not read
    assert Whitening.load(tmp_path / "w.npz").eps == 1e-6
