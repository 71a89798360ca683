"""``ngramvec eval``: word similarity and analogy scores of a vectors file."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.cli._common import print_eval, split_names
from ngramvec.cli._options import add_input_format_option, add_verbosity_options
from ngramvec.vectors.files import load_vectors

NAME = "eval"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``eval`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="word similarity and analogy scores of a vectors file")
    p.add_argument("vectors", help="vectors file")
    add_input_format_option(p)
    p.add_argument("--similarity", default="ws353,simlex999",
                   help="word similarity sets: comma-separated bundled names or paths")
    p.add_argument("--analogy", default="google",
                   help="analogy sets: comma-separated bundled names or paths")
    p.add_argument("--method", default="3cosadd", choices=("3cosadd", "3cosmul", "both"),
                   help="analogy method")
    p.add_argument("--restrict-vocab", type=int, default=300000,
                   help="only the first N vectors answer analogies")
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec eval``; returns the exit status."""
    wv = load_vectors(args.vectors, args.format)
    print_eval(wv, split_names(args.similarity), split_names(args.analogy), args.method,
               args.restrict_vocab)
    return 0
