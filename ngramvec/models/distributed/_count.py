"""Co-occurrence counting on a Dask cluster, equal to :func:`count_cooccurrences`.

The rows are cut into blocks of about equal pairs and the blocks dealt to *row groups*
(by default one per worker), the way the one-machine counter deals rows to its threads.
Each group's task runs the one-machine kernel over whole splits, with their global
token offsets (random decisions hash global positions), but counts only the pairs of
its own centres: the groups' matrices hold disjoint rows, so they need no merge, and
the encoded splits (4 bytes a token) are what moves between workers, not matrices.
When the splits are too many tokens for one task (``chunk_tokens``), or there are
fewer groups than workers, runs of consecutive splits are counted by separate tasks
into integer ticks and each row block is summed over the runs by its own tree
reduction, then divided by the scale (the one division the one-machine path makes).
The blocks are gathered, written to disk by the workers, or turned into PPMI on the
workers (:class:`CooccurrenceBlocks`).
"""
from __future__ import annotations

import dataclasses
import json
import math
import os
import shutil
import time
import warnings
from typing import Any

import numpy as np
import scipy.sparse as sp
from distributed import Client

from ngramvec.base.fileio import atomic_write, check_directory
from ngramvec.base.validation import check_float, check_int
from ngramvec.data.ngrams import index_vocabularies
from ngramvec.data.vocab import Vocabulary
from ngramvec.data.spill import _assemble, _DiskWatch, _make_spill_dir, _new_counter, _run_chunks
from ngramvec.models.cooccur import (Cooccurrence, CountConfig, UnitMaps, _check_vocab, _config,
                                     _unit_map_arrays, _word_keep, _word_map_arrays,
                                     cooccur_count_ngram_shard, cooccur_count_shard,
                                     distance_weights)
from ngramvec.models.distributed._cluster import (Bag, Stage, check_workers, pick, tree_reduce,
                                                  unbox, worker_addresses)
from ngramvec.models.distributed._corpus import _corpus_settings, as_cluster_corpus
from ngramvec.models.distributed._splits import EncodedSplit
from ngramvec.models.distributed._svd import blocked_randomized_svd
from ngramvec.models.distributed._vocab import task_memory_limit

__all__ = ["count_cooccurrences", "CooccurrenceBlocks"]

_OWNER = "distributed.count_cooccurrences"


