"""Regression tests of what the fuzz suite (tests/fuzz, issue 10) found in the readers.

Each test is the shrunk input of a fuzz failure, written out by hand.
"""
from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest

import ngramvec as nv
from ngramvec.base.exceptions import CorpusError, VectorsFormatError
from ngramvec.data._encode import TextEncoder
from ngramvec.data.encode import EncodedCorpus
from ngramvec.vectors.formats import read_npz, read_word2vec, write_npz

# --------------------------------------------------------------------------- encoder


@pytest.mark.parametrize("encode", [True, False])
@pytest.mark.parametrize("bad, error, match", [
    ("b c", ValueError, r"sentence -1: token 'b c' contains whitespace"),
    ("", ValueError, r"sentence -1: empty token"),
    (3, TypeError, r"sentence -1: tokens must be str, got int"),
])
def test_feed_tokens_adds_nothing_from_a_refused_sentence(encode, bad, error, match):
    # fuzz: feed_tokens(['0', '\r']) had emitted '0' before refusing '\r', leaving half a
    # sentence that the next sentence continued (and, with max_sentence_length=1, text
    # mode output without its final newline)
    enc = TextEncoder(0, False, encode, max_sentence_length=1)
    with pytest.raises(error, match=match):
        enc.feed_tokens(["a", bad])
    enc.feed_tokens(["d"])
    enc.finish()
    assert enc.stats()["n_tokens"] == 1 and enc.stats()["n_sentences"] == 1
    if encode:
        ids, ends = enc.take_ids()
        assert [enc.lexicon()[0][i] for i in ids] == ["d"] and ends.tolist() == [1]
    else:
        assert enc.take_text() == b"d\n"


def test_feed_tokens_reads_a_lone_surrogate_as_invalid_utf8():
    # issue 10, item 9: a lone surrogate raised a bare UnicodeEncodeError; a string
    # sentence with the same character gives U+FFFD per byte, so token lists do too
    as_tokens = nv.Corpus([["a\ud800b", "c"]])
    as_text = nv.Corpus(["a\ud800b c"], tokenizer="whitespace")
    expected = [["a\ufffd\ufffd\ufffdb", "c"]]
    assert list(as_tokens) == list(as_text) == expected
    assert as_tokens.encoded().stats["n_invalid_utf8"] == 3
    assert as_text.encoded().stats["n_invalid_utf8"] == 3


# --------------------------------------------------------------------------- word2vec


def test_binary_header_with_a_huge_dim_reads_no_huge_chunk(tmp_path):
    # fuzz: "0 268435456\n" made the binary reader ask the file for 64 GiB at once
    # (a bare MemoryError); the reads are now bounded, whatever the header says
    p = tmp_path / "v.bin"
    p.write_bytes(b"0 268435456\n")
    keys, vectors = read_word2vec(p, binary=True)
    assert keys == [] and vectors.shape == (0, 268435456)
    p.write_bytes(b"0 268435456\nextra")
    with pytest.raises(VectorsFormatError, match=r"v\.bin, record 1: more data than the 0"):
        read_word2vec(p, binary=True)


@pytest.mark.parametrize("binary, header", [(True, b"1000000 300\n"), (False, b"1000000 300\n")])
def test_header_larger_than_the_file_is_refused_before_allocating(tmp_path, binary, header):
    p = tmp_path / "v.bin"
    p.write_bytes(header + b"a " + np.zeros(3, "<f4").tobytes())
    with pytest.raises(VectorsFormatError, match=r"v\.bin, record 1: the header announces "
                                                 r"1000000 x 300 values, more than the 14 bytes"):
        read_word2vec(p, binary=binary)


def test_small_truncation_still_reports_the_missing_records(tmp_path):
    # allocation is bounded by the file size: a file one record short still says so
    p = tmp_path / "v.bin"
    p.write_bytes(b"3 2\n" + b"".join(k + b" " + np.ones(2, "<f4").tobytes() for k in (b"a", b"b")))
    with pytest.raises(VectorsFormatError, match=r"record 3: truncated file: the header announces "
                                                 r"3 vectors but only 2"):
        read_word2vec(p, binary=True)


