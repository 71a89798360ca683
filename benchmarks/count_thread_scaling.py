"""How the one-machine counter scales from 1 to 2 threads (the ceiling of what a second
worker on the same machine can give ``bench_distributed.py``).

    python benchmarks/count_thread_scaling.py --corpus gutenberg_en_50M.txt \\
        --json results/count_threads_50M.json

The vocabulary is built once per config; then ``count_cooccurrences`` runs with 1 and 2
threads in turn, ``--repeats`` times, and the ratio of each adjacent pair is printed
(the machine's speed drifts, so pairs run back to back are the figures to compare).
"""
from __future__ import annotations

import argparse
import json
import time

import ngramvec as nv


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--configs", nargs="+", default=["uni_bi:2", "uni_uni:10"],
                    help="contexts:window pairs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    enc = nv.Corpus(args.corpus).encoded()
    out = {}
    for cfg in args.configs:
        contexts, window = cfg.split(":")
        orders = (1,) if contexts == "uni_uni" else (1, 2)
        vocab = nv.Vocabulary.build(enc, min_count=5, ngram_orders=orders)
        times: dict[int, list[float]] = {1: [], 2: []}
        for _ in range(args.repeats):
            for t in (1, 2):
                t0 = time.perf_counter()
                m = nv.count_cooccurrences(enc, vocab, window=int(window), contexts=contexts,
                                           n_threads=t)
                times[t].append(time.perf_counter() - t0)
                print(f"{cfg} {t} thread(s): {times[t][-1]:.2f} s, nnz {m.nnz:,}", flush=True)
                del m
        ratios = [round(a / b, 2) for a, b in zip(times[1], times[2])]
        print(f"{cfg}: 1 -> 2 threads per repeat {ratios}", flush=True)
        out[cfg] = {"seconds": {str(t): v for t, v in times.items()}, "ratios": ratios}
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"corpus": args.corpus, "date": time.strftime("%Y-%m-%dT%H:%MZ",
                                                                    time.gmtime()),
                       "runs": out}, f, indent=1)


if __name__ == "__main__":
    main()
