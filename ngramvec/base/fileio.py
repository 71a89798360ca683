"""Files for every layer: atomic writes, temporaries, path checks, compressed reading.

Every output of ngramvec goes through :func:`atomic_write` (a temporary file in the
same directory, flushed, ``fsync``-ed and renamed over the target; removed on any
error, :class:`KeyboardInterrupt` and :class:`~ngramvec.base.signals.Terminated`
included). Inputs may be gzip, bzip2 or xz compressed; :func:`open_compressed`
detects the compression from the first bytes.

Temporaries (:func:`temp_file`, :func:`temp_dir`) are named
``.ngramvec-<pid>-<host>-<label>.<random>.tmp``: the process id and a tag of the host
(its name and PID namespace) let a later run recognise one whose process is gone
(killed with SIGKILL, or a machine that crashed) and remove it
(:func:`remove_stale_temporaries`, called each time a temporary is created, costs one
listing of that directory). :func:`check_writable` and :func:`check_directory` check
an output path or a working directory before the work starts.

Each file ngramvec writes is announced once, by :func:`log_saved`: one INFO record of
the logger ``ngramvec.saved`` (:data:`SAVED_LOGGER`), sent by the function that
writes the file, and by no caller above it. The command line shows that logger by
default, so each file a command writes takes exactly one line, whatever ``-v``.
"""
from __future__ import annotations

import bz2
import contextlib
import errno
import gzip
import hashlib
import logging
import lzma
import os
import re
import shutil
import socket
import stat
import tempfile
import zlib
from typing import IO, Any, Iterator

from ngramvec.base.exceptions import (PathError, PathIsDirectoryError, PathNotDirectoryError,
                                      PathNotFoundError, PathNotWritableError)

__all__ = ["atomic_write", "open_compressed", "open_write", "compression_of", "DECOMPRESS_ERRORS",
           "temp_file", "temp_dir", "remove_stale_temporaries", "check_writable",
           "check_directory", "log_saved", "SAVED_LOGGER"]

logger = logging.getLogger(__name__)

#: Name of the logger of :func:`log_saved`: one INFO record per file written.
SAVED_LOGGER = "ngramvec.saved"
_saved = logging.getLogger(SAVED_LOGGER)


def log_saved(path: str | os.PathLike, what: str) -> None:
    """Announce that ``what`` was written to ``path``: the one log record of that file.

    Called once per file by the function that writes it (vector formats, the ``.npz``
    persistence, vocabularies, figures...), never by its callers, so that a file
    written is never logged twice.

    Parameters
    ----------
    path : str or os.PathLike
    what : str
        What the file holds, e.g. ``"2,406 x 100 vectors (word2vec binary)"``.
    """
    _saved.info("saved %s to %s", what, os.fspath(path))

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

# --------------------------------------------------------------------------- temporaries

_TEMP_PREFIX = ".ngramvec-"
_TEMP_SUFFIX = ".tmp"
# .ngramvec-<pid>-<host tag>-<label>.<random>.tmp
_TEMP_NAME = re.compile(r"\A\.ngramvec-(\d+)-([0-9a-f]{8})-.*\.tmp\Z", re.DOTALL)
_LABEL_CHARS = 40        # of the label in a temporary's name (names stay under 255 bytes)
_host_tag_cache: list[str] = []


def _host_tag() -> str:
    """8 hex digits naming this host and PID namespace: process ids mean the same
    thing only between processes with the same tag (containers have their own)."""
    if not _host_tag_cache:
        try:
            pid_ns = os.readlink("/proc/self/ns/pid")
        except OSError:
            pid_ns = ""
        h = hashlib.blake2b(f"{socket.gethostname()}\0{pid_ns}".encode("utf-8", "replace"),
                            digest_size=4)
        _host_tag_cache.append(h.hexdigest())
    return _host_tag_cache[0]


