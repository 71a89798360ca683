"""Vocabularies counted on a Dask cluster, equal to :meth:`Vocabulary.build`'s.

Words: the lexicons of the splits are summed by a tree reduction. Ngrams of order
k >= 2 follow :func:`ngramvec.data.ngrams.count_ngrams` (the Apriori rule: only
positions whose (k-1)-prefix and words are frequent enough, globally): each split
counts its k-grams with the one-machine kernel, coded as ``prefix * n_words + word``
over global ids, split into row blocks of the prefix ids; each block is summed over
the splits by its own tree reduction and thresholded on a worker, and only the
candidates reach the client.
"""
from __future__ import annotations

import os
from typing import Sequence

import numpy as np
from distributed import Client

from ngramvec.base.exceptions import CorpusError
from ngramvec.base.keys import key_ends_utf8, keys_utf8
from ngramvec.base.validation import check_int, check_memory, check_n_threads
from ngramvec.data.ngrams import (NgramIndex, build_index_utf8, check_orders, join_keys_utf8,
                                  min_counts_by_order, ngram_count_shard, take_keys_utf8)
from ngramvec.data.spill import accumulate, check_tmp_dir, default_memory_limit
from ngramvec.data.vocab import Vocabulary
from ngramvec.models.distributed._cluster import (Bag, Stage, check_workers, near_data, pick,
                                                  tree_reduce, unbox)
from ngramvec.models.distributed._corpus import _corpus_settings, as_cluster_corpus
from ngramvec.models.distributed._splits import EncodedSplit

__all__ = ["build_vocabulary"]

_OWNER = "distributed.build_vocabulary"


def _lexicon(enc: EncodedSplit) -> Bag:
    return Bag(dict(zip(enc.lexicon_keys, enc.lexicon_counts.tolist())))


def _merge_lexicons(*parts: Bag) -> Bag:
    """Sum token -> count dicts."""
    out = dict(unbox(parts[0]))
    for part in parts[1:]:
        get = out.get
        for k, c in unbox(part).items():
            out[k] = get(k, 0) + c
    return Bag(out)


def _frequent_words(merged: Bag, low: int) -> Bag:
    """The words of a summed lexicon counted at least ``low`` times (keys, counts), the
    number of distinct words and the highest count: the client never receives the rare
    ones, most of a big corpus's distinct words."""
    words = unbox(merged)
    counts = np.fromiter(words.values(), np.int64, len(words))
    keep = np.flatnonzero(counts >= low)
    keys = list(words)
    return Bag(([keys[i] for i in keep.tolist()], counts[keep], len(words),
                int(counts.max()) if len(counts) else 0))


def task_memory_limit(memory_limit: int | None) -> int:
    """The accumulators' bound of one task: given, or the worker's memory limit over
    twice its threads (half the machine's memory without a limit)."""
    if memory_limit is not None:
        return memory_limit
    from distributed import get_worker  # reason: Dask's worker, known only inside a task
    try:
        w = get_worker()
        limit = getattr(w.memory_manager, "memory_limit", None) or 2 * default_memory_limit()
        return max(int(limit) // (2 * max(w.state.nthreads, 1)), 64 << 20)
    except ValueError:             # not on a worker
        return default_memory_limit()


def _kgram_counts(enc: EncodedSplit, k: int, words: Bag, prev_keys: Bag,
                  n_blocks: int, n_threads: int, memory_limit: int | None,
                  tmp_dir) -> Bag:
    """The k-grams of one split whose words are all in ``words`` and whose prefix is in
    ``prev_keys`` (key bytes and their number; words themselves for k = 2), as sorted
    codes ``prefix * len(words) + last word`` (global ids) and counts, one pair per
    block of prefix ids."""
    words, (prev_blob, n_prev) = unbox(words), unbox(prev_keys)
    n_words = len(words)
    gid = {w: i for i, w in enumerate(words)}
    lex_g = np.fromiter((gid.get(t, -1) for t in enc.lexicon_keys), dtype=np.int64,
                        count=len(enc.lexicon_keys))
    ok_lex = (lex_g >= 0).astype(np.uint8)
    if k == 2:
        index = NgramIndex()
        prefix_g = lex_g
        n_prefix = n_words
    else:
        kix = build_index_utf8(enc, prev_blob, n_prev)
        index = kix.index
        prefix_g = kix.unit_map(k - 1).astype(np.int64)
        n_prefix = n_prev
    ids, ends = np.asarray(enc.ids), np.asarray(enc.ends)

    def run(pc, s0, s1):
        return ngram_count_shard(pc, index, ids, ends, k, ok_lex, s0, s1)

    if enc.n_tokens == 0:
        codes = np.zeros(0, np.int64)
        counts = np.zeros(0, np.int64)
    else:
        m, _ = accumulate(enc, len(prefix_g), len(enc.lexicon_keys), run, pairs_per_token=1,
                          n_threads=n_threads, memory_limit=task_memory_limit(memory_limit),
                          tmp_dir=tmp_dir, scale=1, dtype=np.float64, owner=_OWNER,
                          dense=False)
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int64), np.diff(m.indptr))
        codes = prefix_g[rows] * n_words + lex_g[m.indices]
        counts = m.data.astype(np.int64)
        order = np.argsort(codes, kind="stable")
        codes, counts = codes[order], counts[order]
    cuts = np.searchsorted(codes, _block_bounds(n_prefix, n_blocks) * n_words)
    return Bag([(codes[a:b], counts[a:b]) for a, b in zip(cuts[:-1], cuts[1:])])


