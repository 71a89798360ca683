"""Tests of ngramvec.corpus and ngramvec.encode: reading, tokenizing, encoding."""
from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pytest

import ngramvec as nv
from ngramvec.data.encode import EncodedCorpus
from ngramvec.base.exceptions import CorpusError, OneShotIteratorError


@pytest.mark.parametrize("text, expected", [
    ("“Don’t,” said Mr. Holmes--twice.", ["don't", "said", "mr", "holmes", "twice"]),
    ("well-known o'clock 1,000.5 3.14", ["well-known", "o'clock", "1,000.5", "3.14"]),
    ("‘Quoted’ — dash — end", ["quoted", "dash", "end"]),
    ("ÉCOLE naïve Straße", ["école", "naïve", "straße"]),
    ("a-- b -c d- 'e f'", ["a", "b", "c", "d", "e", "f"]),
    ("tab\tand\r\nnewline\u00a0nbsp", ["tab", "and", "newline", "nbsp"]),
    ("", []),
    ("!!! ... ---", []),
    ("x_y", ["x", "y"]),
])
def test_words_tokenizer(text, expected):
    assert nv.tokenize(text) == expected


def test_other_tokenizers():
    assert nv.tokenize("Hi, there!", tokenizer="words_punct") == ["hi", ",", "there", "!"]
    assert nv.tokenize("Hi, there!", tokenizer="whitespace") == ["hi,", "there!"]
    assert nv.tokenize("Hi There", lowercase=False) == ["Hi", "There"]
    with pytest.raises(ValueError, match="'tokenizer' parameter of tokenize"):
        nv.tokenize("x", tokenizer="nope")


def test_corpus_sources_agree(tmp_path):
    lines = ["The cat sat.", "", "The dog, too!", "Ünïcode’s fine"]
    text = "\n".join(lines) + "\n"
    expected = [["the", "cat", "sat"], ["the", "dog", "too"], ["ünïcode's", "fine"]]
    plain = tmp_path / "a.txt"
    plain.write_text(text, encoding="utf-8")
    for name, opener in (("b.gz", gzip.open), ("c.bz2", bz2.open), ("d.xz", lzma.open)):
        with opener(tmp_path / name, "wb") as f:
            f.write(text.encode("utf-8"))
    for name in ("a.txt", "b.gz", "c.bz2", "d.xz"):
        assert list(nv.Corpus(tmp_path / name)) == expected, name
    # a directory: files in name order
    assert list(nv.Corpus(tmp_path)) == expected * 4
    assert list(nv.Corpus(lines)) == expected
    assert list(nv.Corpus([s for s in expected])) == expected
    # compressed content is detected by magic bytes, not by the name
    (tmp_path / "sub").mkdir()
    with gzip.open(tmp_path / "sub" / "plain_name.txt", "wb") as f:
        f.write(text.encode())
    assert list(nv.Corpus(tmp_path / "sub" / "plain_name.txt")) == expected


def test_encoded_matches_python_tokens(tmp_path):
    sents = [["a", "b", "c"], ["b", "c"], ["c", "d", "a", "a"]]
    c = nv.Corpus(sents)
    enc = c.encoded()
    assert list(enc) == sents
    assert enc.n_tokens == 9 and enc.n_sentences == 3
    counts = dict(zip(enc.lexicon_keys, enc.lexicon_counts.tolist()))
    assert counts == {"a": 3, "b": 2, "c": 3, "d": 1}
    saved = enc.save(tmp_path / "enc")
    again = EncodedCorpus.load(tmp_path / "enc")
    assert list(again) == sents
    np.testing.assert_array_equal(saved.ids, enc.ids)
    # a vocabulary maps lexicon ids to its own ids, -1 for the pruned
    vocab = nv.Vocabulary.build(c, min_count=2)
    remap = enc.remap(vocab)
    assert [vocab.index_to_key[r] if r >= 0 else None for r in remap[enc.ids[:3]]] == \
        ["a", "b", "c"]
    assert remap[enc.lexicon_keys.index("d")] == -1


