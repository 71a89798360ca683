/* nv_vecfile.h - parsing the records of word2vec text / GloVe text and word2vec binary
 * files, block by block, into a preallocated matrix. No Python, no allocation.
 *
 * The caller (ngramvec/vectors/_formats.pyx) reads the file in blocks and calls
 * nv_text_parse / nv_bin_parse on each; a call parses the complete records of the
 * block and says where it stopped and why (nv_status). Everything that needs a
 * decision or a message (a malformed line, the end of the announced records, a number
 * this parser does not convert exactly) goes back to Python, which owns the rules and
 * the error messages; this file only does the arithmetic of the common case.
 *
 * Every index is checked against the sizes given in the job struct: a malformed or
 * hostile file can make a call stop early, never read or write out of bounds.
 *
 * Numbers (nv_parse_double)
 * -------------------------
 * A value must be what Python's float() returns, so that float32 results equal gensim's
 * (which does numpy.float32(token), i.e. float() then one rounding to float32) bit for
 * bit. The exact fast path (Clinger 1990) covers the forms tools write: an optional
 * sign, digits with an optional '.', an optional exponent, at most 19 significant
 * digits. The digits form an integer m < 2^64 and the value is m * 10^e. When
 * m <= 2^53 and |e| <= 22, both m and 10^|e| are exact doubles, so one IEEE
 * multiplication or division rounds the exact value once, to nearest: the correctly
 * rounded result, as strtod gives. (For 22 < e <= 22 + 15, m * 10^(e - 22) is tried
 * as an exact integer first.) Anything else - more digits, larger exponents,
 * underscores, non-ASCII digits, garbage - is "slow": its position is recorded and
 * Python converts it with float() (or refuses it). The special values inf, infinity
 * and nan (any case, optional sign) are handled here as float() does.
 *
 * This relies on double arithmetic being IEEE binary64 without excess precision
 * (FLT_EVAL_METHOD == 0, true with SSE2 on x86-64 and on ARM64); otherwise every
 * number takes the slow path. Never build this with -ffast-math.
 */
#ifndef NV_VECFILE_H
#define NV_VECFILE_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#if defined(FLT_EVAL_METHOD) && FLT_EVAL_METHOD == 0
#define NV_EXACT_DOUBLE 1
#else
#define NV_EXACT_DOUBLE 0
#endif

