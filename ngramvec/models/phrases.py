"""Phrases: collocation detection (``new york`` -> ``new_york``), as gensim's ``Phrases``.

Mikolov et al. (2013) join two words into one token when they occur together much more
often than chance predicts; gensim's :class:`gensim.models.phrases.Phrases` is the
implementation people use. :class:`Phrases` finds the same phrases with the same
scores (bit for bit, see Notes), counting in compiled code over the encoded corpus.

What is counted (gensim 4's rules)
----------------------------------
* every word that is not a connector word (``connector_words``): its count;
* every *candidate*: a word ``a``, the connector words that follow it (maybe none) and
  the next word ``b`` that is not a connector, inside one sentence
  (``bank of america``, ``new york``); connector words before the first word of a
  sentence or after its last belong to no candidate;
* ``corpus_word_count``: every token, connector words included.

A candidate is a phrase when its score is **strictly greater** than ``threshold``:

* ``scoring="default"`` (Mikolov et al.): ``(count(a..b) - min_count) / (count(a) *
  count(b)) * len_vocab`` with ``len_vocab`` the number of distinct words plus the
  number of distinct candidates (what gensim's ``len(vocab)`` is);
* ``scoring="npmi"`` (Bouma 2009): ``log(p(a..b) / (p(a) p(b))) / -log(p(a..b))``,
  ``p = count / corpus_word_count``; ``-inf`` when ``count(a..b) < min_count``.

Applying the phrases (:meth:`Phrases.transform`, ``phrases[sentence]``) scans each
sentence from the left: a word opens a candidate, connector words after it wait, and
the next word either closes a phrase (the span becomes one token, joined by
``delimiter``, and scanning goes on after it) or not (the opening word and the
connectors stay as they are and the candidate restarts at this word).

``max_order=3`` runs a second pass over the corpus as the first pass merged it: what
gensim users do with ``Phrases(bigram[sentences])``. Its candidates are pairs of units
(words or first-pass phrases), so it finds ``new_york_city`` (``new_york`` + ``city``)
and may also join two bigrams. ``max_order=k`` runs ``k - 1`` passes.

References
----------
Mikolov, Sutskever, Chen, Corrado & Dean (2013), "Distributed Representations of Words
and Phrases and their Compositionality", NIPS. Bouma (2009), "Normalized (Pointwise)
Mutual Information in Collocation Extraction", GSCL.
"""
from __future__ import annotations

import itertools
import logging
import os
import time
from types import SimpleNamespace
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from ngramvec.base.estimator import Estimator
from ngramvec.base.exceptions import CorpusError
from ngramvec.base.extensions import missing_extension
from ngramvec.base.persist import ArraySpec, PersistMixin, STRINGS, Saved
from ngramvec.base.validation import check_float
from ngramvec.data.corpus import Corpus
from ngramvec.data.encode import EncodedCorpus, encode_in_memory
from ngramvec.data.spill import accumulate, check_tmp_dir, default_memory_limit

try:
    from ngramvec.models._phrases import (SCORING, GapIndex, PhraseTrie, TokenTable,
                                          phrases_apply, phrases_count_select,
                                          phrases_count_shard, phrases_intern_gaps,
                                          phrases_key_bits, phrases_select)
except ImportError as exc:  # not built: Phrases.fit and transform raise ExtensionNotBuiltError
    SCORING = {"default": 0, "npmi": 1}
    GapIndex = PhraseTrie = phrases_apply = phrases_count_shard = phrases_intern_gaps = \
        phrases_select = TokenTable = phrases_count_select = phrases_key_bits = \
        missing_extension("ngramvec.models._phrases", exc)

logger = logging.getLogger(__name__)

__all__ = ["Phrases", "PhrasedCorpus", "ENGLISH_CONNECTOR_WORDS"]

#: The connector words of gensim 4 for English (articles, some prepositions and
#: conjunctions): ``Phrases(connector_words=ENGLISH_CONNECTOR_WORDS)`` finds
#: ``bank_of_america`` and ``eye_of_the_beholder``.
ENGLISH_CONNECTOR_WORDS = frozenset(
    "a an the for of with without at from to in on by and or".split())

_CHUNK_SENTENCES = 1 << 16      # sentences per kernel call in the passes without spill
_BATCH_TOKENS = 1 << 20         # tokens per batch when applying phrases to token lists
_BATCH_SENTENCES = 1 << 15      # sentences per batch when encoding token lists


