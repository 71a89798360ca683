"""Sentence vectors from word vectors: plain average, SIF and uSIF.

``fit`` computes everything that depends on a set of sentences (the common
components, and uSIF's ``a``); ``transform`` embeds new sentences with those stored
values, so a sentence gets the same vector whatever it is embedded with. Sentences,
tokens and unknown words are handled as :mod:`ngramvec.vectors.postprocess._embedder`
describes: strings go through the library's tokenizer, token lists are used as given.
"""
from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Iterable, Sequence

import numpy as np

from ngramvec.vectors.postprocess._embedder import EmbeddingStats, _SentenceEmbedder, \
    tokenize_sentence

logger = logging.getLogger(__name__)

__all__ = ["EmbeddingStats", "WordAverage", "SIF", "USIF", "tokenize_sentence"]


def _word_probabilities(est: _SentenceEmbedder, keys: Sequence[str]
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Unigram probabilities of the keys, and of every entry of the frequency table.

    Returns ``(p_keys (n_keys,), p_table (vocab_size,))``, float64. Counts come from
    ``word_frequencies`` (a mapping word -> count or probability, or an array aligned
    with the keys) or else ``keyed_vectors.counts``; they are normalised by their total.
    Keys missing from a mapping get the smallest probability of the table (as in the
    reference uSIF code).
    """
    owner = type(est).__name__
    wf = est.word_frequencies
    n_keys = len(keys)
    if wf is None:
        counts = getattr(est.keyed_vectors, "counts", None)
        if counts is None:
            raise ValueError(f"{owner} needs word frequencies, but keyed_vectors.counts is None. "
                             f"Pass word_frequencies= (a dict word -> count, or an array "
                             f"aligned with keyed_vectors.index_to_key).")
        table, source = np.asarray(counts, dtype=np.float64), "keyed_vectors.counts"
    elif isinstance(wf, Mapping):
        table, source = np.fromiter(wf.values(), dtype=np.float64, count=len(wf)), \
            "word_frequencies"
    else:
        table, source = np.asarray(wf, dtype=np.float64), "word_frequencies"
    if table.ndim != 1 or table.size == 0:
        raise ValueError(f"{owner}: {source} must be a non-empty 1-d sequence of counts; got "
                         f"shape {table.shape}.")
    if not np.isfinite(table).all() or (table < 0).any():
        raise ValueError(f"{owner}: {source} must hold finite counts >= 0.")
    total = table.sum()
    if total <= 0:
        raise ValueError(f"{owner}: {source} sum to 0; no probability can be estimated.")
    p_table = table / total
    if isinstance(wf, Mapping):
        p_min = p_table[p_table > 0].min()
        get = wf.get
        raw = np.fromiter((get(k, -1.0) for k in keys), dtype=np.float64, count=n_keys)
        missing = raw < 0
        if missing.any():
            logger.info("%s: %d of %d keys have no frequency; given the smallest probability "
                        "%.3g", owner, int(missing.sum()), n_keys, p_min)
        p_keys = np.where(missing, p_min, raw / total)
    else:
        if table.size != n_keys:
            raise ValueError(f"{owner}: {source} has {table.size} entries but there are "
                             f"{n_keys} word vectors.")
        p_keys = p_table
    return p_keys, p_table


class WordAverage(_SentenceEmbedder):
    """Average of the known word vectors of each sentence, plain or position-weighted.

    The baseline of SIF and uSIF: no word weights, no component removal. ``fit`` only
    checks the word vectors (it does not read ``sentences``), so it can precede
    :class:`~ngramvec.postprocess.Whitening` in a :class:`sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    keyed_vectors : KeyedVectors
        Any object with ``vectors`` (n_keys, dim), ``index_to_key``, ``key_to_index``.
    lowercase : bool, default=True
        Lowercase string sentences before tokenizing (token lists are used as given).
    weights : {"uniform", "position"}, default="uniform"
        ``"uniform"``: the mean of the known word vectors. ``"position"``: SGPT's
        position-weighted mean (Muennighoff 2022), where the ``p``-th known token of a
        sentence of ``m`` known tokens weighs ``p / (1 + 2 + ... + m) = 2p / (m (m +
        1))``, so later tokens count more. Positions are counted over the known tokens
        (unknown ones are skipped, as in the plain mean). SGPT weighs the hidden states
        of a causal language model, where a later state has seen more of the sentence;
        static word vectors have no such reason. Measured on STS-B test
        (``benchmarks/README.md``, "Supervised sentence heads"): without any remedy it
        beats the plain average (+5.8 points on SGNS vectors, +7.2 on PPMI-SVD), but
        after whitening it is 1.5 / 3.9 points below, under the best supervised head
        6.6 / 6.1 below, and below SIF and uSIF throughout: it does not help.

    Attributes
    ----------
    weights_ : ndarray of shape (n_keys,), float64
        All ones (word weights; the position weights are applied per sentence).
    components_ : ndarray of shape (0, dim), float64
    dim_, n_keys_ : int

    References
    ----------
    Muennighoff (2022). SGPT: GPT Sentence Embeddings for Semantic Search.
    arXiv:2202.08904 (position-weighted mean pooling).
    """

    def __init__(self, keyed_vectors: Any, lowercase: bool = True,
                 weights: str = "uniform") -> None:
        self.keyed_vectors = keyed_vectors
        self.lowercase = lowercase
        self.weights = weights

    word_frequencies = None  # no frequencies; keeps the persistence code uniform

    @property
    def _position_weighted(self) -> bool:  # type: ignore[override]
        return self.weights == "position"

    def _fit_weights(self, vectors: np.ndarray, keys: Sequence[str],
                     lengths: np.ndarray) -> np.ndarray:
        return np.ones(vectors.shape[0], dtype=np.float64)

    def fit(self, sentences: Iterable[Any] = (), y: Any = None) -> "WordAverage":
        """Check the word vectors; ``sentences`` are not read.

        Parameters
        ----------
        sentences : iterable, optional
            Ignored.
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._fit([[]])
        self.fit_stats_ = None
        return self

    def fit_transform(self, sentences: Iterable[Any], y: Any = None,
                      **fit_params: Any) -> np.ndarray:
        """``fit().transform(sentences)``."""
        return self.fit().transform(sentences)

    def _report(self, stats: EmbeddingStats, what: str) -> None:
        if what != "fit":
            super()._report(stats, what)


class SIF(_SentenceEmbedder):
    """Smooth inverse frequency sentence vectors (Arora, Liang & Ma 2017).

    1. ``v_s = (1/|s|) Σ_{w ∈ s} a / (a + p(w)) v_w`` over the known words of ``s``
       (``|s|`` counts the known words);
    2. ``v_s ← v_s - Σ_i (u_i^T v_s) u_i`` with ``u_1..u_k`` the first ``k`` right
       singular vectors of the matrix of the ``v_s`` of the *fit* sentences
       (uncentred, as in the paper; exact SVD through the float64 Gram matrix).

    Parameters
    ----------
    keyed_vectors : KeyedVectors
        Any object with ``vectors`` (n_keys, dim), ``index_to_key``, ``key_to_index``
        and, unless ``word_frequencies`` is given, ``counts`` (n_keys,).
    a : float, default=1e-3
        Smoothing, > 0. Weights ``a / (a + p(w))`` lie in (0, 1].
    n_components : int, default=1
        Common components removed, in [0, dim]; 0 keeps the weighted averages.
    word_frequencies : dict or array-like or None, default=None
        Counts (or probabilities) to take ``p(w)`` from instead of
        ``keyed_vectors.counts``: a mapping word -> count (normalised by the total of
        the mapping; words missing from it get its smallest probability), or an array
        aligned with ``keyed_vectors.index_to_key``.
    lowercase : bool, default=True
        Lowercase string sentences before tokenizing (token lists are used as given).

    Attributes
    ----------
    weights_ : ndarray of shape (n_keys,), float64
        ``a / (a + p(w))`` per key.
    components_ : ndarray of shape (n_components, dim), float64
    singular_values_ : ndarray of shape (n_components,), float64
    component_weights_ : ndarray of shape (n_components,), float64
        All ones (full projections are removed).
    dim_, n_keys_ : int
    fit_stats_ : EmbeddingStats
        Tokens and unknown words of the fit sentences.

    References
    ----------
    Arora, Liang & Ma (2017). A Simple but Tough-to-Beat Baseline for Sentence
    Embeddings. ICLR.
    """

    def __init__(self, keyed_vectors: Any, a: float = 1e-3, n_components: int = 1,
                 word_frequencies: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
                 lowercase: bool = True) -> None:
        self.keyed_vectors = keyed_vectors
        self.a = a
        self.n_components = n_components
        self.word_frequencies = word_frequencies
        self.lowercase = lowercase

    def _n_components(self) -> Any:
        return self.n_components

    def _fit_weights(self, vectors: np.ndarray, keys: Sequence[str],
                     lengths: np.ndarray) -> np.ndarray:
        p, _ = _word_probabilities(self, keys)
        return self.a / (self.a + p)


class USIF(_SentenceEmbedder):
    """Unsupervised smoothed inverse frequency (Ethayarajh 2018).

    What is implemented (notation of the paper):

    1. ``n`` is the expected random-walk length, the average sentence length; by
       default the mean number of tokens (known or not) of the fit sentences.
    2. With ``|V|`` the size of the frequency table, the threshold
       ``1 - (1 - 1/|V|)^n`` is the probability that a word of uniform probability
       occurs in a sentence of ``n`` words; ``α`` is the fraction of the table whose
       ``p(w)`` exceeds it; ``Z = |V| / 2`` (the paper's value of the partition
       function for its angular-distance model); ``a = (1 - α) / (α Z)``.
    3. Word weights ``a / (a/2 + p(w))``.
    4. The word vectors are normalised (``normalize``), weighted, and averaged over
       the known words of the sentence.
    5. Piecewise common-component removal: with ``σ_1..σ_m`` the singular values and
       ``u_1..u_m`` the right singular vectors of the (uncentred) matrix of fit
       sentence vectors, ``v_s ← v_s - Σ_i λ_i (u_i^T v_s) u_i`` with
       ``λ_i = σ_i² / Σ_{j≤m} σ_j²``.

    Parameters
    ----------
    keyed_vectors : KeyedVectors
        As for :class:`SIF`.
    n_components : int, default=5
        ``m``, common components removed, in [0, dim].
    n : float or None, default=None
        Average sentence length (> 0); None estimates it from the fit sentences. The
        authors use 11 for the STS tasks.
    word_frequencies : dict or array-like or None, default=None
        As for :class:`SIF`. ``|V|`` is the number of its entries (or of the keys when
        counts come from ``keyed_vectors.counts``).
    normalize : {"words", "dimensions"}, default="words"
        ``"words"``: each word vector is scaled to unit length, as the paper
        describes. ``"dimensions"``: each coordinate is divided by its norm over the
        words of the sentence, which is what the authors' released ``usif.py`` does
        (``np.linalg.norm(v_t, axis=0)``).
    lowercase : bool, default=True

    Attributes
    ----------
    a_, alpha_, n_ : float
        The values of ``a``, ``α`` and ``n`` used.
    weights_ : ndarray of shape (n_keys,), float64
        ``a / (a/2 + p(w))``, in (0, 2].
    components_ : ndarray of shape (m, dim), float64
    singular_values_ : ndarray of shape (m,), float64
    component_weights_ : ndarray of shape (m,), float64
        ``λ_i``.
    dim_, n_keys_ : int
    fit_stats_ : EmbeddingStats

    Notes
    -----
    Differences from the reference code: unknown words are skipped and a sentence
    without known words is the zero vector (the reference returns a constant vector
    of ``a``'s); ``n`` may be a float; the SVD is exact (reference: randomized
    ``TruncatedSVD``); the components are computed once at ``fit`` and reused by
    ``transform``.

    References
    ----------
    Ethayarajh (2018). Unsupervised Random Walk Sentence Embeddings: A Strong but
    Simple Baseline. Proceedings of the 3rd Workshop on Representation Learning for
    NLP (RepL4NLP), ACL.
    """

    _persist_attributes = _SentenceEmbedder._persist_attributes + ("a_", "alpha_", "n_")

    def __init__(self, keyed_vectors: Any, n_components: int = 5, n: float | None = None,
                 word_frequencies: Mapping[str, float] | Sequence[float] | np.ndarray | None = None,
                 normalize: str = "words", lowercase: bool = True) -> None:
        self.keyed_vectors = keyed_vectors
        self.n_components = n_components
        self.n = n
        self.word_frequencies = word_frequencies
        self.normalize = normalize
        self.lowercase = lowercase

    @property
    def _normalize(self) -> str:  # type: ignore[override]
        return self.normalize

    def _n_components(self) -> Any:
        return self.n_components

    def _fit_weights(self, vectors: np.ndarray, keys: Sequence[str],
                     lengths: np.ndarray) -> np.ndarray:
        p_keys, p_table = _word_probabilities(self, keys)
        if self.n is None:
            nonempty = lengths[lengths > 0]
            if nonempty.size == 0:
                raise ValueError("USIF cannot estimate the average sentence length n: the fit "
                                 "sentences have no tokens. Pass n=.")
            n = float(nonempty.mean())
        else:
            n = float(self.n)
        vocab = p_table.size
        threshold = 1.0 - (1.0 - 1.0 / vocab) ** n
        alpha = np.count_nonzero(p_table > threshold) / vocab
        if alpha == 0.0 or alpha == 1.0:
            raise ValueError(f"USIF: α = {alpha:g} (fraction of the {vocab} words with p(w) > "
                             f"{threshold:.3g}) leaves a = (1 - α)/(α Z) degenerate; the word "
                             f"frequencies look uniform. Check word_frequencies / counts.")
        z = 0.5 * vocab
        self.n_, self.alpha_ = n, float(alpha)
        self.a_ = float((1.0 - alpha) / (alpha * z))
        logger.info("USIF: n=%.2f, |V|=%d, alpha=%.4f, a=%.3g", n, vocab, alpha, self.a_)
        return self.a_ / (0.5 * self.a_ + p_keys)

    def _component_weights(self, singular_values: np.ndarray) -> np.ndarray:
        energy = singular_values ** 2
        total = energy.sum()
        return energy / total if total > 0 else np.zeros_like(energy)
