"""``ngramvec demo``: train on the bundled corpus, show neighbours and evaluation scores.

Three models are trained on the same corpus and vocabulary (PPMI-SVD, SGNS, GloVe);
one that fails (for instance because its compiled kernel is not built) is reported
in one line and the others are still shown.
"""
from __future__ import annotations

import argparse
import itertools
import os
import time
from typing import Any, Callable

from ngramvec.base.fileio import open_compressed
from ngramvec.cli._common import min_count_from_args, model_vectors, print_eval
from ngramvec.cli._options import add_threads_options, add_verbosity_options
from ngramvec.data.corpus import Corpus
from ngramvec.data.vocab import Vocabulary
from ngramvec.datasets import dataset_path
from ngramvec.models.cooccur import count_cooccurrences
from ngramvec.models.glove import GloVe
from ngramvec.models.ppmi import PPMI
from ngramvec.models.sgns import SGNS
from ngramvec.models.svd import SVD
from ngramvec.vectors.keyedvectors import KeyedVectors

NAME = "demo"

WORDS = ["king", "london", "holmes", "night", "happy", "ship"]

# settings of the two trained models, shown in their labels
SGNS_WINDOW, SGNS_EPOCHS = 5, 5
GLOVE_WINDOW, GLOVE_EPOCHS = 10, 25


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``demo`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="train on the bundled corpus, show neighbours and scores")
    p.add_argument("--dim", type=int, default=100, help="vector dimension")
    p.add_argument("--window", type=int, default=2, help="window of PPMI-SVD")
    p.add_argument("--min-count", type=int, nargs="+", default=[5], metavar="N",
                   help="keep words seen at least N times")
    p.add_argument("--max-sentences", type=int, default=None, metavar="N",
                   help="train on the first N lines of the corpus only, a quick look "
                        "(default: all of it)")
    p.add_argument("--words", nargs="+", default=WORDS, help="words whose neighbours are shown")
    add_threads_options(p, seed=False)
    add_verbosity_options(p)
    return p


def _corpus(max_sentences: int | None) -> tuple[Corpus, str]:
    path = dataset_path("demo")
    name = os.path.basename(path)
    if max_sentences is None:
        return Corpus(path), f"{name} (11 public-domain classics)"
    if max_sentences < 1:
        raise ValueError("The 'max_sentences' parameter of demo must be an int in the range "
                         f"[1, inf). Got {max_sentences} instead.")
    with open_compressed(path) as f:
        lines = [b.decode("utf-8") for b in itertools.islice(f, max_sentences)]
    return Corpus(lines), f"the first {len(lines):,} lines of {name}"


def _sgns(corpus: Corpus, vocab: Vocabulary, args: argparse.Namespace) -> KeyedVectors:
    model = SGNS(dim=args.dim, window=SGNS_WINDOW, epochs=SGNS_EPOCHS, n_threads=args.threads)
    return model_vectors(model.fit(corpus, vocab=vocab, progress=args.progress))


def _glove(corpus: Corpus, vocab: Vocabulary, args: argparse.Namespace) -> KeyedVectors:
    counts = count_cooccurrences(corpus, vocab, window=GLOVE_WINDOW, weighting="harmonic",
                                 n_threads=args.threads, progress=args.progress)
    model = GloVe(dim=args.dim, epochs=GLOVE_EPOCHS, n_threads=args.threads)
    return model_vectors(model.fit(counts, progress=args.progress))


def trained_models(args: argparse.Namespace) -> list[tuple[str, Callable]]:
    """(label, builder) of the models trained after PPMI-SVD, labelled with ``args``."""
    return [
        (f"SGNS (dim {args.dim}, window {SGNS_WINDOW}, {SGNS_EPOCHS} epochs)", _sgns),
        (f"GloVe (dim {args.dim}, window {GLOVE_WINDOW}, {GLOVE_EPOCHS} epochs)", _glove),
    ]


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec demo``; returns the exit status."""
    t0 = time.perf_counter()
    corpus, what = _corpus(args.max_sentences)
    print(f"ngramvec demo: {what}")
    enc = corpus.encoded(progress=args.progress)
    min_count = min_count_from_args(args)
    vocab = Vocabulary.build(corpus, min_count=min_count, n_threads=args.threads)
    print(f"  {enc.n_tokens:,} tokens, {enc.n_sentences:,} sentences, "
          f"{len(enc.lexicon_keys):,} distinct words, {len(vocab):,} with count >= {min_count}")
    models: dict[str, KeyedVectors] = {}
    t = time.perf_counter()
    counts = count_cooccurrences(corpus, vocab, window=args.window, n_threads=args.threads,
                                 progress=args.progress)
    ppmi = PPMI(cds=0.75).fit_transform(counts)
    models["PPMI-SVD"] = model_vectors(SVD(dim=args.dim, eig=0.5).fit(ppmi))
    print(f"  PPMI-SVD (window {args.window}, cds 0.75, dim {args.dim}, eig 0.5): "
          f"{counts.nnz:,} co-occurring pairs, {time.perf_counter() - t:.1f} s")
    for label, builder in trained_models(args):
        t = time.perf_counter()
        try:
            models[label] = builder(corpus, vocab, args)
        except Exception as exc:  # a failing model must not hide the others
            print(f"  {label}: failed ({exc})")
            continue
        print(f"  {label}: {time.perf_counter() - t:.1f} s")
    for label, wv in models.items():
        print(f"\n== {label} ==")
        for word in args.words:
            if word in wv:
                near = ", ".join(k for k, _ in wv.most_similar(word, topn=8))
                print(f"  {word:<10} {near}")
        print_eval(wv, ["ws353", "simlex999"], ["google"], "3cosadd")
    print(f"\ndone in {time.perf_counter() - t0:.1f} s")
    return 0
