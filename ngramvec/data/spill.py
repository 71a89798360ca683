"""The spill-and-merge engine: exact pair counts in bounded memory.

A counting kernel adds (row, column) -> integer ticks into a
:class:`~ngramvec.data._ngrams.PairCounter`: a dense block for the frequent pairs and
one hash table per thread for the others. A table that fills its share of
``memory_limit`` is sorted and written to ``tmp_dir`` as a run between rounds of the
kernel; at the end the dense block, the tables and the runs are merged into a CSR
matrix. Ticks are integers, so the result does not depend on the number of threads,
the memory limit or the order of the additions.

Used by co-occurrence counting (:func:`ngramvec.count_cooccurrences`) and by the
exact ngram counts of :meth:`ngramvec.Vocabulary.build`.

The runs go to a temporary directory (:func:`ngramvec.base.fileio.temp_dir`) inside
``tmp_dir``, removed however counting ends (an error, Ctrl-C, SIGTERM inside
:func:`~ngramvec.base.signals.terminate_as_interrupt`); after SIGKILL the next run
removes it. Disk space: whether counting spills at all, and how much, is known only
while it runs. Once runs have been written, after every chunk the bytes still to come
are projected from the bytes written so far and the share of the corpus counted
(runs grow about linearly with the tokens counted) and compared with the free space of
``tmp_dir``: a warning when the projection exceeds the free space, a
:class:`~ngramvec.base.exceptions.PathError` (an ``OSError`` with errno ENOSPC, naming
the directory) when it exceeds twice the free space, long before the disk would
actually fill up. The projection is an estimate: a corpus whose second half brings
many more new pairs than its first spills more than projected.
"""
from __future__ import annotations

import errno
import logging
import os
import shutil
import tempfile
import time
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ngramvec.base.exceptions import PathError
from ngramvec.base.extensions import missing_extension
from ngramvec.base.fileio import check_directory, temp_dir

try:
    from ngramvec.data._ngrams import PairCounter, assemble_csr, finish_counts
except ImportError as exc:  # not built: counting raises ExtensionNotBuiltError
    PairCounter = assemble_csr = finish_counts = missing_extension("ngramvec.data._ngrams", exc)

logger = logging.getLogger(__name__)

__all__ = ["accumulate", "default_memory_limit", "dense_layout", "check_tmp_dir"]

_CHUNK_TOKENS = 1 << 21      # tokens per kernel call: progress and Ctrl-C between calls
_DISK_RAISE_FACTOR = 2       # raise when the runs to come need this many times the free space


