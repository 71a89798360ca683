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
old file or the new one, never half of one. Reading a file of another class, of a newer
format version, or that is not an ``.npz`` at all raises
:class:`~ngramvec.base.exceptions.VectorsFormatError` naming the file. Files written
before this layout existed (format version 1: each class had its own) are read by the
``legacy`` hook of each class.

:class:`PersistMixin` gives an estimator ``save`` / ``load`` on top of
:func:`save_npz` / :func:`load_npz`.
"""
from __future__ import annotations

import json
import logging
import os
import zipfile
import zlib
from typing import Any, Callable, ClassVar, Mapping, NamedTuple, Sequence

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.fileio import atomic_write

logger = logging.getLogger(__name__)

__all__ = ["FORMAT_VERSION", "META_KEY", "Saved", "save_npz", "load_npz", "require",
           "PersistMixin", "encode_strings", "decode_strings"]

#: Version of the layout written by :func:`save_npz`; files of a larger version are refused.
FORMAT_VERSION = 2
#: Name of the JSON header entry.
META_KEY = "__ngramvec__"
# what a damaged archive or member can raise while it is read
_READ_ERRORS = (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error, KeyError)

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
    raw = np.asarray(blob, dtype=np.uint8).tobytes()
    off = np.asarray(offsets)
    if (off.ndim != 1 or off.size == 0 or off.dtype.kind not in "iu" or off[0] != 0
            or off[-1] != len(raw) or np.any(np.diff(off) < 0)):
        raise VectorsFormatError(f"inconsistent offsets of the strings {name!r}", path)
    try:
        text = raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError as exc:
        raise VectorsFormatError(f"the strings {name!r} are not valid UTF-8 ({exc.reason})",
                                 path) from None
    if len(text) == len(raw):  # ASCII: byte offsets are character offsets
        bounds = off.tolist()
        return [text[a:b] for a, b in zip(bounds[:-1], bounds[1:])]
    bounds = off.tolist()
    return [raw[a:b].decode("utf-8", "surrogatepass") for a, b in zip(bounds[:-1], bounds[1:])]


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


def save_npz(path: str | os.PathLike, class_name: str, arrays: Mapping[str, Any],
             params: Mapping[str, Any] | None = None,
             state: Mapping[str, Any] | None = None) -> None:
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

    Raises
    ------
    TypeError
        A value that cannot be stored without pickles.
    ValueError
        An array name that collides with the header or with a string list's entries.
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
    with atomic_write(path, "wb") as f:
        np.savez(f, **out)
    logger.debug("saved %s to %s", class_name, os.fspath(path))


LegacyReader = Callable[[Mapping[str, np.ndarray], str], "Saved | None"]


def load_npz(path: str | os.PathLike, class_name: str, what: str | None = None,
             legacy: LegacyReader | None = None) -> Saved:
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

    Returns
    -------
    Saved

    Raises
    ------
    FileNotFoundError
        No such file (the message names it).
    VectorsFormatError
        Not an ``.npz`` archive, not a file of ngramvec, a file of another class, a
        newer format version, or damaged entries (the message names the file).
    """
    spath = os.fspath(path)
    what = what or class_name
    if not os.path.exists(spath):
        raise FileNotFoundError(f"{spath}: no such {what} file")
    try:
        archive = np.load(spath, allow_pickle=False)
    except _READ_ERRORS as exc:
        detail = "not an .npz archive" if "pickle" in str(exc) else f"not a readable .npz ({exc})"
        raise VectorsFormatError(f"not a {what} file of ngramvec: {detail}", spath) from None
    if not isinstance(archive, np.lib.npyio.NpzFile):
        raise VectorsFormatError(f"not a {what} file of ngramvec: a single .npy array, not an "
                                 f".npz archive", spath)
    with archive:
        try:
            files = {name: archive[name] for name in archive.files}
        except _READ_ERRORS as exc:
            raise VectorsFormatError(f"damaged archive ({exc})", spath) from None
    if META_KEY not in files:
        saved = legacy(files, spath) if legacy is not None else None
        if saved is None:
            raise VectorsFormatError(f"not a {what} file of ngramvec (no {META_KEY!r} entry)",
                                     spath)
        return saved
    try:
        meta = json.loads(files.pop(META_KEY).tobytes().decode("utf-8"))
        found = str(meta["class"])
        version = int(meta["format_version"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VectorsFormatError(f"damaged {META_KEY!r} header ({exc})", spath) from None
    if version > FORMAT_VERSION:
        raise VectorsFormatError(f"written by a newer ngramvec (format version {version}); this "
                                 f"one reads versions up to {FORMAT_VERSION}: upgrade ngramvec",
                                 spath)
    if found != class_name:
        raise VectorsFormatError(f"holds a {found}, not a {class_name}; load it with "
                                 f"{found}.load", spath)
    arrays: dict[str, Any] = dict(files)
    for name in meta.get("strings", []):
        try:
            blob, offsets = arrays.pop(f"{name}_utf8"), arrays.pop(f"{name}_offsets")
        except KeyError:
            raise VectorsFormatError(f"the strings {name!r} are missing", spath) from None
        arrays[name] = decode_strings(blob, offsets, spath, name)
    return Saved(found, version, dict(meta.get("params") or {}), dict(meta.get("state") or {}),
                 arrays)


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
    ``_persist_skip_params``, and may override :meth:`_persist_extra`,
    :meth:`_persist_restore` and :meth:`_persist_legacy`. Needs ``get_params`` and
    ``_check_fitted`` (:class:`ngramvec.base.estimator.Estimator`).
    """

    _persist_what: ClassVar[str | None] = None
    _persist_attributes: ClassVar[tuple[str, ...]] = ()
    _persist_skip_params: ClassVar[tuple[str, ...]] = ()

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
        save_npz(path, type(self).__name__, arrays, params, state)

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
            class it holds), or a newer format version.
        """
        spath = os.fspath(path)
        saved = load_npz(spath, cls.__name__, cls._persist_what, cls._persist_legacy)
        est = cls(**{**saved.params, **params})
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
        return est
