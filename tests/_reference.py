"""Slow, obviously correct reference implementations used by the tests."""
from __future__ import annotations

from collections import defaultdict

M64 = (1 << 64) - 1


def mix64(z: int) -> int:
    """splitmix64 finaliser, as csrc/nv_rng.h."""
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def hash64(seed: int, position: int, stream: int) -> int:
    return mix64(seed ^ mix64((position * 4 + stream) & M64))


def hash_uniform(seed: int, position: int, stream: int) -> float:
    return (hash64(seed, position, stream) >> 11) * (1.0 / 9007199254740992.0)


def ngram_window_pairs(unit_ids_by_order, in_orders, ctx_orders, window, overlap=False,
                       direction="both"):
    """ngram2vec's window rule on one sentence: yield (in_unit, ctx_unit, distance).

    The slow, obviously correct statement of the rule that ``csrc/nv_ngram_window.h``
    implements; the counting and the SGNS kernels are both checked against it.

    Parameters
    ----------
    unit_ids_by_order : dict of int -> sequence of (in_id, ctx_id)
        For order k, item i gives the ids of the unit of order k starting at sentence
        position i (covering positions i .. i+k-1) as an input unit and as a context
        unit; None or a negative id means "not such a unit". Words are order 1.
    in_orders, ctx_orders : sequence of int
        Orders of the input (centre) and context units.
    window : int or callable
        Largest distance; a callable ``window(i)`` gives the window of the centre
        starting at position i (dynamic windows).
    overlap : bool
        Units sharing a position are pairs too (only with ``direction="both"``); a
        unit is never its own context.
    direction : {"both", "left", "right"}
        Contexts on both sides, only ending before the centre starts, or only
        starting after it ends.

    Yields
    ------
    (in_unit, ctx_unit, distance)
        distance = max(|i - (j+kb-1)|, |(i+ka-1) - j|) for the centre [i, i+ka) and the
        context [j, j+kb): the distance between their farthest tokens, in [1, window].
        Order: centre position i, then in_orders, ctx_orders, context position j.
    """
    def ids(k, p, which):
        seq = unit_ids_by_order.get(k, ())
        u = seq[p][which] if p < len(seq) else None
        return None if u is None or u < 0 else u

    n = max((len(v) + k - 1 for k, v in unit_ids_by_order.items() if len(v)), default=0)
    for i in range(n):
        win = window(i) if callable(window) else window
        for ka in in_orders:
            r = ids(ka, i, 0)
            if r is None:
                continue
            for kb in ctx_orders:
                for j in range(n):
                    c = ids(kb, j, 1)
                    if c is None:
                        continue
                    d = max(abs(i - (j + kb - 1)), abs(i + ka - 1 - j))
                    if d > win:
                        continue
                    if j < i + ka and i < j + kb:       # the units share a position
                        if not overlap or direction != "both" or (j == i and ka == kb):
                            continue
                    elif j < i and direction == "right":
                        continue
                    elif j > i and direction == "left":
                        continue
                    yield r, c, d


def _weight(weighting, d):
    return 1.0 if weighting == "uniform" else 1.0 / d


def count_pairs(sentences, row_map, col_map, keep, window, weighting="uniform",
                dynamic=False, direction="both", subsampling=None, drop_oov=True, seed=0):
    """Count (row, col) pairs of lexicon-id sentences; returns {(r, c): weight}.

    ``subsampling`` is None, "dirty" or "clean"; positions are global token indices
    (sentences laid end to end), as in the encoded corpus. Removed tokens (dropped
    out-of-vocabulary or "dirty" subsampled ones) are taken out before windowing,
    then words are paired by :func:`ngram_window_pairs` with order 1.
    """
    counts: dict = defaultdict(float)
    pos = 0
    for sent in sentences:
        units = []
        for k, lid in enumerate(sent):
            p = pos + k
            r, c = int(row_map[lid]), int(col_map[lid])
            if r < 0 and c < 0:
                if drop_oov:
                    continue
            elif subsampling and hash_uniform(seed, p, 0) >= keep[lid]:
                if subsampling == "dirty":
                    continue
                r = c = -1
            units.append((r, c, p))
        pos += len(sent)
        win = window if not dynamic else (
            lambda i: 1 + hash64(seed, units[i][2], 1) % window)
        for r, c, d in ngram_window_pairs({1: [(r, c) for r, c, _ in units]}, (1,), (1,), win,
                                          direction=direction):
            counts[(r, c)] += _weight(weighting, d)
    return dict(counts)