# --------------------------------------------------------------------------- npz


def _npz(tmp_path, **changes):
    """A valid vectors .npz with some members replaced (None: removed)."""
    p = tmp_path / "v.npz"
    write_npz(p, ["a", "b"], np.ones((2, 3), np.float32), np.array([3, 4]))
    with np.load(p) as z:
        arrays = dict(z)
    for k, v in changes.items():
        if v is None:
            del arrays[k]
        else:
            arrays[k] = v
    with open(p, "wb") as f:
        np.savez(f, **arrays)
    return p


def _blob(*keys):
    enc = [k.encode() for k in keys]
    return {"keys_utf8": np.frombuffer(b"".join(enc), np.uint8),
            "keys_offsets": np.cumsum([0] + [len(e) for e in enc]).astype(np.int64)}


@pytest.mark.parametrize("changes, match", [
    (dict(format_version=np.array([1, 1])), r"'format_version' must be a scalar"),
    (dict(format_version=np.array(0)), r"unknown format version 0"),
    (dict(vectors=np.array([["x", "y", "z"]] * 2)), r"'vectors' must be a 2-D float array"),
    (dict(vectors=np.ones(6, np.float32)), r"'vectors' must be a 2-D float array"),
    (dict(keys_utf8=np.array([97, 98], np.int64)), r"'keys_utf8' must be a 1-D uint8 array"),
    (dict(keys_offsets=np.array([0.0, 1.0, 2.0])), r"'keys_offsets' must be a 1-D integer"),
    (dict(has_counts=np.array([True, True])), r"'has_counts' must be a scalar"),
    (dict(counts=np.array([True, False])), r"'counts' must be integers of shape \(2,\)"),
    (dict(counts=np.array([3, -4])), r"negative count at record 2"),
    (_blob("a", "a"), r"v\.npz, record 2: duplicate key 'a' \(first seen at record 1\)"),
    (_blob("a", "b c"), r"v\.npz, record 2: the key 'b c' contains ASCII whitespace"),
    (_blob("a", ""), r"v\.npz, record 2: empty key"),
])
def test_read_npz_checks_every_array(tmp_path, changes, match):
    p = _npz(tmp_path, **changes)
    with pytest.raises(VectorsFormatError, match=match):
        read_npz(p)
    with pytest.raises(VectorsFormatError, match=match):   # KeyedVectors.load gets the same
        nv.KeyedVectors.load(p)


def test_read_npz_names_the_file_for_zip_damage(tmp_path):
    # issue 10, item 9: bare zipfile.BadZipFile ("Bad CRC-32") and zlib.error
    p = _npz(tmp_path)
    data = bytearray(p.read_bytes())
    i = data.index(b"\x93NUMPY", data.index(b"vectors.npy"))
    data[i + 130] ^= 0xFF                       # inside the array data: bad CRC
    p.write_bytes(bytes(data))
    with pytest.raises(VectorsFormatError, match=r"v\.npz: damaged archive: cannot read "
                                                 r"'vectors' \(BadZipFile: Bad CRC-32"):
        read_npz(p)
    p.write_bytes(b"PK\x03\x04" + b"\x00" * 40)   # zip magic, then nothing sensible
    with pytest.raises(VectorsFormatError, match=r"v\.npz: not a readable \.npz file "
                                                 r"\(BadZipFile"):
        read_npz(p)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name in ("format_version", "vectors", "keys_utf8", "keys_offsets", "has_counts",
                     "counts"):
            z.writestr(name + ".npy", b"\x93NUMPY" + b"x" * 300)
    raw = bytearray(buf.getvalue())
    start = raw.index(b"format_version.npy") + len("format_version.npy")
    raw[start + 5:start + 15] = b"\xff" * 10     # corrupt the deflate stream
    p.write_bytes(bytes(raw))
    with pytest.raises(VectorsFormatError, match=r"v\.npz: damaged archive: cannot read "
                                                 r"'format_version'"):
        read_npz(p)


