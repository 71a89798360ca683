"""Sentence vectors from word vectors: plain average, SIF and uSIF.

A sentence is a string (split by the library's default word tokenizer,
``ngramvec.corpus.tokenize``) or a list of tokens (used as given). Tokens that are not
keys of the word vectors are skipped and counted; a sentence without any known token
gets the zero vector and is reported (an :class:`EmptySentenceWarning` and the
``stats`` of :meth:`embed`), never NaN.

``fit`` computes everything that depends on a set of sentences (the common
components, and uSIF's ``a``); ``transform`` embeds new sentences with those stored
values, so a sentence gets the same vector whatever it is embedded with.
"""
from __future__ import annotations

import functools
import logging
import re
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import scipy.sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ngramvec.base.validation import check_bool, check_float, check_int, check_option
from ngramvec.vectors.postprocess._base import (
    EmptySentenceWarning,
    NpzMixin,
    RankDeficientWarning,
    eigh_descending,
    gram_float64,
)

logger = logging.getLogger(__name__)

__all__ = ["EmbeddingStats", "WordAverage", "SIF", "USIF", "tokenize_sentence"]

#: Used when ``ngramvec.corpus`` is not importable: runs of letters and digits, with
#: inner apostrophes (``don't``, ``o’clock``), on lowercased text.
_FALLBACK_TOKEN_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


@functools.lru_cache(maxsize=1)
def _library_tokenizer() -> Callable[..., list[str]] | None:
    try:
        from ngramvec.data.corpus import tokenize  # compiled; may be missing in a source tree
    except ImportError:
        logger.debug("ngramvec.corpus.tokenize not available; using the regex fallback")
        return None
    return tokenize


def tokenize_sentence(text: str, lowercase: bool = True) -> list[str]:
    """Split a sentence into words with the library's default tokenizer.

    Uses ``ngramvec.corpus.tokenize(text, lowercase=lowercase)`` when importable,
    otherwise the regex ``[^\\W_]+(?:['’][^\\W_]+)*`` on (lowercased) text.

    Parameters
    ----------
    text : str
    lowercase : bool, default=True

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokenize_sentence("A girl isn't styling her hair.")
    ['a', 'girl', "isn't", 'styling', 'her', 'hair']
    """
    tok = _library_tokenizer()
    if tok is not None:
        return list(tok(text, lowercase=lowercase))
    return _FALLBACK_TOKEN_RE.findall(text.lower() if lowercase else text)


@dataclass(frozen=True)
class EmbeddingStats:
    """What happened to the tokens of a batch of sentences.

    Attributes
    ----------
    n_sentences : int
    n_tokens : int
        All tokens, known or not.
    n_unknown : int
        Tokens that are not keys of the word vectors (skipped).
    empty : ndarray of shape (n_empty,), int64
        Indices of the sentences without any known token (zero vectors).
    """

    n_sentences: int
    n_tokens: int
    n_unknown: int
    empty: np.ndarray

    @property
    def n_empty(self) -> int:
        """Number of sentences embedded as zero vectors."""
        return int(self.empty.size)

    @property
    def coverage(self) -> float:
        """Fraction of tokens that are known (1.0 when there are no tokens)."""
        return 1.0 - self.n_unknown / self.n_tokens if self.n_tokens else 1.0


def _fingerprint(keys: Sequence[str]) -> int:
    """CRC-32 of the keys, to check that a loaded embedder meets the same vectors."""
    crc = 0
    for start in range(0, len(keys), 65536):
        crc = zlib.crc32("\n".join(keys[start:start + 65536]).encode("utf-8", "surrogatepass"),
                         crc)
    return crc


