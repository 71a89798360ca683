"""Counting and SGNS over (word, context) pair sources: the front end of ``_pairs``.

A pair source is a :class:`~ngramvec.data.pairs.PairsFile` (a text file of
``word context`` lines), an :class:`~ngramvec.data.pairs.EncodedPairs`, or a corpus
with the built-in positional contexts (``contexts="pos"``, made by
:func:`~ngramvec.data.pairs.pairs_from_corpus`). :func:`ngramvec.count_cooccurrences`
and :class:`ngramvec.SGNS` hand such sources to the functions here:

* :func:`count_pair_matrix` counts the pairs with the data layer's spill-and-merge
  engine (exact, bounded memory, any number of threads);
* :func:`init_sgns_pairs` / :func:`train_sgns_pairs` train SGNS on them as word2vecf
  does: each pair one positive example, ``negative`` negatives from the context
  vocabulary's ``counts ** ns_exponent``, the learning rate decayed linearly over
  ``epochs x pairs``, threads over blocks of the memory-mapped pair array.
"""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable

import numpy as np
import scipy.sparse as sp

from ngramvec.base.exceptions import TrainingDivergedError
from ngramvec.base.extensions import missing_extension
from ngramvec.base.validation import check_n_threads
from ngramvec.data.pairs import EncodedPairs, PairsFile, pairs_from_corpus
from ngramvec.data.spill import accumulate
from ngramvec.data.vocab import Vocabulary, as_encoded

try:
    from ngramvec.models._pairs import cooccur_count_pairs, sgns_exp_table, sgns_train_pairs
except ImportError as exc:  # not built: counting or training pairs raises
    cooccur_count_pairs = sgns_exp_table = sgns_train_pairs = missing_extension(
        "ngramvec.models._pairs", exc)
try:
    from ngramvec.models._sgns import sgns_alias_table
except ImportError as exc:
    sgns_alias_table = missing_extension("ngramvec.models._sgns", exc)

if TYPE_CHECKING:
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.encode import EncodedCorpus

logger = logging.getLogger(__name__)

__all__ = ["is_pair_source", "encoded_pairs", "count_pair_matrix", "init_sgns_pairs",
           "train_sgns_pairs", "positional_weights"]

_BLOCK = 1024             # pairs per "sentence" of the counting engine (its smallest table)
_CALLS_PER_EPOCH = 20     # kernel calls per SGNS epoch (progress and callback granularity)


def is_pair_source(x: Any) -> bool:
    """Whether ``x`` is a (word, context) pair source rather than a corpus."""
    return isinstance(x, (PairsFile, EncodedPairs))


def encoded_pairs(source: "PairsFile | EncodedPairs", tmp_dir=None,
                  progress: bool = False) -> EncodedPairs:
    """The encoded pairs of a source (a PairsFile is read on first use, then cached)."""
    if isinstance(source, EncodedPairs):
        return source
    return source.encoded(tmp_dir=tmp_dir, progress=progress)


@dataclass
class _Blocks:
    """The pair array cut into blocks, as the spill engine walks sentences."""

    ends: np.ndarray
    n_tokens: int


def count_pair_matrix(enc: EncodedPairs, *, n_threads: int, memory_limit: int, tmp_dir,
                      dtype, progress: bool, owner: str) -> tuple[sp.csr_matrix, dict]:
    """The (word, context) count matrix of encoded pairs, shape (words, contexts).

    Counts are exact integers summed by the spill-and-merge engine
    (:func:`ngramvec.data.spill.accumulate`) within ``memory_limit``; the result does
    not depend on ``n_threads`` or ``memory_limit``.
    """
    pairs = enc.pairs
    n = enc.n_pairs
    ends = np.arange(_BLOCK, n, _BLOCK, dtype=np.int64)
    ends = np.append(ends, np.int64(n)) if n else np.zeros(0, np.int64)
    blocks = _Blocks(ends, n)

    def run(pc, s0, s1):
        return cooccur_count_pairs(pc, pairs, ends, s0, s1)

    return accumulate(blocks, len(enc.vocab), len(enc.context_vocab), run, pairs_per_token=1,
                      n_threads=n_threads, memory_limit=memory_limit, tmp_dir=tmp_dir,
                      scale=1, dtype=dtype, owner=owner, progress=progress, desc="pairs")


