"""``ngramvec similar``: nearest neighbours of words."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.base.keys import NGRAM_SEP
from ngramvec.cli._options import add_input_format_option, add_verbosity_options
from ngramvec.vectors.files import load_vectors

NAME = "similar"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``similar`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="nearest neighbours of words")
    p.add_argument("vectors", help="vectors file")
    p.add_argument("words", nargs="+", help="words (a space inside quotes makes an ngram)")
    p.add_argument("--topn", type=int, default=10, help="neighbours shown per word")
    add_input_format_option(p)
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec similar``; returns the exit status."""
    wv = load_vectors(args.vectors, args.format)
    for word in args.words:
        key = word.replace(" ", NGRAM_SEP)
        print(f"{word}:")
        for k, s in wv.most_similar(key, topn=args.topn):
            print(f"  {s:6.3f}  {k.replace(NGRAM_SEP, ' ')}")
    return 0