def default_memory_limit() -> int:
    """Half of the physical memory (the default ``memory_limit``)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 4 << 30


def dense_layout(n_rows: int, n_cols: int, n_threads: int,
                 budget_cells: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows of the dense block: ``len[r] = min(n_cols, P // (r + 1))`` with the largest
    P whose cells fit ``budget_cells`` (GloVe's rank-product rule: rows are sorted by
    frequency); offsets group each thread's rows (``r % n_threads``) together.

    Returns
    -------
    lengths, offsets : ndarray of int64, shape (n_rows,)
    cells : int
        Total cells, ``lengths.sum()``.
    """
    r1 = np.arange(1, n_rows + 1, dtype=np.int64)

    def cells(p: int) -> int:
        return int(np.minimum(n_cols, p // r1).sum())

    lo, hi = 0, n_cols * n_rows + 1
    if cells(hi) <= budget_cells:
        lo = hi
    else:
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if cells(mid) <= budget_cells:
                lo = mid
            else:
                hi = mid
    lengths = np.minimum(n_cols, lo // r1).astype(np.int64)
    offsets = np.zeros(n_rows, dtype=np.int64)
    base = 0
    for t in range(n_threads):
        rows = np.arange(t, n_rows, n_threads)
        lens = lengths[rows]
        offsets[rows] = base + np.concatenate(([0], np.cumsum(lens)[:-1])) if len(rows) else 0
        base += int(lens.sum())
    return lengths, offsets, base


def _new_counter(n_rows: int, n_cols: int, n_threads: int, memory_limit: int,
                 max_len: int, pairs_per_token: int, dense_cells_max: int, spill_dir: str,
                 owner: str) -> PairCounter:
    """Accumulators within ``memory_limit``: the dense block, then the hash tables.

    Every table must hold the new keys of the longest sentence (``max_len`` tokens).
    """
    dense_len, dense_off, dense_cells = dense_layout(n_rows, n_cols, n_threads,
                                                     dense_cells_max)
    per_thread = (memory_limit - dense_cells * 8) // n_threads
    # a table of `cap` slots costs 16 * cap bytes, plus 16 * 0.7 * cap of sort scratch
    max_cap = 1 << max(10, int(per_thread / (16 * 1.7)).bit_length() - 1)
    need = max(1024, max_len * pairs_per_token + 1)
    if per_thread <= 0 or need * 10 > max_cap * 7:
        need_bytes = dense_cells * 8 + n_threads * int(need / 0.7 * 16 * 1.7 * 2)
        raise MemoryError(f"The 'memory_limit' of {owner} ({memory_limit:,} bytes) is too "
                          "small to hold even one buffer: the longest sentence "
                          f"({max_len:,} tokens) needs at least {need_bytes:,} bytes")
    return PairCounter(n_threads, n_rows, n_cols, dense_len, dense_off,
                       min(max_cap, 1 << 20), max_cap, spill_dir)


def check_tmp_dir(tmp_dir, owner: str) -> str | None:
    """Check a ``tmp_dir`` argument before the work: None (the system temporary
    directory), or an existing writable directory.

    Raises
    ------
    PathNotFoundError, PathNotDirectoryError, PathNotWritableError
        The message names the parameter, ``owner`` and the path.
    """
    return check_directory(tmp_dir, f"the 'tmp_dir' of {owner}",
                           purpose="create a spill directory")


def _make_spill_dir(tmp_dir, owner: str) -> str:
    tmp_dir = check_tmp_dir(tmp_dir, owner)
    try:
        return temp_dir(tmp_dir, "spill")
    except OSError as exc:
        raise OSError(exc.errno, "cannot create a spill directory in "
                      f"{tmp_dir or tempfile.gettempdir()} ({exc.strerror})") from None


class _DiskWatch:
    """Projects the spill bytes still to come and compares them with the free space."""

    def __init__(self, spill_dir: str, total_tokens: int, owner: str) -> None:
        self.spill_dir, self.total, self.owner = spill_dir, total_tokens, owner
        self.spills = 0
        self.warned = False

    def check(self, spills: int, tokens_done: int) -> None:
        """After a chunk: ``spills`` runs written in all, ``tokens_done`` tokens counted."""
        if spills == self.spills or tokens_done <= 0 or tokens_done >= self.total:
            return
        self.spills = spills
        written = 0
        with os.scandir(self.spill_dir) as entries:
            for entry in entries:
                try:
                    written += entry.stat(follow_symlinks=False).st_size
                except OSError:
                    pass
        to_come = int(written * (self.total - tokens_done) / tokens_done)
        try:
            free = shutil.disk_usage(self.spill_dir).free
        except OSError:
            return
        if to_come <= free:
            return
        share = 100 * tokens_done / self.total
        what = (f"{self.owner}: the spill runs are projected to need about {to_come:,} more "
                f"bytes ({written:,} written for {share:.1f}% of the corpus) but "
                f"{self.spill_dir} has {free:,} bytes free")
        if to_come > _DISK_RAISE_FACTOR * free:
            raise PathError(errno.ENOSPC, f"{what}; free some space, give another 'tmp_dir' "
                            "(--tmp-dir) or a larger 'memory_limit' (--memory-limit)",
                            self.spill_dir)
        if not self.warned:
            self.warned = True
            logger.warning("%s; counting goes on, but the disk may fill up", what)


def _run_chunks(pc: PairCounter, ends: np.ndarray, s0: int, s1: int,
                run: Callable[[PairCounter, int, int], int], bar,
                disk: _DiskWatch | None = None) -> int:
    """Call ``run`` on chunks of about _CHUNK_TOKENS tokens of sentences [s0, s1)."""
    pairs = 0
    first = int(ends[s0 - 1]) if s0 else 0
    while s0 < s1:
        target = (int(ends[s0 - 1]) if s0 else 0) + _CHUNK_TOKENS
        stop = min(max(int(np.searchsorted(ends, target, side="right")), s0 + 1), s1)
        pairs += run(pc, s0, stop) or 0
        if bar is not None:
            bar.update(int(ends[stop - 1]) - (int(ends[s0 - 1]) if s0 else 0))
        if disk is not None:
            disk.check(sum(pc.spills()), int(ends[stop - 1]) - first)
        s0 = stop
    return pairs


def _assemble(pc: PairCounter, n_rows: int, n_cols: int, scale: int,
              dtype) -> tuple[sp.csr_matrix, int]:
    """Merge the dense block, the tables and the runs; return the matrix and ticks."""
    if sum(pc.spills()) > 0:
        pc.spill_all()              # the merge then runs in the memory of its buffers
    bound, _ = finish_counts(pc)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    indices = np.empty(bound, dtype=np.int32)
    data = np.empty(bound, dtype=dtype)
    nnz, ticks = assemble_csr(pc, indptr, indices, data, float(scale))
    indices.resize(nnz, refcheck=False)
    data.resize(nnz, refcheck=False)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    matrix.has_sorted_indices = True
    return matrix, ticks


def accumulate(enc, n_rows: int, n_cols: int, run: Callable[[PairCounter, int, int], int], *,
               pairs_per_token: int, n_threads: int, memory_limit: int, tmp_dir, scale: int,
               dtype: Any, owner: str, progress: bool = False, desc: str = "count",
               dense: bool = True,
               shard: tuple[int, int] | None = None) -> tuple[sp.csr_matrix, dict]:
    """Run a counting kernel over the encoded corpus in chunks and assemble the matrix.

    Parameters
    ----------
    enc : EncodedCorpus
    n_rows, n_cols : int
        Shape of the result.
    run : callable
        ``run(pc, s0, s1)`` counts sentences [s0, s1) into the PairCounter ``pc`` and
        returns the number of pairs.
    pairs_per_token : int
        Bound on the new keys one token can add (sizes the smallest table).
    n_threads, memory_limit, tmp_dir :
        Threads of the kernel; bytes for the accumulators; where runs spill.
    scale : int
        Ticks per unit of count (the matrix holds ticks / scale).
    dtype : float32 or float64
    owner, progress, desc :
        For messages and the progress bar.
    dense : bool, default=True
        Use a dense block for the frequent pairs.
    shard : (int, int), optional
        Count only sentences [start, stop).

    Returns
    -------
    matrix : scipy.sparse.csr_matrix
    stats : dict
        pairs, nnz, total_weight, spills, seconds, seconds_counting, n_threads, tokens.

    Raises
    ------
    PathError
        ``tmp_dir`` is missing, a file or not writable (before counting), or the runs
        still to come are projected to need more than twice its free space (errno
        ENOSPC; see the module docstring).
    OSError
        A run cannot be written (the message names it). The spill directory is
        removed in every case.
    """
    ends = np.asarray(enc.ends)
    lengths = np.diff(ends, prepend=0)
    max_len = int(lengths.max()) if lengths.size else 0
    # the dense block pays off for frequent pairs; a small corpus touches few cells,
    # so it never gets more than 4 bytes per possible pair occurrence
    dense_budget = min(memory_limit // 4, 256 << 20,
                       4 * enc.n_tokens * pairs_per_token) if dense else 0
    spill_dir = _make_spill_dir(tmp_dir, owner)
    t0 = time.perf_counter()
    bar = None
    try:
        pc = _new_counter(n_rows, n_cols, n_threads, memory_limit, max_len, pairs_per_token,
                          dense_budget // 8, spill_dir, owner)
        if progress:
            from tqdm.auto import tqdm  # optional dependency, only for the progress bar
            bar = tqdm(total=enc.n_tokens, unit="tok", unit_scale=True, desc=desc, leave=False)
        s0, s1 = shard if shard is not None else (0, len(ends))
        n_shard = (int(ends[s1 - 1]) if s1 else 0) - (int(ends[s0 - 1]) if s0 else 0)
        pairs = _run_chunks(pc, ends, s0, s1, run, bar, _DiskWatch(spill_dir, n_shard, owner))
        t_count = time.perf_counter() - t0
        matrix, ticks = _assemble(pc, n_rows, n_cols, scale, dtype)
        spills = sum(pc.spills())
        del pc
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(spill_dir, ignore_errors=True)
    stats = dict(pairs=int(pairs), nnz=int(matrix.nnz), total_weight=ticks / scale,
                 spills=int(spills), seconds=time.perf_counter() - t0,
                 seconds_counting=t_count, n_threads=n_threads, tokens=enc.n_tokens)
    return matrix, stats
