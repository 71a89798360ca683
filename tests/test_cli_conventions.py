"""Conventions every subcommand follows: --version, ``python -m ngramvec``, defaults in
every --help, global options after the subcommand, counted -v/-q, one --format, and one
log line per file written."""
from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import ngramvec
from ngramvec.cli import COMMANDS, build_parser, main
from ngramvec.cli._options import HelpFormatter
from ngramvec.vectors import formats as nv_io

ROOT = Path(__file__).resolve().parents[1]

TEXT = ["the king and the queen", "a man and a woman", "the king saw the man",
        "the queen saw the woman", "a king is a man", "a queen is a woman"] * 20


@pytest.fixture
def corpus_file(tmp_path):
    p = tmp_path / "c.txt"
    p.write_text("\n".join(TEXT) + "\n", encoding="utf-8")
    return p


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


# --------------------------------------------------------------------------- version, -m


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out == f"ngramvec {ngramvec.__version__}\n"


@pytest.mark.parametrize("module", ["ngramvec", "ngramvec.cli"])
def test_python_dash_m(module):
    done = subprocess.run([sys.executable, "-m", module, "--version"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 0 and done.stdout == f"ngramvec {ngramvec.__version__}\n"
    done = subprocess.run([sys.executable, "-m", module, "similar"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 2 and done.stderr.startswith("ngramvec similar: error:")


def test_version_matches_the_package_metadata():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in text
    assert 'version = { attr = "ngramvec.__version__" }' in text


# --------------------------------------------------------------------------- --help


def _options(parser: argparse.ArgumentParser):
    for action in parser._actions:
        if action.option_strings and action.help is not argparse.SUPPRESS:
            yield action


def test_every_option_shows_its_default():
    """Each option of each subcommand says its default in --help: shown by the formatter
    for a value, written in the help text where the default is "not given" (None)."""
    parser = build_parser()
    formatter = HelpFormatter("ngramvec")
    missing = []
    for name, sub in [("ngramvec", parser)] + sorted(_subparsers(parser).items()):
        assert sub.formatter_class is HelpFormatter, name
        for action in _options(sub):
            if isinstance(action, (argparse._HelpAction, argparse._VersionAction,
                                   argparse._StoreTrueAction, argparse._StoreFalseAction,
                                   argparse._CountAction)):
                continue
            if action.default is argparse.SUPPRESS or action.required:
                continue
            text = formatter._expand_help(action)
            if "default" not in text:
                missing.append(f"{name} {action.option_strings[-1]}")
            elif action.default is not None and action.default != "auto":
                value = action.default
                shown = " ".join(map(str, value)) if isinstance(value, list) else str(value)
                if f"(default: {shown})" not in text and "default" not in (action.help or ""):
                    missing.append(f"{name} {action.option_strings[-1]} ({shown})")
    assert not missing, "options whose --help does not show the default: " + ", ".join(missing)


def test_help_shows_defaults_once(capsys):
    with pytest.raises(SystemExit):
        main(["sgns", "--help"])
    out = capsys.readouterr().out
    flat = " ".join(out.split())
    assert "--window WINDOW context words on each side (default: 5)" in flat
    assert "--min-count N [N ...]" in flat and "(default: 5)" in flat
    assert "--sample SAMPLE subsampling threshold (0 disables) (default: 0.001)" in flat
    assert not re.search(r"default \d", flat), "an old-style 'default 5' is left"
    assert flat.count("(default: 0.025)") == 1


# --------------------------------------------------------------------------- verbosity


def test_global_options_after_every_subcommand():
    parser = build_parser()
    for name, sub in _subparsers(parser).items():
        strings = {s for a in sub._actions for s in a.option_strings}
        assert {"-q", "-v", "--no-progress", "--debug"} <= strings, name


def test_demo_quiet_after_the_subcommand(capsys):
    """`ngramvec demo -q` (the example of the issue): accepted, and quiet."""
    args = build_parser().parse_args(["demo", "-q"])
    assert args.quiet == 1 and args.verbose == 0
    argv = ["demo", "--max-sentences", "200", "--dim", "8", "--min-count", "3", "--threads",
            "1", "--words", "the", "-q"]
    assert main(argv) == 0
    assert "INFO" not in capsys.readouterr().err


def test_quiet_levels(corpus_file, tmp_path, capsys):
    out = tmp_path / "v.txt"
    argv = ["vocab", str(corpus_file), "--min-count", "1", "-o", str(out)]
    assert main(argv) == 0
    assert capsys.readouterr().err.count("INFO ngramvec.saved:") == 1
    assert main(argv + ["-q"]) == 0
    assert capsys.readouterr().err == ""
    assert main(["-q"] + argv + ["-v"]) == 0   # they add up: the default level
    assert capsys.readouterr().err.count("INFO ngramvec.saved:") == 1
    assert main(argv + ["-vv"]) == 0
    err = capsys.readouterr().err
    assert "INFO ngramvec.data.vocab:" in err and err.count(str(out)) == 1
    # -qq: errors only (a warning is hidden too)
    vec = tmp_path / "v.bin"
    nv_io.write_word2vec(vec, ["a", "b", "c"], np.eye(3, dtype=np.float32), binary=True)
    pp = ["postprocess", str(vec), "-o", str(tmp_path / "o.txt"), "--write-binary"]
    assert main(pp + ["-q"]) == 0
    assert "WARNING ngramvec.cli.postprocess: --write-binary is deprecated" in \
        capsys.readouterr().err
    assert main(pp + ["-qq"]) == 0
    assert capsys.readouterr().err == ""


# --------------------------------------------------------------------------- one line a file


def _saved_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("INFO ngramvec.saved:")]


@pytest.mark.needs_extensions
@pytest.mark.parametrize("verbosity", [[], ["-v"], ["-vv"]])
def test_one_log_line_per_saved_file(corpus_file, tmp_path, capsys, verbosity):
    d = tmp_path
    runs = [
        (["tokenize", str(corpus_file), "-o", str(d / "t.txt")], ["t.txt"]),
        (["vocab", str(corpus_file), "--min-count", "1", "-o", str(d / "v.npz")], ["v.npz"]),
        (["count", str(corpus_file), "--min-count", "1", "--window", "2", "-o",
          str(d / "c.npz")], ["c.npz"]),
        (["ppmi", str(d / "c.npz"), "-o", str(d / "p.npz")], ["p.npz"]),
        (["svd", str(d / "p.npz"), "--dim", "3", "-o", str(d / "svd.bin")], ["svd.bin"]),
        (["sgns", str(corpus_file), "--min-count", "1", "--dim", "4", "--epochs", "1",
          "--threads", "1", "-o", str(d / "s.txt"), "--save-model", str(d / "s.npz")],
         ["s.txt", "s.npz"]),
        (["glove", str(d / "c.npz"), "--dim", "3", "--epochs", "1", "--threads", "1", "-o",
          str(d / "g.glove.txt"), "--save-model", str(d / "g.npz")], ["g.glove.txt", "g.npz"]),
        (["postprocess", str(d / "s.txt"), "-o", str(d / "pp.npz"), "--save-transform",
          str(d / "abtt.npz")], ["pp.npz", "abtt.npz"]),
    ]
    for argv, files in runs:
        assert main(argv + verbosity + ["--no-progress"]) == 0, argv
        err = capsys.readouterr().err
        lines = _saved_lines(err)
        assert len(lines) == len(files), (argv, lines)
        for line, name in zip(lines, files):
            assert line.endswith(f" to {d / name}"), (line, name)
            assert err.count(f"{d / name}\n") == 1, (name, err)


@pytest.mark.needs_extensions
def test_saved_lines_say_what(corpus_file, tmp_path, capsys):
    d = tmp_path
    assert main(["sgns", str(corpus_file), "--min-count", "1", "--dim", "4", "--epochs", "2",
                 "--threads", "1", "-o", str(d / "s.bin"), "--save-model",
                 str(d / "s.npz")]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("INFO ngramvec.cli.sgns: trained SGNS: 9 vectors of dim 4; "
                             "last epoch ")
    assert err[1:] == [
        f"INFO ngramvec.saved: saved 9 x 4 vectors (word2vec binary) to {d / 's.bin'}",
        f"INFO ngramvec.saved: saved the SGNS model (2 epochs trained) to {d / 's.npz'}"]


# --------------------------------------------------------------------------- --format


def test_one_format_option(tmp_path, rng, capsys):
    """Every vectors command has --format with the same choices; postprocess names its
    input's format --input-format, and its old --binary / --write-binary still work,
    with a warning, as aliases."""
    parser = build_parser()
    choices = None
    for name, sub in _subparsers(parser).items():
        strings = {s: a for a in sub._actions for s in a.option_strings}
        if "--format" in strings:
            assert choices in (None, strings["--format"].choices), name
            choices = strings["--format"].choices
        assert "--binary" not in strings or name == "postprocess"
    with_format = {m.NAME for m in COMMANDS
                   if any("--format" in a.option_strings for a in _subparsers(parser)[m.NAME]._actions)}
    assert with_format == {"svd", "sgns", "glove", "eval", "similar", "analogy", "postprocess",
                           "plot"}
    with pytest.raises(SystemExit):
        main(["postprocess", "--help"])
    help_text = capsys.readouterr().out
    assert "--input-format" in help_text and "--write-binary and --format" not in help_text
    assert "deprecated" in help_text  # the epilog names the old flags
    keys = [f"w{i}" for i in range(30)]
    src = tmp_path / "in.w2v"
    nv_io.write_word2vec(src, keys, rng.normal(size=(30, 5)).astype(np.float32), binary=True)
    out = tmp_path / "o.vec"
    assert main(["-q", "postprocess", str(src), "--input-format", "word2vec-binary", "-o",
                 str(out), "--format", "word2vec-binary"]) == 0
    assert nv_io.read_word2vec(out, binary=True)[0] == keys
    assert main(["-q", "postprocess", str(src), "--binary", "-o", str(out)]) == 0
    assert nv_io.read_word2vec(out)[0] == keys
    assert "--binary is deprecated; use --input-format word2vec-binary" in \
        capsys.readouterr().err
    assert main(["postprocess", str(src), "--binary", "--input-format", "glove", "-o",
                 str(out)]) == 2
    assert "--binary and --input-format glove disagree" in capsys.readouterr().err
