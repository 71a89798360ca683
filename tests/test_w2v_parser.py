"""The compiled word2vec/GloVe parser (ngramvec.vectors._formats) against the pure-Python
engine and gensim: the same values bit for bit, the same keys, the same errors."""
from __future__ import annotations

import numpy as np
import pytest

from ngramvec.base.exceptions import ExtensionNotBuiltError, VectorsFormatError
from ngramvec.vectors import _w2v, formats

_formats = pytest.importorskip("ngramvec.vectors._formats")
gensim_kv = pytest.importorskip("gensim.models.keyedvectors")
GKV = gensim_kv.KeyedVectors
ENGINES = ("compiled", "python")


def _bits(a: np.ndarray) -> np.ndarray:
    return a.view({2: np.uint16, 4: np.uint32, 8: np.uint64}[a.dtype.itemsize])


def _tokens(rng, n: int) -> list[str]:
    """Decimal strings of every kind tools write, and some only float() reads."""
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-45, 39, n)
    out = []
    for i, v in enumerate(x):
        f32 = np.float32(v)
        kind = i % 12
        if kind == 0:
            out.append(str(f32))                  # gensim: shortest float32 repr
        elif kind == 1:
            out.append(f"{float(v):.6f}")         # GloVe's %lf
        elif kind == 2:
            out.append(f"{float(v):g}")           # fastText (6 significant digits)
        elif kind == 3:
            out.append(repr(float(v)))            # 17 digits
        elif kind == 4:
            out.append(f"{float(v):.25e}")        # more digits than the fast path takes
        elif kind == 5:
            out.append(f"{float(v):.3E}")
        elif kind == 6:
            out.append(f"{float(np.round(v, 6)):.9f}".rstrip("0"))   # "1." and ".5" forms
        elif kind == 7:
            out.append(str(int(v)) if abs(v) < 1e18 else "12345678901234567890123")
        elif kind == 8:
            out.append(["nan", "-nan", "NaN", "inf", "-inf", "+Infinity", "-0", "0.0e999",
                        "1e400", "-1e-400", "4.9406564584124654e-324",
                        "3.4028235677973366e38", "3.4028234e38"][i % 13])
        elif kind == 9:
            out.append("1_000.5" if i % 2 else "+.5e-3")
        elif kind == 10:
            out.append(f"{float(v):.15e}".replace("e+", "E+").replace("e-", "E-"))
        else:
            out.append(f"{float(v) * 1e-300:.17g}")  # subnormal doubles
    return out


@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@pytest.mark.parametrize("datatype", [np.float32, np.float64, np.float16])
def test_values_equal_gensim_bit_for_bit(tmp_path, rng, datatype):
    n, dim = 120, 25
    toks = _tokens(rng, n * dim)
    keys = [f"w{i}" for i in range(n)]
    lines = [f"{k} " + " ".join(toks[i * dim:(i + 1) * dim]) for i, k in enumerate(keys)]
    p = tmp_path / "v.txt"
    p.write_text(f"{n} {dim}\n" + "\n".join(lines) + "\n")
    theirs = GKV.load_word2vec_format(str(p), datatype=datatype)
    expect = np.array([[datatype(t) for t in toks[i * dim:(i + 1) * dim]] for i in range(n)])
    assert theirs.vectors.tobytes() == expect.astype(datatype).tobytes()
    for engine in ENGINES:
        got_keys, got = formats.read_word2vec(p, datatype=datatype, engine=engine)
        assert got_keys == keys
        assert got.dtype == datatype
        np.testing.assert_array_equal(_bits(got), _bits(theirs.vectors), err_msg=engine)


def test_parse_double_is_float_or_leaves_it(rng):
    for tok in _tokens(rng, 3000) + ["1e", "+", ".", "e5", "1.2.3", "0x10", "1e+-5", "--1",
                                     "nan(1)", "infinit", "١", "1,5"]:
        v = _formats.parse_double(tok.encode())
        if v is None:
            continue   # left to float()
        ref = float(tok)
        assert np.float64(v).view(np.uint64) == np.float64(ref).view(np.uint64), tok


