"""Reading and writing vector files, and the atomic write used by every writer.

Formats
-------
word2vec text
    A header line ``"<count> <dim>\\n"``, then one line per key:
    ``"<key> <v1> <v2> ... <vdim>\\n"``. Values are written as ``str()`` of each
    float32 value (the shortest decimal string that reads back to the same float32),
    exactly as gensim writes them, so files are byte-identical to gensim's.
word2vec binary
    The same header line, then per key ``"<key> "`` in UTF-8 followed by ``dim``
    little-endian float32 values and nothing else (gensim's layout). The original
    word2vec C tool writes a ``"\\n"`` after each vector; the reader accepts both.
GloVe text
    word2vec text without the header line.
native ``.npz``
    Written by :meth:`KeyedVectors.save <ngramvec.KeyedVectors.save>` in the layout of
    :mod:`ngramvec.base.persist` (format version 2): ``vectors`` (float32),
    ``keys_utf8`` (uint8, all keys UTF-8 encoded back to back), ``keys_offsets``
    (int64, ``n + 1`` offsets into ``keys_utf8``), ``counts`` (int64, only when
    known) and the JSON header ``__ngramvec__``. :func:`write_npz` / :func:`read_npz`
    here are format version 1 (the same arrays, ``counts`` empty when absent, plus
    ``has_counts`` and ``format_version`` entries instead of the header), which
    :meth:`KeyedVectors.load <ngramvec.KeyedVectors.load>` still reads.

Any file read here may be compressed with gzip, bzip2 or xz; the compression is
detected from the first bytes, not from the file name. Writers compress when the
file name ends in ``.gz``, ``.bz2`` or ``.xz``.
"""
from __future__ import annotations

import codecs
import logging
import os
import struct
import zipfile
import zlib
from typing import Any, Sequence

import numpy as np

from ngramvec.base.exceptions import ExtensionNotBuiltError, VectorsFormatError
from ngramvec.base.extensions import BUILD_HINT
from ngramvec.base.fileio import (DECOMPRESS_ERRORS, atomic_write, log_saved, open_compressed,
                                  open_write)
from ngramvec.base.persist import naming_write_errors
from ngramvec.vectors import _w2v

__all__ = [
    "atomic_write",
    "open_compressed",
    "read_word2vec",
    "write_word2vec",
    "read_glove",
    "read_vocab_counts",
    "refuse_pickle",
    "pickle_protocol",
    "write_glove",
    "read_npz",
    "write_npz",
    "NPZ_FORMAT_VERSION",
]

logger = logging.getLogger(__name__)

NPZ_FORMAT_VERSION = 1



def _decode_key(raw: bytes, path: str, record: int) -> str:
    try:
        key = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise VectorsFormatError(f"the key {raw[:60]!r} is not valid UTF-8 ({exc.reason})",
                                 path, record) from None
    if not key:
        raise VectorsFormatError("empty key", path, record)
    return key


# --------------------------------------------------------------------------- pickles

#: What a gensim user is told when a pickle is given where vectors are expected.
GENSIM_RECIPE = (
    "convert it with gensim, which can unpickle it: "
    "kv = gensim.models.KeyedVectors.load(path) (for a whole model saved with "
    "Word2Vec.save or FastText.save: kv = gensim.models.Word2Vec.load(path).wv), then "
    "either ngramvec.KeyedVectors.from_gensim(kv) in memory, or "
    "kv.save_word2vec_format('vectors.bin', binary=True) and "
    "ngramvec.KeyedVectors.load_word2vec_format('vectors.bin', binary=True)")


def pickle_protocol(head: bytes) -> int | None:
    """The pickle protocol (2 to 5) if ``head``, the first bytes of a file, start a
    pickle, else None. Pickles of protocol 2 and later start with the PROTO opcode
    (0x80) and the protocol number; gensim has written protocol 2 or 4 since 1.0."""
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return head[1]
    return None


def refuse_pickle(path: str | os.PathLike) -> None:
    """Raise VectorsFormatError if ``path`` (decompressed if compressed) is a Python
    pickle, such as gensim's ``KeyedVectors.save`` / ``Word2Vec.save`` write (``.kv``,
    ``.model``). The file is never unpickled: unpickling can run arbitrary code.

    Raises
    ------
    VectorsFormatError
        Naming the file, the protocol and how to convert it (:data:`GENSIM_RECIPE`).
    """
    spath = os.fspath(path)
    try:
        with open_compressed(spath) as f:
            head = f.read(2)
    except DECOMPRESS_ERRORS:   # OSError included: missing, a directory, damaged
        return   # the reader says what is wrong
    protocol = pickle_protocol(head)
    if protocol is not None:
        raise VectorsFormatError(
            f"this is a Python pickle (protocol {protocol}), such as gensim's save() writes "
            f"(.kv, .model files), not a vectors file ngramvec reads. ngramvec never "
            f"unpickles a file, since unpickling can run arbitrary code; {GENSIM_RECIPE}",
            spath)


