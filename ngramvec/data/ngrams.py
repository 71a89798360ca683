"""Ngrams: exact ngram counts for vocabularies, and ngram units for counting.

Ngram2vec (Zhao et al., EMNLP 2017) learns word vectors from the co-occurrence of
words and ngrams. Its units are runs of consecutive tokens inside a sentence; here
an ngram of order k is identified by the internal id of its (k-1)-prefix and the
lexicon id of its last token, so that every order fits a 64-bit key and the
counting reuses the bounded-memory accumulator of co-occurrence counting (spills and
k-way merge included).

Counting is exact. Order k is counted in one pass over the encoded ids (not the
text), only at positions whose (k-1)-prefix is itself frequent enough: an ngram is
never more frequent than its prefix, so no ngram reaching its ``min_count`` is
missed (the Apriori argument).
"""
from __future__ import annotations

import logging
import re
from typing import Mapping, Sequence

import numpy as np

from ngramvec.base.extensions import missing_extension
from ngramvec.base.keys import MAX_ORDER, NGRAM_SEP, keys_utf8
from ngramvec.base.validation import check_int
from ngramvec.data.spill import accumulate

try:
    from ngramvec.data._ngrams import (NgramIndex, join_keys_utf8, key_order_utf8,
                                       key_token_ids, ngram_count_shard, take_keys_utf8)
except ImportError as exc:  # not built: ngram work raises ExtensionNotBuiltError
    NgramIndex = key_token_ids = ngram_count_shard = missing_extension("ngramvec.data._ngrams",
                                                                       exc)
    join_keys_utf8 = key_order_utf8 = take_keys_utf8 = NgramIndex

logger = logging.getLogger(__name__)

__all__ = ["parse_contexts", "check_orders", "count_ngrams", "build_index", "build_index_utf8",
           "index_vocabularies", "KeyIndex", "MAX_ORDER"]

# ngram2vec's names of the orders in "X_Y" contexts, up to MAX_ORDER (base.keys)
_NAMES = {name: k for name, k in (("uni", 1), ("bi", 2), ("tri", 3), ("four", 4), ("quad", 4),
                                  ("five", 5), ("six", 6)) if k <= MAX_ORDER}
_BY_ORDER = {k: name for name, k in _NAMES.items() if name != "quad"}


def check_orders(orders, name: str, owner: str) -> tuple[int, ...]:
    """Validate a sequence of ngram orders: ints in [1, MAX_ORDER], sorted, unique."""
    if isinstance(orders, (int, np.integer)) and not isinstance(orders, bool):
        orders = (orders,)
    try:
        out = tuple(orders)
    except TypeError:
        raise TypeError(f"The {name!r} parameter of {owner} must be a sequence of ints in the "
                        f"range [1, {MAX_ORDER}]. Got {orders!r} instead.") from None
    if not out or any(isinstance(k, bool) or not isinstance(k, (int, np.integer))
                      or not 1 <= k <= MAX_ORDER for k in out):
        raise ValueError(f"The {name!r} parameter of {owner} must be a non-empty sequence of "
                         f"ints in the range [1, {MAX_ORDER}]. Got {orders!r} instead.")
    return tuple(sorted(set(int(k) for k in out)))