def _block_bounds(n: int, n_blocks: int) -> np.ndarray:
    return np.linspace(0, n, n_blocks + 1).round().astype(np.int64)


def _sum_coded(*parts: Bag) -> Bag:
    """Sum (sorted codes, counts) pairs: sorted codes, exact int64 sums."""
    parts = [unbox(p) for p in parts]
    codes = np.concatenate([p[0] for p in parts])
    counts = np.concatenate([p[1] for p in parts])
    if codes.size == 0:
        return Bag((codes, counts))
    order = np.argsort(codes, kind="stable")
    codes, counts = codes[order], counts[order]
    starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1])))
    return Bag((codes[starts], np.add.reduceat(counts, starts)))


def _threshold(part: Bag, low: int) -> Bag:
    codes, counts = unbox(part)
    keep = counts >= low
    return Bag((codes[keep], counts[keep]))


def build_vocabulary(sources, client: Client, min_count: int | Sequence[int] = 5,
                     max_size: int | None = None, ngram_orders: Sequence[int] = (1,),
                     tokenizer="words", lowercase: bool = True,
                     max_sentence_length: int = 10000, n_threads: int = 1,
                     memory_limit: int | str | None = None,
                     tmp_dir: str | os.PathLike | None = None,
                     split_bytes: int | None = None, fan_in: int = 2,
                     progress: bool = False) -> Vocabulary:
    """:meth:`Vocabulary.build` on a Dask cluster: the same keys, counts and ids.

    Parameters
    ----------
    sources : path, glob, directory, sequence of them, or ClusterCorpus
        Files read by the workers in order (see :func:`encode`); a
        :class:`ClusterCorpus` is used as it is (and kept).
    client : distributed.Client
    min_count, max_size, ngram_orders :
        As for :meth:`Vocabulary.build`.
    tokenizer, lowercase, max_sentence_length :
        As for :class:`~ngramvec.Corpus` (ignored for a ClusterCorpus).
    n_threads : int, default=1
        Threads of each task (Dask runs tasks side by side).
    memory_limit : int or str, optional
        Bound of one task's ngram counting tables; past it they spill to
        ``tmp_dir`` on the worker. Default: the worker's memory limit over twice its
        threads.
    tmp_dir : path, optional
        Spill directory on the workers (default: their temporary directory);
        removed on success and on error.
    split_bytes : int, optional
        See :func:`encode`.
    fan_in : int, default=2
        Parts combined by one reduction task.
    progress : bool, default=False
        Progress bars fed by Dask's task completions.

    Returns
    -------
    Vocabulary

    Raises
    ------
    CorpusError
        A file missing on a worker or unreadable (named), an empty corpus, or no
        entry reaching ``min_count``.
    ClusterError
        No worker, or workers with another ngramvec version.
    """
    orders = check_orders(ngram_orders, "ngram_orders", _OWNER)
    mins = min_counts_by_order(min_count, orders, _OWNER)
    max_size = check_int(max_size, "max_size", _OWNER, 1, allow_none=True)
    n_threads = check_n_threads(n_threads, _OWNER)
    memory_limit = check_memory(memory_limit, "memory_limit", _OWNER, low=1)
    fan_in = check_int(fan_in, "fan_in", _OWNER, 2)
    tmp_dir = check_tmp_dir(tmp_dir, _OWNER)
    n_workers = check_workers(client, _OWNER)
    settings = _corpus_settings(tokenizer, lowercase, max_sentence_length, _OWNER)
    corpus, own = as_cluster_corpus(sources, client, settings, split_bytes, progress, _OWNER)
    stage = Stage(client, progress, _OWNER)
    try:
        total = corpus.total_tokens
        if total == 0:
            raise CorpusError("the corpus has no tokens (empty, or only blank lines)",
                              ", ".join(sorted({s.path for s in corpus.splits}))[:200])
        lex = [stage.submit(_lexicon, f) for f in corpus.futures]
        merged = tree_reduce(stage, lex, _merge_lexicons, fan_in)
        low = min(mins.values())
        freq = stage.submit(_frequent_words, merged, low)
        stage.wait([freq], "vocab")
        keys, counts, n_distinct, top = unbox(freq.result())
        if not keys:
            raise CorpusError(f"no token occurs at least min_count={low} times (the most "
                              f"frequent occurs {top} times); lower min_count")
        if orders == (1,):
            return Vocabulary.from_counts(keys, counts, min_count=mins[1], max_size=max_size,
                                          total_tokens=total)
        blob, n, out_counts = _ngram_candidates(stage, corpus, keys, counts, orders, mins,
                                                n_workers, n_threads, memory_limit, tmp_dir,
                                                fan_in)
        word_min = mins.get(1, low)
        word_total = int(counts[counts >= word_min].sum())
        vocab = Vocabulary._from_counts_utf8(blob, n, out_counts, min_count=1,
                                             max_size=max_size, total_tokens=total,
                                             word_total=word_total, n_seen=n_distinct)
        vocab.min_count = mins
        return vocab
    except BaseException:
        stage.cancel()
        raise
    finally:
        stage.release()
        if own:
            corpus.release()


