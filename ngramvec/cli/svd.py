"""``ngramvec svd``: truncated SVD of a PPMI file into vectors."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.cli._common import model_vectors
from ngramvec.cli._options import add_output_options, add_verbosity_options
from ngramvec.models.cooccur import Cooccurrence
from ngramvec.models.svd import SVD
from ngramvec.vectors.files import save_vectors

NAME = "svd"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``svd`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="truncated SVD of a PPMI file into vectors")
    p.add_argument("ppmi", help="PPMI file (.npz) written by 'ngramvec ppmi'")
    p.add_argument("--dim", type=int, default=300, help="vector dimension")
    p.add_argument("--eig", type=float, default=0.5,
                   help="singular values raised to this power weight the vectors")
    p.add_argument("--add-context", action="store_true", help="add the context vectors")
    p.add_argument("--algorithm", default="randomized", choices=("randomized", "arpack"),
                   help="randomized SVD (parallel) or ARPACK")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    add_output_options(p)
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec svd``; returns the exit status."""
    svd = SVD(dim=args.dim, eig=args.eig, add_context=args.add_context,
              algorithm=args.algorithm, seed=args.seed).fit(Cooccurrence.load(args.ppmi))
    wv = model_vectors(svd)
    save_vectors(wv, args.output, args.format)  # logs the file
    return 0