def _temp_prefix(label: str, pid: int | None = None) -> str:
    """``.ngramvec-<pid>-<host tag>-<label>.``; the label is cut to _LABEL_CHARS."""
    label = label.replace(os.sep, "_")[:_LABEL_CHARS]
    return f"{_TEMP_PREFIX}{os.getpid() if pid is None else pid}-{_host_tag()}-{label}."


def _pid_alive(pid: int) -> bool:
    """Whether a process ``pid`` exists (on this host); True when unsure."""
    if pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:       # PermissionError: it exists, owned by someone else
        return True
    return True


def remove_stale_temporaries(directory: str | os.PathLike | None = None) -> list[str]:
    """Remove the temporaries of ngramvec left in ``directory`` by processes that are gone.

    An entry is removed when its name is that of a :func:`temp_file` or
    :func:`temp_dir` (``.ngramvec-<pid>-<host>-...tmp``), its host tag is this host's
    (same host name and PID namespace), it belongs to the current user, and no
    process ``pid`` exists. Anything else is kept: the temporaries of a live process,
    of another machine sharing the directory, of another user. Each removal is logged
    (level INFO). Called by :func:`temp_file` and :func:`temp_dir`; one listing of
    ``directory``. Does nothing on Windows (process ids cannot be probed safely).

    Parameters
    ----------
    directory : str or os.PathLike, optional
        Default: the system temporary directory.

    Returns
    -------
    list of str
        The paths removed.
    """
    if os.name != "posix":  # pragma: no cover - os.kill(pid, 0) would end the process
        return []
    directory = os.fspath(directory) if directory is not None else tempfile.gettempdir()
    removed: list[str] = []
    tag, uid = _host_tag(), os.getuid()
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_NAME.match(entry.name)
        if m is None or m.group(2) != tag:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        pid = int(m.group(1))
        if st.st_uid != uid or stat.S_ISLNK(st.st_mode) or pid == os.getpid() \
                or _pid_alive(pid):
            continue
        try:
            if stat.S_ISDIR(st.st_mode):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:     # another run removed it first
            continue
        except OSError as exc:
            logger.debug("cannot remove the stale temporary %s: %s", entry.path, exc)
            continue
        logger.info("removed %s, a temporary left by process %d which is gone",
                    entry.path, pid)
        removed.append(entry.path)
    return removed


def temp_file(directory: str | os.PathLike | None, label: str) -> tuple[int, str]:
    """Create a temporary file named for this process (see the module docstring).

    Stale temporaries of dead processes in ``directory`` are removed first.

    Parameters
    ----------
    directory : str or os.PathLike or None
        Where to create it (None: the system temporary directory).
    label : str
        Part of the name saying what it is (e.g. the name of the file it will become).

    Returns
    -------
    fd : int
        Open file descriptor (read-write, owner-only permissions).
    path : str
        Its absolute path.
    """
    directory = None if directory is None else os.fspath(directory)
    remove_stale_temporaries(directory)
    fd, path = tempfile.mkstemp(prefix=_temp_prefix(label), suffix=_TEMP_SUFFIX, dir=directory)
    return fd, os.path.abspath(path)


def temp_dir(directory: str | os.PathLike | None, label: str) -> str:
    """Create a temporary directory named for this process (see :func:`temp_file`).

    Returns
    -------
    str
        Its absolute path.
    """
    directory = None if directory is None else os.fspath(directory)
    remove_stale_temporaries(directory)
    return os.path.abspath(tempfile.mkdtemp(prefix=_temp_prefix(label), suffix=_TEMP_SUFFIX,
                                            dir=directory))


# --------------------------------------------------------------------------- path checks


