"""The ``ngramvec`` command: one subcommand per stage, plus ``demo``.

Each subcommand is a module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``; :data:`COMMANDS` lists them all, in the order of ``--help``.
Option groups shared by several subcommands live in :mod:`ngramvec.cli._options`.
This package is the only part of ngramvec that imports :mod:`argparse`.

Errors are reported in one line on stderr with exit status 2 (a compiled kernel
that is not built is one such error, naming the module and how to build it);
``--debug`` shows the traceback instead. Usage errors (an unknown option, a missing
argument, a bad value) are one line too, ``ngramvec count: error: <what> (see
'ngramvec count --help')``, exit status 2, naming the subcommand they belong to.
Output paths and ``--tmp-dir`` are checked before the work starts. Ctrl-C exits with
status 130 and SIGTERM with status 143, both after removing the temporaries of the run
(:mod:`ngramvec.base.signals`).

Conventions shared by every subcommand: ``--help`` shows the default of every option
(:class:`~ngramvec.cli._options.HelpFormatter`); ``-q``/``-v``/``--no-progress``/
``--debug`` go before or after the subcommand, and ``-q``/``-v`` are counted and add
up; ``--format`` names the format of the vectors file of the command (written, or
read by a command that writes none); each file written is logged in exactly one line
(:func:`ngramvec.base.fileio.log_saved`); ``ngramvec --version`` and
``python -m ngramvec`` work as usual.
"""
from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn, Sequence

from ngramvec import __version__
from ngramvec.base.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from ngramvec.cli import (analogy, count, demo, glove, pairs, phrases, plot, plot_training,
                          postprocess, ppmi, sgns, similar, svd, tokenize, vocab)
from ngramvec.cli import eval as eval_
from ngramvec.cli._common import check_paths, cli_logging
from ngramvec.cli._options import AFTER_COMMAND, HelpFormatter, add_verbosity_options

__all__ = ["main", "build_parser", "run_command", "COMMANDS", "EXIT_ERROR", "EXIT_INTERRUPTED",
           "EXIT_TERMINATED"]

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Every subcommand module, in the order of ``ngramvec --help``.
COMMANDS = (demo, tokenize, vocab, count, ppmi, svd, sgns, glove, eval_, similar, analogy,
            postprocess, phrases, plot, plot_training, pairs)


class _Parser(argparse.ArgumentParser):
    """A parser whose usage errors take one line (no usage block), exit status 2, and
    whose help shows every default (:class:`~ngramvec.cli._options.HelpFormatter`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["formatter_class"] = HelpFormatter
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        _usage_error(self.prog, message)


def _usage_error(prog: str, message: str) -> NoReturn:
    message = " ".join(message.split())
    sys.stderr.write(f"{prog}: error: {message} (see '{prog} --help')\n")
    sys.exit(EXIT_ERROR)


class _CommandParser(_Parser):
    """The top-level parser. Unknown arguments are reported before a missing COMMAND
    (``ngramvec --bogus`` is about ``--bogus``), and as errors of the subcommand they
    were given to."""

    def parse_args(self, args: Sequence[str] | None = None,  # type: ignore[override]
                   namespace: argparse.Namespace | None = None) -> argparse.Namespace:
        ns, extras = self.parse_known_args(args, namespace)
        command = getattr(ns, "command", None)
        if extras:
            prog = self.prog if command is None else f"{self.prog} {command}"
            _usage_error(prog, f"unrecognized arguments: {' '.join(extras)}")
        if command is None:
            _usage_error(self.prog, "a COMMAND is required, one of: "
                         + ", ".join(m.NAME for m in COMMANDS))
        for name in ("quiet", "verbose"):  # counted before and after the subcommand
            setattr(ns, name, getattr(ns, name) + getattr(ns, AFTER_COMMAND + name, 0))
            if hasattr(ns, AFTER_COMMAND + name):
                delattr(ns, AFTER_COMMAND + name)
        return ns


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``ngramvec`` command, one subparser per module of :data:`COMMANDS`.

    Its usage errors are one line on stderr and exit with status 2 (``SystemExit``).
    """
    parser = _CommandParser(
        prog="ngramvec", description="Classical word vectors from raw text, fast.",
        epilog="-q, -v, --no-progress and --debug are also accepted after the subcommand. "
               "'ngramvec COMMAND --help' describes a command.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    add_verbosity_options(parser, top_level=True)
    # not required=True: argparse would report a missing COMMAND before an unknown option
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for module in COMMANDS:
        module.add_parser(sub).set_defaults(func=module.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ngramvec`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    if not sys.stderr.isatty():
        args.progress = False
    with cli_logging(args.quiet, args.verbose):
        return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """Run the subcommand of parsed ``args``; returns the exit status.

    The output paths are checked first (:func:`~ngramvec.cli._common.check_paths`);
    the subcommand runs inside :func:`~ngramvec.base.signals.terminate_as_interrupt`,
    so SIGTERM unwinds like Ctrl-C and every temporary is removed before the exit
    status 143 (Ctrl-C: 130) is returned.
    """
    try:
        with terminate_as_interrupt():
            check_paths(args)
            return int(args.func(args) or 0)
    except Terminated:
        print("ngramvec: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except KeyboardInterrupt:
        print("ngramvec: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # e.g. piped into head
        return 0
    except (Exception, MemoryError) as exc:
        if args.debug:
            raise
        print(f"ngramvec: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_ERROR


def _one_line(exc: BaseException) -> str:
    msg = " ".join(str(exc).split())
    return msg or type(exc).__name__
