"""Co-occurrence counting on a Dask cluster, equal to :func:`count_cooccurrences`.

Each split is counted by the one-machine kernels with its global token offset (random
decisions hash global positions) into integer ticks; its matrix is cut into row
blocks, and each row block is summed over the splits by its own tree reduction
(a partitioned reduction: the blocks are reduced in parallel, and no process holds
more than ``fan_in`` pieces of one block). The final blocks become counts (ticks /
scale, the one division the one-machine path makes), and are gathered, written to
disk by the workers, or turned into PPMI on the workers (:class:`CooccurrenceBlocks`).
"""
from __future__ import annotations

import dataclasses
import json
import os
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from distributed import Client

from ngramvec.base.fileio import atomic_write, check_directory
from ngramvec.base.validation import check_float, check_int
from ngramvec.data.vocab import Vocabulary
from ngramvec.models.cooccur import (Cooccurrence, CountConfig, _check_vocab, _config,
                                     _count_ngram_units, _count_words, distance_weights)
from ngramvec.models.distributed._cluster import (Bag, Stage, check_workers, pick, tree_reduce,
                                                  unbox)
from ngramvec.models.distributed._corpus import _corpus_settings, as_cluster_corpus
from ngramvec.models.distributed._splits import EncodedSplit
from ngramvec.models.distributed._svd import blocked_randomized_svd
from ngramvec.models.distributed._vocab import _block_bounds, _same, task_memory_limit

__all__ = ["count_cooccurrences", "CooccurrenceBlocks"]

_OWNER = "distributed.count_cooccurrences"


def _count_split(enc: EncodedSplit, vocab: Vocabulary, col_vocab: Vocabulary | None,
                 cfg: CountConfig, offset: int, bounds: np.ndarray,
                 auto_memory: bool) -> Bag:
    """Count one split (global offset ``offset``) into int64 ticks, cut into row blocks."""
    cfg = dataclasses.replace(cfg, offset=int(offset), ticks=True, memory_limit=(
        task_memory_limit(None) if auto_memory else cfg.memory_limit))
    count = _count_ngram_units if cfg.ngram_units else _count_words
    res = count(enc, vocab, col_vocab, cfg, None) if enc.n_tokens else None
    if res is None:
        shape = (int(bounds[-1]), _n_cols(vocab, col_vocab, cfg))
        m = sp.csr_matrix(shape, dtype=np.int64)
        stats = dict(pairs=0, spills=0, seconds=0.0, tokens=0)
    else:
        m = res.matrix
        m = sp.csr_matrix((m.data.astype(np.int64), m.indices, m.indptr), shape=m.shape)
        stats = {k: res.stats[k] for k in ("pairs", "spills", "seconds", "tokens")}
    blocks = [_rows(m, int(a), int(b)) for a, b in zip(bounds[:-1], bounds[1:])]
    return Bag((blocks, stats))


def _rows(m: sp.csr_matrix, a: int, b: int) -> sp.csr_matrix:
    lo, hi = int(m.indptr[a]), int(m.indptr[b])
    out = sp.csr_matrix((m.data[lo:hi], m.indices[lo:hi], m.indptr[a:b + 1] - lo),
                        shape=(b - a, m.shape[1]))
    out.has_sorted_indices = True
    return out


def _sum_blocks(*parts: Bag) -> Bag:
    """Exact int64 sum of row blocks (sorted indices)."""
    parts = [unbox(p) for p in parts]
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    total = sp.csr_matrix(total)
    total.sum_duplicates()
    total.sort_indices()
    return Bag(total)


def _finish_block(ticks: Bag, scale: int, dtype) -> sp.csr_matrix:
    """Counts of a block: ticks * (1 / scale) in float64, then ``dtype`` - the
    arithmetic of the one-machine assembly (ngramvec.data._ngrams.assemble_csr)."""
    ticks = unbox(ticks)
    data = (ticks.data.astype(np.float64) * (1.0 / scale)).astype(dtype)
    out = sp.csr_matrix((data, ticks.indices.astype(np.int32),
                         ticks.indptr.astype(np.int64)), shape=ticks.shape)
    out.has_sorted_indices = True
    return out


