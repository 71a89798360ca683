"""Two builds of ngramvec side by side: counting, SGNS and GloVe, interleaved.

On a shared machine whose speed drifts, comparing a change with the code before it is
only fair when both run in turn under the same conditions. This script takes two
checkouts (each built in place: ``python setup.py build_ext --inplace``), and for
``--rounds`` rounds runs each measurement once per checkout, alternating, every one in
its own process. It prints every run and the medians.

Measurements (10M corpus defaults as in benchmarks/README.md):

* ``count_uni_uni``: Vocabulary.build + count_cooccurrences, window 10, harmonic;
* ``count_uni_bi``: words + bigrams vocabulary + uni_bi counting, window 2;
* ``sgns``: one epoch, dim 100, window 5, negative 5, sample 1e-3 (words/s);
* ``glove``: three epochs, dim 100, after a warm-up (seconds per epoch).

Example::

    python benchmarks/ab_builds.py --old /tmp/old-checkout --new . \\
        --corpus gutenberg_en_10M.txt.gz --threads 2 --rounds 3
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

CHILD = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
import ngramvec as nv
corpus, what, threads = sys.argv[2], sys.argv[3], int(sys.argv[4])
enc = nv.Corpus(corpus).encoded()
out = {"ngramvec": nv.__file__}
if what.startswith("count"):
    uni_bi = what == "count_uni_bi"
    t0, c0 = time.perf_counter(), time.process_time()
    vocab = nv.Vocabulary.build(enc, min_count=5, ngram_orders=(1, 2) if uni_bi else (1,),
                                n_threads=threads)
    kw = {"contexts": "uni_bi", "window": 2} if uni_bi else {"window": 10,
                                                             "weighting": "harmonic"}
    counts = nv.count_cooccurrences(enc, vocab, n_threads=threads, **kw)
    out.update(wall=time.perf_counter() - t0, cpu=time.process_time() - c0,
               nnz=int(counts.matrix.nnz))
elif what == "sgns":
    m = nv.SGNS(dim=100, window=5, negative=5, sample=1e-3, epochs=1, min_count=5,
                n_threads=threads, seed=0)
    t0, c0 = time.perf_counter(), time.process_time()
    m.fit(enc)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    out.update(wall=wall, cpu=cpu, words_per_sec=enc.n_tokens / wall,
               words_per_cpu_sec=enc.n_tokens / cpu)
else:
    vocab = nv.Vocabulary.build(enc, min_count=5)
    counts = nv.count_cooccurrences(enc, vocab, window=10, weighting="harmonic",
                                    n_threads=threads)
    nv.GloVe(dim=4, epochs=1, n_threads=threads).fit(counts)      # warm-up (Numba cache)
    marks = [(time.perf_counter(), time.process_time())]
    def cb(*args):                 # the callback signature changed across versions
        marks.append((time.perf_counter(), time.process_time()))
    nv.GloVe(dim=100, epochs=3, n_threads=threads, seed=1).fit(counts, callback=cb)
    out.update(epoch_wall=[b[0] - a[0] for a, b in zip(marks, marks[1:])],
               epoch_cpu=[b[1] - a[1] for a, b in zip(marks, marks[1:])])
    out["wall"] = statistics.median(out["epoch_wall"])
print(json.dumps(out))
'''

MEASUREMENTS = ("count_uni_uni", "count_uni_bi", "sgns", "glove")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--old", required=True, help="checkout of the code before the change")
    ap.add_argument("--new", required=True, help="checkout of the code after the change")
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--only", nargs="+", choices=MEASUREMENTS, default=list(MEASUREMENTS))
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    runs: dict[str, dict[str, list[dict]]] = {m: {"old": [], "new": []} for m in args.only}
    for r in range(args.rounds):
        for what in args.only:
            for side in ("old", "new"):
                path = getattr(args, side)
                p = subprocess.run([sys.executable, "-c", CHILD, path, args.corpus, what,
                                    str(args.threads)], capture_output=True, text=True,
                                   cwd="/")
                if p.returncode:
                    raise SystemExit(f"{side} {what} failed:\n{p.stderr[-2000:]}")
                res = json.loads(p.stdout.strip().splitlines()[-1])
                runs[what][side].append(res)
                print(f"round {r + 1} {what:14s} {side}: wall {res['wall']:.2f} s  "
                      + ", ".join(f"{k} {v:,.0f}" for k, v in res.items()
                                  if k in ("words_per_sec", "words_per_cpu_sec", "nnz")),
                      flush=True)
    print(f"\nmedians over {args.rounds} rounds, {args.threads} threads (wall seconds; "
          "glove: seconds per epoch):")
    for what in args.only:
        old = statistics.median(x["wall"] for x in runs[what]["old"])
        new = statistics.median(x["wall"] for x in runs[what]["new"])
        print(f"  {what:14s} old {old:7.2f}  new {new:7.2f}  old/new {old / new:.2f}x")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"settings": vars(args), "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
