# cython: language_level=3
"""Compiled record parsers of :mod:`ngramvec.vectors.formats` (word2vec text, GloVe text,
word2vec binary), one block of bytes at a time.

Optional: without this module, :mod:`ngramvec.vectors.formats` reads the same files
with its pure-Python parser, with the same results and errors. The arithmetic is in
``csrc/nv_vecfile.h``; Python keeps the rules, the messages and the numbers this
parser does not convert exactly (see :func:`text_parse_block`).
"""
from libc.stdint cimport int64_t

import numpy as np

cdef extern from "nv_vecfile.h":
    ctypedef struct nv_vecjob:
        const unsigned char *buf
        int64_t len
        int64_t pos
        int final
        int64_t dim
        float *out32
        double *out64
        int64_t row
        int64_t n_rows
        unsigned char *keys
        int64_t keys_len
        int64_t keys_cap
        int64_t *slow
        int64_t n_slow
        int64_t slow_cap
        int64_t max_key
        int64_t lines
        int64_t bad_start
        int64_t bad_end
        int64_t nonfinite_rows
        int64_t first_nonfinite
    int nv_text_parse(nv_vecjob *j) nogil
    int nv_bin_parse(nv_vecjob *j) nogil
    int nv_parse_double(const unsigned char *p, const unsigned char *end, double *out) nogil

#: Status codes returned by the block parsers (csrc/nv_vecfile.h, enum nv_status).
MORE, FULL, SLOW_FULL, BAD, BAD_KEY_WS, KEY_LONG, TRUNC_KEY, TRUNC_VEC = range(8)


cdef int _setup(nv_vecjob *j, const unsigned char[::1] buf, Py_ssize_t pos, bint final,
                object out, Py_ssize_t row, unsigned char[::1] keys, Py_ssize_t keys_len,
                int64_t[:, ::1] slow, Py_ssize_t n_slow) except -1:
    """Fill the job from the arguments, checking every size against its array."""
    cdef float[:, ::1] o32
    cdef double[:, ::1] o64
    if not isinstance(out, np.ndarray) or out.ndim != 2 or not out.flags.c_contiguous:
        raise ValueError("out must be a C-contiguous 2-D float32 or float64 array")
    if out.shape[1] < 1:
        raise ValueError("out must have at least one column")
    j.out32 = NULL
    j.out64 = NULL
    if out.dtype == np.float32:
        o32 = out
        if o32.shape[0] > 0:
            j.out32 = &o32[0, 0]
    elif out.dtype == np.float64:
        o64 = out
        if o64.shape[0] > 0:
            j.out64 = &o64[0, 0]
    else:
        raise ValueError(f"out must be float32 or float64, not {out.dtype}")
    if not (0 <= pos <= buf.shape[0]):
        raise ValueError(f"pos {pos} is outside the block of {buf.shape[0]} bytes")
    if not (0 <= row <= out.shape[0]):
        raise ValueError(f"row {row} is outside the {out.shape[0]} rows of out")
    if not (0 <= keys_len <= keys.shape[0]):
        raise ValueError(f"keys_len {keys_len} is outside the key buffer of {keys.shape[0]}")
    if slow.shape[1] != 4 or not (0 <= n_slow <= slow.shape[0]):
        raise ValueError("slow must have shape (n, 4) and n_slow must be in [0, n]")
    if out.shape[0] > 0 and j.out32 == NULL and j.out64 == NULL:
        raise ValueError("out has no data")  # pragma: no cover
    j.buf = &buf[0] if buf.shape[0] > 0 else NULL
    j.len = buf.shape[0]
    j.pos = pos
    j.final = final
    j.dim = out.shape[1]
    j.row = row
    j.n_rows = out.shape[0]
    j.keys = &keys[0] if keys.shape[0] > 0 else NULL
    j.keys_len = keys_len
    j.keys_cap = keys.shape[0]
    j.slow = &slow[0, 0] if slow.shape[0] > 0 else NULL
    j.n_slow = n_slow
    j.slow_cap = slow.shape[0]
    j.max_key = 1 << 16
    j.lines = 0
    j.bad_start = -1
    j.bad_end = -1
    j.nonfinite_rows = 0
    j.first_nonfinite = -1
    if j.out32 == NULL and j.out64 == NULL:
        j.n_rows = 0       # no row to write: the parser stops at the first record
    if j.keys == NULL:
        j.keys_cap = 0
    if j.slow == NULL:
        j.slow_cap = 0
    return 0


