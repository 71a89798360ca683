"""Intrinsic evaluation: word analogies (accuracy) and word similarity (correlation).

The protocol is the one of gensim's ``evaluate_word_analogies`` and
``evaluate_word_pairs`` (and of the word2vec ``compute-accuracy`` tool), so numbers
can be compared with published ones:

* only the first ``restrict_vocab`` keys count as vocabulary (candidates *and*
  question words);
* with ``case_insensitive=True`` keys and test words are compared upper-cased, and
  among keys that differ only in case the one with the lowest index (the most
  frequent, in a frequency-sorted vocabulary) stands for all of them;
* a question or pair with a word outside that vocabulary is skipped and counted
  (``coverage`` reports it); accuracy is over the covered questions;
* the answer to ``a : b :: c : ?`` is the best candidate other than the three
  question words (and, case-insensitively, their case variants).

Analogies are answered in batches by :meth:`KeyedVectors._analogy_topk`.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ngramvec.base.validation import check_bool, check_int, check_option
from ngramvec.datasets import DATASETS, dataset_path
from ngramvec.base.exceptions import CorpusError
from ngramvec.base.fileio import open_compressed
from ngramvec.vectors.keyedvectors import KeyedVectors

__all__ = [
    "AnalogySection",
    "AnalogyResult",
    "SimilarityResult",
    "analogy",
    "similarity",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AnalogySection:
    """Counts of one section (or group of sections) of an analogy set.

    Attributes
    ----------
    name : str
    correct : int
        Covered questions answered correctly.
    covered : int
        Questions whose four words are all in the (restricted) vocabulary.
    total : int
        All questions of the section.
    """

    name: str
    correct: int
    covered: int
    total: int

    @property
    def accuracy(self) -> float:
        """``correct / covered`` (NaN when nothing is covered)."""
        return self.correct / self.covered if self.covered else math.nan

    @property
    def coverage(self) -> float:
        """``covered / total`` (NaN for an empty section)."""
        return self.covered / self.total if self.total else math.nan


@dataclass(frozen=True)
class AnalogyResult:
    """Result of :func:`analogy`.

    Attributes
    ----------
    accuracy : float
        ``correct / covered`` (NaN when no question is covered).
    correct, covered, total : int
        Correct answers, questions with all four words in the vocabulary, all questions.
    coverage : float
        ``covered / total``.
    semantic, syntactic : AnalogySection or None
        Sections whose names start with ``"gram"`` are syntactic, the others semantic
        (in the Google set: the first 5 sections are semantic). None when the file has
        no ``gram*`` section.
    sections : dict of str to AnalogySection
        Per section, in file order.
    method : str
        ``"3cosadd"`` or ``"3cosmul"``.
    restrict_vocab : int
        Number of keys that formed the vocabulary.
    dataset : str
        The name or path evaluated.
    """

    accuracy: float
    correct: int
    covered: int
    total: int
    coverage: float
    semantic: AnalogySection | None
    syntactic: AnalogySection | None
    sections: dict[str, AnalogySection] = field(repr=False)
    method: str
    restrict_vocab: int
    dataset: str


@dataclass(frozen=True)
class SimilarityResult:
    """Result of :func:`similarity`.

    Attributes
    ----------
    spearman : float
        Spearman rank correlation between gold scores and cosine similarities of the
        covered pairs (NaN with fewer than 2 pairs or constant scores).
    pearson : float
        Pearson correlation of the same.
    pairs_used : int
        Pairs with both words in the vocabulary.
    pairs_total : int
        All pairs in the file.
    coverage : float
        ``pairs_used / pairs_total``.
    oov_pairs : int
        ``pairs_total - pairs_used``.
    dataset : str
    """

    spearman: float
    pearson: float
    pairs_used: int
    pairs_total: int
    coverage: float
    oov_pairs: int
    dataset: str


# --------------------------------------------------------------------------- loaders


def _resolve(dataset: Any, owner: str) -> str:
    if isinstance(dataset, os.PathLike):
        dataset = os.fspath(dataset)
    if not isinstance(dataset, str):
        raise TypeError(f"The 'dataset' parameter of {owner} must be a bundled name or a path. "
                        f"Got {dataset!r} instead.")
    if dataset in DATASETS:
        return dataset_path(dataset)
    if not os.path.exists(dataset):
        raise FileNotFoundError(f"{dataset!r} is neither a file nor a bundled data set "
                                f"({', '.join(DATASETS)})")
    return dataset


def _lines(path: str):
    """Yield (1-based line number, decoded and stripped line); handles CRLF and compression."""
    with open_compressed(path) as f:
        for no, raw in enumerate(f, start=1):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise CorpusError(f"invalid UTF-8 ({exc.reason})", path, no) from None
            yield no, line.strip()


def _load_analogy(path: str | os.PathLike) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """Read an analogy file: ``: section`` lines and ``a b c d`` questions.

    Blank lines and lines starting with ``#`` are skipped; fields are separated by
    spaces or tabs. Questions before the first section header go to a section named
    ``"questions"``.

    Returns
    -------
    list of (section name, list of (a, b, c, d))

    Raises
    ------
    CorpusError
        A line that is not a section header, a comment or four words (names file and line).
    """
    path = os.fspath(path)
    sections: list[tuple[str, list[tuple[str, str, str, str]]]] = []
    for no, line in _lines(path):
        if not line or line.startswith("#"):
            continue
        if line.startswith(":"):
            sections.append((line[1:].strip(), []))
            continue
        words = line.split()
        if len(words) != 4:
            raise CorpusError(f"expected a ': section' line or 4 words, found {len(words)} "
                              f"fields: {line[:80]!r}", path, no)
        if not sections:
            sections.append(("questions", []))
        sections[-1][1].append((words[0], words[1], words[2], words[3]))
    return sections


def _load_pairs(path: str | os.PathLike) -> list[tuple[str, str, float]]:
    """Read a word-pair file: ``word1 word2 score`` per line.

    Fields are separated by tabs (if the line has any) or by spaces. Blank lines and
    ``#`` lines are skipped, and so is a first line whose score is not a number (a
    header). Duplicate pairs are kept.

    Returns
    -------
    list of (word1, word2, score)

    Raises
    ------
    CorpusError
        A line without exactly three fields, or a score that is not a number after
        the first line (names file and line).
    """
    path = os.fspath(path)
    pairs: list[tuple[str, str, float]] = []
    first = True
    for no, line in _lines(path):
        if not line or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")] if "\t" in line else line.split()
        if len(fields) != 3 or not fields[0] or not fields[1]:
            if first:  # a header such as "word1 word2 similarity score"
                first = False
                continue
            raise CorpusError(f"expected 3 fields 'word1 word2 score', found {len(fields)}: "
                              f"{line[:80]!r}", path, no)
        try:
            score = float(fields[2])
            if not math.isfinite(score):
                raise ValueError
        except ValueError:
            if first:
                first = False
                continue
            raise CorpusError(f"the score {fields[2][:40]!r} is not a finite number", path,
                              no) from None
        first = False
        pairs.append((fields[0], fields[1], score))
    return pairs


# --------------------------------------------------------------------------- vocabulary


def _ok_vocab(wv: KeyedVectors, n: int, case_insensitive: bool) -> dict[str, int]:
    """Map (upper-cased) keys of the first ``n`` rows to rows; the lowest row wins."""
    keys = wv.index_to_key[:n]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    out: dict[str, int] = {}
    for i, k in enumerate(keys):
        out.setdefault(k.upper(), i)
    return out


def _restrict(wv: KeyedVectors, restrict_vocab: int | None, owner: str) -> int:
    r = check_int(restrict_vocab, "restrict_vocab", owner, low=1, allow_none=True)
    return len(wv) if r is None else min(r, len(wv))


def _as_keyed_vectors(wv: Any, owner: str) -> KeyedVectors:
    """``wv`` itself, or a KeyedVectors over the ``vectors`` and ``index_to_key`` of another
    keyed-vectors object (gensim's, for one)."""
    if isinstance(wv, KeyedVectors):
        return wv
    if hasattr(wv, "index_to_key") and hasattr(wv, "vectors"):
        return KeyedVectors(wv.vectors, list(wv.index_to_key))
    raise TypeError(f"The 'wv' parameter of {owner} must be a KeyedVectors (ngramvec's, or any "
                    f"object with 'vectors' (n_keys, dim) and 'index_to_key' attributes, such as "
                    f"gensim's). Got {type(wv).__module__}.{type(wv).__qualname__} instead.")


# --------------------------------------------------------------------------- analogy


def analogy(wv: KeyedVectors, dataset: str | os.PathLike = "google", method: str = "3cosadd",
            restrict_vocab: int | None = 300000, case_insensitive: bool = True) -> AnalogyResult:
    """Accuracy on word analogies ``a : b :: c : d`` (predict ``d``).

    Parameters
    ----------
    wv : KeyedVectors or keyed-vectors object
        An ngramvec :class:`KeyedVectors`, or any object with ``vectors`` (n_keys, dim)
        and ``index_to_key`` attributes (gensim's ``KeyedVectors``, for one).
    dataset : str or os.PathLike, default="google"
        A bundled name (see :mod:`ngramvec.datasets`) or the path of a file with
        ``: section`` lines and ``a b c d`` questions.
    method : {"3cosadd", "3cosmul"}, default="3cosadd"
        See :meth:`KeyedVectors.most_similar`.
    restrict_vocab : int or None, default=300000
        Only the first ``restrict_vocab`` keys form the vocabulary (None: all).
    case_insensitive : bool, default=True
        Compare upper-cased words; the lowest-index case variant stands for a word.

    Returns
    -------
    AnalogyResult

    Raises
    ------
    CorpusError
        A malformed line in the file.
    FileNotFoundError
        ``dataset`` is neither a bundled name nor an existing file.

    Notes
    -----
    Matches gensim's ``KeyedVectors.evaluate_word_analogies`` (3CosAdd), except in
    one corner gensim handles through its top-5 list: if the five best candidates
    are all case variants of question words, gensim counts the question wrong; here
    the next candidate is taken.

    References
    ----------
    Mikolov et al. (2013), Efficient estimation of word representations in vector space.
    Levy & Goldberg (2014), Linguistic regularities in sparse and explicit word
    representations.

    Examples
    --------
    >>> import numpy as np
    >>> from ngramvec.vectors.keyedvectors import KeyedVectors
    >>> wv = KeyedVectors(np.eye(4), ["a", "b", "c", "d"])
    >>> analogy(wv, "google").covered
    0
    """
    wv = _as_keyed_vectors(wv, "analogy")
    method = check_option(method, "method", "analogy", ("3cosadd", "3cosmul"))
    case_insensitive = check_bool(case_insensitive, "case_insensitive", "analogy")
    n = _restrict(wv, restrict_vocab, "analogy")
    path = _resolve(dataset, "analogy")
    sections = _load_analogy(path)
    ok = _ok_vocab(wv, n, case_insensitive)
    norm = str.upper if case_insensitive else (lambda w: w)

    # Case variants of a word inside the restricted vocabulary, beyond its main row.
    variants: dict[str, list[int]] = {}
    if case_insensitive:
        for i, k in enumerate(wv.index_to_key[:n]):
            u = k.upper()
            if ok[u] != i:
                variants.setdefault(u, []).append(i)

    q_rows: list[tuple[int, int, int, int]] = []
    q_section: list[int] = []
    q_extra: list[list[int]] = []
    totals = []
    for s, (_, questions) in enumerate(sections):
        totals.append(len(questions))
        for a, b, c, d in questions:
            a, b, c, d = norm(a), norm(b), norm(c), norm(d)
            ia, ib, ic, id_ = ok.get(a), ok.get(b), ok.get(c), ok.get(d)
            if ia is None or ib is None or ic is None or id_ is None:
                continue
            q_rows.append((ia, ib, ic, id_))
            q_section.append(s)
            if variants:
                q_extra.append(variants.get(a, []) + variants.get(b, []) + variants.get(c, []))
    rows = np.array(q_rows, dtype=np.int64).reshape(-1, 4)
    exclude = None
    if q_extra and any(q_extra):
        width = max(len(e) for e in q_extra)
        exclude = np.full((len(q_extra), width), -1, dtype=np.int64)
        for i, e in enumerate(q_extra):
            exclude[i, :len(e)] = e
    pred = wv._analogy_topk(rows[:, 0], rows[:, 1], rows[:, 2], method=method,
                            restrict_vocab=n, topn=1, exclude=exclude)[:, 0]
    if case_insensitive:
        keys = wv.index_to_key
        hit = np.array([p >= 0 and ok[keys[p].upper()] == d
                        for p, d in zip(pred.tolist(), rows[:, 3].tolist())], dtype=bool)
    else:
        hit = pred == rows[:, 3]
    sec_idx = np.array(q_section, dtype=np.int64)
    correct_per = np.bincount(sec_idx[hit], minlength=len(sections))
    covered_per = np.bincount(sec_idx, minlength=len(sections))

    by_name: dict[str, AnalogySection] = {}
    for s, (name, _) in enumerate(sections):
        sec = AnalogySection(name, int(correct_per[s]), int(covered_per[s]), totals[s])
        if name in by_name:  # a repeated section name: merge the counts
            old = by_name[name]
            sec = AnalogySection(name, old.correct + sec.correct, old.covered + sec.covered,
                                 old.total + sec.total)
        by_name[name] = sec
        logger.info("%s: %.1f%% (%d/%d), coverage %d/%d", name, 100 * sec.accuracy
                    if sec.covered else 0.0, sec.correct, sec.covered, sec.covered, sec.total)

    def group(name: str, members: list[AnalogySection]) -> AnalogySection:
        return AnalogySection(name, sum(m.correct for m in members),
                              sum(m.covered for m in members), sum(m.total for m in members))

    syn = [s for s in by_name.values() if s.name.startswith("gram")]
    sem = [s for s in by_name.values() if not s.name.startswith("gram")]
    semantic = group("semantic", sem) if syn else None
    syntactic = group("syntactic", syn) if syn else None
    total = group("total", list(by_name.values()))
    logger.info("analogy %s (%s, restrict_vocab=%d): accuracy %.4f on %d/%d questions",
                dataset, method, n, total.accuracy if total.covered else 0.0, total.covered,
                total.total)
    return AnalogyResult(
        accuracy=total.accuracy, correct=total.correct, covered=total.covered,
        total=total.total, coverage=total.coverage, semantic=semantic, syntactic=syntactic,
        sections=by_name, method=method, restrict_vocab=n, dataset=os.fspath(dataset),
    )


# --------------------------------------------------------------------------- similarity


def similarity(wv: KeyedVectors, dataset: str | os.PathLike = "ws353",
               restrict_vocab: int | None = 300000,
               case_insensitive: bool = True) -> SimilarityResult:
    """Correlation of cosine similarities with human judgements of word pairs.

    Parameters
    ----------
    wv : KeyedVectors or keyed-vectors object
        As for :func:`analogy`.
    dataset : str or os.PathLike, default="ws353"
        A bundled name (``"ws353"``, ``"ws353_similarity"``, ``"ws353_relatedness"``,
        ``"simlex999"``, ``"simverb3500"``) or the path of a ``word1 word2 score`` file.
    restrict_vocab : int or None, default=300000
        Only the first ``restrict_vocab`` keys form the vocabulary (None: all).
    case_insensitive : bool, default=True
        Compare upper-cased words; the lowest-index case variant stands for a word.

    Returns
    -------
    SimilarityResult

    Raises
    ------
    ValueError
        If no pair is covered by the vocabulary.
    CorpusError
        A malformed line in the file.

    Notes
    -----
    Pairs with an unknown word are skipped and counted (``oov_pairs``), as in
    gensim's ``evaluate_word_pairs`` (whose "oov ratio" is ``100 * (1 - coverage)``).
    """
    wv = _as_keyed_vectors(wv, "similarity")
    case_insensitive = check_bool(case_insensitive, "case_insensitive", "similarity")
    n = _restrict(wv, restrict_vocab, "similarity")
    path = _resolve(dataset, "similarity")
    pairs = _load_pairs(path)
    ok = _ok_vocab(wv, n, case_insensitive)
    norm = str.upper if case_insensitive else (lambda w: w)
    left, right, gold = [], [], []
    for w1, w2, score in pairs:
        i, j = ok.get(norm(w1)), ok.get(norm(w2))
        if i is None or j is None:
            continue
        left.append(i)
        right.append(j)
        gold.append(score)
    used = len(gold)
    if used == 0:
        raise ValueError(f"no pair of {dataset!r} has both words among the first {n} keys of "
                         f"{wv!r}")
    unit = wv.unit_vectors
    model = np.einsum("ij,ij->i", unit[left].astype(np.float64), unit[right].astype(np.float64))
    gold_arr = np.asarray(gold, dtype=np.float64)
    if used < 2 or np.ptp(gold_arr) == 0 or np.ptp(model) == 0:
        spearman = pearson = math.nan
    else:
        from scipy import stats  # slow to import: only when used

        spearman = float(stats.spearmanr(gold_arr, model)[0])
        pearson = float(stats.pearsonr(gold_arr, model)[0])
    total = len(pairs)
    logger.info("similarity %s: spearman %.4f, pearson %.4f on %d/%d pairs", dataset, spearman,
                pearson, used, total)
    return SimilarityResult(spearman=spearman, pearson=pearson, pairs_used=used,
                            pairs_total=total, coverage=used / total if total else math.nan,
                            oov_pairs=total - used, dataset=os.fspath(dataset))


from ngramvec.vectors.sts import STSDataset, STSResult, load_sts, sts  # noqa: E402, F401  (re-exported)
