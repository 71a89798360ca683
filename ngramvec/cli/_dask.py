"""The Dask path of ``ngramvec vocab`` and ``ngramvec count`` (--scheduler / --workers).

``ngramvec.distributed`` (and Dask with it) is imported only when one of these options
is given.
"""
from __future__ import annotations

import contextlib
import logging
from typing import Any, Iterator

from ngramvec.base.exceptions import NgramvecError
from ngramvec.base.validation import check_int
from ngramvec.cli._common import min_count_from_args
from ngramvec.data.ngrams import parse_contexts
from ngramvec.data.vocab import Vocabulary
from ngramvec.models.cooccur import Cooccurrence

logger = logging.getLogger(__name__)

__all__ = ["wants_cluster", "cluster_client", "cluster_vocabulary", "cluster_count"]


def wants_cluster(args: Any) -> bool:
    return bool(getattr(args, "scheduler", None) or getattr(args, "workers", None))


@contextlib.contextmanager
def cluster_client(args: Any) -> Iterator[Any]:
    """A Dask client of --scheduler, or of a LocalCluster of --workers processes."""
    try:
        # reason: the Dask backend (and Dask) load only when a cluster is asked for
        from ngramvec.models import distributed as nvd
    except ImportError as exc:
        raise NgramvecError(f"--scheduler / --workers need Dask: pip install "
                            f"'ngramvec[dask]' ({exc})") from None
    if args.workers is not None:
        check_int(args.workers, "workers", "ngramvec", 1)
    client = nvd.connect(args.scheduler, n_workers=args.workers,
                         timeout=args.connect_timeout)
    try:
        logger.info("Dask cluster: %d workers (dashboard %s)",
                    len(client.ncores()), client.dashboard_link)
        yield client, nvd
    finally:
        nvd.close(client)


def _orders(args: Any) -> list[int]:
    chosen = getattr(args, "ngram_orders", None)
    if chosen is None:
        chosen = [1]
        if getattr(args, "contexts", None):
            ins, ctx = parse_contexts(args.contexts)
            chosen = sorted(set(ins) | set(ctx))
    return list(chosen)


def cluster_vocabulary(args: Any, client: Any, nvd: Any, corpus: Any) -> Vocabulary:
    """The vocabulary of the vocabulary options, loaded (--vocab) or counted on the cluster."""
    if getattr(args, "vocab", None):
        return Vocabulary.load(args.vocab)
    return nvd.build_vocabulary(corpus, client, min_count=min_count_from_args(args),
                                max_size=args.max_size, ngram_orders=_orders(args),
                                memory_limit=args.memory_limit, tmp_dir=args.tmp_dir,
                                progress=args.progress)


def cluster_encode(args: Any, client: Any, nvd: Any) -> Any:
    return nvd.encode(args.corpus, client, tokenizer=args.tokenizer, lowercase=args.lowercase,
                      progress=args.progress)


def cluster_count(args: Any, client: Any, nvd: Any, corpus: Any,
                  vocab: Vocabulary) -> Cooccurrence:
    """Co-occurrence counts with the counting and memory options, on the cluster."""
    # --gaps is --oov and --subsampling at once (the cluster counter takes those two)
    implied = {"drop": ("dirty", "drop"), "keep": ("clean", "keep")}.get(args.gaps, (None, None))
    return nvd.count_cooccurrences(
        corpus, vocab, client, window=args.window, weighting=args.weighting,
        dynamic_window=args.dynamic_window, sample=args.sample,
        subsampling=args.subsampling or implied[0], direction=args.direction,
        oov=args.oov or implied[1], contexts=args.contexts, overlap=args.overlap,
        n_threads=args.threads or 1, seed=args.seed, memory_limit=args.memory_limit,
        tmp_dir=args.tmp_dir, progress=args.progress)
