"""The record readers behind :func:`ngramvec.vectors.formats.read_word2vec`.

Two engines read word2vec text, GloVe text and word2vec binary records with the same
results and the same errors:

``"compiled"``
    :mod:`ngramvec.vectors._formats` (``csrc/nv_vecfile.h``) parses blocks of 8 MiB
    into the output matrix without the GIL. A number it cannot convert exactly
    (more than 19 digits, a large exponent, underscores, non-ASCII digits, garbage)
    comes back here and is converted with :func:`float`; a malformed line comes back
    here and :func:`python_line` says what is wrong with it. So the values are
    ``float(token)`` rounded once to the output dtype, exactly as gensim's
    ``numpy.float32(token)``, and the messages are those of the Python engine.
``"python"``
    A line at a time with :func:`numpy.fromstring` (and :func:`float` for what it
    does not read); used when the compiled module is not built.

Both give raw key bytes; :func:`decode_keys` turns them into str (encoding,
``unicode_errors``, empty keys, whitespace, duplicates) for both.
"""
from __future__ import annotations

import codecs
import io
import logging
import os
from typing import IO, Callable

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError

try:
    from ngramvec.vectors import _formats as _ext
except ImportError:  # not built: the pure-Python engine reads every file
    _ext = None

logger = logging.getLogger(__name__)

__all__ = ["BLOCK", "MAX_KEY_BYTES", "has_compiled", "parse_header", "python_line",
           "read_text", "read_binary", "decode_keys"]

#: Bytes read at a time by the compiled engine.
BLOCK = 1 << 23
#: The longest key of a binary record.
MAX_KEY_BYTES = 1 << 16
_WS = b" \t\n\r\x0b\x0c"
_BIG_ALLOC = 64 << 20   # bytes: above this, a header the file cannot back is refused


def has_compiled() -> bool:
    """Whether the compiled parser (:mod:`ngramvec.vectors._formats`) is available."""
    return _ext is not None


# --------------------------------------------------------------------------- pieces


def parse_header(line: bytes, path: str) -> tuple[int, int]:
    """``(count, dim)`` of a ``"<count> <dim>"`` header line."""
    fields = line.split()
    try:
        if len(fields) != 2:
            raise ValueError
        count, dim = int(fields[0]), int(fields[1])
    except ValueError:
        shown = line[:80].decode("utf-8", "replace").rstrip()
        raise VectorsFormatError(
            f"expected a header line '<count> <dim>', got {shown!r}; a file without a "
            f"header is GloVe text: read it with no_header=True (or load_glove_format)",
            path, 1) from None
    if count < 0 or dim < 1:
        raise VectorsFormatError(f"invalid header: count {count} and dim {dim} must be >= 0 "
                                 f"and >= 1", path, 1)
    return count, dim


def _shown(raw: bytes) -> str:
    return raw[:60].decode("utf-8", "replace")


def _values(rest: bytes, dim: int | None, path: str, line_no: int, encoding: str,
            errors: str) -> np.ndarray:
    """The numbers of one line after its key (float64), as float() reads each."""
    # numpy reads "nan(1)", float() does not; numpy's NaN of "-nan" lacks the sign bit
    # that float() (and gensim) give it
    if b"(" not in rest and b"n" not in rest and b"N" not in rest:
        try:
            values = np.fromstring(rest, dtype=np.float64, sep=" ")
        except ValueError:
            values = None
        if values is not None and values.shape[0] and (dim is None or values.shape[0] == dim):
            return values
    tokens = rest.split()
    out = []
    for j, tok in enumerate(tokens, start=1):
        try:
            out.append(float(tok.decode(encoding, errors)))
        except (ValueError, UnicodeDecodeError):
            raise VectorsFormatError(f"value {j} {_shown(tok[:40])!r} is not a number", path,
                                     line_no) from None
    if not out:
        raise VectorsFormatError("a line with a key and no values", path, line_no)
    if dim is not None and len(out) != dim:
        raise VectorsFormatError(f"expected {dim} values, found {len(out)}", path, line_no)
    return np.array(out, dtype=np.float64)


