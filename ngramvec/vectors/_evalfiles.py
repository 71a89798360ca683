"""The files of intrinsic evaluation: analogy questions and word pairs, by bundled name
or path (used by :mod:`ngramvec.evaluate`)."""
from __future__ import annotations

import math
import os
from typing import Any

from ngramvec.base.exceptions import CorpusError
from ngramvec.base.fileio import open_compressed
from ngramvec.datasets import DATASETS, dataset_path

__all__ = ["resolve_dataset", "load_analogy", "load_pairs"]


def resolve_dataset(dataset: Any, owner: str) -> str:
    """The file of ``dataset``: a bundled name (:data:`ngramvec.datasets.DATASETS`) or a
    path that exists; ``owner`` names the caller in the error."""
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


def _lines(path: str, encoding: str = "utf-8"):
    """Yield (1-based line number, decoded and stripped line); handles CRLF and compression."""
    with open_compressed(path) as f:
        for no, raw in enumerate(f, start=1):
            try:
                line = raw.decode(encoding)
            except UnicodeDecodeError as exc:
                name = "UTF-8" if encoding.lower().replace("-", "") == "utf8" else encoding
                raise CorpusError(f"invalid {name} ({exc.reason})", path, no) from None
            yield no, line.strip()


def load_analogy(path: str | os.PathLike) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
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


def load_pairs(path: str | os.PathLike, delimiter: str | None = None,
                encoding: str = "utf-8") -> list[tuple[str, str, float]]:
    """Read a word-pair file: ``word1 word2 score`` per line.

    Fields are separated by ``delimiter``; None: by tabs (if the line has any) or by
    spaces. The file is decoded with ``encoding``. Blank lines and
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
    for no, line in _lines(path, encoding):
        if not line or line.startswith("#"):
            continue
        if delimiter is not None:
            fields = [f.strip() for f in line.split(delimiter)]
        elif "\t" in line:
            fields = [f.strip() for f in line.split("\t")]
        else:
            fields = line.split()
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
