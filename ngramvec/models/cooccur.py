"""Co-occurrence counting: (centre, context) pairs over windows of an encoded corpus.

The front end of the ``_cooccur`` kernels: :func:`count_cooccurrences` validates its
options into a :class:`CountConfig`, turns the vocabularies into unit maps, and runs a
kernel over chunks of sentences with the data layer's spill-and-merge engine
(:func:`ngramvec.data.spill.accumulate`), which lays out the accumulators within
``memory_limit`` and assembles the CSR matrix.
"""
from __future__ import annotations

import logging
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.extensions import missing_extension
from ngramvec.base.validation import check_param
from ngramvec.data.ngrams import (KeyIndex, check_orders, contexts_name, index_vocabularies,
                                  parse_contexts)
from ngramvec.base.persist import STRINGS, ArraySpec, load_npz, save_npz
from ngramvec.data.spill import accumulate, check_tmp_dir, default_memory_limit
from ngramvec.data.pairs import pairs_from_corpus
from ngramvec.data.vocab import Vocabulary, as_encoded
from ngramvec.models._legacy import read_cooccurrence_v1
from ngramvec.models import pairs as _pairs

try:
    from ngramvec.models._cooccur import (CountOptions, UnitMaps, cooccur_count_ngram_shard,
                                          cooccur_count_shard)
except ImportError as exc:  # not built: counting raises ExtensionNotBuiltError
    CountOptions = UnitMaps = cooccur_count_ngram_shard = cooccur_count_shard = (
        missing_extension("ngramvec.models._cooccur", exc))

if TYPE_CHECKING:
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.encode import EncodedCorpus
    from ngramvec.data.pairs import EncodedPairs, PairsFile

logger = logging.getLogger(__name__)

__all__ = ["Cooccurrence", "count_cooccurrences", "CountConfig", "distance_weights"]

_OWNER = "count_cooccurrences"
_DIRECTIONS = {"left": 1, "right": 2, "both": 3}
_SUBSAMPLING = {"dirty": 1, "clean": 2}
_FIXED_POINT = 1 << 32


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
        save_npz(path, "Cooccurrence", arrays, state=state, what=repr(self))

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
        saved = load_npz(spath, "Cooccurrence", "co-occurrence", read_cooccurrence_v1,
                         _SCHEMA)
        a, st = saved.arrays, saved.state
        try:
            shape = tuple(int(x) for x in a["shape"])
            m = sp.csr_matrix((a["data"], a["indices"], a["indptr"]), shape=shape)
            m.check_format(full_check=True)
        except (KeyError, ValueError, TypeError) as exc:
            raise VectorsFormatError(f"corrupted matrix: {exc}", spath) from None
        rv = Vocabulary._from_persisted(a, st, spath, "row_")
        cv = rv if st.get("same_vocab") else Vocabulary._from_persisted(a, st, spath, "col_")
        try:
            return cls(m, rv, cv, dict(st.get("params") or {}))
        except (ValueError, TypeError) as exc:   # the matrix does not fit the vocabularies
            raise VectorsFormatError(f"corrupted co-occurrence file: {exc}", spath) from None


# What Cooccurrence.load trusts: the CSR arrays and the vocabularies' keys and counts.
_SCHEMA = {"indptr": ArraySpec("iu", (None,)), "indices": ArraySpec("iu", ("nnz",)),
           "data": ArraySpec("f", ("nnz",)), "shape": ArraySpec("iu", (2,)),
           "row_keys": ArraySpec(STRINGS, ("rows",)), "row_counts": ArraySpec("iu", ("rows",)),
           "col_keys": ArraySpec(STRINGS, ("cols",)), "col_counts": ArraySpec("iu", ("cols",))}


