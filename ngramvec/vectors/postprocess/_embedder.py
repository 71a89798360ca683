"""The machinery of the sentence embedders: tokens to ids, weighted averages, common
components, statistics of unknown words.

A sentence is a string (split by the library's word tokenizer,
:func:`ngramvec.tokenize`, the compiled one of :class:`ngramvec.Corpus`) or a list of
tokens (used as given, so pre-tokenized input needs no compiled extension). Tokens that
are not keys of the word vectors are skipped and counted; a sentence without any known
token gets the zero vector and is reported (an :class:`EmptySentenceWarning` and the
``stats`` of :meth:`embed`), never NaN. The embedders themselves are in
:mod:`ngramvec.vectors.postprocess.sentence`.
"""
from __future__ import annotations

import logging
import warnings
import zlib
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse
from sklearn.base import TransformerMixin

from ngramvec.base.estimator import Estimator
from ngramvec.base.persist import ArraySpec, Saved
from ngramvec.base.validation import check_int, check_param
from ngramvec.data.corpus import tokenize
from ngramvec.vectors.postprocess._base import (
    EmptySentenceWarning,
    PostprocessPersist,
    RankDeficientWarning,
    eigh_descending,
    gram_float64,
)

logger = logging.getLogger(__name__)

__all__ = ["EmbeddingStats", "tokenize_sentence"]


def tokenize_sentence(text: str, lowercase: bool = True) -> list[str]:
    """Split a sentence into words with the library's tokenizer (``tokenizer="words"``).

    This is :func:`ngramvec.tokenize`, the compiled tokenizer of :class:`ngramvec.Corpus`,
    so sentences are split exactly as training text is.

    Parameters
    ----------
    text : str
    lowercase : bool, default=True

    Returns
    -------
    list of str

    Raises
    ------
    ExtensionNotBuiltError
        The compiled extensions are not built (pass token lists instead).

    Examples
    --------
    >>> tokenize_sentence("A girl isn't styling her hair.")
    ['a', 'girl', "isn't", 'styling', 'her', 'hair']
    """
    return list(tokenize(text, lowercase=lowercase))


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


class _SentenceEmbedder(TransformerMixin, PostprocessPersist, Estimator):
    """Weighted average of known word vectors, minus weighted common components."""

    _persist_attributes = ("weights_", "components_", "singular_values_",
                           "component_weights_", "dim_", "n_keys_")
    _persist_schema = {"weights_": ArraySpec("f", ("n_keys",)),
                       "components_": ArraySpec("f", ("m", "dim")),
                       "singular_values_": ArraySpec("f", ("m",)),
                       "component_weights_": ArraySpec("f", ("m",))}
    _persist_skip_params = ("keyed_vectors", "word_frequencies")
    #: normalisation of the word vectors before averaging: None, "words", "dimensions"
    _normalize: str | None = None
    #: weigh the tokens of a sentence by their position (SGPT) instead of equally
    _position_weighted: bool = False

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
        lowercase = check_param(self.lowercase, "lowercase", owner)
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
        if self._position_weighted:
            # SGPT's pooling: the p-th known token (1-based) weighs p / (1 + 2 + ... + |s|)
            position = np.arange(1, indices.size + 1) - np.repeat(indptr[:-1], counts)
            data = self.weights_[used][local] * (2.0 * position / (row_len * (row_len + 1.0)))
        else:
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
        self._validate_params()

    def _fit_weights(self, vectors: np.ndarray, keys: Sequence[str],
                     lengths: np.ndarray) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def _n_components(self) -> Any:
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
        m = check_int(self._n_components(), "n_components", owner, 0, self.dim_,
                      why=f"for {self.dim_}-dimensional vectors")
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
        self._check_fitted()
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
            ``lowercase``; this needs the compiled extensions); token lists are used
            as given.

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

    def _persist_extra(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {}, {"keys_crc32": int(self._keys_crc32)}

    def _persist_restore(self, saved: Saved, path: str) -> None:
        crc = int(saved.state.get("keys_crc32", saved.arrays.get("keys_crc32", -1)))
        self.dim_, self.n_keys_ = int(self.dim_), int(self.n_keys_)
        # the arrays must fit the sizes they are used with (one weight per key, components
        # of the vectors' dimension): transform indexes them without checks
        if self.weights_.shape[0] != self.n_keys_ or (
                self.components_.size and self.components_.shape[1] != self.dim_):
            raise ValueError(f"{type(self).__name__}: {self.weights_.shape[0]} word weights and "
                             f"components of shape {self.components_.shape} do not fit "
                             f"{self.n_keys_} keys of dimension {self.dim_}")
        vectors, _, keys = self._vectors()
        if vectors.shape != (self.n_keys_, self.dim_) or _fingerprint(keys) != crc:
            raise ValueError(f"{type(self).__name__} was saved with other word vectors "
                             f"({self.n_keys_} x {self.dim_}, different keys); pass the "
                             f"KeyedVectors it was fitted with.")
        self._keys_crc32 = crc
