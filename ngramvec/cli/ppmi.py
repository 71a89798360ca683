"""``ngramvec ppmi``: shifted PPMI of a co-occurrence file."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.cli._options import add_output_options, add_verbosity_options
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.models.ppmi import PPMI

NAME = "ppmi"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``ppmi`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="shifted PPMI of a counts file")
    p.add_argument("counts", help="co-occurrence file (.npz) written by 'ngramvec count'")
    p.add_argument("--cds", type=float, default=0.75,
                   help="context distribution smoothing exponent")
    p.add_argument("--shift", type=float, default=1.0, help="k of the log(k) shift")
    add_output_options(p, vectors=False, help="PPMI file (.npz)")
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec ppmi``; returns the exit status."""
    out = PPMI(cds=args.cds, shift=args.shift).fit_transform(Cooccurrence.load(args.counts))
    out.save(args.output)  # logs the file (ngramvec.base.fileio.log_saved)
    return 0