class _SentenceEmbedder(NpzMixin, TransformerMixin, BaseEstimator):
    """Weighted average of known word vectors, minus weighted common components."""

    _npz_attributes = ("weights_", "components_", "singular_values_", "component_weights_",
                       "dim_", "n_keys_")
    _npz_skip_params = ("keyed_vectors", "word_frequencies")
    #: normalisation of the word vectors before averaging: None, "words", "dimensions"
    _normalize: str | None = None

    # -- inputs ----------------------------------------------------------------

    def _vectors(self) -> tuple[np.ndarray, dict[str, int], Sequence[str]]:
        owner = type(self).__name__
        kv = self.keyed_vectors
        try:
            vectors, key_to_index, keys = kv.vectors, kv.key_to_index, kv.index_to_key
        except AttributeError:
            raise TypeError(f"The 'keyed_vectors' parameter of {owner} must be a KeyedVectors "
                            f"(with vectors, index_to_key, key_to_index). Got "
                            f"{type(kv).__name__} instead.") from None
        vectors = np.asarray(vectors)
        if vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise TypeError(f"{owner} needs keyed_vectors.vectors as a 2-d float array; got "
                            f"dtype {vectors.dtype} and shape {vectors.shape}.")
        if vectors.dtype not in (np.float32, np.float64):
            vectors = vectors.astype(np.float64)
        if vectors.shape[0] == 0:
            raise ValueError(f"{owner} needs at least one word vector; keyed_vectors is empty.")
        return vectors, key_to_index, keys

    def _encode(self, sentences: Iterable[Any], key_to_index: dict[str, int]
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, EmbeddingStats]:
        """Token ids of the known words of each sentence (CSR layout) and statistics."""
        owner = type(self).__name__
        if isinstance(sentences, (str, bytes)):
            raise TypeError(f"{owner} needs an iterable of sentences (strings or token lists); "
                            f"got a single {type(sentences).__name__}. Wrap it in a list.")
        try:
            iterator = iter(sentences)
        except TypeError:
            raise TypeError(f"{owner} needs an iterable of sentences (strings or token lists); "
                            f"got {type(sentences).__name__}.") from None
        lowercase = check_bool(self.lowercase, "lowercase", owner)
        indptr = [0]
        indices: list[int] = []
        lengths: list[int] = []  # all tokens per sentence
        get = key_to_index.get
        for i, sent in enumerate(iterator):
            if isinstance(sent, str):
                tokens = tokenize_sentence(sent, lowercase)
            elif isinstance(sent, (list, tuple)):
                tokens = sent
                if not all(isinstance(t, str) for t in tokens):
                    raise TypeError(f"sentence {i} given to {owner} is a token list with "
                                    f"non-str items.")
            else:
                raise TypeError(f"sentence {i} given to {owner} must be a str or a list of str "
                                f"tokens; got {type(sent).__name__}.")
            ids = [j for j in map(get, tokens) if j is not None]
            indices.extend(ids)
            indptr.append(len(indices))
            lengths.append(len(tokens))
        n = len(lengths)
        if n == 0:
            raise ValueError(f"{owner} got no sentences (an empty iterable).")
        indptr_a = np.asarray(indptr, dtype=np.int64)
        counts = np.diff(indptr_a)
        lengths_a = np.asarray(lengths, dtype=np.int64)
        stats = EmbeddingStats(n_sentences=n, n_tokens=int(lengths_a.sum()),
                               n_unknown=int(lengths_a.sum() - counts.sum()),
                               empty=np.flatnonzero(counts == 0).astype(np.int64))
        return indptr_a, np.asarray(indices, dtype=np.int64), lengths_a, stats

    # -- arithmetic ------------------------------------------------------------

    def _average(self, indptr: np.ndarray, indices: np.ndarray, vectors: np.ndarray
                 ) -> np.ndarray:
        """Mean over the known tokens of ``weights_[w] * v_w`` (normalised per mode)."""
        n = indptr.size - 1
        counts = np.diff(indptr)
        if indices.size == 0:
            return np.zeros((n, vectors.shape[1]), dtype=vectors.dtype)
        # Only the vectors of words that occur are touched: columns renumbered.
        used, local = np.unique(indices, return_inverse=True)
        sub = vectors[used]
        row_len = np.repeat(counts, counts).astype(np.float64)  # |s| for each token
        data = self.weights_[used][local] / row_len
        if self._normalize == "words":
            norms = np.linalg.norm(sub.astype(np.float64), axis=1)
            inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
            data = data * inv[local]
        m = scipy.sparse.csr_matrix((data.astype(sub.dtype), local, indptr),
                                    shape=(n, used.size))
        out = np.asarray(m @ sub)
        if self._normalize == "dimensions":
            # Each coordinate divided by its norm over the tokens of the sentence.
            ones = scipy.sparse.csr_matrix((np.ones(local.size, dtype=sub.dtype), local, indptr),
                                           shape=(n, used.size))
            den = np.sqrt(np.asarray(ones @ (sub * sub)))
            np.divide(out, den, out=out, where=den > 0)
            out[den == 0] = 0.0
        return out

    def _remove_components(self, X: np.ndarray) -> np.ndarray:
        if self.components_.shape[0]:
            u = self.components_.astype(X.dtype)
            lam = self.component_weights_.astype(X.dtype)
            X -= ((X @ u.T) * lam) @ u
        return X

    def _report(self, stats: EmbeddingStats, what: str) -> None:
        owner = type(self).__name__
        logger.info("%s.%s: %d sentences, %d tokens, %d unknown (%.1f%% coverage)", owner, what,
                    stats.n_sentences, stats.n_tokens, stats.n_unknown, 100 * stats.coverage)
        if stats.n_empty:
            warnings.warn(f"{owner}.{what}: {stats.n_empty} of {stats.n_sentences} sentences have "
                          f"no known word (first: sentence {int(stats.empty[0])}); their "
                          f"vectors are zero.", EmptySentenceWarning, stacklevel=3)

    # -- estimator API ---------------------------------------------------------

    def _check_params(self) -> None:
        check_bool(self.lowercase, "lowercase", type(self).__name__)

    def _fit_weights(self, vectors: np.ndarray, keys: Sequence[str],
                     lengths: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _n_components(self) -> int:
        return 0

    def fit(self, sentences: Iterable[Any], y: Any = None) -> "_SentenceEmbedder":
        """Compute the word weights and the common components of ``sentences``.

        Parameters
        ----------
        sentences : iterable of str or of list of str
            One pass is made (a generator is fine).
        y : None
            Ignored.

        Returns
        -------
        self
        """
        self._fit(sentences)
        return self

    def _fit(self, sentences: Iterable[Any]) -> np.ndarray:
        self._check_params()
        owner = type(self).__name__
        vectors, key_to_index, keys = self._vectors()
        indptr, indices, lengths, stats = self._encode(sentences, key_to_index)
        self.dim_ = int(vectors.shape[1])
        self.n_keys_ = int(vectors.shape[0])
        self.weights_ = self._fit_weights(vectors, keys, lengths)
        X = self._average(indptr, indices, vectors)
        m = self._n_components()
        if m > self.dim_:
            raise ValueError(f"The 'n_components' parameter of {owner} must be an int in the "
                             f"range [0, {self.dim_}] for {self.dim_}-dimensional vectors. Got "
                             f"{m} instead.")
        if m > stats.n_sentences:
            raise ValueError(f"n_components={m} is larger than the number of fit sentences "
                             f"({stats.n_sentences}); {owner} cannot estimate {m} common "
                             f"components from them.")
        values, comps = eigh_descending(gram_float64(X))
        top = values[:m]
        n_null = int(np.count_nonzero(top <= 1e-12 * max(values[0], np.finfo(float).tiny)))
        if m and n_null:
            warnings.warn(f"{owner}: {n_null} of the {m} common components have no variance in "
                          f"the fit sentences; pass a smaller n_components.",
                          RankDeficientWarning, stacklevel=3)
        self.components_ = np.ascontiguousarray(comps[:m])
        self.singular_values_ = np.sqrt(top)
        self.component_weights_ = self._component_weights(self.singular_values_)
        self._keys_crc32 = _fingerprint(keys)
        self.fit_stats_ = stats
        self._report(stats, "fit")
        return X

    def _component_weights(self, singular_values: np.ndarray) -> np.ndarray:
        return np.ones_like(singular_values)

    def embed(self, sentences: Iterable[Any]) -> tuple[np.ndarray, EmbeddingStats]:
        """Embed sentences and say how many tokens were unknown.

        Parameters
        ----------
        sentences : iterable of str or of list of str

        Returns
        -------
        X : ndarray of shape (n_sentences, dim)
            dtype of ``keyed_vectors.vectors`` (float32 for KeyedVectors; float64 for
            float64 vectors). A sentence without known words is a zero row.
        stats : EmbeddingStats
        """
        check_is_fitted(self)
        vectors, key_to_index, keys = self._vectors()
        if vectors.shape != (self.n_keys_, self.dim_):
            raise ValueError(f"{type(self).__name__} was fitted on {self.n_keys_} x {self.dim_} "
                             f"word vectors; keyed_vectors now holds {vectors.shape[0]} x "
                             f"{vectors.shape[1]}.")
        indptr, indices, _, stats = self._encode(sentences, key_to_index)
        X = self._remove_components(self._average(indptr, indices, vectors))
        return X, stats

    def transform(self, sentences: Iterable[Any]) -> np.ndarray:
        """Embed sentences with the stored weights and common components.

        Parameters
        ----------
        sentences : iterable of str or of list of str
            Strings are split by :func:`tokenize_sentence` (lowercased if
            ``lowercase``); token lists are used as given.

        Returns
        -------
        ndarray of shape (n_sentences, dim), dtype of ``keyed_vectors.vectors``

        Warns
        -----
        EmptySentenceWarning
            Some sentences have no known word; their rows are zero.
        """
        X, stats = self.embed(sentences)
        self._report(stats, "transform")
        return X

    def fit_transform(self, sentences: Iterable[Any], y: Any = None,
                      **fit_params: Any) -> np.ndarray:
        """``fit(sentences).transform(sentences)`` with a single pass over ``sentences``.

        Parameters
        ----------
        sentences : iterable of str or of list of str
        y : None
            Ignored.

        Returns
        -------
        ndarray of shape (n_sentences, dim), dtype of ``keyed_vectors.vectors``
        """
        return self._remove_components(self._fit(sentences))

    # -- persistence -----------------------------------------------------------

    def _npz_extra(self) -> dict[str, np.ndarray]:
        return {"keys_crc32": np.array(self._keys_crc32, dtype=np.int64)}

    def _npz_restore(self, files: dict[str, np.ndarray]) -> None:
        vectors, _, keys = self._vectors()
        if vectors.shape != (self.n_keys_, self.dim_) or _fingerprint(keys) != int(
                files["keys_crc32"]):
            raise ValueError(f"{type(self).__name__} was saved with other word vectors "
                             f"({self.n_keys_} x {self.dim_}, different keys); pass the "
                             f"KeyedVectors it was fitted with.")
        self._keys_crc32 = int(files["keys_crc32"])


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
    """Plain average of the known word vectors of each sentence.

    The baseline of SIF and uSIF: no weights, no component removal. ``fit`` only
    checks the word vectors (it does not read ``sentences``), so it can precede
    :class:`~ngramvec.postprocess.Whitening` in a :class:`sklearn.pipeline.Pipeline`.

    Parameters
    ----------
    keyed_vectors : KeyedVectors
        Any object with ``vectors`` (n_keys, dim), ``index_to_key``, ``key_to_index``.
    lowercase : bool, default=True
        Lowercase string sentences before tokenizing (token lists are used as given).

    Attributes
    ----------
    weights_ : ndarray of shape (n_keys,), float64
        All ones.
    components_ : ndarray of shape (0, dim), float64
    dim_, n_keys_ : int
    """

    def __init__(self, keyed_vectors: Any, lowercase: bool = True) -> None:
        self.keyed_vectors = keyed_vectors
        self.lowercase = lowercase

    word_frequencies = None  # no frequencies; keeps the persistence code uniform

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

    def _check_params(self) -> None:
        super()._check_params()
        check_float(self.a, "a", "SIF", 0.0, None, low_closed=False)
        check_int(self.n_components, "n_components", "SIF", 0, None)

    def _n_components(self) -> int:
        return int(self.n_components)

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

    _npz_attributes = _SentenceEmbedder._npz_attributes + ("a_", "alpha_", "n_")

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

    def _check_params(self) -> None:
        super()._check_params()
        check_int(self.n_components, "n_components", "USIF", 0, None)
        check_float(self.n, "n", "USIF", 0.0, None, low_closed=False, allow_none=True)
        check_option(self.normalize, "normalize", "USIF", ("words", "dimensions"))

    def _n_components(self) -> int:
        return int(self.n_components)

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
