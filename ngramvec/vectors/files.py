"""Vectors files by name: the one rule that maps a file name to a vectors format.

Every command of the CLI, and any script, reads and writes vectors files through
:func:`load_vectors` and :func:`save_vectors`, so one name means one format
everywhere:

==========================  ==========================================================
file name (before any       format
``.gz``/``.bz2``/``.xz``)
==========================  ==========================================================
``*.npz``                   ngramvec's native archive (keys, float32 vectors, counts)
``*.bin``                   word2vec binary
``*.glove``, ``*.glove.txt`` GloVe text: one ``key v1 ... vdim`` line per key, no header
anything else (``*.txt``,   word2vec text: a ``"<count> <dim>"`` header line, then the
``*.vec``...)               GloVe lines
==========================  ==========================================================

When reading word2vec text, a file whose first line is not a header is read as GloVe
text, so any text file of vectors loads whatever its name. An explicit format
overrides the name.
"""
from __future__ import annotations

import logging
import os

from ngramvec.base.fileio import open_compressed
from ngramvec.base.validation import check_option
from ngramvec.vectors.formats import refuse_pickle
from ngramvec.vectors.keyedvectors import KeyedVectors

__all__ = ["VECTOR_FORMATS", "FORMAT_RULE", "vector_format", "load_vectors", "save_vectors"]

logger = logging.getLogger(__name__)

#: The formats :func:`load_vectors` and :func:`save_vectors` know.
VECTOR_FORMATS = ("word2vec", "word2vec-binary", "glove", "npz")

#: The naming rule in one sentence (the CLI's help text quotes it).
FORMAT_RULE = ("by file name: .npz (ngramvec), .bin (word2vec binary), .glove or .glove.txt "
               "(GloVe text, no header), anything else, e.g. .txt or .vec (word2vec text, "
               "with a header line); .gz/.bz2/.xz compress")

_COMPRESSED = (".gz", ".bz2", ".xz")


def vector_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of a vectors file: ``fmt`` if given, otherwise from the file name.

    Parameters
    ----------
    path : str or path-like
    fmt : {"auto", "word2vec", "word2vec-binary", "glove", "npz"} or None, default=None
        None and ``"auto"`` apply the naming rule of this module.

    Returns
    -------
    str
        One of :data:`VECTOR_FORMATS`.

    Examples
    --------
    >>> vector_format("v.txt"), vector_format("v.glove.txt.gz"), vector_format("v.bin")
    ('word2vec', 'glove', 'word2vec-binary')
    >>> vector_format("v.txt", "glove")
    'glove'
    """
    if fmt is not None:
        check_option(fmt, "fmt", "vector_format", ("auto",) + VECTOR_FORMATS)
        if fmt != "auto":
            return fmt
    name = os.fspath(path).lower()
    for suffix in _COMPRESSED:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if name.endswith(".npz"):
        return "npz"
    if name.endswith(".bin"):
        return "word2vec-binary"
    if name.endswith(".glove") or name.endswith(".glove.txt"):
        return "glove"
    return "word2vec"


def load_vectors(path: str | os.PathLike, fmt: str | None = None, *, limit: int | None = None,
                 mmap: str | None = None) -> KeyedVectors:
    """Load a vectors file in the format its name (or ``fmt``) says.

    Parameters
    ----------
    path : str or path-like
    fmt : str, optional
        See :func:`vector_format`. Text read as word2vec without a header line is
        read as GloVe text.
    limit : int, optional
        Read only the first ``limit`` vectors (word2vec and GloVe formats).
    mmap : {None, "r", "c"}, default=None
        Memory-map the vectors of an ``.npz`` file (see :meth:`KeyedVectors.load`).

    Returns
    -------
    KeyedVectors

    Raises
    ------
    FileNotFoundError
        No such file.
    VectorsFormatError
        The file is not of that format (names the file and the record); a Python pickle
        (gensim's ``.kv`` / ``.model``, recognised by its content whatever its name) is
        never unpickled, the message says how to convert it.
    """
    path = os.fspath(path)
    fmt = vector_format(path, fmt)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: no such vectors file")
    refuse_pickle(path)
    if fmt == "npz":
        if limit is not None:
            raise ValueError("limit is for word2vec and GloVe files; an .npz file is read "
                             "whole (use mmap='r' to read only what is used)")
        return KeyedVectors.load(path, mmap=mmap)
    if mmap is not None:
        raise ValueError(f"mmap is for .npz files; a {fmt} file is parsed into memory")
    if fmt == "word2vec-binary":
        return KeyedVectors.load_word2vec_format(path, binary=True, limit=limit)
    if fmt == "word2vec" and _has_header(path):
        return KeyedVectors.load_word2vec_format(path, binary=False, limit=limit)
    return KeyedVectors.load_glove_format(path, limit=limit)


def _has_header(path: str) -> bool:
    with open_compressed(path) as f:
        first = f.readline().split()
    return len(first) == 2 and all(x.isdigit() for x in first)


def save_vectors(wv: KeyedVectors, path: str | os.PathLike, fmt: str | None = None) -> str:
    """Save vectors in the format the file name (or ``fmt``) says; atomic write.

    Parameters
    ----------
    wv : KeyedVectors
    path : str or path-like
        Compressed when it ends in ``.gz``, ``.bz2`` or ``.xz``.
    fmt : str, optional
        See :func:`vector_format`.

    Returns
    -------
    str
        The format written, one of :data:`VECTOR_FORMATS`.
    """
    path = os.fspath(path)
    fmt = vector_format(path, fmt)
    if not isinstance(wv, KeyedVectors):
        raise TypeError("The 'wv' parameter of save_vectors must be a KeyedVectors. "
                        f"Got {type(wv).__name__} instead.")
    if fmt == "npz":
        wv.save(path)
    elif fmt == "word2vec-binary":
        wv.save_word2vec_format(path, binary=True)
    elif fmt == "glove":
        wv.save_glove_format(path)
    else:
        wv.save_word2vec_format(path, binary=False)
    # (the writer logs the file: ngramvec.base.fileio.log_saved)
    return fmt
