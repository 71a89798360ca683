"""The ``ngramvec postprocess`` subcommand: post-process a vectors file."""
from __future__ import annotations

import argparse
import logging
import os
from typing import Any

import numpy as np

logger = logging.getLogger(__name__)

__all__ = ["add_postprocess_parser", "cli_postprocess"]

_EPILOG = """examples:
  ngramvec postprocess vec.txt -o vec.abtt.txt --method abtt
  ngramvec postprocess vec.bin --binary -o vec.w.npz --method whitening --n-components 100
  ngramvec postprocess vec.npz -o vec.w.npz --method whitening --fit-limit 50000 \\
      --save-transform whitening.npz
Formats follow the file names as everywhere in the CLI: .npz is ngramvec's native
format, .bin word2vec binary, anything else word2vec text (GloVe text without a header
is detected); --binary / --write-binary force word2vec binary; .gz/.bz2/.xz compress."""


def add_postprocess_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``postprocess`` subcommand to an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        What ``parser.add_subparsers()`` returned.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser; its ``func`` default is :func:`cli_postprocess`.
    """
    p = subparsers.add_parser(
        "postprocess", help="whiten or apply all-but-the-top to a vectors file",
        description="Post-process word vectors: all-but-the-top (remove the mean and the top "
                    "principal components) or whitening (optionally reducing the dimension).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="vectors file (word2vec text/binary or ngramvec .npz)")
    p.add_argument("-o", "--output", required=True, help="output vectors file")
    p.add_argument("--method", choices=("abtt", "whitening"), default="abtt",
                   help="abtt: all-but-the-top (default); whitening: Su et al. 2021")
    p.add_argument("--n-components", type=int, default=None,
                   help="abtt: directions removed (default dim/100, at least 1); "
                        "whitening: dimensions kept (default all)")
    p.add_argument("--fit-limit", type=int, default=None,
                   help="fit on the first N vectors only (the most frequent words of a "
                        "frequency-sorted file); all vectors are transformed")
    p.add_argument("--binary", action="store_true", help="input is word2vec binary")
    p.add_argument("--write-binary", action="store_true", help="write word2vec binary")
    p.add_argument("--save-transform", metavar="PATH",
                   help="also save the fitted transform (.npz) to apply to other vectors")
    p.set_defaults(func=cli_postprocess)
    return p


def _read(path: str, binary: bool) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    from ngramvec.cli import load_vectors

    wv = load_vectors(path, "word2vec-binary" if binary else None)
    return wv.index_to_key, wv.vectors, wv.counts


def _write(path: str, keys: list[str], vectors: np.ndarray, counts: np.ndarray | None,
           binary: bool) -> None:
    from ngramvec.cli import save_vectors
    from ngramvec.vectors.keyedvectors import KeyedVectors

    save_vectors(KeyedVectors(vectors, keys, counts=counts), path,
                 "word2vec-binary" if binary else None)


def cli_postprocess(args: argparse.Namespace) -> int:
    """Run ``ngramvec postprocess`` with parsed arguments.

    Reads the vectors, fits the transform (on the first ``--fit-limit`` vectors if
    given), transforms every vector, writes the result (atomically) and logs the
    average cosine before and after.

    Parameters
    ----------
    args : argparse.Namespace
        From the parser built by :func:`add_postprocess_parser`.

    Returns
    -------
    int
        Exit status (0).
    """
    from ngramvec.vectors.postprocess.abtt import AllButTheTop
    from ngramvec.vectors.postprocess.isotropy import average_cosine
    from ngramvec.vectors.postprocess.whitening import Whitening

    keys, vectors, counts = _read(os.fspath(args.input), args.binary)
    est = (AllButTheTop(n_components=args.n_components) if args.method == "abtt"
           else Whitening(n_components=args.n_components))
    if args.fit_limit is not None:
        if args.fit_limit < 2:
            raise ValueError(f"The 'fit_limit' parameter of postprocess must be an int in the "
                             f"range [2, inf) or None. Got {args.fit_limit} instead.")
        est.fit(vectors[:args.fit_limit])
    else:
        est.fit(vectors)
    out = np.ascontiguousarray(est.transform(vectors), dtype=np.float32)
    sample = slice(0, min(len(keys), 100_000))
    logger.info("%s: average cosine %.4f -> %.4f", args.method,
                average_cosine(vectors[sample]), average_cosine(out[sample]))
    _write(os.fspath(args.output), keys, out, counts, args.write_binary)
    if args.save_transform:
        est.save(args.save_transform)
    logger.info("wrote %d x %d vectors to %s", out.shape[0], out.shape[1], args.output)
    return 0