def count_cooccurrences(corpus: "Corpus | EncodedCorpus | PairsFile | EncodedPairs",
                        vocab: Vocabulary | None = None, window: int = 5,
                        weighting: str = "uniform", dynamic_window: bool = False,
                        sample: float | None = None, subsampling: str | None = None,
                        direction: str = "both", oov: str | None = None,
                        gaps: str | None = None, contexts: str | None = None,
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
    corpus : Corpus, EncodedCorpus, PairsFile or EncodedPairs
        Encoded on first use (cached by the Corpus). A pair source
        (:class:`~ngramvec.PairsFile`, :class:`~ngramvec.EncodedPairs`: arbitrary
        contexts, word2vecf's input) is counted as it is: one count per pair, rows its
        word vocabulary, columns its context vocabulary; only ``n_threads``,
        ``memory_limit``, ``tmp_dir``, ``dtype`` and ``progress`` apply to it.
    vocab : Vocabulary
        Rows (centres); also the columns unless ``col_vocab`` is given. With ngram
        units, the entries of the input orders are the rows and those of the context
        orders the columns. Required for a corpus; None for a pair source.
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
        (so windows reach further); "clean" keeps them as gaps. With ngram units,
        "dirty" subsamples tokens with their word's frequency and forms the ngrams
        over the tokens left; "clean" keeps each occurrence of a unit with the
        probability of its own frequency, in place. Default: what ``gaps`` says.
    direction : {"both", "left", "right"}, default="both"
        Contexts on both sides (a symmetric matrix when rows and columns are the
        same vocabulary and the window is fixed), or only before / after the centre.
    oov : {"drop", "keep"}, optional
        Out-of-vocabulary tokens are removed before windowing (word2vec, GloVe; the
        default for words), or kept as gaps (hyperwords). With ngram units, "drop"
        forms the ngrams over the tokens left. Default: what ``gaps`` says.
    gaps : {"drop", "keep"}, optional
        Both of the above at once: "drop" means ``oov="drop"`` and
        ``subsampling="dirty"`` (windows and ngrams over the tokens that survive, as
        word2vec's windows over words), "keep" means ``oov="keep"`` and
        ``subsampling="clean"`` (ngram2vec's runs of the sentence as written).
        Default: "drop" for words; "keep" for ngram units, which is what ngram2vec's
        corpus2pairs counts (and :class:`~ngramvec.SGNS`'s default, where it trains
        better: benchmarks/README.md). ``oov`` or ``subsampling`` given beside
        ``gaps`` must agree with it.
    contexts : str, optional
        ngram2vec's names: ``"uni_uni"`` (words, the default), ``"uni_bi"`` (word
        centres, contexts of orders 1 and 2), ``"bi_bi"``, ``"uni_tri"``,
        ``"bi_tri"``... ``"X_Y"`` means centres of orders 1..X and contexts of
        orders 1..Y. The vocabulary must hold those orders
        (``Vocabulary.build(..., ngram_orders=(1, 2))``). ``"pos"``: positional
        contexts (hyperwords' ``--pos``): the context is the word with its offset,
        ``"dog_-1"``, columns a context vocabulary of their own (the (word, offset)
        keys seen); out-of-vocabulary and subsampled tokens stay as gaps (``oov`` and
        ``subsampling`` default to hyperwords' "keep" and "clean"), ``direction``
        must be "both" and ``weighting="harmonic"`` divides each column by its
        offset's distance (see :func:`ngramvec.pairs_from_corpus`).
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
    if _pairs.is_pair_source(corpus) or contexts == "pos":    # arbitrary contexts
        return _count_pairs(corpus, vocab, dict(
            window=window, weighting=weighting, dynamic_window=dynamic_window, sample=sample,
            subsampling=subsampling, direction=direction, oov=oov, contexts=contexts,
            input_orders=input_orders, context_orders=context_orders, overlap=overlap,
            col_vocab=col_vocab, n_threads=n_threads, seed=seed, memory_limit=memory_limit,
            tmp_dir=tmp_dir, dtype=dtype, shard=shard, progress=progress))
    cfg = _config(window, weighting, dynamic_window, sample, subsampling, direction, oov,
                  contexts, input_orders, context_orders, overlap, n_threads, seed,
                  memory_limit, tmp_dir, dtype, progress, gaps=gaps)
    vocab = _check_vocab(vocab, "vocab")
    col_vocab = None if col_vocab is None else _check_vocab(col_vocab, "col_vocab")
    enc = as_encoded(corpus, progress=cfg.progress)
    shard = _check_shard(shard, enc.n_sentences, _OWNER)
    count = _count_ngram_units if cfg.ngram_units else _count_words
    result = count(enc, vocab, col_vocab, cfg, shard)
    if result.stats["pairs"] == 0 and result.nnz == 0:
        warnings.warn(f"{_OWNER}: no pair was counted: no two in-vocabulary tokens are within "
                      "the window anywhere in the corpus (is the vocabulary from another "
                      "corpus?)", UserWarning, stacklevel=2)
    return result


@dataclass(frozen=True)
class CountConfig:
    """The validated settings of one :func:`count_cooccurrences` call.

    ``subsampling`` and ``oov`` are resolved (from ``gaps`` when not given; words:
    "dirty" and "drop", ngram units: "clean" and "keep" by default); ``memory_limit`` is
    in bytes.

    Two settings serve the counting of pieces of a corpus by separate processes (the
    Dask backend, :mod:`ngramvec.models.distributed`): ``offset`` is the global
    position of the piece's first token (random decisions hash global positions),
    and ``ticks`` makes the matrix hold the integer ticks (float64, scale 1) so that
    pieces are summed exactly before the one division by the scale.
    """

    window: int
    weighting: str
    dynamic_window: bool
    sample: float | None
    subsampling: str
    direction: str
    oov: str
    in_orders: tuple[int, ...]
    ctx_orders: tuple[int, ...]
    overlap: bool
    n_threads: int
    seed: int
    memory_limit: int
    tmp_dir: str | os.PathLike | None
    dtype: np.dtype
    progress: bool
    offset: int = 0
    ticks: bool = False

    @property
    def ngram_units(self) -> bool:
        return self.in_orders != (1,) or self.ctx_orders != (1,)

    def params(self, shard: tuple[int, int] | None) -> dict:
        """The settings recorded in :attr:`Cooccurrence.params`."""
        out = dict(window=self.window, weighting=self.weighting,
                   dynamic_window=self.dynamic_window, sample=self.sample,
                   subsampling=self.subsampling, direction=self.direction, oov=self.oov,
                   seed=self.seed, contexts=contexts_name(self.in_orders, self.ctx_orders),
                   input_orders=list(self.in_orders), context_orders=list(self.ctx_orders))
        if self.ngram_units:
            out["overlap"] = self.overlap
        if shard is not None:
            out["shard"] = list(shard)
        return out

    def kernel_options(self) -> tuple[CountOptions, int]:
        """The kernel's options (with the distance weights) and the ticks per count."""
        weights, scale = distance_weights(self.window, self.weighting)
        opts = CountOptions(self.window, weights, self.dynamic_window,
                            _DIRECTIONS[self.direction],
                            _SUBSAMPLING[self.subsampling] if self.sample else 0,
                            self.oov == "drop", self.overlap, self.seed, self.offset)
        return opts, scale


def _config(window, weighting, dynamic_window, sample, subsampling, direction, oov, contexts,
            input_orders, context_orders, overlap, n_threads, seed, memory_limit, tmp_dir,
            dtype, progress, gaps=None) -> CountConfig:
    """Validate the keyword arguments of :func:`count_cooccurrences`."""
    owner = _OWNER
    # one table of parameter constraints (base.validation.PARAMETERS), as every model
    window = check_param(window, "window", owner)
    weighting = check_param(weighting, "weighting", owner)
    dynamic_window = check_param(dynamic_window, "dynamic_window", owner)
    sample = check_param(sample, "sample", owner)
    subsampling = check_param(subsampling, "subsampling", owner)
    direction = check_param(direction, "direction", owner)
    oov = check_param(oov, "oov", owner)
    gaps = check_param(gaps, "gaps", owner)
    gaps_given = gaps is not None
    overlap = check_param(overlap, "overlap", owner)
    in_orders, ctx_orders = _orders(contexts, input_orders, context_orders, owner)
    n_threads = check_param(n_threads, "n_threads", owner)
    seed = check_param(seed, "seed", owner)
    memory_limit = check_param(memory_limit, "memory_limit", owner)
    tmp_dir = check_tmp_dir(tmp_dir, owner)       # before encoding, not at the first spill
    dtype = np.dtype(dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"The 'dtype' parameter of {owner} must be float32 or float64. "
                         f"Got {dtype} instead.")
    if gaps is None:
        gaps = "drop" if (in_orders, ctx_orders) == ((1,), (1,)) else "keep"
    implied = {"drop": ("dirty", "drop"), "keep": ("clean", "keep")}[gaps]
    for name, given, want in (("subsampling", subsampling, implied[0]),
                              ("oov", oov, implied[1])):
        if given is not None and given != want and gaps_given:
            raise ValueError(f"{owner}: {name}={given!r} contradicts gaps={gaps!r} (which "
                             f"means {name}={want!r}); give one or the other")
    subsampling = subsampling or implied[0]
    oov = oov or implied[1]
    return CountConfig(window, weighting, dynamic_window, sample, subsampling,
                       direction, oov, in_orders, ctx_orders, overlap, n_threads,
                       seed, default_memory_limit() if memory_limit is None else memory_limit,
                       tmp_dir, dtype, bool(progress))


def _check_vocab(value, name: str) -> Vocabulary:
    if not isinstance(value, Vocabulary):
        raise TypeError(f"The {name!r} parameter of {_OWNER} must be a Vocabulary. "
                        f"Got {type(value).__name__} instead.")
    return value


def _accumulate(enc, shape: tuple[int, int], run, pairs_per_token: int, scale: int,
                cfg: CountConfig, shard: tuple[int, int] | None) -> tuple[sp.csr_matrix, dict]:
    """The spill-and-merge engine with the settings of ``cfg``."""
    if cfg.ticks:                      # exact integers, summed by the caller
        scale, dtype = 1, np.float64
    else:
        dtype = cfg.dtype
    return accumulate(enc, shape[0], shape[1], run, pairs_per_token=pairs_per_token,
                      n_threads=cfg.n_threads, memory_limit=cfg.memory_limit,
                      tmp_dir=cfg.tmp_dir, scale=scale, dtype=dtype, owner=_OWNER,
                      progress=cfg.progress, desc="count", shard=shard)


def _word_map_arrays(enc, vocab: Vocabulary, col_vocab: Vocabulary,
                     sample: float | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lexicon id -> row id, column id (-1 when none) and keep probability."""
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
    return row_map, col_map, keep


def _count_words(enc, vocab: Vocabulary, col_vocab: Vocabulary | None, cfg: CountConfig,
                 shard: tuple[int, int] | None) -> Cooccurrence:
    """count_cooccurrences for word centres and contexts."""
    col_vocab = vocab if col_vocab is None else col_vocab
    row_map, col_map, keep = _word_map_arrays(enc, vocab, col_vocab, cfg.sample)
    maps = UnitMaps((1,), (1,), {1: row_map}, {1: col_map}, {1: keep})
    opts, scale = cfg.kernel_options()
    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)

    def run(pc, s0, s1):
        return cooccur_count_shard(pc, ids, ends, maps, opts, s0, s1)

    matrix, st = _accumulate(enc, (len(vocab), len(col_vocab)), run, 2 * cfg.window, scale,
                             cfg, shard)
    logger.info("counted %s pairs into %s nonzeros in %.1f s (%s threads, %d spills)",
                f"{st['pairs']:,}", f"{st['nnz']:,}", st["seconds"], cfg.n_threads,
                st["spills"])
    return Cooccurrence(matrix, vocab, col_vocab, cfg.params(shard), st)


def _count_ngram_units(enc, vocab: Vocabulary, col_vocab: Vocabulary | None,
                       cfg: CountConfig, shard: tuple[int, int] | None) -> Cooccurrence:
    """count_cooccurrences for ngram centres or contexts (see its docstring)."""
    in_orders, ctx_orders = cfg.in_orders, cfg.ctx_orders
    have = set(vocab.ngram_orders) | (set(col_vocab.ngram_orders) if col_vocab else set())
    missing = sorted((set(in_orders) | set(ctx_orders)) - have)
    if missing:
        raise ValueError(f"{_OWNER}: the vocabulary has no entries of order(s) {missing}; "
                         f"build it with Vocabulary.build(..., ngram_orders="
                         f"{tuple(sorted(set(in_orders) | set(ctx_orders)))})")
    row_vocab = vocab.subset(in_orders) if set(vocab.ngram_orders) != set(in_orders) else vocab
    if col_vocab is None or col_vocab is vocab:
        col_vocab = vocab.subset(ctx_orders) if set(vocab.ngram_orders) != set(ctx_orders) \
            else vocab
    if len(row_vocab) == 0 or len(col_vocab) == 0:
        raise ValueError(f"{_OWNER}: no {'rows' if not len(row_vocab) else 'columns'} of the "
                         "requested orders in the vocabulary")
    kix = index_vocabularies(enc, row_vocab, col_vocab)
    index = kix.index
    word_keep = None
    if cfg.oov == "drop" or (cfg.subsampling == "dirty" and cfg.sample):
        word_keep = _word_keep(enc, vocab, col_vocab, cfg.sample)
    maps = _unit_maps(kix, in_orders, ctx_orders, row_vocab, col_vocab, cfg.sample,
                      word_keep)
    opts, scale = cfg.kernel_options()
    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)

    def run(pc, s0, s1):
        return cooccur_count_ngram_shard(pc, index, maps, ids, ends, opts, s0, s1)

    matrix, st = _accumulate(enc, (len(row_vocab), len(col_vocab)), run,
                             2 * cfg.window * len(in_orders) * len(ctx_orders), scale, cfg,
                             shard)
    params = cfg.params(shard)
    logger.info("counted %s ngram pairs (%s) into %s nonzeros in %.1f s", f"{st['pairs']:,}",
                params["contexts"], f"{st['nnz']:,}", st["seconds"])
    return Cooccurrence(matrix, row_vocab, col_vocab, params, st)


def _word_keep(enc, vocab: Vocabulary, col_vocab: Vocabulary | None,
               sample: float | None) -> np.ndarray:
    """Per lexicon id: the keep probability of its word (1 without subsampling), -1 when
    it is not a word (order 1) of ``vocab`` or ``col_vocab``: what ngram units with
    removed tokens need (:class:`UnitMaps`' ``word_keep``)."""
    out = np.full(len(enc.lexicon_keys), -1.0, dtype=np.float64)
    for v in (vocab, col_vocab):
        if v is None or not np.any(v.orders == 1):
            continue
        remap = enc.remap(v)
        has = (remap >= 0) & (out < 0)
        kp = v.keep_probs(sample) if sample else np.ones(len(v))
        out[has] = kp[remap[has]]
    if not np.any(out >= 0):
        raise ValueError(f"{_OWNER}: oov='drop' and subsampling='dirty' (gaps='drop') remove "
                         "tokens by their word, and the vocabulary has no words (order 1)")
    return out


def _unit_maps(kix: KeyIndex, in_orders, ctx_orders, row_vocab, col_vocab,
               sample: float | None, word_keep: np.ndarray | None = None) -> UnitMaps:
    """Row / column ids and keep probabilities of every internal id, order by order."""
    return UnitMaps(tuple(in_orders), tuple(ctx_orders),
                    *_unit_map_arrays(kix, in_orders, ctx_orders, row_vocab, col_vocab,
                                      sample), word_keep)


def _unit_map_arrays(kix: KeyIndex, in_orders, ctx_orders, row_vocab, col_vocab,
                     sample: float | None) -> tuple[dict, dict, dict]:
    """The arrays of :func:`_unit_maps` from the index of :func:`index_vocabularies`: row
    maps, column maps, keep probabilities of every internal id, order by order."""
    top = max(max(in_orders), max(ctx_orders))
    rowmaps, colmaps, keeps = {}, {}, {}
    rkeep = row_vocab.keep_probs(sample) if sample else None
    ckeep = col_vocab.keep_probs(sample) if sample else None
    for k in range(1, top + 1):
        n = max(kix.sizes.get(k, 0), 1)
        r = kix.row_map(k) if k in in_orders else np.full(n, -1, dtype=np.int32)
        c = kix.col_map(k) if k in ctx_orders else np.full(n, -1, dtype=np.int32)
        kp = np.ones(n, dtype=np.float64)
        # the same counts (and word_total) in rows and columns: columns win, as before
        for m, kv in ((r, rkeep), (c, ckeep)):
            if kv is not None:
                has = m >= 0
                kp[has] = kv[m[has]]
        rowmaps[k], colmaps[k], keeps[k] = r, c, kp
    return rowmaps, colmaps, keeps


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
    if contexts is not None:
        if input_orders is not None or context_orders is not None:
            raise ValueError(f"{owner}: give either 'contexts' or 'input_orders' and "
                             "'context_orders', not both")
        return parse_contexts(contexts)
    ins = (1,) if input_orders is None else check_orders(input_orders, "input_orders", owner)
    ctx = (1,) if context_orders is None else check_orders(context_orders, "context_orders",
                                                           owner)
    return ins, ctx


# Settings of a corpus that a pair source has already applied (their defaults)
_CORPUS_ONLY = dict(weighting="uniform", dynamic_window=False, sample=None, subsampling=None,
                    direction="both", oov=None, contexts=None, input_orders=None,
                    context_orders=None, overlap=False, col_vocab=None, shard=None)


def _count_pairs(source, vocab: Vocabulary | None, kw: dict) -> Cooccurrence:
    """count_cooccurrences of a pair source, or of a corpus with positional contexts."""
    owner = _OWNER
    n_threads = check_param(kw["n_threads"], "n_threads", owner)
    memory_limit = check_param(kw["memory_limit"], "memory_limit", owner)
    memory_limit = default_memory_limit() if memory_limit is None else memory_limit
    tmp_dir = check_tmp_dir(kw["tmp_dir"], owner)
    dtype = np.dtype(kw["dtype"])
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"The 'dtype' parameter of {owner} must be float32 or float64. "
                         f"Got {dtype} instead.")
    progress = bool(kw["progress"])
    if _pairs.is_pair_source(source):
        given = [k for k, v in _CORPUS_ONLY.items() if kw[k] is not v and kw[k] != v]
        if vocab is not None:
            given.insert(0, "vocab")
        if given:
            raise ValueError(f"{owner}: {given} apply to a corpus; a pair source is counted "
                             "as it is (its vocabularies are the PairsFile's)")
        enc = _pairs.encoded_pairs(source, tmp_dir=tmp_dir, progress=progress)
        params = {"contexts": "pairs", "source": enc.source}
        weights = None
    else:
        vocab = _check_vocab(vocab, "vocab")
        other = [k for k in ("input_orders", "context_orders", "col_vocab", "shard")
                 if kw[k] is not None] + (["overlap"] if kw["overlap"] else [])
        if other:
            raise ValueError(f"{owner}: {other} do not apply to contexts='pos'")
        direction = check_param(kw["direction"], "direction", owner)
        if direction != "both":
            raise ValueError(f"{owner}: contexts='pos' counts both sides (the offset is in "
                             f"the context key); direction must be 'both'. Got "
                             f"{direction!r} instead.")
        weighting = check_param(kw["weighting"], "weighting", owner)
        window = check_param(kw["window"], "window", owner)
        sample = check_param(kw["sample"], "sample", owner)
        subsampling = check_param(kw["subsampling"], "subsampling", owner) or "clean"
        oov = check_param(kw["oov"], "oov", owner) or "keep"
        seed = check_param(kw["seed"], "seed", owner)
        dynamic = check_param(kw["dynamic_window"], "dynamic_window", owner)
        enc = pairs_from_corpus(source, vocab, window=window, contexts="pos",
                                dynamic_window=dynamic, sample=sample, subsampling=subsampling,
                                oov=oov, seed=seed, tmp_dir=tmp_dir, progress=progress)
        params = dict(enc.stats, weighting=weighting)
        params.pop("pairs", None)
        weights = _pairs.positional_weights(enc.context_vocab.index_to_key, weighting)
    matrix, st = _pairs.count_pair_matrix(enc, n_threads=n_threads, memory_limit=memory_limit,
                                          tmp_dir=tmp_dir, dtype=dtype, progress=progress,
                                          owner=owner)
    if weights is not None:
        matrix = sp.csr_matrix(matrix @ sp.diags(weights.astype(dtype)))
        matrix.sort_indices()
    logger.info("counted %s pairs into %s nonzeros in %.1f s", f"{st['pairs']:,}",
                f"{st['nnz']:,}", st["seconds"])
    return Cooccurrence(matrix, enc.vocab, enc.context_vocab, params, st)
