"""Tests of the ngramvec command line."""
from __future__ import annotations

import re

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


# --------------------------------------------------------------------------- registration

EXPECTED_COMMANDS = {"tokenize", "vocab", "count", "ppmi", "svd", "sgns", "glove", "eval",
                      "similar", "analogy", "postprocess", "demo", "phrases", "plot",
                      "plot-training", "pairs"}


def _subcommands(parser):
    import argparse
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    return sub.choices


def test_every_subcommand_is_registered(capsys):
    from ngramvec.cli import COMMANDS, build_parser
    choices = _subcommands(build_parser())
    assert set(choices) == EXPECTED_COMMANDS
    assert len(COMMANDS) == len(EXPECTED_COMMANDS)
    for module in COMMANDS:
        assert callable(module.add_parser) and callable(module.run)
        assert choices[module.NAME].get_default("func") is module.run
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert all(re.search(rf"^    {re.escape(name)}\s", out, re.M) for name in EXPECTED_COMMANDS)


def test_argparse_only_in_cli():
    import pathlib
    import ngramvec
    root = pathlib.Path(ngramvec.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if "cli" not in p.relative_to(root).parts[:1]
                 and "argparse" in p.read_text(encoding="utf-8")]
    assert offenders == []


def test_missing_extension_is_one_line_and_exit_2(tmp_path, corpus_file, capsys, monkeypatch):
    """A compiled stage that is not built fails at run time, in one line, exit status 2."""
    from ngramvec.base.exceptions import ExtensionNotBuiltError
    from ngramvec.cli import sgns as sgns_cmd

    def missing(*args, **kwargs):
        raise ExtensionNotBuiltError("No module named 'ngramvec.models._sgns': the compiled "
                                     "kernels are not built;\nrun 'pip install .'")
    monkeypatch.setattr(sgns_cmd.SGNS, "fit", missing)
    assert main(["sgns", str(corpus_file), "-o", str(tmp_path / "v.bin")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("ngramvec: error: No module named "
                                               "'ngramvec.models._sgns'")
    assert "pip install ." in err[0]


_HIDE_EXTENSIONS = """
import importlib.abc, sys
class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name in ("ngramvec.data._encode", "ngramvec.models._cooccur", "ngramvec.models._sgns"):
            raise ImportError(f"No module named {name!r} (hidden by the test)")
sys.meta_path.insert(0, Hide())
try:
    import ngramvec.cli
except ImportError as exc:
    print("IMPORT-FAILED", exc)
    sys.exit(0)
from ngramvec.cli import main
sys.exit(main(sys.argv[1:]))
"""


def test_without_compiled_extensions(tmp_path, corpus_file):
    """With the compiled modules hidden every subcommand is still listed, and a compiled
    stage fails with one line naming the missing module (exit status 2)."""
    import subprocess
    import sys
    script = tmp_path / "hide.py"
    script.write_text(_HIDE_EXTENSIONS, encoding="utf-8")

    import os
    import pathlib
    # the checkout under test, not whatever ngramvec the interpreter would find first
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(__file__).resolve().parents[1]))

    def run(*argv):
        return subprocess.run([sys.executable, str(script), *argv], capture_output=True,
                              text=True, timeout=120, env=env)
    r = run("--help")
    assert "IMPORT-FAILED" not in r.stdout, r.stdout
    assert r.returncode == 0 and all(
        re.search(rf"^    {re.escape(n)}\s", r.stdout, re.M) for n in EXPECTED_COMMANDS)
    r = run("sgns", str(corpus_file), "-o", str(tmp_path / "v.bin"))
    err = r.stderr.strip().splitlines()
    assert r.returncode == 2 and len(err) == 1, r.stderr
    # the first compiled stage of sgns on a text corpus is the encoder
    assert err[0].startswith("ngramvec: error:") and "ngramvec.data._encode" in err[0]
    assert "pip install ." in err[0]


# --------------------------------------------------------------------------- verbosity

def test_verbosity_options_before_or_after_the_command():
    from ngramvec.cli import build_parser
    parse = build_parser().parse_args
    base = ["vocab", "c.txt", "-o", "v.txt"]
    a = parse(base)
    assert (a.progress, a.quiet, a.verbose, a.debug) == (True, 0, 0, False)
    for argv in (["--no-progress", "-q", "--debug"] + base, base + ["--no-progress", "-q", "--debug"]):
        a = parse(argv)
        assert (a.progress, a.quiet, a.verbose, a.debug) == (False, 1, 0, True)
    assert parse(["-vv"] + base).verbose == 2 and parse(base + ["-v"]).verbose == 1
    # counted, before and after the subcommand together
    assert parse(["-v"] + base + ["-v"]).verbose == 2
    assert parse(["-q"] + base + ["-qq"]).quiet == 3
    a = parse(["-q", "-v"] + base)
    assert (a.quiet, a.verbose) == (1, 1)
    assert not any(name.startswith("after_command_") for name in vars(a))


def test_log_levels():
    import logging
    from ngramvec.cli._common import log_levels
    W, I, D, E = logging.WARNING, logging.INFO, logging.DEBUG, logging.ERROR
    names = ("ngramvec", "ngramvec.cli", "ngramvec.saved")
    assert log_levels() == dict(zip(names, (W, I, I)))
    assert log_levels(verbose=1) == dict(zip(names, (I, I, I)))
    assert log_levels(verbose=2) == log_levels(verbose=5) == dict(zip(names, (D, D, D)))
    assert log_levels(quiet=1) == dict(zip(names, (W, W, W)))
    assert log_levels(quiet=2) == log_levels(quiet=4) == dict(zip(names, (E, E, E)))
    assert log_levels(quiet=1, verbose=1) == log_levels()


