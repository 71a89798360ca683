"""``ngramvec pairs``: write the (word, context) pairs of a corpus as a pairs file.

One ``word context`` pair a line (one space between): the input of word2vecf and of
ngram2vec's and hyperwords' trainers (their ``corpus2pairs``), and of
``ngramvec count --pairs`` / ``ngramvec sgns --pairs``. ``--contexts pos`` writes
hyperwords' positional contexts (``dog_-1``). Also the ``--pairs`` options those two
subcommands share.
"""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ngramvec.cli._common import corpus_from_args, vocabulary_from_args
from ngramvec.cli._options import (add_corpus_options, add_output_options, add_vocab_options,
                                   add_verbosity_options)
from ngramvec.data.pairs import PAIR_CONTEXTS, PairsFile, write_pairs
from ngramvec.data.vocab import Vocabulary

logger = logging.getLogger(__name__)

NAME = "pairs"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``pairs`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="write the (word, context) pairs of a corpus (word2vecf's input)",
        description="Write the (word, context) pairs of a corpus, one 'word context' a line "
                    "(.gz output is gzip-compressed), as hyperwords' and ngram2vec's "
                    "corpus2pairs do: word or positional (dog_-1) contexts.")
    p.add_argument("corpus", help="text file (.txt/.gz/.bz2/.xz) or directory of them, or an "
                                  "encoded corpus directory")
    g = p.add_argument_group("pairs")
    g.add_argument("--window", type=int, default=2, help="context words on each side")
    g.add_argument("--contexts", default="word", choices=PAIR_CONTEXTS,
                   help="the context word, or the word with its offset (hyperwords' pos)")
    g.add_argument("--dynamic-window", action="store_true",
                   help="each centre's window uniform in [1, window], drawn once")
    g.add_argument("--sample", type=float, default=0.0,
                   help="subsampling threshold (word2vec's formula; 0 disables)")
    g.add_argument("--subsampling", default="clean", choices=("clean", "dirty"),
                   help="subsampled tokens stay as gaps (clean, hyperwords) or are removed "
                        "before windowing (dirty, word2vec)")
    g.add_argument("--oov", default="keep", choices=("keep", "drop"),
                   help="out-of-vocabulary tokens stay as gaps (keep, hyperwords) or are "
                        "removed before windowing (drop, word2vec)")
    g.add_argument("--context-min-count", type=int, default=1,
                   help="with --contexts pos: drop positional contexts seen fewer times")
    g.add_argument("--seed", type=int, default=0, help="seeds subsampling and windows")
    add_vocab_options(p, orders=False)
    add_corpus_options(p)
    add_output_options(p, vectors=False, help="pairs file (.txt, or .gz compressed)")
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec pairs``; returns the exit status."""
    corpus = corpus_from_args(args)
    vocab = vocabulary_from_args(args, corpus, orders=[1])
    enc = write_pairs(corpus, vocab, args.output, window=args.window, contexts=args.contexts,
                      dynamic_window=args.dynamic_window, sample=args.sample or None,
                      subsampling=args.subsampling, oov=args.oov, seed=args.seed,
                      context_min_count=args.context_min_count, progress=args.progress)
    logger.info("%s pairs with %s contexts: %s words, %s contexts", f"{enc.n_pairs:,}",
                args.contexts, f"{len(enc.vocab):,}", f"{len(enc.context_vocab):,}")
    return 0


# ---------------------------------------------------------------- --pairs of count / sgns

def add_pairs_input_options(p: argparse.ArgumentParser) -> None:
    """``--pairs FILE`` (instead of the corpus) and ``--context-min-count``."""
    g = p.add_argument_group("pairs input (arbitrary contexts, word2vecf's input)")
    g.add_argument("--pairs", default=None, metavar="FILE",
                   help="read (word, context) pairs, one 'word context' a line (.gz/.bz2/.xz "
                        "read directly), instead of a corpus; --min-count and --max-size "
                        "then prune the words; default: read the corpus")
    g.add_argument("--context-min-count", type=int, default=None,
                   help="with --pairs: prune contexts seen in fewer pairs (default: "
                        "--min-count)")
    g.add_argument("--context-vocab", default=None, metavar="FILE",
                   help="with --pairs: a fixed context vocabulary (word2vecf's -cvocab; "
                        "--vocab, where the command has it, fixes the words); a context "
                        "outside it is an error (default: count the contexts)")


def pairs_from_args(args: argparse.Namespace) -> PairsFile | None:
    """The PairsFile of ``--pairs`` (None without it).

    Raises
    ------
    ValueError
        Both or neither of a corpus and ``--pairs``; several ``--min-count`` values.
    """
    if (args.pairs is None) == (args.corpus is None):
        raise ValueError(f"ngramvec {args.command}: give a corpus or --pairs FILE, one of them")
    if args.pairs is None:
        return None
    if len(args.min_count) != 1:
        raise ValueError(f"ngramvec {args.command}: with --pairs, --min-count takes one value")
    vocab = getattr(args, "vocab", None)
    return PairsFile(args.pairs, min_count=args.min_count[0],
                     context_min_count=args.context_min_count, max_size=args.max_size,
                     vocab=None if vocab is None else Vocabulary.load(vocab),
                     context_vocab=None if args.context_vocab is None else
                     Vocabulary.load(args.context_vocab))
