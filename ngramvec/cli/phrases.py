"""``ngramvec phrases``: detect phrases and write the corpus with them merged.

``-o`` is the phrased corpus, one sentence a line, tokens separated by a space, each
phrase one token (``new_york``): what ``ngramvec vocab``, ``count`` or ``sgns`` read
next (with ``--tokenizer whitespace --no-lowercase``, so that the merged tokens are
kept as they are). ``--export`` also writes the phrase table (``phrase<TAB>score<TAB>
count`` lines, by decreasing score within each pass) and ``--save-model`` the fitted
model (``Phrases.load``).
"""
from __future__ import annotations

import argparse
import logging
from typing import Any

from ngramvec.base.fileio import atomic_write, check_writable
from ngramvec.base.persist import naming_write_errors
from ngramvec.cli._common import corpus_from_args
from ngramvec.cli._options import (add_corpus_options, add_memory_options, add_output_options,
                                   add_threads_options, add_verbosity_options)
from ngramvec.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases

logger = logging.getLogger(__name__)

NAME = "phrases"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``phrases`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="detect phrases (new_york) and write the corpus with "
                                         "them merged, one sentence a line")
    p.add_argument("corpus", help="text file (.txt/.gz/.bz2/.xz) or directory of them, or an "
                                  "encoded corpus directory")
    add_corpus_options(p)
    g = p.add_argument_group("phrases (gensim's Phrases)")
    g.add_argument("--min-count", type=int, default=5, help="default 5")
    g.add_argument("--threshold", type=float, default=10.0,
                   help="a phrase scores strictly more; default 10 (npmi: in (-1, 1])")
    g.add_argument("--scoring", default="default", choices=("default", "npmi"),
                   help="Mikolov et al.'s score ('default') or normalized PMI ('npmi')")
    g.add_argument("--connector-words", default="none", metavar="english|none|FILE",
                   help="words allowed inside phrases: 'english' (gensim's "
                        "ENGLISH_CONNECTOR_WORDS), 'none' (default), or a file of words, one "
                        "a line")
    g.add_argument("--max-order", type=int, default=2,
                   help="2: one pass (bigrams); 3: a second pass over the merged corpus")
    g.add_argument("--delimiter", default="_", help="joins the tokens of a phrase (default _)")
    g.add_argument("--export", default=None, metavar="PATH",
                   help="also write the phrase table: phrase, score, count (tab-separated); "
                        "default: not written")
    g.add_argument("--save-model", default=None, metavar="PATH",
                   help="also save the fitted model (.npz, Phrases.load); default: not saved")
    add_threads_options(p, seed=False)
    add_memory_options(p)
    add_output_options(p, vectors=False, help="the phrased corpus: one sentence a line, tokens "
                                              "separated by a space")
    add_verbosity_options(p)
    return p


def connector_words(spec: str) -> frozenset:
    """``english``, ``none`` or a file of words (one a line, blank lines skipped)."""
    if spec == "english":
        return ENGLISH_CONNECTOR_WORDS
    if spec == "none":
        return frozenset()
    try:
        with open(spec, encoding="utf-8") as f:
            return frozenset(w.strip() for w in f if w.strip())
    except OSError as exc:
        raise OSError(exc.errno, f"cannot read the --connector-words file: {exc.strerror}",
                      spec) from None


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec phrases``; returns the exit status."""
    if args.export:
        check_writable(args.export, "the --export file")
    model = Phrases(min_count=args.min_count, threshold=args.threshold, scoring=args.scoring,
                    connector_words=connector_words(args.connector_words),
                    max_order=args.max_order, delimiter=args.delimiter,
                    n_threads=args.threads, memory_limit=args.memory_limit)
    corpus = corpus_from_args(args)
    model.fit(corpus, progress=args.progress, tmp_dir=args.tmp_dir)
    logger.info("found %s phrases", f"{len(model.phrases_):,}")
    n = 0
    with naming_write_errors(args.output), atomic_write(args.output, "wb") as f:
        for sent in model.phrase_corpus(corpus):
            f.write((" ".join(sent) + "\n").encode("utf-8"))
            n += 1
    logger.info("wrote %s sentences to %s", f"{n:,}", args.output)
    if args.export:
        with naming_write_errors(args.export), atomic_write(args.export, "wb") as f:
            for key, score, count in zip(model.phrases_, model.scores_.tolist(),
                                         model.counts_.tolist()):
                f.write(f"{key}\t{score!r}\t{count}\n".encode("utf-8"))
        logger.info("wrote %s phrases to %s", f"{len(model.phrases_):,}", args.export)
    if args.save_model:
        model.save(args.save_model)
        logger.info("saved the model to %s", args.save_model)
    return 0
