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
    "OptionalDependencyError",
    "ClusterError",
    "PathError",
    "PathNotFoundError",
    "PathIsDirectoryError",
    "PathNotDirectoryError",
    "PathNotWritableError",
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


class PathError(NgramvecError, OSError):
    """A path given to ngramvec cannot be used: checked before the work starts.

    Subclasses :class:`OSError` (``errno`` and ``filename`` are set); the subclasses
    below also subclass the matching built-in (``except FileNotFoundError`` works).
    The message names the path and the parameter or option it came from.
    """

    def __init__(self, errno: int, message: str, path: str | None = None) -> None:
        super().__init__(errno, message, path)

    def __str__(self) -> str:  # OSError.__str__ would prefix "[Errno n]" and repeat the path
        return str(self.strerror)


class PathNotFoundError(PathError, FileNotFoundError):
    """The path, or the folder it would be written in, does not exist."""


class PathIsDirectoryError(PathError, IsADirectoryError):
    """A file is wanted and the path is a directory."""


class PathNotDirectoryError(PathError, NotADirectoryError):
    """A directory is wanted and the path (or its folder) is a file."""


class PathNotWritableError(PathError, PermissionError):
    """The folder a file or directory would be created in is not writable."""


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


class OptionalDependencyError(NgramvecError, ImportError):
    """A feature needs an optional library that is not installed.

    The message names the feature, the library and the ``pip install`` line (the
    ngramvec extra that brings it).

    Attributes
    ----------
    name : str
        The module that could not be imported, e.g. ``"ot"``.
    """

    def __init__(self, feature: str, module: str, package: str, extra: str | None = None) -> None:
        how = f"pip install 'ngramvec[{extra}]' (or pip install {package})" if extra else \
            f"pip install {package}"
        super().__init__(f"{feature} needs {package}, which is not installed: {how}",
                         name=module)


class ClusterError(NgramvecError, RuntimeError):
    """The Dask cluster cannot do the work: the scheduler does not answer, no worker,
    or workers that run another ngramvec version (the message says which)."""
