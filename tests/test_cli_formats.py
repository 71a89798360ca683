"""The one vectors-file naming rule (ngramvec.vectors.files), used by every subcommand."""
from __future__ import annotations

import numpy as np
import pytest

from ngramvec.cli import main
from ngramvec.vectors.files import VECTOR_FORMATS, load_vectors, save_vectors, vector_format
from ngramvec.vectors.keyedvectors import KeyedVectors


@pytest.fixture
def wv(rng):
    return KeyedVectors(rng.normal(size=(5, 3)).astype(np.float32),
                        ["a", "b", "c", "d", "e"], counts=np.arange(5, 0, -1))


@pytest.mark.parametrize("name,fmt", [
    ("v.npz", "npz"), ("v.npz.gz", "npz"), ("v.bin", "word2vec-binary"),
    ("V.BIN.xz", "word2vec-binary"), ("v.glove", "glove"), ("v.glove.txt", "glove"),
    ("v.glove.txt.bz2", "glove"), ("v.txt", "word2vec"), ("v.vec", "word2vec"),
    ("v.txt.gz", "word2vec"), ("vectors", "word2vec"),
])
def test_vector_format_by_name(name, fmt):
    assert vector_format(name) == fmt
    assert vector_format(name, "auto") == fmt
    assert vector_format(name, "glove") == "glove"


def test_vector_format_rejects_unknown_format():
    with pytest.raises(ValueError, match=r"The 'fmt' parameter of vector_format must be a str "
                                         r"among \{'auto', 'word2vec', 'word2vec-binary', "
                                         r"'glove', 'npz'\}. Got 'text' instead."):
        vector_format("v.txt", "text")


@pytest.mark.parametrize("name", ["v.npz", "v.bin", "v.glove.txt", "v.txt", "v.vec.gz"])
def test_round_trip(tmp_path, wv, name):
    path = tmp_path / name
    assert save_vectors(wv, path) == vector_format(name)
    back = load_vectors(path)
    assert back.index_to_key == wv.index_to_key
    np.testing.assert_array_equal(back.vectors, wv.vectors)


def test_headers(tmp_path, wv):
    save_vectors(wv, tmp_path / "w.txt")
    assert (tmp_path / "w.txt").read_text().splitlines()[0] == "5 3"
    save_vectors(wv, tmp_path / "g.glove.txt")
    assert (tmp_path / "g.glove.txt").read_text().splitlines()[0].split()[0] == "a"
    save_vectors(wv, tmp_path / "forced.txt", "glove")
    assert (tmp_path / "forced.txt").read_text().splitlines()[0].split()[0] == "a"
    # text without a header loads whatever its name
    assert load_vectors(tmp_path / "forced.txt").index_to_key == wv.index_to_key


def test_errors(tmp_path, wv):
    with pytest.raises(FileNotFoundError, match="no such vectors file"):
        load_vectors(tmp_path / "missing.txt")
    with pytest.raises(TypeError, match="The 'wv' parameter of save_vectors must be a "
                                        "KeyedVectors. Got ndarray instead."):
        save_vectors(wv.vectors, tmp_path / "x.txt")
    assert set(VECTOR_FORMATS) == {"word2vec", "word2vec-binary", "glove", "npz"}


def test_same_rule_in_svd_and_glove(tmp_path):
    """svd and glove write the same format for the same file name."""
    text = ("the king and the queen ruled the land\nthe man and the woman walked\n") * 20
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    d = tmp_path
    assert main(["-q", "count", str(d / "c.txt"), "--min-count", "1", "-o", str(d / "c.npz")]) == 0
    assert main(["-q", "ppmi", str(d / "c.npz"), "-o", str(d / "p.npz")]) == 0
    for name in ("s.txt", "s.glove.txt"):
        assert main(["-q", "svd", str(d / "p.npz"), "--dim", "2", "-o", str(d / name)]) == 0
        assert main(["-q", "glove", str(d / "c.npz"), "--dim", "2", "--epochs", "1",
                     "--threads", "1", "-o", str(d / ("g" + name[1:]))]) == 0
    for a, b in (("s.txt", "g.txt"), ("s.glove.txt", "g.glove.txt")):
        first_a = (d / a).read_text().splitlines()[0].split()
        first_b = (d / b).read_text().splitlines()[0].split()
        assert len(first_a) == len(first_b)
    assert (d / "g.txt").read_text().splitlines()[0] == "9 2"