def python_line(line: bytes, dim: int | None, path: str, line_no: int, encoding: str,
                errors: str) -> tuple[bytes, np.ndarray]:
    """``(raw key, float64 values)`` of a non-blank text line, or the VectorsFormatError
    saying what is wrong with it (the line starts with whitespace, has no values, a
    value is not a number, the wrong number of values)."""
    if line[:1] in _WS:
        # " 3 4" is an empty key and two values, not the key "3" (dim 1)
        raise VectorsFormatError("the line starts with whitespace: empty key", path, line_no)
    parts = line.strip().split(None, 1)
    if len(parts) == 1:
        raise VectorsFormatError(f"the key {_shown(parts[0])!r} has no values", path, line_no)
    return parts[0], _values(parts[1], dim, path, line_no, encoding, errors)


def alloc_rows(f: IO[bytes], count: int, wanted: int, dim: int, record_bytes: int,
               dtype: np.dtype, path: str) -> np.ndarray:
    """The output matrix for ``wanted`` records, allocated for no more records than an
    uncompressed file can hold (``record_bytes``: the least bytes of one record), so
    that a corrupt header does not allocate memory for data that is not there."""
    n = wanted
    left = _bytes_left(f)
    if left is not None and left // record_bytes < wanted:
        n = max(left // record_bytes, 0)
        if wanted * dim * dtype.itemsize > _BIG_ALLOC:
            raise VectorsFormatError(
                f"the header announces {count} x {dim} values, more than the {left:,} "
                f"bytes after it can hold; is the header corrupt?", path, 1)
    return alloc(n, dim, dtype, path)


def _bytes_left(f: IO[bytes]) -> int | None:
    if type(f) is not io.BufferedReader:   # compressed streams: the size is not known
        return None
    try:
        return os.fstat(f.fileno()).st_size - f.tell()
    except (OSError, ValueError):
        return None


def alloc(n: int, dim: int, dtype: np.dtype, path: str) -> np.ndarray:
    """The output matrix; a corrupt header must not end in a bare MemoryError."""
    try:
        return np.empty((n, dim), dtype=dtype)
    except (MemoryError, ValueError):
        raise VectorsFormatError(f"the header announces {n} x {dim} values, more than can be "
                                 f"allocated; is the header corrupt?", path, 1) from None


def _grow(out: np.ndarray, n: int) -> np.ndarray:
    """``out`` with ``n`` rows (its first rows kept), reallocated in place when possible."""
    try:
        out.resize((n, out.shape[1]), refcheck=False)
        return out
    except ValueError:   # pragma: no cover - not owning its data
        new = np.empty((n, out.shape[1]), dtype=out.dtype)
        k = min(n, out.shape[0])
        new[:k] = out[:k]
        return new


def _codec_name(encoding: str) -> str:
    name = codecs.lookup(encoding).name
    return "UTF-8" if name == "utf-8" else name


def decode_keys(blob: bytes, n: int, path: str, encoding: str, errors: str,
                record_of: Callable[[int], int]) -> tuple[list[str], np.ndarray | None]:
    """The keys of ``n`` records from their raw bytes, each followed by ``"\\n"``.

    Returns ``(keys, keep)``: ``keep`` is None, or the rows to keep when keys that differ
    as bytes decode to the same str (``unicode_errors`` other than ``"strict"``): the
    first is kept, as gensim does, with a warning. ``record_of(i)`` is the record (line)
    of row ``i`` for messages.
    """
    try:
        text = blob.decode(encoding, errors)
    except UnicodeDecodeError as exc:
        i = blob.count(b"\n", 0, exc.start)
        a = blob.rfind(b"\n", 0, exc.start) + 1
        b = blob.find(b"\n", exc.start)
        raise VectorsFormatError(f"the key {blob[a:b][:60]!r} is not valid "
                                 f"{_codec_name(encoding)} ({exc.reason}); pass "
                                 f"unicode_errors='replace' or 'ignore' to read it anyway",
                                 path, record_of(i)) from None
    keys = text.split("\n")
    keys.pop()   # after the last "\n"
    raw: list[bytes] | None = None
    if len(keys) != n:   # pragma: no cover - an encoding decoding bytes into "\n"
        raise VectorsFormatError(f"the keys do not decode to {n} keys with the encoding "
                                 f"{encoding!r}", path)
    if not all(keys):
        i = keys.index("")
        raw = blob.split(b"\n")
        raise VectorsFormatError(f"the key {raw[i][:60]!r} is empty once decoded (encoding "
                                 f"{encoding!r}, unicode_errors={errors!r})", path,
                                 record_of(i))
    for ch in " \t\r\x0b\x0c":
        if ch in text:
            i = next(i for i, k in enumerate(keys) if ch in k)
            raise VectorsFormatError(f"the key {keys[i][:60]!r} holds whitespace once decoded "
                                     f"(encoding {encoding!r})", path, record_of(i))
    index = dict(zip(keys, range(n)))
    if len(index) == n:
        return keys, None
    raw = blob.split(b"\n")
    seen: dict[str, int] = {}
    keep = []
    dropped = 0
    for i, k in enumerate(keys):
        j = seen.get(k)
        if j is None:
            seen[k] = i
            keep.append(i)
            continue
        if errors == "strict" or raw[i] == raw[j]:
            raise VectorsFormatError(f"duplicate key {k!r} (first seen at record "
                                     f"{record_of(j)})", path, record_of(i))
        if not dropped:
            logger.warning("%s: the keys %r and %r both decode to %r with unicode_errors=%r; "
                           "kept the first (record %d), as gensim does", path, raw[j], raw[i],
                           k, errors, record_of(j))
        dropped += 1
    if dropped > 1:
        logger.warning("%s: %d records dropped as duplicates of an earlier key once decoded",
                       path, dropped)
    return [keys[i] for i in keep], np.asarray(keep, dtype=np.intp)


def text_line_of(path: str, header: bool, opener: Callable[[str], IO[bytes]]) -> Callable[[int], int]:
    """``record_of`` for a text file read by the compiled engine: the line of row ``i``
    (found again by reading the file; used for error messages only)."""
    def line_of(i: int) -> int:
        with opener(path) as f:
            line_no = 0
            if header:
                f.readline()
                line_no = 1
            k = -1
            for line in f:
                line_no += 1
                if line.strip():
                    k += 1
                    if k == i:
                        return line_no
        return line_no   # pragma: no cover
    return line_of


# --------------------------------------------------------------------------- text


def read_text(f: IO[bytes], path: str, count: int | None, dim: int | None,
              limit: int | None, dtype: np.dtype, encoding: str, errors: str,
              engine: str) -> tuple[bytes, int, np.ndarray, list[int] | None, bool]:
    """Records of a text file after its header (if any).

    Returns ``(key blob, n, vectors, lines, maybe_nonfinite)``: ``lines`` (the line of
    each record) is None for the compiled engine; ``maybe_nonfinite`` False means no
    value is NaN or inf.
    """
    line0 = 0 if count is None else 1
    wanted = count if limit is None else (limit if count is None else min(count, limit))
    if engine == "compiled":
        return _read_text_compiled(f, path, count, dim, wanted, limit, dtype, line0,
                                   encoding, errors)
    return _read_text_python(f, path, count, dim, wanted, limit, dtype, line0, encoding, errors)


def _read_text_python(f, path, count, dim, wanted, limit, dtype, line0, encoding, errors):
    line_no = line0
    raw: list[bytes] = []
    lines: list[int] = []
    rows: list[np.ndarray] = []
    out: np.ndarray | None = None
    if wanted is not None and dim is not None:
        # a record is at least a key byte and, per value, a separator and a digit
        out = alloc_rows(f, count, wanted, dim, 1 + 2 * dim, dtype, path)
    n = 0
    for line in f:
        line_no += 1
        if not line.strip():
            continue  # blank lines (e.g. a trailing one) carry nothing
        if wanted is not None and n >= wanted:
            if limit is not None and (count is None or limit < count):
                if dim is None:   # limit=0 without header: the dim of the first line
                    dim = python_line(line, None, path, line_no, encoding, errors)[1].shape[0]
                break
            raise VectorsFormatError(f"more records than the {count} announced in the header",
                                     path, line_no)
        key, values = python_line(line, dim, path, line_no, encoding, errors)
        if dim is None:
            dim = values.shape[0]
        raw.append(key)
        lines.append(line_no)
        if out is not None:
            out[n] = values
        else:
            rows.append(values.astype(dtype, copy=False))
        n += 1
    if wanted is not None and n < wanted and count is not None:
        raise VectorsFormatError(f"truncated file: the header announces {count} vectors but "
                                 f"only {n} were found", path, line_no + 1)
    if out is None:
        if rows:
            out = np.vstack(rows)
        else:
            if dim is None:
                raise VectorsFormatError("no vectors in the file", path, None)
            out = np.empty((0, dim), dtype=dtype)
    blob = b"\n".join(raw) + b"\n" if raw else b""
    return blob, n, out, lines, True


def _first_dim(f, buf, path, line0, encoding, errors):
    """(dim, buf, eof) from the first non-blank line of a file without header."""
    eof = False
    pos = 0
    line_no = line0
    while True:
        nl = buf.find(b"\n", pos)
        if nl < 0 and not eof:
            more = f.read(BLOCK)
            eof = not more
            buf += more
            continue
        end = nl if nl >= 0 else len(buf)
        line = buf[pos:end]
        line_no += 1
        if line.strip():
            _, values = python_line(line, None, path, line_no, encoding, errors)
            return values.shape[0], buf, eof
        if nl < 0:
            raise VectorsFormatError("no vectors in the file", path, None)
        pos = nl + 1


def _read_text_compiled(f, path, count, dim, wanted, limit, dtype, line0, encoding, errors):
    kdt = np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)
    target = wanted   # None: as many as the file holds
    if wanted is not None and dim is not None:
        out = alloc_rows(f, count, wanted, dim, 1 + 2 * dim, kdt, path)
    buf = f.read(BLOCK)
    eof = not buf
    if dim is None:
        dim, buf, eof = _first_dim(f, buf, path, line0, encoding, errors)
    if wanted is not None and count is None:   # no header, a limit
        out = alloc(0, dim, kdt, path)
    elif wanted is None:
        # no header: guess the rows from the size of the file and the first line
        left = _bytes_left(f)
        nl = buf.find(b"\n")
        per_line = nl + 1 if nl > 0 else len(buf) + 1
        guess = 1024 if left is None else (len(buf) + left) // max(per_line, 1) + 64
        if limit is not None:
            guess = min(guess, limit)
        out = alloc(guess, dim, kdt, path)
    slow = np.empty((4096, 4), dtype=np.int64)   # grown for a line with more slow values
    keysbuf = np.empty(len(buf) + 1, dtype=np.uint8)
    parts: list[bytes] = []
    row = 0
    pos = 0
    line_no = line0          # lines consumed
    maybe_nonfinite = False
    stuck = 0
    while True:
        if keysbuf.shape[0] < len(buf) + 1:
            keysbuf = np.empty(len(buf) + 1, dtype=np.uint8)
        pos0 = pos
        (status, pos, row, klen, n_slow, lines, bad_start, bad_end, nonfinite,
         _) = _ext.text_parse_block(buf, pos, eof, out, row, keysbuf, 0, slow, 0)
        if klen:
            parts.append(keysbuf[:klen].tobytes())
        if n_slow:
            maybe_nonfinite |= _fill_slow(buf, slow[:n_slow], out, pos0, line_no, dim, path,
                                          encoding, errors)
        maybe_nonfinite |= nonfinite > 0
        line_no += lines
        if status == _ext.SLOW_FULL:
            if pos == pos0 and n_slow == 0:
                # one line holds more slow values than the table: it is in buf, so the
                # table stays within 16 bytes per 2 bytes of buf
                stuck += 1
                if stuck > 40:   # pragma: no cover - a bug, never a file
                    raise RuntimeError(f"{path}: the compiled parser makes no progress")
                slow = np.empty((slow.shape[0] * 4, 4), dtype=np.int64)
            else:
                stuck = 0
            continue
        stuck = 0
        if status == _ext.BAD:
            line = buf[bad_start:bad_end]
            key, values = python_line(line, dim, path, line_no + 1, encoding, errors)
            # accepted by the Python engine after all: take its reading
            if row >= out.shape[0]:
                out = _grow(out, out.shape[0] * 2 + 1)
            out[row] = values
            parts.append(key + b"\n")
            maybe_nonfinite = True
            row += 1
            line_no += 1
            pos = min(bad_end + 1, len(buf))
            continue
        if status == _ext.FULL:
            if target is None or row < target:
                grown = out.shape[0] * 2 + 64
                out = _grow(out, grown if target is None else min(grown, target))
                continue
            if limit is not None and (count is None or limit < count):
                break
            raise VectorsFormatError(f"more records than the {count} announced in the header",
                                     path, line_no + 1)
        # MORE: every complete line is read
        if eof:
            break
        more = f.read(BLOCK if pos > 0 else max(BLOCK, len(buf)))
        eof = not more
        buf = buf[pos:] + more
        pos = 0
    if count is not None and row < wanted:
        raise VectorsFormatError(f"truncated file: the header announces {count} vectors but "
                                 f"only {row} were found", path, line_no + 1)
    if row != out.shape[0]:
        out = _grow(out, row)
    if dtype != kdt:
        with np.errstate(over="ignore"):
            out = out.astype(dtype)
    return b"".join(parts), row, out, None, maybe_nonfinite