def _stats_sum(*parts: Bag) -> Bag:
    parts = [unbox(p) for p in parts]
    out = dict(parts[0])
    for p in parts[1:]:
        for k in ("pairs", "spills", "seconds", "tokens"):
            out[k] = out.get(k, 0) + p.get(k, 0)
    return Bag(out)


def _row_col_vocabs(vocab: Vocabulary, col_vocab: Vocabulary | None,
                    cfg: CountConfig) -> tuple[Vocabulary, Vocabulary]:
    """The row and column vocabularies the one-machine counter gives the result."""
    if not cfg.ngram_units:
        return vocab, (vocab if col_vocab is None else col_vocab)
    ins, ctx = cfg.in_orders, cfg.ctx_orders
    have = set(vocab.ngram_orders) | (set(col_vocab.ngram_orders) if col_vocab else set())
    missing = sorted((set(ins) | set(ctx)) - have)
    if missing:
        raise ValueError(f"{_OWNER}: the vocabulary has no entries of order(s) {missing}; "
                         f"build it with ngram_orders={tuple(sorted(set(ins) | set(ctx)))}")
    row = vocab.subset(ins) if set(vocab.ngram_orders) != set(ins) else vocab
    if col_vocab is None or col_vocab is vocab:
        col = vocab.subset(ctx) if set(vocab.ngram_orders) != set(ctx) else vocab
    else:
        col = col_vocab
    if len(row) == 0 or len(col) == 0:
        raise ValueError(f"{_OWNER}: no {'rows' if not len(row) else 'columns'} of the "
                         "requested orders in the vocabulary")
    return row, col


def _n_cols(vocab, col_vocab, cfg) -> int:
    return len(_row_col_vocabs(vocab, col_vocab, cfg)[1])


