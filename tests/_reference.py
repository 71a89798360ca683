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


def count_pairs(sentences, row_map, col_map, keep, window, weighting="uniform",
                dynamic=False, direction="both", subsampling=None, drop_oov=True, seed=0):
    """Count (row, col) pairs of lexicon-id sentences; returns {(r, c): weight}.

    ``subsampling`` is None, "dirty" or "clean"; positions are global token indices
    (sentences laid end to end), as in the encoded corpus.
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
        for i, (r, _, p) in enumerate(units):
            if r < 0:
                continue
            win = window if not dynamic else 1 + hash64(seed, p, 1) % window
            for j in range(max(0, i - win), min(len(units), i + win + 1)):
                if j == i or (direction == "left" and j > i) or (direction == "right" and j < i):
                    continue
                c = units[j][1]
                if c < 0:
                    continue
                d = abs(i - j)
                counts[(r, c)] += 1.0 if weighting == "uniform" else 1.0 / d
    return dict(counts)


def count_ngram_pairs(sentences, lex_keys, rows, cols, in_orders, ctx_orders, window,
                      weighting="uniform", dynamic=False, direction="both", keep=None,
                      overlap=False, seed=0, sep="\u00a0"):
    """ngram2vec's window rule on lexicon-id sentences; rows/cols: key -> id dicts;
    keep: key -> keep probability (clean subsampling per unit occurrence) or None."""
    counts: dict = defaultdict(float)
    pos = 0
    orders = sorted(set(in_orders) | set(ctx_orders))
    for sent in sentences:
        toks = [lex_keys[i] for i in sent]
        n = len(toks)
        units = {}
        for k in orders:
            for i in range(n - k + 1):
                key = sep.join(toks[i:i + k])
                r = rows.get(key) if k in in_orders else None
                c = cols.get(key) if k in ctx_orders else None
                if keep is not None and (r is not None or c is not None):
                    stream = 0 if k == 1 else k + 2
                    if hash_uniform(seed, pos + i, stream) >= keep[key]:
                        r = c = None
                units[(k, i)] = (r, c)
        for (ka, i), (r, _) in units.items():
            if r is None:
                continue
            win = window if not dynamic else 1 + hash64(seed, pos + i, 1) % window
            for (kb, j), (_, c) in units.items():
                if c is None:
                    continue
                d = max(abs(i - (j + kb - 1)), abs(i + ka - 1 - j))
                if d == 0 or d > win:
                    continue
                inter = j < i + ka and i < j + kb
                if inter:
                    if not overlap or (j == i and ka == kb) or direction != "both":
                        continue
                elif j < i and direction == "right":
                    continue
                elif j > i and direction == "left":
                    continue
                counts[(r, c)] += 1.0 if weighting == "uniform" else 1.0 / d
        pos += n
    return dict(counts)
