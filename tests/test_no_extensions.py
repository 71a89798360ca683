"""Without the compiled modules, the vectors layer works and a compiled stage says so.

Each test starts a fresh interpreter in which ``tests/_hide_extensions.py`` hides every
compiled module of ngramvec before ngramvec is imported, as if it had been installed
without a C compiler.
"""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import _hide_extensions

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent

# The tests of the vectors layer: loading, saving, querying, evaluating, post-processing.
VECTORS_LAYER_TESTS = ["test_keyedvectors.py", "test_keyedvectors_gensim.py", "test_io.py",
                       "test_io_gensim.py",
                       "test_evaluate.py", "test_sts.py", "test_postprocess.py"]

pytestmark = pytest.mark.skipif(_hide_extensions.active(), reason="already hidden")


def _run_hidden(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``code`` in a new interpreter with the compiled modules hidden."""
    bootstrap = "import _hide_extensions; _hide_extensions.install()\n"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(TESTS), str(ROOT)]))
    return subprocess.run([sys.executable, "-c", bootstrap + textwrap.dedent(code)], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=600)


def test_vectors_layer_tests_pass_without_extensions(tmp_path):
    args = [str(TESTS / name) for name in VECTORS_LAYER_TESTS]
    r = _run_hidden(f"""
        import sys, pytest
        sys.exit(pytest.main(["-q", "-p", "no:cacheprovider", "--rootdir", {str(ROOT)!r},
                              "-c", {str(ROOT / "pyproject.toml")!r}, *{args!r}]))
        """, tmp_path)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-3000:]
    assert " passed" in r.stdout


def test_import_and_compiled_stages_without_extensions(tmp_path):
    # an encoded corpus and its vocabulary, made here with the compiled modules
    import ngramvec as nv
    from ngramvec.data.vocab import as_encoded
    corpus = nv.Corpus(["a b c a", "b c d a"])
    nv.Vocabulary.build(corpus, min_count=1).save(tmp_path / "vocab.txt")
    as_encoded(corpus).save(tmp_path / "encoded")

    r = _run_hidden(f"""
        import sys
        import ngramvec as nv
        from ngramvec.base.exceptions import ExtensionNotBuiltError
        assert nv.__file__.startswith({str(ROOT)!r}), nv.__file__

        def raises(module, call):
            try:
                call()
            except ExtensionNotBuiltError as exc:
                assert exc.name == module, exc.name
                assert module in str(exc) and "pip install ." in str(exc), str(exc)
            else:
                raise AssertionError(f"ran without {{module}}")

        raises("ngramvec.data._encode", lambda: list(nv.Corpus(["a b c"])))
        raises("ngramvec.data._encode", lambda: nv.tokenize("a b"))
        encoded = nv.EncodedCorpus.load("encoded")          # plain files: no compiled code
        vocab = nv.Vocabulary.load("vocab.txt")
        raises("ngramvec.models._cooccur", lambda: nv.count_cooccurrences(encoded, vocab))
        raises("ngramvec.models._sgns", lambda: nv.SGNS(dim=2, min_count=1).fit(encoded))
        raises("ngramvec.data._pairs", lambda: nv.PairsFile("vocab.txt").encoded())
        raises("ngramvec.data._pairs", lambda: nv.count_cooccurrences(encoded, vocab,
                                                                      contexts="pos"))
        print("ok")
        """, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith("ok")


def test_cli_parser_without_extensions(tmp_path):
    r = _run_hidden("""
        import contextlib, io
        try:
            from ngramvec.cli import build_parser
        except ImportError as exc:
            if "build_parser" not in str(exc):
                raise
            from ngramvec.cli import main
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                main(["--help"])
            text = out.getvalue()
        else:
            text = build_parser().format_help()
        for command in ("count", "ppmi", "svd", "sgns", "glove", "eval", "similar",
                        "postprocess", "demo"):
            assert command in text, (command, text)
        print("ok")
        """, tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip().endswith("ok")
