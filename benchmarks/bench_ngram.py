"""Ngram counting benchmark: uni_uni, uni_bi and bi_bi co-occurrence counts.

Prints tokens/s, wall time and peak resident memory of ngramvec (vocabulary of words
and bigrams + counting, window 2) with 1 and 2 threads, the same with a forced
spill (a memory limit well below the table size), and, on a slice of the corpus,
ngram2vec's corpus2pairs + pairs2counts (Python) with the same settings
(uni_bi = ``--cooccur ngram_ngram --input_order 1 --output_order 2``, window 2, no
subsampling, one min_count) and the ratio. It also checks that both count the same
number of pairs.

Example::

    python benchmarks/bench_ngram.py --corpus gutenberg_en_10M.txt.gz \\
        --ngram2vec-dir /tmp/ngram2vec --slice-tokens 1000000

ngram2vec is not part of ngramvec: check it out yourself outside the repository
(its pairs2counts.py needs two Python 3 fixes: ``import pickle`` for cPickle and
``sys.maxsize`` for sys.maxint) and pass its directory.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median, run_measured, write_json  # noqa: E402

WORKER = r"""
import sys, time, json, ngramvec as nv
path, contexts, threads, limit, min_count, window, tok = sys.argv[1:8]
c = nv.Corpus(path, tokenizer=tok)
t0 = time.perf_counter(); enc = c.encoded(); t1 = time.perf_counter()
ins, ctx = nv.ngrams.parse_contexts(contexts)
orders = tuple(sorted(set(ins) | set(ctx)))
lim = None if limit == "none" else limit
v = nv.Vocabulary.build(c, min_count=int(min_count), ngram_orders=orders, n_threads=int(threads),
                        memory_limit=lim)
t2 = time.perf_counter()
m = nv.count_cooccurrences(c, v, window=int(window), contexts=contexts, n_threads=int(threads),
                           memory_limit=lim)
t3 = time.perf_counter()
print(json.dumps(dict(tokens=enc.n_tokens, encode=t1 - t0, vocab=t2 - t1, count=t3 - t2,
                      nnz=m.nnz, pairs=m.stats["pairs"], spills=m.stats["spills"],
                      rows=m.shape[0], cols=m.shape[1])))
