"""Tests of ngramvec.io: atomic writes, word2vec / GloVe formats, compression, npz."""
from __future__ import annotations

import bz2
import gzip
import lzma
import os
import pickle
import zipfile

import numpy as np
import pytest

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.vectors.formats import (
    atomic_write,
    open_compressed,
    read_glove,
    read_npz,
    read_word2vec,
    write_glove,
    write_npz,
    write_word2vec,
)

KEYS = ["the", "été", "new\u00a0york", "</s>", "日本語"]


@pytest.fixture
def vecs(rng):
    return rng.standard_normal((len(KEYS), 4)).astype(np.float32)


# --------------------------------------------------------------------------- atomic_write


def test_atomic_write_replaces_on_success(tmp_path):
    p = tmp_path / "out.bin"
    p.write_bytes(b"old")
    with atomic_write(p) as f:
        f.write(b"new")
    assert p.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_atomic_write_text_mode(tmp_path):
    p = tmp_path / "out.txt"
    with atomic_write(p, "w") as f:
        f.write("héllo\n")
    assert p.read_bytes() == "héllo\n".encode("utf-8")


def test_atomic_write_keeps_old_file_on_error(tmp_path):
    p = tmp_path / "out.bin"
    p.write_bytes(b"precious")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_write(p) as f:
            f.write(b"half")
            raise RuntimeError("boom")
    assert p.read_bytes() == b"precious"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_atomic_write_cleans_up_on_keyboard_interrupt(tmp_path):
    p = tmp_path / "new.bin"
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(p) as f:
            f.write(b"half")
            raise KeyboardInterrupt
    assert os.listdir(tmp_path) == []


def test_atomic_write_keeps_permissions(tmp_path):
    p = tmp_path / "out.bin"
    p.write_bytes(b"old")
    os.chmod(p, 0o640)
    with atomic_write(p) as f:
        f.write(b"new")
    assert os.stat(p).st_mode & 0o777 == 0o640


def test_atomic_write_bad_mode(tmp_path):
    with pytest.raises(ValueError, match="The 'mode' parameter of atomic_write"):
        with atomic_write(tmp_path / "x", "a"):
            pass


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("suffix", ["", ".gz", ".bz2", ".xz"])
def test_word2vec_round_trip(tmp_path, vecs, binary, suffix):
    p = tmp_path / f"v{suffix}"
    write_word2vec(p, KEYS, vecs, binary=binary)
    keys, out = read_word2vec(p, binary=binary)
    assert keys == KEYS
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, vecs)


@pytest.mark.parametrize("opener", [gzip.open, bz2.open, lzma.open])
def test_compression_detected_by_magic_not_name(tmp_path, vecs, opener):
    plain = tmp_path / "plain.txt"
    write_word2vec(plain, KEYS, vecs)
    p = tmp_path / "misnamed.txt"
    with opener(p, "wb") as f:
        f.write(plain.read_bytes())
    with open_compressed(p) as f:
        assert f.read() == plain.read_bytes()
    keys, out = read_word2vec(p)
    assert keys == KEYS
    np.testing.assert_array_equal(out, vecs)


def test_glove_round_trip(tmp_path, vecs):
    p = tmp_path / "g.txt"
    write_glove(p, KEYS, vecs)
    assert p.read_bytes().split(b"\n")[0].startswith(b"the ")
    keys, out = read_glove(p)
    assert keys == KEYS
    np.testing.assert_array_equal(out, vecs)


def test_limit_and_datatype(tmp_path, vecs):
    p = tmp_path / "v.bin"
    write_word2vec(p, KEYS, vecs, binary=True)
    keys, out = read_word2vec(p, binary=True, limit=2, datatype=np.float64)
    assert keys == KEYS[:2]
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, vecs[:2])
    keys, out = read_word2vec(tmp_path / "v.bin", binary=True, limit=0)   # gensim: no limit
    assert keys == KEYS
    np.testing.assert_array_equal(out, vecs)


def test_text_with_extra_whitespace_and_crlf(tmp_path):
    # The word2vec C tool writes a space after every value; Windows tools write CRLF.
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 3\r\nfoo 1 2 3 \r\nbar\t4\t5  6\r\n\r\n")
    keys, out = read_word2vec(p)
    assert keys == ["foo", "bar"]
    np.testing.assert_array_equal(out, [[1, 2, 3], [4, 5, 6]])


