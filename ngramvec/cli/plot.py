"""``ngramvec plot``: a 2-D map of words and their nearest neighbours."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.base.keys import NGRAM_SEP
from ngramvec.cli._options import add_input_format_option, add_verbosity_options
from ngramvec.vectors import plot
from ngramvec.vectors.files import load_vectors

NAME = "plot"

_EPILOG = """examples:
  ngramvec plot vec.bin king queen london paris -o map.png
  ngramvec plot vec.bin night day --neighbours 20 --method tsne -o map.svg
The image format is the suffix of -o: .png, .svg or .pdf. Needs matplotlib
(pip install 'ngramvec[plot]')."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``plot`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="draw words and their nearest neighbours on a 2-D map (PNG/SVG/PDF)",
        description="Draw words and their nearest neighbours, projected to 2-D by PCA or "
                    "t-SNE of their unit vectors, into an image file.", epilog=_EPILOG)
    p.add_argument("vectors", help="vectors file")
    p.add_argument("words", nargs="+", metavar="WORD",
                   help="words to show (a space inside quotes makes an ngram)")
    p.add_argument("-o", "--output", required=True,
                   help="image file: .png, .svg or .pdf (the suffix chooses the format)")
    add_input_format_option(p)
    p.add_argument("--neighbours", type=int, default=10, metavar="N",
                   help="nearest neighbours drawn around each word (0: the words only)")
    p.add_argument("--method", default="pca", choices=plot.METHODS,
                   help="projection: PCA, or t-SNE (scikit-learn)")
    p.add_argument("--restrict-vocab", type=int, default=None, metavar="N",
                   help="neighbours from the first N vectors only (default: all)")
    p.add_argument("--seed", type=int, default=0, help="seed of t-SNE")
    p.add_argument("--size", type=float, nargs=2, default=[9.0, 7.0],
                   metavar=("WIDTH", "HEIGHT"), help="figure size in inches")
    p.add_argument("--dpi", type=int, default=150, help="dots per inch of a PNG")
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec plot``; returns the exit status."""
    plot.figure_format(args.output)  # a bad suffix fails before the vectors are read
    wv = load_vectors(args.vectors, args.format)
    fig = plot.new_figure(args.size[0], args.size[1], dpi=args.dpi)
    ax = fig.add_subplot()
    plot.plot_words(wv, [w.replace(" ", NGRAM_SEP) for w in args.words],
                    neighbours=args.neighbours, method=args.method, ax=ax,
                    restrict_vocab=args.restrict_vocab, seed=args.seed)
    plot.save_figure(fig, args.output, f"a map of {len(args.words)} words")
    return 0
