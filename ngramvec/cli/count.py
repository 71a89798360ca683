"""``ngramvec count``: count co-occurrences into a .npz file."""
from __future__ import annotations

import argparse
from typing import Any

from ngramvec.models.cooccur import count_cooccurrences

from ngramvec.cli._common import corpus_from_args, count_from_args, vocabulary_from_args
from ngramvec.cli._dask import (cluster_client, cluster_count, cluster_encode,
                                cluster_vocabulary, wants_cluster)
from ngramvec.cli.pairs import add_pairs_input_options, pairs_from_args
from ngramvec.cli._options import (add_cluster_options, add_corpus_options, add_count_options,
                                   add_memory_options, add_output_options, add_threads_options,
                                   add_verbosity_options, add_vocab_options)

NAME = "count"


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``count`` subcommand to ``parser.add_subparsers()``."""
    p = subparsers.add_parser(NAME, help="count co-occurrences into a .npz file")
    p.add_argument("corpus", nargs="?", default=None,
                   help="text file (.txt/.gz/.bz2/.xz) or directory of them "
                        "(with --scheduler/--workers also a glob); or give --pairs")
    add_corpus_options(p)
    add_vocab_options(p)
    add_count_options(p)
    add_pairs_input_options(p)
    add_threads_options(p)
    add_memory_options(p)
    add_output_options(p, vectors=False, help="co-occurrence file (.npz)")
    add_cluster_options(p)
    add_verbosity_options(p)
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``ngramvec count``; returns the exit status."""
    pairs = pairs_from_args(args)
    if pairs is not None:               # arbitrary contexts: the pairs as they are
        counts = count_cooccurrences(pairs, n_threads=args.threads,
                                     memory_limit=args.memory_limit, tmp_dir=args.tmp_dir,
                                     progress=args.progress)
    elif wants_cluster(args):
        with cluster_client(args) as (client, nvd):
            corpus = cluster_encode(args, client, nvd)
            counts = cluster_count(args, client, nvd, corpus,
                                   cluster_vocabulary(args, client, nvd, corpus))
    else:
        corpus = corpus_from_args(args)
        counts = count_from_args(args, corpus, vocabulary_from_args(args, corpus))
    counts.save(args.output)  # logs the file (ngramvec.base.fileio.log_saved)
    return 0