def test_c_tool_binary_variant(tmp_path, vecs):
    # word2vec.c writes "\n" after each vector.
    p = tmp_path / "c.bin"
    body = b"".join(k.encode() + b" " + v.astype("<f4").tobytes() + b"\n"
                    for k, v in zip(KEYS, vecs))
    p.write_bytes(f"{len(KEYS)} 4\n".encode() + body)
    keys, out = read_word2vec(p, binary=True)
    assert keys == KEYS
    np.testing.assert_array_equal(out, vecs)


def test_nan_values_are_kept(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\na nan 1\nb 2 inf\n")
    keys, out = read_word2vec(p)
    assert np.isnan(out[0, 0]) and np.isinf(out[1, 1])


def test_empty_vocabulary_with_header(tmp_path):
    p = tmp_path / "v.txt"
    write_word2vec(p, [], np.zeros((0, 3), np.float32))
    keys, out = read_word2vec(p)
    assert keys == [] and out.shape == (0, 3)


# --------------------------------------------------------------------------- bad files


def _text(tmp_path, content: bytes):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    return p


@pytest.mark.parametrize("content, match", [
    (b"", r"bad\.txt: empty file"),
    (b"foo 1 2 3\n", r"bad\.txt, record 1: expected a header line '<count> <dim>'.*load_glove"),
    (b"2\nfoo 1\n", r"record 1: expected a header line"),
    (b"two 3\n", r"record 1: expected a header line"),
    (b"1 0\nfoo\n", r"record 1: invalid header"),
    (b"3 2\na 1 2\nb 3 4\n", r"record 4: truncated file: the header announces 3 vectors but only 2"),
    (b"2 2\na 1 2\nb 3 4\nc 5 6\n", r"record 4: more records than the 2 announced"),
    (b"2 3\na 1 2 3\nb 4 5\n", r"record 3: expected 3 values, found 2"),
    (b"2 3\na 1 2 3\nb 4 5 6 7\n", r"record 3: expected 3 values, found 4"),
    (b"2 2\na 1 2\nb 3 x4\n", r"record 3: value 2 'x4' is not a number"),
    (b"2 2\na 1 2\nb 3 4,0\n", r"record 3: value 2 '4,0' is not a number"),
    (b"2 2\na 1 2\na 3 4\n", r"record 3: duplicate key 'a' \(first seen at record 2\)"),
    (b"1 2\nab\xff 1 2\n", r"record 2: the key .* is not valid UTF-8"),
    (b"1 2\nlonely\n", r"record 2: the key 'lonely' has no values"),
    (b"99999999999999 300\na 1\n", r"record 1: the header announces 99999999999999 x 300 values"),
])
def test_bad_text_files(tmp_path, content, match):
    with pytest.raises(VectorsFormatError, match=match):
        read_word2vec(_text(tmp_path, content))


def test_bad_glove_files(tmp_path):
    with pytest.raises(VectorsFormatError, match=r"record 2: expected 2 values, found 3"):
        read_glove(_text(tmp_path, b"a 1 2\nb 1 2 3\n"))
    with pytest.raises(VectorsFormatError, match=r"no vectors in the file"):
        read_glove(_text(tmp_path, b"\n\n"))


def _binary(tmp_path, header: bytes, records):
    p = tmp_path / "bad.bin"
    p.write_bytes(header + b"".join(k + b" " + np.asarray(v, "<f4").tobytes() for k, v in records))
    return p


def test_bad_binary_files(tmp_path):
    r = [(b"a", [1, 2]), (b"b", [3, 4])]
    with pytest.raises(VectorsFormatError, match=r"bad\.bin, record 3: truncated file: the header "
                                                 r"announces 3 vectors but only 2"):
        read_word2vec(_binary(tmp_path, b"3 2\n", r), binary=True)
    p = _binary(tmp_path, b"2 2\n", r)
    p.write_bytes(p.read_bytes()[:-3])
    with pytest.raises(VectorsFormatError, match=r"record 2: truncated record 'b': expected 8 "
                                                 r"bytes of vector, found 5"):
        read_word2vec(p, binary=True)
    with pytest.raises(VectorsFormatError, match=r"record 2: duplicate key 'a'"):
        read_word2vec(_binary(tmp_path, b"2 2\n", [(b"a", [1, 2]), (b"a", [3, 4])]), binary=True)
    with pytest.raises(VectorsFormatError, match=r"record 2: more data than the 1 records"):
        read_word2vec(_binary(tmp_path, b"1 2\n", r), binary=True)
    with pytest.raises(VectorsFormatError, match=r"record 1: expected a header line"):
        read_word2vec(_binary(tmp_path, b"2 x\n", r), binary=True)
    with pytest.raises(VectorsFormatError, match=r"empty file"):
        read_word2vec(_binary(tmp_path, b"", []), binary=True)
    p = tmp_path / "key_only.bin"
    p.write_bytes(b"1 2\nabc")
    with pytest.raises(VectorsFormatError, match=r"record 1: truncated record: key without"):
        read_word2vec(p, binary=True)


def test_text_file_read_as_binary_is_an_error(tmp_path, vecs):
    p = tmp_path / "v.txt"
    write_word2vec(p, KEYS, vecs, binary=False)
    with pytest.raises(VectorsFormatError, match=r"record \d"):
        read_word2vec(p, binary=True)


def test_truncated_gzip(tmp_path, vecs):
    p = tmp_path / "v.txt.gz"
    write_word2vec(p, KEYS * 1, vecs)
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(VectorsFormatError, match=r"v\.txt\.gz: corrupted or truncated compressed"):
        read_word2vec(p)


def test_argument_validation(tmp_path, vecs):
    p = tmp_path / "v.txt"
    write_word2vec(p, KEYS, vecs)
    with pytest.raises(ValueError, match=r"The 'limit' parameter must be an int"):
        read_word2vec(p, limit=-1)
    with pytest.raises(TypeError, match=r"The 'limit' parameter must be an int"):
        read_word2vec(p, limit=1.5)
    with pytest.raises(TypeError, match=r"The 'datatype' parameter must be a floating"):
        read_word2vec(p, datatype=np.int32)
    with pytest.raises(ValueError, match=r"header=False is only for GloVe"):
        read_word2vec(p, binary=True, header=False)
    with pytest.raises(ValueError, match=r"binary word2vec format needs its header"):
        write_word2vec(p, KEYS, vecs, binary=True, write_header=False)
    with pytest.raises(ValueError, match=r"do not match 2 keys"):
        write_word2vec(p, KEYS[:2], vecs)
    with pytest.raises(FileNotFoundError):
        read_word2vec(tmp_path / "missing.txt")


# --------------------------------------------------------------------------- npz


def test_npz_round_trip(tmp_path, vecs):
    p = tmp_path / "v.kv"
    counts = np.arange(len(KEYS), dtype=np.int64) * 7
    write_npz(p, KEYS, vecs, counts)
    assert os.listdir(tmp_path) == ["v.kv"]  # used as given, no ".npz" appended
    keys, out, c = read_npz(p)
    assert keys == KEYS
    np.testing.assert_array_equal(out, vecs)
    np.testing.assert_array_equal(c, counts)
    write_npz(p, KEYS, vecs)
    assert read_npz(p)[2] is None


def test_npz_bad_files(tmp_path, vecs):
    p = tmp_path / "x.npz"
    p.write_bytes(b"not a zip at all")
    with pytest.raises(VectorsFormatError, match=r"x\.npz: not a readable \.npz file"):
        read_npz(p)
    write_word2vec(tmp_path / "v.txt", KEYS, vecs)        # text vectors read as npz
    with pytest.raises(VectorsFormatError,
                       match=r"v\.txt: not a readable \.npz file: an \.npz file is a zip archive, "
                             r"this one starts with b'5 4\\n.*load_word2vec_format"):
        read_npz(tmp_path / "v.txt")
    np.save(tmp_path / "a.npy", np.zeros(3))
    with pytest.raises(VectorsFormatError, match=r"a\.npy: not an \.npz archive but a single "
                                                 r"\.npy array"):
        read_npz(tmp_path / "a.npy")
    np.savez(p, a=np.zeros(3))
    p.write_bytes(p.read_bytes()[:40])                    # a truncated zip
    with pytest.raises(VectorsFormatError, match=r"x\.npz: not a readable \.npz file \("):
        read_npz(p)
    np.savez(p, a=np.zeros(3))
    with pytest.raises(VectorsFormatError, match=r"not an ngramvec vectors file: missing"):
        read_npz(p)
    write_npz(p, KEYS, vecs)
    with np.load(p) as z:
        arrays = dict(z)
    arrays["format_version"] = np.array(99)
    with open(p, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(VectorsFormatError, match=r"format version 99 is newer"):
        read_npz(p)
    arrays["format_version"] = np.array(1)
    arrays["keys_offsets"] = arrays["keys_offsets"][:-1]
    with open(p, "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(VectorsFormatError, match=r"5 vectors but 4 keys"):
        read_npz(p)


def test_text_file_starting_with_BZh_is_text(tmp_path):
    # issue 10, item 6: "BZh" alone is not the bzip2 magic (English text starts so too)
    from ngramvec.base.fileio import open_compressed
    p = tmp_path / "v.txt"
    p.write_bytes(b"BZhang 0.5 0.25\n")
    with open_compressed(p) as f:
        assert f.read() == b"BZhang 0.5 0.25\n"
    real = tmp_path / "r.txt.bz2"
    real.write_bytes(bz2.compress(b"BZh real\n"))
    with open_compressed(real) as f:
        assert f.read() == b"BZh real\n"
    empty = tmp_path / "e.bz2"
    empty.write_bytes(bz2.compress(b""))
    with open_compressed(empty) as f:
        assert f.read() == b""


def test_line_starting_with_whitespace_is_an_empty_key(tmp_path):
    # issue 10, item 6: with dim 1 the line " 3 4" used to load the key "3"
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 1\nab 1\n 3 4\n")
    with pytest.raises(VectorsFormatError, match=r"v\.txt, record 3: the line starts with whitespace: empty key"):
        read_word2vec(p)


def test_infinite_values_are_reported_like_nan(tmp_path, caplog):
    # issue 10, item 6: 1e400 (and 1e39 in float32) load as inf; say so as for NaN
    p = tmp_path / "v.txt"
    p.write_bytes(b"3 2\nab 1 2\ncd 1e400 0\nef 1e39 0\n")
    with caplog.at_level("WARNING"):
        keys, vecs = read_word2vec(p)
    assert np.isinf(vecs[1, 0]) and np.isinf(vecs[2, 0])
    assert "2 vectors contain NaN or infinite values (the first: 'cd', vector 2)" in caplog.text


# ------------------------------------------------------- npz keys (KeyedVectors.load)

NPZ_KEYS = KEYS + ["\ud800lone", "a\x00b", "x" * 300]   # a lone surrogate, a NUL, a long key


def _raw_npz(path, blob, offsets, vectors):
    """A vectors .npz (format version 2) with the given key bytes and offsets."""
    from ngramvec.base import persist
    meta = (b'{"class": "KeyedVectors", "format_version": 2, "library": "ngramvec", '
            b'"params": {}, "state": {"has_counts": false}, "strings": ["keys"]}')
    np.savez(path, vectors=vectors, keys_utf8=np.asarray(blob, dtype=np.uint8),
             keys_offsets=np.asarray(offsets), __ngramvec__=np.frombuffer(meta, np.uint8))
    assert persist.saved_class(path) == "KeyedVectors"
    return path


@pytest.fixture(params=["compiled", "python"])
def key_engine(request, monkeypatch):
    """KeyedVectors.load with the compiled key index, and without it."""
    from ngramvec.vectors import _editing
    if request.param == "compiled":
        if _editing._ext is None:
            pytest.skip("the compiled module is not built")
    else:
        monkeypatch.setattr(_editing, "_ext", None)
    return request.param


@pytest.fixture(params=["inline", "background"])
def npz_reads(request, monkeypatch):
    """The big members of an in-memory .npz load read in place, or (as past 8 MiB) in a
    background thread while the keys are decoded."""
    from ngramvec.base import persist
    if request.param == "background":
        monkeypatch.setattr(persist._Reads, "MIN_BYTES", 0)
    return request.param


@pytest.mark.parametrize("mmap", [None, "r"])
def test_npz_keys_index_round_trip(tmp_path, rng, key_engine, mmap, npz_reads):
    from ngramvec.vectors.keyedvectors import KeyedVectors
    vecs = rng.standard_normal((len(NPZ_KEYS), 3)).astype(np.float32)
    p = tmp_path / "v.npz"
    KeyedVectors(vecs, NPZ_KEYS, counts=np.arange(len(NPZ_KEYS))).save(p)
    kv = KeyedVectors.load(p, mmap=mmap)
    assert kv.index_to_key == NPZ_KEYS
    assert list(kv.key_to_index.items()) == [(k, i) for i, k in enumerate(NPZ_KEYS)]
    assert all(type(i) is int for i in kv.key_to_index.values())
    np.testing.assert_array_equal(kv.vectors, vecs)
    assert kv.counts.tolist() == list(range(len(NPZ_KEYS)))
    assert kv.most_similar("the", topn=2) == KeyedVectors(vecs, NPZ_KEYS).most_similar("the",
                                                                                      topn=2)
    kv.add_vector("new", np.ones(3, np.float32))        # the index keeps working
    assert kv.key_to_index["new"] == len(NPZ_KEYS) and kv.get_index("new") == len(NPZ_KEYS)
    KeyedVectors([[1.0]], ["only"]).save(p)
    assert KeyedVectors.load(p, mmap=mmap).key_to_index == {"only": 0}


def _encoded(keys):
    from ngramvec.base.persist import encode_strings
    return encode_strings(keys)


def _damaged_keys():
    blob, off = _encoded(["ab", "cd", "ef"])
    bad_utf8 = blob.copy()
    bad_utf8[2] = 0xFF                                  # the first byte of "cd"
    cut = _encoded(["é", "b", "c"])                    # an offset inside a character
    cut_off = cut[1].copy()
    cut_off[1] = 1
    return [
        ("empty key", _encoded(["ab", "", "ef"]),
         r"damaged vectors file: keys of KeyedVectors must not be empty strings"),
        ("whitespace", _encoded(["ab", "c d", "ef"]),
         r"damaged vectors file: the key 'c d' contains ASCII whitespace \(' '\)"),
        ("tab", _encoded(["ab", "cd", "e\tf"]),
         r"damaged vectors file: the key 'e\\tf' contains ASCII whitespace \('\\t'\)"),
        ("duplicate", _encoded(["ab", "cd", "ab"]),
         r"damaged vectors file: duplicate key 'ab' at positions 0 and 2"),
        ("not UTF-8", (bad_utf8, off), r"the strings 'keys' are not valid UTF-8 \(invalid start"),
        ("offset inside a character", (cut[0], cut_off),
         r"the strings 'keys' are not valid UTF-8"),
        ("offsets decrease", (blob, np.array([0, 4, 2, 6])),
         r"inconsistent offsets of the strings 'keys'"),
        ("last offset short", (blob, np.array([0, 2, 4, 5])),
         r"inconsistent offsets of the strings 'keys'"),
        ("first offset not 0", (blob, np.array([1, 2, 4, 6])),
         r"inconsistent offsets of the strings 'keys'"),
        ("uint64 offsets that wrap", (blob, np.array([0, 2**63 + 2, 4, 6], dtype=np.uint64)),
         r"inconsistent offsets of the strings 'keys'"),
        ("2-D offsets", (blob, off.reshape(1, -1)), r"inconsistent offsets of the strings 'keys'"),
    ]


@pytest.mark.parametrize("mmap", [None, "r"])
@pytest.mark.parametrize("case, keys, match", _damaged_keys(), ids=[c[0] for c in _damaged_keys()])
def test_npz_damaged_keys_name_the_file(tmp_path, key_engine, mmap, case, keys, match,
                                        npz_reads):
    from ngramvec.vectors.keyedvectors import KeyedVectors
    p = _raw_npz(tmp_path / "bad.npz", keys[0], keys[1], np.zeros((3, 2), np.float32))
    with pytest.raises(VectorsFormatError, match=rf"bad\.npz: {match}"):
        KeyedVectors.load(p, mmap=mmap)


@pytest.mark.parametrize("mmap", [None, "r"])
def test_truncated_npz_raises_naming_the_file(tmp_path, rng, mmap, npz_reads):
    from ngramvec.vectors.keyedvectors import KeyedVectors
    p = tmp_path / "v.npz"
    KeyedVectors(rng.standard_normal((50, 8)).astype(np.float32),
                 [f"k{i}" for i in range(50)]).save(p)
    raw = p.read_bytes()
    with zipfile.ZipFile(p) as z:
        members = {i.filename: i.header_offset for i in z.infolist()}
    cuts = sorted({members["keys_utf8.npy"] + 40, members["keys_offsets.npy"] + 90,
                   members["vectors.npy"] + 200, len(raw) - 30, len(raw) // 2, 10})
    for cut in cuts:
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(VectorsFormatError, match=rf"cut{cut}\.npz: "):
            KeyedVectors.load(bad, mmap=mmap)


def test_background_reads_report_short_and_failed_reads(tmp_path):
    """A member read in a background thread that comes up short (the file shrank after
    its sizes were checked) or fails is a VectorsFormatError naming the file, raised in
    the caller's thread; no read is left running."""
    from ngramvec.base.persist import META_KEY, _Reads
    # only members used after the join are deferred: never the header or a string
    # list's parts, which are decoded while the reads run (nor under a CRC check)
    big = 1 << 30
    assert _Reads("x").may_defer("vectors", big, False)
    assert not _Reads("x").may_defer("vectors", big, True)
    assert not _Reads("x").may_defer("vectors", 10, False)
    for name in ("keys_utf8", "keys_offsets", META_KEY):
        assert not _Reads("x").may_defer(name, big, False)
    p = tmp_path / "short.npz"
    p.write_bytes(b"x" * 100)
    reads = _Reads(str(p))
    buf = np.zeros(64, np.uint8)
    reads.start(str(p), 10, buf, "vectors")
    reads.join()
    assert bytes(buf) == b"x" * 64
    # in chunks, taken by the background thread from the front and by join from the back
    data = bytes(range(256)) * 4
    p2 = tmp_path / "data.npz"
    p2.write_bytes(data)
    for chunk in (1, 7, 100, 5000):
        reads.CHUNK = chunk
        buf = np.zeros(900, np.uint8)
        reads.start(str(p2), 33, buf, "vectors")
        reads.join()
        assert bytes(buf) == data[33:933]
    reads.CHUNK = 16
    reads.start(str(p), 50, np.zeros(64, np.uint8), "vectors")
    with pytest.raises(VectorsFormatError, match=r"short\.npz: .*'vectors' is cut short"):
        reads.join()
    reads.start(str(tmp_path / "gone.npz"), 0, np.zeros(4, np.uint8), "vectors")
    with pytest.raises(VectorsFormatError, match=r"short\.npz: .*cannot read the entry "
                                                 r"'vectors' \(FileNotFoundError"):
        reads.join()
    assert reads.jobs == []
    with pytest.raises(RuntimeError, match="boom"):     # the block's own error wins
        with reads.guard():
            reads.start(str(p), 90, np.zeros(64, np.uint8), "vectors")
            raise RuntimeError("boom")
    assert reads.jobs == []


def test_compiled_key_index_trusts_no_offset():
    # the KeyIndex checks the offsets itself before it reads a byte
    _formats = pytest.importorskip("ngramvec.vectors._formats")
    blob = np.frombuffer(b"abcdef", np.uint8).copy()
    for off in ([0, 7], [0, 3, 2, 6], [1, 6], [0, -1, 6], [0, 0, 6], [0, 2**40, 6]):
        index = _formats.KeyIndex(blob, np.array(off, dtype=np.int64), 1)
        status, _, _ = index.build()
        assert status in (_formats.KEYS_BAD_OFFSETS, _formats.KEYS_EMPTY)
        with pytest.raises(RuntimeError, match="not built"):   # refused: never used
            index.find("ab")
    with pytest.raises(ValueError, match="n \\+ 1"):
        _formats.KeyIndex(blob, np.zeros(0, np.int64), 1)
    index = _formats.KeyIndex(blob, np.array([0, 2, 6]), 1)
    with pytest.raises(RuntimeError, match="not built"):
        index.key(0)
    assert index.build() == (_formats.KEYS_OK, 0, -1)
    with pytest.raises(RuntimeError, match="once"):
        index.build()
    assert index.keys() == ["ab", "cdef"] and index.index() == {"ab": 0, "cdef": 1}
    assert [index.find(k) for k in ("ab", "cdef", "abc", "", 7, b"ab")] == [0, 1, -1, -1, -1, -1]
    with pytest.raises(IndexError, match="outside"):
        index.key(2)
    empty = _formats.KeyIndex(blob[:0], np.array([0]), 1)
    assert empty.build() == (_formats.KEYS_OK, 0, -1)
    assert empty.keys() == [] and empty.index() == {} and empty.find("a") == -1
    with pytest.raises(TypeError, match="not pickled"):
        pickle.dumps(index)

