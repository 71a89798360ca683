"""Co-occurrence counting: (centre, context) pairs over windows of an encoded corpus.

The front end of the ``_cooccur`` kernel: it validates options, lays out the
accumulators within ``memory_limit``, runs the kernel over chunks of sentences
(progress and Ctrl-C between chunks), and assembles the CSR matrix.
"""
from __future__ import annotations

import logging
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ngramvec.base.validation import (check_bool, check_float, check_int, check_memory, check_n_threads,
                          check_option, check_seed)
from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import load_npz, save_npz
from ngramvec.data.vocab import Vocabulary, as_encoded
from ngramvec.models._legacy import read_cooccurrence_v1

if TYPE_CHECKING:
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.encode import EncodedCorpus

from ngramvec.models._cooccur import (CountOptions, PairCounter, cooccur_assemble, cooccur_count_shard,
                       cooccur_finish)

logger = logging.getLogger(__name__)

__all__ = ["Cooccurrence", "count_cooccurrences", "default_memory_limit"]

_CHUNK_TOKENS = 1 << 21
_DIRECTIONS = {"left": 1, "right": 2, "both": 3}
_SUBSAMPLING = {"dirty": 1, "clean": 2}
_FIXED_POINT = 1 << 32


def default_memory_limit() -> int:
    """Half of the physical memory (the default ``memory_limit``)."""
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        return 4 << 30


def distance_weights(window: int, weighting: str) -> tuple[np.ndarray, int]:
    """Integer weights ("ticks") by distance and the scale that turns them into counts.

    ``uniform``: every pair adds 1. ``harmonic``: a pair at distance d adds 1/d
    (GloVe); ticks are ``scale / d`` with ``scale = lcm(1..window)`` while that
    fits in 32 bits (window <= 22), else the fixed point ``scale = 2**32`` with
    rounded ticks (relative error below 1e-9).

    Returns
    -------
    weights : ndarray of int64, shape (window + 1,)
        ``weights[0]`` is unused (0).
    scale : int
    """
    d = np.arange(window + 1)
    if weighting == "uniform":
        w = np.ones(window + 1, dtype=np.int64)
        w[0] = 0
        return w, 1
    scale = math.lcm(*range(1, window + 1))
    if scale <= (1 << 32):
        w = np.zeros(window + 1, dtype=np.int64)
        w[1:] = scale // d[1:]
        return w, scale
    w = np.zeros(window + 1, dtype=np.int64)
    w[1:] = np.rint(_FIXED_POINT / d[1:]).astype(np.int64)
    return w, _FIXED_POINT


