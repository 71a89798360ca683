"""Post-processing of word and sentence vectors (pure NumPy / SciPy / scikit-learn).

Word or sentence vectors
    :class:`Whitening` (Su et al. 2021), :class:`AllButTheTop` (Mu & Viswanath 2018).
Sentence vectors from word vectors
    :class:`WordAverage` (plain or SGPT's position-weighted mean), :class:`SIF` (Arora,
    Liang & Ma 2017), :class:`USIF` (Ethayarajh 2018).
Supervised heads over sentence vectors, fitted on scored pairs
    :class:`CoSENT` (Su 2022), :class:`CosineRegression`; :class:`SentencePairEncoder`
    fits an encoder and a head on text pairs and saves them together.
Isotropy measures
    :func:`average_cosine`, :func:`partition_function_ratio`, :func:`alignment`,
    :func:`uniformity`, :func:`pair_measures`.

Every transform is a scikit-learn estimator (``fit`` / ``transform`` /
``fit_transform``, fitted attributes ending in ``_``, ``NotFittedError`` before
``fit``), accepts float32 and float64, and saves to / loads from ``.npz``.

Examples
--------
>>> import numpy as np
>>> from ngramvec.vectors.postprocess import AllButTheTop, average_cosine
>>> X = np.random.default_rng(0).normal(size=(1000, 50)) + 3.0
>>> round(average_cosine(X), 2)
0.9
>>> round(abs(average_cosine(AllButTheTop().fit_transform(X))), 2)
0.0
"""
from __future__ import annotations

from typing import Any

from ngramvec.vectors.postprocess._base import EmptySentenceWarning, PostprocessWarning, RankDeficientWarning
from ngramvec.vectors.postprocess.abtt import AllButTheTop
from ngramvec.vectors.postprocess.heads import CoSENT, CosineRegression
from ngramvec.vectors.postprocess.isotropy import alignment, average_cosine, pair_measures, \
    partition_function_ratio, uniformity
from ngramvec.vectors.postprocess.pairs import SentencePairEncoder
from ngramvec.vectors.postprocess.sentence import SIF, USIF, EmbeddingStats, WordAverage, tokenize_sentence
from ngramvec.vectors.postprocess.whitening import Whitening

__all__ = [
    "Whitening",
    "AllButTheTop",
    "WordAverage",
    "SIF",
    "USIF",
    "EmbeddingStats",
    "CoSENT",
    "CosineRegression",
    "SentencePairEncoder",
    "average_cosine",
    "partition_function_ratio",
    "alignment",
    "uniformity",
    "pair_measures",
    "postprocess_keyed_vectors",
    "tokenize_sentence",
    "PostprocessWarning",
    "RankDeficientWarning",
    "EmptySentenceWarning",
]


def postprocess_keyed_vectors(keyed_vectors: Any, transformer: Any, fit: bool = True) -> Any:
    """A new KeyedVectors whose vectors went through ``transformer``.

    Parameters
    ----------
    keyed_vectors : KeyedVectors
        Must have ``vectors`` and ``with_vectors(new_vectors)``.
    transformer : estimator
        For example ``AllButTheTop()`` or ``Whitening(n_components=100)``.
    fit : bool, default=True
        Fit ``transformer`` on these vectors first (``fit_transform``); False applies
        an already fitted one (``transform``).

    Returns
    -------
    KeyedVectors
        Same keys and counts; float32 vectors of width ``transformer``'s output.
    """
    X = keyed_vectors.vectors
    out = transformer.fit_transform(X) if fit else transformer.transform(X)
    return keyed_vectors.with_vectors(out)
