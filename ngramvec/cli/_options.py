"""Option groups shared by the subcommands: one flag, one meaning, one default rule.

Each ``add_*`` function adds one group of options to a subcommand's parser; the
subcommand modules compose them, and :mod:`ngramvec.cli._common` turns the parsed
values into objects (a Corpus, a Vocabulary, counts).
"""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.base.validation import check_memory
from ngramvec.data.corpus import TOKENIZERS
from ngramvec.vectors.files import FORMAT_RULE, VECTOR_FORMATS

__all__ = [
    "FORMAT_CHOICES",
    "HelpFormatter",
    "add_verbosity_options",
    "add_corpus_options",
    "add_vocab_options",
    "add_memory_options",
    "add_count_options",
    "add_threads_options",
    "add_training_options",
    "add_output_options",
    "add_input_format_option",
    "add_cluster_options",
]

FORMAT_CHOICES = ("auto",) + VECTOR_FORMATS

Parser = argparse.ArgumentParser

#: ``dest`` prefix of the verbosity counts given after the subcommand (added to the
#: counts given before it by the top-level parser).
AFTER_COMMAND = "after_command_"


class HelpFormatter(argparse.HelpFormatter):
    """The help of every parser: the default of every option shown, as ``(default: 5)``
    after its help; a description or epilog of several lines (examples) as written, one
    of a single line wrapped.

    An option whose help already names its default (``default: all cores``) is left
    as it is; flags (``store_true`` / ``store_false``) and counts have none to show.
    """

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if (not action.option_strings or "default" in text
                or action.default in (None, argparse.SUPPRESS)
                or isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction,
                                       argparse._CountAction, argparse._VersionAction,
                                       argparse._HelpAction))):
            return text
        value = action.default
        shown = " ".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
        shown = shown.replace("%", "%%")
        return f"{text} (default: {shown})" if text else f"default: {shown}"


def add_verbosity_options(p: Parser, top_level: bool = False) -> None:
    """-q / -v / --no-progress / --debug, accepted before or after the subcommand.

    ``-q`` and ``-v`` are counted and add up (``-vv``, ``-qq``; ``-v -q`` is the
    default level). The top-level parser holds the defaults; on a subcommand's parser
    the counts go to their own ``dest`` (:data:`AFTER_COMMAND` prefix; the top-level
    parser adds them up) and the flags default to ``argparse.SUPPRESS``, so that an
    option given before the subcommand is not reset by the subcommand's defaults.
    """
    def default(value: Any) -> Any:
        return value if top_level else argparse.SUPPRESS

    prefix = "" if top_level else AFTER_COMMAND
    g = p.add_argument_group("output verbosity")
    g.add_argument("-q", "--quiet", action="count", dest=prefix + "quiet", default=0,
                   help="less output: -q warnings and results only (no summary lines), "
                        "-qq errors and results only")
    g.add_argument("-v", "--verbose", action="count", dest=prefix + "verbose", default=0,
                   help="more output: -v also the library's logs (per epoch, per pass), "
                        "-vv debug messages")
    g.add_argument("--no-progress", dest="progress", action="store_false",
                   default=default(True), help="no progress bars")
    g.add_argument("--debug", action="store_true", default=default(False),
                   help="show tracebacks")


def add_corpus_options(p: Parser) -> None:
    """How text is split into tokens: --tokenizer, --no-lowercase."""
    g = p.add_argument_group("corpus")
    g.add_argument("--tokenizer", default="words", choices=TOKENIZERS,
                   help="'words' splits raw prose and drops punctuation")
    g.add_argument("--no-lowercase", dest="lowercase", action="store_false",
                   help="keep case (default: lowercase the text)")


def add_vocab_options(p: Parser, orders: bool = True) -> None:
    """--min-count (one value per ngram order), --max-size; with ``orders`` also
    --ngram-orders and --vocab."""
    g = p.add_argument_group("vocabulary")
    g.add_argument("--min-count", type=int, nargs="+", default=[5], metavar="N",
                   help="keep entries seen at least N times; one value for every ngram order, "
                        "or one per order (e.g. 5 10)")
    g.add_argument("--max-size", type=int, default=None,
                   help="keep at most this many entries, the most frequent (default: no limit)")
    if orders:
        g.add_argument("--ngram-orders", type=int, nargs="+", default=None,
                       help="orders of the vocabulary, e.g. 1 2 (default: 1, or what "
                            "--contexts needs)")
        g.add_argument("--vocab", default=None,
                       help="use this vocabulary file instead (default: count the corpus)")


def memory_size(text: str) -> int:
    """The value of --memory-limit in bytes, checked while the options are parsed: the
    error names the option, not the first library call that takes it."""
    try:
        return check_memory(text, "memory_limit", "ngramvec", low=1, allow_none=False)
    except (TypeError, ValueError):
        raise argparse.ArgumentTypeError(f"expected a size such as 4GB, 512MB or a number of "
                                         f"bytes, from 1 byte to 1EB; got {text!r}") from None


