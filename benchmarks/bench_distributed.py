"""Dask backend benchmark: vocabulary + counting on a LocalCluster vs one machine.

The same plain text (the corpus decompressed once, untimed, so that the cluster can
cut it into byte ranges) is counted by one-machine ngramvec at ``--threads`` threads
and by ``ngramvec.distributed`` on LocalClusters of 1 and 2 worker processes (one
thread each), for uni_uni window 10 and uni_bi window 2, min_count 5. Each run is a
fresh process; the matrices of every run are checked equal (a hash of the CSR
arrays). Reported: wall time of encode + vocabulary + counting (the cluster's
start-up apart), tokens/s, peak resident memory of the process (one machine) or of
each worker process, bytes moved between processes per token (Dask's own transfer
logs: worker-to-worker, plus the result gathered by the client), the time in the
merge (compute time of the reduction tasks, summed over workers, and the wall time
from the last counting task to the last reduction task) and the time the client takes
to gather the blocks.

Example::

    python benchmarks/bench_distributed.py \\
        --corpus /work/shared/data/corpus/gutenberg_en_50M.txt.gz --repeats 1
"""
from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median, run_measured, write_json  # noqa: E402

ONE = r"""
import hashlib, json, sys, time, numpy as np, ngramvec as nv
from ngramvec.data.ngrams import parse_contexts
path, contexts, window, threads = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ins, ctx = parse_contexts(contexts)
t0 = time.perf_counter()
c = nv.Corpus(path)
enc = c.encoded()
t1 = time.perf_counter()
v = nv.Vocabulary.build(c, min_count=5, ngram_orders=sorted(set(ins) | set(ctx)), n_threads=threads)
t2 = time.perf_counter()
m = nv.count_cooccurrences(c, v, window=window, contexts=contexts, n_threads=threads)
t3 = time.perf_counter()
h = hashlib.sha1()
for a in (m.matrix.indptr.astype(np.int64), m.matrix.indices, m.matrix.data):
    h.update(np.ascontiguousarray(a).tobytes())
print(json.dumps(dict(encode=t1 - t0, vocab=t2 - t1, count=t3 - t2, wall=t3 - t0,
                      tokens=enc.n_tokens, nnz=m.nnz, shape=m.shape, vocab_size=len(v),
                      hash=h.hexdigest())))
"""