"""


def run_ngramvec(py, path, contexts, threads, limit, min_count, window, tok, repeats):
    import json
    runs = [run_measured([py, "-c", WORKER, path, contexts, str(threads), limit, str(min_count),
                          str(window), tok]) for _ in range(repeats)]
    info = json.loads(runs[0][2])
    info["wall"] = median([r[0] for r in runs])
    info["peak_mb"] = median([r[1] for r in runs])
    info["count_s"] = median([json.loads(r[2])["count"] + json.loads(r[2])["vocab"] for r in runs])
    return info


def run_ngram2vec(py, n2v, tok_file, tmp, min_count, window, repeats):
    out = os.path.join(tmp, "n2v")
    os.makedirs(out, exist_ok=True)
    script = os.path.join(n2v, "ngram2vec")
    run_measured([py, os.path.join(script, "corpus2vocab.py"), "--corpus_file", tok_file,
                  "--vocab_file", os.path.join(out, "vocab"), "--memory_size", "4", "--feature",
                  "ngram", "--order", "2", "--min_count", str(min_count)], cwd=n2v)
    times, mems = [], []
    pairs = None
    for _ in range(repeats):
        w1, m1, _ = run_measured(
            [py, os.path.join(script, "corpus2pairs.py"), "--corpus_file", tok_file,
             "--pairs_file", os.path.join(out, "pairs"), "--vocab_file",
             os.path.join(out, "vocab"), "--processes_num", "2", "--cooccur", "ngram_ngram",
             "--input_order", "1", "--output_order", "2", "--win", str(window), "--sub", "0"],
            cwd=n2v)
        parts = [os.path.join(out, f"pairs_{i}") for i in range(2)]
        with open(os.path.join(out, "pairs"), "wb") as f:
            for p in parts:
                with open(p, "rb") as g:
                    f.write(g.read())
                os.remove(p)
        with open(os.path.join(out, "pairs"), "rb") as f:
            pairs = sum(1 for _ in f)
        run_measured([py, os.path.join(script, "pairs2vocab.py"), "--pairs_file",
                      os.path.join(out, "pairs"), "--input_vocab_file",
                      os.path.join(out, "vocab.input"), "--output_vocab_file",
                      os.path.join(out, "vocab.output")], cwd=n2v)
        w2, m2, _ = run_measured(
            [py, os.path.join(script, "pairs2counts.py"), "--pairs_file",
             os.path.join(out, "pairs"), "--input_vocab_file", os.path.join(out, "vocab.input"),
             "--output_vocab_file", os.path.join(out, "vocab.output"), "--counts_file",
             os.path.join(out, "counts"), "--output_id", "--memory_size", "4"], cwd=n2v)
        times.append(w1 + w2)
        mems.append(max(m1, m2))
    return dict(wall=median(times), peak_mb=median(mems), pairs=pairs)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=None, help="raw text corpus (default: bundled demo)")
    ap.add_argument("--ngram2vec-dir", default=None, help="a checkout of ngram2vec")
    ap.add_argument("--slice-tokens", type=int, default=1_000_000,
                    help="tokens of the slice both tools count for the ratio")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--contexts", nargs="+", default=["uni_uni", "uni_bi", "bi_bi"])
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--spill-limit", default="128MB",
                    help="memory_limit of the forced-spill run")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(__file__), "results",
                                                   "ngram.json"))
    args = ap.parse_args()
    import ngramvec as nv
    corpus = args.corpus or nv.dataset_path("demo")
    py = sys.executable
    results: dict = {"corpus": corpus, "window": args.window, "min_count": args.min_count,
                     "runs": []}
    print(f"corpus {os.path.basename(corpus)}, window {args.window}, min_count "
          f"{args.min_count} (every order), median of {args.repeats}")
    print(f"{'contexts':10s} {'threads':>7s} {'limit':>8s} {'wall s':>7s} {'count s':>8s} "
          f"{'Mtok/s':>7s} {'peak MB':>8s} {'nnz':>12s} {'spills':>6s}")
    for contexts in args.contexts:
        for t in args.threads:
            for limit in ("none", args.spill_limit):
                if limit != "none" and t != max(args.threads):
                    continue
                r = run_ngramvec(py, corpus, contexts, t, limit, args.min_count, args.window,
                                 "words", args.repeats)
                r.update(contexts=contexts, threads=t, limit=limit)
                results["runs"].append(r)
                print(f"{contexts:10s} {t:7d} {limit:>8s} {r['wall']:7.2f} {r['count_s']:8.2f} "
                      f"{r['tokens'] / r['count_s'] / 1e6:7.2f} {r['peak_mb']:8.0f} "
                      f"{r['nnz']:12,d} {r['spills']:6d}")
    if args.ngram2vec_dir:
        with tempfile.TemporaryDirectory(prefix="ngramvec-bench-") as tmp:
            tok = os.path.join(tmp, "slice.txt")
            n = 0
            with open(tok, "w", encoding="utf-8") as f:
                for sent in nv.Corpus(corpus):
                    f.write(" ".join(sent) + "\n")
                    n += len(sent)
                    if n >= args.slice_tokens:
                        break
            theirs = run_ngram2vec(py, args.ngram2vec_dir, tok, tmp, args.min_count,
                                   args.window, args.repeats)
            ours = run_ngramvec(py, tok, "uni_bi", max(args.threads), "none", args.min_count,
                                args.window, "whitespace", args.repeats)
            results["ngram2vec"] = dict(slice_tokens=n, ngram2vec=theirs, ngramvec=ours)
            print(f"\nuni_bi on a {n:,}-token slice (ngram2vec: corpus2pairs with 2 processes + "
                  "pairs2counts; ngramvec: vocabulary + counting, "
                  f"{max(args.threads)} threads, whole process):")
            print(f"  ngram2vec {theirs['wall']:8.2f} s  peak {theirs['peak_mb']:6.0f} MB  "
                  f"pairs {theirs['pairs']:,}")
            print(f"  ngramvec  {ours['wall']:8.2f} s  peak {ours['peak_mb']:6.0f} MB  "
                  f"pairs {ours['pairs']:,}")
            print(f"  ratio {theirs['wall'] / ours['wall']:.1f}x (whole process), "
                  f"{theirs['wall'] / ours['count_s']:.0f}x (vocabulary + counting only)")
            if theirs["pairs"] != ours["pairs"]:
                print("  WARNING: the two counted different numbers of pairs")
    write_json(args.json, results)
    print(f"\nJSON: {args.json}")


if __name__ == "__main__":
    main()