def _fill_slow(buf, slow, out, pos0, line_no, dim, path, encoding, errors) -> bool:
    """Convert the values the compiled parser left to float(); True if one is not finite."""
    vals = []
    for r, c, s, e in slow.tolist():
        tok = buf[s:e]
        try:
            vals.append(float(tok.decode(encoding, errors)))
        except (ValueError, UnicodeDecodeError):
            a = buf.rfind(b"\n", 0, s) + 1
            b = buf.find(b"\n", e)
            line = buf[a:b if b >= 0 else len(buf)]
            ln = line_no + buf.count(b"\n", pos0, a) + 1
            _, values = python_line(line, dim, path, ln, encoding, errors)
            vals.append(float(values[c]))   # pragma: no cover - float() refused it above
    v = np.array(vals, dtype=np.float64)
    with np.errstate(over="ignore"):
        out[slow[:, 0], slow[:, 1]] = v
    return not bool(np.isfinite(v).all())


# --------------------------------------------------------------------------- binary


def read_binary(f: IO[bytes], path: str, count: int, dim: int, limit: int | None,
                dtype: np.dtype, engine: str) -> tuple[bytes, int, np.ndarray, bool]:
    """Records of a binary file after its header: ``(key blob, n, vectors, maybe_nonfinite)``."""
    wanted = count if limit is None else min(count, limit)
    if engine == "compiled":
        return _read_binary_compiled(f, path, count, dim, wanted, limit, dtype)
    return _read_binary_python(f, path, count, dim, wanted, limit, dtype)


