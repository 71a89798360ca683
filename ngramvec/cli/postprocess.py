"""``ngramvec postprocess``: all-but-the-top or whitening of a vectors file."""
from __future__ import annotations

import argparse
import logging
import os
import textwrap
from typing import Any

import numpy as np

from ngramvec.cli._options import FORMAT_CHOICES, add_output_options, add_verbosity_options
from ngramvec.vectors.files import FORMAT_RULE, load_vectors, save_vectors

logger = logging.getLogger(__name__)

NAME = "postprocess"

_EPILOG = """examples:
  ngramvec postprocess vec.txt -o vec.abtt.txt --method abtt
  ngramvec postprocess vec.w2v -o vec.w.npz --input-format word2vec-binary \\
      --method whitening --n-components 100
  ngramvec postprocess vec.npz -o vec.w.npz --method whitening --fit-limit 50000 \\
      --save-transform whitening.npz
""" + textwrap.fill(
    f"Formats follow the file names as everywhere in the CLI, {FORMAT_RULE} (text without a "
    "header is read as GloVe). --format chooses the format written, as in every command "
    "that writes vectors; --input-format the format read, as --format of the commands that "
    "only read vectors. --binary and --write-binary are deprecated aliases of --input-format "
    "word2vec-binary and --format word2vec-binary (a warning says so).", 79,
    break_on_hyphens=False)

#: Deprecated options -> (the option to use, what it stands for); kept working, with a
#: warning, since 0.1 (to be removed in a later version).
DEPRECATED = {"binary": ("--input-format", "word2vec-binary"),
              "write_binary": ("--format", "word2vec-binary")}


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``postprocess`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="whiten or apply all-but-the-top to a vectors file",
        description="Post-process word vectors: all-but-the-top (remove the mean and the top "
                    "principal components) or whitening (optionally reducing the dimension).",
        epilog=_EPILOG)
    p.add_argument("input", help="vectors file (word2vec text/binary, GloVe text or .npz)")
    add_output_options(p)
    p.add_argument("--input-format", default="auto", choices=FORMAT_CHOICES,
                   help=f"format of the vectors read (default: auto, {FORMAT_RULE}; text "
                        "without a header is read as GloVe)")
    p.add_argument("--method", choices=("abtt", "whitening"), default="abtt",
                   help="abtt: all-but-the-top; whitening: Su et al. 2021")
    p.add_argument("--n-components", type=int, default=None,
                   help="abtt: directions removed (default: dim/100, at least 1); "
                        "whitening: dimensions kept (default: all)")
    p.add_argument("--fit-limit", type=int, default=None,
                   help="fit on the first N vectors only (the most frequent words of a "
                        "frequency-sorted file); all vectors are transformed (default: fit "
                        "on all)")
    # deprecated aliases, hidden from --help (the epilog names them)
    p.add_argument("--binary", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--write-binary", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--save-transform", metavar="PATH",
                   help="also save the fitted transform (.npz) to apply to other vectors "
                        "(default: not saved)")
    add_verbosity_options(p)
    return p


def _formats(args: argparse.Namespace) -> tuple[str, str]:
    """(input format, output format), the deprecated flags mapped to the options.

    Raises
    ------
    ValueError
        A deprecated flag and the option it stands for given with different formats.
    """
    chosen = {"binary": args.input_format, "write_binary": args.format}
    for attr, (option, fmt) in DEPRECATED.items():
        if not getattr(args, attr):
            continue
        flag = "--" + attr.replace("_", "-")
        logger.warning("%s is deprecated; use %s %s", flag, option, fmt)
        if chosen[attr] not in ("auto", fmt):
            raise ValueError(f"{flag} and {option} {chosen[attr]} disagree; give {option} "
                             f"only ({flag} is deprecated)")
        chosen[attr] = fmt
    return chosen["binary"], chosen["write_binary"]


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec postprocess``; returns the exit status.

    Reads the vectors, fits the transform (on the first ``--fit-limit`` vectors if
    given), transforms every vector, writes the result (atomically) and logs the
    average cosine before and after.
    """
    # reason: the post-processing transformers import scikit-learn (about 1.5 s)
    from ngramvec.vectors.postprocess import AllButTheTop, Whitening, average_cosine

    in_fmt, out_fmt = _formats(args)
    if args.fit_limit is not None and args.fit_limit < 2:
        raise ValueError(f"The 'fit_limit' parameter of postprocess must be an int in the "
                         f"range [2, inf) or None. Got {args.fit_limit} instead.")
    wv = load_vectors(os.fspath(args.input), in_fmt)
    vectors = wv.vectors
    est = (AllButTheTop(n_components=args.n_components) if args.method == "abtt"
           else Whitening(n_components=args.n_components))
    est.fit(vectors if args.fit_limit is None else vectors[:args.fit_limit])
    out = np.ascontiguousarray(est.transform(vectors), dtype=np.float32)
    sample = slice(0, min(len(wv), 100_000))
    logger.info("%s: average cosine %.4f -> %.4f", args.method,
                average_cosine(vectors[sample]), average_cosine(out[sample]))
    save_vectors(wv.with_vectors(out), os.fspath(args.output), out_fmt)  # each save logs
    if args.save_transform:
        est.save(args.save_transform)
    return 0