def check_writable(path: str | os.PathLike, what: str = "the output file") -> str:
    """Check that ``path`` can be written as a file by :func:`atomic_write`.

    Run before the work: the path must not be a directory or a special file (an
    atomic write replaces the path with a new regular file), and its folder must
    exist, be a directory and be writable (:func:`os.access`; root passes).

    Parameters
    ----------
    path : str or os.PathLike
    what : str, default="the output file"
        How the messages name the path, e.g. ``"the output (-o/--output)"``.

    Returns
    -------
    str
        ``os.fspath(path)``.

    Raises
    ------
    PathIsDirectoryError
        ``path`` is a directory.
    PathNotFoundError
        Its folder does not exist.
    PathNotDirectoryError
        Its folder is a file.
    PathNotWritableError
        Its folder is not writable.
    PathError
        ``path`` exists and is not a regular file (a device, a FIFO, a socket).

    Examples
    --------
    >>> import tempfile
    >>> check_writable(tempfile.gettempdir(), "the output")
    Traceback (most recent call last):
    ...
    ngramvec.base.exceptions.PathIsDirectoryError: The output is a directory, not a file: ...
    """
    path = os.fspath(path)
    subject = what[:1].upper() + what[1:]
    if path == "":
        raise PathNotFoundError(errno.ENOENT, f"{subject} is an empty path", path)
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = None
    except OSError:          # e.g. ENOTDIR: a component is a file; reported below
        st = None
    if st is not None:
        if stat.S_ISDIR(st.st_mode):
            raise PathIsDirectoryError(errno.EISDIR,
                                       f"{subject} is a directory, not a file: {path}", path)
        if not stat.S_ISREG(st.st_mode):
            raise PathError(errno.EINVAL, f"{subject} is not a regular file: {path} (outputs "
                            "are written to a new file renamed over the path)", path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.exists(folder):
        raise PathNotFoundError(errno.ENOENT, f"The folder of {what} does not exist: "
                                f"{folder} (for {path})", path)
    if not os.path.isdir(folder):
        raise PathNotDirectoryError(errno.ENOTDIR, f"The folder of {what} is a file: "
                                    f"{folder} (for {path})", path)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise PathNotWritableError(errno.EACCES, f"Cannot write {what} {path}: its folder "
                                   f"{folder} is not writable", path)
    return path


def check_directory(path: str | os.PathLike | None, what: str,
                    purpose: str = "create files") -> str | None:
    """Check that ``path`` is an existing, writable directory (None passes through).

    Parameters
    ----------
    path : str or os.PathLike or None
    what : str
        How the messages name it, e.g. ``"The 'tmp_dir' of count_cooccurrences"``.
    purpose : str, default="create files"
        What is done there, for the message of a directory that is not writable.

    Returns
    -------
    str or None
        ``os.fspath(path)``.

    Raises
    ------
    PathNotFoundError
        ``path`` does not exist.
    PathNotDirectoryError
        ``path`` is a file.
    PathNotWritableError
        ``path`` is not writable (:func:`os.access`; root passes).
    """
    if path is None:
        return None
    path = os.fspath(path)
    subject = what[:1].upper() + what[1:]
    if not os.path.exists(path):
        raise PathNotFoundError(errno.ENOENT, f"{subject} does not exist: {path}", path)
    if not os.path.isdir(path):
        raise PathNotDirectoryError(errno.ENOTDIR,
                                    f"{subject} is a file, not a directory: {path}", path)
    if not os.access(path, os.W_OK | os.X_OK):
        raise PathNotWritableError(errno.EACCES, f"{subject} is not writable, cannot "
                                   f"{purpose} there: {path}", path)
    return path


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

    The data goes to a temporary file in the same directory as ``path``
    (``.ngramvec-<pid>-<host>-<name>.<random>.tmp``, see :func:`temp_file`); when the
    ``with`` block ends normally the file is flushed, ``fsync``-ed and renamed over
    ``path`` with :func:`os.replace` (atomic on POSIX and Windows). If the block
    raises anything, :class:`KeyboardInterrupt` and SIGTERM inside
    :func:`~ngramvec.base.signals.terminate_as_interrupt` included, the temporary
    file is removed and an existing ``path`` keeps its old content. After SIGKILL
    the temporary stays until the next ngramvec run writes in that directory.

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
    PathError
        ``path`` cannot be written (see :func:`check_writable`), raised before the
        block runs.

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
    path = check_writable(path)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = temp_file(directory, os.path.basename(path))
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
