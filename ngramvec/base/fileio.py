"""Files for every layer: atomic writes, compressed reading and writing.

Every output of ngramvec goes through :func:`atomic_write` (a temporary file in the
same directory, flushed, ``fsync``-ed and renamed over the target; removed on any
error, :class:`KeyboardInterrupt` included). Inputs may be gzip, bzip2 or xz
compressed; :func:`open_compressed` detects the compression from the first bytes.
"""
from __future__ import annotations

import bz2
import contextlib
import gzip
import lzma
import os
import tempfile
import zlib
from typing import IO, Any, Iterator

__all__ = ["atomic_write", "open_compressed", "open_write", "compression_of", "DECOMPRESS_ERRORS"]

_GZIP_MAGIC = b"\x1f\x8b"
_XZ_MAGIC = b"\xfd7zXZ\x00"
# bzip2: "BZh", the block size '1'..'9', then the magic of a first block (pi) or of
# the end of an empty stream (sqrt(pi)). "BZh" alone also starts English text.
_BZ2_BLOCKS = (b"\x31\x41\x59\x26\x53\x59", b"\x17\x72\x45\x38\x50\x90")
MAGIC_BYTES = 10   # bytes compression_of needs to see


def compression_of(head: bytes) -> str | None:
    """The compression a file starts with: ``"gzip"``, ``"bzip2"``, ``"xz"`` or None.

    Parameters
    ----------
    head : bytes
        The first :data:`MAGIC_BYTES` bytes of the file (fewer for a short file).

    Examples
    --------
    >>> compression_of(b"BZh9" + bytes([0x31, 0x41, 0x59, 0x26, 0x53, 0x59]))
    'bzip2'
    >>> compression_of(b"BZhang was here") is None
    True
    """
    if head.startswith(_GZIP_MAGIC):
        return "gzip"
    if head.startswith(_XZ_MAGIC):
        return "xz"
    if (head.startswith(b"BZh") and len(head) >= 10 and 0x31 <= head[3] <= 0x39
            and head[4:10] in _BZ2_BLOCKS):
        return "bzip2"
    return None


_OPENERS = {"gzip": gzip.open, "bzip2": bz2.open, "xz": lzma.open}
# What can go wrong while decompressing a damaged or truncated stream.
DECOMPRESS_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)

# --------------------------------------------------------------------------- writing


def _current_umask() -> int:
    """The process umask, read without changing it (Linux), else the common 0o022."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike, mode: str = "wb",
                 encoding: str | None = None) -> Iterator[IO[Any]]:
    """Write a file so that it is either completely written or not touched at all.

    The data goes to a temporary file in the same directory as ``path``; when the
    ``with`` block ends normally the file is flushed, ``fsync``-ed and renamed over
    ``path`` with :func:`os.replace` (atomic on POSIX and Windows). If the block
    raises anything, :class:`KeyboardInterrupt` included, the temporary file is
    removed and an existing ``path`` keeps its old content.

    Parameters
    ----------
    path : str or os.PathLike
        Destination file.
    mode : {"wb", "w"}, default="wb"
        Binary or text mode.
    encoding : str, optional
        Text encoding for ``mode="w"``; defaults to UTF-8.

    Yields
    ------
    file object
        The open temporary file.

    Raises
    ------
    ValueError
        If ``mode`` is not ``"wb"`` or ``"w"``.

    Examples
    --------
    >>> import tempfile, os
    >>> d = tempfile.mkdtemp()
    >>> with atomic_write(os.path.join(d, "x.txt"), "w") as f:
    ...     _ = f.write("hello")
    >>> open(os.path.join(d, "x.txt")).read()
    'hello'
    """
    if mode not in ("wb", "w"):
        raise ValueError(f"The 'mode' parameter of atomic_write must be a str among "
                         f"{{'wb', 'w'}}. Got {mode!r} instead.")
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=directory, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        if mode == "w":
            f = os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
        else:
            f = os.fdopen(fd, "wb")
    except BaseException:
        os.close(fd)
        os.unlink(tmp)
        raise
    try:
        with f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        # mkstemp creates files readable by the owner only; give the result the
        # permissions of the file it replaces, or the usual ones for a new file.
        try:
            target_mode = os.stat(path).st_mode & 0o7777
        except FileNotFoundError:
            target_mode = 0o666 & ~_current_umask()
        os.chmod(tmp, target_mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # Make the rename itself durable; not possible everywhere (e.g. Windows).
    with contextlib.suppress(OSError):
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


@contextlib.contextmanager
def open_write(path: str | os.PathLike) -> Iterator[IO[bytes]]:
    """Atomic binary writer that compresses by file-name suffix (.gz, .bz2, .xz)."""
    name = os.fspath(path).lower()
    with atomic_write(path, "wb") as raw:
        if name.endswith(".gz"):
            # mtime=0 and no embedded name: the same data gives the same bytes.
            out: IO[bytes] = gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0)
        elif name.endswith(".bz2"):
            out = bz2.BZ2File(raw, "wb")
        elif name.endswith(".xz"):
            out = lzma.LZMAFile(raw, "wb")
        else:
            yield raw
            return
        with out:
            yield out


# --------------------------------------------------------------------------- reading


def open_compressed(path: str | os.PathLike) -> IO[bytes]:
    """Open a file for binary reading, decompressing gzip, bzip2 or xz transparently.

    The compression is recognised by the magic bytes at the start of the file.

    Parameters
    ----------
    path : str or os.PathLike
        File to read.

    Returns
    -------
    file object
        Readable binary stream of the decompressed content.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    """
    with open(path, "rb") as probe:
        kind = compression_of(probe.read(MAGIC_BYTES))
    # The *.open functions own the file they open and close it with the stream.
    if kind is not None:
        return _OPENERS[kind](path, "rb")  # type: ignore[return-value]
    return open(path, "rb")