def test_encode_in_memory_equals_the_encoded_directory():
    from ngramvec.data.encode import encode_in_memory
    for corpus in (nv.Corpus(nv.dataset_path("demo")),
                   nv.Corpus([["a", "b"], "c d a", [], ["A"]], lowercase=False)):
        mem = encode_in_memory(corpus)
        disk = corpus.encode()
        np.testing.assert_array_equal(mem.ids, disk.ids)
        np.testing.assert_array_equal(mem.ends, disk.ends)
        assert mem.lexicon_keys == disk.lexicon_keys
        np.testing.assert_array_equal(mem.lexicon_counts, disk.lexicon_counts)
        assert mem.n_tokens == disk.n_tokens and mem.n_sentences == disk.n_sentences


def test_encoded_corpus_truncated(tmp_path):
    enc = nv.Corpus(["a b c", "d e"]).encode(tmp_path / "enc")
    assert enc.n_tokens == 5
    with open(tmp_path / "enc" / "ids.i32", "r+b") as f:
        f.truncate(8)
    with pytest.raises(CorpusError, match=r"ids.i32: expected 20 bytes, found 8"):
        EncodedCorpus.load(tmp_path / "enc")
    with pytest.raises(CorpusError, match="not an encoded corpus"):
        EncodedCorpus.load(tmp_path)
    with pytest.raises(FileExistsError, match="exists already"):
        nv.Corpus(["a"]).encode(tmp_path / "enc")


