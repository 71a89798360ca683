"""``ngramvec glove``: train GloVe vectors from a co-occurrence file or a corpus."""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ngramvec.cli._common import (corpus_from_args, count_from_args, model_vectors,
                                  vocabulary_from_args)
from ngramvec.cli._options import (add_corpus_options, add_count_options, add_memory_options,
                                   add_output_options, add_training_options,
                                   add_verbosity_options, add_vocab_options)
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.models.glove import GloVe
from ngramvec.vectors.files import save_vectors

logger = logging.getLogger(__name__)

NAME = "glove"

# the vectors of GloVe(vectors=...) (validated again there)
VECTOR_KINDS = ("word", "word+context", "context")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``glove`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="train GloVe vectors from a corpus or a co-occurrence .npz",
        description="Train GloVe (AdaGrad on co-occurrence counts). The input is a "
                    "co-occurrence file written by 'ngramvec count' (.npz) or a corpus, "
                    "counted here with the counting options (default: window 10, harmonic "
                    "weights) and the vocabulary options.")
    p.add_argument("input", help="co-occurrence .npz, or a text corpus (.txt/.gz/.bz2/.xz)")
    add_output_options(p)
    p.add_argument("--vectors", choices=VECTOR_KINDS, default="word+context",
                   help="word (W), word+context (W + C, the reference's -model 2), context")
    g = p.add_argument_group("GloVe")
    g.add_argument("--x-max", type=float, default=100.0,
                   help="counts from which the weight is 1")
    g.add_argument("--alpha", type=float, default=0.75,
                   help="exponent of the weighting function")
    g.add_argument("--grad-clip", type=float, default=100.0,
                   help="gradient components are clipped to [-c, c]")
    add_training_options(p, dim=100, epochs=25, lr=0.05)
    add_count_options(p, window=10, weighting="harmonic")
    add_vocab_options(p)
    add_memory_options(p)
    add_corpus_options(p)
    add_verbosity_options(p)
    return p


def counts_from_args(args: argparse.Namespace) -> Cooccurrence:
    """The co-occurrence file ``args.input``, or the counts of that corpus."""
    if str(args.input).lower().endswith(".npz"):
        return Cooccurrence.load(args.input)
    corpus = corpus_from_args(args, args.input)
    return count_from_args(args, corpus, vocabulary_from_args(args, corpus))


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec glove``; returns the exit status."""
    counts = counts_from_args(args)
    model = GloVe(dim=args.dim, x_max=args.x_max, alpha=args.alpha, lr=args.lr,
                  epochs=args.epochs, grad_clip=args.grad_clip, vectors=args.vectors,
                  n_threads=args.threads, seed=args.seed)
    model.fit(counts, progress=args.progress)
    wv = model_vectors(model)
    logger.info("trained GloVe: %s vectors of dim %d; final loss %.6f", f"{len(wv):,}",
                wv.vector_size, model.loss_history_[-1])
    save_vectors(wv, args.output, args.format)  # each save logs its file
    if args.save_model:
        model.save(args.save_model)
    return 0
