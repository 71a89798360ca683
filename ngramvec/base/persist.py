"""One save/load for everything ngramvec persists: a NumPy ``.npz`` with a JSON header.

Layout (format version 2)
-------------------------
An uncompressed ``.npz`` archive, read with ``allow_pickle=False``, holding

``__ngramvec__``
    uint8, a UTF-8 JSON object: ``{"library": "ngramvec", "class": "SGNS",
    "format_version": 2, "params": {...}, "state": {...}, "strings": [...]}``.
    ``params`` are the constructor parameters of the class, ``state`` the small fitted
    values (epoch counts, histories, scalars), ``strings`` the names of the string
    lists below.
one entry per array
    under its own name (``vectors``, ``counts``, ``indptr``...).
two entries per list of strings ``<name>``
    ``<name>_utf8`` (uint8, every string UTF-8 encoded back to back) and
    ``<name>_offsets`` (int64, ``n + 1`` offsets into it), so a vocabulary of millions
    of keys costs its UTF-8 bytes and no pickles.

Files are written through :func:`ngramvec.base.fileio.atomic_write`: a crash leaves the
old file or the new one, never half of one; an error while writing (a full disk) names
the file. Reading a file of another class, of a newer format version, that is not an
``.npz`` at all, or whose entries are damaged (a bad CRC, a truncated member) raises
:class:`~ngramvec.base.exceptions.VectorsFormatError` naming the file (and the entry).
So does an entry of the wrong dtype or shape: each loader declares what it trusts as a
``schema`` (name -> :class:`ArraySpec`), checked before any array is used. Files
written before this layout existed (format version 1: each class had its own) are read
by the ``legacy`` hook of each class, and checked against the same schema.

:class:`PersistMixin` gives an estimator ``save`` / ``load`` on top of
:func:`save_npz` / :func:`load_npz`.
"""
from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import struct
import threading
import tokenize
import zipfile
import zlib
from typing import (Any, Callable, ClassVar, Collection, Iterator, Mapping, NamedTuple,
                    Sequence)

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.fileio import atomic_write, log_saved
from ngramvec.base.validation import PARAMETERS, check_param

logger = logging.getLogger(__name__)

__all__ = ["FORMAT_VERSION", "META_KEY", "ARRAY_ALIGN", "MMAP_MODES", "Saved", "ArraySpec",
           "STRINGS", "save_npz", "load_npz", "saved_class", "check_arrays", "require",
           "PersistMixin", "encode_strings",
           "decode_strings", "NPZ_READ_ERRORS", "naming_write_errors"]

#: Version of the layout written by :func:`save_npz`; files of a larger version are refused.
FORMAT_VERSION = 2
#: Name of the JSON header entry.
META_KEY = "__ngramvec__"
#: What reading a damaged archive or member can raise: the zip layer (bad magic, CRC,
#: offsets, unsupported compression or encryption), zlib, the .npy header parser, and a
#: member header announcing more than can be allocated.
NPZ_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError,
                   NotImplementedError, RuntimeError, struct.error, OverflowError, MemoryError)
_ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")   # a first member, or an empty archive

class Saved(NamedTuple):
    """What :func:`load_npz` read.

    Attributes
    ----------
    class_name : str
    format_version : int
        1 for a file in the layout of an older ngramvec (read by a legacy hook).
    params : dict
        Constructor parameters.
    state : dict
        Small fitted values (JSON).
    arrays : dict of str to ndarray or list of str
    """

    class_name: str
    format_version: int
    params: dict
    state: dict
    arrays: dict


# --------------------------------------------------------------------------- schema

#: ``ArraySpec.kinds`` of an entry that is a list of str (stored as UTF-8 and offsets).
STRINGS = "str"


class ArraySpec(NamedTuple):
    """What a loader expects of one entry of a file, checked by :func:`check_arrays`.

    Attributes
    ----------
    kinds : str
        The NumPy dtype kinds allowed (``"f"`` float, ``"i"`` signed and ``"u"``
        unsigned integers, ``"b"`` bool), or :data:`STRINGS` for a list of str.
    shape : tuple
        One item per dimension: an int (that size), a name (the same name is the same
        size in every entry of the schema: ``("n", "dim")`` and ``("n",)``), or None
        (any size).
    """

    kinds: str
    shape: tuple[int | str | None, ...]


_KIND_NAMES = {"f": "float", "i": "signed int", "u": "unsigned int", "b": "bool"}


def _describe(spec: ArraySpec, sizes: Mapping[str, tuple[int, str]], name: str) -> str:
    """``a 2-D float array of shape (n, dim) with n=5 as in 'keys'``."""
    dims = ", ".join("any" if d is None else str(d) for d in spec.shape)
    known = []
    for d in dict.fromkeys(d for d in spec.shape if isinstance(d, str) and d in sizes):
        size, source = sizes[d]
        known.append(f"{d}={size}" + ("" if source == name else f" as in {source!r}"))
    with_sizes = f" with {', '.join(known)}" if known else ""
    if spec.kinds == STRINGS:
        return f"a list of str of length {dims}{with_sizes}"
    kinds = " or ".join(_KIND_NAMES.get(k, k) for k in spec.kinds)
    return (f"a {len(spec.shape)}-D {kinds} array of shape "
            f"({dims}{',' * (len(spec.shape) == 1)}){with_sizes}")


