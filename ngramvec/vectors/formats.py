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

import io
import logging
import os
import struct
import zipfile
import zlib
from typing import IO, Any, Sequence

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.fileio import (DECOMPRESS_ERRORS, atomic_write, log_saved, open_compressed,
                                  open_write)
from ngramvec.base.persist import naming_write_errors

__all__ = [
    "atomic_write",
    "open_compressed",
    "read_word2vec",
    "write_word2vec",
    "read_glove",
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


def _parse_header(line: bytes, path: str) -> tuple[int, int]:
    fields = line.split()
    try:
        if len(fields) != 2:
            raise ValueError
        count, dim = int(fields[0]), int(fields[1])
    except ValueError:
        shown = line[:80].decode("utf-8", "replace").rstrip()
        raise VectorsFormatError(
            f"expected a header line '<count> <dim>', got {shown!r}; a file without a "
            f"header is GloVe text, read it with load_glove_format", path, 1) from None
    if count < 0 or dim < 1:
        raise VectorsFormatError(f"invalid header: count {count} and dim {dim} must be >= 0 "
                                 f"and >= 1", path, 1)
    return count, dim


def _parse_values(rest: bytes, dim: int | None, path: str, record: int) -> np.ndarray:
    """Parse the whitespace-separated numbers of one text line (float64)."""
    try:
        values = np.fromstring(rest, dtype=np.float64, sep=" ")
    except ValueError:
        values = None
    if values is None or (dim is not None and values.shape[0] != dim) or values.shape[0] == 0:
        # Slow path, only for a bad line: find what exactly is wrong.
        tokens = rest.split()
        for j, tok in enumerate(tokens, start=1):
            try:
                float(tok)
            except ValueError:
                shown = tok[:40].decode("utf-8", "replace")
                raise VectorsFormatError(f"value {j} {shown!r} is not a number", path,
                                         record) from None
        if dim is None:
            raise VectorsFormatError("a line with a key and no values", path, record)
        raise VectorsFormatError(f"expected {dim} values, found {len(tokens)}", path, record)
    return values


_BIG_ALLOC = 64 << 20   # bytes: above this, a header the file cannot back is refused


def _alloc_rows(f: IO[bytes], count: int, wanted: int, dim: int, record_bytes: int,
                datatype: np.dtype, path: str) -> np.ndarray:
    """The output matrix for ``wanted`` records, allocated for no more records than an
    uncompressed file can hold (``record_bytes``: the least bytes of one record), so
    that a corrupt header does not allocate memory for data that is not there."""
    n = wanted
    if type(f) is io.BufferedReader:   # compressed streams: the size is not known
        try:
            left = os.fstat(f.fileno()).st_size - f.tell()
        except (OSError, ValueError):
            left = None
        if left is not None and left // record_bytes < wanted:
            n = max(left // record_bytes, 0)
            if wanted * dim * datatype.itemsize > _BIG_ALLOC:
                raise VectorsFormatError(
                    f"the header announces {count} x {dim} values, more than the {left:,} "
                    f"bytes after it can hold; is the header corrupt?", path, 1)
    return _alloc(n, dim, datatype, path)


def _alloc(n: int, dim: int, datatype: np.dtype, path: str) -> np.ndarray:
    """The output matrix; a corrupt header must not end in a bare MemoryError."""
    try:
        return np.empty((n, dim), dtype=datatype)
    except (MemoryError, ValueError):
        raise VectorsFormatError(f"the header announces {n} x {dim} values, more than can be "
                                 f"allocated; is the header corrupt?", path, 1) from None


def _check_datatype(datatype: Any) -> np.dtype:
    dt = np.dtype(datatype)
    if dt.kind != "f":
        raise TypeError(f"The 'datatype' parameter must be a floating point dtype such as "
                        f"numpy.float32. Got {datatype!r} instead.")
    return dt


def _read_text(f: IO[bytes], path: str, header: bool, limit: int | None,
               datatype: np.dtype) -> tuple[list[str], np.ndarray]:
    line_no = 0
    count = None
    dim = None
    if header:
        first = f.readline()
        line_no = 1
        if not first:
            raise VectorsFormatError("empty file: expected a header line '<count> <dim>'",
                                     path, None)
        if not first.strip():
            raise VectorsFormatError("expected a header line '<count> <dim>', got an empty line",
                                     path, 1)
        count, dim = _parse_header(first, path)
    wanted = count if limit is None else (limit if count is None else min(count, limit))
    keys: list[str] = []
    seen: dict[str, int] = {}
    rows: list[np.ndarray] = []
    out: np.ndarray | None = None
    if wanted is not None and dim is not None:
        # a record is at least a key byte and, per value, a separator and a digit
        out = _alloc_rows(f, count, wanted, dim, 1 + 2 * dim, datatype, path)
    n = 0
    for line in f:
        line_no += 1
        stripped = line.strip()
        if not stripped:
            continue  # blank lines (e.g. a trailing one) carry nothing
        if wanted is not None and n >= wanted:
            if limit is not None and (count is None or limit < count):
                break
            raise VectorsFormatError(f"more records than the {count} announced in the header",
                                     path, line_no)
        if line[:1] in _WS:
            # " 3 4" is an empty key and two values, not the key "3" (dim 1)
            raise VectorsFormatError("the line starts with whitespace: empty key", path,
                                     line_no)
        parts = stripped.split(None, 1)
        key = _decode_key(parts[0], path, line_no)
        if len(parts) == 1:
            raise VectorsFormatError(f"the key {key!r} has no values", path, line_no)
        values = _parse_values(parts[1], dim, path, line_no)
        if dim is None:
            dim = values.shape[0]
        if key in seen:
            raise VectorsFormatError(f"duplicate key {key!r} (first seen at record "
                                     f"{seen[key]})", path, line_no)
        seen[key] = line_no
        keys.append(key)
        if out is not None:
            out[n] = values
        else:
            rows.append(values.astype(datatype, copy=False))
        n += 1
    if wanted is not None and n < wanted:
        raise VectorsFormatError(f"truncated file: the header announces {count} vectors but "
                                 f"only {n} were found", path, line_no + 1)
    if out is None:
        if rows:
            out = np.vstack(rows)
        else:
            if dim is None:
                raise VectorsFormatError("no vectors in the file", path, None)
            out = np.empty((0, dim), dtype=datatype)
    return keys, out


_WS = b" \t\n\r\x0b\x0c"
bad_none = np.zeros(0, dtype=np.intp)
_MAX_KEY_BYTES = 1 << 16


def _read_binary(f: IO[bytes], path: str, limit: int | None,
                 datatype: np.dtype) -> tuple[list[str], np.ndarray]:
    first = f.readline()
    if not first.strip():
        raise VectorsFormatError("empty file: expected a header line '<count> <dim>'", path, None)
    count, dim = _parse_header(first, path)
    wanted = count if limit is None else min(count, limit)
    vec_bytes = 4 * dim
    out = _alloc_rows(f, count, wanted, dim, 2 + vec_bytes, datatype, path)  # key, space, vector
    keys: list[str] = []
    seen: dict[str, int] = {}
    buf = b""
    pos = 0
    eof = False
    chunk = 1 << 20

    def fill(need: int) -> bool:
        """Make ``need`` bytes available from ``pos``; False at end of file."""
        nonlocal buf, pos, eof
        while len(buf) - pos < need and not eof:
            # read what is missing at once (no quadratic copying for wide vectors), but
            # never a read sized by the header alone: a corrupt dim must not allocate
            more = f.read(max(chunk, min(need - (len(buf) - pos), 64 * chunk)))
            if not more:
                eof = True
                break
            buf = buf[pos:] + more
            pos = 0
        return len(buf) - pos >= need

    for rec in range(1, wanted + 1):
        # Skip the "\n" the word2vec C tool writes after each vector (and any stray
        # whitespace) before the key.
        while True:
            fill(1)
            if pos < len(buf) and buf[pos] in _WS:
                pos += 1
                continue
            break
        # Find the space that ends the key.
        while True:
            i = buf.find(b" ", pos)
            if i >= 0:
                break
            have = len(buf) - pos
            if have > _MAX_KEY_BYTES:
                raise VectorsFormatError(f"no space after {_MAX_KEY_BYTES} bytes where a key "
                                         f"should end; is the header right?", path, rec)
            if not fill(have + 1):
                if have == 0:
                    raise VectorsFormatError(
                        f"truncated file: the header announces {count} vectors but only "
                        f"{rec - 1} were found", path, rec)
                raise VectorsFormatError("truncated record: key without vector", path, rec)
        key = _decode_key(buf[pos:i], path, rec)
        if any(c in key for c in "\t\n\r\x0b\x0c"):
            raise VectorsFormatError(f"the key {key[:60]!r} contains whitespace; is this a "
                                     f"text file (binary=False)?", path, rec)
        pos = i + 1
        if not fill(vec_bytes):
            raise VectorsFormatError(f"truncated record {key!r}: expected {vec_bytes} bytes of "
                                     f"vector, found {len(buf) - pos}", path, rec)
        out[rec - 1] = np.frombuffer(buf, dtype="<f4", count=dim, offset=pos)
        pos += vec_bytes
        if key in seen:
            raise VectorsFormatError(f"duplicate key {key!r} (first seen at record "
                                     f"{seen[key]})", path, rec)
        seen[key] = rec
        keys.append(key)
    if limit is None or limit >= count:
        # Anything but whitespace after the last announced record means the header
        # undercounts; reading on would silently drop vectors.
        while True:
            rest = buf[pos:].strip(_WS)
            if rest:
                raise VectorsFormatError(f"more data than the {count} records announced in "
                                         f"the header", path, count + 1)
            pos = len(buf)
            if not fill(1):
                break
    return keys, out


def read_word2vec(path: str | os.PathLike, binary: bool = False, limit: int | None = None,
                  datatype: Any = np.float32,
                  header: bool = True) -> tuple[list[str], np.ndarray]:
    """Read a word2vec text or binary file, or a GloVe text file (``header=False``).

    Parameters
    ----------
    path : str or os.PathLike
        The file; may be gzip, bzip2 or xz compressed.
    binary : bool, default=False
        Binary word2vec format (gensim's, or the C tool's with a newline after each vector).
    limit : int, optional
        Read only the first ``limit`` vectors.
    datatype : numpy floating dtype, default=numpy.float32
        dtype of the returned matrix.
    header : bool, default=True
        Whether the file starts with a ``"<count> <dim>"`` line (False: GloVe text).

    Returns
    -------
    keys : list of str
    vectors : ndarray of shape (n_keys, dim), dtype ``datatype``

    Raises
    ------
    VectorsFormatError
        Missing or malformed header, fewer or more records than announced, a row with
        the wrong number of values, a value that is not a number, a truncated binary
        record, a duplicate key, invalid UTF-8 in a key, a corrupted compressed stream.
        The message names the file and the 1-based record (the line, for text files).
    """
    if binary and not header:
        raise ValueError("binary word2vec files always have a header; header=False is only "
                         "for GloVe text files")
    if limit is not None:
        if isinstance(limit, bool) or not isinstance(limit, (int, np.integer)):
            raise TypeError(f"The 'limit' parameter must be an int in the range [0, inf) or "
                            f"None. Got {limit!r} instead.")
        if limit < 0:
            raise ValueError(f"The 'limit' parameter must be an int in the range [0, inf) or "
                             f"None. Got {limit!r} instead.")
    dt = _check_datatype(datatype)
    spath = os.fspath(path)
    with open_compressed(spath) as f:
        try:
            if binary:
                keys, vectors = _read_binary(f, spath, limit, dt)
            else:
                with np.errstate(over="ignore"):  # overflow to inf is reported below
                    keys, vectors = _read_text(f, spath, header, limit, dt)
        except DECOMPRESS_ERRORS as exc:
            if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
                raise
            raise VectorsFormatError(f"corrupted or truncated compressed data ({exc})",
                                     spath, None) from exc
    # Overflowing values (1e400, or 1e39 read into float32) become inf: as loud as NaN.
    bad = np.flatnonzero(~np.isfinite(vectors).all(axis=1)) if vectors.size else bad_none
    if bad.size:
        first = int(bad[0])
        logger.warning("%s: %d vectors contain NaN or infinite values (the first: %r, vector "
                       "%d); kept as they are", spath, bad.size, keys[first], first + 1)
    logger.info("loaded %d x %d vectors from %s", vectors.shape[0], vectors.shape[1], spath)
    return keys, vectors


def read_glove(path: str | os.PathLike, limit: int | None = None,
               datatype: Any = np.float32) -> tuple[list[str], np.ndarray]:
    """Read a GloVe text file (word2vec text without header). See :func:`read_word2vec`."""
    return read_word2vec(path, binary=False, limit=limit, datatype=datatype, header=False)


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