# --------------------------------------------------------------------------- word2vec


def _check_datatype(datatype: Any) -> np.dtype:
    try:
        dt = np.dtype(datatype)
    except TypeError:
        dt = None
    if dt is None or dt not in (np.float16, np.float32, np.float64):
        raise TypeError(f"The 'datatype' parameter must be a floating point dtype among "
                        f"numpy.float16, numpy.float32 and numpy.float64. Got {datatype!r} "
                        f"instead.")
    return dt


def _check_encoding(encoding: Any, unicode_errors: Any) -> tuple[str, str]:
    if not isinstance(encoding, str):
        raise TypeError(f"The 'encoding' parameter must be a str. Got {encoding!r} instead.")
    try:
        codec = codecs.lookup(encoding)
    except LookupError:
        raise ValueError(f"The 'encoding' parameter must name a codec. Got {encoding!r} "
                         f"instead.") from None
    # keys are found as bytes between ASCII whitespace, then decoded
    if " \t\n".encode(codec.name, "strict") != b" \t\n" or codec.name in ("utf-7",):
        raise ValueError(f"The 'encoding' parameter must be an ASCII-compatible codec (UTF-8, "
                         f"Latin-1, cp1252...). Got {encoding!r} instead.")
    if not isinstance(unicode_errors, str):
        raise TypeError(f"The 'unicode_errors' parameter must be a str. Got {unicode_errors!r} "
                        f"instead.")
    try:
        codecs.lookup_error(unicode_errors)
    except LookupError:
        raise ValueError(f"The 'unicode_errors' parameter must be an error handler of "
                         f"bytes.decode ('strict', 'replace', 'ignore', 'backslashreplace', "
                         f"'surrogateescape'). Got {unicode_errors!r} instead.") from None
    return codec.name, unicode_errors


def _check_engine(engine: Any) -> str:
    if engine not in ("auto", "compiled", "python"):
        raise ValueError(f"The 'engine' parameter must be a str among {{'auto', 'compiled', "
                         f"'python'}}. Got {engine!r} instead.")
    if engine == "compiled" and not _w2v.has_compiled():
        raise ExtensionNotBuiltError(f"engine='compiled' needs ngramvec.vectors._formats, which "
                                     f"is not built. {BUILD_HINT}",
                                     name="ngramvec.vectors._formats")
    if engine == "auto":
        return "compiled" if _w2v.has_compiled() else "python"
    return engine