def _all_str(values: list) -> bool:
    """Whether every item is a str (or a subclass), at C speed in the common case."""
    try:
        "".join(values)   # raises TypeError on anything but str
        return True
    except TypeError:
        return False


def check_arrays(arrays: Mapping[str, Any], schema: Mapping[str, ArraySpec], path: str,
                 what: str = "file", str_lists: Collection[str] = ()) -> None:
    """Check the dtype and shape of every entry of ``arrays`` named in ``schema``.

    Entries the schema names but ``arrays`` lacks are not checked (the loader says
    what it needs, see :func:`require`); entries it does not name are not either. A
    named size is set by the first entry (in schema order) that has it. The lists named
    in ``str_lists`` are known to hold only str (:func:`load_npz` decoded them), so
    their items are not looked at again; such an entry may also be any sized object a
    ``decoders`` function of :func:`load_npz` returned (only its length is checked).

    Raises
    ------
    VectorsFormatError
        Naming ``path`` and the entry: its dtype or shape and what was expected.
    """
    sizes: dict[str, tuple[int, str]] = {}   # named size -> (size, entry that set it)
    for name, spec in schema.items():
        if name not in arrays:
            continue
        value = arrays[name]
        if spec.kinds == STRINGS:
            ok = (name in str_lists and hasattr(value, "__len__")) or (
                isinstance(value, list) and _all_str(value))
            shape: tuple[int, ...] = (len(value),) if ok else ()
            if ok:
                found = (f"a list of {len(value)} str" if isinstance(value, list) else
                         f"{len(value)} str ({type(value).__name__})")
            elif isinstance(value, list):
                found = f"a list of {len(value)} items, not all str"
            else:
                found = type(value).__name__
        else:
            ok = isinstance(value, np.ndarray) and value.dtype.kind in spec.kinds
            shape = value.shape if isinstance(value, np.ndarray) else ()
            found = (f"dtype {value.dtype} and shape {value.shape}"
                     if isinstance(value, np.ndarray) else type(value).__name__)
        ok = ok and len(shape) == len(spec.shape)
        if ok:
            for got, want in zip(shape, spec.shape):
                if isinstance(want, int) and got != want:
                    ok = False
                elif isinstance(want, str) and sizes.setdefault(want, (got, name))[0] != got:
                    ok = False
        if not ok:
            raise VectorsFormatError(f"damaged {what} file: the entry {name!r} must be "
                                     f"{_describe(spec, sizes, name)}; found {found}", path)


# --------------------------------------------------------------------------- strings


