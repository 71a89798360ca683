"""Sources, splits and their encoding on the workers.

A *split* is the unit of work of the Dask backend: a whole compressed file, or a byte
range of a plain file cut at line ends. Splits are listed in the order a one-machine
:class:`~ngramvec.Corpus` reads the same files (a directory recursively in name order,
hidden files skipped), so that the token positions of the whole corpus are the splits'
tokens one after the other.

Every function here runs on a worker (the planning too: the files need only be visible
to the workers).
"""
from __future__ import annotations

import glob
import os
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from ngramvec.base.exceptions import CorpusError
from ngramvec.base.fileio import MAGIC_BYTES, compression_of
from ngramvec.data.corpus import Corpus, _list_files

__all__ = ["Split", "EncodedSplit", "plan_splits", "encode_split", "expand_sources"]

_SCAN = 1 << 16        # bytes read at a time when looking for the next line end


@dataclass(frozen=True)
class Split:
    """Bytes [start, stop) of ``path`` (a compressed file: ``start, stop = 0, -1``, whole)."""

    path: str
    start: int
    stop: int
    index: int = 0

    @property
    def whole(self) -> bool:
        return self.stop < 0

    def __str__(self) -> str:
        return self.path if self.whole else f"{self.path}[{self.start}:{self.stop}]"


def expand_sources(sources: str | os.PathLike | Sequence[str | os.PathLike]) -> list[str]:
    """Files of ``sources`` (paths, globs, directories), in reading order.

    Raises
    ------
    CorpusError
        A path that does not exist, a glob that matches nothing, an empty directory.
    """
    if isinstance(sources, (str, os.PathLike)):
        sources = [sources]
    files: list[str] = []
    for src in sources:
        src = os.fspath(src)
        if glob.has_magic(src) and not os.path.exists(src):
            matches = sorted(glob.glob(src, recursive=True))
            if not matches:
                raise CorpusError("the pattern matches no file", src)
            for m in matches:
                files.extend(_list_files(m))
        else:
            files.extend(_list_files(src))
    return files


def _next_line_start(f, pos: int, size: int) -> int:
    """The first position >= pos that starts a line (just after a newline), or size."""
    if pos <= 0:
        return 0
    f.seek(pos - 1)
    while pos - 1 < size:
        block = f.read(_SCAN)
        if not block:
            return size
        nl = block.find(b"\n")
        if nl >= 0:
            return pos + nl
        pos += len(block)
    return size


def plan_splits(sources, split_bytes: int | None, n_workers: int = 1) -> list[Split]:
    """The splits of ``sources``: compressed files whole, plain files cut into pieces of
    about ``split_bytes`` bytes at line ends (default: the plain bytes over the
    workers, between 1 MB and 256 MB: every split's matrix repeats the pairs the others
    have too, so fewer splits merge faster)."""
    out: list[Split] = []
    files = expand_sources(sources)
    if split_bytes is None:
        total = 0
        for path in files:
            try:
                total += os.path.getsize(path)
            except OSError:
                pass
        split_bytes = min(max(total // max(n_workers, 1) + 1, 1 << 20), 256 << 20)
    for path in files:
        try:
            with open(path, "rb") as f:
                kind = compression_of(f.read(MAGIC_BYTES))
                size = os.fstat(f.fileno()).st_size
                if kind is not None or size <= split_bytes:
                    cuts = [0, size] if kind is None else None
                else:
                    cuts = [0]
                    while cuts[-1] < size:
                        nxt = _next_line_start(f, cuts[-1] + split_bytes, size)
                        cuts.append(max(nxt, cuts[-1] + 1))
        except FileNotFoundError:
            raise CorpusError("no such file or directory", path) from None
        except PermissionError:
            raise CorpusError("permission denied", path) from None
        if cuts is None:
            out.append(Split(path, 0, -1, len(out)))
        else:
            for a, b in zip(cuts[:-1], cuts[1:]):
                out.append(Split(path, a, b, len(out)))
            if size == 0:
                out.append(Split(path, 0, 0, len(out)))
    return out


@dataclass
class EncodedSplit:
    """The token ids of one split, in memory: what counting needs of an
    :class:`~ngramvec.EncodedCorpus` (``ids``, ``ends``, the lexicon, ``remap``).

    Ids index the split's own lexicon (order of first occurrence in the split).
    """

    split: Split
    ids: np.ndarray
    ends: np.ndarray
    lexicon_keys: list[str]
    lexicon_counts: np.ndarray
    stats: dict = field(default_factory=dict)

    @property
    def n_tokens(self) -> int:
        return int(self.ids.shape[0])

    @property
    def n_sentences(self) -> int:
        return int(self.ends.shape[0])

    @property
    def lexicon_index(self) -> dict[str, int]:
        idx = self.__dict__.get("_lexicon_index")
        if idx is None:
            idx = self.__dict__["_lexicon_index"] = {k: i for i, k in
                                                    enumerate(self.lexicon_keys)}
        return idx

    def remap(self, vocab) -> np.ndarray:
        """Lexicon id -> ``vocab`` id (-1 when absent), as :meth:`EncodedCorpus.remap`."""
        get = vocab.key_to_index.get
        return np.fromiter((get(k, -1) for k in self.lexicon_keys), dtype=np.int32,
                           count=len(self.lexicon_keys))

    def __sizeof__(self) -> int:
        # Dask counts this (memory limits, spilling, transfer costs): the arrays and
        # about 64 bytes a lexicon entry
        return int(self.ids.nbytes + self.ends.nbytes + self.lexicon_counts.nbytes
                   + 64 * len(self.lexicon_keys))

    def __getstate__(self):
        state = dict(self.__dict__)
        state.pop("_lexicon_index", None)
        return state


def encode_split(split: Split, settings: dict) -> EncodedSplit:
    """Tokenize one split (``settings``: the keyword arguments of :class:`Corpus`)."""
    corpus = Corpus._piece(split.path, None if split.whole else (split.start, split.stop),
                           **settings)
    enc = corpus._new_encoder(encode=True)
    ids_parts, ends_parts = [], []
    for _ in corpus._feed(enc):
        ids, ends = enc.take_ids()
        ids_parts.append(np.array(ids, dtype=np.int32))
        ends_parts.append(np.array(ends, dtype=np.int64))
    enc.finish()
    ids, ends = enc.take_ids()
    ids_parts.append(np.array(ids, dtype=np.int32))
    ends_parts.append(np.array(ends, dtype=np.int64))
    keys, counts = enc.lexicon()
    return EncodedSplit(split, np.concatenate(ids_parts), np.concatenate(ends_parts),
                        list(keys), np.asarray(counts, dtype=np.int64), dict(enc.stats()))
