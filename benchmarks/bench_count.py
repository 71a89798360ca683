"""Counting benchmark: ngramvec vs the Stanford GloVe tool's vocab_count + cooccur.

Both read the same whitespace-tokenized file and count with window 10, harmonic
(1/d) weights, symmetric contexts, min_count 5, and both write their counts to disk.
Each side runs in its own process; wall time and peak resident memory (process tree)
are measured from outside. Also reports encoding throughput on raw text and the
PPMI + SVD time at a 50k vocabulary, dim 300.

Example::

    python benchmarks/bench_count.py --corpus gutenberg_en_10M.txt.gz \\
        --glove-dir /tmp/GloVe/build --repeats 3

The GloVe tool is not part of ngramvec: build it yourself in a folder outside the
repository and pass its ``build`` directory.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median, run_measured, write_json  # noqa: E402

WORKER = r"""
import sys, time, ngramvec as nv
from ngramvec.models.cooccur import count_cooccurrences
path, threads, out, window, min_count = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
c = nv.Corpus(path, tokenizer="whitespace", lowercase=False)
v = nv.Vocabulary.build(c, min_count=min_count)
m = count_cooccurrences(c, v, window=window, weighting="harmonic", n_threads=threads)
m.save(out)
print(m.nnz, len(v), c.encoded().n_tokens)
"""

ENCODE = r"""
import sys, time, ngramvec as nv
t = time.perf_counter(); enc = nv.Corpus(sys.argv[1]).encoded(); dt = time.perf_counter() - t
print(enc.n_tokens, dt)
"""

PPMI_SVD = r"""
import sys, time, ngramvec as nv
c = nv.Corpus(sys.argv[1])
v = nv.Vocabulary.build(c, min_count=1, max_size=50000)
m = nv.count_cooccurrences(c, v, window=2)
t = time.perf_counter(); p = nv.PPMI(cds=0.75).fit_transform(m); t1 = time.perf_counter() - t
t = time.perf_counter(); nv.SVD(dim=300, eig=0.5).fit(p); t2 = time.perf_counter() - t
print(len(v), p.nnz, t1, t2)
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=None,
                    help="raw text corpus (default: the bundled demo corpus)")
    ap.add_argument("--glove-dir", default=None,
                    help="directory holding GloVe's vocab_count and cooccur binaries")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--window", type=int, default=10)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--memory", type=float, default=4.0, help="GloVe's -memory (GB)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--no-svd", action="store_true", help="skip the PPMI + SVD timing")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results",
                                                   "count.json"))
    args = ap.parse_args()
    import ngramvec as nv
    corpus = args.corpus or nv.dataset_path("demo")
    py = sys.executable
    results: dict = {"corpus": corpus, "window": args.window, "min_count": args.min_count}
    with tempfile.TemporaryDirectory(prefix="ngramvec-bench-") as tmp:
        # the same whitespace-tokenized text for both tools
        tok = os.path.join(tmp, "corpus.tok.txt")
        run_measured([py, "-m", "ngramvec.cli", "-q", "tokenize", corpus, "-o", tok])
        enc = [run_measured([py, "-c", ENCODE, corpus])[2].split() for _ in range(args.repeats)]
        n_tok = int(enc[0][0])
        t_enc = median([float(e[1]) for e in enc])
        results["encode"] = {"tokens": n_tok, "seconds": t_enc, "tokens_per_s": n_tok / t_enc}
        print(f"encode raw text ({os.path.basename(corpus)}): {n_tok:,} tokens in {t_enc:.2f} s "
              f"= {n_tok / t_enc / 1e6:.1f} M tokens/s (median of {args.repeats})")
        rows = []
        for t in args.threads:
            runs = [run_measured([py, "-c", WORKER, tok, str(t), os.path.join(tmp, "c.npz"),
                                  str(args.window), str(args.min_count)])
                    for _ in range(args.repeats)]
            nnz, nvocab, ntok = runs[0][2].split()
            rows.append((f"ngramvec {t} thread{'s' if t > 1 else ''}",
                         median([r[0] for r in runs]), median([r[1] for r in runs]), int(nnz)))
        if args.glove_dir:
            vc = os.path.join(args.glove_dir, "vocab_count")
            co = os.path.join(args.glove_dir, "cooccur")
            vocab = os.path.join(tmp, "vocab.txt")
            cmd = (f"'{vc}' -min-count {args.min_count} -verbose 0 < '{tok}' > '{vocab}' && "
                   f"'{co}' -memory {args.memory} -vocab-file '{vocab}' -verbose 0 "
                   f"-window-size {args.window} -symmetric 1 -distance-weighting 1 "
                   f"-overflow-file '{os.path.join(tmp, 'overflow')}' < '{tok}' > "
                   f"'{os.path.join(tmp, 'cooc.bin')}'")
            runs = [run_measured(cmd, shell=True, cwd=tmp) for _ in range(args.repeats)]
            recs = os.path.getsize(os.path.join(tmp, "cooc.bin")) // 16
            rows.append(("GloVe vocab_count + cooccur (1 thread)", median([r[0] for r in runs]),
                         median([r[1] for r in runs]), recs))
        print(f"\nvocabulary + counting, window {args.window}, harmonic, symmetric, "
              f"min_count {args.min_count} (median of {args.repeats}):")
        print(f"{'':40s} {'wall s':>8s} {'peak MB':>8s} {'pairs':>12s} {'vs GloVe':>9s}")
        glove_t = rows[-1][1] if args.glove_dir else None
        for name, wall, mem, nnz in rows:
            ratio = f"{glove_t / wall:8.2f}x" if glove_t else ""
            print(f"{name:40s} {wall:8.2f} {mem:8.0f} {nnz:12,d} {ratio}")
        results["count"] = [dict(name=n, seconds=w, peak_mb=m, nnz=z) for n, w, m, z in rows]
        if not args.no_svd:
            out = run_measured([py, "-c", PPMI_SVD, corpus])[2].split()
            results["ppmi_svd"] = {"vocab": int(out[0]), "nnz": int(out[1]),
                                   "ppmi_seconds": float(out[2]), "svd_seconds": float(out[3])}
            print(f"\nPPMI + SVD at vocabulary {int(out[0]):,}, dim 300 (window 2, "
                  f"{int(out[1]):,} PPMI cells): PPMI {float(out[2]):.2f} s, "
                  f"SVD {float(out[3]):.1f} s")
    write_json(args.json, results)
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