def encode_strings(strings: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Strings as (uint8 UTF-8 bytes back to back, int64 offsets of length n + 1)."""
    encoded = [s.encode("utf-8", "surrogatepass") for s in strings]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
    if encoded:
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
    return np.frombuffer(b"".join(encoded), dtype=np.uint8).copy(), offsets


def decode_strings(blob: np.ndarray, offsets: np.ndarray, path: str, name: str) -> list[str]:
    """Inverse of :func:`encode_strings`; VectorsFormatError naming ``path`` if inconsistent."""
    if not isinstance(blob, np.ndarray) or blob.dtype != np.uint8 or blob.ndim != 1:
        raise VectorsFormatError(f"the strings {name!r} must be 1-D uint8 (UTF-8 bytes); found "
                                 f"{getattr(blob, 'dtype', type(blob).__name__)} of shape "
                                 f"{getattr(blob, 'shape', ())}", path)
    raw = blob.tobytes()
    off = np.asarray(offsets)
    if (off.ndim != 1 or off.size == 0 or off.dtype.kind not in "iu" or off[0] != 0
            or off[-1] != len(raw) or np.any(off[1:] < off[:-1])):   # not diff: unsigned
        raise VectorsFormatError(f"inconsistent offsets of the strings {name!r}", path)
    off = off.astype(np.int64, copy=False)   # all in [0, len(raw)] now
    n = off.size - 1
    if n == 0:
        return []
    # Fast path: put a byte that no string holds between the strings, decode once and
    # split (a third of the time of slicing 200,000 strings out one by one). An ASCII
    # separator cannot fall inside a UTF-8 sequence, so the whole decodes if and only if
    # every string does; if not, the loop below names what is wrong.
    sep = next((c for c in b"\n\x00\x1f\x1e" if c not in raw), None)
    if sep is not None:
        joined = np.full(len(raw) + n - 1, sep, dtype=np.uint8)
        if n > 1:   # string i starts at off[i] + i in joined, after i separators
            keep = np.ones(joined.size, dtype=bool)
            keep[off[1:-1] + np.arange(n - 1)] = False
            joined[keep] = blob
        else:
            joined = blob
        try:
            return joined.tobytes().decode("utf-8", "surrogatepass").split(chr(sep))
        except UnicodeDecodeError:
            pass
    try:
        text = raw.decode("utf-8", "surrogatepass")
        bounds = off.tolist()
        if len(text) == len(raw):  # ASCII: byte offsets are character offsets
            return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
        return [raw[a:b].decode("utf-8", "surrogatepass")
                for a, b in zip(bounds[:-1], bounds[1:])]
    except UnicodeDecodeError as exc:   # not UTF-8, or an offset inside a character
        raise VectorsFormatError(f"the strings {name!r} are not valid UTF-8 ({exc.reason})",
                                 path) from None


# --------------------------------------------------------------------------- JSON


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray) and value.ndim <= 1 and value.size <= 64:
        return value.tolist()
    raise TypeError(f"{type(value).__name__} cannot be stored in the JSON header")


def _dumps(obj: Any, what: str) -> bytes:
    try:
        return json.dumps(obj, default=_json_default, sort_keys=True).encode("utf-8")
    except TypeError as exc:
        raise TypeError(f"cannot save the {what}: {exc}") from None


# --------------------------------------------------------------------------- save / load


@contextlib.contextmanager
def naming_write_errors(path: str | os.PathLike) -> Iterator[None]:
    """Make an :class:`OSError` raised while writing ``path`` name it.

    A full disk (``ENOSPC``) or a failing ``fsync`` raises an OSError without a file
    name, and the temporary file of an atomic write is not the name the user gave: the
    error is raised again as an OSError of the same errno whose ``filename`` is
    ``path``, chained to the original.
    """
    spath = os.fspath(path)
    try:
        yield
    except OSError as exc:
        if exc.filename == spath and exc.filename2 is None:
            raise
        if exc.errno is None:
            raise OSError(f"cannot write {spath}: {exc}") from exc
        raise OSError(exc.errno, f"cannot write: {exc.strerror or exc}", spath) from exc


def save_npz(path: str | os.PathLike, class_name: str, arrays: Mapping[str, Any],
             params: Mapping[str, Any] | None = None,
             state: Mapping[str, Any] | None = None, what: str | None = None) -> None:
    """Write arrays, string lists, parameters and state to ``path`` (exactly that name).

    Parameters
    ----------
    path : str or os.PathLike
        Destination; no suffix is added. Written atomically.
    class_name : str
        Checked by :func:`load_npz`.
    arrays : dict of str to array-like or list of str
        A list (or tuple) whose items are all str is stored as a string list; anything
        else with :func:`numpy.asarray` (object arrays are refused).
    params, state : dict, optional
        JSON-serialisable (NumPy scalars are converted).
    what : str, optional
        What the file holds, for its one log record
        (:func:`~ngramvec.base.fileio.log_saved`); default ``class_name``, with the shape
        of a 2-D ``vectors`` array.

    Raises
    ------
    TypeError
        A value that cannot be stored without pickles.
    ValueError
        An array name that collides with the header or with a string list's entries.
    OSError
        Writing failed (a full disk...); the message names ``path``.
    """
    out: dict[str, np.ndarray] = {}
    strings: list[str] = []
    for name, value in arrays.items():
        if name == META_KEY:
            raise ValueError(f"{META_KEY!r} is reserved for the header")
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            blob, offsets = encode_strings(value)
            for key, arr in ((f"{name}_utf8", blob), (f"{name}_offsets", offsets)):
                if key in arrays or key in out:
                    raise ValueError(f"the array name {key!r} collides with the string list "
                                     f"{name!r}")
                out[key] = arr
            strings.append(name)
            continue
        arr = np.asarray(value)
        if arr.dtype.hasobject:
            raise TypeError(f"cannot save {name!r}: an object array would need pickles")
        if name in out:
            raise ValueError(f"the array name {name!r} collides with a string list")
        out[name] = arr
    meta = {"library": "ngramvec", "class": class_name, "format_version": FORMAT_VERSION,
            "params": dict(params or {}), "state": dict(state or {}), "strings": strings}
    out[META_KEY] = np.frombuffer(_dumps(meta, f"{class_name} parameters and state"),
                                  dtype=np.uint8)
    with naming_write_errors(path), atomic_write(path, "wb") as f:
        _savez_aligned(f, out)
    if what is None:
        what = class_name
        vectors = out.get("vectors")
        if vectors is not None and vectors.ndim == 2:
            what += f" ({vectors.shape[0]:,} x {vectors.shape[1]:,} vectors)"
    log_saved(path, what)


#: The data of every array in a file written by :func:`save_npz` starts at a multiple of
#: this many bytes of the file, so that a memory-mapped array is aligned.
ARRAY_ALIGN = 64


def _savez_aligned(f: Any, arrays: Mapping[str, np.ndarray]) -> None:
    """What :func:`numpy.savez` writes (an uncompressed zip of ``.npy`` members, read by
    :func:`numpy.load`), except that the ``.npy`` header of each member is padded so that
    its data starts at a multiple of :data:`ARRAY_ALIGN` in the file (numpy aligns it
    within the member only), and the time stamps are fixed (the same arrays give the
    same bytes). Stored members of an aligned file can be memory-mapped, see
    :func:`load_npz`."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in arrays.items():
            arr = np.ascontiguousarray(value)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            with zf.open(info, "w", force_zip64=True) as member:
                start = zf.fp.tell()   # the local header is written: the member's data
                header = (f"{{'descr': {np.lib.format.dtype_to_descr(arr.dtype)!r}, "
                          f"'fortran_order': False, 'shape': {arr.shape!r}, }}")
                pad = -(start + 10 + len(header) + 1) % ARRAY_ALIGN
                text = (header + " " * pad + "\n").encode("latin1")
                member.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text)
                if arr.size:
                    member.write(memoryview(arr.reshape(-1).view(np.uint8)))


