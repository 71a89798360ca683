"""Tests of the ngramvec command line."""
from __future__ import annotations

import pytest

from ngramvec.cli import main

TEXT = ("The king and the queen ruled the land.\n"
        "The queen and the king were wise.\n"
        "A man and a woman walked in the land.\n") * 30


@pytest.fixture
def corpus_file(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text(TEXT, encoding="utf-8")
    return p


def test_pipeline_commands(tmp_path, corpus_file, capsys):
    d = tmp_path
    assert main(["-q", "tokenize", str(corpus_file), "-o", str(d / "tok.txt")]) == 0
    assert (d / "tok.txt").read_text().splitlines()[0] == "the king and the queen ruled the land"
    assert main(["-q", "vocab", str(corpus_file), "-o", str(d / "v.txt"), "--min-count", "2"]) == 0
    assert (d / "v.txt").read_text().splitlines()[0] == "the 180"
    assert main(["-q", "count", str(corpus_file), "--vocab", str(d / "v.txt"), "--window", "2",
                 "--threads", "2", "-o", str(d / "c.npz")]) == 0
    assert main(["-q", "ppmi", str(d / "c.npz"), "-o", str(d / "p.npz")]) == 0
    assert main(["-q", "svd", str(d / "p.npz"), "--dim", "3", "-o", str(d / "v.bin")]) == 0
    assert main(["-q", "svd", str(d / "p.npz"), "--dim", "3", "-o", str(d / "v.txt")]) == 0
    capsys.readouterr()
    assert main(["-q", "similar", str(d / "v.bin"), "king", "--topn", "3"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("king:") and len(out.splitlines()) == 4
    assert main(["-q", "analogy", str(d / "v.txt"), "man", "king", "woman"]) == 0
    assert "man : king :: woman : ?" in capsys.readouterr().out
    assert main(["-q", "eval", str(d / "v.bin"), "--similarity", "ws353", "--analogy",
                 "google", "--method", "both"]) == 0
    out = capsys.readouterr().out
    assert "ws353" in out and "3cosmul" in out


def test_errors_are_one_line(tmp_path, capsys):
    assert main(["vocab", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "v")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("ngramvec: error:") and "no such file or directory" in err[-1]
    p = tmp_path / "c.txt"
    p.write_text("a b c\n", encoding="utf-8")
    assert main(["count", str(p), "--min-count", "1", "--window", "0", "-o",
                 str(tmp_path / "x.npz")]) == 2
    assert "'window' parameter of count_cooccurrences" in capsys.readouterr().err
    assert not (tmp_path / "x.npz").exists()
    assert main(["similar", str(tmp_path / "nope.bin"), "x"]) == 2
    (tmp_path / "bad.txt").write_text("3 2\na 1 2\n", encoding="utf-8")
    assert main(["similar", str(tmp_path / "bad.txt"), "a"]) == 2
    assert "bad.txt" in capsys.readouterr().err
    with pytest.raises(Exception):
        main(["--debug", "vocab", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "v")])


def test_unknown_word_message(tmp_path, corpus_file, capsys):
    d = tmp_path
    main(["-q", "count", str(corpus_file), "--min-count", "1", "--window", "2", "-o",
          str(d / "c.npz")])
    main(["-q", "ppmi", str(d / "c.npz"), "-o", str(d / "p.npz")])
    main(["-q", "svd", str(d / "p.npz"), "--dim", "3", "-o", str(d / "v.npz")])
    assert main(["similar", str(d / "v.npz"), "zebra"]) == 2
    assert "'zebra' is not in the" in capsys.readouterr().err


def test_help(capsys):
    with pytest.raises(SystemExit) as e:
        main(["--help"])
    assert e.value.code == 0
    assert "demo" in capsys.readouterr().out


def test_ngram_commands(tmp_path, corpus_file, capsys):
    d = tmp_path
    assert main(["-q", "vocab", str(corpus_file), "--ngram-orders", "1", "2", "--min-count",
                 "2", "3", "-o", str(d / "v.txt")]) == 0
    keys = [line.split(" ")[0] for line in (d / "v.txt").read_text().splitlines()]
    assert "the\u00a0king" in keys
    assert main(["-q", "count", str(corpus_file), "--contexts", "uni_bi", "--window", "2",
                 "--min-count", "2", "--memory-limit", "64MB", "-o", str(d / "c.npz")]) == 0
    from ngramvec.models.cooccur import Cooccurrence
    c = Cooccurrence.load(d / "c.npz")
    assert c.params["contexts"] == "uni_bi" and c.shape[0] < c.shape[1]
    assert main(["count", str(corpus_file), "--contexts", "uni_bigram", "-o",
                 str(d / "x.npz")]) == 2
    assert "'contexts' parameter" in capsys.readouterr().err