def positional_weights(context_keys: list[str], weighting: str) -> np.ndarray | None:
    """Column weights of positional contexts: 1 / |offset| for ``"harmonic"``, None
    for ``"uniform"`` (the offset is the number after the last ``_`` of the key)."""
    if weighting == "uniform":
        return None
    d = np.fromiter((abs(int(k.rsplit("_", 1)[1])) for k in context_keys), dtype=np.float64,
                    count=len(context_keys))
    return 1.0 / d


# ---------------------------------------------------------------------- SGNS


def align_pairs(enc: EncodedPairs, vocab: Vocabulary, context_vocab: Vocabulary) -> EncodedPairs:
    """``enc`` with its ids in ``vocab`` / ``context_vocab`` (matched by key); pairs
    whose word or context is not there are dropped. ``enc`` itself when they match."""
    same_w = enc.vocab is vocab or enc.vocab.index_to_key == vocab.index_to_key
    same_c = enc.context_vocab is context_vocab or \
        enc.context_vocab.index_to_key == context_vocab.index_to_key
    if same_w and same_c:
        return enc

    def mapping(src: Vocabulary, dst: Vocabulary) -> np.ndarray:
        idx = dst.key_to_index
        return np.fromiter((idx.get(k, -1) for k in src.index_to_key), dtype=np.int32,
                           count=len(src))
    wm, cm = mapping(enc.vocab, vocab), mapping(enc.context_vocab, context_vocab)
    p = np.asarray(enc.pairs)
    m = np.stack([wm[p[:, 0]], cm[p[:, 1]]], axis=1)
    m = np.ascontiguousarray(m[(m >= 0).all(axis=1)])
    return EncodedPairs(m, vocab, context_vocab, enc.source, dict(enc.stats, pairs=len(m)))


def init_sgns_pairs(model, source: Any, vocab: Vocabulary | None, p: dict[str, Any],
                    progress: bool) -> EncodedPairs:
    """SGNS._initialize for a pair source or positional contexts (``source`` a Corpus or
    EncodedCorpus): the encoded pairs, the vocabularies and word2vec's initial weights."""
    if is_pair_source(source):
        if model.contexts not in ("word", None):
            raise ValueError(f"SGNS(contexts={model.contexts!r}) makes contexts from a corpus; "
                             "a pairs source brings its own contexts (leave contexts='word')")
        if vocab is not None:
            raise ValueError("SGNS.fit: a pairs source has its own vocabularies (give them "
                             "to PairsFile(vocab=..., context_vocab=...)), not 'vocab'")
        enc = encoded_pairs(source, progress=progress)
    else:
        enc = _positional(model, source, vocab, p, progress)
    if len(enc.vocab) < 2 or enc.n_pairs == 0:
        raise ValueError(f"SGNS needs at least two distinct words and one pair; the source "
                         f"has {len(enc.vocab)} words and {enc.n_pairs} pairs (lower "
                         "min_count or use a larger corpus)")
    dim = p["dim"]
    seed = p["seed"]
    model._seed_used = seed
    init_ss, model._thread_ss = np.random.SeedSequence(seed).spawn(2)
    rng = np.random.default_rng(init_ss)
    model._syn0 = ((rng.random((len(enc.vocab), dim), dtype=np.float32) - np.float32(0.5))
                   / np.float32(dim))
    model._syn1 = np.zeros((len(enc.context_vocab), dim), dtype=np.float32)
    model.vocabulary_ = enc.vocab
    model.input_vocabulary_ = enc.vocab
    model.context_vocabulary_ = enc.context_vocab
    model._own_contexts = True          # saved with the model (SGNS._persist_extra)
    model.epochs_trained_ = 0
    model.history_ = []
    model._rng_states = None
    model._encoded = enc
    return enc