MMAP_MODES = (None, "r", "c")


class _Reads:
    """Members read in a background thread (the read releases the GIL, so the string
    lists are decoded meanwhile), in chunks; :meth:`join` has the caller's thread read
    the chunks not taken yet, from the back (two reads of the page cache at once are
    faster than one, and the caller has nothing else to do), then waits and raises
    what failed."""

    MIN_BYTES = 8 << 20      # smaller members are read in place
    CHUNK = 4 << 20          # the unit of work the two threads share

    def __init__(self, path: str) -> None:
        self.path = path
        self.jobs: list[tuple[threading.Thread, _ReadJob, str]] = []

    def may_defer(self, name: str, nbytes: int, check_crc: bool) -> bool:
        """Whether a member may be read in the background: a big one that is used only
        after :meth:`join` (not the header, not the parts of a string list, which are
        decoded while the reads run; nor under a CRC check, which needs the bytes)."""
        return (nbytes >= self.MIN_BYTES and not check_crc and name != META_KEY
                and not name.endswith(("_utf8", "_offsets")))

    def start(self, path: str, offset: int, flat: np.ndarray, name: str) -> None:
        job = _ReadJob(path, offset, flat, self.CHUNK)
        t = threading.Thread(target=job.run, args=(True,), name="ngramvec-npz-read",
                             daemon=True)
        t.start()
        self.jobs.append((t, job, name))

    @contextlib.contextmanager
    def guard(self) -> Iterator[None]:
        """Whatever ends the block, no read is left running (an error of a read is
        dropped if the block raised already)."""
        try:
            yield
        except BaseException:
            with contextlib.suppress(BaseException):
                self.join()
            raise
        self.join()

    def join(self) -> None:
        """Read what is left, wait for every read; a failed or short one is a
        VectorsFormatError."""
        jobs, self.jobs = self.jobs, []
        failed = None
        for t, job, name in jobs:
            try:
                job.run(False)
            finally:
                t.join()
            if failed is None and job.error is not None:
                exc = job.error
                failed = f"cannot read the entry {name!r} ({type(exc).__name__}: {exc})"
            elif failed is None and job.short:
                failed = f"the entry {name!r} is cut short"
        if failed is not None:
            raise VectorsFormatError(f"damaged archive: {failed}", self.path)