def _binary_key_errors(raw: bytes, path: str, rec: int) -> None:
    if any(c in raw for c in b"\t\n\r\x0b\x0c"):
        raise VectorsFormatError(f"the key {_shown(raw)!r} contains whitespace; is this a "
                                 f"text file (binary=False)?", path, rec)


def _read_binary_python(f, path, count, dim, wanted, limit, dtype):
    vec_bytes = 4 * dim
    out = alloc_rows(f, count, wanted, dim, 2 + vec_bytes, dtype, path)  # key, space, vector
    raw: list[bytes] = []
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
            if have > MAX_KEY_BYTES:
                raise VectorsFormatError(f"no space after {MAX_KEY_BYTES} bytes where a key "
                                         f"should end; is the header right?", path, rec)
            if not fill(have + 1):
                if have == 0:
                    raise VectorsFormatError(
                        f"truncated file: the header announces {count} vectors but only "
                        f"{rec - 1} were found", path, rec)
                raise VectorsFormatError("truncated record: key without vector", path, rec)
        if i - pos > MAX_KEY_BYTES:
            raise VectorsFormatError(f"no space after {MAX_KEY_BYTES} bytes where a key "
                                     f"should end; is the header right?", path, rec)
        key = buf[pos:i]
        _binary_key_errors(key, path, rec)
        pos = i + 1
        if not fill(vec_bytes):
            raise VectorsFormatError(f"truncated record {_shown(key)!r}: expected {vec_bytes} "
                                     f"bytes of vector, found {len(buf) - pos}", path, rec)
        out[rec - 1] = np.frombuffer(buf, dtype="<f4", count=dim, offset=pos)
        pos += vec_bytes
        raw.append(key)
    if limit is None or limit >= count:
        _check_rest(buf[pos:], f, path, count)
    blob = b"\n".join(raw) + b"\n" if raw else b""
    return blob, wanted, out, True