def test_invalid_utf8_replaced_and_counted(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(b"caf\xe9 ok\nfine \xff\xfe line\n")
    c = nv.Corpus(p, tokenizer="whitespace")
    assert list(c) == [["caf\ufffd", "ok"], ["fine", "\ufffd\ufffd", "line"]]
    assert c.encoded().stats["n_invalid_utf8"] == 3


def test_binary_file_is_an_error(tmp_path):
    p = tmp_path / "x.bin"
    p.write_bytes(b"line one\nline two\nbin\x00ary\n")
    with pytest.raises(CorpusError, match=r"x.bin, line 3: binary file"):
        nv.Corpus(p).encoded()


def test_not_utf8_text_is_an_error(tmp_path):
    p = tmp_path / "latin.txt"
    p.write_bytes(bytes(range(128, 256)) * 20)
    with pytest.raises(CorpusError, match="does not look like UTF-8"):
        nv.Corpus(p).encoded()


def test_missing_file_and_bad_sources(tmp_path):
    with pytest.raises(CorpusError, match="no such file or directory"):
        nv.Corpus(tmp_path / "nope.txt")
    (tmp_path / "empty_dir").mkdir()
    with pytest.raises(CorpusError, match="holds no files"):
        nv.Corpus(tmp_path / "empty_dir")
    with pytest.raises(TypeError, match="not bytes"):
        nv.Corpus(b"abc")
    with pytest.raises(TypeError, match="iterable of sentences"):
        nv.Corpus(42)
    with pytest.raises(TypeError, match="sentence 1 of the corpus is a int"):
        list(nv.Corpus(["a", 3]))
    with pytest.raises(ValueError, match="token 'a b' contains whitespace"):
        list(nv.Corpus([["a b"]]))
    with pytest.raises(ValueError, match="empty token"):
        list(nv.Corpus([["a", ""]]))
    with pytest.raises(ValueError, match="'tokenizer' parameter of Corpus"):
        nv.Corpus(["a"], tokenizer="spaces")
    with pytest.raises(ValueError, match="'max_sentence_length' parameter of Corpus"):
        nv.Corpus(["a"], max_sentence_length=0)


def test_one_shot_generator():
    c = nv.Corpus(s for s in ["a b", "b c"])
    assert c.encoded().n_tokens == 4     # read once: fine
    assert c.encoded().n_tokens == 4     # cached
    with pytest.raises(OneShotIteratorError, match="pass a list, a file path"):
        list(c)


def test_long_lines_are_cut_and_counted(tmp_path):
    c = nv.Corpus(["a " * 25], max_sentence_length=10)
    enc = c.encoded()
    assert np.diff(np.concatenate(([0], enc.ends))).tolist() == [10, 10, 5]
    assert enc.stats["n_split_sentences"] == 2
    # a 10 MB line without newline streams through in pieces, nothing dropped
    p = tmp_path / "long.txt"
    p.write_bytes(b"word " * (2 * 1024 * 1024))
    enc = nv.Corpus(p).encoded()
    assert enc.n_tokens == 2 * 1024 * 1024
    assert enc.stats["n_split_sentences"] == enc.n_sentences - 1 > 0
    # an overlong token is cut to its first 256 bytes, the rest dropped, and counted
    enc = nv.Corpus(["x" * 1000]).encoded()
    assert enc.stats["n_long_tokens"] == 1 and enc.n_tokens == 1
    assert enc.lexicon_keys == ["x" * 256] and enc.stats["n_cut_bytes"] == 744


def test_empty_lines_and_empty_corpus(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("\n\n  \n", encoding="utf-8")
    enc = nv.Corpus(p).encoded()
    assert enc.n_tokens == 0 and enc.stats["n_empty_lines"] == 3
    with pytest.raises(CorpusError, match="the corpus has no tokens"):
        nv.Vocabulary.build(nv.Corpus(p))
    with pytest.raises(CorpusError, match="the corpus has no tokens"):
        nv.Vocabulary.build(nv.Corpus([]))


def test_callable_tokenizer():
    # tokens from a callable must not hold whitespace
    with pytest.raises(ValueError, match="contains whitespace"):
        nv.Corpus(["a-b c"], tokenizer=lambda s: s.split("-")).encoded()
    c = nv.Corpus(["A,b", "c"], tokenizer=lambda s: s.split(","))
    assert list(c.encoded()) == [["a", "b"], ["c"]]


def test_callable_tokenizer_on_files(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("a-b\n\nd-e\n", encoding="utf-8")
    enc = nv.Corpus(p, tokenizer=lambda s: s.split("-")).encoded()
    assert list(enc) == [["a", "b"], ["d", "e"]]
    assert enc.stats["n_empty_lines"] == 1 and enc.stats["n_lines"] == 3
    p.write_text("a-b\n\nd-e f\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"c.txt, line 3: the tokenizer returned a bad token"):
        nv.Corpus(p, tokenizer=lambda s: s.split("-")).encoded()


# --------------------------------------------------------------------------- long lines
# Regression tests: a line longer than the read block used to make the text-mode
# encoder write one byte before its buffer (heap corruption), and iteration yielded
# the part of a sentence read so far as a sentence of its own.

def test_text_encoder_take_text_inside_a_sentence():
    from ngramvec.data._encode import TextEncoder
    enc = TextEncoder(1, True, False, 10000, 256)
    enc.feed(b"word ", True)         # the line goes on in the next block
    assert enc.take_text() == b"word"
    enc.feed(b"more", False)
    enc.finish()
    assert enc.take_text() == b" more\n"
    enc.feed(b"x ", True)
    enc.take_text()
    enc.finish()                     # ends the sentence after its text was taken
    assert enc.take_text() == b"\n"


def test_tokenized_lines_have_no_trailing_space():
    from ngramvec.data._encode import TextEncoder
    enc = TextEncoder(1, True, False, 10000, 256)
    enc.feed(b"One two.\n\nthree\n", False)
    assert enc.take_text() == b"one two\nthree\n"


def _encoded_sentences(enc):
    """Sentences of an EncodedCorpus as lists of str (its lexicon is in id order)."""
    keys, bounds = enc.lexicon_keys, np.r_[0, enc.ends]
    return [[keys[i] for i in enc.ids[a:b]] for a, b in zip(bounds[:-1], bounds[1:])]


def _with_blocks(block_size):
    """Read files in blocks of block_size bytes instead of 4 MiB."""
    import contextlib
    import functools

    import ngramvec.data.corpus as corpus_mod

    @contextlib.contextmanager
    def patched():
        original = corpus_mod._file_blocks
        corpus_mod._file_blocks = functools.partial(original, block_size=block_size)
        try:
            yield
        finally:
            corpus_mod._file_blocks = original
    return patched()


def test_line_longer_than_a_block_iterates_as_it_encodes(tmp_path):
    p = tmp_path / "long.txt"
    p.write_bytes(b"alpha beta " * 40 + b"gamma\nshort line\n" + b"x " * 100)
    with _with_blocks(64):
        corpus = nv.Corpus(p, max_sentence_length=30)
        sents = list(corpus)
        enc = corpus.encode()
    assert [t for s in sents for t in s] == (["alpha", "beta"] * 40 + ["gamma", "short", "line"]
                                             + ["x"] * 100)
    assert sents == _encoded_sentences(enc)


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(pieces=st.lists(st.sampled_from([b"ab", b"c", "d\u00e9j\u00e0".encode(), b"  ", b" ",
                                        b"\n", b"\n\n", b"x" * 40, b"\xff", b"\xc3", b"\t",
                                        b"z ", "\u00e9".encode() * 7]), max_size=60),
       block=st.integers(8, 48))
def test_iteration_and_encoding_agree_token_for_token(tmp_path_factory, pieces, block):
    p = tmp_path_factory.mktemp("c") / "t.txt"
    p.write_bytes(b"".join(pieces))
    with _with_blocks(block):
        corpus = nv.Corpus(p, max_sentence_length=7)
        sents = list(corpus)
        enc = corpus.encode()
    assert all(tok for s in sents for tok in s)
    assert sents == _encoded_sentences(enc)


# --------------------------------------------------------------------------- corrupt ids
# Regression tests (issue 10, item 3): kernels read ids and sentence ends without bounds
# checks, so an encoded corpus written by another tool is checked when it is opened.

def _damaged_copy(tmp_path, name, index, value):
    src = nv.Corpus(["the cat sat", "on the mat", "a dog"]).encode(tmp_path / "enc")
    dtype = np.int32 if name == "ids.i32" else np.int64
    arr = np.fromfile(src.path / name, dtype=dtype)
    arr[index] = value
    arr.tofile(src.path / name)
    return src.path


@pytest.mark.parametrize("value", [10**9, -1, 7])
def test_encoded_corpus_refuses_ids_outside_the_lexicon(tmp_path, value):
    path = _damaged_copy(tmp_path, "ids.i32", 2, value)
    with pytest.raises(CorpusError, match=r"ids\.i32: token 2 has id .* outside the lexicon"):
        EncodedCorpus(path)


@pytest.mark.parametrize("index, value, match", [
    (0, -100, r"sentence end 0 is -100, before the previous one \(0\)"),
    (1, 10**9, r"sentence end 2 is 8, before the previous one \(1000000000\)"),
    (2, 7, r"the last sentence ends at 7, not at the 8 tokens"),
])
def test_encoded_corpus_refuses_bad_sentence_ends(tmp_path, index, value, match):
    path = _damaged_copy(tmp_path, "ends.i64", index, value)
    with pytest.raises(CorpusError, match=match):
        EncodedCorpus(path)


def test_corpus_starting_with_BZh_is_text(tmp_path):
    # issue 10, item 6: the corpus reader sniffs compression as base.fileio does
    import bz2
    p = tmp_path / "v.txt"
    p.write_bytes(b"BZhang 0.5 0.25\n")
    assert list(nv.Corpus(p, lowercase=False, tokenizer="whitespace")) == [["BZhang", "0.5",
                                                                          "0.25"]]
    real = tmp_path / "r.txt.bz2"
    real.write_bytes(bz2.compress(b"BZh real\n"))
    assert list(nv.Corpus(real, lowercase=False)) == [["BZh", "real"]]


# --------------------------------------------------------------------------- long tokens
# Regression tests (issue 10, item 5): a 5 MB token became about 19,500 tokens of 256
# bytes while the statistics said "2 tokens cut". The rule now: a token longer than
# max_token_bytes (256) keeps its first 256 bytes, cut at a code point boundary; the rest
# is dropped; each such token is counted once (n_long_tokens), the bytes dropped too
# (n_cut_bytes); in both modes, in feed_tokens, across read blocks.

def _cut(token, limit=256):
    """The reference rule: the longest prefix of whole code points within limit bytes."""
    out, size = [], 0
    for ch in token:
        w = len(ch.encode("utf-8"))
        if size + w > limit:
            break
        out.append(ch)
        size += w
    return "".join(out)


def test_a_token_of_megabytes_is_one_token_of_256_bytes(tmp_path):
    p = tmp_path / "long_token.txt"
    big = b"ab" * (9 * 1024 * 1024 // 2)             # 9 MiB without a space: 3 read blocks
    p.write_bytes(b"first " + big + b" last\nnext line\n")
    corpus = nv.Corpus(p)
    enc = corpus.encode()
    assert list(corpus) == _encoded_sentences(enc) == [["first", "ab" * 128, "last"],
                                                       ["next", "line"]]
    assert enc.stats["n_long_tokens"] == 1
    assert enc.stats["n_cut_bytes"] == len(big) - 256
    assert enc.meta["corpus"]["max_token_bytes"] == 256


def test_long_tokens_cut_at_a_code_point_boundary_in_every_mode():
    from ngramvec.data._encode import TextEncoder
    token = "a" + "\u00e9" * 200                      # 401 bytes: 255 kept, not 256
    assert len(_cut(token).encode()) == 255
    for encode in (True, False):
        e = TextEncoder(0, False, encode, 10000, 256)
        e.feed((token + " b\n").encode())
        e.feed_tokens([token, "c" * 300])            # pre-tokenized sentences too
        e.finish()
        if encode:
            keys = e.lexicon()[0]
            ids, _ = e.take_ids()
            tokens = [keys[i] for i in ids]
        else:
            tokens = e.take_text().decode().split()
        assert tokens == [_cut(token), "b", _cut(token), "c" * 256]
        assert e.n_long_tokens == 3 and e.n_cut_bytes == 146 + 146 + 44


def test_pretokenized_long_token_in_corpus():
    corpus = nv.Corpus([["x" * 300, "y"], "z " + "w" * 257])
    enc = corpus.encoded()
    assert list(corpus) == list(enc) == [["x" * 256, "y"], ["z", "w" * 256]]
    assert (enc.stats["n_long_tokens"], enc.stats["n_cut_bytes"]) == (2, 45)


_LONG_PIECES = [b"x" * 300, "\u00e9".encode() * 140, "\u20ac".encode() * 90,
                "\U0001d11e".encode() * 70, b"ab", b"don", b"'", b"t", b"-", b"3", b".",
                b"14", b",", b"!", b" ", b"\t", b"\n", "\u3000".encode(), b"\xff", b"Q"]


@settings(max_examples=80, deadline=None)
@given(pieces=st.lists(st.sampled_from(_LONG_PIECES), max_size=40),
       block=st.integers(8, 700), tokenizer=st.sampled_from(["words", "words_punct",
                                                             "whitespace"]))
def test_long_tokens_do_not_depend_on_the_read_blocks(tmp_path_factory, pieces, block,
                                                      tokenizer):
    p = tmp_path_factory.mktemp("c") / "t.txt"
    data = b"".join(pieces)
    p.write_bytes(data)
    whole = nv.Corpus(p, tokenizer=tokenizer).encode()      # one read block
    with _with_blocks(block):
        corpus = nv.Corpus(p, tokenizer=tokenizer)
        sents = list(corpus)
        enc = corpus.encode()
    assert sents == _encoded_sentences(enc) == _encoded_sentences(whole)
    for name in ("n_tokens", "n_long_tokens", "n_cut_bytes", "n_invalid_utf8"):
        assert enc.stats[name] == whole.stats[name], name
    assert all(len(t.encode()) <= 256 for s in sents for t in s)
    if tokenizer == "whitespace":                            # the stats count what was done
        text = data.decode("utf-8", "replace").lower()
        tokens = [t for line in text.split("\n") for t in line.split()]
        assert [t for s in sents for t in s] == [_cut(t) for t in tokens]
        long = [t for t in tokens if len(t.encode()) > 256]
        assert enc.stats["n_long_tokens"] == len(long)
        assert enc.stats["n_cut_bytes"] == sum(len(t.encode()) - len(_cut(t).encode())
                                               for t in long)


def test_damaged_gzip_corpus_is_a_corpus_error(tmp_path):
    # found by the fuzz suite: a damaged deflate stream raised a bare zlib.error
    import gzip
    data = bytearray(gzip.compress(b"the cat sat on the mat\n" * 200))
    data[20:30] = b"\xff" * 10
    p = tmp_path / "c.txt.gz"
    p.write_bytes(bytes(data))
    with pytest.raises(CorpusError, match=r"c\.txt\.gz, line 1: cannot read"):
        list(nv.Corpus(p))
    with pytest.raises(CorpusError, match=r"c\.txt\.gz, line 1: cannot read"):
        nv.Corpus(p).encode()


# --------------------------------------------------------------------------- threaded reading
# encode_in_memory(n_threads > 1) tokenizes pieces of whole lines with several encoders
# at once and joins their ids (merge_encoded): the same as one encoder, always.


def _same_encoding(a, b):
    np.testing.assert_array_equal(a.ids, b.ids)
    np.testing.assert_array_equal(a.ends, b.ends)
    assert a.lexicon_keys == b.lexicon_keys
    np.testing.assert_array_equal(a.lexicon_counts, b.lexicon_counts)
    assert a.meta["stats"] == b.meta["stats"]


@pytest.mark.parametrize("tokenizer", ["words", "whitespace", "words_punct"])
def test_threaded_reader_gives_the_ids_of_one_reader(tmp_path, tokenizer):
    from ngramvec.data.encode import encode_in_memory
    d = tmp_path / "corpus"
    d.mkdir()
    rng = np.random.default_rng(0)
    words = ["the", "Cat", "sat", "naïve", "don’t", "1,000.5", "x-y", "\udcff", "\u4e2d", "a"]
    for f in range(3):
        lines = []
        for _ in range(200):
            n = int(rng.integers(0, 30))
            lines.append(" ".join(words[i] for i in rng.integers(0, len(words), n)))
        lines.append("long " * 90)                 # longer than a block: continued pieces
        (d / f"f{f}.txt").write_bytes(("\n".join(lines)).encode("utf-8", "surrogateescape"))
    with _with_blocks(200):
        one = encode_in_memory(nv.Corpus(d, tokenizer=tokenizer, max_sentence_length=25))
        for n_threads in (2, 3):
            many = encode_in_memory(nv.Corpus(d, tokenizer=tokenizer, max_sentence_length=25),
                                    n_threads=n_threads)
            _same_encoding(one, many)
    assert one.meta["stats"]["n_split_sentences"] > 0 and one.meta["stats"]["n_invalid_utf8"] > 0


def test_threaded_reader_on_the_demo_corpus():
    from ngramvec.data.encode import encode_in_memory
    path = nv.dataset_path("demo")
    _same_encoding(encode_in_memory(nv.Corpus(path)),
                   encode_in_memory(nv.Corpus(path), n_threads=2))


def test_threaded_reader_errors(tmp_path):
    from ngramvec.data.encode import encode_in_memory
    binary = tmp_path / "bin.txt"
    binary.write_bytes(b"ok line\n" * 50 + b"bad\x00line\n")
    with _with_blocks(64), pytest.raises(CorpusError, match="NUL byte"):
        encode_in_memory(nv.Corpus(binary), n_threads=2)
    latin = tmp_path / "latin1.txt"
    latin.write_bytes(("caf\xe9 na\xefve " * 300).encode("latin-1"))
    with pytest.raises(CorpusError, match="does not look like UTF-8"):
        encode_in_memory(nv.Corpus(latin), n_threads=2)


def test_merge_encoded_refuses_bad_pieces():
    from ngramvec.data._encode import TextEncoder, merge_encoded
    enc = TextEncoder(1, True, True, 100, 256)
    enc.feed(b"a b c\n")
    ids, ends = enc.take_ids()
    assert [x.tolist() for x in merge_encoded([enc], [(0, ids, ends, 3)])[:2]] == \
        [[0, 1, 2], [3]]
    with pytest.raises(ValueError, match="encoder index"):
        merge_encoded([enc], [(1, ids, ends, 3)])
    with pytest.raises(ValueError, match="type counts"):
        merge_encoded([enc], [(0, ids, ends, 2)])
    with pytest.raises(ValueError, match="type counts"):
        merge_encoded([enc], [(0, ids, ends, 4)])
    with pytest.raises(ValueError, match="not in its encoder"):
        merge_encoded([enc], [(0, np.array([0, 5], np.int32), np.array([2]), 3)])
    with pytest.raises(ValueError, match="sentence ends"):
        merge_encoded([enc], [(0, ids, np.array([4]), 3)])


@settings(max_examples=80, deadline=None)
@given(text=st.text(st.sampled_from(list("abXY09 \t\n'-.,!é’‐İ\u0301中")), max_size=200),
       mode=st.integers(0, 2), lowercase=st.booleans(), limit=st.sampled_from([4, 5, 9, 256]))
def test_ascii_runs_tokenize_as_code_points(text, mode, lowercase, limit):
    """The tokenizer's ASCII fast path (whole runs of letters and digits) gives what
    one code point at a time gives: fed whole, and fed one code point a block (where
    no run is longer than one code point)."""
    from ngramvec.data._encode import TextEncoder
    data = text.encode("utf-8")

    def run(blocks):
        enc = TextEncoder(mode, lowercase, True, 10_000, limit)
        for b, cont in blocks:
            enc.feed(b, cont)
        enc.finish()
        ids, ends = enc.take_ids()
        keys = enc.lexicon()[0]
        return [keys[i] for i in ids], ends.tolist(), enc.stats()

    whole = run([(data, False)])
    one_by_one = run([(ch.encode("utf-8"), i + 1 < len(text) and ch != "\n")
                      for i, ch in enumerate(text)])
    assert whole == one_by_one
