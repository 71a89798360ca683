"""PPMI-SVD quality: ngramvec against a straightforward NumPy/SciPy reference.

The reference re-implements the same math in the most direct way: a Counter for the
vocabulary, a Python dict for the window counts, SciPy sparse arithmetic for PPMI
(as hyperwords does it) and SciPy's ARPACK ``svds`` for the SVD. Both sides read the
same token lists (ngramvec's default tokenizer) and are evaluated with
``ngramvec.evaluate`` (whose numbers equal gensim's). Prints WS353, SimLex-999 and
Google analogy (3CosAdd and 3CosMul, covered questions) side by side.

Example::

    python benchmarks/quality_ppmi_svd.py --corpus gutenberg_en_10M.txt.gz
"""
from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter, defaultdict

import numpy as np
import scipy.sparse as sp
from scipy.sparse.linalg import svds

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import add_ppmi_svd_args, write_json  # noqa: E402


def reference_vectors(sentences, min_count, window, cds, dim, eig):
    """Direct implementation: Counter vocabulary, dict counts, SciPy PPMI, ARPACK SVD."""
    freq = Counter(w for s in sentences for w in s)
    words = sorted((w for w, c in freq.items() if c >= min_count), key=lambda w: (-freq[w], w))
    index = {w: i for i, w in enumerate(words)}
    pairs: dict = defaultdict(float)
    for s in sentences:
        ids = [index[w] for w in s if w in index]          # OOV removed before windowing
        for i, a in enumerate(ids):
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i:
                    pairs[(a, ids[j])] += 1.0
    keys = np.array(list(pairs.keys()), dtype=np.int64)
    m = sp.csr_matrix((np.fromiter(pairs.values(), dtype=np.float64), (keys[:, 0], keys[:, 1])),
                      shape=(len(words), len(words)))
    # PPMI (Levy et al. 2015): log(#wc * sum_c #c^a / (#w * #c^a)), negatives -> 0
    sum_w = np.asarray(m.sum(axis=1)).ravel()
    sum_c = np.asarray(m.sum(axis=0)).ravel() ** cds
    pmi = sp.diags(1.0 / sum_w) @ m @ sp.diags(1.0 / sum_c) * sum_c.sum()
    pmi = pmi.tocsr()
    pmi.data = np.log(pmi.data)
    pmi.data[pmi.data < 0] = 0
    pmi.eliminate_zeros()
    u, s, vt = svds(pmi, k=dim, v0=np.random.default_rng(0).uniform(-1, 1, min(pmi.shape)))
    order = np.argsort(-s)
    return words, (u[:, order] * s[order] ** eig).astype(np.float32), m.nnz, pmi.nnz


def scores(wv):
    import ngramvec as nv
    out = {}
    for name in ("ws353", "simlex999"):
        r = nv.evaluate.similarity(wv, name)
        out[name] = {"spearman": r.spearman, "pairs": r.pairs_used}
    for method in ("3cosadd", "3cosmul"):
        r = nv.evaluate.analogy(wv, "google", method=method)
        out[f"google_{method}"] = {"accuracy": r.accuracy, "covered": r.covered,
                                   "total": r.total, "coverage": r.coverage}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ppmi_svd_args(ap, "quality_ppmi_svd.json")
    args = ap.parse_args()
    import ngramvec as nv
    path = args.corpus or nv.dataset_path("demo")
    corpus = nv.Corpus(path)

    t = time.perf_counter()
    vocab = nv.Vocabulary.build(corpus, min_count=args.min_count)
    counts = nv.count_cooccurrences(corpus, vocab, window=args.window)
    ppmi = nv.PPMI(cds=args.cds).fit_transform(counts)
    ours = nv.KeyedVectors.from_model(nv.SVD(dim=args.dim, eig=args.eig).fit(ppmi))
    t_ours = time.perf_counter() - t

    t = time.perf_counter()
    sentences = list(corpus)
    words, vecs, nnz, pnnz = reference_vectors(sentences, args.min_count, args.window,
                                               args.cds, args.dim, args.eig)
    ref = nv.KeyedVectors(vecs, words)
    t_ref = time.perf_counter() - t
    assert words == vocab.index_to_key, "vocabularies differ"
    assert nnz == counts.nnz and pnnz == ppmi.nnz, (nnz, counts.nnz, pnnz, ppmi.nnz)

    a, b = scores(ours), scores(ref)
    print(f"corpus {os.path.basename(path)}: {len(words):,} words (min_count {args.min_count}), "
          f"window {args.window}, cds {args.cds}, dim {args.dim}, eig {args.eig}; "
          f"{nnz:,} counts, {pnnz:,} PPMI cells (identical on both sides)")
    print(f"{'':22s} {'ngramvec':>10s} {'reference':>10s} {'diff':>8s}")
    for k in ("ws353", "simlex999"):
        print(f"{k + ' spearman':22s} {a[k]['spearman']:10.4f} {b[k]['spearman']:10.4f} "
              f"{a[k]['spearman'] - b[k]['spearman']:+8.4f}")
    for k in ("google_3cosadd", "google_3cosmul"):
        print(f"{k + ' acc %':22s} {100 * a[k]['accuracy']:10.2f} {100 * b[k]['accuracy']:10.2f} "
              f"{100 * (a[k]['accuracy'] - b[k]['accuracy']):+8.2f}   "
              f"({a[k]['covered']}/{a[k]['total']} covered)")
    print(f"time: ngramvec {t_ours:.1f} s, reference {t_ref:.1f} s")
    write_json(args.json, {"corpus": path, "settings": vars(args), "ngramvec": a,
                           "reference": b, "seconds": {"ngramvec": t_ours, "reference": t_ref}})


if __name__ == "__main__":
    main()