def text_parse_block(const unsigned char[::1] buf, Py_ssize_t pos, bint final, out,
                     Py_ssize_t row, unsigned char[::1] keys, Py_ssize_t keys_len,
                     int64_t[:, ::1] slow, Py_ssize_t n_slow):
    """Parse the complete word2vec / GloVe text lines of ``buf[pos:]`` into ``out``.

    Parameters
    ----------
    buf : bytes-like, uint8
        A block of the file (after the header line).
    pos : int
        Where to start in ``buf``.
    final : bool
        No data follows ``buf`` (its last line may lack a ``"\\n"``).
    out : ndarray of shape (n_rows, dim), float32 or float64, C-contiguous
        Rows ``row:`` are filled; ``dim`` is the number of values a line must have.
    row : int
        First row of ``out`` to fill.
    keys : bytearray or uint8 array
        Receives each key's bytes followed by ``"\\n"``, from ``keys_len`` on.
    keys_len : int
    slow : ndarray of shape (m, 4), int64
        Receives ``(row, column, start, end)`` of each value this parser does not
        convert exactly (more than 19 digits, large exponents, underscores, non-ASCII,
        not a number at all), from entry ``n_slow`` on; its slot in ``out`` is 0.
        Python converts them with :func:`float` (or refuses the line).
    n_slow : int

    Returns
    -------
    tuple of int
        ``(status, pos, row, keys_len, n_slow, lines, bad_start, bad_end,
        nonfinite_rows, first_nonfinite)``: why it stopped (:data:`MORE`: every complete
        line is parsed; :data:`FULL`: ``out`` is full before a non-blank line;
        :data:`SLOW_FULL`: ``keys`` or ``slow`` is full; :data:`BAD`: the line
        ``buf[bad_start:bad_end]`` is malformed: it starts with whitespace, or has no,
        too few or too many values), where the next call starts, the next row, the
        buffers' fill, the lines consumed (blank ones included), and the rows filled
        here holding NaN or inf (fast-path values only) with the first of them.

    Notes
    -----
    Runs without the GIL. Every offset is checked against the arrays' sizes, so a
    malformed file can stop a call early but never make it read or write out of bounds.
    """
    cdef nv_vecjob j
    cdef int status
    _setup(&j, buf, pos, final, out, row, keys, keys_len, slow, n_slow)
    with nogil:
        status = nv_text_parse(&j)
    return (status, j.pos, j.row, j.keys_len, j.n_slow, j.lines, j.bad_start, j.bad_end,
            j.nonfinite_rows, j.first_nonfinite)


def bin_parse_block(const unsigned char[::1] buf, Py_ssize_t pos, bint final, out,
                    Py_ssize_t row, unsigned char[::1] keys, Py_ssize_t keys_len,
                    Py_ssize_t max_key=65536):
    """Parse the complete word2vec binary records of ``buf[pos:]`` into ``out``.

    A record is ``"<key> "`` then ``dim`` little-endian float32 (``dim = out.shape[1]``);
    whitespace before a key (the ``"\\n"`` of the word2vec C tool) is skipped. See
    :func:`text_parse_block` for ``out``, ``row`` and ``keys``.

    Returns
    -------
    tuple of int
        ``(status, pos, row, keys_len, need, bad_start, nonfinite_rows,
        first_nonfinite)``. Status :data:`MORE`: ``pos`` is the start of the first
        incomplete record and ``need`` the bytes from ``pos`` it needs (0: unknown, the
        key has not ended yet); :data:`FULL`: ``out`` is full before the record at
        ``pos``; :data:`SLOW_FULL`: ``keys`` is full; :data:`BAD_KEY_WS`: the key
        ``buf[bad_start:need]`` holds whitespace; :data:`KEY_LONG`: no space within
        ``max_key`` bytes from ``pos``; :data:`TRUNC_KEY` (final block): a key without
        its space; :data:`TRUNC_VEC` (final block): the vector of the key
        ``buf[bad_start:need]`` is cut short.
    """
    cdef nv_vecjob j
    cdef int status
    cdef int64_t[:, ::1] no_slow = np.zeros((0, 4), dtype=np.int64)
    if max_key < 1:
        raise ValueError("max_key must be >= 1")
    _setup(&j, buf, pos, final, out, row, keys, keys_len, no_slow, 0)
    j.max_key = max_key
    with nogil:
        status = nv_bin_parse(&j)
    return (status, j.pos, j.row, j.keys_len, j.bad_end, j.bad_start, j.nonfinite_rows,
            j.first_nonfinite)


def parse_double(const unsigned char[::1] token):
    """The value of one token by the exact fast path, or None if Python must decide.

    For tests: ``parse_double(b"0.1") == float("0.1")``; ``parse_double(b"1_0")`` is
    None (float() accepts it, the fast path leaves it to float()).
    """
    cdef double v = 0.0
    cdef int ok
    if token.shape[0] == 0:
        return None
    ok = nv_parse_double(&token[0], &token[0] + token.shape[0], &v)
    return v if ok else None


# --------------------------------------------------------------------------- key index

from cpython.ref cimport PyObject, Py_INCREF
from cpython.list cimport PyList_New, PyList_SET_ITEM
from cpython.unicode cimport PyUnicode_DecodeUTF8

