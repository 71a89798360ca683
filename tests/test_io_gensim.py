"""Loading options against gensim 4 on the same files: word2vec text and binary (gensim's
and the C tool's), GloVe text, fastText .vec; limit, datatype, unicode_errors, fvocab;
gensim pickles refused without being unpickled; .npz memory-mapped."""
from __future__ import annotations

import os
import pickle
import struct
import zipfile

import numpy as np
import pytest

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import ARRAY_ALIGN
from ngramvec.vectors import formats
from ngramvec.vectors.files import load_vectors
from ngramvec.vectors.keyedvectors import KeyedVectors

gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
GKV = gensim_kv.KeyedVectors

KEYS = ["the", "été", "new\u00a0york", "</s>", "日本語", "a", "b1", "ĳ"]


@pytest.fixture
def vecs(rng):
    v = rng.standard_normal((len(KEYS), 7)).astype(np.float32)
    v[2, 3] = 1e-39     # subnormal in float32
    v[3, 1] = -0.0
    v[4] = np.round(v[4], 6)
    return v


def _gensim(keys, vectors, counts=None):
    g = GKV(vectors.shape[1])
    g.add_vectors(keys, vectors)
    if counts is not None:
        for k, c in zip(keys, counts):
            g.set_vecattr(k, "count", int(c))
    return g


def _same(ours: KeyedVectors, theirs, counts: bool = False) -> None:
    # gensim's index_to_key keeps a None per dropped duplicate; key_to_index is right
    assert ours.index_to_key == list(theirs.key_to_index)
    assert ours.vectors.dtype == np.float32
    # (and its matrix a zero row per dropped duplicate in binary files): compare by key
    rows = theirs.vectors[[theirs.key_to_index[k] for k in ours.index_to_key]]
    np.testing.assert_array_equal(ours.vectors.view(np.uint32),
                                  rows.astype(np.float32).view(np.uint32))
    if counts:
        assert ours.counts.tolist() == [theirs.get_vecattr(k, "count") for k in ours.index_to_key]


def _fasttext_vec(path, keys, vectors):
    """A .vec file as fastText writes it: C++ ostream floats (6 significant digits), a
    space after every value."""
    with open(path, "w", encoding="utf-8") as f:
        f.write(f"{len(keys)} {vectors.shape[1]}\n")
        for k, row in zip(keys, vectors):
            f.write(k + " " + "".join(f"{float(x):g} " for x in row) + "\n")


def _glove_txt(path, keys, vectors):
    """GloVe's C tool: "%s" then " %lf" per value, no header."""
    with open(path, "w", encoding="utf-8") as f:
        for k, row in zip(keys, vectors):
            f.write(k + "".join(f" {float(x):f}" for x in row) + "\n")


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_files_with_fvocab_load_as_in_gensim(tmp_path, vecs, binary):
    counts = np.arange(len(KEYS))[::-1] * 10 + 3
    p, pv = tmp_path / "v.w2v", tmp_path / "vocab.txt"
    # gensim splits its vocabulary lines on Unicode whitespace: U+00A0 breaks it
    keys = [k for k in KEYS if "\u00a0" not in k]
    v = vecs[[KEYS.index(k) for k in keys]]
    _gensim(keys, v, counts[:len(keys)]).save_word2vec_format(str(p), fvocab=str(pv),
                                                              binary=binary)
    theirs = GKV.load_word2vec_format(str(p), fvocab=str(pv), binary=binary)
    ours = KeyedVectors.load_word2vec_format(p, fvocab=pv, binary=binary)
    _same(ours, theirs, counts=True)
    # ngramvec splits on ASCII whitespace only: the ngram key of U+00A0 keeps its count
    _gensim(KEYS, vecs, counts).save_word2vec_format(str(p), fvocab=str(pv), binary=binary)
    ours = KeyedVectors.load_word2vec_format(p, fvocab=pv, binary=binary)
    assert ours.index_to_key == KEYS and ours.counts.tolist() == counts.tolist()
    # without fvocab gensim makes counts up; ngramvec says it does not know them
    assert KeyedVectors.load_word2vec_format(p, binary=binary).counts is None