def read_word2vec(path: str | os.PathLike, binary: bool = False, limit: int | None = None,
                  datatype: Any = np.float32, header: bool = True,
                  unicode_errors: str = "strict", encoding: str = "utf-8",
                  engine: str = "auto") -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file, or a GloVe text file (``header=False``).

    Parameters
    ----------
    path : str or os.PathLike
        The file; may be gzip, bzip2 or xz compressed.
    binary : bool, default=False
        Binary word2vec format (gensim's, or the C tool's with a newline after each vector).
    limit : int, optional
        Read only the first ``limit`` vectors. None or 0 reads them all, as gensim's
        ``limit`` (which tests ``if limit:``).
    datatype : {numpy.float16, numpy.float32, numpy.float64}, default=numpy.float32
        dtype of the returned matrix. Each text value is ``float(token)`` (the correctly
        rounded double) rounded once to ``datatype``, as gensim's
        ``datatype(token)``; binary values are float32 converted to ``datatype``.
    header : bool, default=True
        Whether the file starts with a ``"<count> <dim>"`` line (False: GloVe text).
    unicode_errors : str, default="strict"
        How keys that are not valid in ``encoding`` are decoded, as for
        :meth:`bytes.decode` (gensim's parameter of the same name): ``"strict"`` refuses
        them (VectorsFormatError naming the record), ``"replace"``, ``"ignore"``... read
        them. Keys that differ as bytes but decode to the same str (a key cut in the
        middle of a UTF-8 sequence, as the word2vec C tool does) are then kept once, the
        first, with a warning, as gensim does; identical keys are always an error.
    encoding : str, default="utf-8"
        Encoding of the keys; must be ASCII-compatible.
    engine : {"auto", "compiled", "python"}, default="auto"
        The record parser: the compiled one (:mod:`ngramvec.vectors._formats`) when
        built, else the pure-Python one. Both give the same keys, the same values bit
        for bit and the same errors.

    Returns
    -------
    keys : list of str
    vectors : ndarray of shape (n_keys, dim), dtype ``datatype``

    Raises
    ------
    VectorsFormatError
        A Python pickle (gensim's ``.kv``/``.model``, never unpickled), a missing or
        malformed header, fewer or more records than announced, a row with the wrong
        number of values, a value that is not a number, a truncated binary record, a
        duplicate key, a key that is not valid in ``encoding`` (with
        ``unicode_errors="strict"``), a corrupted compressed stream. The message names
        the file and the 1-based record (the line, for text files).
    """
    if binary and not header:
        raise ValueError("binary word2vec files always have a header; header=False is only for GloVe "
                         "text files (gensim's no_header=True)")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
            raise TypeError(f"The 'limit' parameter must be an int in the range [0, inf) or "
                            f"None. Got {limit!r} instead.")
        if limit < 0:
            raise ValueError(f"The 'limit' parameter must be an int in the range [0, inf) or "
                             f"None. Got {limit!r} instead.")
        limit = int(limit) or None   # 0: no limit, as in gensim
    dt = _check_datatype(datatype)
    encoding, errors = _check_encoding(encoding, unicode_errors)
    engine = _check_engine(engine)
    spath = os.fspath(path)
    refuse_pickle(spath)
    with open_compressed(spath) as f:
        try:
            count = dim = None
            if header:
                first = f.readline()
                if not first:
                    raise VectorsFormatError("empty file: expected a header line "
                                             "'<count> <dim>'", spath, None)
                if not first.strip():
                    raise VectorsFormatError("expected a header line '<count> <dim>', got an "
                                             "empty line", spath, 1)
                count, dim = _w2v.parse_header(first, spath)
            if binary:
                blob, n, vectors, maybe_bad = _w2v.read_binary(f, spath, count, dim, limit, dt,
                                                              engine)
                record_of = _record_of_binary
                lines = None
            else:
                with np.errstate(over="ignore"):  # overflow to inf is reported below
                    blob, n, vectors, lines, maybe_bad = _w2v.read_text(
                        f, spath, count, dim, limit, dt, encoding, errors, engine)
                record_of = (lines.__getitem__ if lines is not None else
                             _w2v.text_line_of(spath, header, open_compressed))
        except DECOMPRESS_ERRORS as exc:
            if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
                raise
            raise VectorsFormatError(f"corrupted or truncated compressed data ({exc})",
                                     spath, None) from exc
    keys, keep = _w2v.decode_keys(blob, n, spath, encoding, errors, record_of)
    if keep is not None:
        vectors = vectors[keep]
    # Overflowing values (1e400, or 1e39 read into float32) become inf: as loud as NaN.
    if maybe_bad and vectors.size:
        bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1))
        if bad.size:
            first_bad = int(bad[0])
            logger.warning("%s: %d vectors contain NaN or infinite values (the first: %r, "
                           "vector %d); kept as they are", spath, bad.size, keys[first_bad],
                           first_bad + 1)
    logger.info("loaded %d x %d vectors from %s", vectors.shape[0], vectors.shape[1], spath)
    return keys, vectors


def _record_of_binary(i: int) -> int:
    return i + 1


def read_glove(path: str | os.PathLike, limit: int | None = None,
               datatype: Any = np.float32, unicode_errors: str = "strict",
               encoding: str = "utf-8", engine: str = "auto") -> tuple[list[str], np.ndarray]:
    """Read a GloVe text file (word2vec text without header). See :func:`read_word2vec`."""
    return read_word2vec(path, binary=False, limit=limit, datatype=datatype, header=False,
                         unicode_errors=unicode_errors, encoding=encoding, engine=engine)


def read_vocab_counts(fvocab: str | os.PathLike, keys: Sequence[str],
                      unicode_errors: str = "strict", encoding: str = "utf-8") -> np.ndarray:
    """The counts of ``keys`` from a vocabulary file (gensim's ``fvocab``).

    The file has a ``"<key> <count>"`` line per key, as the word2vec C tool's
    ``-save-vocab`` and gensim's ``save_word2vec_format(fvocab=...)`` write it; a key
    listed twice takes its last count, as in gensim; blank lines are skipped.

    Returns
    -------
    ndarray of shape (len(keys),), int64
        A key the file does not list gets 0, with a warning (gensim sets its count to
        None and warns).

    Raises
    ------
    VectorsFormatError
        A line that is not a key and a non-negative integer, a key not valid in
        ``encoding`` (``unicode_errors="strict"``), naming the file and the line.
    """
    encoding, errors = _check_encoding(encoding, unicode_errors)
    spath = os.fspath(fvocab)
    refuse_pickle(spath)
    counts: dict[str, int] = {}
    with open_compressed(spath) as f:
        try:
            for line_no, line in enumerate(f, start=1):
                # split on ASCII whitespace only (U+00A0 joins the tokens of an ngram key)
                try:
                    fields = [x.decode(encoding, errors) for x in line.split()]
                except UnicodeDecodeError as exc:
                    raise VectorsFormatError(f"the line {line[:60]!r} is not valid {encoding} "
                                             f"({exc.reason})", spath, line_no) from None
                if not fields:
                    continue
                if len(fields) != 2:
                    shown = line[:80].decode(encoding, "replace").strip()
                    raise VectorsFormatError(f"expected '<key> <count>', got {shown!r}",
                                             spath, line_no)
                try:
                    c = int(fields[1])
                except ValueError:
                    c = -1
                if c < 0:
                    raise VectorsFormatError(f"the count {fields[1][:40]!r} of {fields[0][:60]!r} "
                                             f"is not an integer >= 0", spath, line_no)
                counts[fields[0]] = c
        except DECOMPRESS_ERRORS as exc:
            if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
                raise
            raise VectorsFormatError(f"corrupted or truncated compressed data ({exc})",
                                     spath, None) from exc
    out = np.fromiter((counts.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
    missing = np.flatnonzero(out < 0)
    if missing.size:
        logger.warning("%s: the vocabulary file is incomplete: %d of %d keys are missing (the "
                       "first: %r); their count is 0", spath, missing.size, len(keys),
                       keys[int(missing[0])])
        out[missing] = 0
    return out


def _unencodable_key(keys: Sequence[str], path: str, first_record: int) -> VectorsFormatError:
    """The error for the first key that UTF-8 cannot encode (a lone surrogate, as
    ``errors="surrogateescape"`` decoding makes), naming it and its record."""
    for i, key in enumerate(keys):
        try:
            key.encode("utf-8")
        except UnicodeEncodeError as exc:
            return VectorsFormatError(
                f"cannot write the key {key[:60]!r}: {exc.reason} (U+{ord(key[exc.start]):04X} "
                f"at position {exc.start}); a key must be valid Unicode to be written as "
                f"UTF-8", os.fspath(path), i + first_record)
    return VectorsFormatError("a key cannot be encoded as UTF-8", os.fspath(path))  # pragma: no cover


def _format_row(row: np.ndarray) -> str:
    # str() of a numpy float32 scalar is the shortest string that reads back to the
    # same float32 ("0.1", "1e-05", "-0.0"): the format gensim writes.
    return " ".join(map(str, row))


def write_word2vec(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray,
                   binary: bool = False, write_header: bool = True) -> None:
    """Write vectors in word2vec text or binary format (byte-identical to gensim 4).

    Parameters
    ----------
    path : str or os.PathLike
        Destination; compressed if it ends in ``.gz``, ``.bz2`` or ``.xz``. Written
        atomically (see :func:`atomic_write`).
    keys : sequence of str
        One key per row, without ASCII whitespace.
    vectors : ndarray of shape (n_keys, dim)
        Written as float32.
    binary : bool, default=False
        Binary format: ``"<key> "`` then ``dim`` little-endian float32 per record.
    write_header : bool, default=True
        Write the ``"<count> <dim>"`` line (False gives GloVe text; not allowed
        with ``binary=True``).

    Raises
    ------
    ValueError
        If ``keys`` and ``vectors`` do not match, or binary without header.
    VectorsFormatError
        A key that UTF-8 cannot encode (a lone surrogate); names the key and its record
        (the line for text files). Nothing is written.
    OSError
        Writing failed (a full disk...); the message names ``path``. Nothing is written.
    """
    vectors = np.asarray(vectors)
    if vectors.ndim != 2 or vectors.shape[0] != len(keys):
        raise ValueError(f"vectors of shape {vectors.shape} do not match {len(keys)} keys")
    if binary and not write_header:
        raise ValueError("the binary word2vec format needs its header; write_header=False "
                         "is only for text (GloVe) files")
    v32 = np.ascontiguousarray(vectors, dtype="<f4")
    try:
        with naming_write_errors(path), open_write(path) as f:
            if write_header:
                f.write(f"{v32.shape[0]} {v32.shape[1]}\n".encode("utf-8"))
            if binary:
                for key, row in zip(keys, v32):
                    f.write(key.encode("utf-8") + b" " + row.tobytes())
            else:
                batch: list[str] = []
                for key, row in zip(keys, v32):
                    batch.append(f"{key} {_format_row(row)}\n")
                    if len(batch) >= 1024:
                        f.write("".join(batch).encode("utf-8"))
                        batch.clear()
                if batch:
                    f.write("".join(batch).encode("utf-8"))
    except UnicodeEncodeError:   # the partial file is removed by the atomic write
        raise _unencodable_key(keys, path, 2 if write_header and not binary else 1) from None
    kind = "word2vec binary" if binary else "word2vec text" if write_header else "GloVe text"
    log_saved(path, f"{v32.shape[0]:,} x {v32.shape[1]:,} vectors ({kind})")


def write_glove(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray) -> None:
    """Write GloVe text: word2vec text without the header line. See :func:`write_word2vec`."""
    write_word2vec(path, keys, vectors, binary=False, write_header=False)


# --------------------------------------------------------------------------- native


def write_npz(path: str | os.PathLike, keys: Sequence[str], vectors: np.ndarray,
              counts: np.ndarray | None = None) -> None:
    """Write the native ``.npz`` format (uncompressed, no pickles), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination, used as given (no ``.npz`` is appended).
    keys : sequence of str
    vectors : ndarray of shape (n_keys, dim), float32
    counts : ndarray of shape (n_keys,), int64, optional

    Raises
    ------
    VectorsFormatError
        A key that UTF-8 cannot encode (a lone surrogate); names the key and its index
        (1-based record).
    OSError
        Writing failed (a full disk...); the message names ``path``.
    """
    try:
        encoded = [k.encode("utf-8") for k in keys]
    except UnicodeEncodeError:
        raise _unencodable_key(keys, path, 1) from None
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    np.cumsum([len(e) for e in encoded], out=offsets[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    arrays = {
        "format_version": np.array(NPZ_FORMAT_VERSION, dtype=np.int64),
        "vectors": np.ascontiguousarray(vectors, dtype=np.float32),
        "keys_utf8": blob,
        "keys_offsets": offsets,
        "has_counts": np.array(counts is not None),
        "counts": (np.asarray(counts, dtype=np.int64) if counts is not None
                   else np.zeros(0, dtype=np.int64)),
    }
    with naming_write_errors(path), atomic_write(path, "wb") as f:
        np.savez(f, **arrays)


# What reading a damaged archive can raise: the zip layer (bad magic, CRC, offsets,
# unsupported compression or encryption), zlib, the .npy header parser (ValueError), and
# an array header announcing more than can be allocated.
_NPZ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error,
               NotImplementedError, RuntimeError, struct.error, OverflowError, MemoryError)
_NPZ_MEMBERS = ("format_version", "vectors", "keys_utf8", "keys_offsets", "has_counts", "counts")


def _npz_member(archive: Any, name: str, path: str) -> np.ndarray:
    try:
        return archive[name]
    except _NPZ_ERRORS as exc:
        raise VectorsFormatError(f"damaged archive: cannot read {name!r} "
                                 f"({type(exc).__name__}: {exc})", path) from exc


def _npz_scalar(arr: np.ndarray, name: str, kinds: str, path: str) -> Any:
    if arr.ndim != 0 or arr.dtype.kind not in kinds:
        raise VectorsFormatError(f"{name!r} must be a scalar of kind {kinds!r}; got shape "
                                 f"{arr.shape} and dtype {arr.dtype}", path)
    return arr.item()


def read_npz(path: str | os.PathLike) -> tuple[list[str], np.ndarray, np.ndarray | None]:
    """Read the native ``.npz`` format written by :func:`write_npz`.

    Returns
    -------
    keys : list of str
    vectors : ndarray of shape (n_keys, dim), float32
    counts : ndarray of shape (n_keys,), int64, or None

    Raises
    ------
    VectorsFormatError
        Not an ngramvec ``.npz`` file, a damaged archive, a newer format version, or
        arrays of the wrong shape, dtype or content (offsets, keys, counts). What is
        returned is what :class:`~ngramvec.KeyedVectors` accepts.
    """
    spath = os.fspath(path)
    with open(spath, "rb") as f:
        head = f.read(6)
    if head.startswith(b"\x93NUMPY"):
        raise VectorsFormatError("not an .npz archive but a single .npy array", spath)
    if not head.startswith(b"PK"):
        raise VectorsFormatError(
            f"not a readable .npz file: an .npz file is a zip archive, this one starts with "
            f"{head!r}. Vectors in word2vec (text or binary) or GloVe format are read with "
            "KeyedVectors.load_word2vec_format or KeyedVectors.load_glove_format", spath)
    try:
        archive = np.load(spath, allow_pickle=False)
    except FileNotFoundError:
        raise
    except _NPZ_ERRORS as exc:
        raise VectorsFormatError(f"not a readable .npz file ({type(exc).__name__}: {exc})",
                                 spath) from exc
    if not hasattr(archive, "files"):
        raise VectorsFormatError("not an .npz archive (a single .npy array?)", spath)
    with archive:
        missing = set(_NPZ_MEMBERS) - set(archive.files)
        if missing:
            raise VectorsFormatError(f"not an ngramvec vectors file: missing {sorted(missing)}",
                                     spath)
        version = _npz_scalar(_npz_member(archive, "format_version", spath), "format_version",
                              "iu", spath)
        if version > NPZ_FORMAT_VERSION:
            raise VectorsFormatError(f"format version {version} is newer than this ngramvec "
                                     f"understands ({NPZ_FORMAT_VERSION}); upgrade ngramvec",
                                     spath)
        if version < 1:
            raise VectorsFormatError(f"unknown format version {version}", spath)
        vectors = _npz_member(archive, "vectors", spath)
        blob_arr = _npz_member(archive, "keys_utf8", spath)
        offsets = _npz_member(archive, "keys_offsets", spath)
        has_counts = bool(_npz_scalar(_npz_member(archive, "has_counts", spath), "has_counts",
                                      "biu", spath))
        counts = _npz_member(archive, "counts", spath) if has_counts else None
    if vectors.ndim != 2 or vectors.dtype.kind != "f":
        raise VectorsFormatError(f"'vectors' must be a 2-D float array; got shape "
                                 f"{vectors.shape} and dtype {vectors.dtype}", spath)
    if blob_arr.ndim != 1 or blob_arr.dtype != np.uint8:
        raise VectorsFormatError(f"'keys_utf8' must be a 1-D uint8 array; got shape "
                                 f"{blob_arr.shape} and dtype {blob_arr.dtype}", spath)
    if offsets.ndim != 1 or offsets.dtype.kind not in "iu":
        raise VectorsFormatError(f"'keys_offsets' must be a 1-D integer array; got shape "
                                 f"{offsets.shape} and dtype {offsets.dtype}", spath)
    blob = blob_arr.tobytes()
    if offsets.shape[0] != vectors.shape[0] + 1:
        raise VectorsFormatError(f"{vectors.shape[0]} vectors but {offsets.shape[0] - 1} keys",
                                 spath)
    if offsets[0] != 0 or offsets[-1] != len(blob) or np.any(np.diff(offsets) < 0):
        raise VectorsFormatError("inconsistent key offsets", spath)
    keys = []
    seen: dict[str, int] = {}
    for i, (a, b) in enumerate(zip(offsets[:-1].tolist(), offsets[1:].tolist()), 1):
        key = _decode_key(blob[a:b], spath, i)
        if any(c in key for c in " \t\n\r\x0b\x0c"):
            raise VectorsFormatError(f"the key {key[:60]!r} contains ASCII whitespace", spath, i)
        if key in seen:
            raise VectorsFormatError(f"duplicate key {key!r} (first seen at record "
                                     f"{seen[key]})", spath, i)
        seen[key] = i
        keys.append(key)
    if counts is not None:
        if counts.shape != (vectors.shape[0],) or counts.dtype.kind not in "iu":
            raise VectorsFormatError(f"'counts' must be integers of shape ({vectors.shape[0]},); "
                                     f"got shape {counts.shape} and dtype {counts.dtype}", spath)
        if counts.size and counts.min() < 0:
            raise VectorsFormatError(f"negative count at record {int(np.argmin(counts)) + 1}",
                                     spath)
        if counts.dtype == np.uint64 and counts.size and counts.max() > np.iinfo(np.int64).max:
            raise VectorsFormatError("a count does not fit in int64", spath)
    return keys, vectors, counts