def add_memory_options(p: Parser) -> None:
    """--memory-limit and --tmp-dir of the counting passes that may spill to disk."""
    g = p.add_argument_group("memory")
    g.add_argument("--memory-limit", default=None, type=memory_size,
                   help="bound of the counting tables, e.g. 4GB; sorted runs spill to disk "
                        "past it (default: no limit)")
    g.add_argument("--tmp-dir", default=None,
                   help="directory for spill runs (default: the system's temporary "
                        "directory)")


def add_count_options(p: Parser, window: int = 5, weighting: str = "uniform") -> None:
    """Co-occurrence counting: window, weighting, subsampling, ngram2vec contexts."""
    g = p.add_argument_group("counting")
    g.add_argument("--window", type=int, default=window,
                   help="context words on each side of a centre")
    g.add_argument("--weighting", default=weighting, choices=("uniform", "harmonic"),
                   help="weight of a pair at distance d: 1, or 1/d")
    g.add_argument("--dynamic-window", action="store_true",
                   help="sample each centre's window from 1..window, as word2vec")
    g.add_argument("--sample", type=float, default=None,
                   help="subsampling threshold, e.g. 1e-5 (default: no subsampling)")
    g.add_argument("--subsampling", default=None, choices=("dirty", "clean"),
                   help="with --sample: remove the dropped tokens before windowing (dirty) "
                        "or keep them as gaps (clean) (default: what --gaps says)")
    g.add_argument("--direction", default="both", choices=("both", "left", "right"),
                   help="contexts on both sides of the centre, or one")
    g.add_argument("--oov", default=None, choices=("drop", "keep"),
                   help="tokens out of the vocabulary: removed before windowing, or kept "
                        "as gaps (default: what --gaps says)")
    g.add_argument("--gaps", default=None, choices=("drop", "keep"),
                   help="--oov and --subsampling at once: drop (windows and ngrams over the "
                        "tokens left, as word2vec) or keep (ngram2vec's runs of the text as "
                        "written) (default: drop for words, keep for ngram units)")
    g.add_argument("--contexts", default=None,
                   help="ngram2vec units: uni_uni, uni_bi, bi_bi, uni_tri, bi_tri... , or "
                        "pos (positional: dog_-1, hyperwords) (default: uni_uni, words)")
    g.add_argument("--overlap", action="store_true",
                   help="ngram contexts may share positions with their centre")


def add_threads_options(p: Parser, seed: bool = True) -> None:
    """--threads and (with ``seed``) --seed."""
    g = p.add_argument_group("threads")
    g.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    if seed:
        g.add_argument("--seed", type=int, default=0, help="random seed")


def add_training_options(p: Parser, dim: int, epochs: int, lr: float) -> None:
    """--dim, --epochs, --lr, --threads, --seed, --save-model of a trained model."""
    g = p.add_argument_group("training")
    g.add_argument("--dim", type=int, default=dim, help="vector dimension")
    g.add_argument("--epochs", type=int, default=epochs, help="passes over the data")
    g.add_argument("--lr", type=float, default=lr, help="initial learning rate")
    g.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    g.add_argument("--seed", type=int, default=0, help="random seed")
    g.add_argument("--save-model", default=None, metavar="PATH",
                   help="also save the model (.npz) to continue training later, or to plot "
                        "its training with 'ngramvec plot-training' (default: not saved)")


def add_output_options(p: Parser, vectors: bool = True, help: str | None = None) -> None:
    """-o/--output (required); for vectors also --format, with the one naming rule."""
    if vectors:
        p.add_argument("-o", "--output", required=True,
                       help=help or f"vectors file; format {FORMAT_RULE}")
        p.add_argument("--format", default="auto", choices=FORMAT_CHOICES,
                       help="format of the vectors written, whatever the file name "
                            "(default: auto, by name)")
    else:
        p.add_argument("-o", "--output", required=True, help=help or "output file")


def add_input_format_option(p: Parser) -> None:
    """--format of a vectors file read (default: by name, text detected)."""
    p.add_argument("--format", default="auto", choices=FORMAT_CHOICES,
                   help=f"format of the vectors file (default: auto, {FORMAT_RULE}; "
                        "text without a header is read as GloVe)")


def add_cluster_options(p: Parser) -> None:
    """--scheduler / --workers: count on a Dask cluster (ngramvec.distributed)."""
    g = p.add_argument_group("cluster (Dask; needs the [dask] extra)")
    x = g.add_mutually_exclusive_group()
    x.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="count on the Dask cluster of this scheduler (tcp://host:port); "
                        "the corpus path (a file, directory or glob) must be visible to "
                        "the workers; default: no cluster, count on this machine")
    x.add_argument("--workers", type=int, default=None, metavar="N",
                   help="count on a local Dask cluster of N worker processes; default: no "
                        "cluster")
    g.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                   help="give up when the scheduler does not answer (default 10)")