def test_fasttext_vec_and_glove_files_load_as_in_gensim(tmp_path, vecs):
    _fasttext_vec(tmp_path / "wiki.vec", KEYS, vecs)
    _same(KeyedVectors.load_word2vec_format(tmp_path / "wiki.vec"),
          GKV.load_word2vec_format(str(tmp_path / "wiki.vec")))
    _glove_txt(tmp_path / "glove.txt", KEYS, vecs)
    theirs = GKV.load_word2vec_format(str(tmp_path / "glove.txt"), no_header=True)
    _same(KeyedVectors.load_word2vec_format(tmp_path / "glove.txt", no_header=True), theirs)
    _same(KeyedVectors.load_glove_format(tmp_path / "glove.txt"), theirs)
    _same(load_vectors(tmp_path / "glove.txt"), theirs)   # no header: read as GloVe


@pytest.mark.parametrize("binary, no_header", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("limit", [0, 1, 3, 100])
def test_limit_as_in_gensim(tmp_path, vecs, binary, no_header, limit):
    p = tmp_path / "v"
    _gensim(KEYS, vecs).save_word2vec_format(str(p), binary=binary, write_header=not no_header)
    ours = KeyedVectors.load_word2vec_format(p, binary=binary, limit=limit, no_header=no_header)
    if limit == 0:   # gensim reads everything when limit is 0 (falsy), and so do we
        assert len(ours) == len(KEYS)
    # (gensim 4.4 raises TypeError for limit=0 with no_header=True: None is what it means)
    theirs = GKV.load_word2vec_format(str(p), binary=binary, no_header=no_header,
                                      limit=None if limit == 0 and no_header else limit)
    _same(ours, theirs)


@pytest.mark.parametrize("binary", [False, True])
@pytest.mark.parametrize("datatype", [np.float16, np.float32, np.float64])
def test_datatype_rounds_as_in_gensim(tmp_path, rng, binary, datatype):
    v = (rng.standard_normal((6, 5)) * 10.0 ** rng.integers(-6, 6, (6, 1))).astype(np.float32)
    keys = [f"w{i}" for i in range(6)]
    p = tmp_path / "v"
    if binary:
        _gensim(keys, v).save_word2vec_format(str(p), binary=True)
    else:   # 17 digits: float64 keeps more than float32 would
        p.write_text("6 5\n" + "".join(k + "".join(f" {float(x)!r}" for x in (row.astype(np.float64)
                     * (1 + 1e-9))) + "\n" for k, row in zip(keys, v)))
    theirs = GKV.load_word2vec_format(str(p), binary=binary, datatype=datatype)
    got_keys, got = formats.read_word2vec(p, binary=binary, datatype=datatype)
    assert got.dtype == theirs.vectors.dtype == datatype
    assert got.tobytes() == theirs.vectors.tobytes()
    _same(KeyedVectors.load_word2vec_format(p, binary=binary, datatype=datatype), theirs)


@pytest.mark.parametrize("errors", ["replace", "ignore", "backslashreplace"])
def test_unicode_errors_as_in_gensim(tmp_path, rng, errors):
    # The word2vec C tool cuts long keys at a byte count, in the middle of a UTF-8
    # sequence; with "ignore", "caf\xc3" and "caf" are the same key (gensim keeps the first).
    raw = [b"caf\xc3", b"ok", b"caf", b"\xe6\x97\xa5\xe6", b"x\xff"]
    v = rng.standard_normal((len(raw), 3)).astype(np.float32)
    p = tmp_path / "c.bin"
    p.write_bytes(b"5 3\n" + b"".join(k + b" " + row.tobytes() + b"\n" for k, row in zip(raw, v)))
    theirs = GKV.load_word2vec_format(str(p), binary=True, unicode_errors=errors)
    ours = KeyedVectors.load_word2vec_format(p, binary=True, unicode_errors=errors)
    _same(ours, theirs)
    t = tmp_path / "c.txt"
    t.write_bytes(b"5 3\n" + b"".join(k + b" " + " ".join(map(str, row)).encode() + b"\n"
                                      for k, row in zip(raw, v)))
    _same(KeyedVectors.load_word2vec_format(t, unicode_errors=errors),
          GKV.load_word2vec_format(str(t), unicode_errors=errors))
    with pytest.raises(VectorsFormatError, match=r"c\.bin, record 1: the key b'caf\\xc3' is not "
                                                 r"valid UTF-8.*unicode_errors='replace'"):
        KeyedVectors.load_word2vec_format(p, binary=True)


def test_identical_keys_stay_an_error_whatever_unicode_errors(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 1\na 1\na 2\n")
    with pytest.raises(VectorsFormatError, match=r"record 3: duplicate key 'a'"):
        KeyedVectors.load_word2vec_format(p, unicode_errors="ignore")


def test_other_encodings(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes("2 1\ncafé 1\nœuvre 2\n".encode("cp1252"))
    ours = KeyedVectors.load_word2vec_format(p, encoding="cp1252")
    _same(ours, GKV.load_word2vec_format(str(p), encoding="cp1252"))
    with pytest.raises(ValueError, match=r"The 'encoding' parameter must be an ASCII-compatible"):
        KeyedVectors.load_word2vec_format(p, encoding="utf-16")
    with pytest.raises(ValueError, match=r"The 'encoding' parameter must name a codec"):
        KeyedVectors.load_word2vec_format(p, encoding="no-such-codec")
    with pytest.raises(ValueError, match=r"The 'unicode_errors' parameter must be an error"):
        KeyedVectors.load_word2vec_format(p, unicode_errors="loud")


def test_fvocab_errors_and_missing_keys(tmp_path, vecs, caplog):
    p = tmp_path / "v.txt"
    formats.write_word2vec(p, KEYS, vecs)
    pv = tmp_path / "vocab.txt"
    pv.write_text("the 5\n\nété 4\nthe 7\n", encoding="utf-8")   # the last count wins
    kv = KeyedVectors.load_word2vec_format(p, fvocab=pv)
    assert kv.counts.tolist()[:2] == [7, 4] and kv.counts.tolist()[2:] == [0] * 6
    assert "the vocabulary file is incomplete: 6 of 8 keys are missing" in caplog.text
    for content, match in [("the 5 x\n", r"vocab\.txt, record 1: expected '<key> <count>'"),
                           ("a 1\nthe 1.5\n", r"vocab\.txt, record 2: the count '1\.5'"),
                           ("the -1\n", r"record 1: the count '-1' of 'the' is not an integer")]:
        pv.write_text(content)
        with pytest.raises(VectorsFormatError, match=match):
            KeyedVectors.load_word2vec_format(p, fvocab=pv)


# --------------------------------------------------------------------------- pickles


class _Tripwire:
    """Unpickling this creates a file: the proof that a loader unpickled."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (self.marker, "w"))


@pytest.fixture
def gensim_saved(tmp_path, vecs):
    """A .kv and a .model as gensim really saves them (pickles)."""
    from gensim.models import Word2Vec
    g = _gensim(KEYS, vecs)
    g.save(str(tmp_path / "vectors.kv"))
    model = Word2Vec([["a", "b", "c"], ["b", "c", "d"]] * 5, vector_size=4, min_count=1,
                     epochs=1, workers=1, seed=1)
    model.save(str(tmp_path / "w2v.model"))
    return tmp_path / "vectors.kv", tmp_path / "w2v.model"


def test_gensim_pickles_are_refused_with_the_recipe(tmp_path, gensim_saved):
    kv_path, model_path = gensim_saved
    assert kv_path.read_bytes()[:2] == b"\x80\x04" and model_path.read_bytes()[:2] == b"\x80\x04"
    for path in gensim_saved:
        for load in (KeyedVectors.load, KeyedVectors.load_word2vec_format, load_vectors,
                     lambda p: KeyedVectors.load_word2vec_format(p, binary=True),
                     KeyedVectors.load_glove_format):
            with pytest.raises(VectorsFormatError,
                               match=rf"{path.name}: this is a Python pickle \(protocol 4\).*"
                                     r"never unpickles.*KeyedVectors\.load\(path\).*"
                                     r"KeyedVectors\.from_gensim\(kv\).*save_word2vec_format"):
                load(path)
    # the recipe works: gensim loads it, then ngramvec reads what gensim writes
    g = GKV.load(str(kv_path))
    g.save_word2vec_format(str(tmp_path / "converted.bin"), binary=True)
    _same(KeyedVectors.load_word2vec_format(tmp_path / "converted.bin", binary=True), g)


def test_pickles_are_recognised_by_content_and_never_unpickled(tmp_path):
    marker = tmp_path / "unpickled"
    for protocol in (2, 3, 4, 5):
        for name in ("vectors.npz", "vectors.txt", "vectors.bin", "vectors.kv"):
            p = tmp_path / name
            p.write_bytes(pickle.dumps(_Tripwire(str(marker)), protocol=protocol))
            for load in (KeyedVectors.load, KeyedVectors.load_word2vec_format, load_vectors):
                with pytest.raises(VectorsFormatError, match=rf"pickle \(protocol {protocol}\)"):
                    load(p)
    import gzip
    p = tmp_path / "vectors.kv.gz"   # gensim compresses by suffix
    p.write_bytes(gzip.compress(pickle.dumps(_Tripwire(str(marker)), protocol=4)))
    with pytest.raises(VectorsFormatError, match=r"pickle \(protocol 4\)"):
        KeyedVectors.load(p)
    assert not marker.exists()
    assert pickle.loads(pickle.dumps(_Tripwire(str(marker)))) and marker.exists()  # the tripwire works


# --------------------------------------------------------------------------- mmap


def _data_offsets(path):
    """(member name, file offset of its array data) of every member of an .npz."""
    out = {}
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            fh.seek(info.header_offset + 26)
            n, m = struct.unpack("<HH", fh.read(4))
            fh.seek(info.header_offset + 30 + n + m)
            version = np.lib.format.read_magic(fh)
            if version == (1, 0):
                np.lib.format.read_array_header_1_0(fh)
            else:
                np.lib.format.read_array_header_2_0(fh)
            out[info.filename] = fh.tell()
    return out


def test_npz_loads_memory_mapped(tmp_path, vecs):
    wv = KeyedVectors(vecs, KEYS, counts=np.arange(len(KEYS)))
    p = tmp_path / "v.npz"
    wv.save(p)
    assert all(off % ARRAY_ALIGN == 0 for off in _data_offsets(p).values())
    kv = KeyedVectors.load(p, mmap="r")
    base = kv.vectors
    while not isinstance(base, np.memmap) and base is not None:
        base = base.base
    assert isinstance(base, np.memmap)
    assert not kv.vectors.flags.writeable and kv.vectors.ctypes.data % ARRAY_ALIGN == 0
    np.testing.assert_array_equal(kv.vectors, vecs)
    assert kv.index_to_key == KEYS and kv.counts.tolist() == list(range(len(KEYS)))
    assert kv.most_similar("the", topn=3) == wv.most_similar("the", topn=3)
    cow = KeyedVectors.load(p, mmap="c")
    cow.vectors[0, 0] = 42.0            # copy-on-write: the file does not change
    np.testing.assert_array_equal(KeyedVectors.load(p).vectors, vecs)
    with pytest.raises(ValueError, match=r"The 'mmap' parameter must be None, 'r' .* or 'c'"):
        KeyedVectors.load(p, mmap="r+")
    assert load_vectors(p, mmap="r").index_to_key == KEYS


def test_npz_of_numpy_savez_and_old_versions_still_load_with_mmap(tmp_path, vecs):
    # a file as the previous ngramvec wrote it (numpy.savez: unaligned data)
    from ngramvec.base import persist
    p = tmp_path / "old.npz"
    blob, offsets = persist.encode_strings(KEYS)
    meta = b'{"class": "KeyedVectors", "format_version": 2, "library": "ngramvec", ' \
           b'"params": {}, "state": {"has_counts": false}, "strings": ["keys"]}'
    np.savez(p, vectors=vecs, keys_utf8=blob, keys_offsets=offsets,
             __ngramvec__=np.frombuffer(meta, np.uint8))
    for mmap in (None, "r"):
        kv = KeyedVectors.load(p, mmap=mmap)
        np.testing.assert_array_equal(kv.vectors, vecs)
        assert kv.index_to_key == KEYS
    formats.write_npz(tmp_path / "v1.npz", KEYS, vecs)           # format version 1
    np.testing.assert_array_equal(KeyedVectors.load(tmp_path / "v1.npz", mmap="r").vectors, vecs)


def test_mmap_of_a_damaged_npz_names_the_file(tmp_path, vecs):
    p = tmp_path / "v.npz"
    KeyedVectors(vecs, KEYS).save(p)
    data = bytearray(p.read_bytes())
    off = _data_offsets(p)["vectors.npy"]
    p.write_bytes(bytes(data[:off + 8]))                 # cut inside the vectors
    with pytest.raises(VectorsFormatError, match=r"v\.npz: "):
        KeyedVectors.load(p, mmap="r")
    assert os.path.exists(p)
