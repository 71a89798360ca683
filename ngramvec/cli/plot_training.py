"""``ngramvec plot-training``: the loss and throughput per epoch of saved models."""
from __future__ import annotations

import argparse
import os
from typing import Any

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import saved_class
from ngramvec.cli._options import add_verbosity_options
from ngramvec.models.glove import GloVe
from ngramvec.models.sgns import SGNS
from ngramvec.vectors import plot

NAME = "plot-training"

#: The models whose training history is plotted, by the class name saved in the file.
MODELS = {"SGNS": SGNS, "GloVe": GloVe}

_EPILOG = """examples:
  ngramvec sgns books.txt -o vec.bin --compute-loss --save-model sgns.npz
  ngramvec plot-training sgns.npz -o training.png
  ngramvec plot-training glove_a.npz glove_b.npz -o compare.pdf
Models are the files of --save-model (SGNS, GloVe): each keeps its history, one record
per epoch (loss, seconds, words/s or co-occurrence records/s). SGNS records its loss
only with --compute-loss. The image format is the suffix of -o: .png, .svg or .pdf."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``plot-training`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(
        NAME, help="draw the loss and speed per epoch of saved SGNS/GloVe models",
        description="Draw the loss and the throughput of each training epoch, from models "
                    "saved with --save-model (or Model.save).", epilog=_EPILOG)
    p.add_argument("models", nargs="+", metavar="MODEL",
                   help="saved SGNS or GloVe model (.npz); several are drawn together")
    p.add_argument("-o", "--output", required=True,
                   help="image file: .png, .svg or .pdf (the suffix chooses the format)")
    p.add_argument("--size", type=float, nargs=2, default=[10.0, 4.0],
                   metavar=("WIDTH", "HEIGHT"), help="figure size in inches")
    p.add_argument("--dpi", type=int, default=150, help="dots per inch of a PNG")
    add_verbosity_options(p)
    return p


def load_model(path: str) -> Any:
    """The SGNS or GloVe model saved in ``path``.

    Raises
    ------
    VectorsFormatError
        Another kind of file (the message names it and what it holds).
    """
    name = saved_class(path)
    if name is None:  # the layout of an older ngramvec: its class reads it
        for cls in MODELS.values():
            try:
                return cls.load(path)
            except VectorsFormatError:
                continue
        raise VectorsFormatError("not a saved SGNS or GloVe model", path)
    if name not in MODELS:
        raise VectorsFormatError(f"holds a {name}; plot-training draws the history of a "
                                 f"saved {' or '.join(MODELS)} model (--save-model)", path)
    return MODELS[name].load(path)


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec plot-training``; returns the exit status."""
    plot.figure_format(args.output)  # a bad suffix fails before the models are read
    histories = {}
    for path in args.models:
        model = load_model(path)
        label = f"{type(model).__name__} {os.path.basename(path)}"
        histories[label] = model.history_
    fig = plot.new_figure(args.size[0], args.size[1], dpi=args.dpi)
    plot.plot_history(histories, fig=fig)
    plot.save_figure(fig, args.output, f"the training of {len(histories)} model"
                     + ("s" if len(histories) > 1 else ""))
    return 0