class _ReadJob:
    """The bytes ``[offset, offset + flat.nbytes)`` of a file read into ``flat`` in
    chunks that two threads take, one from the front and one from the back."""

    def __init__(self, path: str, offset: int, flat: np.ndarray, chunk: int) -> None:
        self.path, self.offset, self.chunk = path, offset, chunk
        self.view = memoryview(flat).cast("B") if flat.nbytes else memoryview(b"")
        self.lo, self.hi = 0, -(-flat.nbytes // chunk)   # chunks not taken: [lo, hi)
        self.lock = threading.Lock()
        self.error: BaseException | None = None
        self.short = False

    def _take(self, front: bool) -> int:
        with self.lock:
            if self.lo >= self.hi or self.error is not None or self.short:
                return -1
            if front:
                self.lo += 1
                return self.lo - 1
            self.hi -= 1
            return self.hi

    def run(self, front: bool) -> None:
        """Read chunks until none is left (or one failed)."""
        try:
            with open(self.path, "rb", buffering=0) as fh:
                while (c := self._take(front)) >= 0:
                    a = c * self.chunk
                    part = self.view[a:a + self.chunk]
                    fh.seek(self.offset + a)
                    if fh.readinto(part) != len(part):   # releases the GIL
                        self.short = True
        except BaseException as exc:   # handed to join(), in the caller's thread
            with self.lock:
                if self.error is None:
                    self.error = exc
            if not front and not isinstance(exc, Exception):
                raise   # KeyboardInterrupt in the caller's thread: the other stops too


def _mmap_members(path: str, names: set[str], mode: str | None,
                  check_crc: bool = True, reads: _Reads | None = None
                  ) -> dict[str, np.ndarray]:
    """Memory-map (``mode`` "r" or "c") or read (``mode`` None) the members ``names`` of
    the ``.npz`` at ``path`` that are stored uncompressed (what :func:`save_npz` and
    :func:`numpy.savez` write); the others are not in the result. What is checked of
    each: its local header (signature, name and extra field lengths), the ``.npy``
    header, that the data announced fills the member exactly and lies inside the file,
    and with ``check_crc`` the CRC-32 (which reads every byte a second time: a third of
    the time of a read from the page cache; a mapped member's is then computed over the
    mapping, which reads it). Reading goes straight into the array (numpy reads a zip
    member in 256 KiB pieces and copies each)."""
    out: dict[str, np.ndarray] = {}
    size = os.path.getsize(path)
    with zipfile.ZipFile(path) as zf, open(path, "rb") as fh:
        for info in zf.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if (name not in names or info.compress_type != zipfile.ZIP_STORED
                    or info.flag_bits & 0x1):
                continue
            fh.seek(info.header_offset)
            local = fh.read(30)
            if len(local) != 30 or local[:4] != b"PK\x03\x04":
                raise ValueError(f"no local header for {info.filename!r}")
            n_name, n_extra = struct.unpack("<HH", local[26:30])
            start = info.header_offset + 30 + n_name + n_extra
            fh.seek(start)
            version = np.lib.format.read_magic(fh)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f"unsupported .npy version {version} of {info.filename!r}")
            try:
                # numpy parses the header dict with the tokenizer and ast: a damaged one
                # fails in any of their ways
                shape, fortran, dtype = (np.lib.format.read_array_header_1_0(fh)
                                         if version == (1, 0) else
                                         np.lib.format.read_array_header_2_0(fh))
            except (tokenize.TokenError, SyntaxError, TypeError, IndexError, AttributeError,
                    RecursionError) as exc:
                raise ValueError(f"damaged array header of {info.filename!r} "
                                 f"({type(exc).__name__}: {exc})") from None
            if dtype.hasobject:
                raise ValueError(f"the entry {name!r} holds Python objects (pickles)")
            offset = fh.tell()
            nbytes = math.prod(shape) * dtype.itemsize   # Python ints: no overflow
            if offset - start + nbytes != info.file_size or offset + nbytes > size:
                raise ValueError(f"the entry {name!r} announces {nbytes} bytes of data, its "
                                 f"member holds {info.file_size - (offset - start)}")
            order = "F" if fortran else "C"
            if mode is None:
                arr = np.empty(shape, dtype=dtype, order=order)
                flat = arr.reshape(-1, order="A").view(np.uint8) if arr.size else arr
                if reads is not None and reads.may_defer(name, nbytes, check_crc):
                    reads.start(path, offset, flat, name)
                elif arr.size and fh.readinto(memoryview(flat)) != nbytes:
                    raise ValueError(f"the entry {name!r} is cut short")
            elif nbytes == 0:
                arr = np.zeros(shape, dtype=dtype, order=order)
                flat = arr
            else:
                arr = np.memmap(path, dtype=dtype, mode=mode, offset=offset, shape=shape,
                                order=order)
                flat = arr.reshape(-1, order="A").view(np.uint8)
            if check_crc:
                fh.seek(start)
                crc = zlib.crc32(fh.read(offset - start))   # the .npy header, then the data
                if zlib.crc32(memoryview(flat) if flat.size else b"", crc) != info.CRC:
                    raise ValueError(f"bad CRC-32 of the entry {name!r}")
            out[name] = arr
    return out


LegacyReader = Callable[[Mapping[str, np.ndarray], str], "Saved | None"]
#: ``decoder(blob, offsets, path, name) -> list of str``, see :func:`load_npz`.
StringDecoder = Callable[[np.ndarray, np.ndarray, str, str], list]


