"""What the subcommands share beyond their options: objects built from the parsed
options, the checks of the output paths, the vectors of a fitted model, score
printing, and the logging set-up."""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Any, Iterator, Sequence

from ngramvec.base.fileio import SAVED_LOGGER, check_directory, check_writable
from ngramvec.data.corpus import Corpus
from ngramvec.data.encode import EncodedCorpus
from ngramvec.data.ngrams import parse_contexts
from ngramvec.data.vocab import Vocabulary
from ngramvec.models.cooccur import Cooccurrence, count_cooccurrences
from ngramvec.vectors import evaluate
from ngramvec.vectors.keyedvectors import KeyedVectors

__all__ = [
    "check_paths",
    "corpus_from_args",
    "min_count_from_args",
    "vocabulary_from_args",
    "count_from_args",
    "model_vectors",
    "print_eval",
    "split_names",
    "log_levels",
    "cli_logging",
]

LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


# ---- paths checked before the work -------------------------------------------------

#: Options naming a file a subcommand writes (atomically), by ``args`` attribute.
OUTPUT_OPTIONS = {"output": "-o/--output", "save_model": "--save-model",
                  "save_transform": "--save-transform"}


def check_paths(args: Any) -> None:
    """Check the paths a subcommand will write before it starts working.

    Every output option given (:data:`OUTPUT_OPTIONS`) must name a file that can be
    written: not a directory, in an existing writable folder
    (:func:`ngramvec.base.fileio.check_writable`); ``--tmp-dir`` must be an existing
    writable directory. So a mistyped folder fails at once, not after hours of
    counting or training.

    Raises
    ------
    ngramvec.base.exceptions.PathError
        Naming the option and the path.
    """
    for attr, option in OUTPUT_OPTIONS.items():
        path = getattr(args, attr, None)
        if path:
            check_writable(path, f"the {option} file")
    check_directory(getattr(args, "tmp_dir", None), "the --tmp-dir directory",
                    purpose="create a spill directory")


# ---- objects from options --------------------------------------------------------

def corpus_from_args(args: Any, source: str | None = None) -> Corpus | EncodedCorpus:
    """The corpus named by ``source`` (default ``args.corpus``) with the corpus options.

    A directory holding ``meta.json`` is an encoded corpus (written by
    ``Corpus.encode``) and is opened as it is.
    """
    src = args.corpus if source is None else source
    if os.path.isfile(os.path.join(os.fspath(src), "meta.json")):
        return EncodedCorpus(src)
    return Corpus(src, tokenizer=args.tokenizer, lowercase=args.lowercase)


def min_count_from_args(args: Any) -> int | list[int]:
    """--min-count as ``Vocabulary.build`` takes it: an int, or one int per order."""
    values = list(args.min_count)
    return values[0] if len(values) == 1 else values


def vocabulary_from_args(args: Any, corpus: Corpus | EncodedCorpus,
                         orders: Sequence[int] | None = None) -> Vocabulary:
    """The vocabulary of the vocabulary options: loaded with --vocab, else counted.

    Orders: --ngram-orders if given, else ``orders``, else what --contexts needs,
    else words only.
    """
    if getattr(args, "vocab", None):
        return Vocabulary.load(args.vocab)
    chosen = getattr(args, "ngram_orders", None) or orders
    if chosen is None:
        chosen = [1]
        if getattr(args, "contexts", None) and args.contexts != "pos":   # pos: words
            ins, ctx = parse_contexts(args.contexts)
            chosen = sorted(set(ins) | set(ctx))
    return Vocabulary.build(corpus, min_count=min_count_from_args(args), max_size=args.max_size,
                            ngram_orders=list(chosen), n_threads=getattr(args, "threads", None),
                            memory_limit=getattr(args, "memory_limit", None),
                            tmp_dir=getattr(args, "tmp_dir", None), progress=args.progress)


def count_from_args(args: Any, corpus: Corpus | EncodedCorpus,
                    vocab: Vocabulary) -> Cooccurrence:
    """Co-occurrence counts with the counting, threads and memory options."""
    return count_cooccurrences(
        corpus, vocab, window=args.window, weighting=args.weighting,
        dynamic_window=args.dynamic_window, sample=args.sample, subsampling=args.subsampling,
        direction=args.direction, oov=args.oov, gaps=args.gaps, contexts=args.contexts,
        overlap=args.overlap, n_threads=args.threads, seed=args.seed,
        memory_limit=args.memory_limit, tmp_dir=args.tmp_dir, progress=args.progress)