static const double nv_pow10[23] = {
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* ASCII whitespace that separates fields within a line (Python's bytes.split()). */
static inline int nv_is_sep(unsigned char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static inline int nv_is_ws(unsigned char c) { return c == '\n' || nv_is_sep(c); }

static inline unsigned char nv_lower(unsigned char c) {
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

/* Whether [p, end) equals the lowercase ASCII word w, ignoring case. */
static inline int nv_word_eq(const unsigned char *p, const unsigned char *end, const char *w) {
    size_t n = strlen(w);
    if ((size_t)(end - p) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (nv_lower(p[i]) != (unsigned char)w[i]) return 0;
    return 1;
}

/* The value of m * 10^e10 when one IEEE operation gives it exactly rounded, else 0. */
static inline int nv_clinger(uint64_t m, int64_t e10, int neg, double *out) {
    double d;
    if (m == 0) {
        d = 0.0;
    } else if (m > ((uint64_t)1 << 53)) {
        return 0;
    } else if (e10 >= 0 && e10 <= 22) {
        d = (double)m * nv_pow10[e10];
    } else if (e10 < 0 && e10 >= -22) {
        d = (double)m / nv_pow10[-e10];
    } else if (e10 > 22 && e10 <= 22 + 15) {
        /* m * 10^(e10 - 22) may still be an exact integer <= 2^53 */
        uint64_t mm = m;
        for (int64_t k = 0; k < e10 - 22; k++) {
            if (mm > ((uint64_t)1 << 53) / 10) return 0;
            mm *= 10;
        }
        d = (double)mm * 1e22;
    } else {
        return 0;
    }
    *out = neg ? -d : d;
    return 1;
}

/* Parse the token [p, end) (non-empty, no whitespace). Returns 1 and sets *out when the
 * value is exactly float(token); 0 when Python must decide (see the header comment). */
static inline int nv_parse_double(const unsigned char *p, const unsigned char *end, double *out) {
    int neg = 0;
    if (p < end && (*p == '+' || *p == '-')) {
        neg = (*p == '-');
        p++;
    }
    if (p >= end) return 0;
    if (!((*p >= '0' && *p <= '9') || *p == '.')) {
        /* inf, infinity, nan: float() gives +-inf and a quiet NaN carrying the sign */
        if (nv_word_eq(p, end, "inf") || nv_word_eq(p, end, "infinity")) {
            *out = neg ? -HUGE_VAL : HUGE_VAL;
            return 1;
        }
        if (nv_word_eq(p, end, "nan")) {
            *out = copysign(NAN, neg ? -1.0 : 1.0);
            return 1;
        }
        return 0;
    }
    if (!NV_EXACT_DOUBLE) return 0;
    uint64_t m = 0;
    int sig = 0;          /* significant digits in m (leading zeros not counted) */
    int digits = 0;       /* digits seen in the mantissa, zeros included */
    int64_t e10 = 0;      /* decimal exponent of m */
    while (p < end && *p >= '0' && *p <= '9') {
        digits++;
        if (m || *p != '0') {
            if (++sig > 19) return 0;
            m = m * 10 + (uint64_t)(*p - '0');
        }
        p++;
    }
    if (p < end && *p == '.') {
        p++;
        while (p < end && *p >= '0' && *p <= '9') {
            digits++;
            if (m || *p != '0') {
                if (++sig > 19) return 0;
                m = m * 10 + (uint64_t)(*p - '0');
            }
            e10--;
            p++;
        }
    }
    if (digits == 0) return 0;            /* ".", "+." */
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        int eneg = 0;
        if (p < end && (*p == '+' || *p == '-')) {
            eneg = (*p == '-');
            p++;
        }
        if (p >= end) return 0;             /* "1e", "1e+" */
        int64_t x = 0;
        while (p < end && *p >= '0' && *p <= '9') {
            if (x < 100000) x = x * 10 + (*p - '0');
            p++;
        }
        if (p < end) return 0;             /* "1e5x", "1e+-5", "1e_5" */
        if (x >= 100000) return 0;         /* let float() decide (0.0 or inf, or overflow) */
        e10 += eneg ? -x : x;
    }
    if (p != end) return 0;                 /* trailing garbage, "1_0", "1.2.3" */
    return nv_clinger(m, e10, neg, out);
}


/* One pass over a value starting at p (not a separator) in a line ending at lim: sets
 * *tend to the end of the token (the next separator or lim) and returns what
 * nv_parse_double(p, *tend) would, reading the common form (sign, digits, '.', digits,
 * exponent) as it goes and anything else through nv_parse_double. */
static inline int nv_scan_double(const unsigned char *p, const unsigned char *lim,
                                 double *out, const unsigned char **tend) {
    const unsigned char *s = p;
    int neg = 0;
    uint64_t m = 0;
    int sig = 0, digits = 0;
    int64_t e10 = 0;
    if (!NV_EXACT_DOUBLE) goto generic;
    if (p < lim && (*p == '-' || *p == '+')) {
        neg = (*p == '-');
        p++;
    }
    while (p < lim && (unsigned)(*p - '0') < 10) {
        digits++;
        if (m || *p != '0') {
            if (++sig > 19) goto generic;
            m = m * 10 + (uint64_t)(*p - '0');
        }
        p++;
    }
    if (p < lim && *p == '.') {
        p++;
        while (p < lim && (unsigned)(*p - '0') < 10) {
            digits++;
            if (m || *p != '0') {
                if (++sig > 19) goto generic;
                m = m * 10 + (uint64_t)(*p - '0');
            }
            e10--;
            p++;
        }
    }
    if (digits == 0) goto generic;
    if (p < lim && (*p == 'e' || *p == 'E')) {
        const unsigned char *q = p + 1;
        int eneg = 0;
        int64_t x = 0;
        if (q < lim && (*q == '+' || *q == '-')) {
            eneg = (*q == '-');
            q++;
        }
        if (q >= lim || (unsigned)(*q - '0') >= 10) goto generic;
        while (q < lim && (unsigned)(*q - '0') < 10) {
            if (x >= 100000) goto generic;
            x = x * 10 + (*q - '0');
            q++;
        }
        e10 += eneg ? -x : x;
        p = q;
    }
    if (p < lim && !nv_is_sep(*p)) goto generic;
    *tend = p;
    if (nv_clinger(m, e10, neg, out)) return 1;
    return nv_parse_double(s, p, out);   /* the rarer exact cases, or slow */
generic:
    while (p < lim && !nv_is_sep(*p)) p++;
    *tend = p;
    return nv_parse_double(s, p, out);
}

/* Why a call returned. */
enum nv_status {
    NV_MORE = 0,       /* every complete record is parsed; the rest needs more data */
    NV_FULL = 1,       /* the output is full (rows); stopped before a non-blank record */
    NV_SLOW_FULL = 2,  /* the table of slow tokens, or the key buffer, is full */
    NV_BAD = 3,        /* a malformed record: [bad_start, bad_end) */
    NV_BAD_KEY_WS = 4, /* binary: a key holding whitespace */
    NV_KEY_LONG = 5,   /* binary: no space within max_key bytes */
    NV_TRUNC_KEY = 6,  /* binary, final block: a key without its vector */
    NV_TRUNC_VEC = 7   /* binary, final block: a vector cut short */
};

/* One call's input and output. Offsets are into buf; rows are into out. */
typedef struct {
    /* input */
    const unsigned char *buf;
    int64_t len;            /* bytes in buf */
    int64_t pos;            /* where to start */
    int final;              /* no more data after buf */
    int64_t dim;            /* values per record (> 0) */
    float *out32;           /* out (n_rows x dim), float32 ... */
    double *out64;          /* ... or float64: exactly one is non-NULL */
    int64_t row;            /* first row to fill */
    int64_t n_rows;         /* rows of out */
    unsigned char *keys;    /* key bytes, each followed by '\n' */
    int64_t keys_len;       /* bytes used in keys (in and out) */
    int64_t keys_cap;
    int64_t *slow;          /* slow tokens: (row, column, start, end) each */
    int64_t n_slow;         /* entries used (in and out) */
    int64_t slow_cap;
    int64_t max_key;        /* binary: the longest key accepted */
    /* output */
    int64_t lines;          /* text: lines consumed (blank ones included) */
    int64_t bad_start, bad_end;
    int64_t nonfinite_rows; /* rows holding NaN or inf (fast-path values only) */
    int64_t first_nonfinite;
} nv_vecjob;

static inline void nv_store(nv_vecjob *j, int64_t row, int64_t col, double v) {
    if (j->out32) {
        j->out32[row * j->dim + col] = (float)v;
    } else {
        j->out64[row * j->dim + col] = v;
    }
}

static inline int nv_row_finite(const nv_vecjob *j, int64_t row) {
    int64_t k;
    if (j->out32) {
        const float *r = j->out32 + row * j->dim;
        for (k = 0; k < j->dim; k++)
            if (!isfinite(r[k])) return 0;
    } else {
        const double *r = j->out64 + row * j->dim;
        for (k = 0; k < j->dim; k++)
            if (!isfinite(r[k])) return 0;
    }
    return 1;
}

static inline void nv_count_finite(nv_vecjob *j, int64_t row) {
    if (!nv_row_finite(j, row)) {
        if (j->nonfinite_rows == 0) j->first_nonfinite = row;
        j->nonfinite_rows++;
    }
}

/* Text: parse lines "<key> <v1> ... <vdim>" from j->pos. A line is complete when it ends
 * in '\n', or at the end of the final block. Blank lines are skipped. Returns an
 * nv_status; j->pos is then where the next call starts (after the last line consumed),
 * j->row the next row to fill. Slow tokens are recorded with their row and column, and
 * their slot in out is set to 0 until Python fills it. */
static int nv_text_parse(nv_vecjob *j) {
    const unsigned char *buf = j->buf;
    const int64_t len = j->len;
    int64_t pos = j->pos;
    while (pos < len) {
        const unsigned char *nl = memchr(buf + pos, '\n', (size_t)(len - pos));
        int64_t eol = nl ? (int64_t)(nl - buf) : len;  /* end of the line's content */
        if (!nl && !j->final) break;                    /* an incomplete last line */
        int64_t next = nl ? eol + 1 : len;
        /* blank line? */
        int64_t q = pos;
        while (q < eol && nv_is_sep(buf[q])) q++;
        if (q == eol) {
            pos = next;
            j->lines++;
            continue;
        }
        if (j->row >= j->n_rows) {
            j->pos = pos;
            return NV_FULL;
        }
        if (q != pos) goto bad;                          /* starts with whitespace */
        /* the key */
        int64_t ks = pos;
        while (q < eol && !nv_is_sep(buf[q])) q++;
        int64_t klen = q - ks;
        if (j->keys_len + klen + 1 > j->keys_cap) {
            j->pos = pos;
            return NV_SLOW_FULL;
        }
        /* the values */
        int64_t col = 0;
        int64_t n_slow0 = j->n_slow;
        for (;;) {
            while (q < eol && nv_is_sep(buf[q])) q++;
            if (q >= eol) break;
            int64_t ts = q;
            if (col >= j->dim) goto bad_undo;            /* too many values */
            double v;
            const unsigned char *te;
            int exact = nv_scan_double(buf + ts, buf + eol, &v, &te);
            q = (int64_t)(te - buf);
            if (exact) {
                nv_store(j, j->row, col, v);
            } else {
                if (j->n_slow >= j->slow_cap) {
                    /* the table is full: this line again in the next call */
                    j->n_slow = n_slow0;
                    j->pos = pos;
                    return NV_SLOW_FULL;
                }
                int64_t *s = j->slow + 4 * j->n_slow;
                s[0] = j->row;
                s[1] = col;
                s[2] = ts;
                s[3] = q;
                j->n_slow++;
                nv_store(j, j->row, col, 0.0);
            }
            col++;
        }
        if (col != j->dim) goto bad_undo;                /* no or too few values */
        memcpy(j->keys + j->keys_len, buf + ks, (size_t)klen);
        j->keys[j->keys_len + klen] = '\n';
        j->keys_len += klen + 1;
        nv_count_finite(j, j->row);
        j->row++;
        j->lines++;
        pos = next;
        continue;
    bad_undo:
        j->n_slow = n_slow0;
    bad:
        j->bad_start = pos;
        j->bad_end = eol;
        j->pos = pos;
        return NV_BAD;
    }
    j->pos = pos;
    return NV_MORE;
}

/* Binary: records "<key> " + dim little-endian float32 from j->pos (whitespace before a
 * key, such as the '\n' the word2vec C tool writes after each vector, is skipped). On
 * NV_MORE, j->pos is the start of the first incomplete record and j->bad_end the bytes
 * from j->pos it needs at least (when known, else 0). */
static int nv_bin_parse(nv_vecjob *j) {
    const unsigned char *buf = j->buf;
    const int64_t len = j->len;
    const int64_t vec_bytes = 4 * j->dim;
    const uint16_t one = 1;
    const int little = *(const unsigned char *)&one == 1;
    int64_t pos = j->pos;
    j->bad_end = 0;
    for (;;) {
        int64_t p = pos;
        while (p < len && nv_is_ws(buf[p])) p++;
        if (p >= len) {
            j->pos = p;    /* only whitespace left */
            return NV_MORE;
        }
        if (j->row >= j->n_rows) {
            j->pos = p;
            return NV_FULL;
        }
        int64_t span = len - p;
        if (span > j->max_key + 1) span = j->max_key + 1;
        const unsigned char *sp = memchr(buf + p, ' ', (size_t)span);
        if (!sp) {
            j->pos = p;
            if (len - p > j->max_key) return NV_KEY_LONG;
            if (j->final) return NV_TRUNC_KEY;
            return NV_MORE;
        }
        int64_t ke = (int64_t)(sp - buf);
        for (int64_t k = p; k < ke; k++) {
            if (nv_is_ws(buf[k])) {
                j->pos = p;
                j->bad_start = p;
                j->bad_end = ke;
                return NV_BAD_KEY_WS;
            }
        }
        if (len - (ke + 1) < vec_bytes) {
            j->pos = p;
            if (j->final) {
                j->bad_start = p;
                j->bad_end = ke;
                return NV_TRUNC_VEC;
            }
            j->bad_end = ke + 1 + vec_bytes - p;
            return NV_MORE;
        }
        int64_t klen = ke - p;
        if (j->keys_len + klen + 1 > j->keys_cap) {
            j->pos = p;
            return NV_SLOW_FULL;
        }
        memcpy(j->keys + j->keys_len, buf + p, (size_t)klen);
        j->keys[j->keys_len + klen] = '\n';
        j->keys_len += klen + 1;
        const unsigned char *src = buf + ke + 1;
        if (j->out32 && little) {
            memcpy(j->out32 + j->row * j->dim, src, (size_t)vec_bytes);
        } else {
            for (int64_t c = 0; c < j->dim; c++) {
                unsigned char b[4];
                float f;
                if (little) {
                    memcpy(b, src + 4 * c, 4);
                } else {
                    b[0] = src[4 * c + 3];
                    b[1] = src[4 * c + 2];
                    b[2] = src[4 * c + 1];
                    b[3] = src[4 * c];
                }
                memcpy(&f, b, 4);
                nv_store(j, j->row, c, (double)f);
            }
        }
        nv_count_finite(j, j->row);
        j->row++;
        pos = ke + 1 + vec_bytes;
        j->pos = pos;
    }
}

#endif /* NV_VECFILE_H */
