"""PPMI-SVD quality with word and ngram contexts (ngram2vec's uni_uni, uni_bi, bi_bi).

For each context type: vocabulary of the needed orders (one min_count), counts with
the window, PPMI (cds), SVD (dim, eig), then the word vectors (rows of order 1) are
evaluated on WS353, SimLex-999, SimVerb-3500 and the Google analogies (3CosAdd and 3CosMul, on
covered questions, with coverage); the process's peak RSS so far is recorded with
each result (run one context type per process to get each one's peak). ``--gaps keep drop`` counts each context type
once per setting of ``count_cooccurrences(gaps=...)`` (results keyed "uni_bi,drop").
``--memory-limit 2GB`` bounds the counting's accumulators (they spill to disk past it;
same counts), so that a large matrix such as bi_bi on 50M tokens keeps its peak for the SVD.

Example::

    python benchmarks/quality_ngram.py --corpus gutenberg_en_10M.txt.gz
"""
from __future__ import annotations

import argparse
import os
import resource
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import add_ppmi_svd_args, write_json  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--contexts", nargs="+", default=["uni_uni", "uni_bi", "bi_bi"])
    ap.add_argument("--gaps", nargs="+", default=[None], choices=("keep", "drop"),
                    help="count_cooccurrences(gaps=...) values (default: its default)")
    ap.add_argument("--sample", type=float, default=None,
                    help="subsampling threshold of the counts (default: none)")
    ap.add_argument("--memory-limit", default=None,
                    help="count_cooccurrences(memory_limit=...), e.g. '2GB' (default: "
                         "its default, half the physical memory); the counts are the "
                         "same for any limit, only the counting's peak memory changes")
    add_ppmi_svd_args(ap, "quality_ngram.json")
    args = ap.parse_args()
    import ngramvec as nv
    path = args.corpus or nv.dataset_path("demo")
    corpus = nv.Corpus(path)
    corpus.encoded()
    out = {}
    print(f"corpus {os.path.basename(path)}, window {args.window}, min_count {args.min_count}, "
          f"cds {args.cds}, dim {args.dim}, eig {args.eig}")
    print(f"{'contexts':9s} {'shape':>20s} {'WS353':>7s} {'SL999':>7s} {'add %':>7s} "
          f"{'mul %':>7s} {'covered':>14s} {'sem/syn add %':>14s} {'time s':>7s}")
    for ctx, gaps in [(c, g) for c in args.contexts for g in args.gaps]:
        t = time.perf_counter()
        ins, cs = nv.ngrams.parse_contexts(ctx)
        vocab = nv.Vocabulary.build(corpus, min_count=args.min_count,
                                    ngram_orders=sorted(set(ins) | set(cs)))
        counts = nv.count_cooccurrences(corpus, vocab, window=args.window, contexts=ctx,
                                        gaps=gaps, sample=args.sample,
                                        memory_limit=args.memory_limit)
        label = ctx if gaps is None else f"{ctx},{gaps}"
        ppmi = nv.PPMI(cds=args.cds).fit_transform(counts)
        wv = nv.KeyedVectors.from_model(nv.SVD(dim=args.dim, eig=args.eig).fit(ppmi))
        words = np.flatnonzero(counts.row_vocab.orders == 1)
        wv = nv.KeyedVectors(wv.vectors[words], [wv.index_to_key[i] for i in words])
        dt = time.perf_counter() - t
        ws = nv.evaluate.similarity(wv, "ws353")
        sl = nv.evaluate.similarity(wv, "simlex999")
        sv = nv.evaluate.similarity(wv, "simverb3500")
        add = nv.evaluate.analogy(wv, "google", method="3cosadd")
        mul = nv.evaluate.analogy(wv, "google", method="3cosmul")
        out[label] = dict(gaps="drop" if counts.params["oov"] == "drop" else "keep", shape=list(counts.shape), nnz=counts.nnz, ws353=ws.spearman,
                        simlex999=sl.spearman, simverb3500=sv.spearman, add=add.accuracy, mul=mul.accuracy,
                        covered=add.covered, total=add.total,
                        semantic_add=add.semantic.accuracy, syntactic_add=add.syntactic.accuracy,
                        seconds=dt,
                        peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0)
        shape = f"{counts.shape[0]:,}x{counts.shape[1]:,}"
        print(f"{label:9s} {shape:>20s} {ws.spearman:7.3f} {sl.spearman:7.3f} "
              f"{100 * add.accuracy:7.2f} {100 * mul.accuracy:7.2f} "
              f"{add.covered:>6d}/{add.total} {100 * add.semantic.accuracy:6.1f}/"
              f"{100 * add.syntactic.accuracy:5.1f} {dt:7.1f}", flush=True)
    write_json(args.json, {"corpus": path, "settings": vars(args), "results": out})


if __name__ == "__main__":
    main()