def parse_contexts(contexts: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Parse ngram2vec's names: ``"uni_bi"`` -> inputs (1,), contexts (1, 2).

    ``"X_Y"`` means input units of orders 1..X and context units of orders 1..Y, with
    X, Y among uni, bi, tri, four, five, six.
    """
    if not isinstance(contexts, str):
        raise TypeError("The 'contexts' parameter of count_cooccurrences must be a str such "
                        f"as 'uni_bi'. Got {contexts!r} instead.")
    m = re.fullmatch(r"([a-z]+)_([a-z]+)", contexts.strip().lower())
    if m is None or m.group(1) not in _NAMES or m.group(2) not in _NAMES:
        raise ValueError("The 'contexts' parameter of count_cooccurrences must be 'X_Y' with X "
                         f"and Y among {sorted(set(_BY_ORDER.values()))} (for example "
                         f"'uni_bi'). Got {contexts!r} instead.")
    a, b = _NAMES[m.group(1)], _NAMES[m.group(2)]
    return tuple(range(1, a + 1)), tuple(range(1, b + 1))


def contexts_name(in_orders: Sequence[int], ctx_orders: Sequence[int]) -> str:
    if tuple(in_orders) == tuple(range(1, max(in_orders) + 1)) and \
            tuple(ctx_orders) == tuple(range(1, max(ctx_orders) + 1)):
        return f"{_BY_ORDER[max(in_orders)]}_{_BY_ORDER[max(ctx_orders)]}"
    return f"in{list(in_orders)}_ctx{list(ctx_orders)}"


def min_counts_by_order(min_count, orders: Sequence[int], owner: str) -> dict[int, int]:
    """An int for every order, a sequence aligned with ``orders``, or a mapping."""
    if isinstance(min_count, Mapping):
        out = {}
        for k in orders:
            if k not in min_count:
                raise ValueError(f"The 'min_count' parameter of {owner} gives no count for "
                                 f"order {k}")
            out[k] = check_int(min_count[k], "min_count", owner, 1)
        return out
    if isinstance(min_count, (list, tuple, np.ndarray)):
        if len(min_count) != len(orders):
            raise ValueError(f"The 'min_count' parameter of {owner} must have one count per "
                             f"order {tuple(orders)}. Got {list(min_count)!r} instead.")
        return {k: check_int(c, "min_count", owner, 1) for k, c in zip(orders, min_count)}
    c = check_int(min_count, "min_count", owner, 1)
    return {k: c for k in orders}


def count_ngrams(enc, orders: Sequence[int], min_counts: dict[int, int], n_threads: int,
                 memory_limit: int, tmp_dir, progress: bool = False
                 ) -> tuple[list[str], np.ndarray]:
    """Exact counts of the ngrams of ``orders`` reaching their ``min_counts``.

    Returns
    -------
    keys : list of str
        Ngram keys (tokens joined by NGRAM_SEP), orders mixed.
    counts : ndarray of int64
    """
    top = max(orders)
    lex_keys = enc.lexicon_keys
    lex_counts = enc.lexicon_counts
    # candidate threshold of order k: the smallest min_count of any requested order >= k
    thr = {k: min(min_counts[j] for j in orders if j >= k) for k in range(1, top + 1)}
    index = NgramIndex()
    ids = np.asarray(enc.ids)
    ends = np.asarray(enc.ends)
    keys_out: list[str] = []
    counts_out: list[np.ndarray] = []
    if 1 in orders:
        keep = np.flatnonzero(lex_counts >= min_counts[1])
        keys_out.extend(lex_keys[i] for i in keep)
        counts_out.append(lex_counts[keep])
    # the previous order's candidates: which internal ids pass, and their keys
    prev_ok = lex_counts >= thr[min(2, top)] if top >= 2 else None
    prev_keys: list[str] = lex_keys
    for k in range(2, top + 1):
        n_prev = len(prev_keys)

        # a word rarer than the threshold cannot be part of a frequent enough ngram
        ok_lex = (lex_counts >= thr[k]).astype(np.uint8)

        def run(pc, s0, s1, k=k, ok_lex=ok_lex):
            return ngram_count_shard(pc, index, ids, ends, k, ok_lex, s0, s1)

        m, _ = accumulate(enc, n_prev, len(lex_keys), run, pairs_per_token=1,
                          n_threads=n_threads, memory_limit=memory_limit, tmp_dir=tmp_dir,
                          scale=1, dtype=np.float64, owner="Vocabulary.build",
                          progress=progress, desc=f"{k}-grams", dense=False)
        rows = np.repeat(np.arange(n_prev, dtype=np.int64), np.diff(m.indptr))
        cnt = m.data.astype(np.int64)
        ok = cnt >= thr[k]
        if prev_ok is not None:
            ok &= prev_ok[rows]
        prefix = rows[ok].astype(np.int32)
        last = m.indices[ok].astype(np.int32)
        cnt = cnt[ok]
        index.add_order(prefix, last)
        keys_k = [prev_keys[p] + NGRAM_SEP + lex_keys[t]
                  for p, t in zip(prefix.tolist(), last.tolist())]
        if k in orders:
            sel = np.flatnonzero(cnt >= min_counts[k])
            keys_out.extend(keys_k[i] for i in sel)
            counts_out.append(cnt[sel])
        logger.info("%d-grams: %s reach count %d", k, f"{len(keys_k):,}", thr[k])
        prev_keys = keys_k
        prev_ok = cnt >= thr[k + 1] if k < top else None
    counts = np.concatenate(counts_out) if counts_out else np.zeros(0, np.int64)
    return keys_out, counts


class KeyIndex:
    """The ngram index of a list of keys against a corpus lexicon (:func:`build_index`).

    Attributes
    ----------
    index : NgramIndex
        One table per order >= 2: (internal id of the prefix, lexicon id of the last
        token) -> internal id.
    ids : ndarray of int32, shape (n_keys,)
        Internal id of each key (order 1: its lexicon id); -1 for a key with a token
        the corpus never saw (it cannot occur).
    orders : ndarray of int64, shape (n_keys,)
    sizes : dict of order -> int
        Internal ids of each order (order 1: the lexicon size). Prefixes missing from
        the keys are indexed too, as internal ids no key maps to.
    """

    def __init__(self, index: NgramIndex, ids: np.ndarray, orders: np.ndarray,
                 sizes: dict[int, int]) -> None:
        self.index, self.ids, self.orders, self.sizes = index, ids, orders, sizes
        # the keys of the row and column vocabularies (index_vocabularies)
        self.row_span = self.col_span = (0, len(ids))

    def row_map(self, k: int) -> np.ndarray:
        """Internal id of order ``k`` -> row id (see :func:`index_vocabularies`)."""
        return self.unit_map(k, *self.row_span)

    def col_map(self, k: int) -> np.ndarray:
        """Internal id of order ``k`` -> column id (see :func:`index_vocabularies`)."""
        return self.unit_map(k, *self.col_span)

    def unit_map(self, k: int, lo: int = 0, hi: int | None = None) -> np.ndarray:
        """Internal id of order ``k`` -> ``i - lo`` for the key ``i`` of ``keys[lo:hi]``
        of that order (-1 for the others): int32 of length max(sizes[k], 1)."""
        hi = len(self.ids) if hi is None else hi
        out = np.full(max(self.sizes.get(k, 0), 1), -1, dtype=np.int32)
        sel = np.flatnonzero(self.orders[lo:hi] == k)
        u = self.ids[lo:hi][sel]
        ok = u >= 0
        out[u[ok]] = sel[ok].astype(np.int32)
        return out


def build_index(enc, keys: Sequence[str]) -> KeyIndex:
    """Index the ngram keys (order >= 2) of ``keys`` against the corpus lexicon.

    The keys are cut into tokens and the tokens mapped to lexicon ids in one compiled
    pass (:func:`key_token_ids`), then the internal ids of their prefixes are found
    order by order in the compiled tables. Prefixes missing from ``keys`` are indexed
    too (as internal ids without a key); keys with a token the corpus never saw cannot
    occur and get id -1.
    """
    keys = keys if isinstance(keys, list) else list(keys)
    return build_index_utf8(enc, keys_utf8(keys), len(keys))


def build_index_utf8(enc, blob: bytes, n: int) -> KeyIndex:
    """:func:`build_index` of ``n`` keys given as :func:`ngramvec.base.keys.keys_utf8`
    bytes (what :meth:`Vocabulary.keys_utf8` returns: no str is made)."""
    lexicon = enc.lexicon_keys
    flat, orders = key_token_ids(keys_utf8(lexicon), len(lexicon), blob, n)
    top = int(orders.max()) if n else 1
    if top > MAX_ORDER:
        bad = blob.split(b"\n")[int(np.argmax(orders))].decode("utf-8", "surrogatepass")
        raise ValueError(f"{bad!r} has order {top}; ngram orders go up to {MAX_ORDER}")
    starts = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(orders, out=starts[1:])
    ids = np.full(n, -1, dtype=np.int32)
    sel = np.flatnonzero(orders == 1)
    ids[sel] = flat[starts[sel]]
    tokens: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    for k in range(2, top + 1):
        sel = np.flatnonzero(orders == k)
        if len(sel):
            tokens[k] = (sel, flat[starts[sel][:, None] + np.arange(k)])
    index = NgramIndex()
    sizes = {1: len(lexicon)}
    for k in range(2, top + 1):
        # the order-k rows: the keys of order k, then the k-prefixes of longer keys
        parts = [tokens[j][1][:, :k] for j in range(k, top + 1) if j in tokens]
        rows = np.concatenate(parts) if parts else np.zeros((0, k), dtype=np.int32)
        p = np.ascontiguousarray(rows[:, 0])
        for j in range(2, k):
            p = index.find(j, p, np.ascontiguousarray(rows[:, j - 1]))
        u = index.add_order_unique(p, np.ascontiguousarray(rows[:, k - 1]))
        sizes[k] = int(u.max()) + 1 if len(u) else 0
        if k in tokens:
            ids[tokens[k][0]] = u[:len(tokens[k][0])]
    return KeyIndex(index, ids, orders, sizes)


def _utf8_of(vocab) -> bytes:
    """The keys of a vocabulary as keys_utf8 bytes (its cached ones when it has them)."""
    blob = vocab.keys_utf8() if hasattr(vocab, "keys_utf8") else None
    return keys_utf8(vocab.index_to_key) if blob is None else blob


def index_vocabularies(enc, rows, cols) -> KeyIndex:
    """:func:`build_index` of the keys of the vocabulary ``rows`` followed by those of
    ``cols`` (once when they are the same object): :meth:`KeyIndex.row_map` and
    :meth:`KeyIndex.col_map` map internal ids to rows and to columns."""
    if cols is rows:
        return build_index_utf8(enc, _utf8_of(rows), len(rows))
    kix = build_index_utf8(enc, _utf8_of(rows) + _utf8_of(cols), len(rows) + len(cols))
    kix.row_span, kix.col_span = (0, len(rows)), (len(rows), len(rows) + len(cols))
    return kix