class Phrases(PersistMixin, Estimator):
    """Detect phrases (collocations) and merge them into single tokens.

    Parameters
    ----------
    min_count : int, default=5
        Subtracted from the candidate's count by the default score; the smallest count
        of a phrase under ``"npmi"``.
    threshold : float, default=10.0
        A candidate is a phrase when its score is strictly greater. In (0, inf) for
        ``scoring="default"``, in (-1, 1] for ``"npmi"``.
    scoring : {"default", "npmi"}, default="default"
        Mikolov et al.'s score or normalized PMI (see the module docstring).
    connector_words : iterable of str, default=()
        Words that may sit inside a phrase (never at its ends) without being scored:
        :data:`ENGLISH_CONNECTOR_WORDS` for English.
    max_order : int, default=2
        2: one pass (bigrams, with connector words inside). 3: a second pass over the
        merged corpus, as gensim users chain two models. ``k``: ``k - 1`` passes.
    delimiter : str, default="_"
        Joins the tokens of a phrase. It must not occur inside a token of the corpus
        (``new_york`` would then be ambiguous): fit refuses such a corpus.
    n_threads : int, optional
        Threads counting the candidates (default: all cores).
    memory_limit : int or str, optional
        Bound of the counting tables (bytes or "2GB"); past it sorted runs spill to the
        ``tmp_dir`` of :meth:`fit`. Default: half the physical memory.

    Attributes
    ----------
    phrases_ : list of str
        The phrases found, keys joined by ``delimiter`` (first pass first).
    scores_ : ndarray of float64, shape (n_phrases,)
    counts_ : ndarray of int64, shape (n_phrases,)
        Occurrences of each phrase as a candidate in the corpus its pass read.
    passes_ : ndarray of int8, shape (n_phrases,)
        The pass (1, 2, ...) that found each phrase.
    corpus_word_count_ : int
        Tokens of the corpus (connector words included).
    pass_stats_ : list of dict
        Per pass: ``corpus_word_count``, ``len_vocab``, ``n_candidates``, ``n_phrases``,
        ``seconds``.
    tokens_ : list of str
        The tokens of the phrases (what :meth:`transform` needs to know).
    phrase_units_, phrase_offsets_ : ndarray of int32 / int64
        Phrase ``i`` is made of the units ``phrase_units_[phrase_offsets_[i]:
        phrase_offsets_[i + 1]]``: a unit ``u < len(tokens_)`` is the token
        ``tokens_[u]``, a larger one the phrase ``u - len(tokens_)`` of an earlier pass.

    Notes
    -----
    Scores are gensim's to the last bit: the same IEEE operations in the same order,
    and the C library's ``log`` (which Python's ``math.log`` calls). Differences from
    gensim 4.4:

    * counting is exact; gensim prunes its vocabulary (approximately) when it exceeds
      ``max_vocab_size`` (40 million unigrams and candidates), which it reaches only on
      corpora of several hundred million tokens;
    * gensim keeps every count in one dict keyed by joined strings, so a token that
      contains the delimiter collides with a candidate; ngramvec refuses such tokens
      for the first pass. In later passes units are not strings: ``new_york`` + ``city``
      and ``new`` + ``york_city`` are two candidates here, one key in gensim's chained
      model, so on a corpus where both occur the second pass can differ;
    * ``export_phrases`` of a gensim model trained on ``bigram[sentences]`` re-splits
      its keys at every delimiter and scores ``new`` + ``city`` instead of
      ``new_york`` + ``city``; here every pass exports the scores its :meth:`transform`
      uses (gensim's ``find_phrases`` on the merged corpus gives the same ones);
    * only the two built-in scorers (gensim also takes a Python function), and no
      ``add_vocab``: fit again on the whole corpus.

    Examples
    --------
    >>> import ngramvec as nv
    >>> sents = [["new", "york", "is", "big"], ["i", "love", "new", "york"],
    ...          ["i", "like", "paris"], ["paris", "is", "old"], ["i", "love", "tea"]] * 5
    >>> ph = nv.Phrases(min_count=1, threshold=1.7).fit(sents)
    >>> ph.export_phrases()
    {'new_york': 1.7999999999999998}
    >>> ph[["we", "saw", "new", "york"]]
    ['we', 'saw', 'new_york']
    >>> ph.transform([["new", "york", "is", "old"]])
    [['new_york', 'is', 'old']]
    """

    _persist_what = "Phrases model"
    _persist_attributes = ("tokens_", "phrase_units_", "phrase_offsets_", "passes_",
                           "scores_", "counts_", "corpus_word_count_", "pass_stats_")
    _persist_skip_params = ("connector_words",)
    _persist_schema = {
        "tokens_": ArraySpec(STRINGS, (None,)),
        "phrase_units_": ArraySpec("i", (None,)),
        "phrase_offsets_": ArraySpec("i", ("n_offsets",)),
        "passes_": ArraySpec("iu", ("n",)),
        "scores_": ArraySpec("f", ("n",)),
        "counts_": ArraySpec("iu", ("n",)),
    }

    def __init__(self, min_count: int = 5, threshold: float = 10.0, scoring: str = "default",
                 connector_words: Iterable[str] = (), max_order: int = 2,
                 delimiter: str = "_", n_threads: int | None = None,
                 memory_limit: int | str | None = None) -> None:
        self.min_count = min_count
        self.threshold = threshold
        self.scoring = scoring
        self.connector_words = connector_words
        self.max_order = max_order
        self.delimiter = delimiter
        self.n_threads = n_threads
        self.memory_limit = memory_limit

    # ------------------------------------------------------------------ parameters

    def _check_params(self) -> dict[str, Any]:
        p = self._validate_params()
        owner = type(self).__name__
        if p["scoring"] == "default":
            check_float(p["threshold"], "threshold", owner, 0.0, None, low_closed=False,
                        why="for scoring='default'")
        else:
            check_float(p["threshold"], "threshold", owner, -1.0, 1.0, low_closed=False,
                        why="for scoring='npmi'")
        delim = p["delimiter"]
        if delim == "" or any(ch.isspace() for ch in delim):
            raise ValueError(f"The 'delimiter' parameter of {owner} must be a non-empty str "
                             f"without whitespace. Got {delim!r} instead.")
        p["connector_words"] = _check_connectors(p["connector_words"], delim, owner)
        p["memory_limit"] = p["memory_limit"] or default_memory_limit()
        return p

    # ------------------------------------------------------------------ fit

    def fit(self, corpus: Any, y: Any = None, *, progress: bool = False,
            tmp_dir: str | os.PathLike | None = None) -> "Phrases":
        """Count the words and candidates of ``corpus`` and keep the phrases.

        Parameters
        ----------
        corpus : Corpus, EncodedCorpus, path, or iterable of list of str
            A path is read with :class:`~ngramvec.Corpus`'s defaults (the ``"words"``
            tokenizer, lowercased); token lists are taken as they are (as gensim takes
            them: not lowercased, not cut at 10,000 tokens). Read once, into ids held in
            memory (a Corpus's own :meth:`~ngramvec.Corpus.encoded` ids when it has them).
        y : ignored
        progress : bool, default=False
            Show progress bars.
        tmp_dir : path, optional
            Where the counting tables spill past ``memory_limit`` (default: the system's
            temporary directory).

        Returns
        -------
        self

        Notes
        -----
        Memory: the ids of the corpus, ranked by frequency, are held in memory (4 bytes
        a token; a second copy, merged, for each later pass), besides the counting
        tables bounded by ``memory_limit``.

        Raises
        ------
        ValueError
            A bad parameter (the message names it), or ``delimiter`` occurring inside a
            token of the corpus (the message names the token).
        CorpusError
            The corpus has no tokens.
        """
        p = self._check_params()
        p["tmp_dir"] = check_tmp_dir(tmp_dir, "Phrases.fit")   # before the work
        t_start = time.perf_counter()
        enc = _as_encoded(corpus, progress, p["n_threads"] or os.cpu_count() or 1)
        if enc.n_tokens == 0:
            raise CorpusError("the corpus has no tokens (empty, or only blank lines)",
                              str(enc.meta.get("corpus", {}).get("source", "<corpus>")))
        keys = enc.lexicon_keys
        delim = p["delimiter"]
        # the delimiter has no whitespace: in the keys joined by a space only inside one
        for k in (keys if delim in " ".join(keys) else ()):
            if delim in k:
                raise ValueError(f"The 'delimiter' parameter of Phrases ({delim!r}) occurs inside "
                                 f"the token {k!r} of the corpus: phrases joined with it would "
                                 f"be ambiguous; choose another delimiter")
        conn = p["connector_words"]
        n_lex = len(keys)
        # units are lexicon ids ranked by decreasing count (the dense block of the spill
        # counter then holds the frequent candidates; tokens_ in frequency order); the
        # first pass reads the corpus ids through `rank`, later passes the ranked copy
        counts = np.asarray(enc.lexicon_counts, dtype=np.int64)
        order = np.argsort(-counts, kind="stable")
        rank = np.empty(n_lex, dtype=np.int32)
        rank[order] = np.arange(n_lex, dtype=np.int32)
        ids = enc.ids
        id_map: np.ndarray | None = rank
        ends = np.asarray(enc.ends)
        keys = list(map(keys.__getitem__, order.tolist()))
        counts = counts[order]
        is_conn = np.fromiter(map(conn.__contains__, keys), dtype=np.uint8, count=n_lex)

        seqs: list[np.ndarray] = []      # per phrase: its units (lexicon space)
        scores: list[np.ndarray] = []
        pcounts: list[np.ndarray] = []
        passes: list[int] = []
        stats = []
        n_passes = p["max_order"] - 1
        for k in range(1, n_passes + 1):
            t0 = time.perf_counter()
            first_id = n_lex + len(passes)        # unit id of this pass's first phrase
            got = self._fit_pass(ids, ends, is_conn, counts, p, progress, k, id_map=id_map)
            pass_seqs, pass_scores, pass_counts, pass_stat = got
            seqs.extend(pass_seqs)
            scores.append(pass_scores)
            pcounts.append(pass_counts)
            passes.extend([k] * len(pass_seqs))
            pass_stat["seconds"] = time.perf_counter() - t0
            stats.append(pass_stat)
            logger.info("Phrases pass %d: %s phrases among %s candidates (%s tokens) in %.1f s",
                        k, f"{len(pass_seqs):,}", f"{pass_stat['n_candidates']:,}",
                        f"{pass_stat['corpus_word_count']:,}", pass_stat["seconds"])
            if k == n_passes or not pass_seqs:
                break
            # the corpus as this pass merges it: the next pass's input
            trie = _trie(pass_seqs, first_id, is_conn)
            if id_map is not None:
                ids, id_map = _ranked(ids, id_map), None
            ids, ends = _apply_all([trie], ids, ends)
            n_units = first_id + len(pass_seqs)
            is_conn = np.concatenate([is_conn, np.zeros(len(pass_seqs), np.uint8)])
            counts = np.bincount(ids, minlength=n_units).astype(np.int64)
        self._set_fitted(keys, n_lex, seqs, scores, pcounts, passes, stats)
        logger.info("Phrases: %s phrases in %.1f s", f"{len(self.phrases_):,}",
                    time.perf_counter() - t_start)
        return self

    def _fit_pass(self, ids: np.ndarray, ends: np.ndarray, is_conn: np.ndarray,
                  counts: np.ndarray, p: dict, progress: bool, k: int,
                  method: str = "auto", id_map: np.ndarray | None = None):
        """One pass: count the candidates, score them, keep the phrases.

        The pass's units are ``id_map[ids]`` (``ids`` when ``id_map`` is None).

        ``method``: "partition" counts in memory (:func:`phrases_count_select`, 16
        bytes a token), "spill" in the bounded accumulators of
        :mod:`ngramvec.data.spill`; "auto" takes "partition" when it fits
        ``memory_limit`` (and its 63-bit keys), else "spill". Both give the same
        counts.
        """
        n_units = is_conn.shape[0]
        n_tokens = int(ids.shape[0])
        n_words = int(np.count_nonzero(counts[is_conn == 0]))
        ids = np.asarray(ids)
        gi = GapIndex()
        any_conn = bool(is_conn.any())
        if method == "auto":
            method = "spill"
            if 16 * n_tokens + (64 << 20) <= p["memory_limit"]:
                if any_conn:      # the runs are known only after this pass; bound them
                    phrases_intern_gaps(gi, ids, ends, is_conn, 0, len(ends), lefts=False,
                                        id_map=id_map)
                if phrases_key_bits(n_units, gi.n_runs) <= 63:
                    method = "partition"
        if method == "partition":
            if any_conn and gi.n_runs == 0:
                phrases_intern_gaps(gi, ids, ends, is_conn, 0, len(ends), lefts=False,
                                    id_map=id_map)
            n_threads = p["n_threads"] or os.cpu_count() or 1
            part_bits = int(min(16, max(1, (max(n_tokens, 1) // 8192).bit_length())))
            n_candidates, runs, first, last, count_ab, out = phrases_count_select(
                ids, ends, is_conn, gi, counts, SCORING[p["scoring"]], p["min_count"],
                n_words, float(n_tokens), float(p["threshold"]), int(n_threads), part_bits,
                id_map)
            run_prev, run_conn, _, _ = gi.tables()
            len_vocab = n_words + n_candidates
        else:
            if id_map is not None:
                ids = _ranked(ids, id_map)
            runs, first, last, count_ab, out, n_candidates, len_vocab, run_prev, run_conn = \
                self._count_spill(ids, ends, is_conn, counts, n_words, p, progress, k)
        over = np.flatnonzero(np.isnan(out))
        for i in over.tolist():   # count_a * count_b beyond int64: exact, as Python does
            denom = int(counts[first[i]]) * int(counts[last[i]])
            out[i] = (int(count_ab[i]) - p["min_count"]) / float(denom) * len_vocab
        keep = np.flatnonzero(out > p["threshold"]) if over.size else np.arange(out.shape[0])
        # phrases in order of decreasing score, then the plain pairs before those with
        # connectors (by run), then by units: the same order for every method and
        # number of threads
        keep = keep[np.lexsort((last[keep], first[keep], runs[keep], -out[keep]))]
        seqs = []
        for i in keep.tolist():
            j = int(runs[i])
            if j == 0:
                seqs.append(np.array([first[i], last[i]], dtype=np.int32))
                continue
            run = []
            while j > 0:                       # the run's connectors, last first
                run.append(int(run_conn[j - 1]))
                j = int(run_prev[j - 1])
            seqs.append(np.array([first[i]] + run[::-1] + [last[i]], dtype=np.int32))
        stat = {"corpus_word_count": n_tokens, "len_vocab": len_vocab,
                "n_candidates": n_candidates, "n_phrases": len(seqs)}
        return seqs, out[keep], count_ab[keep], stat

    def _count_spill(self, ids: np.ndarray, ends: np.ndarray, is_conn: np.ndarray,
                     counts: np.ndarray, n_words: int, p: dict, progress: bool, k: int):
        """Count the candidates in the bounded accumulators (dense block, hash tables,
        sorted runs on disk past ``memory_limit``) and select the phrases.

        Returns the run, first and last unit, count and score of each kept candidate
        (the overflowing ones, score NaN, last), the number of candidates,
        ``len_vocab`` and the run tables."""
        n_units = is_conn.shape[0]
        n_tokens = int(ids.shape[0])
        gi = GapIndex()
        for s0 in range(0, len(ends), _CHUNK_SENTENCES):
            phrases_intern_gaps(gi, ids, ends, is_conn, s0, min(s0 + _CHUNK_SENTENCES, len(ends)))
        n_rows = n_units + gi.n_lefts

        def run(pc, s0, s1):
            return phrases_count_shard(pc, gi, ids, ends, is_conn, s0, s1)

        m, _ = accumulate(SimpleNamespace(ends=ends, n_tokens=n_tokens), n_rows, n_units, run,
                          pairs_per_token=1, n_threads=p["n_threads"],
                          memory_limit=p["memory_limit"], tmp_dir=p["tmp_dir"], scale=1,
                          dtype=np.float64, owner="Phrases.fit", progress=progress,
                          desc=f"phrases pass {k}", dense=True)
        run_prev, run_conn, left_run, left_word = gi.tables()
        # gensim's len(vocab): distinct words (not connectors) plus distinct candidates
        n_candidates = int(m.nnz)
        len_vocab = n_words + n_candidates
        rows, first, last, count_ab, out, n_keep = phrases_select(
            m.indptr.astype(np.int64, copy=False), m.indices, m.data, counts, left_word,
            SCORING[p["scoring"]], p["min_count"], float(len_vocab), float(n_tokens),
            float(p["threshold"]))
        del m
        runs = np.where(rows < n_units, 0, left_run[np.maximum(rows - n_units, 0)]
                        if left_run.size else 0).astype(np.int64)
        return (runs, first, last, count_ab, out, n_candidates, len_vocab, run_prev,
                run_conn)

    def _set_fitted(self, keys: list[str], n_lex: int, seqs: list[np.ndarray],
                    scores: list[np.ndarray], counts: list[np.ndarray], passes: list[int],
                    stats: list[dict]) -> None:
        """Store the phrases over their own tokens (independent of the corpus lexicon)."""
        flat = np.concatenate(seqs) if seqs else np.zeros(0, np.int32)
        lex_used = np.unique(flat[flat < n_lex])
        tok_of = np.full(n_lex, -1, dtype=np.int64)
        tok_of[lex_used] = np.arange(len(lex_used))
        n_tok = len(lex_used)
        model = np.where(flat < n_lex, tok_of[np.minimum(flat, n_lex - 1)],
                         n_tok + (flat.astype(np.int64) - n_lex))
        self.tokens_ = [keys[i] for i in lex_used.tolist()]
        self.phrase_units_ = model.astype(np.int32)
        offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
        np.cumsum([len(s) for s in seqs], out=offsets[1:])
        self.phrase_offsets_ = offsets
        self.passes_ = np.asarray(passes, dtype=np.int8)
        self.scores_ = np.concatenate(scores) if scores else np.zeros(0)
        self.counts_ = np.concatenate(counts) if counts else np.zeros(0, np.int64)
        self.corpus_word_count_ = int(stats[0]["corpus_word_count"])
        self.pass_stats_ = stats
        self._build()

    # ------------------------------------------------------------------ derived state

    def _build(self) -> None:
        """Keys, the token index and one trie per pass, from the stored arrays."""
        p_conn = _check_connectors(self.connector_words, self.delimiter, type(self).__name__)
        tokens = list(self.tokens_)
        n_tok = len(tokens)
        units = np.asarray(self.phrase_units_, dtype=np.int32)
        offsets = np.asarray(self.phrase_offsets_, dtype=np.int64)
        passes = np.asarray(self.passes_, dtype=np.int64)
        n = len(passes)
        if offsets.shape[0] != n + 1 or (n and (offsets[0] != 0 or offsets[-1] != len(units)
                                                or np.any(np.diff(offsets) < 2))):
            raise ValueError("phrase_offsets_ does not match phrase_units_")
        if n and np.any(np.diff(passes) < 0):
            raise ValueError("passes_ must be non-decreasing")
        if n:       # phrase i is made of tokens and phrases before it: units < n_tok + i
            phrase_of = np.repeat(np.arange(n, dtype=np.int64), np.diff(offsets))
            bad = np.flatnonzero((units < 0) | (units >= n_tok + phrase_of))
            if bad.size:
                raise ValueError(f"phrase {int(phrase_of[bad[0]])} refers to a unit that is not "
                                 f"defined before it")
        unit_keys = list(tokens)
        get, join = unit_keys.__getitem__, self.delimiter.join
        units_l, offs = units.tolist(), offsets.tolist()
        for i in range(n):
            unit_keys.append(join(map(get, units_l[offs[i]:offs[i + 1]])))
        self.phrases_ = unit_keys[n_tok:]
        tok_conn = np.fromiter(map(p_conn.__contains__, tokens), dtype=np.uint8, count=n_tok)
        self._token_index = {t: i for i, t in enumerate(tokens)}
        for c in p_conn:
            self._token_index.setdefault(c, -2)      # a connector no phrase contains
        self._tries = []
        for k in sorted(set(passes.tolist())):
            sel = np.flatnonzero(passes == k)
            lo, hi = int(sel[0]), int(sel[-1]) + 1
            seqs = [units[offsets[i]:offsets[i + 1]] for i in range(lo, hi)]
            is_conn = np.concatenate([tok_conn, np.zeros(lo, np.uint8)])
            self._tries.append(_trie(seqs, n_tok + lo, is_conn))

    def _persist_extra(self) -> tuple[dict, dict]:
        return {}, {"connector_words": sorted(_check_connectors(
            self.connector_words, self.delimiter, type(self).__name__))}

    def _persist_restore(self, saved: Saved, path: str) -> None:
        if "connector_words" in saved.state:
            self.connector_words = frozenset(str(w) for w in saved.state["connector_words"])
        self.corpus_word_count_ = int(self.corpus_word_count_)
        self.pass_stats_ = [dict(s) for s in self.pass_stats_]
        if not isinstance(self.tokens_, list):
            self.tokens_ = list(self.tokens_)    # an empty list is stored in the state
        self.phrase_units_ = np.asarray(self.phrase_units_, dtype=np.int32)
        self.phrase_offsets_ = np.asarray(self.phrase_offsets_, dtype=np.int64)
        self.passes_ = np.asarray(self.passes_, dtype=np.int8)
        self.scores_ = np.asarray(self.scores_, dtype=np.float64)
        self.counts_ = np.asarray(self.counts_, dtype=np.int64)
        self._build()

    # ------------------------------------------------------------------ results

    def export_phrases(self) -> dict[str, float]:
        """The phrases found and their scores, as gensim's ``Phrases.export_phrases``.

        Returns
        -------
        dict of str to float
        """
        self._check_fitted()
        return dict(zip(self.phrases_, self.scores_.tolist()))

    def transform(self, sentences: Iterable[Sequence[str]]) -> list[list[str]]:
        """Merge the phrases in each sentence (a list of tokens).

        Parameters
        ----------
        sentences : iterable of list of str

        Returns
        -------
        list of list of str
            For a lazy view of a large corpus use :meth:`phrase_corpus`.
        """
        self._check_fitted()
        out: list[list[str]] = []
        for batch in _batches(sentences):
            out.extend(self._merge(batch))
        return out

    def fit_transform(self, corpus: Any, y: Any = None) -> list[list[str]]:
        """``fit(corpus).transform(corpus)`` (token lists)."""
        return self.fit(corpus).transform(_sentences_of(corpus))

    def phrase_corpus(self, corpus: Any) -> "PhrasedCorpus":
        """A re-iterable view of ``corpus`` whose sentences have their phrases merged.

        ``corpus`` is what :meth:`fit` takes; the view can be given to
        :class:`~ngramvec.Corpus` (``Corpus(view, lowercase=False)``), SGNS, or
        another Phrases.
        """
        self._check_fitted()
        return PhrasedCorpus(self, corpus)

    def __getitem__(self, sentence: Any) -> Any:
        """gensim's ``phrases[...]``: a sentence (list of str) gives its merged tokens;
        a corpus (iterable of sentences) gives a :class:`PhrasedCorpus`."""
        self._check_fitted()
        if isinstance(sentence, str):
            raise TypeError("phrases[...] takes a list of tokens or a corpus, not a str")
        if isinstance(sentence, (list, tuple)) and (not sentence or isinstance(sentence[0], str)):
            return self._merge([list(sentence)])[0]
        return PhrasedCorpus(self, sentence)

    def _merge(self, batch: list[list[str]]) -> list[list[str]]:
        """Apply every pass to a batch of sentences."""
        if not batch:
            return []
        get = self._token_index.get
        lengths = np.fromiter((len(s) for s in batch), dtype=np.int64, count=len(batch))
        n = int(lengths.sum())
        units = np.fromiter((get(t, -1) for s in batch for t in s), dtype=np.int32, count=n)
        ends = np.cumsum(lengths)
        out_ends = ends
        starts = np.arange(n, dtype=np.int64)
        for trie in self._tries:
            units, starts, out_ends = _apply(trie, units, starts, out_ends)
        if starts.shape[0] == n:
            return [list(s) for s in batch]
        delim = self.delimiter
        result = []
        b = 0
        bounds = starts.tolist()
        for s, toks in enumerate(batch):
            e = int(out_ends[s])
            if e - b == len(toks):
                result.append(list(toks))
            else:
                cut = bounds[b:e] + [int(ends[s])]
                a0 = int(ends[s]) - len(toks)
                result.append([toks[x - a0] if y - x == 1 else delim.join(toks[x - a0:y - a0])
                               for x, y in zip(cut[:-1], cut[1:])])
            b = e
        return result


class PhrasedCorpus:
    """A corpus whose sentences have the phrases of a fitted :class:`Phrases` merged.

    Re-iterable when its source is (a path, a Corpus, a list); yields lists of str.
    """

    def __init__(self, phrases: Phrases, source: Any) -> None:
        self.phrases = phrases
        self.source = source

    def __iter__(self) -> Iterator[list[str]]:
        for batch in _batches(_sentences_of(self.source)):
            yield from self.phrases._merge(batch)

    def __repr__(self) -> str:
        return f"PhrasedCorpus({self.phrases!r}, {type(self.source).__name__})"


# --------------------------------------------------------------------------- helpers


def _check_connectors(words: Any, delimiter: str, owner: str) -> frozenset:
    """``connector_words`` as a frozenset of non-empty tokens without the delimiter."""
    if isinstance(words, (str, bytes)):
        raise TypeError(f"The 'connector_words' parameter of {owner} must be an iterable of "
                        f"str (a set of words), not a single {type(words).__name__}. Got "
                        f"{words!r} instead.")
    try:
        out = frozenset(words)
    except TypeError:
        raise TypeError(f"The 'connector_words' parameter of {owner} must be an iterable of "
                        f"str. Got {words!r} instead.") from None
    for w in out:
        if not isinstance(w, str) or w == "" or any(ch.isspace() for ch in w):
            raise ValueError(f"The 'connector_words' parameter of {owner} must hold non-empty "
                             f"str tokens without whitespace. Got {w!r} among them.")
        if delimiter and delimiter in w:
            raise ValueError(f"The 'connector_words' parameter of {owner} holds {w!r}, which "
                             f"contains the 'delimiter' {delimiter!r}; choose another "
                             f"delimiter")
    return out


def _as_encoded(corpus: Any, progress: bool, n_threads: int = 1) -> Any:
    """The corpus as ids: an EncodedCorpus (given, or the one a Corpus holds already),
    the ids of a path or Corpus encoded in memory (the compiled tokenizer; nothing
    written), or, for token lists, :class:`_ListIds`."""
    if isinstance(corpus, EncodedCorpus):
        return corpus
    if isinstance(corpus, Corpus):
        if corpus._encoded is not None:         # encoded already (corpus.encoded())
            return corpus._encoded
        return encode_in_memory(corpus, progress=progress, n_threads=n_threads)
    if isinstance(corpus, (str, os.PathLike)):
        return encode_in_memory(Corpus(corpus), progress=progress, n_threads=n_threads)
    if isinstance(corpus, (bytes, bytearray)):
        raise TypeError("The 'corpus' of Phrases.fit must be a Corpus, a path or an iterable "
                        "of token lists, not bytes")
    return _ListIds(corpus, n_threads)


class _ListIds:
    """Token lists turned into ids in memory, taken as they are (what gensim counts).

    A compiled string table (:class:`~ngramvec.models._phrases.TokenTable`) gives
    every distinct token an id in order of first occurrence, reading each token's
    bytes in place, looking them up in ``n_threads`` threads (the ids do not depend on
    it); the ids are stored as int32 arrays of a batch of sentences at a time.
    """

    def __init__(self, sentences: Iterable[Sequence[str]], n_threads: int = 1) -> None:
        table = TokenTable()
        parts: list[np.ndarray] = []
        lengths: list[np.ndarray] = []
        try:
            it = iter(sentences)
        except TypeError:
            raise TypeError("The 'corpus' of Phrases.fit must be a Corpus, a path or an "
                            f"iterable of token lists. Got {type(sentences).__name__} "
                            "instead.") from None
        done = 0
        if isinstance(sentences, list):       # no copy: batches are slices of it
            batches: Iterator[list] = (sentences[a:a + _BATCH_SENTENCES]
                                       for a in range(0, len(sentences), _BATCH_SENTENCES))
        else:
            batches = iter(lambda: list(itertools.islice(it, _BATCH_SENTENCES)), [])
        for batch in batches:
            # TypeError on a bad sentence or token
            out, lens = table.encode(batch, done, n_threads)
            parts.append(out)
            lengths.append(lens)
            done += len(batch)
        self.ids = np.concatenate(parts) if parts else np.zeros(0, np.int32)
        self.ends = np.cumsum(np.concatenate(lengths)) if lengths else np.zeros(0, np.int64)
        self.lexicon_keys = table.keys()
        self.lexicon_counts = table.counts()
        self.n_tokens = int(self.ids.shape[0])
        self.meta = {"corpus": {"source": "<token lists>"}}


def _sentences_of(corpus: Any) -> Iterable[Sequence[str]]:
    """Sentences as token lists, read as :func:`_as_encoded` reads them."""
    if isinstance(corpus, (str, os.PathLike)):
        return Corpus(corpus)
    return corpus


def _batches(sentences: Iterable[Sequence[str]]) -> Iterator[list[list[str]]]:
    """Lists of sentences of about _BATCH_TOKENS tokens."""
    if isinstance(sentences, str):
        raise TypeError("expected an iterable of sentences (lists of str), got a str")
    batch: list = []
    n = 0
    for s in sentences:
        if isinstance(s, str):
            raise TypeError("expected sentences as lists of str tokens, got a str sentence; "
                            "split it (or use phrases[tokens] for one sentence)")
        batch.append(s)
        n += len(s)
        if n >= _BATCH_TOKENS:
            yield batch
            batch, n = [], 0
    if batch:
        yield batch


def _ranked(ids: Any, rank: np.ndarray) -> np.ndarray:
    """``rank[ids]`` as int32, in blocks (the ids may be a memory map); ids out of range
    raise ValueError."""
    n = int(ids.shape[0])
    out = np.empty(n, dtype=np.int32)
    step = 1 << 22
    for a in range(0, n, step):
        block = np.asarray(ids[a:a + step])
        if block.size and (int(block.min()) < 0 or int(block.max()) >= rank.shape[0]):
            raise ValueError(f"token id out of range [0, {rank.shape[0]}) in the corpus")
        np.take(rank, block, out=out[a:a + step])
    return out


def _trie(seqs: Sequence[np.ndarray], first_id: int, is_conn: np.ndarray) -> PhraseTrie:
    """The PhraseTrie of phrases ``seqs`` (output ids from ``first_id``)."""
    offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
    np.cumsum([len(s) for s in seqs], out=offsets[1:])
    units = np.concatenate(seqs).astype(np.int32) if seqs else np.zeros(0, np.int32)
    out_ids = np.arange(first_id, first_id + len(seqs), dtype=np.int32)
    return PhraseTrie(units, offsets, out_ids, np.ascontiguousarray(is_conn, dtype=np.uint8))


def _apply(trie: PhraseTrie, units: np.ndarray, starts: np.ndarray,
           ends: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    out_units = np.empty(units.shape[0], dtype=np.int32)
    out_starts = np.empty(units.shape[0], dtype=np.int64)
    out_ends = np.empty(ends.shape[0], dtype=np.int64)
    n = phrases_apply(trie, units, starts, ends, out_units, out_starts, out_ends)
    return out_units[:n], out_starts[:n], out_ends


def _apply_all(tries: list, ids: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The corpus with every trie applied, in chunks of sentences (unit ids only)."""
    out_ids = []
    out_ends = []
    base = 0
    for s0 in range(0, len(ends), _CHUNK_SENTENCES):
        s1 = min(s0 + _CHUNK_SENTENCES, len(ends))
        a = int(ends[s0 - 1]) if s0 else 0
        u = np.ascontiguousarray(ids[a:int(ends[s1 - 1])], dtype=np.int32)
        e = np.asarray(ends[s0:s1], dtype=np.int64) - a
        st = np.zeros(u.shape[0], dtype=np.int64)
        for trie in tries:
            u, st, e = _apply(trie, u, st, e)
        out_ids.append(u)
        out_ends.append(e + base)
        base += int(u.shape[0])
    if not out_ids:
        return np.zeros(0, np.int32), np.zeros(0, np.int64)
    return np.concatenate(out_ids), np.concatenate(out_ends)
