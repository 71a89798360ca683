"""The ``ngramvec`` command: one subcommand per stage, plus ``demo``.

Each subcommand is a module of this package with ``add_parser(subparsers)`` and
``run(args) -> int``; :data:`COMMANDS` lists them all, in the order of ``--help``.
Option groups shared by several subcommands live in :mod:`ngramvec.cli._options`.
This package is the only part of ngramvec that imports :mod:`argparse`.

Errors are reported in one line on stderr with exit status 2 (a compiled kernel
that is not built is one such error, naming the module and how to build it);
``--debug`` shows the traceback instead. Output paths and ``--tmp-dir`` are checked
before the work starts. Ctrl-C exits with status 130 and SIGTERM with status 143,
both after removing the temporaries of the run (:mod:`ngramvec.base.signals`).
"""
from __future__ import annotations

import argparse
import sys
from typing import Sequence

from ngramvec.base.signals import EXIT_TERMINATED, Terminated, terminate_as_interrupt
from ngramvec.cli import (analogy, count, demo, glove, postprocess, ppmi, sgns, similar, svd,
                          tokenize, vocab)
from ngramvec.cli import eval as eval_
from ngramvec.cli._common import check_paths, cli_logging
from ngramvec.cli._options import add_verbosity_options

__all__ = ["main", "build_parser", "run_command", "COMMANDS", "EXIT_ERROR", "EXIT_INTERRUPTED",
           "EXIT_TERMINATED"]

EXIT_ERROR = 2
EXIT_INTERRUPTED = 130

#: Every subcommand module, in the order of ``ngramvec --help``.
COMMANDS = (demo, tokenize, vocab, count, ppmi, svd, sgns, glove, eval_, similar, analogy,
            postprocess)


def build_parser() -> argparse.ArgumentParser:
    """The parser of the ``ngramvec`` command, one subparser per module of :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="ngramvec", description="Classical word vectors from raw text, fast.",
        epilog="-q, -v, --no-progress and --debug are also accepted after the subcommand.")
    add_verbosity_options(parser, top_level=True)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
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
