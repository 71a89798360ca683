"""``ngramvec sgns``: train skip-gram with negative sampling (word2vec) vectors."""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ngramvec.cli._common import corpus_from_args, model_vectors, vocabulary_from_args
from ngramvec.cli._options import (add_corpus_options, add_output_options,
                                   add_training_options, add_verbosity_options,
                                   add_vocab_options)
from ngramvec.cli.pairs import add_pairs_input_options, pairs_from_args
from ngramvec.data.ngrams import parse_contexts
from ngramvec.models.sgns import SGNS
from ngramvec.vectors.files import save_vectors

logger = logging.getLogger(__name__)

NAME = "sgns"

# the kinds of SGNS.get_vector_arrays (validated again there)
VECTOR_KINDS = ("input", "context", "sum")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``sgns`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="train skip-gram with negative sampling (word2vec) vectors",
        description="Train SGNS word vectors from a text corpus (one sentence a line; "
                    ".gz/.bz2/.xz read directly) and write them.")
    p.add_argument("corpus", nargs="?", default=None,
                   help="text file or directory, or an encoded corpus directory; or give "
                        "--pairs")
    add_output_options(p)
    p.add_argument("--vectors", default="input", choices=VECTOR_KINDS,
                   help="which vectors to write: input (word2vec's), context, or their sum")
    g = p.add_argument_group("SGNS")
    g.add_argument("--window", type=int, default=5, help="context words on each side")
    g.add_argument("--negative", type=int, default=5, help="negative samples per pair")
    g.add_argument("--sample", type=float, default=1e-3,
                   help="subsampling threshold (0 disables)")
    g.add_argument("--ns-exponent", type=float, default=0.75,
                   help="exponent of the noise distribution (counts ** exponent)")
    g.add_argument("--min-lr", type=float, default=1e-4,
                   help="learning rate at the end (linear decay from --lr)")
    g.add_argument("--compute-loss", action="store_true",
                   help="record the loss of each epoch (for --save-model and "
                        "'ngramvec plot-training'; costs some speed)")
    g.add_argument("--no-dynamic-window", action="store_true",
                   help="use the full window for every centre")
    g.add_argument("--contexts", default="word",
                   help="'word' (word2vec), 'pos' (positional: dog_-1, hyperwords) or "
                        "ngram2vec's X_Y: 'uni_bi', 'bi_bi', ...")
    g.add_argument("--overlap", action="store_true",
                   help="with ngram contexts: pair a centre with context units sharing its "
                        "tokens too (as count --overlap)")
    g.add_argument("--gaps", default=SGNS().gaps, choices=("drop", "keep"),
                   help="with ngram contexts: ngrams and windows over the tokens left after "
                        "removing out-of-vocabulary words and subsampling (drop, as word2vec "
                        "for words), or runs of the text as written with gaps (keep, "
                        "ngram2vec's)")
    g.add_argument("--batch", action=argparse.BooleanOptionalAction, default=None,
                   help="minibatched updates with shared negatives (HogBatch): faster, "
                        "not word2vec's exact arithmetic; --no-batch trains pair by pair "
                        "(default: SGNS's default, batch=%s)" % SGNS().batch)
    add_training_options(p, dim=100, epochs=5, lr=0.025)
    add_vocab_options(p, orders=False)
    add_pairs_input_options(p)
    add_corpus_options(p)
    add_verbosity_options(p)
    return p


def _vocab_orders(contexts: str) -> list[int]:
    """Orders 1..max(X, Y) of ngram2vec's X_Y, as SGNS builds its vocabulary."""
    if contexts in ("word", "pos"):
        return [1]
    ins, ctx = parse_contexts(contexts)
    return list(range(1, max(ins + ctx) + 1))


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec sgns``; returns the exit status."""
    pairs = pairs_from_args(args)
    corpus = pairs if pairs is not None else corpus_from_args(args)
    model = SGNS(dim=args.dim, window=args.window, negative=args.negative, sample=args.sample,
                 ns_exponent=args.ns_exponent, epochs=args.epochs, lr=args.lr,
                 min_lr=args.min_lr, min_count=args.min_count[0], max_size=args.max_size,
                 dynamic_window=not args.no_dynamic_window, contexts=args.contexts,
                 overlap=args.overlap, gaps=args.gaps, compute_loss=args.compute_loss, n_threads=args.threads,
                 seed=args.seed)
    if args.batch is not None:
        model.set_params(batch=args.batch)
    vocab = None
    if len(args.min_count) > 1 and pairs is None:  # one count per order: built here
        vocab = vocabulary_from_args(args, corpus, orders=_vocab_orders(args.contexts))
    model.fit(corpus, vocab=vocab, progress=args.progress)
    wv = model_vectors(model, args.vectors)
    h = model.history_[-1] if model.history_ else {}
    logger.info("trained SGNS: %s vectors of dim %d; last epoch %s words/s%s", f"{len(wv):,}",
                wv.vector_size, f"{h.get('words_per_sec', 0.0):,.0f}",
                "" if h.get("loss") is None else f", loss {h['loss']:.4f}")
    save_vectors(wv, args.output, args.format)  # each save logs its file
    if args.save_model:
        model.save(args.save_model)
    return 0