def _ngram_candidates(stage: Stage, corpus, lex_keys: list[str], lex_counts: np.ndarray,
                      orders, mins, n_workers, n_threads, memory_limit, tmp_dir,
                      fan_in) -> tuple[bytes, int, np.ndarray]:
    """count_ngrams (ngramvec.data.ngrams) with the splits on the workers: the entries
    as key bytes (``keys_utf8``), their number and their counts. No str is made for the
    ngrams: their keys are joined from the words' bytes (compiled)."""
    top = max(orders)
    thr = {k: min(mins[j] for j in orders if j >= k) for k in range(1, top + 1)}
    blobs: list[bytes] = []
    counts_out: list[np.ndarray] = []
    n_out = 0
    if 1 in orders:
        keep = np.flatnonzero(lex_counts >= mins[1])
        blobs.append(keys_utf8([lex_keys[i] for i in keep.tolist()]))
        counts_out.append(lex_counts[keep])
        n_out += len(keep)
    prev: tuple[bytes, np.ndarray] | None = None
    prev_counts: np.ndarray | None = None
    n_blocks = max(n_workers, 1)
    held = stage.client.who_has(corpus.futures)
    for k in range(2, top + 1):
        sel = np.flatnonzero(lex_counts >= thr[k])
        words = sorted(lex_keys[i] for i in sel)       # global word ids of order k
        w_blob = keys_utf8(words)
        w_ends = key_ends_utf8(w_blob, len(words))
        if w_ends is None:
            raise CorpusError(f"{_OWNER}: a token holds a newline; ngram vocabularies "
                              "need tokens without one")
        if k > 2:                                      # prefixes frequent enough for k
            ok = np.flatnonzero(prev_counts >= thr[k])
            p_blob = take_keys_utf8(prev[0], prev[1], ok)
            prev = (p_blob, key_ends_utf8(p_blob, len(ok)))
        words_f = stage.put(Bag(words))
        prev_f = stage.put(Bag((b"", 0) if prev is None else (prev[0], len(prev[1]))))
        # each split's counts and their picks where the split is: Dask takes many small
        # tasks of one dependency for root tasks and spreads them, moving whole results
        near = [near_data(held, f) for f in corpus.futures]
        per_split = [stage.submit(_kgram_counts, f, k, words_f, prev_f, n_blocks, n_threads,
                                  memory_limit, tmp_dir, **kw)
                     for f, kw in zip(corpus.futures, near)]
        finals = []
        for b in range(n_blocks):
            parts = [stage.submit(pick, p, b, **kw) for p, kw in zip(per_split, near)]
            total = tree_reduce(stage, parts, _sum_coded, fan_in)
            finals.append(stage.submit(_threshold, total, thr[k]))
        stage.wait(finals, f"{k}-grams")
        got = [unbox(g) for g in stage.client.gather(finals)]
        for f in per_split:
            f.release()
        codes = np.concatenate([g[0] for g in got]) if got else np.zeros(0, np.int64)
        cnt = np.concatenate([g[1] for g in got]) if got else np.zeros(0, np.int64)
        heads = (w_blob, w_ends) if k == 2 else prev
        k_blob = join_keys_utf8(heads[0], heads[1], w_blob, w_ends, codes)
        k_ends = key_ends_utf8(k_blob, len(codes))
        if k in orders:
            sel = np.flatnonzero(cnt >= mins[k])
            blobs.append(take_keys_utf8(k_blob, k_ends, sel))
            counts_out.append(cnt[sel])
            n_out += len(sel)
        prev, prev_counts = (k_blob, k_ends), cnt
    counts = np.concatenate(counts_out) if counts_out else np.zeros(0, np.int64)
    return b"".join(blobs), n_out, counts
