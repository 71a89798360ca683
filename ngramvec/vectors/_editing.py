"""Changing a :class:`~ngramvec.KeyedVectors`: adding, replacing, selecting and sorting
vectors, and merging in vectors from a word2vec file (gensim 4's names and semantics,
except where ``docs/gensim.md`` says otherwise).

Every change keeps the cached norms and unit vectors right: changed rows are
recomputed, appended rows extend the caches, a reordering permutes them.
"""
from __future__ import annotations

import logging
import os
from typing import Any, Iterable, Mapping

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.keys import normalize_key
from ngramvec.base.persist import decode_strings
from ngramvec.base.validation import check_bool, check_float, check_option
from ngramvec.vectors import formats as _io
from ngramvec.vectors._analogy import row_norms, unit_rows

try:
    from ngramvec.vectors import _formats as _ext
except ImportError:  # not built: stored_key_index decodes in Python
    _ext = None

__all__ = ["EditingMixin", "check_keys", "stored_key_index"]

logger = logging.getLogger(__name__)

_FORBIDDEN = " \t\n\r\x0b\x0c"


def check_keys(index_to_key: Iterable[Any]) -> list[str]:
    """The keys as a list, each a non-empty str without ASCII whitespace, or raise."""
    keys = list(index_to_key)
    # the common case at C speed (a 200,000-key file loads in milliseconds; join raises
    # TypeError on anything but str); the loop below finds the key to name when
    # something is wrong
    try:
        joined = "".join(keys)
    except TypeError:
        joined = None
    if joined is not None and all(keys) and not any(ch in joined for ch in _FORBIDDEN):
        return keys
    for k in keys:
        if not isinstance(k, str):
            raise TypeError(f"keys of KeyedVectors must be str. Got {k!r} of type "
                            f"{type(k).__name__} instead.")
        if not k:
            raise ValueError("keys of KeyedVectors must not be empty strings")
        for ch in _FORBIDDEN:
            if ch in k:
                raise ValueError(f"the key {k!r} contains ASCII whitespace ({ch!r}), which the "
                                 f"word2vec and GloVe formats cannot store; join ngram tokens "
                                 f"with ngramvec._keys.NGRAM_SEP (U+00A0) instead")
    return keys


def stored_key_index(blob: Any, offsets: Any, path: str, name: str = "keys") -> Any:
    """Keys stored as UTF-8 bytes back to back and ``n + 1`` offsets (a native ``.npz``),
    checked as :class:`KeyedVectors` checks keys (offsets, UTF-8, not empty, no ASCII
    whitespace, no duplicates).

    With the compiled module: a :class:`ngramvec.vectors._formats.KeyIndex` over the
    bytes (built without the GIL and without making a str; :class:`KeyedVectors`
    answers lookups from it and makes ``index_to_key`` and ``key_to_index`` when they
    are first used). Without it: the keys decoded into a list of str.

    Raises
    ------
    VectorsFormatError
        Naming ``path``, and the key at fault.
    """
    if (_ext is None or not isinstance(blob, np.ndarray) or blob.dtype != np.uint8
            or blob.ndim != 1 or not isinstance(offsets, np.ndarray) or offsets.ndim != 1
            or offsets.dtype.kind not in "iu" or offsets.size == 0
            or offsets.size - 1 >= 2**31):
        return decode_strings(blob, offsets, path, name)   # it says what is wrong
    blob = np.ascontiguousarray(blob)
    off = np.ascontiguousarray(offsets, dtype=np.int64)  # a wrapped uint64 fails the checks
    index = _ext.KeyIndex(blob, off, int.from_bytes(os.urandom(8), "little"))
    status, at, first = index.build()
    if status == _ext.KEYS_OK:
        return index
    if status == _ext.KEYS_BAD_OFFSETS:
        raise VectorsFormatError(f"inconsistent offsets of the strings {name!r} (at position "
                                 f"{at})", path)
    if status == _ext.KEYS_EMPTY:
        raise VectorsFormatError(f"damaged vectors file: keys of KeyedVectors must not be empty "
                                 f"strings (the key at position {at} is)", path)
    raw = bytes(blob[off[at]:off[at + 1]])
    if status == _ext.KEYS_WHITESPACE:
        key = raw.decode("utf-8", "replace")
        ch = next(c for c in _FORBIDDEN if c in key)
        raise VectorsFormatError(f"damaged vectors file: the key {key!r} contains ASCII "
                                 f"whitespace ({ch!r}), at position {at}", path)
    if status == _ext.KEYS_BAD_UTF8:
        try:
            raw.decode("utf-8", "surrogatepass")
            reason = "invalid UTF-8"  # pragma: no cover - the C check and Python agree
        except UnicodeDecodeError as exc:
            reason = exc.reason
        raise VectorsFormatError(f"the strings {name!r} are not valid UTF-8 ({reason}, the key "
                                 f"at position {at})", path)
    if status == _ext.KEYS_DUPLICATE:
        key = raw.decode("utf-8", "surrogatepass")
        raise VectorsFormatError(f"damaged vectors file: duplicate key {key!r} at positions "
                                 f"{first} and {at}", path)
    raise VectorsFormatError(f"cannot index the keys {name!r} (status {status})",
                             path)  # pragma: no cover - sizes checked above