def dense_layout(n_rows: int, n_cols: int, n_threads: int,
                 budget_cells: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Rows of the dense block: ``len[r] = min(n_cols, P // (r + 1))`` with the largest
    P whose cells fit ``budget_cells``; offsets group each thread's rows
    (``r % n_threads``) together. Returns (lengths, offsets, total cells)."""
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


@dataclass
class Cooccurrence:
    """A co-occurrence matrix with its row (centre) and column (context) vocabularies.

    Attributes
    ----------
    matrix : scipy.sparse.csr_matrix, shape (len(row_vocab), len(col_vocab))
        ``matrix[r, c]`` is the (weighted) number of times context ``c`` occurred in
        the window of centre ``r``. float32 or float64; sorted indices.
    row_vocab, col_vocab : Vocabulary
    params : dict
        The counting settings.
    stats : dict
        Pairs counted, time, spills.
    """

    matrix: sp.csr_matrix
    row_vocab: Vocabulary
    col_vocab: Vocabulary
    params: dict = field(default_factory=dict)
    stats: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not sp.issparse(self.matrix):
            raise TypeError("Cooccurrence.matrix must be a scipy.sparse matrix")
        shape = (len(self.row_vocab), len(self.col_vocab))
        if self.matrix.shape != shape:
            raise ValueError(f"the matrix has shape {self.matrix.shape} but the vocabularies "
                             f"have {shape[0]} rows and {shape[1]} columns")
        self.matrix = sp.csr_matrix(self.matrix)

    @property
    def shape(self) -> tuple[int, int]:
        return self.matrix.shape

    @property
    def nnz(self) -> int:
        return int(self.matrix.nnz)

    def __repr__(self) -> str:
        return (f"Cooccurrence({self.shape[0]:,} x {self.shape[1]:,}, nnz={self.nnz:,}, "
                f"dtype={self.matrix.dtype})")

    @classmethod
    def merge(cls, parts: "list[Cooccurrence]") -> "Cooccurrence":
        """Sum co-occurrence matrices counted over disjoint shards of a corpus.

        Parts must share their row and column vocabularies (same keys in the same
        order) and counting settings (apart from the shard). Counts are exact sums,
        so the result equals counting the whole corpus at once.
        """
        parts = list(parts)
        if not parts:
            raise ValueError("Cooccurrence.merge needs at least one part")
        first = parts[0]
        settings = {k: v for k, v in first.params.items() if k != "shard"}
        total = first.matrix.astype(np.float64)
        for i, p in enumerate(parts[1:], 1):
            if (p.row_vocab.index_to_key != first.row_vocab.index_to_key
                    or p.col_vocab.index_to_key != first.col_vocab.index_to_key):
                raise ValueError(f"Cooccurrence.merge: part {i} has other vocabularies than "
                                 "part 0")
            other = {k: v for k, v in p.params.items() if k != "shard"}
            if other != settings:
                raise ValueError(f"Cooccurrence.merge: part {i} was counted with other "
                                 f"settings than part 0 ({other} vs {settings})")
            total = total + p.matrix
        m = sp.csr_matrix(total.astype(first.matrix.dtype))
        m.sort_indices()
        stats = {"parts": len(parts),
                 "pairs": sum(int(p.stats.get("pairs", 0)) for p in parts)}
        return cls(m, first.row_vocab, first.col_vocab, dict(settings), stats)

    def save(self, path: str | os.PathLike) -> None:
        """Write an ``.npz`` archive (no pickles): CSR arrays, both vocabularies, settings.

        The layout is :mod:`ngramvec.base.persist`'s: plain arrays (``indptr``,
        ``indices``, ``data``, ``shape``, ``row_keys``/``row_counts`` and, when the
        columns are another vocabulary, ``col_keys``/``col_counts``; keys as UTF-8
        bytes plus offsets) and a JSON header with the counting settings, so another
        tool (or a cluster job) can write it. Files of the layout of earlier versions
        are still read by :meth:`load`.
        """
        m = self.matrix
        same = self.col_vocab is self.row_vocab
        arrays, state = self.row_vocab._persist_arrays("row_")
        if not same:
            col_arrays, col_state = self.col_vocab._persist_arrays("col_")
            arrays.update(col_arrays)
            state.update(col_state)
        arrays.update(indptr=m.indptr, indices=m.indices, data=m.data,
                      shape=np.array(m.shape, dtype=np.int64))
        state.update(params=self.params, same_vocab=same)
        save_npz(path, "Cooccurrence", arrays, state=state)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Cooccurrence":
        """Read a file written by :meth:`save` (or by an earlier ngramvec).

        Raises
        ------
        FileNotFoundError
        VectorsFormatError
            Not a co-occurrence file of ngramvec, or a corrupted matrix.
        """
        spath = os.fspath(path)
        saved = load_npz(spath, "Cooccurrence", "co-occurrence", read_cooccurrence_v1)
        a, st = saved.arrays, saved.state
        try:
            shape = tuple(int(x) for x in a["shape"])
            m = sp.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=shape)
            m.check_format(full_check=True)
        except (KeyError, ValueError, TypeError) as exc:
            raise VectorsFormatError(f"corrupted matrix: {exc}", spath) from None
        rv = Vocabulary._from_persisted(a, st, spath, "row_")
        cv = rv if st.get("same_vocab") else Vocabulary._from_persisted(a, st, spath, "col_")
        return cls(m, rv, cv, dict(st.get("params") or {}))


def count_cooccurrences(corpus: "Corpus | EncodedCorpus", vocab: Vocabulary, window: int = 5,
                        weighting: str = "uniform", dynamic_window: bool = False,
                        sample: float | None = None, subsampling: str | None = None,
                        direction: str = "both", oov: str | None = None,
                        contexts: str | None = None,
                        input_orders: tuple[int, ...] | None = None,
                        context_orders: tuple[int, ...] | None = None, overlap: bool = False,
                        col_vocab: Vocabulary | None = None, n_threads: int | None = None,
                        seed: int = 0, memory_limit: int | str | None = None,
                        tmp_dir: str | os.PathLike | None = None, dtype: Any = np.float32,
                        shard: tuple[int, int] | None = None,
                        progress: bool = False) -> Cooccurrence:
    """Count (centre, context) pairs of words or ngrams within a window.

    Parameters
    ----------
    corpus : Corpus or EncodedCorpus
        Encoded on first use (cached by the Corpus).
    vocab : Vocabulary
        Rows (centres); also the columns unless ``col_vocab`` is given. With ngram
        units, the entries of the input orders are the rows and those of the context
        orders the columns.
    window : int, default=5
        Largest distance between a centre and a context.
    weighting : {"uniform", "harmonic"}, default="uniform"
        A pair at distance d adds 1, or 1/d (GloVe's distance weighting).
    dynamic_window : bool, default=False
        Draw each centre's window uniformly from [1, window], as word2vec does.
    sample : float, optional
        Frequent-word subsampling threshold (word2vec's formula, see
        :meth:`Vocabulary.keep_probs`); None or 0 keeps every token.
    subsampling : {"dirty", "clean"}, optional
        "dirty" (the default for words) removes the dropped tokens before windowing
        (so windows reach further); "clean" keeps them as gaps. Ngram units are
        always subsampled "clean": each occurrence of a unit is kept with the
        probability of its own frequency.
    direction : {"both", "left", "right"}, default="both"
        Contexts on both sides (a symmetric matrix when rows and columns are the
        same vocabulary and the window is fixed), or only before / after the centre.
    oov : {"drop", "keep"}, optional
        Out-of-vocabulary tokens are removed before windowing (word2vec, GloVe; the
        default for words), or kept as gaps (hyperwords; always for ngram units,
        which are runs of the sentence as written).
    contexts : str, optional
        ngram2vec's names: ``"uni_uni"`` (words, the default), ``"uni_bi"`` (word
        centres, contexts of orders 1 and 2), ``"bi_bi"``, ``"uni_tri"``,
        ``"bi_tri"``... ``"X_Y"`` means centres of orders 1..X and contexts of
        orders 1..Y. The vocabulary must hold those orders
        (``Vocabulary.build(..., ngram_orders=(1, 2))``).
    input_orders, context_orders : tuple of int, optional
        Explicit orders instead of ``contexts``.
    overlap : bool, default=False
        With ngram units, whether a context may share positions with its centre
        (never the centre itself).
    col_vocab : Vocabulary, optional
        Context vocabulary (default: ``vocab``).
    n_threads : int, optional
        Threads (default: all cores). Counts are the same for any number.
    seed : int, default=0
        Seeds subsampling and dynamic windows. Decisions hash the token position,
        so results do not depend on threads or memory.
    memory_limit : int or str, optional
        Bytes (or "4GB") for the accumulators; past it, sorted runs spill to
        ``tmp_dir`` and are merged at the end. Default: half the physical memory.
    tmp_dir : path, optional
        Where spill runs go (default: the system temporary directory). Removed
        on success, error and Ctrl-C.
    dtype : numpy dtype, default=float32
        Of the matrix values (float32 or float64).
    shard : (int, int), optional
        Count only sentences [start, stop) of the encoded corpus. Random decisions
        hash the global token position, so the counts of disjoint shards summed with
        :meth:`Cooccurrence.merge` equal the count of the whole corpus: shards can be
        counted by different processes or machines (e.g. Dask workers).
    progress : bool, default=False

    Returns
    -------
    Cooccurrence

    Raises
    ------
    ValueError, TypeError
        For invalid parameters (the message names it).
    MemoryError
        ``memory_limit`` cannot hold the table of even one sentence.
    OSError
        ``tmp_dir`` is not writable or fills up (the message names the path).

    Notes
    -----
    The counting kernel splits rows among threads and uses integer weights, so the
    matrix is exactly the same for any ``n_threads`` and ``memory_limit``.

    Ngram units (Zhao et al. 2017): a context span [j, j+b) counts for a centre span
    [i, i+a) when every token of one is within ``window`` of every token of the
    other, d = max(|i - (j+b-1)|, |(i+a-1) - j|) <= window; d is also the distance
    of the weighting and of ``direction``.

    Examples
    --------
    >>> import ngramvec as nv
    >>> c = nv.Corpus(["a b c", "a b"])
    >>> v = nv.Vocabulary.build(c, min_count=1)
    >>> counts = nv.count_cooccurrences(c, v, window=1)
    >>> counts.matrix.toarray().astype(int).tolist()
    [[0, 2, 0], [2, 0, 1], [0, 1, 0]]
    """
    owner = "count_cooccurrences"
    window = check_int(window, "window", owner, 1, 10000)
    weighting = check_option(weighting, "weighting", owner, ("uniform", "harmonic"))
    dynamic_window = check_bool(dynamic_window, "dynamic_window", owner)
    sample = check_float(sample, "sample", owner, 0.0, allow_none=True)
    if subsampling is not None:
        subsampling = check_option(subsampling, "subsampling", owner, tuple(_SUBSAMPLING))
    direction = check_option(direction, "direction", owner, tuple(_DIRECTIONS))
    if oov is not None:
        oov = check_option(oov, "oov", owner, ("drop", "keep"))
    overlap = check_bool(overlap, "overlap", owner)
    in_orders, ctx_orders = _orders(contexts, input_orders, context_orders, owner)
    n_threads = check_n_threads(n_threads, owner)
    seed = check_seed(seed, owner)
    memory_limit = check_memory(memory_limit, "memory_limit", owner, low=1)
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"The 'dtype' parameter of {owner} must be float32 or float64. "
                         f"Got {dtype} instead.")
    if not isinstance(vocab, Vocabulary):
        raise TypeError(f"The 'vocab' parameter of {owner} must be a Vocabulary. "
                        f"Got {type(vocab).__name__} instead.")
    if col_vocab is None:
        col_vocab = vocab
    elif not isinstance(col_vocab, Vocabulary):
        raise TypeError(f"The 'col_vocab' parameter of {owner} must be a Vocabulary. "
                        f"Got {type(col_vocab).__name__} instead.")
    if memory_limit is None:
        memory_limit = default_memory_limit()
    enc = as_encoded(corpus, progress=progress)
    shard = _check_shard(shard, enc.n_sentences, owner)
    if in_orders != (1,) or ctx_orders != (1,):
        if subsampling == "dirty" or oov == "drop":
            raise ValueError(f"{owner}: ngram units are runs of the sentence as written, so "
                             "subsampling='dirty' and oov='drop' are not defined for them "
                             "(they are always 'clean' and 'keep')")
        return _count_ngram_units(enc, vocab, col_vocab if col_vocab is not vocab else None,
                                  in_orders, ctx_orders, window, weighting, dynamic_window,
                                  sample, direction, overlap, n_threads, seed, memory_limit,
                                  tmp_dir, dtype, progress, shard)
    subsampling = subsampling or "dirty"
    oov = oov or "drop"

    row_map = enc.remap(vocab)
    col_map = row_map if col_vocab is vocab else enc.remap(col_vocab)
    keep = np.ones(len(enc.lexicon_keys), dtype=np.float64)
    if sample:
        kv = vocab.keep_probs(sample)
        has = row_map >= 0
        keep[has] = kv[row_map[has]]
        if col_vocab is not vocab:
            kc = col_vocab.keep_probs(sample)
            only_c = (~has) & (col_map >= 0)
            keep[only_c] = kc[col_map[only_c]]
    weights, scale = distance_weights(window, weighting)
    n_rows, n_cols = len(vocab), len(col_vocab)

    params = dict(window=window, weighting=weighting, dynamic_window=dynamic_window,
                  sample=sample, subsampling=subsampling, direction=direction, oov=oov,
                  seed=seed, contexts="uni_uni", input_orders=[1], context_orders=[1])
    opts = CountOptions(window, dynamic_window, _DIRECTIONS[direction],
                        _SUBSAMPLING[subsampling] if sample else 0, oov == "drop", seed)

    def run(pc, s0, s1, max_len):
        return cooccur_count_shard(pc, ids, ends, row_map, col_map, keep, weights, s0, s1,
                                   max_len, opts)

    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)
    matrix, st = accumulate(enc, n_rows, n_cols, run, 2 * window, n_threads, memory_limit,
                            tmp_dir, scale, dtype, owner, progress, "count", shard=shard)
    if shard is not None:
        params["shard"] = list(shard)
    logger.info("counted %s pairs into %s nonzeros in %.1f s (%s threads, %d spills)",
                f"{st['pairs']:,}", f"{st['nnz']:,}", st["seconds"], n_threads, st["spills"])
    return Cooccurrence(matrix, vocab, col_vocab, params, st)


def _check_shard(shard, n_sentences: int, owner: str) -> tuple[int, int] | None:
    if shard is None:
        return None
    ok = (isinstance(shard, (tuple, list)) and len(shard) == 2
          and all(isinstance(x, (int, np.integer)) and not isinstance(x, bool) for x in shard)
          and 0 <= shard[0] <= shard[1] <= n_sentences)
    if not ok:
        raise ValueError(f"The 'shard' parameter of {owner} must be a pair (start, stop) with "
                         f"0 <= start <= stop <= {n_sentences} (sentences). Got {shard!r} "
                         "instead.")
    return int(shard[0]), int(shard[1])


def _orders(contexts, input_orders, context_orders, owner) -> tuple[tuple, tuple]:
    from ngramvec.data.ngrams import check_orders, parse_contexts
    if contexts is not None:
        if input_orders is not None or context_orders is not None:
            raise ValueError(f"{owner}: give either 'contexts' or 'input_orders' and "
                             "'context_orders', not both")
        return parse_contexts(contexts)
    ins = (1,) if input_orders is None else check_orders(input_orders, "input_orders", owner)
    ctx = (1,) if context_orders is None else check_orders(context_orders, "context_orders",
                                                           owner)
    return ins, ctx


def _count_ngram_units(enc, vocab, col_vocab, in_orders, ctx_orders, window, weighting,
                       dynamic_window, sample, direction, overlap, n_threads, seed,
                       memory_limit, tmp_dir, dtype, progress, shard=None) -> Cooccurrence:
    """count_cooccurrences for ngram centres or contexts (see its docstring)."""
    from ngramvec.models._cooccur import cooccur_count_ngram_shard
    from ngramvec.data.ngrams import build_index, contexts_name, unit_maps
    owner = "count_cooccurrences"
    have = set(vocab.ngram_orders) | (set(col_vocab.ngram_orders) if col_vocab else set())
    missing = sorted((set(in_orders) | set(ctx_orders)) - have)
    if missing:
        raise ValueError(f"{owner}: the vocabulary has no entries of order(s) {missing}; build "
                         f"it with Vocabulary.build(..., ngram_orders="
                         f"{tuple(sorted(set(in_orders) | set(ctx_orders)))})")
    row_vocab = vocab.subset(in_orders) if set(vocab.ngram_orders) != set(in_orders) else vocab
    if col_vocab is None:
        col_vocab = vocab.subset(ctx_orders) if set(vocab.ngram_orders) != set(ctx_orders) \
            else vocab
    if len(row_vocab) == 0 or len(col_vocab) == 0:
        raise ValueError(f"{owner}: no {'rows' if not len(row_vocab) else 'columns'} of the "
                         "requested orders in the vocabulary")
    index, internal = build_index(enc, row_vocab.index_to_key +
                                  (col_vocab.index_to_key if col_vocab is not row_vocab else []))
    maps = unit_maps(internal, in_orders, ctx_orders, row_vocab, col_vocab, sample, overlap)
    weights, scale = distance_weights(window, weighting)
    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)
    opts = CountOptions(window, dynamic_window, _DIRECTIONS[direction],
                        _SUBSAMPLING["clean"] if sample else 0, False, seed)

    def run(pc, s0, s1, max_len):
        return cooccur_count_ngram_shard(pc, index, maps, ids, ends, weights, s0, s1, max_len,
                                         opts)

    matrix, st = accumulate(enc, len(row_vocab), len(col_vocab), run,
                            2 * window * len(in_orders) * len(ctx_orders), n_threads,
                            memory_limit, tmp_dir, scale, dtype, owner, progress, "count",
                            shard=shard)
    params = dict(window=window, weighting=weighting, dynamic_window=dynamic_window,
                  sample=sample, subsampling="clean", direction=direction, oov="keep",
                  seed=seed, contexts=contexts_name(in_orders, ctx_orders),
                  input_orders=list(in_orders), context_orders=list(ctx_orders),
                  overlap=overlap)
    if shard is not None:
        params["shard"] = list(shard)
    logger.info("counted %s ngram pairs (%s) into %s nonzeros in %.1f s", f"{st['pairs']:,}",
                params["contexts"], f"{st['nnz']:,}", st["seconds"])
    return Cooccurrence(matrix, row_vocab, col_vocab, params, st)


def accumulate(enc, n_rows: int, n_cols: int, run, pairs_per_token: int, n_threads: int,
               memory_limit: int, tmp_dir, scale: int, dtype, owner: str, progress: bool,
               desc: str, dense: bool = True,
               shard: tuple[int, int] | None = None) -> tuple[sp.csr_matrix, dict]:
    """Run a counting kernel over the encoded corpus in chunks and assemble the matrix.

    ``run(pc, s0, s1, max_len)`` counts sentences [s0, s1) into the PairCounter ``pc``
    and returns the number of pairs. The accumulators are laid out within
    ``memory_limit`` (dense block, then hash tables that spill past their budget);
    ``pairs_per_token`` bounds the new keys one token can add.
    """
    ends = np.asarray(enc.ends)
    lengths = np.diff(ends, prepend=0)
    max_len = int(lengths.max()) if lengths.size else 0
    # the dense block pays off for frequent pairs; a small corpus touches few cells,
    # so it never gets more than 4 bytes per possible pair occurrence
    dense_budget = min(memory_limit // 4, 256 << 20,
                       4 * enc.n_tokens * pairs_per_token) if dense else 0
    dense_len, dense_off, dense_cells = dense_layout(n_rows, n_cols, n_threads,
                                                     dense_budget // 8)
    per_thread = (memory_limit - dense_cells * 8) // n_threads
    # a table of `cap` slots costs 16 * cap bytes, plus 16 * 0.7 * cap of sort scratch
    max_cap = 1 << max(10, int(per_thread / (16 * 1.7)).bit_length() - 1)
    need = max(1024, max_len * pairs_per_token + 1)
    if per_thread <= 0 or need * 10 > max_cap * 7:
        need_bytes = dense_cells * 8 + n_threads * int(need / 0.7 * 16 * 1.7 * 2)
        raise MemoryError(f"The 'memory_limit' of {owner} ({memory_limit:,} bytes) is too "
                          "small to hold even one buffer: the longest sentence "
                          f"({max_len:,} tokens) needs at least {need_bytes:,} bytes")
    init_cap = min(max_cap, 1 << 20)
    if tmp_dir is not None:
        tmp_dir = os.fspath(tmp_dir)
        if not os.path.isdir(tmp_dir):
            raise FileNotFoundError(f"The 'tmp_dir' of {owner} does not exist: {tmp_dir}")
    try:
        spill_dir = tempfile.mkdtemp(prefix="ngramvec-spill-", dir=tmp_dir)
    except OSError as exc:
        raise OSError(exc.errno, "cannot create a spill directory in "
                      f"{tmp_dir or tempfile.gettempdir()} ({exc.strerror})") from None
    t0 = time.perf_counter()
    bar = None
    try:
        pc = PairCounter(n_threads, n_rows, n_cols, dense_len, dense_off, dense_cells,
                         init_cap, max_cap, spill_dir)
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=enc.n_tokens, unit="tok", unit_scale=True, desc=desc, leave=False)
        s0, n_sent = shard if shard is not None else (0, len(ends))
        pairs = 0
        while s0 < n_sent:
            target = (int(ends[s0 - 1]) if s0 else 0) + _CHUNK_TOKENS
            s1 = int(np.searchsorted(ends, target, side="right"))
            s1 = min(max(s1, s0 + 1), n_sent)
            pairs += run(pc, s0, s1, max_len) or 0
            if bar is not None:
                bar.update(int(ends[s1 - 1]) - (int(ends[s0 - 1]) if s0 else 0))
            s0 = s1
        t_count = time.perf_counter() - t0
        if sum(pc.spills()) > 0:
            pc.spill_all()
        bound, runs = cooccur_finish(pc)
        indptr = np.zeros(n_rows + 1, dtype=np.int64)
        indices = np.empty(bound, dtype=np.int32)
        data = np.empty(bound, dtype=dtype)
        nnz, ticks = cooccur_assemble(pc, indptr, indices, data, float(scale))
        spills = sum(pc.spills())
        del pc
        indices.resize(nnz, refcheck=False)
        data.resize(nnz, refcheck=False)
    finally:
        if bar is not None:
            bar.close()
        shutil.rmtree(spill_dir, ignore_errors=True)
    matrix = sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols))
    matrix.has_sorted_indices = True
    if pairs == 0 and nnz == 0 and desc == "count":
        warnings.warn(f"{owner}: no pair was counted: no two in-vocabulary tokens are within "
                      "the window anywhere in the corpus (is the vocabulary from another "
                      "corpus?)", UserWarning, stacklevel=3)
    stats = dict(pairs=int(pairs), nnz=int(nnz), total_weight=ticks / scale, spills=int(spills),
                 seconds=time.perf_counter() - t0, seconds_counting=t_count,
                 n_threads=n_threads, tokens=enc.n_tokens)
    return matrix, stats
