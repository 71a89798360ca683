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
  question words (and, case-insensitively, their case variants);
* with ``dummy4unknown=True`` such questions count as wrong (accuracy over all
  questions) and such pairs get similarity 0 (the correlation is over all pairs).

Results carry the answer to every question and the similarity of every pair, and the
p-values of the correlations. :func:`evaluate_word_analogies` and
:func:`evaluate_word_pairs` (also methods of :class:`~ngramvec.KeyedVectors`) return
gensim's shapes. Analogies are answered in batches by
:func:`ngramvec.vectors._analogy.analogy_topk`.
"""
from __future__ import annotations

import logging
import math
import os
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from ngramvec.base.validation import check_bool, check_int, check_option
from ngramvec.vectors._analogy import analogy_topk, unit_rows
from ngramvec.vectors._evalfiles import load_analogy as _load_analogy
from ngramvec.vectors._evalfiles import load_pairs as _load_pairs
from ngramvec.vectors._evalfiles import resolve_dataset as _resolve

if TYPE_CHECKING:  # keyedvectors imports this module (for its evaluate_* methods)
    from ngramvec.vectors.keyedvectors import KeyedVectors

__all__ = [
    "AnalogySection",
    "AnalogyQuestion",
    "AnalogyResult",
    "PairScore",
    "SimilarityResult",
    "analogy",
    "similarity",
    "evaluate_word_analogies",
    "evaluate_word_pairs",
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
    dummy4unknown : bool
        Whether questions outside the vocabulary count as wrong.
    """

    name: str
    correct: int
    covered: int
    total: int
    dummy4unknown: bool = False

    @property
    def accuracy(self) -> float:
        """``correct / covered``, or ``correct / total`` with ``dummy4unknown`` (NaN when
        that is 0)."""
        n = self.total if self.dummy4unknown else self.covered
        return self.correct / n if n else math.nan

    @property
    def coverage(self) -> float:
        """``covered / total`` (NaN for an empty section)."""
        return self.covered / self.total if self.total else math.nan


class AnalogyQuestion(NamedTuple):
    """One question of an analogy set and the answer given.

    ``a : b :: c : expected``; the words as in the file. ``predicted`` is the key
    predicted (None when the question is not covered, or no candidate is left).
    """

    section: str
    a: str
    b: str
    c: str
    expected: str
    predicted: str | None
    correct: bool
    covered: bool