def load_npz(path: str | os.PathLike, class_name: str, what: str | None = None,
             legacy: LegacyReader | None = None,
             schema: Mapping[str, ArraySpec] | None = None,
             mmap_mode: str | None = None, check_crc: bool = True,
             decoders: Mapping[str, StringDecoder] | None = None) -> Saved:
    """Read a file written by :func:`save_npz` for ``class_name``.

    Parameters
    ----------
    path : str or os.PathLike
    class_name : str
        The class the file must hold.
    what : str, optional
        How messages name the file ("SGNS model", "co-occurrence"); default
        ``class_name``.
    legacy : callable, optional
        ``legacy(arrays, path) -> Saved or None`` reads a file of the layout used before
        format version 2 (``arrays``: every entry of the archive, loaded). None means
        "not such a file either".
    schema : dict of str to ArraySpec, optional
        The dtype and shape of the entries the caller will use, checked (with
        :func:`check_arrays`) in what is returned, whatever the format version.
    mmap_mode : {None, "r", "c"}, default=None
        Memory-map the arrays (not the string lists) stored uncompressed, as every file
        of :func:`save_npz` and :func:`numpy.savez` is, instead of reading them:
        ``"r"`` read-only, ``"c"`` copy-on-write (changes stay in memory). ``"r+"`` is
        refused: writing into the archive would break its CRCs.
    check_crc : bool, default=True
        Check the CRC-32 of every entry (of a memory-mapped one too, which reads it).
        False checks everything else (the zip and ``.npy`` headers, that each entry's
        data fills its member and lies inside the file, the strings' UTF-8 and offsets,
        ``schema``) but not that the bytes of the data are the ones written: a flipped
        bit in an array goes unnoticed. Compressed or otherwise unusual archives
        (``numpy.savez_compressed``) are read by numpy, which always checks it.
    decoders : dict of str to callable, optional
        How to decode a string list instead of :func:`decode_strings` (same arguments:
        ``(blob, offsets, path, name)``; returns a list of str, or any sized object
        standing for one, and raises VectorsFormatError naming ``path``): for a loader
        that builds more from the bytes in the same pass (:class:`~ngramvec.KeyedVectors`
        builds a compiled key index instead of the strs).

    Returns
    -------
    Saved

    Raises
    ------
    FileNotFoundError
        No such file (the message names it).
    VectorsFormatError
        Not an ``.npz`` archive, not a file of ngramvec, a file of another class, a
        newer format version, damaged entries, or entries that do not match ``schema``
        (the message names the file, and the entry).
    """
    spath = os.fspath(path)
    what = what or class_name
    if mmap_mode not in MMAP_MODES:
        raise ValueError(f"The 'mmap' parameter must be None, 'r' (read-only) or 'c' "
                         f"(copy-on-write). Got {mmap_mode!r} instead.")
    if not os.path.exists(spath):
        raise FileNotFoundError(f"{spath}: no such {what} file")
    try:
        with open(spath, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise VectorsFormatError(f"cannot read the {what} file: {exc.strerror or exc}",
                                 spath) from None
    if head.startswith(b"\x93NUMPY"):
        raise VectorsFormatError(f"not a {what} file of ngramvec: a single .npy array, not an "
                                 f".npz archive", spath)
    if head[:1] == b"\x80" and head[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise VectorsFormatError(f"not a {what} file of ngramvec but a Python pickle (protocol "
                                 f"{head[1]}), such as gensim's save() writes; ngramvec never "
                                 f"unpickles a file, since unpickling can run arbitrary code",
                                 spath)
    if not head.startswith(_ZIP_MAGIC):
        shown = f"it starts with {head!r}" if head else "the file is empty"
        raise VectorsFormatError(f"not a {what} file of ngramvec: not an .npz archive (a zip "
                                 f"file; {shown})", spath)
    try:
        archive = np.load(spath, allow_pickle=False)
    except NPZ_READ_ERRORS as exc:
        raise VectorsFormatError(f"not a {what} file of ngramvec: not a readable .npz "
                                 f"({type(exc).__name__}: {exc})", spath) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):  # pragma: no cover - magic checked
        raise VectorsFormatError(f"not a {what} file of ngramvec: a single .npy array, not an "
                                 f".npz archive", spath)
    reads = _Reads(spath)
    with reads.guard():
        with archive:
            files = {}
            try:
                names = list(archive.files)
            except NPZ_READ_ERRORS as exc:  # pragma: no cover - listed when opened
                raise VectorsFormatError(f"damaged archive ({type(exc).__name__}: {exc})",
                                         spath) from None
            mapped = _map_entries(archive, names, spath, mmap_mode, check_crc, reads)
            for name in names:
                if name in mapped:
                    files[name] = mapped[name]
                    continue
                # a bad CRC or a truncated member shows when the member is read
                try:
                    files[name] = archive[name]
                except NPZ_READ_ERRORS as exc:
                    raise VectorsFormatError(
                        f"damaged archive: cannot read the entry {name!r} "
                        f"({type(exc).__name__}: {exc})", spath) from None
        if META_KEY not in files:
            reads.join()        # a legacy reader reads every array
            saved = legacy(files, spath) if legacy is not None else None
            if saved is None:
                raise VectorsFormatError(
                    f"not a {what} file of ngramvec (no {META_KEY!r} entry)", spath)
            if schema:
                check_arrays(saved.arrays, schema, spath, what)
            return saved
        try:
            header = files.pop(META_KEY)
            if header.dtype != np.uint8 or header.ndim != 1:
                raise ValueError(f"expected 1-D uint8, found {header.dtype} of shape "
                                 f"{header.shape}")
            meta = json.loads(header.tobytes().decode("utf-8"))
            found = str(meta["class"])
            version = int(meta["format_version"])
            params, state = dict(meta.get("params") or {}), dict(meta.get("state") or {})
            strings = [str(name) for name in meta.get("strings", [])]
        except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            raise VectorsFormatError(f"damaged {META_KEY!r} header ({exc})", spath) from None
        if version > FORMAT_VERSION:
            raise VectorsFormatError(
                f"written by a newer ngramvec (format version {version}); this one reads "
                f"versions up to {FORMAT_VERSION}: upgrade ngramvec", spath)
        if found != class_name:
            raise VectorsFormatError(f"holds a {found}, not a {class_name}; load it with "
                                     f"{found}.load", spath)
        arrays: dict[str, Any] = dict(files)
        for name in strings:
            try:
                blob, offsets = arrays.pop(f"{name}_utf8"), arrays.pop(f"{name}_offsets")
            except KeyError:
                raise VectorsFormatError(f"the strings {name!r} are missing", spath) from None
            decode = decoders.get(name, decode_strings) if decoders else decode_strings
            arrays[name] = decode(blob, offsets, spath, name)
        reads.join()        # the big arrays were read meanwhile
        if schema:
            check_arrays(arrays, schema, spath, what, str_lists=strings)
        return Saved(found, version, params, state, arrays)


def saved_class(path: str | os.PathLike) -> str | None:
    """The class named by the header of a file written by :func:`save_npz`, reading only
    that header; None for an ``.npz`` without one (a file of format version 1).

    Raises
    ------
    FileNotFoundError
    VectorsFormatError
        Not an ``.npz`` archive, or a damaged header (the message names the file).
    """
    spath = os.fspath(path)
    if not os.path.exists(spath):
        raise FileNotFoundError(f"{spath}: no such file")
    try:
        with zipfile.ZipFile(spath) as archive:
            if f"{META_KEY}.npy" not in archive.namelist():
                return None
            with archive.open(f"{META_KEY}.npy") as member:
                header = np.lib.format.read_array(member, allow_pickle=False)
        return str(json.loads(header.tobytes().decode("utf-8"))["class"])
    except NPZ_READ_ERRORS + (TypeError, AttributeError) as exc:
        raise VectorsFormatError(f"not a file of ngramvec: not a readable .npz with a "
                                 f"{META_KEY!r} header ({type(exc).__name__}: {exc})",
                                 spath) from None


def _map_entries(archive: Any, names: list[str], path: str, mode: str | None,
                 check_crc: bool, reads: _Reads | None = None) -> dict[str, np.ndarray]:
    """The entries of an open archive read straight into memory (``mode`` None: all of
    them), or memory-mapped (every array but the header and the string lists it names,
    which are decoded anyway and so are read). On any doubt about reading straight,
    nothing: numpy then reads the entries and says what is wrong."""
    if mode is None:
        try:
            return _mmap_members(path, set(names), None, check_crc, reads)
        except NPZ_READ_ERRORS:
            if reads is not None:
                with contextlib.suppress(VectorsFormatError):
                    reads.join()
            return {}
    skip = {META_KEY}
    if META_KEY in names:
        try:
            meta = json.loads(archive[META_KEY].tobytes().decode("utf-8"))
            for name in meta.get("strings", []):
                skip.update((f"{name}_utf8", f"{name}_offsets"))
        except NPZ_READ_ERRORS + (TypeError, AttributeError, RecursionError):
            return {}   # damaged: read as without mmap, which says what is wrong
    try:
        mapped = _mmap_members(path, set(names) - skip, mode, check_crc)
    except NPZ_READ_ERRORS as exc:
        raise VectorsFormatError(f"damaged archive: cannot memory-map it "
                                 f"({type(exc).__name__}: {exc})", path) from None
    try:   # the string lists: read straight (numpy's zip reader copies in pieces)
        mapped.update(_mmap_members(path, skip & set(names), None, check_crc))
    except NPZ_READ_ERRORS:
        pass   # read by numpy, which says what is wrong
    return mapped


def require(saved: Saved, names: Sequence[str], path: str) -> None:
    """Raise VectorsFormatError naming ``path`` if an entry of ``names`` is missing."""
    missing = [n for n in names if n not in saved.arrays]
    if missing:
        raise VectorsFormatError(f"the {saved.class_name} file lacks {missing}", path)


# --------------------------------------------------------------------------- mixin


class PersistMixin:
    """``save`` / ``load`` of an estimator: its parameters and its fitted attributes.

    Subclasses list their fitted attributes in ``_persist_attributes`` (arrays, string
    lists and JSON values: ints, floats, lists...), the constructor parameters that
    cannot be stored (objects to pass to :meth:`load` again) in
    ``_persist_skip_params``, the dtype and shape of the arrays :meth:`load` trusts in
    ``_persist_schema`` (name -> :class:`ArraySpec`), and may override
    :meth:`_persist_extra`, :meth:`_persist_restore` and :meth:`_persist_legacy`.
    Needs ``get_params`` and ``_check_fitted``
    (:class:`ngramvec.base.estimator.Estimator`).
    """

    _persist_what: ClassVar[str | None] = None
    _persist_attributes: ClassVar[tuple[str, ...]] = ()
    _persist_skip_params: ClassVar[tuple[str, ...]] = ()
    _persist_schema: ClassVar[Mapping[str, ArraySpec]] = {}

    def _persist_extra(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """More (arrays, state) to save besides ``_persist_attributes``."""
        return {}, {}

    def _persist_restore(self, saved: Saved, path: str) -> None:
        """Restore what :meth:`_persist_extra` saved, and derived state."""

    @classmethod
    def _persist_legacy(cls, files: Mapping[str, np.ndarray], path: str) -> Saved | None:
        """Read a file of format version 1; None if it is not one."""
        return None

    def save(self, path: str | os.PathLike) -> None:
        """Save the parameters and the fitted state to ``path`` (an ``.npz`` archive).

        The file is written under exactly this name (no suffix is added), atomically,
        without pickles (see :mod:`ngramvec.base.persist` for the layout).

        Parameters
        ----------
        path : str or os.PathLike

        Raises
        ------
        sklearn.exceptions.NotFittedError
            If the estimator is not fitted.
        """
        params, arrays, state = self._persist_payload()
        epochs = getattr(self, "epochs_trained_", None)
        what = f"the {self._persist_what or type(self).__name__}" + (
            f" ({epochs} epochs trained)" if isinstance(epochs, int) else "")
        save_npz(path, type(self).__name__, arrays, params, state, what=what)

    def _persist_payload(self) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
        """(params, arrays, state) of a fitted estimator: what :meth:`save` writes.

        An estimator made of others (:class:`ngramvec.postprocess.SentencePairEncoder`)
        stores the payload of each part in its own file.
        """
        self._check_fitted()  # type: ignore[attr-defined]
        params = {k: v for k, v in self.get_params(deep=False).items()  # type: ignore[attr-defined]
                  if k not in self._persist_skip_params}
        arrays: dict[str, Any] = {}
        state: dict[str, Any] = {}
        for attr in self._persist_attributes:
            value = getattr(self, attr)
            if isinstance(value, np.ndarray) or (
                    isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
                arrays[attr] = value
            else:
                state[attr] = value
        extra_arrays, extra_state = self._persist_extra()
        arrays.update(extra_arrays)
        state.update(extra_state)
        return params, arrays, state

    @classmethod
    def load(cls, path: str | os.PathLike, **params: Any) -> Any:
        """Load an estimator written by :meth:`save`.

        Parameters
        ----------
        path : str or os.PathLike
        **params
            Constructor parameters that are not stored in the file (for the sentence
            embedders: ``keyed_vectors``), or that override stored ones.

        Returns
        -------
        estimator
            A fitted instance of this class.

        Raises
        ------
        FileNotFoundError
        VectorsFormatError
            Not a saved estimator of this class (the message names the file and the
            class it holds), a newer format version, or damaged content: an entry of
            the wrong dtype or shape (named), parameters or state the class refuses.
        """
        spath = os.fspath(path)
        saved = load_npz(spath, cls.__name__, cls._persist_what, cls._persist_legacy,
                         cls._persist_schema)
        return cls._persist_build(saved, spath, **params)

    @classmethod
    def _persist_build(cls, saved: Saved, spath: str, **params: Any) -> Any:
        """The fitted estimator from what :func:`load_npz` read (arrays already checked
        against ``_persist_schema``); ``params`` as for :meth:`load`."""
        what = cls._persist_what or cls.__name__
        known = getattr(cls, "_get_param_names", None)
        unknown = sorted(set(saved.params) - set(known())) if known is not None else []
        if unknown:
            raise VectorsFormatError(f"damaged {what} file: parameters {unknown} are not "
                                     f"parameters of {cls.__name__}", spath)
        for name, value in saved.params.items():
            # a stored parameter the class would refuse at first use is a damaged file
            # now (one the caller overrides is the caller's to check)
            if name in params or name not in PARAMETERS:
                continue
            try:
                check_param(value, name, cls.__name__)
            except (TypeError, ValueError) as exc:
                raise VectorsFormatError(f"damaged {what} file: {exc}", spath) from exc
        est = cls(**{**saved.params, **params})
        try:
            for attr in cls._persist_attributes:
                if attr in saved.arrays:
                    value = saved.arrays[attr]
                elif attr in saved.state:
                    value = saved.state[attr]
                else:
                    raise VectorsFormatError(f"the {cls.__name__} file lacks {attr!r}", spath)
                if isinstance(value, np.ndarray) and value.ndim == 0:
                    value = value.item()
                setattr(est, attr, value)
            est._persist_restore(saved, spath)
        except VectorsFormatError:
            raise
        except (TypeError, ValueError, IndexError, KeyError, AttributeError) as exc:
            # what a schema cannot say (sizes kept in the state, values, the vectors
            # passed to load): the file is named, the cause kept
            raise VectorsFormatError(f"cannot load the {what} from this file: {exc}",
                                     spath) from exc
        return est
