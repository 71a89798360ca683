"""Tests of the model subcommands of the command line: sgns, glove, postprocess."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

import ngramvec as nv
from ngramvec.cli import build_parser, main
from ngramvec.cli import glove as glove_cmd
from ngramvec.cli import postprocess as postprocess_cmd
from ngramvec.data.vocab import Vocabulary
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.models.glove import GloVe
from ngramvec.models.sgns import SGNS
from ngramvec.vectors import formats as nv_io
from ngramvec.vectors.keyedvectors import KeyedVectors
from ngramvec.vectors.postprocess import AllButTheTop


def _sentences(rng, n_sent=100, length=12):
    """Sentences of a0..a9 alternating with sentences of b0..b9."""
    a = [f"a{i}" for i in range(10)]
    b = [f"b{i}" for i in range(10)]
    return [" ".join(rng.choice(a if s % 2 == 0 else b, length)) for s in range(n_sent)]


@pytest.fixture
def corpus_file(tmp_path):
    src = tmp_path / "c.txt"
    src.write_text("\n".join(_sentences(np.random.default_rng(1))) + "\n")
    return src


def _two_cluster_counts(rng, n=20) -> Cooccurrence:
    """Words 0..n/2-1 co-occur often among themselves, as do words n/2..n-1."""
    half = n // 2
    block = rng.uniform(0.1, 0.3, (n, n))
    block[:half, :half] = rng.gamma(2.0, 20.0, (half, half))
    block[half:, half:] = rng.gamma(2.0, 20.0, (n - half, n - half))
    block = (block + block.T) / 2
    np.fill_diagonal(block, 0.0)
    keys = [f"r{i}" for i in range(n)]
    vocab = Vocabulary(keys, np.arange(n, 0, -1))
    return Cooccurrence(sp.csr_matrix(block.astype(np.float32)), vocab, vocab)


@pytest.fixture
def counts_file(rng, tmp_path):
    src = tmp_path / "counts.npz"
    _two_cluster_counts(rng).save(src)
    return src


# --------------------------------------------------------------------------- sgns

def test_sgns_command(tmp_path, corpus_file):
    src, out = corpus_file, tmp_path / "v.bin"
    assert main(["-q", "sgns", str(src), "-o", str(out), "--dim", "6", "--epochs", "1",
                 "--min-count", "1", "--threads", "1", "--no-progress",
                 "--save-model", str(tmp_path / "m.npz")]) == 0
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    assert kv.vectors.shape == (20, 6)
    assert SGNS.load(tmp_path / "m.npz").epochs_trained_ == 1
    # ngram2vec contexts from the command line: bigram vectors in the output
    out2 = tmp_path / "bb.txt"
    assert main(["-q", "sgns", str(src), "-o", str(out2), "--dim", "6", "--epochs", "1",
                 "--min-count", "1", "--threads", "1", "--no-progress",
                 "--contexts", "bi_bi"]) == 0
    keys = [line.split(" ")[0] for line in out2.read_text("utf-8").splitlines()[1:]]
    assert len(keys) > 20 and any("\u00a0" in k for k in keys)


def test_sgns_batch_option(tmp_path, corpus_file):
    """--batch / --no-batch choose SGNS's update mode; the saved model records it."""
    for flag, batch in (("--batch", True), ("--no-batch", False)):
        m = tmp_path / f"{flag}.npz"
        assert main(["-q", "sgns", str(corpus_file), "-o", str(tmp_path / "v.bin"), "--dim",
                     "4", "--epochs", "1", "--min-count", "1", "--threads", "1", flag,
                     "--save-model", str(m)]) == 0
        assert SGNS.load(m).batch is batch


def test_sgns_min_count_per_order(tmp_path, corpus_file):
    """--min-count takes one value per ngram order, as in 'vocab' and 'count'."""
    bigram_counts = {}
    for min_count in (["1"], ["1", "8"]):
        out = tmp_path / "bb.npz"
        assert main(["-q", "sgns", str(corpus_file), "-o", str(out), "--dim", "4", "--epochs",
                     "1", "--min-count", *min_count, "--threads", "1", "--contexts",
                     "bi_bi"]) == 0
        kv = KeyedVectors.load(out)
        assert sum("\u00a0" not in k for k in kv.index_to_key) == 20
        bigram_counts[len(min_count)] = [int(c) for k, c in zip(kv.index_to_key, kv.counts)
                                         if "\u00a0" in k]
    assert min(bigram_counts[1]) < 8 <= min(bigram_counts[2])
    assert main(["sgns", str(corpus_file), "-o", str(out), "--min-count", "1", "2", "3",
                 "--contexts", "bi_bi"]) == 2


def test_parser_and_run_of_a_module(tmp_path, corpus_file):
    """Each subcommand module has add_parser(subparsers) and run(args) -> int."""
    from ngramvec.cli import sgns as sgns_cmd
    args = build_parser().parse_args(["sgns", str(corpus_file), "-o", str(tmp_path / "v.npz"),
                                      "--dim", "4", "--epochs", "1", "--min-count", "1",
                                      "--threads", "1", "--no-progress"])
    assert args.func is sgns_cmd.run and args.progress is False
    assert sgns_cmd.run(args) == 0 and len(KeyedVectors.load(tmp_path / "v.npz")) == 20


# --------------------------------------------------------------------------- glove