class CooccurrenceBlocks:
    """A co-occurrence (or PPMI) matrix held on the cluster as row blocks.

    Returned by :func:`count_cooccurrences` with ``gather=False``. Block ``i`` holds
    rows ``bounds[i]:bounds[i+1]`` (a CSR matrix with sorted indices).

    Attributes
    ----------
    client : distributed.Client
    futures : list of distributed.Future
    bounds : ndarray of int64, shape (n_blocks + 1,)
    row_vocab, col_vocab : Vocabulary
    params, stats : dict
    """

    def __init__(self, client: Client, futures: list, bounds: np.ndarray,
                 row_vocab: Vocabulary, col_vocab: Vocabulary, params: dict,
                 stats: dict) -> None:
        self.client, self.futures, self.bounds = client, futures, np.asarray(bounds)
        self.row_vocab, self.col_vocab = row_vocab, col_vocab
        self.params, self.stats = params, stats

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.row_vocab), len(self.col_vocab)

    def __repr__(self) -> str:
        return (f"CooccurrenceBlocks({self.shape[0]:,} x {self.shape[1]:,}, "
                f"{len(self.futures)} row blocks)")

    def gather(self) -> Cooccurrence:
        """The whole matrix on this process, as the one-machine counter returns it."""
        blocks = self.client.gather(self.futures)
        return Cooccurrence(_stack(blocks, self.shape), self.row_vocab, self.col_vocab,
                            dict(self.params), dict(self.stats))

    def save(self, directory: str | os.PathLike) -> list[str]:
        """Write each block from its worker into ``directory`` (a shared file system),
        as ``rows-<start>-<stop>.npz`` (``Cooccurrence.load`` reads each; its row
        vocabulary is the slice of rows), and ``blocks.json`` listing them.

        Returns the paths of the blocks.
        """
        directory = os.fspath(directory)
        check_directory(directory, "the directory of CooccurrenceBlocks.save",
                        purpose="write row blocks")
        names = [f"rows-{int(a)}-{int(b)}.npz" for a, b in zip(self.bounds[:-1],
                                                              self.bounds[1:])]
        stage = Stage(self.client, False, "CooccurrenceBlocks.save")
        try:
            row_f = stage.submit(_same, self.row_vocab)
            col_f = stage.submit(_same, self.col_vocab)
            done = [stage.submit(_save_block, f, os.path.join(directory, n), int(a), int(b),
                                 row_f, col_f, Bag(self.params))
                    for f, n, a, b in zip(self.futures, names, self.bounds[:-1],
                                          self.bounds[1:])]
            stage.wait(done, "save")
        except BaseException:
            stage.cancel()
            raise
        stage.release()
        with atomic_write(os.path.join(directory, "blocks.json"), "w") as f:
            json.dump({"shape": list(self.shape), "bounds": self.bounds.tolist(),
                       "blocks": names, "params": self.params}, f, indent=1)
        return [os.path.join(directory, n) for n in names]

    def ppmi(self, cds: float = 0.75, shift: float = 1.0, dtype: Any = np.float32
             ) -> "CooccurrenceBlocks":
        """Shifted PPMI (:class:`ngramvec.PPMI`) computed block by block on the workers.

        The column sums are reduced over the blocks first (a tree of dense vectors),
        then each worker turns its block into PPMI with its own row sums; values equal
        ``PPMI(cds, shift, dtype).fit_transform`` of the gathered matrix.
        """
        cds = check_float(cds, "cds", "CooccurrenceBlocks.ppmi", 0.0, 1.0, low_closed=False)
        shift = check_float(shift, "shift", "CooccurrenceBlocks.ppmi", 0.0, low_closed=False)
        dtype = np.dtype(dtype)
        stage = Stage(self.client, False, "CooccurrenceBlocks.ppmi")
        try:
            sums = [stage.submit(_col_sums, f) for f in self.futures]
            col = tree_reduce(stage, sums, _add_arrays)
            out = [stage.submit(_ppmi_block, f, col, cds, shift, dtype) for f in self.futures]
            stage.wait(out, "ppmi")
        except BaseException:
            stage.cancel()
            raise
        stage.release(keep=out)
        params = dict(self.params, ppmi=dict(cds=cds, shift=shift))
        return CooccurrenceBlocks(self.client, out, self.bounds, self.row_vocab,
                                  self.col_vocab, params, {})

    def svd(self, dim: int, n_iter: int = 7, n_oversamples: int = 20, seed: int = 0
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Randomized SVD of this matrix with its row blocks staying on the workers.

        The algorithm of :class:`ngramvec.SVD` (``algorithm="randomized"``, the same
        test matrix for the same ``seed``), its products run block by block by Dask
        (:mod:`ngramvec.models.distributed._svd`). Word vectors as ``SVD(eig=e)``
        makes them: ``(u * s ** e).astype(np.float32)`` with the row keys
        ``row_vocab.index_to_key``.

        Returns
        -------
        u : ndarray of float64, shape (n_rows, dim)
        s : ndarray of float64, shape (dim,)
        vt : ndarray of float64, shape (dim, n_cols)
        """
        owner = "CooccurrenceBlocks.svd"
        dim = check_int(dim, "dim", owner, 1, min(self.shape) - 1,
                        why=f"(below the smaller side of the {self.shape[0]:,} x "
                            f"{self.shape[1]:,} matrix)")
        n_iter = check_int(n_iter, "n_iter", owner, 0)
        n_oversamples = check_int(n_oversamples, "n_oversamples", owner, 0)
        stage = Stage(self.client, False, owner)
        try:
            return blocked_randomized_svd(stage, self.futures, self.shape, dim,
                                          n_oversamples, n_iter, seed)
        except BaseException:
            stage.cancel()
            raise
        finally:
            stage.release()

    def release(self) -> None:
        """Free the blocks on the workers."""
        for f in self.futures:
            f.release()
        self.futures = []


def _save_block(block: sp.csr_matrix, path: str, a: int, b: int, row_vocab: Vocabulary,
                col_vocab: Vocabulary, params: Bag) -> str:
    params = unbox(params)
    rows = Vocabulary(row_vocab.index_to_key[a:b], row_vocab.counts[a:b],
                      total_tokens=row_vocab.total_tokens, word_total=row_vocab.word_total)
    Cooccurrence(block, rows, col_vocab, dict(params, rows=[a, b])).save(path)
    return path


def _col_sums(block: sp.csr_matrix) -> np.ndarray:
    return np.bincount(block.indices, weights=block.data.astype(np.float64),
                       minlength=block.shape[1])


def _add_arrays(*parts: np.ndarray) -> np.ndarray:
    out = parts[0].copy()
    for p in parts[1:]:
        out += p
    return out


def _ppmi_block(block: sp.csr_matrix, col: np.ndarray, cds: float, shift: float, dtype):
    # the arithmetic of ngramvec.PPMI.transform, on one block of rows
    m = block
    rows_sum = np.asarray(m.sum(axis=1, dtype=np.float64)).ravel()
    col_s = col ** cds
    total = float(col_s.sum())
    with np.errstate(divide="ignore"):
        log_row = np.log(rows_sum)
        log_col = np.log(col_s)
    offset = np.log(total) - np.log(shift)
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    pmi = np.log(m.data.astype(np.float64)) - log_row[rows] - log_col[m.indices] + offset
    keep = pmi > 0
    indptr = np.zeros(m.shape[0] + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows[keep], minlength=m.shape[0]), out=indptr[1:])
    out = sp.csr_matrix((pmi[keep].astype(dtype), m.indices[keep], indptr), shape=m.shape)
    out.has_sorted_indices = True
    return out


def _stack(blocks: list[sp.csr_matrix], shape: tuple[int, int]) -> sp.csr_matrix:
    """Row blocks into one CSR matrix (int64 indptr, int32 indices), without copies of
    more than the result."""
    nnz = np.cumsum([0] + [b.nnz for b in blocks])
    indptr = np.concatenate([np.zeros(1, np.int64)] + [
        b.indptr[1:].astype(np.int64) + nnz[i] for i, b in enumerate(blocks)])
    dtype = blocks[0].dtype if blocks else np.float32
    indices = np.concatenate([b.indices.astype(np.int32, copy=False) for b in blocks]) \
        if blocks else np.zeros(0, np.int32)
    data = np.concatenate([b.data for b in blocks]) if blocks else np.zeros(0, dtype)
    m = sp.csr_matrix((data, indices, indptr), shape=shape)
    m.has_sorted_indices = True
    return m


def count_cooccurrences(sources, vocab: Vocabulary, client: Client, window: int = 5,
                        weighting: str = "uniform", dynamic_window: bool = False,
                        sample: float | None = None, subsampling: str | None = None,
                        direction: str = "both", oov: str | None = None,
                        contexts: str | None = None,
                        input_orders: tuple[int, ...] | None = None,
                        context_orders: tuple[int, ...] | None = None, overlap: bool = False,
                        col_vocab: Vocabulary | None = None, n_threads: int = 1,
                        seed: int = 0, memory_limit: int | str | None = None,
                        tmp_dir: str | os.PathLike | None = None, dtype: Any = np.float32,
                        tokenizer="words", lowercase: bool = True,
                        max_sentence_length: int = 10000, split_bytes: int | None = None,
                        n_blocks: int | None = None, fan_in: int = 2, gather: bool = True,
                        progress: bool = False) -> "Cooccurrence | CooccurrenceBlocks":
    """:func:`ngramvec.count_cooccurrences` on a Dask cluster: the same matrix, bit for bit.

    Parameters
    ----------
    sources : path, glob, directory, sequence of them, or ClusterCorpus
        Files read by the workers in order (see :func:`encode`). The result equals
        the one-machine count of ``Corpus(directory)`` of the same files in the same
        order (a single file: ``Corpus(file)``).
    vocab : Vocabulary
    client : distributed.Client
    window, weighting, dynamic_window, sample, subsampling, direction, oov, contexts,
    input_orders, context_orders, overlap, col_vocab, seed, dtype :
        As for :func:`ngramvec.count_cooccurrences`. Subsampling and dynamic windows
        hash the global token position (each split knows its offset), so they too
        give the one-machine result.
    n_threads : int, default=1
        Threads of each counting task (Dask runs tasks side by side).
    memory_limit : int or str, optional
        Bound of one task's accumulators; past it sorted runs spill to ``tmp_dir``
        on the worker. Default: the worker's memory limit over twice its threads.
    tmp_dir : path, optional
        Spill directory on the workers; the runs are removed on success and error.
    tokenizer, lowercase, max_sentence_length, split_bytes :
        See :func:`encode` (ignored for a ClusterCorpus).
    n_blocks : int, optional
        Row blocks of the partitioned reduction (default: the number of workers).
    fan_in : int, default=2
        Pieces summed by one reduction task.
    gather : bool, default=True
        Return the whole matrix as a :class:`~ngramvec.Cooccurrence` on this process;
        False keeps it on the cluster as :class:`CooccurrenceBlocks` (to write it to
        disk block by block, or to compute PPMI there).
    progress : bool, default=False
        Progress bars fed by Dask's task completions.

    Returns
    -------
    Cooccurrence or CooccurrenceBlocks

    Raises
    ------
    ValueError, TypeError
        Invalid parameters (as the one-machine counter).
    CorpusError
        A file missing on a worker or unreadable (the message names it).
    MemoryError
        ``memory_limit`` cannot hold the table of even one sentence.
    ClusterError
        No worker, or workers with another ngramvec version.
    """
    auto_memory = memory_limit is None
    cfg = _config(window, weighting, dynamic_window, sample, subsampling, direction, oov,
                  contexts, input_orders, context_orders, overlap, n_threads, seed,
                  memory_limit if memory_limit is not None else 1 << 30, tmp_dir, dtype,
                  False)
    vocab = _check_vocab(vocab, "vocab")
    col_vocab = None if col_vocab is None else _check_vocab(col_vocab, "col_vocab")
    fan_in = check_int(fan_in, "fan_in", _OWNER, 2)
    n_workers = check_workers(client, _OWNER)
    n_blocks = check_int(n_blocks, "n_blocks", _OWNER, 1, allow_none=True) or n_workers
    row_vocab, col_out = _row_col_vocabs(vocab, col_vocab, cfg)
    n_blocks = min(n_blocks, len(row_vocab))
    bounds = _block_bounds(len(row_vocab), n_blocks)
    _, scale = distance_weights(cfg.window, cfg.weighting)
    settings = _corpus_settings(tokenizer, lowercase, max_sentence_length, _OWNER)
    corpus, own = as_cluster_corpus(sources, client, settings, split_bytes, progress, _OWNER)
    stage = Stage(client, progress, _OWNER)
    try:
        vocab_f = stage.submit(_same, vocab)
        col_f = None if col_vocab is None else stage.submit(_same, col_vocab)
        offsets = corpus.offsets
        shards = [stage.submit(_count_split, f, vocab_f, col_f, cfg, int(offsets[i]), bounds,
                               auto_memory) for i, f in enumerate(corpus.futures)]
        stats_f = tree_reduce(stage, [stage.submit(pick, s, 1) for s in shards], _stats_sum,
                              fan_in)
        pieces = [stage.submit(pick, s, 0) for s in shards]
        blocks = []
        for b in range(n_blocks):
            parts = [stage.submit(pick, p, b) for p in pieces]
            total = tree_reduce(stage, parts, _sum_blocks, fan_in)
            blocks.append(stage.submit(_finish_block, total, scale, cfg.dtype))
        stage.wait(blocks + [stats_f], "count")
        st = unbox(stats_f.result())
    except BaseException:
        stage.cancel()
        if own:
            corpus.release()
        raise
    stage.release(keep=blocks)
    if own:
        corpus.release()
    st = dict(st, parts=len(corpus), n_blocks=n_blocks, tokens=corpus.total_tokens)
    result = CooccurrenceBlocks(client, blocks, bounds, row_vocab, col_out, cfg.params(None),
                                st)
    if st["pairs"] == 0:
        warnings.warn(f"{_OWNER}: no pair was counted: no two in-vocabulary tokens are "
                      "within the window anywhere in the corpus (is the vocabulary from "
                      "another corpus?)", UserWarning, stacklevel=2)
    if not gather:
        return result
    out = result.gather()
    result.release()
    out.stats["nnz"] = out.nnz
    return out
