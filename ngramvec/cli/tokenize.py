"""``ngramvec tokenize``: write the tokenized corpus, one sentence a line."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.base.fileio import atomic_write, log_saved
from ngramvec.base.persist import naming_write_errors
from ngramvec.cli._common import corpus_from_args
from ngramvec.cli._options import add_corpus_options, add_output_options, add_verbosity_options

NAME = "tokenize"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``tokenize`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="write the tokenized corpus, one sentence a line")
    p.add_argument("corpus", help="text file (.txt/.gz/.bz2/.xz) or directory of them")
    add_corpus_options(p)
    add_output_options(p, vectors=False, help="text file, one sentence a line, tokens "
                                              "separated by a space")
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec tokenize``; returns the exit status."""
    corpus = corpus_from_args(args)
    n = 0
    # (the corpus reports its own read errors as CorpusError: an OSError here is the output's)
    with naming_write_errors(args.output), atomic_write(args.output, "wb") as f:
        for sent in corpus:
            f.write((" ".join(sent) + "\n").encode("utf-8"))
            n += 1
    log_saved(args.output, f"{n:,} tokenized sentences")
    return 0