def test_glove_trains_from_counts_file(tmp_path, counts_file):
    out = tmp_path / "vec.glove.txt"          # GloVe text: no header line
    args = build_parser().parse_args(
        ["glove", str(counts_file), "-o", str(out), "--dim", "4", "--epochs", "2",
         "--threads", "1", "--no-progress", "--save-model", str(tmp_path / "model.npz")])
    assert args.func is glove_cmd.run
    assert args.func(args) == 0
    lines = out.read_text().splitlines()
    assert len(lines) == 20 and len(lines[0].split()) == 5
    assert GloVe.load(tmp_path / "model.npz").epochs_trained_ == 2


def test_glove_txt_is_word2vec_text_as_everywhere(tmp_path, counts_file, capsys):
    """-o x.txt writes word2vec text (header line) in glove as in svd; the help says so."""
    out = tmp_path / "x.txt"
    assert main(["-q", "glove", str(counts_file), "-o", str(out), "--dim", "4", "--epochs", "1",
                 "--threads", "1"]) == 0
    assert out.read_text().splitlines()[0] == "20 4"
    forced = tmp_path / "y.txt"
    assert main(["-q", "glove", str(counts_file), "-o", str(forced), "--dim", "4",
                 "--epochs", "1", "--threads", "1", "--format", "glove"]) == 0
    first = forced.read_text().splitlines()[0].split()
    assert len(first) == 5 and first[0].startswith("r")
    for command in ("glove", "sgns", "svd", "postprocess"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        assert ".glove or .glove.txt (GloVe text, no header)" in text
        assert ".txt or .vec (word2vec text, with a header line)" in text
        assert ".txt (GloVe text)" not in text


def test_glove_counts_a_corpus(tmp_path, corpus_file):
    """From a corpus: the counting and vocabulary options of 'count' apply."""
    out = tmp_path / "g.npz"
    assert main(["-q", "glove", str(corpus_file), "-o", str(out), "--dim", "4", "--epochs", "1",
                 "--threads", "1", "--min-count", "1", "--window", "3"]) == 0
    assert len(KeyedVectors.load(out)) == 20
    assert main(["-q", "glove", str(corpus_file), "-o", str(out), "--dim", "4", "--epochs", "1",
                 "--threads", "1", "--ngram-orders", "1", "2", "--min-count", "1", "8",
                 "--contexts", "uni_bi"]) == 0
    assert len(KeyedVectors.load(out)) == 20      # rows: words; columns: words and bigrams


# --------------------------------------------------------------------------- postprocess

def test_postprocess_command(tmp_path, rng):
    keys = [f"w{i}" for i in range(200)]
    vecs = (rng.normal(size=(200, 10)) + 3.0).astype(np.float32)
    src, dst, model = tmp_path / "in.txt", tmp_path / "out.txt", tmp_path / "abtt.npz"
    nv_io.write_word2vec(src, keys, vecs)
    parser = build_parser()
    args = parser.parse_args(["postprocess", str(src), "-o", str(dst), "--method", "abtt",
                              "--n-components", "2", "--fit-limit", "150",
                              "--save-transform", str(model)])
    assert args.func is postprocess_cmd.run
    assert args.func(args) == 0
    out_keys, out = nv_io.read_word2vec(dst)
    assert out_keys == keys
    abtt = AllButTheTop.load(model)
    np.testing.assert_allclose(out, abtt.transform(vecs), atol=1e-5)
    np.testing.assert_allclose(abtt.mean_, vecs[:150].astype(np.float64).mean(0), rtol=1e-6)

    args = parser.parse_args(["postprocess", str(src), "-o", str(tmp_path / "w.npz"),
                              "--method", "whitening", "--n-components", "4"])
    args.func(args)
    white = KeyedVectors.load(tmp_path / "w.npz").vectors
    assert white.shape == (200, 4)
    args = parser.parse_args(["postprocess", str(src), "-o", str(dst), "--fit-limit", "1"])
    with pytest.raises(ValueError, match=r"The 'fit_limit' parameter of postprocess must be an int "
                                         r"in the range \[2, inf\) or None. Got 1 instead."):
        args.func(args)


def test_postprocess_output_format(tmp_path, rng):
    keys = [f"w{i}" for i in range(50)]
    src = tmp_path / "in.txt"
    nv_io.write_word2vec(src, keys, rng.normal(size=(50, 6)).astype(np.float32))
    assert main(["-q", "postprocess", str(src), "-o", str(tmp_path / "o.txt"),
                 "--write-binary"]) == 0
    assert nv_io.read_word2vec(tmp_path / "o.txt", binary=True)[0] == keys
    assert main(["-q", "postprocess", str(src), "-o", str(tmp_path / "o.txt"),
                 "--format", "glove"]) == 0
    assert nv_io.read_glove(tmp_path / "o.txt")[0] == keys
    with pytest.raises(ValueError, match="--write-binary and --format glove disagree"):
        main(["--debug", "postprocess", str(src), "-o", str(tmp_path / "o.txt"),
              "--write-binary", "--format", "glove"])


def test_models_module_has_no_cli():
    """The command line lives in ngramvec.cli only."""
    import ngramvec.models.glove as glove_mod
    import ngramvec.models.sgns as sgns_mod
    for mod in (glove_mod, sgns_mod, nv.postprocess):
        assert not [n for n in dir(mod) if "parser" in n or n.endswith("_cli")]
