"""``ngramvec analogy``: a : b :: c : ?"""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.cli._options import add_input_format_option, add_verbosity_options
from ngramvec.vectors.files import load_vectors

NAME = "analogy"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``analogy`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="a : b :: c : ?")
    p.add_argument("vectors", help="vectors file")
    p.add_argument("a", help="a, as in a : b :: c : ? (man : king :: woman : ?)")
    p.add_argument("b", help="b")
    p.add_argument("c", help="c")
    p.add_argument("--topn", type=int, default=5, help="answers shown")
    p.add_argument("--method", default="3cosadd", choices=("3cosadd", "3cosmul"),
                   help="3CosAdd (b - a + c) or 3CosMul (Levy & Goldberg 2014)")
    add_input_format_option(p)
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec analogy``; returns the exit status."""
    wv = load_vectors(args.vectors, args.format)
    res = wv.most_similar(positive=[args.b, args.c], negative=[args.a], topn=args.topn,
                          method=args.method)
    print(f"{args.a} : {args.b} :: {args.c} : ?")
    for k, s in res:
        print(f"  {s:6.3f}  {k}")
    return 0
