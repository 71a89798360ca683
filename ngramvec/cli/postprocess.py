"""``ngramvec postprocess``: all-but-the-top or whitening of a vectors file."""
from __future__ import annotations

import argparse
import logging
import os
from typing import Any

import numpy as np

from ngramvec.cli._options import add_output_options, add_verbosity_options
from ngramvec.vectors.files import FORMAT_RULE, load_vectors, save_vectors

logger = logging.getLogger(__name__)

NAME = "postprocess"

_EPILOG = f"""examples:
  ngramvec postprocess vec.txt -o vec.abtt.txt --method abtt
  ngramvec postprocess vec.bin --binary -o vec.w.npz --method whitening --n-components 100
  ngramvec postprocess vec.npz -o vec.w.npz --method whitening --fit-limit 50000 \\
      --save-transform whitening.npz
Formats follow the file names as everywhere in the CLI, {FORMAT_RULE}
(text without a header is read as GloVe); --binary reads word2vec binary whatever the
name, --write-binary (or --format) chooses the output format."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``postprocess`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="whiten or apply all-but-the-top to a vectors file",
        description="Post-process word vectors: all-but-the-top (remove the mean and the top "
                    "principal components) or whitening (optionally reducing the dimension).",
        epilog=_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("input", help="vectors file (word2vec text/binary, GloVe text or .npz)")
    add_output_options(p)
    p.add_argument("--method", choices=("abtt", "whitening"), default="abtt",
                   help="abtt: all-but-the-top (default); whitening: Su et al. 2021")
    p.add_argument("--n-components", type=int, default=None,
                   help="abtt: directions removed (default dim/100, at least 1); "
                        "whitening: dimensions kept (default all)")
    p.add_argument("--fit-limit", type=int, default=None,
                   help="fit on the first N vectors only (the most frequent words of a "
                        "frequency-sorted file); all vectors are transformed")
    p.add_argument("--binary", action="store_true", help="input is word2vec binary")
    p.add_argument("--write-binary", action="store_true",
                   help="write word2vec binary (same as --format word2vec-binary)")
    p.add_argument("--save-transform", metavar="PATH",
                   help="also save the fitted transform (.npz) to apply to other vectors")
    add_verbosity_options(p)
    return p


def _output_format(args: argparse.Namespace) -> str:
    if not args.write_binary:
        return args.format
    if args.format not in ("auto", "word2vec-binary"):
        raise ValueError(f"--write-binary and --format {args.format} disagree; give one of them")
    return "word2vec-binary"


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec postprocess``; returns the exit status.

    Reads the vectors, fits the transform (on the first ``--fit-limit`` vectors if
    given), transforms every vector, writes the result (atomically) and logs the
    average cosine before and after.
    """
    # reason: the post-processing transformers import scikit-learn (about 1.5 s)
    from ngramvec.vectors.postprocess import AllButTheTop, Whitening, average_cosine

    out_fmt = _output_format(args)
    if args.fit_limit is not None and args.fit_limit < 2:
        raise ValueError(f"The 'fit_limit' parameter of postprocess must be an int in the "
                         f"range [2, inf) or None. Got {args.fit_limit} instead.")
    wv = load_vectors(os.fspath(args.input), "word2vec-binary" if args.binary else None)
    vectors = wv.vectors
    est = (AllButTheTop(n_components=args.n_components) if args.method == "abtt"
           else Whitening(n_components=args.n_components))
    est.fit(vectors if args.fit_limit is None else vectors[:args.fit_limit])
    out = np.ascontiguousarray(est.transform(vectors), dtype=np.float32)
    sample = slice(0, min(len(wv), 100_000))
    logger.info("%s: average cosine %.4f -> %.4f", args.method,
                average_cosine(vectors[sample]), average_cosine(out[sample]))
    result = wv.with_vectors(out)
    fmt = save_vectors(result, os.fspath(args.output), out_fmt)
    if args.save_transform:
        est.save(args.save_transform)
    logger.info("wrote %d x %d vectors to %s (%s)", out.shape[0], out.shape[1], args.output,
                fmt)
    return 0