def _is_row_number(key: Any) -> bool:
    return isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_))


def _as_counts(value: Any, n: int, owner: str) -> np.ndarray:
    c = np.asarray(value)
    if c.shape != (n,):
        raise ValueError(f"{owner}: the 'count' extra must have shape ({n},). Got {c.shape} "
                         f"instead.")
    if c.dtype.kind not in "iu" and not (c.dtype.kind == "f" and np.all(c == np.round(c))):
        raise TypeError(f"{owner}: counts must be integers. Got dtype {c.dtype} instead.")
    c = c.astype(np.int64)
    if c.size and c.min() < 0:
        raise ValueError(f"{owner}: counts must be >= 0")
    return c


class EditingMixin:
    """The editing methods of :class:`~ngramvec.KeyedVectors` (see the module docstring)."""

    # -- cache upkeep ----------------------------------------------------------

    def _writable(self) -> None:
        """Copy read-only (e.g. memory-mapped) vectors into memory before changing them."""
        if not self._vectors.flags.writeable:
            logger.info("copying %s read-only vectors into memory to change them",
                        f"{len(self):,}")
            self._vectors = np.array(self._vectors, dtype=np.float32, order="C")

    def _refresh_rows(self, rows: np.ndarray) -> None:
        """Recompute the cached norms and unit vectors of ``rows`` (their vectors changed)."""
        if not len(rows) or (self._norms is None and self._unit is None):
            return
        norms = row_norms(self._vectors[rows])
        if self._norms is not None:
            self._norms[rows] = norms
        if self._unit is not None:
            self._unit[rows] = unit_rows(self._vectors[rows], norms)

    def _append(self, keys: list[str], vectors: np.ndarray, counts: np.ndarray | None) -> None:
        """Append new keys (checked, not present) with their float32 vectors and counts."""
        n = len(self.index_to_key)
        self._vectors = np.concatenate([self._vectors, vectors])
        for i, k in enumerate(keys, start=n):
            self.key_to_index[k] = i
        self.index_to_key.extend(keys)
        if self.counts is not None or counts is not None:
            old = self.counts if self.counts is not None else np.zeros(0, dtype=np.int64)
            new = counts if counts is not None else np.zeros(len(keys), dtype=np.int64)
            self.counts = np.concatenate([old, new])
        norms = row_norms(vectors) if (self._norms is not None or self._unit is not None) else None
        if self._norms is not None:
            self._norms = np.concatenate([self._norms, norms])
        if self._unit is not None:
            self._unit = np.concatenate([self._unit, unit_rows(vectors, norms)])

    # -- adding and replacing ------------------------------------------------

    def add_vectors(self, keys: Any, weights: Any, extras: Mapping[str, Any] | None = None,
                    replace: bool = False) -> None:
        """Append keys and their vectors; keys already present keep their vector unless
        ``replace``.

        Parameters
        ----------
        keys : key or list of keys
            Keys (str, or tuple of tokens for an ngram). Must be unique.
        weights : array-like of shape (n_keys, dim), or (dim,) for one key
        extras : dict, optional
            ``{"count": array of shape (n_keys,)}``: the counts of these keys (the only
            per-key attribute ngramvec stores). Without it, new keys get count 0 when the
            vectors have counts.
        replace : bool, default=False
            Overwrite the vectors (and counts given in ``extras``) of present keys.

        Raises
        ------
        ValueError
            ``weights`` of the wrong shape, a duplicate in ``keys``, an extra other than
            ``"count"``, or counts given when the present keys have none.
        TypeError
            A key that is not a str (or tuple of str).

        Notes
        -----
        Replaced rows are written in place: vectors that share memory with the array
        given to the constructor change it too (read-only ones are copied first).

        Examples
        --------
        >>> import numpy as np
        >>> from ngramvec import KeyedVectors
        >>> wv = KeyedVectors(np.eye(2), ["a", "b"])
        >>> wv.add_vectors(["b", "c"], [[5.0, 5.0], [1.0, 1.0]])  # "b" kept
        >>> wv.index_to_key, wv["b"].tolist()
        (['a', 'b', 'c'], [0.0, 1.0])
        >>> wv["b"] = [0.0, 2.0]
        >>> float(wv.norms[1])
        2.0
        """
        owner = "add_vectors"
        replace = check_bool(replace, "replace", owner)
        if isinstance(keys, (str, tuple)):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        keys = check_keys(normalize_key(k) if isinstance(k, tuple) else k for k in keys)
        w = np.asarray(weights)
        if not keys and w.size == 0:
            return
        if w.dtype.kind not in "fiu":
            raise TypeError(f"{owner}: weights must be numeric. Got dtype {w.dtype} instead.")
        if w.ndim != 2 or w.shape != (len(keys), self.vector_size):
            raise ValueError(f"{owner}: weights must have shape ({len(keys)}, "
                             f"{self.vector_size}) for {len(keys)} keys of dim "
                             f"{self.vector_size}. Got shape {w.shape} instead.")
        w = np.ascontiguousarray(w, dtype=np.float32)
        counts = None
        for name, value in (extras or {}).items():
            if name != "count":
                raise ValueError(f"{owner}: ngramvec stores only the 'count' attribute per key. "
                                 f"Got the extra {name!r}.")
            counts = _as_counts(value, len(keys), owner)
        if counts is not None and self.counts is None and len(self):
            raise ValueError(f"{owner}: counts were given for the new keys, but the "
                             f"{len(self):,} keys present have none")
        seen: dict[str, int] = {}
        for j, k in enumerate(keys):
            if k in seen:
                raise ValueError(f"{owner}: the key {k!r} appears twice in keys (positions "
                                 f"{seen[k]} and {j})")
            seen[k] = j
        found = [self._find(k) for k in keys]
        present = np.array([i >= 0 for i in found], dtype=bool)
        if replace and present.any():
            rows = np.array([i for i in found if i >= 0], dtype=np.int64)
            self._writable()
            self._vectors[rows] = w[present]
            if counts is not None:
                self.counts[rows] = counts[present]
            self._refresh_rows(rows)
        if not present.all():
            new = ~present
            self._append([k for k, p in zip(keys, present) if not p], w[new],
                         None if counts is None else counts[new])

    def add_vector(self, key: Any, vector: Any) -> int:
        """Append one new key and its vector; returns its row.

        Appending copies the matrix: add many keys at once with :meth:`add_vectors`.

        Raises
        ------
        ValueError
            The key is present already (replace its vector with ``kv[key] = vector``), or
            the vector does not have ``dim`` values.
        """
        k = normalize_key(key) if isinstance(key, tuple) else key
        if isinstance(k, str) and self._find(k) >= 0:
            raise ValueError(f"add_vector: the key {k!r} is present already (row "
                             f"{self._find(k)}); replace its vector with kv[key] = vector")
        v = np.asarray(vector)
        if v.ndim != 1 or v.shape[0] != self.vector_size:
            raise ValueError(f"add_vector: the vector must have shape ({self.vector_size},). Got "
                             f"shape {v.shape} instead.")
        self.add_vectors([k], v[None, :])
        return len(self) - 1

    def __setitem__(self, keys: Any, weights: Any) -> None:
        """``kv[key] = vector`` or ``kv[[k1, k2]] = matrix``: replace the vectors of present
        keys (a row number addresses its row) and append new keys, as gensim's
        ``add_vectors(replace=True)``. The cached norms follow."""
        if not isinstance(keys, list):
            keys = [keys]
            weights = np.asarray(weights).reshape(1, -1)
        resolved = []
        for k in keys:
            if _is_row_number(k):
                resolved.append(self._key_at(self.get_index(k)))
            else:
                resolved.append(k)
        self.add_vectors(resolved, weights, replace=True)

    # -- selecting, merging, sorting ------------------------------------------

    def vectors_for_all(self, keys: Iterable[Any], allow_inference: bool = True,
                        copy_vecattrs: bool = False) -> Any:
        """A new KeyedVectors with the vectors of those ``keys`` that are present.

        Parameters
        ----------
        keys : iterable of keys
            Deduplicated, in their first-seen order; absent keys are left out (counted
            in a log line).
        allow_inference : bool, default=True
            gensim's parameter, for subword models; these vectors infer nothing.
        copy_vecattrs : bool, default=False
            Carry the counts over.

        Returns
        -------
        KeyedVectors
            Possibly empty; its vectors are a copy.
        """
        check_bool(allow_inference, "allow_inference", "vectors_for_all")
        copy_vecattrs = check_bool(copy_vecattrs, "copy_vecattrs", "vectors_for_all")
        rows: list[int] = []
        seen: set[str] = set()
        absent = 0
        for key in keys:
            k = normalize_key(key) if isinstance(key, tuple) else key
            if not isinstance(k, str):
                raise TypeError(f"vectors_for_all: keys must be str (or tuples of tokens). Got "
                                f"{key!r} instead.")
            if k in seen:
                continue
            seen.add(k)
            i = self._find(k)
            if i < 0:
                absent += 1
            else:
                rows.append(i)
        if absent:
            logger.info("vectors_for_all: %d of %d distinct keys are not present", absent,
                        len(seen))
        counts = self.counts[rows] if copy_vecattrs and self.counts is not None else None
        return type(self)(self._vectors[rows], [self._key_at(i) for i in rows], counts)

    def intersect_word2vec_format(self, fname: str | os.PathLike, lockf: float = 0.0,
                                  binary: bool = False, encoding: str = "utf8",
                                  unicode_errors: str = "strict") -> int:
        """Take the vectors of a word2vec file for the keys present here; add no key.

        Parameters
        ----------
        fname : str or os.PathLike
            A word2vec text or binary file (may be compressed).
        lockf : float, default=0.0
            gensim's lock factor for further training; KeyedVectors do not train, so it
            is accepted and ignored.
        binary : bool, default=False
        encoding : {"utf8"}, default="utf8"
            ngramvec's readers read UTF-8.
        unicode_errors : {"strict", "replace", "ignore"}, default="strict"

        Returns
        -------
        int
            The number of keys whose vector was replaced (gensim returns None).

        Raises
        ------
        VectorsFormatError
            The file is malformed or its vectors do not have this ``dim``.
        """
        owner = "intersect_word2vec_format"
        check_float(lockf, "lockf", owner)
        binary = check_bool(binary, "binary", owner)
        if not isinstance(encoding, str) or encoding.lower().replace("-", "") != "utf8":
            raise ValueError(f"The 'encoding' parameter of {owner} must be 'utf8' (ngramvec "
                             f"reads UTF-8). Got {encoding!r} instead.")
        unicode_errors = check_option(unicode_errors, "unicode_errors", owner,
                                      ("strict", "replace", "ignore"))
        kwargs = {} if unicode_errors == "strict" else {"unicode_errors": unicode_errors}
        keys, vectors = _io.read_word2vec(fname, binary=binary, **kwargs)
        if vectors.shape[1] != self.vector_size:
            raise VectorsFormatError(f"vectors of dim {vectors.shape[1]}, but these "
                                     f"KeyedVectors have dim {self.vector_size}",
                                     os.fspath(fname))
        src, dst = [], []
        for j, k in enumerate(keys):
            i = self._find(k)
            if i >= 0:
                src.append(j)
                dst.append(i)
        rows = np.array(dst, dtype=np.int64)
        if len(rows):
            self._writable()
            self._vectors[rows] = vectors[src]
            self._refresh_rows(rows)
        logger.info("merged %d vectors into the %s x %d matrix from %s", len(rows),
                    f"{len(self):,}", self.vector_size, os.fspath(fname))
        return len(rows)

    def sort_by_descending_frequency(self) -> None:
        """Reorder the keys by descending count, in place; equal counts keep their order.

        Raises
        ------
        ValueError
            These vectors have no counts.

        Examples
        --------
        >>> import numpy as np
        >>> from ngramvec import KeyedVectors
        >>> wv = KeyedVectors(np.eye(3), ["a", "b", "c"], counts=[1, 5, 1])
        >>> wv.sort_by_descending_frequency()
        >>> wv.index_to_key, wv.counts.tolist()
        (['b', 'a', 'c'], [5, 1, 1])
        """
        if self.counts is None:
            raise ValueError("sort_by_descending_frequency needs counts; these KeyedVectors "
                             "have none (pass counts= when making them, or load them with "
                             "a vocabulary file)")
        order = np.argsort(-self.counts, kind="stable")
        if np.array_equal(order, np.arange(len(order))):
            return
        self._vectors = np.ascontiguousarray(self._vectors[order])
        self.counts = self.counts[order]
        self.index_to_key = [self.index_to_key[i] for i in order.tolist()]
        self.key_to_index = {k: i for i, k in enumerate(self.index_to_key)}
        if self._norms is not None:
            self._norms = self._norms[order]
        if self._unit is not None:
            self._unit = np.ascontiguousarray(self._unit[order])

