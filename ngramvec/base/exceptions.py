"""Exceptions raised by ngramvec.

Every error names what is wrong: the parameter, the file and line, or the word.
"""
from __future__ import annotations

__all__ = [
    "NgramvecError",
    "OutOfVocabularyError",
    "CorpusError",
    "VectorsFormatError",
    "TrainingDivergedError",
    "OneShotIteratorError",
    "ExtensionNotBuiltError",
]


class NgramvecError(Exception):
    """Base class of the errors specific to ngramvec."""


class OutOfVocabularyError(NgramvecError, KeyError):
    """A word (or ngram) is not in the vocabulary.

    Subclasses :class:`KeyError`, so ``except KeyError`` keeps working.

    Attributes
    ----------
    key : str
        The word that was looked up.
    vocab_size : int
        Number of entries of the vocabulary it was looked up in.
    """

    def __init__(self, key: object, vocab_size: int, what: str = "vocabulary") -> None:
        self.key = key
        self.vocab_size = vocab_size
        super().__init__(key)
        self._msg = f"{key!r} is not in the {what} ({vocab_size:,} entries)"

    def __str__(self) -> str:  # KeyError.__str__ would print only repr(key)
        return self._msg


class CorpusError(NgramvecError, ValueError):
    """A corpus cannot be read: missing, binary, empty, or not text.

    Attributes
    ----------
    path : str or None
        The file concerned, when there is one.
    line : int or None
        1-based line number, when known.
    """

    def __init__(self, message: str, path: str | None = None, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = ""
        if path is not None:
            where = f"{path}"
            if line is not None:
                where += f", line {line}"
            where += ": "
        super().__init__(where + message)


class VectorsFormatError(NgramvecError, ValueError):
    """A vectors (or vocabulary / counts) file is truncated, corrupted or of the wrong format.

    Attributes
    ----------
    path : str
        The file.
    record : int or None
        1-based record (line for text formats, entry for binary ones).
    """

    def __init__(self, message: str, path: str, record: int | None = None) -> None:
        self.path = str(path)
        self.record = record
        where = f"{path}"
        if record is not None:
            where += f", record {record}"
        super().__init__(f"{where}: {message}")


class TrainingDivergedError(NgramvecError, FloatingPointError):
    """Training produced NaN or Inf; lower the learning rate."""


class OneShotIteratorError(NgramvecError, TypeError):
    """A one-shot iterator (generator) was given where several passes are needed."""


class ExtensionNotBuiltError(NgramvecError, ImportError):
    """A compiled module of ngramvec is missing (the package was not built).

    Raised when a stage that runs compiled code is used; loading, saving, querying,
    evaluating and post-processing vectors work without the compiled modules.

    Attributes
    ----------
    name : str
        Full name of the missing module, e.g. ``"ngramvec.models._cooccur"``.
    """
