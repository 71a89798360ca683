# cython: language_level=3
"""The string table of csrc/nv_strtab.h (interned byte strings with counts), declared
once for the compiled modules that cimport it (_encode, _pairs, models/_phrases);
extern declarations only, so no module of its own."""
from libc.stdint cimport int64_t, uint64_t


cdef extern from "nv_strtab.h" nogil:
    ctypedef struct nv_strtab:
        uint64_t *slots
        int64_t cap
        int64_t n
        int64_t *off
        int64_t *count
        char *arena
    int nv_strtab_init(nv_strtab *t, int64_t cap)
    void nv_strtab_free(nv_strtab *t)
    int64_t nv_strtab_intern(nv_strtab *t, const char *s, int64_t len)
    uint64_t nv_strhash(const char *s, int64_t len)
    int64_t nv_strtab_find(const nv_strtab *t, const char *s, int64_t len, uint64_t h)
