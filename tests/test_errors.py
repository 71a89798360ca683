"""Errors that name the file and the entry (issue 10, item 9).

Damaged archives, arrays of the wrong dtype or shape, absurd sizes, a full disk and keys
that UTF-8 cannot encode each raise an ngramvec error (or an OSError) naming the file,
and the record, entry or parameter, never a bare exception of the layer below.
"""
from __future__ import annotations

import errno
import json
import os
import re
import struct
import zipfile

import numpy as np
import pytest
import scipy.sparse as sp

import ngramvec as nv
from ngramvec.base import persist
from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import META_KEY, ArraySpec, STRINGS, check_arrays
from ngramvec.base.validation import MAX_MEMORY, check_memory
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.vectors import formats
from ngramvec.vectors.postprocess import Whitening

KEYS = ["a", "b", "c", "d", "e"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """One file of every class that persists, and how to load it."""
    d = tmp_path_factory.mktemp("saved")
    rng = np.random.default_rng(0)
    corpus = nv.Corpus(["the cat sat on the mat", "a dog sat on a log"] * 5)
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    counts = nv.count_cooccurrences(corpus, vocab, window=2)
    nv.KeyedVectors(rng.normal(size=(5, 3)).astype(np.float32), KEYS, [5, 4, 3, 2, 1]).save(
        d / "kv.npz")
    vocab.save(d / "vocab.npz")
    counts.save(d / "counts.npz")
    nv.SGNS(dim=4, epochs=1, min_count=1, n_threads=1).fit(corpus).save(d / "sgns.npz")
    nv.GloVe(dim=4, epochs=1, n_threads=1).fit(counts).save(d / "glove.npz")
    Whitening().fit(rng.normal(size=(20, 4))).save(d / "whitening.npz")
    return {"kv.npz": nv.KeyedVectors.load, "vocab.npz": nv.Vocabulary.load,
            "counts.npz": Cooccurrence.load, "sgns.npz": nv.SGNS.load,
            "glove.npz": nv.GloVe.load, "whitening.npz": Whitening.load}, d


def _rewrite(src, dst, **changes):
    """Copy an archive with entries replaced (None: removed)."""
    with np.load(src, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    for k, v in changes.items():
        if v is None:
            entries.pop(k)
        else:
            entries[k] = v(entries[k]) if callable(v) else v
    with open(dst, "wb") as f:
        np.savez(f, **entries)
    return dst


# --------------------------------------------------------------------------- damaged zips

def _member_data_offset(path, member):
    """Offset of the first byte of a member's data in the archive."""
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    with open(path, "rb") as f:
        f.seek(info.header_offset)
        head = f.read(30)
    name_len, extra_len = struct.unpack("<HH", head[26:30])
    return info.header_offset + 30 + name_len + extra_len, info.compress_size


@pytest.mark.parametrize("name", ["kv.npz", "vocab.npz", "counts.npz", "sgns.npz", "glove.npz",
                                  "whitening.npz"])
def test_bad_crc_names_the_file_and_the_entry(saved, tmp_path, name):
    loaders, d = saved
    raw = bytearray((d / name).read_bytes())
    with zipfile.ZipFile(d / name) as z:
        member = max(z.infolist(), key=lambda i: i.compress_size).filename
    start, size = _member_data_offset(d / name, member)
    raw[start + size - 1] ^= 0xFF                      # a data byte: the CRC no longer matches
    bad = tmp_path / name
    bad.write_bytes(bytes(raw))
    entry = member[:-len(".npy")]
    load = (lambda p: nv.KeyedVectors.load(p, check_crc=True)) if name == "kv.npz" else loaders[name]
    with pytest.raises(VectorsFormatError, match=rf"{re.escape(str(bad))}: damaged archive: cannot "
                                                 rf"read the entry '{entry}' \(BadZipFile: Bad "
                                                 rf"CRC-32"):
        load(bad)


def test_keyedvectors_load_checks_the_crc_only_when_asked(tmp_path):
    # the CRC would read the vectors a second time: KeyedVectors.load(check_crc=True)
    # asks for it; without it a changed byte inside the vectors goes unnoticed (as in
    # gensim's .npy), while the structure, sizes and keys are still checked
    vectors = np.arange(12, dtype=np.float32).reshape(4, 3)
    good = tmp_path / "kv.npz"
    nv.KeyedVectors(vectors, ["a", "b", "c", "d"]).save(good)
    start, size = _member_data_offset(good, "vectors.npy")
    raw = bytearray(good.read_bytes())
    raw[start + size - 1] ^= 0x01                      # the last byte of the last value
    bad = tmp_path / "bad.npz"
    bad.write_bytes(bytes(raw))
    kv = nv.KeyedVectors.load(bad)
    assert kv.vectors[-1, -1] != vectors[-1, -1] and np.array_equal(kv.vectors[:-1], vectors[:-1])
    for mmap in (None, "r"):
        with pytest.raises(VectorsFormatError, match=rf"{re.escape(str(bad))}: damaged archive: "
                                                     rf"cannot (read the entry 'vectors' \(BadZip"
                                                     rf"File: Bad CRC-32|memory-map it \(Value"
                                                     rf"Error: bad CRC-32 of the entry 'vectors')"):
            nv.KeyedVectors.load(bad, mmap=mmap, check_crc=True)
    assert np.array_equal(nv.KeyedVectors.load(good, mmap="r", check_crc=True).vectors, vectors)
    start, size = _member_data_offset(good, "keys_utf8.npy")
    raw = bytearray(good.read_bytes())
    raw[start + size - 1] = ord(" ")                   # a key "d" -> " ": still refused
    bad.write_bytes(bytes(raw))
    with pytest.raises(VectorsFormatError, match=rf"{re.escape(str(bad))}: damaged vectors file: "
                                                 rf"the key ' ' contains ASCII whitespace"):
        nv.KeyedVectors.load(bad)


def _patch_central_directory(path, offset_in_entry, fmt, value):
    raw = bytearray(path.read_bytes())
    i = raw.index(b"PK\x01\x02")                       # the first central directory entry
    struct.pack_into(fmt, raw, i + offset_in_entry, value)
    path.write_bytes(bytes(raw))


@pytest.mark.parametrize("offset, fmt, value, match", [
    (10, "<H", 99, r"NotImplementedError: That compression method is not supported"),
    (8, "<H", 0x1, r"RuntimeError: File .* is encrypted"),
])
def test_unsupported_zip_features_name_the_file(saved, tmp_path, offset, fmt, value, match):
    _, d = saved
    bad = tmp_path / "kv.npz"
    bad.write_bytes((d / "kv.npz").read_bytes())
    _patch_central_directory(bad, offset, fmt, value)
    with pytest.raises(VectorsFormatError, match=rf"kv\.npz: damaged archive: cannot read the "
                                                 rf"entry .*{match}"):
        nv.KeyedVectors.load(bad)


def test_not_a_zip_at_all(tmp_path):
    p = tmp_path / "counts.txt"
    p.write_text("the cat sat\n")
    with pytest.raises(VectorsFormatError, match=r"counts\.txt: not a co-occurrence file of "
                                                 r"ngramvec: not an \.npz archive \(a zip file; "
                                                 r"it starts with b'the cat '\)") as err:
        Cooccurrence.load(p)
    assert "pickle" not in str(err.value)
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 40)        # the magic, then nothing valid
    with pytest.raises(VectorsFormatError, match=r"counts\.txt: not a co-occurrence file of "
                                                 r"ngramvec: not a readable \.npz \(BadZipFile"):
        Cooccurrence.load(p)


def test_header_entry_of_the_wrong_dtype(saved, tmp_path):
    _, d = saved
    with np.load(d / "kv.npz") as z:
        header = z[META_KEY]
    bad = _rewrite(d / "kv.npz", tmp_path / "kv.npz", **{META_KEY: header.astype(np.float32)})
    with pytest.raises(VectorsFormatError, match=r"kv\.npz: damaged '__ngramvec__' header "
                                                 r"\(expected 1-D uint8, found float32"):
        nv.KeyedVectors.load(bad)


# --------------------------------------------------------------------------- bad arrays
# Each loader declares the dtype and shape of what it trusts; a file (of this version or
# an older one) whose arrays do not match names the file and the entry. These used to be
# IndexError, TypeError, LinAlgError or plain ValueError from deep inside the loaders.

@pytest.mark.parametrize("name, changes, match", [
    ("kv.npz", {"vectors": np.zeros((2, 2, 2))},
     r"the entry 'vectors' must be a 2-D float array of shape \(n, dim\); found dtype float64 "
     r"and shape \(2, 2, 2\)"),
    ("kv.npz", {"vectors": np.zeros((5, 3), np.complex64)},
     r"the entry 'vectors' must be a 2-D float array .* found dtype complex64"),
    ("kv.npz", {"counts": np.array(7)},
     r"the entry 'counts' must be a 1-D signed int or unsigned int array of shape \(n,\) with "
     r"n=5 as in 'vectors'; found dtype int64 and shape \(\)"),
    ("kv.npz", {"counts": np.arange(4)},
     r"the entry 'counts' must be .* of shape \(n,\) with n=5 as in 'vectors'; found dtype "
     r"int64 and shape \(4,\)"),
    ("kv.npz", {"counts": np.array([1, 2, -3, 4, 5])}, r"damaged vectors file: counts must be "
                                                        r">= 0"),
    ("sgns.npz", {"rng_states": np.zeros((1, 3), np.uint64)},
     r"the entry 'rng_states' must be a 2-D .* of shape \(any, 4\); found dtype uint64 and "
     r"shape \(1, 3\)"),
    ("sgns.npz", {"input_vectors": np.array(7.0)},
     r"the entry 'input_vectors' must be a 2-D float array of shape \(n_input, dim\)"),
    ("glove.npz", {"word_gradsq_": np.zeros((2, 2), np.float32)},
     r"the entry 'word_gradsq_' must be a 2-D float array of shape \(rows, width\) with "
     r"rows=\d+ as in 'word_params_', width=5 as in 'word_params_'"),
    ("counts.npz", {"shape": lambda old: np.array([old[0], 10**9])},
     r"corrupted co-occurrence file: the matrix has shape \(\d+, 1000000000\) but the "
     r"vocabularies"),
    ("counts.npz", {"data": np.zeros(3, np.complex64)}, r"the entry 'data' must be a 1-D float"),
    ("whitening.npz", {"covariance_": np.zeros(4)},
     r"the entry 'covariance_' must be a 2-D float array of shape \(d, d\) with d=4 as in "
     r"'mean_'; found dtype float64 and shape \(4,\)"),
    ("whitening.npz", {"covariance_": np.zeros((4, 3))},
     r"the entry 'covariance_' must be a 2-D float array of shape \(d, d\) with d=4 as in "
     r"'mean_'; found dtype float64 and shape \(4, 3\)"),
])
def test_arrays_of_the_wrong_dtype_or_shape(saved, tmp_path, name, changes, match):
    loaders, d = saved
    bad = _rewrite(d / name, tmp_path / name, **changes)
    with pytest.raises(VectorsFormatError, match=rf"{re.escape(str(bad))}: .*{match}"):
        loaders[name](bad)


def test_string_list_of_the_wrong_dtype(saved, tmp_path):
    loaders, d = saved
    bad = _rewrite(d / "kv.npz", tmp_path / "kv.npz", keys_utf8=np.zeros(3, np.float32))
    with pytest.raises(VectorsFormatError, match=r"kv\.npz: the strings 'keys' must be 1-D "
                                                 r"uint8 \(UTF-8 bytes\); found float32"):
        nv.KeyedVectors.load(bad)


def test_parameters_the_class_does_not_have(saved, tmp_path):
    loaders, d = saved
    with np.load(d / "glove.npz") as z:
        meta = json.loads(z[META_KEY].tobytes())
    meta["params"]["bogus"] = 1
    bad = _rewrite(d / "glove.npz", tmp_path / "glove.npz",
                   **{META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    with pytest.raises(VectorsFormatError, match=r"glove\.npz: damaged GloVe model file: "
                                                 r"parameters \['bogus'\] are not parameters "
                                                 r"of GloVe"):
        nv.GloVe.load(bad)


def test_legacy_files_are_checked_too(tmp_path):
    rng = np.random.default_rng(0)
    # a co-occurrence file of format version 1 whose keys are numbers, not strings
    m = sp.csr_matrix(np.ones((2, 2), np.float32))
    old = tmp_path / "old.npz"
    np.savez(old, format=np.array("ngramvec-cooccurrence-1"), indptr=m.indptr,
             indices=m.indices, data=m.data, shape=np.array(m.shape, dtype=np.int64),
             row_keys=np.array([1, 2]), row_counts=np.array([2, 1]),
             col_keys=np.array(["x", "y"]), col_counts=np.array([2, 1]),
             params=np.array(json.dumps({"window": 2})))
    with pytest.raises(VectorsFormatError, match=r"old\.npz: damaged co-occurrence file: the "
                                                 r"entry 'row_keys' must be a list of str"):
        Cooccurrence.load(old)
    # parameters that are not a JSON object (GloVe and the post-processors of version 1)
    np.savez(old, format=np.array("ngramvec-glove-1"), params=np.array("[1, 2]"))
    with pytest.raises(VectorsFormatError, match=r"old\.npz: damaged GloVe model file .*the "
                                                 r"parameters are a list, not a JSON object"):
        nv.GloVe.load(old)
    w = Whitening().fit(rng.normal(size=(20, 4)))
    np.savez(old, __estimator__=np.array("Whitening"), __format__=np.array(1),
             __params__=np.array("7"), mean_=w.mean_, covariance_=w.covariance_)
    with pytest.raises(VectorsFormatError, match=r"old\.npz: damaged parameters: a int, not a "
                                                 r"JSON object"):
        Whitening.load(old)


def test_check_arrays_binds_named_sizes():
    schema = {"v": ArraySpec("f", ("n", "dim")), "k": ArraySpec(STRINGS, ("n",)),
              "c": ArraySpec("iu", ("n",)), "s": ArraySpec("iu", (2,))}
    check_arrays({"v": np.zeros((2, 3)), "k": ["a", "b"], "c": np.ones(2, np.uint8),
                  "s": np.zeros(2, np.int64)}, schema, "f.npz")
    check_arrays({"v": np.zeros((2, 3))}, schema, "f.npz")        # absent entries: not checked
    with pytest.raises(VectorsFormatError, match=r"f\.npz: damaged thing file: the entry 'k' "
                                                 r"must be a list of str of length n with n=2 "
                                                 r"as in 'v'; "
                                                 r"found a list of 3 str"):
        check_arrays({"v": np.zeros((2, 3)), "k": ["a", "b", "c"]}, schema, "f.npz", "thing")
    with pytest.raises(VectorsFormatError, match=r"the entry 's' must be a 1-D signed int or "
                                                 r"unsigned int array of shape \(2,\); found "
                                                 r"dtype float64"):
        check_arrays({"s": np.zeros(2)}, schema, "f.npz")
    with pytest.raises(VectorsFormatError, match=r"the entry 'k' must be a list of str .*found "
                                                 r"ndarray"):
        check_arrays({"k": np.array(["a"])}, schema, "f.npz")


# --------------------------------------------------------------------------- format version

def test_newer_format_version_names_the_file_once(saved, tmp_path):
    _, d = saved
    with np.load(d / "kv.npz") as z:
        meta = json.loads(z[META_KEY].tobytes())
    meta["format_version"] = persist.FORMAT_VERSION + 1
    bad = _rewrite(d / "kv.npz", tmp_path / "kv.npz",
                   **{META_KEY: np.frombuffer(json.dumps(meta).encode(), np.uint8)})
    with pytest.raises(VectorsFormatError, match="written by a newer ngramvec") as err:
        nv.KeyedVectors.load(bad)
    assert str(err.value).count(str(bad)) == 1


def test_newer_format_version_1_file_names_the_file_once(tmp_path):
    p = tmp_path / "v1.npz"
    formats.write_npz(p, KEYS, np.zeros((5, 2), np.float32))
    _rewrite(p, p, format_version=np.array(99))
    with pytest.raises(VectorsFormatError, match="format version 99 is newer") as err:
        nv.KeyedVectors.load(p)
    assert str(err.value).count(str(p)) == 1


# --------------------------------------------------------------------------- sizes

def test_binary_header_claiming_a_huge_dim(tmp_path):
    p = tmp_path / "v.bin"
    p.write_bytes(b"1 268435456\nab " + b"\x00" * 16)
    with pytest.raises(VectorsFormatError, match=r"v\.bin"):
        formats.read_word2vec(p, binary=True)


@pytest.mark.parametrize("value", [10**30, MAX_MEMORY + 1, "1e30GB", "2EB", "9" * 400])
def test_memory_limit_has_an_upper_bound(value):
    match = (r"The 'memory_limit' parameter of count_cooccurrences must be an int of bytes >= 1 "
             r"or a str such as '4GB', at most 2\*\*60 bytes \('1EB'\)\. Got .* instead\.")
    corpus = nv.Corpus(["a b a b c"])
    vocab = nv.Vocabulary.build(corpus, min_count=1)
    with pytest.raises(ValueError, match=match):
        nv.count_cooccurrences(corpus, vocab, memory_limit=value)
    with pytest.raises(ValueError, match=match.replace("count_cooccurrences", "Vocabulary.build")):
        nv.Vocabulary.build(corpus, min_count=1, memory_limit=value)
    assert check_memory("1EB", "memory_limit", "f") == MAX_MEMORY == 2**60


# --------------------------------------------------------------------------- writing

@pytest.fixture
def disk_full(monkeypatch):
    """Every fsync reports a full disk (as a write or a close on a full disk does)."""
    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.parametrize("name, write", [
    ("v.npz", lambda kv, p: kv.save(p)),
    ("v.txt", lambda kv, p: kv.save_word2vec_format(p)),
    ("v.bin", lambda kv, p: kv.save_word2vec_format(p, binary=True)),
    ("v.txt.gz", lambda kv, p: kv.save_glove_format(p)),
    ("v1.npz", lambda kv, p: formats.write_npz(p, kv.index_to_key, kv.vectors)),
    ("vocab.txt", lambda kv, p: nv.Vocabulary(kv.index_to_key, [3, 2, 1]).save(p)),
])
def test_disk_full_names_the_file(tmp_path, disk_full, name, write):
    kv = nv.KeyedVectors(np.ones((3, 2), np.float32), ["a", "b", "c"])
    path = tmp_path / name
    with pytest.raises(OSError, match=rf"No space left on device: '{re.escape(str(path))}'") as err:
        write(kv, path)
    assert err.value.errno == errno.ENOSPC and err.value.filename == str(path)
    assert os.listdir(tmp_path) == []                  # no output, no temporary file


def test_unwritable_directory_names_the_file(tmp_path):
    path = tmp_path / "missing_dir" / "v.npz"
    kv = nv.KeyedVectors(np.ones((1, 2), np.float32), ["a"])
    # checked before anything is written (base.fileio.check_writable), naming the file
    with pytest.raises(FileNotFoundError, match=rf"folder of the output file does not exist: "
                                                rf".*\(for {re.escape(str(path))}\)"):
        kv.save(path)


@pytest.mark.parametrize("name, write, record", [
    ("v.txt", lambda kv, p: kv.save_word2vec_format(p), 3),    # the header is line 1
    ("v.bin", lambda kv, p: kv.save_word2vec_format(p, binary=True), 2),
    ("g.txt", lambda kv, p: kv.save_glove_format(p), 2),
    ("g.txt.xz", lambda kv, p: kv.save_glove_format(p), 2),
    ("v1.npz", lambda kv, p: formats.write_npz(p, kv.index_to_key, kv.vectors), 2),
])
def test_lone_surrogate_in_a_key_names_the_key(tmp_path, name, write, record):
    kv = nv.KeyedVectors(np.ones((3, 2), np.float32), ["a", "b\udcff", "c"])
    path = tmp_path / name
    with pytest.raises(VectorsFormatError, match=rf"{re.escape(name)}, record {record}: cannot "
                                                 r"write the key 'b\\udcff': surrogates not "
                                                 r"allowed \(U\+DCFF at position 1\)"):
        write(kv, path)
    assert os.listdir(tmp_path) == []


def test_lone_surrogate_in_a_key_round_trips_in_the_native_format(tmp_path):
    # the native layout stores keys as UTF-8 with surrogatepass: nothing is lost
    kv = nv.KeyedVectors(np.ones((2, 2), np.float32), ["a", "b\udcff"])
    kv.save(tmp_path / "v.npz")
    assert nv.KeyedVectors.load(tmp_path / "v.npz").index_to_key == ["a", "b\udcff"]


def test_lone_surrogate_in_a_pretokenized_token():
    # a token list is read as a string sentence is: the lone surrogate's bytes
    # ("surrogatepass": 3 of them) are invalid UTF-8, each replaced by U+FFFD and counted
    corpus = nv.Corpus([["ok", "b\udcff"], "c\udcff d"], tokenizer="whitespace")
    enc = corpus.encoded()
    assert list(enc) == list(corpus) == [["ok", "b\ufffd\ufffd\ufffd"],
                                         ["c\ufffd\ufffd\ufffd", "d"]]
    assert enc.stats["n_invalid_utf8"] == 6