@dataclass(frozen=True)
class AnalogyResult:
    """Result of :func:`analogy`.

    Attributes
    ----------
    accuracy : float
        ``correct / covered`` (NaN when no question is covered); ``correct / total``
        with ``dummy4unknown``.
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
    questions : list of AnalogyQuestion
        Every question in file order, with the prediction.
    dummy4unknown : bool
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
    questions: list[AnalogyQuestion] = field(default_factory=list, repr=False)
    dummy4unknown: bool = False


class PairScore(NamedTuple):
    """One pair of a word-similarity set: the gold score and the model's cosine.

    ``similarity`` is None for a pair outside the vocabulary (0.0 with
    ``dummy4unknown``).
    """

    word1: str
    word2: str
    gold: float
    similarity: float | None
    covered: bool


@dataclass(frozen=True)
class SimilarityResult:
    """Result of :func:`similarity`.

    Attributes
    ----------
    spearman : float
        Spearman rank correlation between gold scores and cosine similarities of the
        covered pairs (of all pairs with ``dummy4unknown``); NaN with fewer than 2
        pairs or constant scores.
    pearson : float
        Pearson correlation of the same.
    spearman_pvalue, pearson_pvalue : float
        Their two-sided p-values (scipy's ``spearmanr`` and ``pearsonr``; NaN with the
        correlation).
    pairs_used : int
        Pairs with both words in the vocabulary.
    pairs_total : int
        All pairs in the file.
    coverage : float
        ``pairs_used / pairs_total``.
    oov_pairs : int
        ``pairs_total - pairs_used``.
    dataset : str
    pairs : list of PairScore
        Every pair in file order.
    dummy4unknown : bool
    """

    spearman: float
    pearson: float
    pairs_used: int
    pairs_total: int
    coverage: float
    oov_pairs: int
    dataset: str
    spearman_pvalue: float = math.nan
    pearson_pvalue: float = math.nan
    pairs: list[PairScore] = field(default_factory=list, repr=False)
    dummy4unknown: bool = False


# --------------------------------------------------------------------------- vocabulary


class _Vectors:
    """What evaluation needs of a keyed-vectors object that is not an ngramvec one."""

    def __init__(self, vectors: np.ndarray, keys: list[str]) -> None:
        self.index_to_key = keys
        self.unit_vectors = unit_rows(np.asarray(vectors, dtype=np.float32))

    def __len__(self) -> int:
        return len(self.index_to_key)


def _as_vectors(wv: Any, owner: str) -> Any:
    """``wv`` itself (an ngramvec KeyedVectors), or the unit vectors and keys of another
    keyed-vectors object (gensim's, for one)."""
    if hasattr(wv, "unit_vectors") and hasattr(wv, "index_to_key"):
        return wv
    if hasattr(wv, "index_to_key") and hasattr(wv, "vectors"):
        keys = list(wv.index_to_key)
        vectors = np.asarray(wv.vectors)
        if vectors.ndim != 2 or vectors.shape[0] != len(keys) or vectors.dtype.kind not in "fiu":
            raise ValueError(f"{owner}: 'vectors' must be a numeric (n_keys, dim) array for "
                             f"{len(keys)} keys. Got shape {vectors.shape} instead.")
        for k in keys:
            if not isinstance(k, str):
                raise TypeError(f"{owner}: keys must be str. Got {k!r} of type "
                                f"{type(k).__name__} instead.")
        return _Vectors(vectors, keys)
    raise TypeError(f"The 'wv' parameter of {owner} must be a KeyedVectors (ngramvec's, or any "
                    f"object with 'vectors' (n_keys, dim) and 'index_to_key' attributes, such as "
                    f"gensim's). Got {type(wv).__module__}.{type(wv).__qualname__} instead.")


def _ok_vocab(wv: Any, n: int, case_insensitive: bool) -> dict[str, int]:
    """Map (upper-cased) keys of the first ``n`` rows to rows; the lowest row wins."""
    keys = wv.index_to_key[:n]
    if not case_insensitive:
        return {k: i for i, k in enumerate(keys)}
    out: dict[str, int] = {}
    for i, k in enumerate(keys):
        out.setdefault(k.upper(), i)
    return out


def _restrict(wv: Any, restrict_vocab: int | None, owner: str) -> int:
    r = check_int(restrict_vocab, "restrict_vocab", owner, low=1, allow_none=True)
    return len(wv) if r is None else min(r, len(wv))


# --------------------------------------------------------------------------- analogy


def _run_analogy(wv: Any, dataset: Any, method: str, restrict_vocab: int | None,
                 case_insensitive: bool, dummy4unknown: bool, owner: str
                 ) -> tuple[AnalogyResult, list[str], list[int]]:
    """The result, the section names in file order (repeats kept) and the section
    occurrence of each question."""
    wv = _as_vectors(wv, owner)
    method = check_option(method, "method", owner, ("3cosadd", "3cosmul"))
    case_insensitive = check_bool(case_insensitive, "case_insensitive", owner)
    dummy4unknown = check_bool(dummy4unknown, "dummy4unknown", owner)
    n = _restrict(wv, restrict_vocab, owner)
    path = _resolve(dataset, owner)
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
    q_pos: list[int] = []            # position of each covered question among all of them
    q_extra: list[list[int]] = []
    q_occurrence: list[int] = []     # section occurrence of every question
    for s, (_, questions) in enumerate(sections):
        for a, b, c, d in questions:
            q_occurrence.append(s)
            a, b, c, d = norm(a), norm(b), norm(c), norm(d)
            ia, ib, ic, id_ = ok.get(a), ok.get(b), ok.get(c), ok.get(d)
            if ia is None or ib is None or ic is None or id_ is None:
                continue
            q_rows.append((ia, ib, ic, id_))
            q_pos.append(len(q_occurrence) - 1)
            if variants:
                q_extra.append(variants.get(a, []) + variants.get(b, []) + variants.get(c, []))
    rows = np.array(q_rows, dtype=np.int64).reshape(-1, 4)
    excl = rows[:, :3]
    if q_extra and any(q_extra):
        width = max(len(e) for e in q_extra)
        extra = np.full((len(q_extra), width), -1, dtype=np.int64)
        for i, e in enumerate(q_extra):
            extra[i, :len(e)] = e
        excl = np.concatenate([excl, extra], axis=1)
    pred = analogy_topk(wv.unit_vectors, n, rows[:, 0].copy(), rows[:, 1].copy(),
                        rows[:, 2].copy(), np.ascontiguousarray(excl), method, 1)[:, 0]
    keys = wv.index_to_key
    if case_insensitive:
        hit = np.array([p >= 0 and ok[keys[p].upper()] == d
                        for p, d in zip(pred.tolist(), rows[:, 3].tolist())], dtype=bool)
    else:
        hit = pred == rows[:, 3]

    # every question, in file order, with its answer
    answer: dict[int, tuple[str | None, bool]] = {
        pos: (keys[p] if p >= 0 else None, bool(h))
        for pos, p, h in zip(q_pos, pred.tolist(), hit.tolist())}
    records: list[AnalogyQuestion] = []
    pos = 0
    for name, questions in sections:
        for a, b, c, d in questions:
            predicted, correct = answer.get(pos, (None, False))
            records.append(AnalogyQuestion(name, a, b, c, d, predicted, correct, pos in answer))
            pos += 1

    sec_idx = np.array([q_occurrence[p] for p in q_pos], dtype=np.int64)
    correct_per = np.bincount(sec_idx[hit], minlength=len(sections))
    covered_per = np.bincount(sec_idx, minlength=len(sections))
    by_name: dict[str, AnalogySection] = {}
    for s, (name, questions) in enumerate(sections):
        sec = AnalogySection(name, int(correct_per[s]), int(covered_per[s]), len(questions),
                             dummy4unknown)
        if name in by_name:  # a repeated section name: merge the counts
            old = by_name[name]
            sec = AnalogySection(name, old.correct + sec.correct, old.covered + sec.covered,
                                 old.total + sec.total, dummy4unknown)
        by_name[name] = sec
        logger.info("%s: %.1f%% (%d/%d), coverage %d/%d", name,
                    0.0 if math.isnan(sec.accuracy) else 100 * sec.accuracy, sec.correct,
                    sec.total if dummy4unknown else sec.covered, sec.covered, sec.total)

    def group(name: str, members: list[AnalogySection]) -> AnalogySection:
        return AnalogySection(name, sum(m.correct for m in members),
                              sum(m.covered for m in members), sum(m.total for m in members),
                              dummy4unknown)

    syn = [s for s in by_name.values() if s.name.startswith("gram")]
    sem = [s for s in by_name.values() if not s.name.startswith("gram")]
    semantic = group("semantic", sem) if syn else None
    syntactic = group("syntactic", syn) if syn else None
    total = group("total", list(by_name.values()))
    logger.info("analogy %s (%s, restrict_vocab=%d): accuracy %.4f on %d/%d questions%s",
                dataset, method, n, 0.0 if math.isnan(total.accuracy) else total.accuracy,
                total.covered, total.total,
                " (the others counted wrong)" if dummy4unknown else "")
    result = AnalogyResult(
        accuracy=total.accuracy, correct=total.correct, covered=total.covered,
        total=total.total, coverage=total.coverage, semantic=semantic, syntactic=syntactic,
        sections=by_name, method=method, restrict_vocab=n, dataset=os.fspath(dataset),
        questions=records, dummy4unknown=dummy4unknown,
    )
    return result, [name for name, _ in sections], q_occurrence


def analogy(wv: KeyedVectors, dataset: str | os.PathLike = "google", method: str = "3cosadd",
            restrict_vocab: int | None = 300000, case_insensitive: bool = True,
            dummy4unknown: bool = False) -> AnalogyResult:
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
    dummy4unknown : bool, default=False
        Count questions with a word outside the vocabulary as wrong (accuracy over all
        questions) instead of leaving them out (gensim's option).

    Returns
    -------
    AnalogyResult
        With every question and its predicted answer in ``questions``.

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
    return _run_analogy(wv, dataset, method, restrict_vocab, case_insensitive, dummy4unknown,
                        "analogy")[0]


def evaluate_word_analogies(wv: KeyedVectors, analogies: str | os.PathLike,
                            restrict_vocab: int | None = 300000, case_insensitive: bool = True,
                            dummy4unknown: bool = False,
                            similarity_function: str = "most_similar") -> tuple[float, list]:
    """:func:`analogy` with gensim's name, parameters and return value.

    Parameters
    ----------
    wv : KeyedVectors or keyed-vectors object
    analogies : str or os.PathLike
        A file path (or a bundled name such as ``"google"``).
    restrict_vocab, case_insensitive, dummy4unknown
        As for :func:`analogy`.
    similarity_function : {"most_similar", "most_similar_cosmul"}, default="most_similar"
        3CosAdd or 3CosMul (gensim accepts the parameter and always uses 3CosAdd).

    Returns
    -------
    score : float
        Accuracy over all sections (0.0 when no question counts, as gensim).
    sections : list of dict
        One ``{"section": name, "correct": [(a, b, c, d), ...], "incorrect": [...]}`` per
        section of the file, in order, then ``"Total accuracy"`` over all of them. The
        words are upper-cased with ``case_insensitive``, as in gensim.
    """
    method = {"most_similar": "3cosadd", "most_similar_cosmul": "3cosmul"}.get(
        similarity_function) if isinstance(similarity_function, str) else None
    if method is None:
        check_option(similarity_function, "similarity_function", "evaluate_word_analogies",
                     ("most_similar", "most_similar_cosmul"))
    result, names, occurrence = _run_analogy(wv, analogies, method, restrict_vocab,
                                             case_insensitive, dummy4unknown,
                                             "evaluate_word_analogies")
    norm = str.upper if case_insensitive else (lambda w: w)
    out = [{"section": name, "correct": [], "incorrect": []} for name in names]
    for q, s in zip(result.questions, occurrence):
        if q.covered or dummy4unknown:
            words = (norm(q.a), norm(q.b), norm(q.c), norm(q.expected))
            out[s]["correct" if q.correct else "incorrect"].append(words)
    total = {"section": "Total accuracy",
             "correct": [t for sec in out for t in sec["correct"]],
             "incorrect": [t for sec in out for t in sec["incorrect"]]}
    n = len(total["correct"]) + len(total["incorrect"])
    out.append(total)
    return (len(total["correct"]) / n if n else 0.0), out


# --------------------------------------------------------------------------- similarity


def _run_similarity(wv: Any, dataset: Any, restrict_vocab: int | None, case_insensitive: bool,
                    dummy4unknown: bool, delimiter: str | None, encoding: str,
                    owner: str) -> SimilarityResult:
    wv = _as_vectors(wv, owner)
    case_insensitive = check_bool(case_insensitive, "case_insensitive", owner)
    dummy4unknown = check_bool(dummy4unknown, "dummy4unknown", owner)
    n = _restrict(wv, restrict_vocab, owner)
    path = _resolve(dataset, owner)
    pairs = _load_pairs(path, delimiter, encoding)
    ok = _ok_vocab(wv, n, case_insensitive)
    norm = str.upper if case_insensitive else (lambda w: w)
    rows = [(ok.get(norm(w1)), ok.get(norm(w2))) for w1, w2, _ in pairs]
    covered = np.array([i is not None and j is not None for i, j in rows], dtype=bool)
    used = int(covered.sum())
    if used == 0 and not (dummy4unknown and pairs):
        raise ValueError(f"no pair of {dataset!r} has both words among the first {n} keys of "
                         f"{wv!r}")
    unit = wv.unit_vectors
    left = [i for (i, _), c in zip(rows, covered) if c]
    right = [j for (_, j), c in zip(rows, covered) if c]
    cos = np.einsum("ij,ij->i", unit[left].astype(np.float64), unit[right].astype(np.float64))
    model = np.zeros(len(pairs))
    model[covered] = cos
    gold_arr = np.array([score for _, _, score in pairs], dtype=np.float64)
    if not dummy4unknown:
        model, gold_arr = model[covered], gold_arr[covered]
    spearman = pearson = spearman_p = pearson_p = math.nan
    if len(gold_arr) >= 2 and np.ptp(gold_arr) > 0 and np.ptp(model) > 0:
        from scipy import stats  # reason: slow to import, only when used

        r = stats.spearmanr(gold_arr, model)
        spearman, spearman_p = float(r.statistic), float(r.pvalue)
        r = stats.pearsonr(gold_arr, model)
        pearson, pearson_p = float(r.statistic), float(r.pvalue)
    it = iter(cos.tolist())
    records = [PairScore(w1, w2, score, next(it) if c else (0.0 if dummy4unknown else None),
                         bool(c)) for (w1, w2, score), c in zip(pairs, covered.tolist())]
    total = len(pairs)
    logger.info("similarity %s: spearman %.4f (p=%.3g), pearson %.4f (p=%.3g) on %d/%d pairs%s",
                dataset, spearman, spearman_p, pearson, pearson_p, used, total,
                " (the others at similarity 0)" if dummy4unknown else "")
    return SimilarityResult(spearman=spearman, pearson=pearson, pairs_used=used,
                            pairs_total=total, coverage=used / total if total else math.nan,
                            oov_pairs=total - used, dataset=os.fspath(dataset),
                            spearman_pvalue=spearman_p, pearson_pvalue=pearson_p,
                            pairs=records, dummy4unknown=dummy4unknown)


def similarity(wv: KeyedVectors, dataset: str | os.PathLike = "ws353",
               restrict_vocab: int | None = 300000, case_insensitive: bool = True,
               dummy4unknown: bool = False) -> SimilarityResult:
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
    dummy4unknown : bool, default=False
        Give pairs with a word outside the vocabulary similarity 0 and keep them in the
        correlation (gensim's option), instead of leaving them out.

    Returns
    -------
    SimilarityResult
        With p-values, and every pair and its cosine in ``pairs``.

    Raises
    ------
    ValueError
        If no pair is covered by the vocabulary (without ``dummy4unknown``).
    CorpusError
        A malformed line in the file.

    Notes
    -----
    Pairs with an unknown word are skipped and counted (``oov_pairs``), as in
    gensim's ``evaluate_word_pairs`` (whose "oov ratio" is ``100 * (1 - coverage)``).
    """
    return _run_similarity(wv, dataset, restrict_vocab, case_insensitive, dummy4unknown, None,
                           "utf-8", "similarity")


def evaluate_word_pairs(wv: KeyedVectors, pairs: str | os.PathLike, delimiter: str = "\t",
                        encoding: str = "utf8", restrict_vocab: int | None = 300000,
                        case_insensitive: bool = True, dummy4unknown: bool = False
                        ) -> tuple[tuple[float, float], tuple[float, float], float]:
    """:func:`similarity` with gensim's name, parameters and return value.

    Parameters
    ----------
    wv : KeyedVectors or keyed-vectors object
    pairs : str or os.PathLike
        A file path (or a bundled name such as ``"simlex999"``).
    delimiter : str, default="\\t"
        The field separator (None: tabs if the line has any, else spaces).
    encoding : str, default="utf8"
    restrict_vocab, case_insensitive, dummy4unknown
        As for :func:`similarity`.

    Returns
    -------
    pearson : (float, float)
        Pearson's r and its two-sided p-value.
    spearman : (float, float)
        Spearman's rho and its two-sided p-value.
    oov_ratio : float
        Percentage of pairs with a word outside the vocabulary.
    """
    if delimiter is not None and (not isinstance(delimiter, str) or not delimiter):
        raise ValueError(f"The 'delimiter' parameter of evaluate_word_pairs must be a non-empty "
                         f"str or None. Got {delimiter!r} instead.")
    if not isinstance(encoding, str):
        raise TypeError(f"The 'encoding' parameter of evaluate_word_pairs must be a str. Got "
                        f"{encoding!r} instead.")
    try:
        "".encode(encoding)
    except LookupError:
        raise ValueError(f"The 'encoding' parameter of evaluate_word_pairs must be a known "
                         f"text encoding. Got {encoding!r} instead.") from None
    r = _run_similarity(wv, pairs, restrict_vocab, case_insensitive, dummy4unknown, delimiter,
                        encoding, "evaluate_word_pairs")
    return ((r.pearson, r.pearson_pvalue), (r.spearman, r.spearman_pvalue),
            100.0 * r.oov_pairs / r.pairs_total)


from ngramvec.vectors.sts import STSDataset, STSResult, load_sts, sts  # noqa: E402, F401  (re-exported)
