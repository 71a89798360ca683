"""Semantic textual similarity: the STS Benchmark and its evaluation.

The STS Benchmark (Cer et al. 2017) pairs English sentences with a gold similarity in
[0, 5]; a sentence embedder is scored by the Spearman correlation (x100) between the
gold scores and the cosine similarities of the two sentence vectors. The train / dev /
test files are bundled in ``ngramvec/datasets/sts`` (see ``LICENSE.txt`` there).
"""
from __future__ import annotations

import csv
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from ngramvec.base.exceptions import CorpusError
from ngramvec.datasets import dataset_path

logger = logging.getLogger(__name__)

__all__ = ["STSDataset", "STSResult", "load_sts", "sts", "STS_SPLITS"]

#: Names of the bundled splits.
STS_SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class STSDataset:
    """Sentence pairs with gold similarity scores.

    Attributes
    ----------
    name : str
        ``"train"``, ``"dev"``, ``"test"`` or the path read.
    sentences1, sentences2 : list of str
        The two sentences of each pair.
    scores : ndarray of shape (n_pairs,), float64
        Gold similarity, 0 (unrelated) to 5 (equivalent).
    genres : list of str
        ``main-news``, ``main-captions`` or ``main-forum(s)`` for each pair.
    """

    name: str
    sentences1: list[str] = field(repr=False)
    sentences2: list[str] = field(repr=False)
    scores: np.ndarray = field(repr=False)
    genres: list[str] = field(repr=False)

    def __len__(self) -> int:
        return len(self.scores)

    def sentences(self) -> list[str]:
        """All sentences, the first of each pair then the second (``2 * n_pairs``)."""
        return self.sentences1 + self.sentences2


@dataclass(frozen=True)
class STSResult:
    """Result of :func:`sts`.

    Attributes
    ----------
    spearman : float
        Spearman correlation x100 between gold scores and cosine similarities.
    pearson : float
        Pearson correlation x100 of the same.
    n_pairs : int
    n_zero : int
        Pairs where one of the vectors is zero (no known word); scored with cosine 0.
    dataset : str
    """

    spearman: float
    pearson: float
    n_pairs: int
    n_zero: int
    dataset: str

    def __float__(self) -> float:
        return self.spearman


def _sts_dir() -> Path:
    """Folder of the bundled STS Benchmark splits."""
    return Path(dataset_path("sts-test")).parent


def load_sts(dataset: str | os.PathLike = "test") -> STSDataset:
    """Read an STS Benchmark split or a file of the same layout.

    Parameters
    ----------
    dataset : {"train", "dev", "test"} or path, default="test"
        A bundled split, or the path of a tab-separated file with the columns genre,
        file, year, id, score, sentence1, sentence2 (further columns are ignored;
        quotes are ordinary characters).

    Returns
    -------
    STSDataset

    Raises
    ------
    FileNotFoundError
        No such file.
    CorpusError
        A line with fewer than 7 fields or a score that is not a number.

    Examples
    --------
    >>> len(load_sts("test"))
    1379
    """
    if isinstance(dataset, str) and dataset in STS_SPLITS:
        path, name = _sts_dir() / f"sts-{dataset}.csv", dataset
    elif isinstance(dataset, (str, os.PathLike)):
        path, name = Path(dataset), os.fspath(dataset)
        if not path.exists():
            raise FileNotFoundError(f"{path}: no such STS file; pass one of {STS_SPLITS} or an "
                                    f"existing path.")
    else:
        raise TypeError(f"The 'dataset' parameter of load_sts must be a str among "
                        f"{{{', '.join(repr(s) for s in STS_SPLITS)}}} or a path. Got "
                        f"{dataset!r} instead.")
    s1: list[str] = []
    s2: list[str] = []
    scores: list[float] = []
    genres: list[str] = []
    with open(path, encoding="utf-8", newline="") as f:
        for lineno, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
            if not row or (len(row) == 1 and not row[0].strip()):
                continue
            if len(row) < 7:
                raise CorpusError(f"expected at least 7 tab-separated fields, got {len(row)}",
                                  str(path), lineno)
            try:
                score = float(row[4])
            except ValueError:
                raise CorpusError(f"score {row[4]!r} is not a number", str(path), lineno) from None
            genres.append(row[0])
            scores.append(score)
            s1.append(row[5])
            s2.append(row[6])
    if not scores:
        raise CorpusError("no sentence pairs", str(path))
    return STSDataset(name, s1, s2, np.asarray(scores, dtype=np.float64), genres)


def _embed(embedder: Any) -> Callable[[list[str]], Any]:
    if hasattr(embedder, "transform"):
        return embedder.transform
    if callable(embedder):
        return embedder
    raise TypeError(f"The 'embedder' parameter of sts must be a fitted transformer (with "
                    f"transform) or a callable taking a list of sentences. Got "
                    f"{type(embedder).__name__} instead.")


def sts(embedder: Any, dataset: str | os.PathLike | STSDataset = "test") -> STSResult:
    """Spearman correlation x100 of sentence-vector cosines with STS gold scores.

    Parameters
    ----------
    embedder : transformer or callable
        Something that maps a list of sentences (str) to an array of shape
        (n_sentences, dim): an already *fitted* ``SIF``, ``USIF``, ``WordAverage``, a
        scikit-learn ``Pipeline`` of them (e.g. ``WordAverage`` then ``Whitening``), or
        a function. Fit it on training sentences only (``load_sts("train")``), never on
        the split evaluated. It is called once with all the sentences of the split
        (first sentences then second sentences).
    dataset : {"train", "dev", "test"}, path or STSDataset, default="test"

    Returns
    -------
    STSResult
        A pair where a sentence has a zero vector scores cosine 0 and is counted in
        ``n_zero``.

    Raises
    ------
    TypeError
        ``embedder`` is neither a transformer nor a callable.
    ValueError
        The embedder returned an array of the wrong shape, or NaN / infinity.

    References
    ----------
    Cer, Diab, Agirre, Lopez-Gazpio & Specia (2017). SemEval-2017 Task 1: Semantic
    Textual Similarity Multilingual and Crosslingual Focused Evaluation. SemEval.
    """
    embed = _embed(embedder)
    data = dataset if isinstance(dataset, STSDataset) else load_sts(dataset)
    n = len(data)
    X = np.asarray(embed(data.sentences()), dtype=np.float64)
    if X.ndim != 2 or X.shape[0] != 2 * n:
        raise ValueError(f"sts: the embedder returned an array of shape {X.shape} for {2 * n} "
                         f"sentences; expected ({2 * n}, dim).")
    if not np.isfinite(X).all():
        raise ValueError("sts: the embedder returned NaN or infinity.")
    a, b = X[:n], X[n:]
    na, nb = np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1)
    zero = (na == 0) | (nb == 0)
    denom = np.where(zero, 1.0, na * nb)
    cos = np.where(zero, 0.0, np.einsum("ij,ij->i", a, b) / denom)
    n_zero = int(zero.sum())
    if n_zero:
        logger.warning("sts(%s): %d of %d pairs have a zero sentence vector; scored 0",
                       data.name, n_zero, n)
    from scipy.stats import pearsonr, spearmanr  # slow to import: only when used
    rho = 100.0 * float(spearmanr(data.scores, cos).statistic)
    r = 100.0 * float(pearsonr(data.scores, cos).statistic)
    logger.info("sts(%s): Spearman %.2f, Pearson %.2f on %d pairs", data.name, rho, r, n)
    return STSResult(spearman=rho, pearson=r, n_pairs=n, n_zero=n_zero, dataset=data.name)