def test_default_output_is_summary_only(tmp_path, corpus_file, capsys):
    import logging
    before = (logging.getLogger("ngramvec").level, list(logging.getLogger().handlers))
    argv = ["vocab", str(corpus_file), "--min-count", "1", "-o", str(tmp_path / "v.txt")]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    assert err == [f"INFO ngramvec.saved: saved a vocabulary of 13 entries to "
                   f"{tmp_path / 'v.txt'}"]
    assert main(["-v"] + argv) == 0
    err = capsys.readouterr().err
    assert "INFO ngramvec.data.vocab:" in err and "INFO ngramvec.saved:" in err
    assert main(["-q"] + argv) == 0
    assert capsys.readouterr().err == ""
    # main() leaves the logging configuration as it found it
    assert (logging.getLogger("ngramvec").level, list(logging.getLogger().handlers)) == before


# --------------------------------------------------------------------------- demo

def test_demo_labels_and_quiet_default(capsys):
    argv = ["demo", "--max-sentences", "400", "--dim", "16", "--min-count", "3", "--threads",
            "1", "--words", "the"]
    assert main(argv) == 0
    cap = capsys.readouterr()
    assert "the first 400 lines of" in cap.out
    assert "SGNS (dim 16, window 5, 5 epochs)" in cap.out
    assert "GloVe (dim 16, window 10, 25 epochs)" in cap.out
    assert "PPMI-SVD (window 2, cds 0.75, dim 16" in cap.out
    assert "dim 100" not in cap.out and "failed" not in cap.out
    assert cap.out.count("ws353 ") == 3
    assert "INFO" not in cap.err
    # per-epoch logs at -v
    assert main(["-v"] + argv) == 0
    err = capsys.readouterr().err
    assert "INFO ngramvec.models.glove" in err and "INFO ngramvec.models.sgns" in err


def test_demo_bad_max_sentences(capsys):
    assert main(["demo", "--max-sentences", "0"]) == 2
    assert "'max_sentences' parameter of demo must be an int in the range [1, inf)" in \
        capsys.readouterr().err


# --------------------------------------------------------------------------- usage errors
# Regression tests (issue 10, item 9): argparse printed a usage block before the error,
# reported `ngramvec --bogus` as "required: COMMAND", and `count --memory-limit abc`
# blamed Vocabulary.build.

def _usage_error(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    err = capsys.readouterr().err.splitlines()
    assert exit_.value.code == 2 and len(err) == 1, err
    return err[0]


@pytest.mark.parametrize("argv, expected", [
    (["--bogus"], "ngramvec: error: unrecognized arguments: --bogus (see 'ngramvec --help')"),
    ([], "ngramvec: error: a COMMAND is required, one of: demo, tokenize, vocab, count, ppmi, "
          "svd, sgns, glove, eval, similar, analogy, postprocess, phrases, plot, plot-training, "
          "pairs "
          "(see 'ngramvec --help')"),
    (["count"], "ngramvec count: error: the following arguments are required: "
                "-o/--output (see 'ngramvec count --help')"),  # a corpus, or --pairs
    (["count", "c.txt", "--bogus", "-o", "x.npz"],
     "ngramvec count: error: unrecognized arguments: --bogus (see 'ngramvec count --help')"),
    (["count", "c.txt", "-o", "x.npz", "--window", "x"],
     "ngramvec count: error: argument --window: invalid int value: 'x' (see 'ngramvec count "
     "--help')"),
    (["count", "c.txt", "-o", "x.npz", "--memory-limit", "abc"],
     "ngramvec count: error: argument --memory-limit: expected a size such as 4GB, 512MB or a "
     "number of bytes, from 1 byte to 1EB; got 'abc' (see 'ngramvec count --help')"),
    (["vocab", "c.txt", "-o", "v.txt", "--memory-limit", str(10**30)],
     "ngramvec vocab: error: argument --memory-limit: expected a size such as 4GB, 512MB or a "
     f"number of bytes, from 1 byte to 1EB; got '{10**30}' (see 'ngramvec vocab --help')"),
    (["nope"], "ngramvec: error: argument COMMAND: invalid choice: 'nope' (choose from 'demo', "
               "'tokenize', 'vocab', 'count', 'ppmi', 'svd', 'sgns', 'glove', 'eval', 'similar', "
               "'analogy', 'postprocess', 'phrases', 'plot', 'plot-training', 'pairs') (see "
               "'ngramvec --help')"),
])
def test_usage_errors_are_one_line(argv, expected, capsys):
    assert _usage_error(argv, capsys) == expected


def test_memory_limit_option_is_parsed_to_bytes():
    from ngramvec.cli import build_parser
    args = build_parser().parse_args(["count", "c.txt", "-o", "x.npz", "--memory-limit", "2KB"])
    assert args.memory_limit == 2048


def test_ppmi_of_a_text_file_names_the_file(tmp_path, corpus_file, capsys):
    assert main(["ppmi", str(corpus_file), "-o", str(tmp_path / "p.npz")]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [f"ngramvec: error: {corpus_file}: not a co-occurrence file of ngramvec: not an "
                   f".npz archive (a zip file; it starts with b'The king')"]


def test_disk_full_names_the_output(tmp_path, corpus_file, capsys, monkeypatch):
    import errno
    import os

    def fsync(fd):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "out" / "tok.txt"
    out.parent.mkdir()
    assert main(["-q", "tokenize", str(corpus_file), "-o", str(out)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"ngramvec: error: [Errno 28] cannot write: No space left on device: '{out}'"]
    assert os.listdir(out.parent) == []