def _check_rest(rest: bytes, f, path: str, count: int) -> None:
    """Anything but whitespace after the last announced record means the header
    undercounts; reading on would silently drop vectors."""
    while True:
        if rest.strip(_WS):
            raise VectorsFormatError(f"more data than the {count} records announced in "
                                     f"the header", path, count + 1)
        rest = f.read(1 << 20)
        if not rest:
            return


def _read_binary_compiled(f, path, count, dim, wanted, limit, dtype):
    vec_bytes = 4 * dim
    kdt = np.dtype(np.float64) if dtype == np.float64 else np.dtype(np.float32)
    out = alloc_rows(f, count, wanted, dim, 2 + vec_bytes, kdt, path)
    if wanted == 0 and limit is not None and limit < count:
        # nothing to read: not even a first block (as the Python engine, which reads on
        # demand and so never meets a damaged stream past the records it was asked for)
        return b"", 0, out, False
    buf = f.read(BLOCK)
    eof = not buf
    keysbuf = np.empty(max(len(buf), MAX_KEY_BYTES) + 2, dtype=np.uint8)
    parts: list[bytes] = []
    row = 0
    pos = 0
    maybe_nonfinite = False
    while True:
        if keysbuf.shape[0] < len(buf) + 2:
            keysbuf = np.empty(len(buf) + 2, dtype=np.uint8)
        (status, pos, row, klen, need, bad_start, nonfinite,
         _) = _ext.bin_parse_block(buf, pos, eof, out, row, keysbuf, 0, MAX_KEY_BYTES)
        if klen:
            parts.append(keysbuf[:klen].tobytes())
        maybe_nonfinite |= nonfinite > 0
        rec = row + 1
        if status == _ext.MORE:
            if eof:
                break
            have = len(buf) - pos
            more = f.read(max(BLOCK, min(need - have, 8 * BLOCK)))
            eof = not more
            buf = buf[pos:] + more
            pos = 0
            continue
        if status == _ext.SLOW_FULL:
            continue
        if status == _ext.FULL:
            if row < wanted:   # pragma: no cover - alloc_rows bounds records by bytes
                out = _grow(out, wanted)
                continue
            if limit is not None and limit < count:
                break
            raise VectorsFormatError(f"more data than the {count} records announced in "
                                     f"the header", path, count + 1)
        if status == _ext.BAD_KEY_WS:
            _binary_key_errors(buf[bad_start:need], path, rec)
        if status == _ext.KEY_LONG:
            raise VectorsFormatError(f"no space after {MAX_KEY_BYTES} bytes where a key "
                                     f"should end; is the header right?", path, rec)
        if status == _ext.TRUNC_KEY:
            raise VectorsFormatError("truncated record: key without vector", path, rec)
        if status == _ext.TRUNC_VEC:
            raise VectorsFormatError(f"truncated record {_shown(buf[bad_start:need])!r}: "
                                     f"expected {vec_bytes} bytes of vector, found "
                                     f"{len(buf) - need - 1}", path, rec)
        raise RuntimeError(f"{path}: unexpected status {status} of the binary parser")  # pragma: no cover
    if row < wanted:
        raise VectorsFormatError(f"truncated file: the header announces {count} vectors but "
                                 f"only {row} were found", path, row + 1)
    if dtype != kdt:
        out = out.astype(dtype)
    return b"".join(parts), row, out, maybe_nonfinite