def _positional(model, corpus: "Corpus | EncodedCorpus", vocab: Vocabulary | None, p: dict[str, Any],
                progress: bool, context_vocab: Vocabulary | None = None) -> EncodedPairs:
    """The positional pairs of a corpus under the model's window settings."""
    enc = as_encoded(corpus, progress=progress)
    if vocab is None:
        vocab = Vocabulary.build(enc, min_count=p["min_count"], max_size=p["max_size"],
                                 n_threads=model.n_threads)
    elif not isinstance(vocab, Vocabulary):
        raise TypeError("The 'vocab' parameter of SGNS.fit must be a Vocabulary or None. "
                        f"Got {type(vocab).__name__} instead.")
    pairs = pairs_from_corpus(enc, vocab, window=p["window"], contexts="pos",
                              dynamic_window=bool(p["dynamic_window"]), sample=p["sample"],
                              seed=p["seed"], progress=progress)
    if context_vocab is not None:
        pairs = align_pairs(pairs, vocab, context_vocab)
    return pairs


def more_pairs(model, source: Any, p: dict[str, Any], progress: bool) -> EncodedPairs:
    """The pairs of ``source`` (a pair source, or a Corpus / EncodedCorpus with
    positional contexts) for partial_fit of a fitted model, in the model's ids."""
    wv, cv = model.input_vocabulary_, model.context_vocabulary_
    done = source._encoded if isinstance(source, PairsFile) else None
    if done is not None and done.vocab is wv and done.context_vocab is cv:
        return done                     # the pairs the model was fitted on
    if isinstance(source, PairsFile):
        source = PairsFile(source.path, vocab=wv, context_vocab=cv, oov="drop")
    if is_pair_source(source):
        return align_pairs(encoded_pairs(source, progress=progress), wv, cv)
    return _positional(model, source, wv, p, progress, cv)


def train_sgns_pairs(model, enc: EncodedPairs, epochs: int, progress: bool,
                     callback: Callable[[dict], Any] | None) -> None:
    """SGNS._train for encoded pairs: ``epochs`` passes over the pairs in order."""
    n_threads = check_n_threads(model.n_threads, "SGNS")
    if model._rng_states is None or model._rng_states.shape[0] != n_threads:
        seeds = [s.generate_state(4, dtype=np.uint64) for s in model._thread_ss.spawn(n_threads)]
        model._rng_states = np.ascontiguousarray(np.stack(seeds), dtype=np.uint64)
    pairs = enc.pairs
    n = enc.n_pairs
    if n == 0:
        raise ValueError("SGNS: the pair source has no pairs")
    weights = model.context_vocabulary_.counts.astype(np.float64) ** float(model.ns_exponent)
    alias = sgns_alias_table(weights)
    exp_table = sgns_exp_table()
    done = np.zeros(1, dtype=np.int64)
    total = n * epochs
    lr0, min_lr = float(model.lr), float(model.min_lr)
    step = max(1, -(-n // _CALLS_PER_EPOCH))
    bar = None
    if progress:
        from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
        bar = tqdm(total=total, unit="pair", unit_scale=True, desc="SGNS")
    model._kv_cache = {}
    try:
        for _ in range(epochs):
            t0 = time.perf_counter()
            trained, loss = 0, 0.0
            for lo in range(0, n, step):
                hi = min(lo + step, n)
                k, l_ = sgns_train_pairs(model._syn0, model._syn1, pairs, lo, hi, alias,
                                         exp_table, model._rng_states, done,
                                         int(model.negative), lr0, min_lr, total,
                                         bool(model.compute_loss))
                trained += k
                loss += l_
                if bar is not None:
                    bar.update(k)
            secs = time.perf_counter() - t0
            model.epochs_trained_ += 1
            lr_now = max(min_lr, lr0 - (lr0 - min_lr) * float(done[0]) / total)
            if not (np.isfinite(model._syn0).all() and np.isfinite(model._syn1).all()):
                raise TrainingDivergedError(
                    f"SGNS diverged in epoch {model.epochs_trained_}: the vectors hold NaN or "
                    f"Inf; lower lr (now {model.lr})")
            stats = {"epoch": model.epochs_trained_, "words": trained, "seconds": secs,
                     "words_per_sec": trained / secs if secs > 0 else float("inf"),
                     "lr": lr_now, "pairs": trained, "batches": 0,
                     "loss": loss / max(trained, 1) if model.compute_loss else None}
            model.history_.append(stats)
            logger.info("SGNS epoch %d: %s pairs in %.2fs (%.0f pairs/s), lr %.5f",
                        stats["epoch"], f"{trained:,}", secs, stats["words_per_sec"], lr_now)
            if callback is not None:
                callback(dict(stats))
    finally:
        if bar is not None:
            bar.close()