@pytest.mark.parametrize("block", [1, 3, 64, 1 << 23])
@pytest.mark.parametrize("header", [True, False])
def test_blocks_of_any_size_give_the_same_result(tmp_path, rng, monkeypatch, block, header):
    n, dim = 40, 6
    toks = _tokens(rng, n * dim)
    body = "".join(f"k{i}\t" + "  ".join(toks[i * dim:(i + 1) * dim]) + (" \r\n" if i % 3 else "\n")
                   + ("\n" if i % 7 == 0 else "") for i in range(n))
    p = tmp_path / "v.txt"
    p.write_text((f"{n} {dim}\n" if header else "") + body.rstrip("\n"))  # no final newline
    ref = formats.read_word2vec(p, header=header, engine="python")
    monkeypatch.setattr(_w2v, "BLOCK", block)
    keys, got = formats.read_word2vec(p, header=header, engine="compiled")
    assert keys == ref[0] and got.tobytes() == ref[1].tobytes()
    keys, got = formats.read_word2vec(p, header=header, engine="compiled", limit=n // 2)
    assert keys == ref[0][:n // 2] and got.tobytes() == ref[1][:n // 2].tobytes()


def test_many_slow_values_in_one_line(tmp_path):
    # more values float() must read than the table holds (4096), in one line and in many
    dim = 10000
    p = tmp_path / "v.txt"
    p.write_text(f"2 {dim}\n" + "".join(f"w{i} " + " ".join(["1_0"] * dim) + "\n" for i in range(2)))
    keys, got = formats.read_word2vec(p, engine="compiled")
    assert keys == ["w0", "w1"] and (got == 10.0).all()


def test_binary_equals_gensim_and_python(tmp_path, rng, monkeypatch):
    n, dim = 50, 9
    v = (rng.standard_normal((n, dim)) * 10.0 ** rng.integers(-40, 38, (n, dim))).astype(np.float32)
    v[0, :3] = [np.nan, -np.inf, -0.0]
    keys = [f"k{i}" for i in range(n)]
    g = GKV(dim)
    g.add_vectors(keys, v)
    p = tmp_path / "v.bin"
    g.save_word2vec_format(str(p), binary=True)
    for block in (1, 5, 1 << 23):
        monkeypatch.setattr(_w2v, "BLOCK", block)
        for engine in ENGINES:
            got_keys, got = formats.read_word2vec(p, binary=True, engine=engine)
            assert got_keys == keys
            assert got.tobytes() == v.tobytes() == g.vectors.tobytes()


BAD_TEXT = [
    (b"3 2\na 1 2\nb 3\nc 5 6\n", r"v\.txt, record 3: expected 2 values, found 1"),         # ragged
    (b"2 2\na 1 2\nb 3 4 5\n", r"record 3: expected 2 values, found 3"),                     # too many
    (b"2 2\na 1 2\nb 3 4e\n", r"record 3: value 2 '4e' is not a number"),                    # bad float
    (b"2 2\na 1 2\nb 3 0x10\n", r"record 3: value 2 '0x10' is not a number"),
    (b"2 2\na 1 2\nb 3 nan(1)\n", r"record 3: value 2 'nan\(1\)' is not a number"),
    (b"2 2\na 1 2\nb 3 4\x005\n", r"record 3: value 2 '4\\x005' is not a number"),           # NUL
    (b"2 2\na\x00b 1 2\nb 3 4\n", None),                                                      # NUL key: read
    (b"5 2\na 1 2\nb 3 4\n", r"record 4: truncated file: the header announces 5 vectors"),  # lying header
    (b"1 2\na 1 2\nb 3 4\n", r"record 3: more records than the 1 announced"),
    (b"2 2\na 1 2\nb 3 4", None),                                                             # no final \n
    (b"2 2\na 1 2\nb 3", r"record 3: expected 2 values, found 1"),                           # truncated
    (b"2 2\na 1 2\n b 3 4\n", r"record 3: the line starts with whitespace"),
    (b"2 2\na 1 2\nb\n", r"record 3: the key 'b' has no values"),
    (b"2 2\na 1 2\nb\xff 3 4\n", r"record 3: the key b'b\\xff' is not valid UTF-8"),         # invalid UTF-8
    (b"2 2\na 1 2\na 3 4\n", r"record 3: duplicate key 'a' \(first seen at record 2\)"),
    (b"2 2\na 1 2\nb 3 4\xff\n", r"record 3: value 2 '4\ufffd' is not a number"),
]


@pytest.mark.parametrize("content, match", BAD_TEXT)
def test_malformed_text_files_give_the_same_error_in_both_engines(tmp_path, content, match,
                                                                   monkeypatch):
    p = tmp_path / "v.txt"
    p.write_bytes(content)
    results = []
    for engine, block in [("python", 1 << 23), ("compiled", 1 << 23), ("compiled", 2)]:
        monkeypatch.setattr(_w2v, "BLOCK", block)
        if match is None:
            keys, vectors = formats.read_word2vec(p, engine=engine)
            results.append((keys, vectors.tobytes()))
        else:
            with pytest.raises(VectorsFormatError, match=match) as info:
                formats.read_word2vec(p, engine=engine)
            results.append(str(info.value))
    assert results[0] == results[1] == results[2]


def test_malformed_files_with_unicode_errors(tmp_path):
    p = tmp_path / "v.txt"
    p.write_bytes(b"2 2\na 1 2\nb 3 4\xff\n")   # gensim with "ignore" reads "4\xff" as 4
    theirs = GKV.load_word2vec_format(str(p), unicode_errors="ignore")
    for engine in ENGINES:
        keys, got = formats.read_word2vec(p, unicode_errors="ignore", engine=engine)
        assert keys == ["a", "b"] and got.tobytes() == theirs.vectors.tobytes()


BAD_BINARY = [
    (b"3 2\na " + b"\0" * 8 + b"b " + b"\0" * 8, r"record 3: truncated file: the header announces 3"),
    (b"2 2\na " + b"\0" * 8 + b"b " + b"\0" * 5, r"record 2: truncated record 'b': expected 8 bytes"),
    (b"2 2\na " + b"\0" * 8 + b"bcd", r"record 2: truncated record: key without vector"),
    (b"1 2\na " + b"\0" * 8 + b"b " + b"\0" * 8, r"record 2: more data than the 1 records"),
    (b"1 2\na\tb " + b"\0" * 8, r"record 1: the key 'a\\tb' contains whitespace"),
    (b"1 2\n" + b"x" * 70000, r"record 1: no space after 65536 bytes"),
    (b"2 2\na " + b"\0" * 8 + b"a " + b"\0" * 8, r"record 2: duplicate key 'a'"),
    (b"1 2\n\xff\xfe " + b"\0" * 8, r"record 1: the key b'\\xff\\xfe' is not valid UTF-8"),
]


@pytest.mark.parametrize("content, match", BAD_BINARY)
def test_malformed_binary_files_give_the_same_error_in_both_engines(tmp_path, content, match,
                                                                     monkeypatch):
    p = tmp_path / "v.bin"
    p.write_bytes(content)
    messages = []
    for engine, block in [("python", 1 << 23), ("compiled", 1 << 23), ("compiled", 3)]:
        monkeypatch.setattr(_w2v, "BLOCK", block)
        with pytest.raises(VectorsFormatError, match=match) as info:
            formats.read_word2vec(p, binary=True, engine=engine)
        messages.append(str(info.value))
    assert messages[0] == messages[1] == messages[2]


def test_engine_parameter(tmp_path, monkeypatch):
    p = tmp_path / "v.txt"
    p.write_bytes(b"1 1\na 1\n")
    with pytest.raises(ValueError, match=r"The 'engine' parameter must be a str among"):
        formats.read_word2vec(p, engine="c")
    monkeypatch.setattr(_w2v, "_ext", None)
    with pytest.raises(ExtensionNotBuiltError, match=r"engine='compiled' needs "
                                                     r"ngramvec\.vectors\._formats"):
        formats.read_word2vec(p, engine="compiled")
    assert formats.read_word2vec(p)[0] == ["a"]   # auto: the Python engine


def test_block_functions_check_their_arguments():
    out = np.zeros((2, 3), np.float32)
    keys = np.zeros(16, np.uint8)
    slow = np.zeros((4, 4), np.int64)
    with pytest.raises(ValueError, match=r"pos 99 is outside"):
        _formats.text_parse_block(b"a 1 2 3\n", 99, True, out, 0, keys, 0, slow, 0)
    with pytest.raises(ValueError, match=r"row 3 is outside"):
        _formats.text_parse_block(b"a 1 2 3\n", 0, True, out, 3, keys, 0, slow, 0)
    with pytest.raises(ValueError, match=r"float32 or float64"):
        _formats.text_parse_block(b"a 1 2 3\n", 0, True, out.astype(np.int32), 0, keys, 0, slow, 0)
    with pytest.raises(ValueError, match=r"slow must have shape"):
        _formats.text_parse_block(b"a 1 2 3\n", 0, True, out, 0, keys, 0, slow[:, :3].copy(), 0)
    with pytest.raises(ValueError, match=r"C-contiguous"):
        _formats.bin_parse_block(b"", 0, True, np.zeros((3, 2), np.float32).T, 0, keys, 0)
    # a key buffer too small for a line: the call stops before it, nothing is overrun
    r = _formats.text_parse_block(b"abcdefgh 1 2 3\n", 0, True, out, 0, keys[:4], 0, slow, 0)
    assert r[0] == _formats.SLOW_FULL and r[1] == 0 and r[2] == 0
