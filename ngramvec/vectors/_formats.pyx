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

from libc.stdint cimport uint64_t
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy
from cpython.ref cimport PyObject, Py_INCREF
from cpython.list cimport PyList_New, PyList_SET_ITEM, PyList_GET_ITEM, PyList_GET_SIZE
from cpython.unicode cimport PyUnicode_DecodeUTF8

cdef extern from "nv_keyindex.h":
    ctypedef struct nv_keyindex:
        const unsigned char *blob
        int64_t n_bytes
        const int64_t *off
        int64_t n
        uint64_t *slots
        int64_t cap
        uint64_t seed
        int ascii
    int nv_keyindex_build(nv_keyindex *t, int64_t *where, int64_t *other) nogil
    int64_t nv_keyindex_find(const nv_keyindex *t, const unsigned char *s, int64_t len) nogil

cdef extern from *:
    """
    /* A dict sized for n entries up front (CPython caps the presize at 2**17 slots;
       a larger dict then grows once instead of a dozen times). */
    #if CYTHON_COMPILING_IN_CPYTHON
    #define nv_dict_presized(n) _PyDict_NewPresized(n)
    #else
    #define nv_dict_presized(n) PyDict_New()
    #endif
    /* A new ASCII str of len bytes copied from s (every byte < 0x80, checked by the
       caller): no UTF-8 decoder. */
    static PyObject *nv_ascii_str(const unsigned char *s, Py_ssize_t len) {
        PyObject *u = PyUnicode_New(len, 127);
        if (u != NULL) memcpy(PyUnicode_DATA(u), s, (size_t)len);
        return u;
    }
    /* 1 if o is an exact, ASCII str holding the len bytes s. */
    static int nv_is_ascii_str_of(PyObject *o, const unsigned char *s, Py_ssize_t len) {
        return PyUnicode_CheckExact(o) && PyUnicode_IS_ASCII(o) &&
               PyUnicode_GET_LENGTH(o) == len && memcmp(PyUnicode_DATA(o), s, (size_t)len) == 0;
    }
    """
    dict nv_dict_presized(Py_ssize_t n)
    object nv_ascii_str(const unsigned char *s, Py_ssize_t len)
    int nv_is_ascii_str_of(PyObject *o, const unsigned char *s, Py_ssize_t len)
    int PyDict_SetItem(object d, object key, object value) except -1
    object PyLong_FromSsize_t(Py_ssize_t v)
    const char *PyUnicode_AsUTF8AndSize(object s, Py_ssize_t *size) except NULL

#: Status codes of :meth:`KeyIndex.build` (csrc/nv_keyindex.h, enum nv_keyindex_status).
(KEYS_OK, KEYS_BAD_OFFSETS, KEYS_EMPTY, KEYS_WHITESPACE, KEYS_BAD_UTF8, KEYS_DUPLICATE,
 KEYS_BAD_TABLE) = range(7)