def test_read_npz_newer_version_is_not_wrapped_twice(tmp_path):
    # issue 10, item 9: "damaged archive (...: format version 99 is newer ...)"
    p = _npz(tmp_path, format_version=np.array(99))
    with pytest.raises(VectorsFormatError, match=r"format version 99 is newer") as info:
        read_npz(p)
    assert str(info.value).count(str(p)) == 1 and "damaged" not in str(info.value)


# --------------------------------------------------------------------------- encoded corpus


def _encoded(tmp_path):
    return nv.Corpus(["the cat sat", "on the mat"]).encode(tmp_path / "enc").path


def _edit(path, name, fn):
    p = path / name
    p.write_bytes(fn(p.read_bytes()))


@pytest.mark.parametrize("name, fn, match", [
    ("meta.json", lambda b: b"[]", r"meta\.json: not an encoded corpus of this version"),
    ("meta.json", lambda b: b"\xff{}", r"meta\.json: corrupted meta\.json: not UTF-8"),
    ("meta.json", lambda b: json.dumps({**json.loads(b), "n_tokens": "6"}).encode(),
     r"meta\.json: corrupted meta\.json: 'n_tokens' must be an int >= 0, got '6'"),
    ("meta.json", lambda b: json.dumps({**json.loads(b), "n_types": None}).encode(),
     r"'n_types' must be an int >= 0, got None"),
    ("meta.json", lambda b: json.dumps({k: v for k, v in json.loads(b).items()
                                        if k != "n_sentences"}).encode(),
     r"'n_sentences' must be an int >= 0, got None"),
    ("meta.json", lambda b: json.dumps({**json.loads(b), "corpus": 1}).encode(),
     r"'corpus' must be an object, got 1"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", b"cat \xff"), r"lexicon\.txt, line 2: not UTF-8"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", b"the 1"),
     r"lexicon\.txt, line 2: duplicate token 'the' \(first at line 1\)"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", "cat \u00b2".encode()),
     r"lexicon\.txt, line 2: expected 'token count'"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", b"c\tt 1"),
     r"lexicon\.txt, line 2: expected 'token count'"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", b"cat " + b"9" * 30),
     r"lexicon\.txt, line 2: count 9+ does not fit in int64"),
    ("lexicon.txt", lambda b: b.replace(b"cat 1", b"cat 5"),
     r"lexicon\.txt, line 2: the lexicon counts 5 of token 1 but ids\.i32 holds it 1 times"),
])
def test_encoded_corpus_refuses_damaged_metadata(tmp_path, name, fn, match):
    path = _encoded(tmp_path)
    _edit(path, name, fn)
    with pytest.raises(CorpusError, match=match):
        EncodedCorpus(path)


def test_encoded_corpus_without_lexicon(tmp_path):
    path = _encoded(tmp_path)
    (path / "lexicon.txt").unlink()
    with pytest.raises(CorpusError, match=r"lexicon\.txt: no such file: an encoded corpus "
                                          r"needs its lexicon"):
        EncodedCorpus(path)


def test_encoded_corpus_id_swapped_for_another_valid_id(tmp_path):
    # in range, so not caught by the bounds check: the counts give it away
    path = _encoded(tmp_path)
    ids = np.fromfile(path / "ids.i32", np.int32)
    ids[1] = 0                                    # "cat" -> "the"
    ids.tofile(path / "ids.i32")
    with pytest.raises(CorpusError, match=r"lexicon\.txt, line 1: the lexicon counts 2 of "
                                          r"token 0 but ids\.i32 holds it 3 times"):
        EncodedCorpus(path)