CLUSTER = r"""
import hashlib, json, os, sys, threading, time
import numpy as np, psutil
import distributed
import ngramvec as nv
from ngramvec import distributed as nvd
from ngramvec.data.ngrams import parse_contexts
path, contexts, window, n_workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
ins, ctx = parse_contexts(contexts)
if __name__ == "__main__":
    import dask
    dask.config.set({"distributed.admin.low-level-log-length": 1_000_000})
    cluster = distributed.LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None, memory_limit=0)
    client = distributed.Client(cluster)
    client.run(lambda: __import__("ngramvec.models.distributed"))   # warm: imports untimed
    pids = client.run(os.getpid)
    procs = {a: psutil.Process(p) for a, p in pids.items()}
    peak = {a: 0 for a in procs}
    stop = threading.Event()
    def sample():
        while not stop.is_set():
            for a, p in procs.items():
                try:
                    peak[a] = max(peak[a], p.memory_info().rss)
                except psutil.Error:
                    pass
            time.sleep(0.05)
    th = threading.Thread(target=sample, daemon=True); th.start()
    with distributed.get_task_stream(client) as ts:
        t0 = time.perf_counter()
        cc = nvd.encode(path, client)
        t1 = time.perf_counter()
        v = nvd.build_vocabulary(cc, client, min_count=5, ngram_orders=sorted(set(ins) | set(ctx)))
        t2 = time.perf_counter()
        blocks = nvd.count_cooccurrences(cc, v, client, window=window, contexts=contexts,
                                         gather=False)
        t25 = time.perf_counter()
        m = blocks.gather()
        blocks.release()
        t3 = time.perf_counter()
    stop.set(); th.join()
    def transfers(dask_worker):
        inc = sum(e.get("total", 0) for e in dask_worker.transfer_incoming_log)
        return inc
    moved = sum(client.run(transfers).values())
    gathered = m.matrix.data.nbytes + m.matrix.indices.nbytes + m.matrix.indptr.nbytes
    merge_cpu = 0.0
    count_end = 0.0
    last = 0.0
    for rec in ts.data:
        name = str(rec["key"])
        for ss in rec["startstops"]:
            if ss["action"] != "compute":
                continue
            if ("_sum_blocks" in name or "_finish_block" in name or "pick" in name
                    or "_block_of" in name):
                merge_cpu += ss["stop"] - ss["start"]
            if "_count_split" in name:
                count_end = max(count_end, ss["stop"])
            last = max(last, ss["stop"])
    h = hashlib.sha1()
    for a in (m.matrix.indptr.astype(np.int64), m.matrix.indices, m.matrix.data):
        h.update(np.ascontiguousarray(a).tobytes())
    print(json.dumps(dict(encode=t1 - t0, vocab=t2 - t1, count=t3 - t2, wall=t3 - t0,
                          tokens=cc.total_tokens, splits=len(cc), nnz=m.nnz, shape=m.shape,
                          vocab_size=len(v), hash=h.hexdigest(),
                          worker_peak_mb=[x / 2**20 for x in peak.values()],
                          worker_bytes=moved, gathered_bytes=int(gathered),
                          merge_cpu=merge_cpu, merge_tail=max(last - count_end, 0.0),
                          gather=t3 - t25, spills=blocks.stats.get("spills"),
                          row_groups=blocks.stats.get("row_groups"),
                          chunks=blocks.stats.get("chunks"),
                          n_blocks=blocks.stats.get("n_blocks"))))
    cc.release()
    client.close(); cluster.close()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="text corpus (.txt or .gz)")
    ap.add_argument("--threads", type=int, default=2, help="one-machine threads (default 2)")
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--configs", nargs="+", default=["uni_uni:10", "uni_bi:2"],
                    help="contexts:window pairs")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--tmp", default=None, help="where the plain text goes (default: /tmp)")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", "distributed.json"))
    args = ap.parse_args()
    py = sys.executable
    results: dict = {"corpus": args.corpus, "threads": args.threads, "runs": {}}
    tmp = tempfile.mkdtemp(prefix="ngramvec-bench-dist-", dir=args.tmp)
    try:
        plain = os.path.join(tmp, "corpus.txt")
        with gzip.open(args.corpus, "rb") if args.corpus.endswith(".gz") else \
                open(args.corpus, "rb") as src, open(plain, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 22)
        for config in args.configs:
            contexts, window = config.split(":")
            runs: dict = {}
            for _ in range(args.repeats):
                _, peak, out = run_measured([py, "-c", ONE, plain, contexts, window,
                                             str(args.threads)])
                runs.setdefault("one", []).append(dict(json.loads(out), peak_mb=peak))
                for n in args.workers:
                    _, peak, out = run_measured([py, "-c", CLUSTER, plain, contexts, window,
                                                 str(n)])
                    runs.setdefault(f"cluster{n}", []).append(dict(json.loads(out),
                                                                   tree_peak_mb=peak))
            hashes = {r["hash"] for rs in runs.values() for r in rs}
            summary = {}
            for name, rs in runs.items():
                s = {k: median([r[k] for r in rs]) for k in ("encode", "vocab", "count", "wall")}
                s["tokens"] = rs[0]["tokens"]
                s["tokens_per_s"] = s["tokens"] / s["wall"]
                if name == "one":
                    s["peak_mb"] = median([r["peak_mb"] for r in rs])
                else:
                    s["worker_peak_mb"] = [median([r["worker_peak_mb"][i] for r in rs])
                                           for i in range(len(rs[0]["worker_peak_mb"]))]
                    s["bytes_per_token"] = median([(r["worker_bytes"] + r["gathered_bytes"])
                                                   / r["tokens"] for r in rs])
                    s["worker_bytes_per_token"] = median([r["worker_bytes"] / r["tokens"]
                                                          for r in rs])
                    s["merge_cpu"] = median([r["merge_cpu"] for r in rs])
                    s["merge_tail"] = median([r["merge_tail"] for r in rs])
                    s["gather"] = median([r["gather"] for r in rs])
                    s["splits"] = rs[0]["splits"]
                summary[name] = s
            one = summary["one"]["wall"]
            line = [f"{config}: nnz {runs['one'][0]['nnz']:,}, shape {runs['one'][0]['shape']}, "
                    f"equal matrices: {len(hashes) == 1}",
                    f"  one machine ({args.threads} threads): {one:.1f} s "
                    f"({summary['one']['tokens_per_s'] / 1e6:.2f} M tok/s), "
                    f"peak {summary['one']['peak_mb']:.0f} MB"]
            for n in args.workers:
                s = summary[f"cluster{n}"]
                line.append(f"  {n} worker(s): {s['wall']:.1f} s (encode {s['encode']:.1f}, "
                            f"vocab {s['vocab']:.1f}, count {s['count']:.1f}), "
                            f"{s['tokens_per_s'] / 1e6:.2f} M tok/s, one-machine/cluster "
                            f"{one / s['wall']:.2f}x, worker peaks "
                            f"{', '.join(f'{x:.0f}' for x in s['worker_peak_mb'])} MB, "
                            f"{s['bytes_per_token']:.2f} B/token moved "
                            f"({s['worker_bytes_per_token']:.2f} between workers), merge "
                            f"{s['merge_cpu']:.1f} s CPU / {s['merge_tail']:.1f} s tail, "
                            f"gather {s['gather']:.1f} s")
            if 1 in args.workers and 2 in args.workers:
                line.append(f"  2 workers vs 1: "
                            f"{summary['cluster1']['wall'] / summary['cluster2']['wall']:.2f}x")
            print("\n".join(line), flush=True)
            results["runs"][config] = dict(summary=summary, raw=runs, equal=len(hashes) == 1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    results["repeats"] = args.repeats
    write_json(args.json, results)


if __name__ == "__main__":
    main()