cdef class KeyIndex:
    """A hash index over keys stored as UTF-8 bytes back to back and ``n + 1`` offsets
    (a native ``.npz``'s ``keys_utf8`` and ``keys_offsets``), made without a str.

    ``KeyIndex(blob, offsets, seed)`` keeps the two arrays (read-only views);
    :meth:`build` checks the keys and fills the table without the GIL
    (``csrc/nv_keyindex.h``: offsets, no empty key, no ASCII whitespace, UTF-8 as
    ``surrogatepass`` decodes it, no key twice). Then :meth:`find` looks a str up
    (encoded to UTF-8, hashed, probed, compared as bytes: equal bytes are equal strs,
    as UTF-8 decodes one way), :meth:`key` makes the str of one row and :meth:`keys`
    the list of all, :meth:`index` the ``key_to_index`` dict. Used by
    :class:`~ngramvec.KeyedVectors` until its ``index_to_key`` and ``key_to_index``
    are built; it is never changed after :meth:`build`, so copies may share it.

    Parameters
    ----------
    blob : ndarray of shape (n_bytes,), uint8, C-contiguous
    offsets : ndarray of shape (n + 1,), int64, C-contiguous
    seed : int
        Of the hash (64 bits): a random one per index, so that no file can choose keys
        that all collide.
    """
    cdef nv_keyindex t
    cdef const unsigned char[::1] blob
    cdef const int64_t[::1] off
    cdef readonly int status
    cdef readonly Py_ssize_t n

    def __cinit__(self, *args, **kwargs):
        self.t.slots = NULL
        self.status = -1

    def __init__(self, const unsigned char[::1] blob not None,
                 const int64_t[::1] offsets not None, uint64_t seed):
        cdef int64_t cap = 2
        if offsets.shape[0] < 1:
            raise ValueError("offsets must hold n + 1 >= 1 values")
        self.blob = blob
        self.off = offsets
        self.n = offsets.shape[0] - 1
        while cap < 2 * self.n:
            cap <<= 1
        self.t.slots = <uint64_t *>malloc(sizeof(uint64_t) * cap)
        if self.t.slots == NULL:
            raise MemoryError()
        self.t.blob = &blob[0] if blob.shape[0] > 0 else NULL
        self.t.n_bytes = blob.shape[0]
        self.t.off = &offsets[0]
        self.t.n = self.n
        self.t.cap = cap
        self.t.seed = seed
        self.t.ascii = 0

    def __dealloc__(self):
        free(self.t.slots)
        self.t.slots = NULL

    def __reduce__(self):
        raise TypeError("a KeyIndex is not pickled (KeyedVectors pickles its key lists)")

    def build(self):
        """Check the keys and fill the table (once), without the GIL.

        Returns
        -------
        tuple of int
            ``(status, where, other)``: :data:`KEYS_OK`, or what is wrong
            (:data:`KEYS_BAD_OFFSETS`, :data:`KEYS_EMPTY`, :data:`KEYS_WHITESPACE`,
            :data:`KEYS_BAD_UTF8`, :data:`KEYS_DUPLICATE`) and the position of the key
            at fault (for a duplicate, ``other`` is the position of its first
            occurrence; else -1). Only after :data:`KEYS_OK` can the index be used.
        """
        cdef int64_t where = 0, other = -1
        cdef int status
        if self.status != -1:
            raise RuntimeError("KeyIndex.build runs once")
        with nogil:
            status = nv_keyindex_build(&self.t, &where, &other)
        self.status = status
        return status, where, other

    def __len__(self):
        return self.n

    cdef inline int _ready(self) except -1:
        if self.status != KEYS_OK:
            raise RuntimeError("the KeyIndex is not built, or its keys were refused")
        return 0

    cdef object _str(self, Py_ssize_t i):
        cdef int64_t a = self.off[i], b = self.off[i + 1]
        if self.t.ascii:
            return nv_ascii_str(&self.blob[a], b - a)
        return PyUnicode_DecodeUTF8(<const char *>&self.blob[a], b - a, "surrogatepass")

    def find(self, key):
        """Position of ``key`` (a str), or -1 when absent (or not a str)."""
        cdef const char *s
        cdef Py_ssize_t size = 0
        cdef int64_t got
        self._ready()
        if not isinstance(key, str):
            return -1
        try:
            s = PyUnicode_AsUTF8AndSize(key, &size)
        except UnicodeEncodeError:   # a lone surrogate: as the keys were decoded
            raw = (<str>key).encode("utf-8", "surrogatepass")
            s = raw
            size = len(raw)
            return nv_keyindex_find(&self.t, <const unsigned char *>s, size)
        return nv_keyindex_find(&self.t, <const unsigned char *>s, size)

    def key(self, Py_ssize_t i):
        """The key at position ``i`` (0 <= i < n), a new str."""
        self._ready()
        if not 0 <= i < self.n:
            raise IndexError(f"key position {i} is outside [0, {self.n})")
        return self._str(i)

    def keys(self):
        """All keys as a new list of str, in order."""
        cdef Py_ssize_t i
        self._ready()
        out = PyList_New(self.n)   # NULL items until set: a partly filled list is freed safely
        for i in range(self.n):
            key = self._str(i)
            Py_INCREF(key)         # PyList_SET_ITEM steals a reference
            PyList_SET_ITEM(out, i, key)
        return out

    def index(self, list keys=None):
        """The dict ``{key: position}`` in order, sized up front.

        ``keys`` (optional): a list whose items are reused when item ``i`` is an exact
        ASCII str equal to key ``i`` (checked, byte for byte), instead of making a
        new str; any other item (a list changed since :meth:`keys` made it) is not used.
        """
        cdef Py_ssize_t i, m = 0
        cdef int64_t a, b
        cdef PyObject *item
        self._ready()
        if keys is not None:
            m = PyList_GET_SIZE(keys)
        out = nv_dict_presized(self.n)
        for i in range(self.n):
            a = self.off[i]
            b = self.off[i + 1]
            if i < m:
                item = PyList_GET_ITEM(keys, i)   # borrowed; the list is not changed here
                if nv_is_ascii_str_of(item, &self.blob[a], b - a):
                    PyDict_SetItem(out, <object>item, PyLong_FromSsize_t(i))
                    continue
            PyDict_SetItem(out, self._str(i), PyLong_FromSsize_t(i))
        return out