def count_ngram_pairs(sentences, lex_keys, rows, cols, in_orders, ctx_orders, window,
                      weighting="uniform", dynamic=False, direction="both", keep=None,
                      overlap=False, seed=0, sep="\u00a0", words=None, drop_oov=False,
                      dirty=False):
    """Count ngram-unit pairs of lexicon-id sentences; returns {(r, c): weight}.

    rows/cols: key -> id dicts; keep: key -> keep probability (clean subsampling per
    unit occurrence) or None. Units are paired by :func:`ngram_window_pairs`.

    Removed tokens (``gaps="drop"`` is ``drop_oov`` and ``dirty`` together): ``words``
    maps the words of the vocabulary to their keep probabilities. With ``drop_oov`` a
    token that is not among them is taken out; with ``dirty`` a word is taken out when
    ``hash_uniform(seed, position, 0)`` reaches its keep probability. The ngrams are then
    the runs of the tokens left, and positions (of the window, of the dynamic window's
    and of clean subsampling's hashes: the position of the unit's first token) those
    of the tokens left.
    """
    counts: dict = defaultdict(float)
    pos = 0
    orders = sorted(set(in_orders) | set(ctx_orders))
    for sent in sentences:
        toks, where = [], []
        for i, lid in enumerate(sent):
            key = lex_keys[lid]
            if words is not None and (drop_oov or dirty):
                if key not in words:
                    if drop_oov:
                        continue
                elif dirty and hash_uniform(seed, pos + i, 0) >= words[key]:
                    continue
            toks.append(key)
            where.append(i)
        n = len(toks)
        units: dict = {}
        for k in orders:
            units[k] = []
            for i in range(n - k + 1):
                key = sep.join(toks[i:i + k])
                r = rows.get(key) if k in in_orders else None
                c = cols.get(key) if k in ctx_orders else None
                if keep is not None and (r is not None or c is not None):
                    stream = 0 if k == 1 else k + 2
                    if hash_uniform(seed, pos + where[i], stream) >= keep[key]:
                        r = c = None
                units[k].append((r, c))
        win = window if not dynamic else (
            lambda i, pos=pos, where=where: 1 + hash64(seed, pos + where[i], 1) % window)
        for r, c, d in ngram_window_pairs(units, in_orders, ctx_orders, win, overlap,
                                          direction):
            counts[(r, c)] += _weight(weighting, d)
        pos += len(sent)
    return dict(counts)


# ---------------------------------------------------------------- SGNS's draws

class Xoshiro:
    """xoshiro256** as csrc/nv_rng.h (the SGNS kernels' per-thread generator)."""

    def __init__(self, state):
        self.s = [int(v) for v in state]

    def next(self) -> int:
        s = self.s
        rot = lambda x, k: ((x << k) | (x >> (64 - k))) & M64  # noqa: E731
        result = (rot((s[1] * 5) & M64, 7) * 9) & M64
        t = (s[1] << 17) & M64
        s[2] ^= s[0]
        s[3] ^= s[1]
        s[1] ^= s[2]
        s[0] ^= s[3]
        s[2] ^= t
        s[3] = rot(s[3], 45)
        return result

    def below(self, n: int) -> int:
        return (self.next() * n) >> 64


def sgns_ngram_pairs_dropped(sentences, lex_keys, rows, cols, in_orders, ctx_orders, window,
                             word_thr, rng, dynamic=False, batch=False, overlap=False,
                             sep="\u00a0"):
    """The (input, context) pairs one epoch of SGNS with ngram units and ``gaps="drop"``
    trains, with ``negative=0`` (no negative draws), one thread: {(r, c): count}.

    Per sentence, with the generator ``rng`` (a :class:`Xoshiro`): a token whose word
    is not in ``word_thr`` (key -> threshold, keep probability times 2**32) is removed
    without a draw; a word with a threshold below 2**32 draws once and is removed when
    ``next() >> 32`` reaches it. The ngrams are the runs of the tokens left (looked up in
    ``rows`` / ``cols``). Then one window draw ``window - below(window)`` per position
    (``dynamic``): pair by pair the window of the centre, in batch mode that of the
    context unit (the rule is symmetric, so the pairs are enumerated with the roles
    swapped).
    """
    counts: dict = defaultdict(int)
    orders = sorted(set(in_orders) | set(ctx_orders))
    for sent in sentences:
        toks = []
        for lid in sent:
            key = lex_keys[lid]
            thr = word_thr.get(key)
            if thr is None:
                continue
            if thr < 2**32 and (rng.next() >> 32) >= thr:
                continue
            toks.append(key)
        n = len(toks)
        wins = [window - rng.below(window) if dynamic else window for _ in range(n)]
        units: dict = {}
        for k in orders:
            units[k] = []
            for i in range(n - k + 1):
                key = sep.join(toks[i:i + k])
                r = rows.get(key) if k in in_orders else None
                c = cols.get(key) if k in ctx_orders else None
                units[k].append((c, r) if batch else (r, c))
        if batch:
            for c, r, _ in ngram_window_pairs(units, ctx_orders, in_orders,
                                              lambda j: wins[j], overlap):
                counts[(r, c)] += 1
        else:
            for r, c, _ in ngram_window_pairs(units, in_orders, ctx_orders,
                                              lambda i: wins[i], overlap):
                counts[(r, c)] += 1
    return dict(counts)
