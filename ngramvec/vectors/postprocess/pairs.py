"""A sentence encoder and a supervised head, fitted together on text pairs.

:class:`SentencePairEncoder` is the convenience over the two steps a user would
otherwise write: fit a sentence embedder (:class:`~ngramvec.postprocess.WordAverage`,
:class:`~ngramvec.postprocess.SIF`, :class:`~ngramvec.postprocess.USIF`) on the
sentences of the training pairs, embed them, fit a head
(:class:`~ngramvec.postprocess.CoSENT`, :class:`~ngramvec.postprocess.CosineRegression`,
or an unsupervised :class:`~ngramvec.postprocess.Whitening`) on the pairs; then
``transform`` embeds any sentence and ``save`` / ``load`` keep both in one file.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Iterable

import numpy as np

from ngramvec.base.estimator import Estimator
from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import Saved, check_arrays, load_npz, save_npz
from ngramvec.vectors.postprocess._pairloss import pair_cosines
from ngramvec.vectors.postprocess.abtt import AllButTheTop
from ngramvec.vectors.postprocess.heads import CoSENT, CosineRegression, check_pairs
from ngramvec.vectors.postprocess.sentence import SIF, USIF, WordAverage
from ngramvec.vectors.postprocess.whitening import Whitening

logger = logging.getLogger(__name__)

__all__ = ["SentencePairEncoder"]

#: The classes a saved SentencePairEncoder may hold, by name (nothing else is built
#: from a file).
_ENCODERS = {c.__name__: c for c in (WordAverage, SIF, USIF)}
_HEADS = {c.__name__: c for c in (CoSENT, CosineRegression, Whitening, AllButTheTop)}
_ROLES = (("encoder", _ENCODERS), ("head", _HEADS))


def _as_list(sentences: Iterable[Any], name: str) -> list:
    if isinstance(sentences, (str, bytes)):
        raise TypeError(f"SentencePairEncoder needs {name} as an iterable of sentences (strings "
                        f"or token lists); got a single {type(sentences).__name__}. Wrap it in "
                        f"a list.")
    try:
        return list(sentences)
    except TypeError:
        raise TypeError(f"SentencePairEncoder needs {name} as an iterable of sentences; got "
                        f"{type(sentences).__name__}.") from None


class SentencePairEncoder(Estimator):
    """Sentence embedder + head, fitted on ``(sentences_a, sentences_b, scores)``.

    Parameters
    ----------
    encoder : WordAverage, SIF or USIF
        Fitted (in place) on the sentences of both sides of the training pairs.
    head : CoSENT, CosineRegression, Whitening or AllButTheTop
        Fitted (in place) on the encoded pairs: a supervised head on ``(X_a, X_b,
        scores)``, an unsupervised one on the encoded sentences of both sides.

    Attributes
    ----------
    n_pairs_seen_ : int

    Notes
    -----
    As in a :class:`sklearn.pipeline.Pipeline`, the steps are fitted in place: after
    ``fit``, ``encoder`` and ``head`` are the fitted estimators, and
    ``make_pipeline(pair.encoder, pair.head)`` is an ordinary (fitted) pipeline of
    sentences to vectors, which :func:`ngramvec.vectors.sts.sts` scores as well. A
    pipeline itself cannot be *fitted* on pairs (its ``fit`` passes one ``X`` along),
    hence this class.

    Examples
    --------
    >>> import numpy as np, ngramvec as nv
    >>> from ngramvec.vectors.postprocess import CoSENT, SentencePairEncoder, WordAverage
    >>> kv = nv.KeyedVectors(np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32),
    ...                      ["a", "b", "c", "d"])
    >>> pair = SentencePairEncoder(WordAverage(kv), CoSENT(init="identity"))
    >>> pair = pair.fit([["a", "b"], ["c"], ["a"]], [["a"], ["d"], ["b", "c"]], [5.0, 0.0, 2.5])
    >>> pair.transform([["a", "c"]]).shape
    (1, 3)
    """

    def __init__(self, encoder: Any, head: Any) -> None:
        self.encoder = encoder
        self.head = head

    def _is_fitted(self) -> bool:
        return "n_pairs_seen_" in vars(self)

    def fit(self, sentences_a: Iterable[Any], sentences_b: Iterable[Any],
            scores: Any) -> "SentencePairEncoder":
        """Fit the encoder on all the sentences, then the head on the encoded pairs.

        Parameters
        ----------
        sentences_a, sentences_b : iterable of str or of list of str
            The two sentences of each pair (same length).
        scores : array-like of shape (n_pairs,)
            Gold scores or binary labels (for a supervised head; an unsupervised one
            ignores them, but they are still checked).

        Returns
        -------
        self

        Raises
        ------
        TypeError
            ``encoder`` or ``head`` without the methods their role needs.
        ValueError
            Mismatched lengths, NaN scores, and whatever the encoder and the head
            refuse (all scores equal, ``lam <= 0``...).
        """
        for name, methods in (("encoder", ("fit_transform", "transform")),
                              ("head", ("fit", "transform"))):
            obj = getattr(self, name)
            if not all(callable(getattr(obj, m, None)) for m in methods):
                raise TypeError(f"The {name!r} parameter of SentencePairEncoder must be an "
                                f"estimator with {' and '.join(methods)}. Got "
                                f"{type(obj).__name__} instead.")
        a = _as_list(sentences_a, "sentences_a")
        b = _as_list(sentences_b, "sentences_b")
        s = np.asarray(scores, dtype=np.float64) if not np.isscalar(scores) else scores
        n_scores = s.shape[0] if isinstance(s, np.ndarray) and s.ndim == 1 else None
        if not len(a) == len(b) == n_scores:
            raise ValueError(f"SentencePairEncoder needs one sentence of each side and one "
                             f"score per pair: got {len(a)} sentences_a, {len(b)} sentences_b "
                             f"and {n_scores if n_scores is not None else 'not a 1-d array of'} "
                             f"scores (mismatched lengths).")
        n = len(a)
        X = self.encoder.fit_transform(a + b)
        X_a, X_b, s = check_pairs(X[:n], X[n:], s, "SentencePairEncoder")
        if isinstance(self.head, (CoSENT, CosineRegression)):
            self.head.fit(X_a, X_b, s)
        else:
            self.head.fit(X)
        self.n_pairs_seen_ = n
        return self

    def transform(self, sentences: Iterable[Any]) -> np.ndarray:
        """Embed sentences with the fitted encoder, then map them with the head.

        Returns
        -------
        ndarray of shape (n_sentences, k)
        """
        self._check_fitted()
        return self.head.transform(self.encoder.transform(sentences))

    def similarity(self, sentences_a: Iterable[Any], sentences_b: Iterable[Any]) -> np.ndarray:
        """Cosine of the two transformed sentences of each pair (0 for a zero vector).

        Returns
        -------
        ndarray of shape (n_pairs,), float64
        """
        self._check_fitted()
        a = _as_list(sentences_a, "sentences_a")
        b = _as_list(sentences_b, "sentences_b")
        if len(a) != len(b):
            raise ValueError(f"SentencePairEncoder.similarity needs as many sentences_a as "
                             f"sentences_b; got {len(a)} and {len(b)} (mismatched lengths).")
        Z = np.asarray(self.transform(a + b), dtype=np.float64)
        return pair_cosines(Z[:len(a)], Z[len(a):])[0]

    def score(self, sentences_a: Iterable[Any], sentences_b: Iterable[Any], scores: Any) -> float:
        """Spearman correlation of the gold ``scores`` with :meth:`similarity`."""
        from scipy.stats import spearmanr  # slow to import: only when used
        cos = self.similarity(sentences_a, sentences_b)
        s = np.asarray(scores, dtype=np.float64)
        if s.shape != cos.shape:
            raise ValueError(f"SentencePairEncoder.score needs one score per pair: {cos.size} "
                             f"pairs, scores of shape {s.shape} (mismatched lengths).")
        return float(spearmanr(s, cos).statistic)

    # -- persistence -----------------------------------------------------------

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted encoder and head in one ``.npz`` (atomic write, no pickles).

        The word vectors are not stored (pass them to :meth:`load` again).

        Raises
        ------
        sklearn.exceptions.NotFittedError
        TypeError
            An encoder or head that ngramvec cannot save (not one of its classes).
        """
        self._check_fitted()
        arrays: dict[str, Any] = {}
        parts: dict[str, Any] = {}
        for role, allowed in _ROLES:
            obj = getattr(self, role)
            if type(obj).__name__ not in allowed or type(obj) is not allowed[type(obj).__name__]:
                raise TypeError(f"cannot save the {role} of this SentencePairEncoder: a "
                                f"{type(obj).__name__}, not one of {sorted(allowed)}")
            params, part_arrays, state = obj._persist_payload()
            parts[role] = {"class": type(obj).__name__, "params": params, "state": state}
            arrays.update((f"{role}.{name}", value) for name, value in part_arrays.items())
        save_npz(path, type(self).__name__, arrays, {}, {"parts": parts,
                                                         "n_pairs_seen_": self.n_pairs_seen_})

    @classmethod
    def load(cls, path: str | os.PathLike, keyed_vectors: Any = None) -> "SentencePairEncoder":
        """Load a file written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
        keyed_vectors : KeyedVectors
            The word vectors the encoder was fitted with (checked by their keys).

        Returns
        -------
        SentencePairEncoder
            Fitted.

        Raises
        ------
        FileNotFoundError
        VectorsFormatError
            Not a saved SentencePairEncoder, damaged content, or word vectors other than
            those it was fitted with (the message names the file).
        TypeError
            ``keyed_vectors`` not given.
        """
        spath = os.fspath(path)
        what = "sentence-pair encoder"
        saved = load_npz(spath, cls.__name__, what)
        parts = saved.state.get("parts")
        if not isinstance(parts, dict):
            raise VectorsFormatError(f"damaged {what} file: no 'parts' in its state", spath)
        built = {}
        for role, allowed in _ROLES:
            info = parts.get(role)
            if not isinstance(info, dict) or not isinstance(info.get("params"), dict) or \
                    not isinstance(info.get("state"), dict):
                raise VectorsFormatError(f"damaged {what} file: the {role} is missing", spath)
            part_cls = allowed.get(info.get("class"))  # type: ignore[arg-type]
            if part_cls is None:
                raise VectorsFormatError(f"damaged {what} file: the {role} is a "
                                         f"{info.get('class')!r}, not one of {sorted(allowed)}",
                                         spath)
            prefix = f"{role}."
            arrays = {k[len(prefix):]: v for k, v in saved.arrays.items() if k.startswith(prefix)}
            check_arrays(arrays, part_cls._persist_schema, spath, what)
            extra = {}
            if role == "encoder":
                if keyed_vectors is None:
                    raise TypeError(f"SentencePairEncoder.load needs keyed_vectors= (the word "
                                    f"vectors its {part_cls.__name__} was fitted with)")
                extra["keyed_vectors"] = keyed_vectors
            sub = Saved(part_cls.__name__, saved.format_version, dict(info["params"]),
                        dict(info["state"]), arrays)
            built[role] = part_cls._persist_build(sub, spath, **extra)
        est = cls(built["encoder"], built["head"])
        try:
            est.n_pairs_seen_ = int(saved.state["n_pairs_seen_"])
        except (KeyError, TypeError, ValueError):
            raise VectorsFormatError(f"damaged {what} file: no valid 'n_pairs_seen_'",
                                     spath) from None
        return est