def _count_splits(vocab: Vocabulary, col_vocab: Vocabulary | None, cfg: CountConfig,
                  offsets: list[int], local: Bag, n_local: int, cuts: list[int],
                  final: bool, auto_memory: bool, *encs: EncodedSplit) -> Bag:
    """Count consecutive splits (global offsets ``offsets``) into one accumulator,
    keeping only the centres of the rows of one row group.

    ``local`` maps a row id to its row in this group (-1: another group's row); every
    split is read whole (the windows, subsampling and out-of-vocabulary rules see every
    token), only the pairs of the group's centres are counted. The matrix of the
    group's rows is cut at ``cuts`` (local rows) into the group's row blocks: counts in
    ``cfg.dtype`` when ``final`` (these splits are the whole corpus), else int64 ticks
    to be summed with the other chunks' pieces.
    """
    t_start = time.perf_counter()
    local = unbox(local)
    memory_limit = task_memory_limit(None) if auto_memory else cfg.memory_limit
    row_vocab, col_out = _row_col_vocabs(vocab, col_vocab, cfg)
    # a token that is a row but not a column is kept as a gap ("drop" removes tokens that
    # are neither): in another group's row it must not become droppable, so those
    # centres go to a scratch row, dropped at the end
    scratch = not cfg.ngram_units and cfg.oov == "drop" and col_out is not row_vocab
    n_rows = n_local + int(scratch)
    runs = []
    for enc, off in zip(encs, offsets):
        if enc.n_tokens:
            runs.append((enc, _split_runner(enc, vocab, col_vocab, row_vocab, col_out,
                                            dataclasses.replace(cfg, offset=int(off)),
                                            local, n_local if scratch else -1)))
    pairs_per_token = 2 * cfg.window * len(cfg.in_orders) * len(cfg.ctx_orders)
    _, scale = distance_weights(cfg.window, cfg.weighting)
    n_cols = len(col_out)
    t0 = time.perf_counter()
    n_tokens = sum(enc.n_tokens for enc, _ in runs)
    max_len = 0
    for enc, _ in runs:
        lengths = np.diff(np.asarray(enc.ends), prepend=0)
        max_len = max(max_len, int(lengths.max()) if lengths.size else 0)
    dense_budget = min(memory_limit // 4, 256 << 20, 4 * n_tokens * pairs_per_token)
    spill_dir = _make_spill_dir(cfg.tmp_dir, _OWNER)
    try:
        pc = _new_counter(n_rows, n_cols, cfg.n_threads, memory_limit, max_len,
                          pairs_per_token, dense_budget // 8, spill_dir, _OWNER)
        pairs = 0
        watch = _ChunkWatch(_DiskWatch(spill_dir, n_tokens, _OWNER))
        for enc, run in runs:
            ends = np.asarray(enc.ends)
            pairs += _run_chunks(pc, ends, 0, len(ends), run, None, watch)
            watch.base += enc.n_tokens
        if final:
            m, _ = _assemble(pc, n_rows, n_cols, scale, cfg.dtype)
        else:
            m, _ = _assemble(pc, n_rows, n_cols, 1, np.float64)
            m = sp.csr_matrix((m.data.astype(np.int64), m.indices, m.indptr), shape=m.shape)
        spills = sum(pc.spills())
        del pc
    finally:
        shutil.rmtree(spill_dir, ignore_errors=True)
    stats = dict(pairs=int(pairs), spills=int(spills), seconds=time.perf_counter() - t0,
                 setup_seconds=t0 - t_start,
                 tokens=int(sum(enc.n_tokens for enc in encs)))
    blocks = [_rows(m, int(a), int(b)) for a, b in zip(cuts[:-1], cuts[1:])]
    return Bag((blocks, stats))


class _ChunkWatch:
    """The disk projection of :func:`_run_chunks` over several splits in a row."""

    def __init__(self, watch: _DiskWatch) -> None:
        self.watch, self.base = watch, 0

    def check(self, spills: int, tokens_done: int) -> None:
        self.watch.check(spills, self.base + tokens_done)


def _split_runner(enc: EncodedSplit, vocab: Vocabulary, col_vocab: Vocabulary | None,
                  row_vocab: Vocabulary, col_out: Vocabulary, cfg: CountConfig,
                  local: np.ndarray, scratch: int):
    """``run(pc, s0, s1)`` of the one-machine kernel over one split, with the row ids
    of the group (``local``; other rows -1, or ``scratch`` where dropping them would
    move positions)."""
    opts, _ = cfg.kernel_options()
    ids, ends = np.asarray(enc.ids), np.asarray(enc.ends)

    def restrict(rows: np.ndarray, cols: np.ndarray | None) -> np.ndarray:
        out = np.where(rows >= 0, local[np.maximum(rows, 0)], -1).astype(np.int32)
        if scratch >= 0 and cols is not None:
            out[(rows >= 0) & (out < 0) & (cols < 0)] = scratch
        return out

    if not cfg.ngram_units:
        cv = vocab if col_vocab is None else col_vocab
        row_map, col_map, keep = _word_map_arrays(enc, vocab, cv, cfg.sample)
        maps = UnitMaps((1,), (1,), {1: restrict(row_map, col_map)}, {1: col_map}, {1: keep})

        def run(pc, s0, s1):
            return cooccur_count_shard(pc, ids, ends, maps, opts, s0, s1)
        return run
    kix = index_vocabularies(enc, row_vocab, col_out)
    index = kix.index
    rowmaps, colmaps, keeps = _unit_map_arrays(kix, cfg.in_orders, cfg.ctx_orders,
                                               row_vocab, col_out, cfg.sample)
    # ngram units: restricting the rows moves no position (tokens removed with
    # gaps="drop" are removed by their word, ``word_keep``, the same in every group)
    rowmaps = {k: restrict(r, None) for k, r in rowmaps.items()}
    word_keep = None
    if cfg.oov == "drop" or (cfg.subsampling == "dirty" and cfg.sample):
        word_keep = _word_keep(enc, vocab, col_out, cfg.sample)
    maps = UnitMaps(tuple(cfg.in_orders), tuple(cfg.ctx_orders), rowmaps, colmaps, keeps,
                    word_keep)

    def run(pc, s0, s1):
        return cooccur_count_ngram_shard(pc, index, maps, ids, ends, opts, s0, s1)
    return run


def _holder(holders: dict, corpus, chunk: list[int]) -> str | None:
    """The worker holding most tokens of the splits ``chunk`` (None: not known)."""
    tokens: dict[str, int] = {}
    for i in chunk:
        for w in holders.get(corpus.futures[i].key, ()):
            tokens[w] = tokens.get(w, 0) + int(corpus.n_tokens[i])
    return max(sorted(tokens), key=tokens.get) if tokens else None


def _weighted_bounds(weights: np.ndarray, n_blocks: int) -> np.ndarray:
    """Cuts of ``len(weights)`` rows into ``n_blocks`` non-empty contiguous blocks of
    about equal total weight."""
    n = len(weights)
    cum = np.cumsum(np.asarray(weights, dtype=np.float64) + 1e-9)
    targets = cum[-1] * np.arange(1, n_blocks) / n_blocks
    cuts = np.searchsorted(cum, targets, side="left") + 1
    out = np.zeros(n_blocks + 1, dtype=np.int64)
    out[-1] = n
    for i in range(1, n_blocks):
        out[i] = min(max(int(cuts[i - 1]), out[i - 1] + 1), n - (n_blocks - i))
    return out


def _dealt(n_blocks: int, n_groups: int, g: int) -> list[int]:
    """The blocks of group ``g`` when blocks are dealt back and forth (0 1 .. G-1 G-1
    .. 1 0 0 1 ..): a cost that grows or shrinks along the rows evens out."""
    return [j for j in range(n_blocks)
            if (j % n_groups if (j // n_groups) % 2 == 0 else n_groups - 1 - j % n_groups) == g]


def _chunks(n_tokens: np.ndarray, n_chunks: int) -> list[list[int]]:
    """Consecutive runs of splits of about equal tokens (none empty)."""
    n_chunks = max(1, min(n_chunks, len(n_tokens)))
    cuts = _weighted_bounds(n_tokens, n_chunks)
    return [list(range(int(a), int(b))) for a, b in zip(cuts[:-1], cuts[1:])]


def _block_of(result: Bag, i: int):
    """Row block ``i`` of a counting task's result, as it is (a task run where the
    result lives: only that block moves)."""
    block = unbox(result)[0][i]
    return Bag(block) if block.dtype == np.int64 else block


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
    out = sp.csr_matrix((data, ticks.indices.astype(np.int32, copy=False),
                         ticks.indptr.astype(np.int64, copy=False)), shape=ticks.shape)
    out.has_sorted_indices = True
    return out


def _stats_sum(*parts: Bag) -> Bag:
    parts = [unbox(p) for p in parts]
    out = dict(parts[0])
    for p in parts[1:]:
        for k in ("pairs", "spills", "seconds", "setup_seconds", "tokens"):
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
            row_f = stage.put(self.row_vocab)
            col_f = stage.put(self.col_vocab)
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
                        n_blocks: int | None = None, row_groups: int | None = None,
                        chunk_tokens: int = 1 << 28, fan_in: int = 2, gather: bool = True,
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
        Row blocks of the result, of about equal work (default: 16 per row group).
    row_groups : int, optional
        The rows are dealt to this many groups (block by block, in turn), each counted
        by its own tasks on its own worker: every task reads its splits whole but counts
        only the pairs of its group's centres, so the groups' matrices need no merge.
        Default: the number of workers. 1 gives the split-parallel scheme (each split
        counted for all rows, the pieces merged by row blocks).
    chunk_tokens : int, default=2**28
        Most tokens one counting task reads (its splits are held in its worker's
        memory, 4 bytes a token): the splits are cut into at least
        ``ceil(n_workers / row_groups)`` runs of consecutive splits, and more when
        a run would exceed this; each run's pieces are then summed, block by block, by
        tree reductions.
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
    row_groups = check_int(row_groups, "row_groups", _OWNER, 1, allow_none=True) or n_workers
    n_blocks = check_int(n_blocks, "n_blocks", _OWNER, 1, allow_none=True) or 16 * row_groups
    chunk_tokens = check_int(chunk_tokens, "chunk_tokens", _OWNER, 1)
    row_vocab, col_out = _row_col_vocabs(vocab, col_vocab, cfg)
    n_blocks = min(n_blocks, len(row_vocab))
    row_groups = min(row_groups, n_blocks)
    # blocks of about equal work, dealt to the row groups back and forth: every group
    # gets frequent and rare rows. A row's pairs grow with its count; each of its
    # distinct pairs (at most the columns) costs a hash-table insertion and its share
    # of sorting and assembly besides (measured: the rare rows' blocks were the slow ones)
    per_row = row_vocab.counts.astype(np.float64) * (
        2 * cfg.window * len(cfg.in_orders) * len(cfg.ctx_orders))
    bounds = _weighted_bounds(per_row + 2 * np.minimum(per_row, len(col_out)), n_blocks)
    _, scale = distance_weights(cfg.window, cfg.weighting)
    settings = _corpus_settings(tokenizer, lowercase, max_sentence_length, _OWNER)
    corpus, own = as_cluster_corpus(sources, client, settings, split_bytes, progress, _OWNER)
    # asked of the scheduler now: the client's cached scheduler_info() can still list no
    # worker just after a cluster starts (a ZeroDivisionError below, seen once)
    addresses = worker_addresses(client, _OWNER)
    stage = Stage(client, progress, _OWNER)
    try:
        vocab_f = stage.put(vocab)
        col_f = None if col_vocab is None else stage.put(col_vocab)
        offsets = corpus.offsets
        holders = client.who_has(corpus.futures) if row_groups == 1 else {}
        chunks = _chunks(corpus.n_tokens, max(math.ceil(len(addresses) / row_groups),
                                              math.ceil(corpus.total_tokens / chunk_tokens)))
        final = len(chunks) == 1
        pieces: list[list] = [[] for _ in range(n_blocks)]
        stats = []
        for g in range(row_groups):
            mine = _dealt(n_blocks, row_groups, g)
            local = np.full(len(row_vocab), -1, dtype=np.int32)
            cuts = [0]
            for j in mine:
                a, b = int(bounds[j]), int(bounds[j + 1])
                local[a:b] = np.arange(cuts[-1], cuts[-1] + b - a, dtype=np.int32)
                cuts.append(cuts[-1] + b - a)
            local_f = stage.put(Bag(local))
            for c, chunk in enumerate(chunks):
                # each group's tasks on their own worker (Dask would put them all where
                # the splits are); elsewhere if that worker is lost
                where = addresses[(c * row_groups + g) % len(addresses)]
                if row_groups == 1:
                    # split-parallel: the run where most of its tokens already are
                    where = _holder(holders, corpus, chunk) or where
                task = stage.submit(_count_splits, vocab_f, col_f, cfg,
                                    [int(offsets[i]) for i in chunk], local_f, cuts[-1], cuts,
                                    final, auto_memory, *[corpus.futures[i] for i in chunk],
                                    workers=[where], allow_other_workers=True)
                # the picks where the task runs: Dask takes many small tasks of one
                # dependency for root tasks and spreads them, which moved whole results
                # (180 MB a task, 50M uni_bi) to the other worker for one block each
                near = dict(workers=[where], allow_other_workers=True)
                stats.append(stage.submit(pick, task, 1, **near))
                for i, j in enumerate(mine):
                    pieces[j].append(stage.submit(_block_of, task, i, **near))
        stats_f = tree_reduce(stage, stats, _stats_sum, fan_in)
        if final:
            blocks = [p[0] for p in pieces]
        else:
            blocks = [stage.submit(_finish_block, tree_reduce(stage, p, _sum_blocks, fan_in),
                                   scale, cfg.dtype) for p in pieces]
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
    st = dict(st, parts=len(corpus), n_blocks=n_blocks, row_groups=row_groups,
              chunks=len(chunks), tokens=corpus.total_tokens)
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
