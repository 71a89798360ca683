"""``ngramvec vocab``: count words (and ngrams) into a vocabulary file."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.cli._common import corpus_from_args, vocabulary_from_args
from ngramvec.cli._dask import cluster_client, cluster_encode, cluster_vocabulary, wants_cluster
from ngramvec.cli._options import (add_cluster_options, add_corpus_options, add_memory_options,
                                   add_output_options, add_threads_options, add_verbosity_options, add_vocab_options)

NAME = "vocab"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``vocab`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="count words (and ngrams) into a vocabulary file "
                                         "('word count' lines)")
    p.add_argument("corpus", help="text file (.txt/.gz/.bz2/.xz) or directory of them "
                                   "(with --scheduler/--workers also a glob)")
    add_corpus_options(p)
    add_vocab_options(p)
    add_threads_options(p, seed=False)
    add_memory_options(p)
    add_output_options(p, vectors=False, help="vocabulary file, one 'key count' line per entry")
    add_cluster_options(p)
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec vocab``; returns the exit status."""
    if wants_cluster(args):
        with cluster_client(args) as (client, nvd):
            corpus = cluster_encode(args, client, nvd)
            vocab = cluster_vocabulary(args, client, nvd, corpus)
    else:
        vocab = vocabulary_from_args(args, corpus_from_args(args))
    vocab.save(args.output)  # logs the file (ngramvec.base.fileio.log_saved)
    return 0