def model_vectors(model: Any, which: str | None = None) -> KeyedVectors:
    """The KeyedVectors of a fitted model (``which``: the model's vector kind).

    The one place the CLI reaches into a fitted model for its vectors.
    """
    return KeyedVectors.from_model(model, which=which)


# ---- printing ----------------------------------------------------------------------

def split_names(s: str | None) -> list[str]:
    """``"ws353,simlex999"`` -> ``["ws353", "simlex999"]``; empty items dropped."""
    return [x for x in (s or "").split(",") if x]


def print_eval(wv: KeyedVectors, similarity: Sequence[str], analogy: Sequence[str],
               method: str = "3cosadd", restrict_vocab: int | None = 300000) -> None:
    """Print one line per similarity data set and per analogy set and method."""
    for name in similarity:
        r = evaluate.similarity(wv, name, restrict_vocab=restrict_vocab)
        print(f"{name:<18} spearman {r.spearman:6.3f}  pearson {r.pearson:6.3f}  "
              f"pairs {r.pairs_used}/{r.pairs_total} ({100 * r.coverage:.0f}%)")
    for name in analogy:
        for m in ([method] if method != "both" else ["3cosadd", "3cosmul"]):
            r = evaluate.analogy(wv, name, method=m, restrict_vocab=restrict_vocab)
            acc = float("nan") if r.covered == 0 else 100 * r.accuracy
            line = (f"{name:<10} {m:<8} accuracy {acc:5.1f}%  on {r.covered}/{r.total} "
                    f"covered questions ({100 * r.coverage:.0f}%)")
            if r.semantic is not None and r.syntactic is not None:
                line += (f"  semantic {100 * _accuracy(r.semantic):.1f}%"
                         f"  syntactic {100 * _accuracy(r.syntactic):.1f}%")
            print(line)


def _accuracy(part: Any) -> float:
    return part.accuracy if part.covered else float("nan")


# ---- logging -----------------------------------------------------------------------

def log_levels(quiet: int = 0, verbose: int = 0) -> dict[str, int]:
    """Levels of the ``ngramvec`` loggers for -qq / -q / (default) / -v / -vv.

    ``-q`` and ``-v`` are counted and add up (the level is ``verbose - quiet``). By
    default a command shows its progress bars, its results, its own summary lines
    (logger ``ngramvec.cli``) and one line per file written (logger
    ``ngramvec.saved``, :func:`ngramvec.base.fileio.log_saved`), and only warnings of
    the library; ``-v`` adds the library's logs (per epoch, per pass), ``-vv`` debug
    messages; ``-q`` leaves warnings (and results) only, ``-qq`` errors only.

    Returns
    -------
    dict
        Logger name -> level, for ``"ngramvec"``, ``"ngramvec.cli"`` and
        ``"ngramvec.saved"``.

    Examples
    --------
    >>> log_levels()
    {'ngramvec': 30, 'ngramvec.cli': 20, 'ngramvec.saved': 20}
    >>> log_levels(verbose=1)
    {'ngramvec': 20, 'ngramvec.cli': 20, 'ngramvec.saved': 20}
    >>> log_levels(quiet=2)
    {'ngramvec': 40, 'ngramvec.cli': 40, 'ngramvec.saved': 40}
    """
    level = int(verbose) - int(quiet)
    if level <= -2:
        same = logging.ERROR
    elif level == -1:
        same = logging.WARNING
    elif level == 1:
        same = logging.INFO
    elif level >= 2:
        same = logging.DEBUG
    else:
        return {"ngramvec": logging.WARNING, "ngramvec.cli": logging.INFO,
                SAVED_LOGGER: logging.INFO}
    return {"ngramvec": same, "ngramvec.cli": same, SAVED_LOGGER: same}


@contextlib.contextmanager
def cli_logging(quiet: int = 0, verbose: int = 0) -> Iterator[None]:
    """Log to stderr at :func:`log_levels` while a command runs, then restore.

    The handler and levels are removed again afterwards, so calling ``main()``
    from Python (or several times) leaves the logging configuration as it was.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    saved = {}
    for name, level in log_levels(quiet, verbose).items():
        lg = logging.getLogger(name)
        saved[name] = lg.level
        lg.setLevel(level)
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
        for name, level in saved.items():
            logging.getLogger(name).setLevel(level)