cdef extern from *:
    """
    /* A dict sized for n entries up front (CPython caps the presize at 2**17 slots;
       a larger dict then grows once instead of a dozen times). */
    #if CYTHON_COMPILING_IN_CPYTHON
    #define nv_dict_presized(n) _PyDict_NewPresized(n)
    #else
    #define nv_dict_presized(n) PyDict_New()
    #endif
    """
    dict nv_dict_presized(Py_ssize_t n)
    PyObject *PyDict_SetDefault(object d, object key, object default) except NULL
    object PyLong_FromSsize_t(Py_ssize_t v)

cdef enum:
    K_OK = 0
    K_BAD_OFFSETS = 1
    K_EMPTY = 2
    K_WHITESPACE = 3

#: Status codes of :func:`check_key_bytes`.
KEYS_OK, KEYS_BAD_OFFSETS, KEYS_EMPTY, KEYS_WHITESPACE = K_OK, K_BAD_OFFSETS, K_EMPTY, K_WHITESPACE


cdef int _check_key_bytes(const unsigned char *blob, int64_t n_bytes, const int64_t *off,
                          int64_t n, int64_t *where) noexcept nogil:
    """The offsets (0 first, ``n_bytes`` last, increasing) and bytes of ``n`` keys: no
    key is empty and no byte is ASCII whitespace (which cannot occur inside a multi-byte
    UTF-8 sequence, so the bytes tell). ``*where``: the key at fault."""
    cdef int64_t i, j
    cdef unsigned char c
    if off[0] != 0 or off[n] != n_bytes:
        where[0] = 0
        return K_BAD_OFFSETS
    for i in range(n):
        if off[i + 1] <= off[i]:
            where[0] = i
            return K_EMPTY if off[i + 1] == off[i] else K_BAD_OFFSETS
    i = 0
    for j in range(n_bytes):
        c = blob[j]
        # " \t\n\r\v\f": 0x20, 0x09..0x0d
        if c == 0x20 or (0x09 <= c <= 0x0d):
            while off[i + 1] <= j:   # the key holding byte j (offsets checked above)
                i += 1
            where[0] = i
            return K_WHITESPACE
    return K_OK


def check_key_bytes(const unsigned char[::1] blob, const int64_t[::1] offsets):
    """``(status, key)`` of the check of keys stored as UTF-8 bytes back to back
    (``blob``) and ``n + 1`` offsets: :data:`KEYS_OK`, or what is wrong
    (:data:`KEYS_BAD_OFFSETS`, :data:`KEYS_EMPTY`, :data:`KEYS_WHITESPACE`) and the
    position of the first key at fault. One pass over the bytes, without the GIL."""
    cdef int64_t where = 0
    cdef int status
    if offsets.shape[0] < 1:
        return KEYS_BAD_OFFSETS, 0
    with nogil:
        status = _check_key_bytes(&blob[0] if blob.shape[0] else NULL, blob.shape[0],
                                  &offsets[0], offsets.shape[0] - 1, &where)
    return status, where


def index_keys(const unsigned char[::1] blob, const int64_t[::1] offsets):
    """``(index_to_key, key_to_index)`` of keys that passed :func:`check_key_bytes`, or
    ``(None, (i, j))`` if key ``j`` repeats key ``i``.

    Not a kernel (it builds Python objects): each key is decoded from its bytes
    (UTF-8, ``surrogatepass``) straight into the list and into a dict sized up front,
    and a repeated key shows when it is inserted, so there is no intermediate joined
    str, no split and no second pass for duplicates. A key that is not valid UTF-8
    raises :class:`UnicodeDecodeError` (the caller names it).
    """
    cdef Py_ssize_t n = offsets.shape[0] - 1, i
    cdef int64_t a, b
    cdef PyObject *got
    if n < 0 or offsets[0] != 0 or offsets[n] != blob.shape[0]:
        raise ValueError("inconsistent offsets")   # check_key_bytes first
    keys = PyList_New(n)    # NULL items until set: a partly filled list is freed safely
    index = nv_dict_presized(n)
    for i in range(n):
        a = offsets[i]
        b = offsets[i + 1]
        if b <= a or b > blob.shape[0]:   # with offsets[0] == 0: 0 <= a < b <= len
            raise ValueError("inconsistent offsets")
        key = PyUnicode_DecodeUTF8(<const char *>&blob[a], b - a, "surrogatepass")
        Py_INCREF(key)      # PyList_SET_ITEM steals a reference
        PyList_SET_ITEM(keys, i, key)
        value = PyLong_FromSsize_t(i)
        got = PyDict_SetDefault(index, key, value)   # borrowed: the value kept
        if got != <PyObject *>value:
            return None, (<object>got, i)
    return keys, index
