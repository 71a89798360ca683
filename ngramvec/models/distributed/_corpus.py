"""A corpus encoded on the cluster: one in-memory :class:`EncodedSplit` per split.

The encoded splits are Dask task results (4 bytes a token plus 8 a sentence), held
by the workers, spilled to their disks by Dask under memory pressure and recomputed
from the files when a worker is lost. Their token counts give each split its global
offset for free: counting needs no separate pass over the text.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
from distributed import Client

from ngramvec.base.validation import check_int
from ngramvec.data.corpus import Corpus
from ngramvec.models.distributed._cluster import Bag, Stage, check_workers, unbox
from ngramvec.models.distributed._splits import EncodedSplit, Split, encode_split, plan_splits

__all__ = ["ClusterCorpus", "encode"]


def _info(enc: EncodedSplit) -> Bag:
    return Bag((enc.n_tokens, enc.n_sentences, enc.stats))


def _plan(sources: Bag, split_bytes: int | None, n_workers: int) -> Bag:
    return Bag(plan_splits(unbox(sources), split_bytes, n_workers))


@dataclass
class ClusterCorpus:
    """A corpus encoded on a Dask cluster (see :func:`encode`).

    Attributes
    ----------
    splits : list of Split
        In corpus order.
    futures : list of distributed.Future
        The :class:`EncodedSplit` of each split, on the workers.
    n_tokens, n_sentences : ndarray of int64, shape (n_splits,)
        Per split.
    settings : dict
        The :class:`~ngramvec.Corpus` settings used (tokenizer, lowercase,
        max_sentence_length).
    """

    client: Client
    splits: list[Split]
    futures: list
    n_tokens: np.ndarray
    n_sentences: np.ndarray
    settings: dict
    stats: list = field(default_factory=list)

    @property
    def offsets(self) -> np.ndarray:
        """Global position of the first token of each split."""
        return np.concatenate(([0], np.cumsum(self.n_tokens)[:-1])).astype(np.int64)

    @property
    def total_tokens(self) -> int:
        return int(self.n_tokens.sum())

    def __len__(self) -> int:
        return len(self.splits)

    def __repr__(self) -> str:
        return (f"ClusterCorpus({len(self.splits)} splits, {self.total_tokens:,} tokens, "
                f"{int(self.n_sentences.sum()):,} sentences)")

    def release(self) -> None:
        """Free the encoded splits on the workers."""
        for f in self.futures:
            f.release()
        self.futures = []


def _corpus_settings(tokenizer, lowercase, max_sentence_length, owner) -> dict:
    settings = dict(tokenizer=tokenizer, lowercase=lowercase,
                    max_sentence_length=max_sentence_length)
    # validated here, with Corpus's own rules, before any task runs
    probe = Corpus([], **settings)
    del probe
    return settings


def encode(sources: "str | os.PathLike | Sequence", client: Client, tokenizer="words",
           lowercase: bool = True, max_sentence_length: int = 10000,
           split_bytes: int | None = None, progress: bool = False) -> ClusterCorpus:
    """Tokenize ``sources`` on the workers and keep their ids there.

    Parameters
    ----------
    sources : path, glob, directory, or a sequence of them
        Read in order (a directory recursively in name order, a glob sorted), as
        :class:`~ngramvec.Corpus` reads a directory of the same files.
    client : distributed.Client
    tokenizer, lowercase, max_sentence_length :
        As for :class:`~ngramvec.Corpus` (a callable tokenizer must pickle).
    split_bytes : int, optional
        Plain files are cut into pieces of about this size at line ends;
        compressed files are one piece each. Default: the plain bytes over the
        workers, between 1 MB and 256 MB (a split's matrix repeats the frequent pairs
        of the others: fewer splits merge faster). Results do not depend on it.
    progress : bool, default=False

    Returns
    -------
    ClusterCorpus

    Raises
    ------
    CorpusError
        A source missing on the workers, or unreadable (the message names the file).
    ClusterError
        No worker, or workers with another ngramvec version.
    """
    owner = "distributed.encode"
    n_workers = check_workers(client, owner)
    settings = _corpus_settings(tokenizer, lowercase, max_sentence_length, owner)
    split_bytes = check_int(split_bytes, "split_bytes", owner, 1, allow_none=True)
    if isinstance(sources, (str, os.PathLike)):
        sources = [os.fspath(sources)]
    sources = [os.fspath(s) for s in sources]
    stage = Stage(client, progress, owner)
    try:
        plan = stage.submit(_plan, Bag(sources), split_bytes, n_workers)
        stage.wait([plan], "plan")
        splits = unbox(plan.result())
        futures = [stage.submit(encode_split, sp, settings, key=f"ngramvec-encode-{sp.index}-"
                                f"{os.urandom(4).hex()}") for sp in splits]
        infos = [stage.submit(_info, f) for f in futures]
        stage.wait(futures, "encode")
        got = [unbox(g) for g in client.gather(infos)]
    except BaseException:
        stage.cancel()
        raise
    for f in infos + [plan]:
        f.release()
    n_tok = np.array([g[0] for g in got], dtype=np.int64)
    n_sent = np.array([g[1] for g in got], dtype=np.int64)
    return ClusterCorpus(client, splits, futures, n_tok, n_sent, settings,
                         [g[2] for g in got])


def as_cluster_corpus(sources, client: Client, settings: dict, split_bytes, progress: bool,
                      owner: str) -> tuple[ClusterCorpus, bool]:
    """``sources`` encoded on the cluster, and whether it was encoded here (and is to
    be released by the caller)."""
    if isinstance(sources, ClusterCorpus):
        if sources.client is not client and sources.client.scheduler.address != \
                client.scheduler.address:
            raise ValueError(f"{owner}: the ClusterCorpus lives on another cluster")
        return sources, False
    return encode(sources, client, split_bytes=split_bytes, progress=progress,
                  **settings), True
