"""SGNS with positional contexts beside word contexts: similarity vs relatedness.

Levy & Goldberg (2014) and hyperwords' positional contexts (``dog_-1``) are expected
to favour functional similarity (SimLex-999, WS353 similarity) over topical
relatedness (WS353 relatedness). This script trains, per seed, at the same settings:

* ``pos``        SGNS(contexts="pos"): positional pairs of the corpus (hyperwords'
                 ``corpus2pairs --pos``), trained pair by pair (word2vecf);
* ``word_pairs`` the same pairs pipeline with word contexts
                 (``pairs_from_corpus(contexts="word")``): the controlled comparison,
                 differing from ``pos`` only in the context key;
* ``word``       ngramvec's usual SGNS on the corpus (word2vec: fresh subsampling and
                 dynamic windows each epoch), for reference;

and reports SimLex-999, WS353 similarity, WS353 relatedness and WS353 (Spearman),
the similarity-minus-relatedness gap, pairs and seconds.

Example::

    python benchmarks/quality_contexts.py --corpus gutenberg_en_10M.txt.gz --seeds 0 1 2
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import write_json  # noqa: E402

SETS = ("simlex999", "ws353_similarity", "ws353_relatedness", "ws353")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--corpus", default=None, help="raw text (default: bundled demo corpus)")
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--sample", type=float, default=1e-3)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--variants", nargs="+", default=["pos", "word_pairs", "word"])
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", "quality_contexts.json"))
    args = ap.parse_args()
    import ngramvec as nv
    path = args.corpus or nv.dataset_path("demo")
    t = time.perf_counter()
    enc = nv.Corpus(path).encoded()
    vocab = nv.Vocabulary.build(enc, min_count=args.min_count)
    t_enc = time.perf_counter() - t
    common = dict(dim=args.dim, window=args.window, negative=args.negative,
                  sample=args.sample, epochs=args.epochs, min_count=args.min_count,
                  n_threads=args.threads)
    print(f"corpus {os.path.basename(path)} ({enc.n_tokens:,} tokens, {len(vocab):,} words, "
          f"encoded in {t_enc:.1f}s); window {args.window}, dim {args.dim}, epochs "
          f"{args.epochs}, negative {args.negative}, sample {args.sample}, "
          f"{args.threads} threads")
    print(f"{'variant':11s} {'seed':>4s} {'SL999':>7s} {'WS-sim':>7s} {'WS-rel':>7s} "
          f"{'WS353':>7s} {'sim-rel':>8s} {'pairs':>12s} {'contexts':>9s} {'s':>7s}")
    runs = []
    for seed in args.seeds:
        for variant in args.variants:
            t = time.perf_counter()
            if variant == "pos":
                model = nv.SGNS(contexts="pos", seed=seed, **common).fit(enc, vocab)
            elif variant == "word_pairs":
                pairs = nv.pairs_from_corpus(enc, vocab, window=args.window, contexts="word",
                                             dynamic_window=True, sample=args.sample,
                                             seed=seed)
                model = nv.SGNS(seed=seed, **common).fit(pairs)
            elif variant == "word":
                model = nv.SGNS(contexts="word", seed=seed, **common).fit(enc, vocab)
            else:
                raise SystemExit(f"unknown variant {variant!r}")
            secs = time.perf_counter() - t
            wv = nv.KeyedVectors.from_model(model)
            scores = {s: nv.evaluate.similarity(wv, s).spearman for s in SETS}
            pairs_n = sum(h["pairs"] for h in model.history_)
            run = dict(variant=variant, seed=seed, seconds=secs, pairs_trained=pairs_n,
                       contexts=len(model.context_vocabulary_), **scores)
            runs.append(run)
            print(f"{variant:11s} {seed:4d} {scores['simlex999']:7.3f} "
                  f"{scores['ws353_similarity']:7.3f} {scores['ws353_relatedness']:7.3f} "
                  f"{scores['ws353']:7.3f} "
                  f"{scores['ws353_similarity'] - scores['ws353_relatedness']:8.3f} "
                  f"{pairs_n:12,d} {run['contexts']:9,d} {secs:7.1f}", flush=True)
    summary = {}
    print("mean over seeds:")
    for variant in args.variants:
        rs = [r for r in runs if r["variant"] == variant]
        summary[variant] = {s: statistics.mean(r[s] for r in rs) for s in SETS}
        if len(rs) > 1:
            summary[variant].update({f"{s}_sd": statistics.stdev(r[s] for r in rs)
                                     for s in SETS})
        m = summary[variant]
        print(f"{variant:11s} {'':4s} {m['simlex999']:7.3f} {m['ws353_similarity']:7.3f} "
              f"{m['ws353_relatedness']:7.3f} {m['ws353']:7.3f} "
              f"{m['ws353_similarity'] - m['ws353_relatedness']:8.3f}")
    write_json(args.json, dict(corpus=os.path.basename(path), settings=vars(args), runs=runs,
                               summary=summary, n_tokens=enc.n_tokens, n_words=len(vocab),
                               seconds_encode=t_enc))
    print(f"wrote {args.json}")


if __name__ == "__main__":
    main()
