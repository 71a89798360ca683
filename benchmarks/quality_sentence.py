"""Supervised sentence-vector heads on STS-B: CoSENT against direct cosine regression.

Word vectors: SGNS and PPMI-SVD trained by ngramvec on a corpus (cached to
``--cache-dir``, so reruns do not retrain), and optionally pretrained vectors passed by
path (``--pretrained``, word2vec text/binary or ngramvec ``.npz``). Sentence vectors:
plain average, SGPT-style position-weighted average, SIF and uSIF, all fitted on STS-B
train sentences. Heads, each fitted on the 5,749 STS-B train pairs:

* none (the sentence vectors as they are);
* whitening (unsupervised, fitted on the train sentences);
* CosineRegression (MSE between the cosine and the gold score rescaled);
* CoSENT (identity initialisation);
* CoSENT initialised with the whitening map.

Hyperparameters (CosineRegression / CoSENT: ``l2``, ``n_components``; whitening:
``n_components``) are chosen by Spearman on STS-B *dev* only; the chosen setting is
then refitted with 3 seeds and scored on STS-B *test* (Spearman x100, mean and
spread = max - min over the seeds). Fit time of the chosen setting (mean over seeds)
is printed beside each row, with alignment / uniformity (Wang & Isola 2020) and the
average cosine of random sentence pairs before and after each head.

    python benchmarks/quality_sentence.py --corpus ../shared/data/corpus/gutenberg_en_50M.txt.gz \\
        --cache-dir /work/cache/quality_sentence --json benchmarks/results/quality_sentence.json
    python benchmarks/quality_sentence.py --train-only --corpus ...   # only train and cache
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("quality_sentence")


# --------------------------------------------------------------------------- word vectors


def _cache_name(kind: str, corpus: str, settings: dict) -> str:
    stem = Path(corpus).name.split(".")[0]
    tag = "_".join(f"{k}{v}" for k, v in sorted(settings.items()))
    return f"{kind}_{stem}_{tag}.npz"


def train_vectors(kind: str, corpus_path: str, cache_dir: str, settings: dict,
                  threads: int):
    """KeyedVectors of ``kind`` ("sgns" or "svd"), from the cache or trained and cached."""
    import ngramvec as nv

    os.makedirs(cache_dir, exist_ok=True)
    path = os.path.join(cache_dir, _cache_name(kind, corpus_path, settings))
    if os.path.exists(path):
        kv = nv.KeyedVectors.load(path)
        print(f"{kind}: loaded {path} ({len(kv.index_to_key):,} x {kv.vector_size})",
              flush=True)
        return kv, path, None
    t0 = time.perf_counter()
    corpus = nv.Corpus(corpus_path)
    if kind == "sgns":
        model = nv.SGNS(dim=settings["dim"], window=settings["window"], epochs=settings["epochs"],
                        min_count=settings["min_count"], n_threads=threads, seed=0)
        model.fit(corpus)
        kv = nv.KeyedVectors.from_model(model)
    elif kind == "svd":
        vocab = nv.Vocabulary.build(corpus, min_count=settings["min_count"], n_threads=threads)
        counts = nv.count_cooccurrences(corpus, vocab, window=settings["window"],
                                        n_threads=threads)
        ppmi = nv.PPMI(cds=0.75).fit_transform(counts)
        del counts
        kv = nv.KeyedVectors.from_model(nv.SVD(dim=settings["dim"], eig=0.5).fit(ppmi))
    else:  # pragma: no cover - argparse restricts it
        raise ValueError(kind)
    seconds = time.perf_counter() - t0
    kv.save(path)
    print(f"{kind}: trained in {seconds:.0f} s, saved {path} ({len(kv.index_to_key):,} x "
          f"{kv.vector_size})", flush=True)
    return kv, path, seconds


def load_pretrained(path: str, binary: bool):
    import ngramvec as nv

    if path.endswith(".npz"):
        return nv.KeyedVectors.load(path)
    return nv.KeyedVectors.load_word2vec_format(path, binary=binary)


# --------------------------------------------------------------------------- main


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="training text for SGNS and PPMI-SVD")
    ap.add_argument("--cache-dir", default="/work/cache/quality_sentence",
                    help="where trained vectors are kept (outside the repository)")
    ap.add_argument("--sources", nargs="+", default=["sgns", "svd"], choices=["sgns", "svd"])
    ap.add_argument("--pretrained", help="a second source: pretrained vectors by path")
    ap.add_argument("--binary", action="store_true", help="--pretrained is word2vec binary")
    ap.add_argument("--sgns-epochs", type=int, default=5)
    ap.add_argument("--sgns-dim", type=int, default=100)
    ap.add_argument("--svd-dim", type=int, default=300)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--train-only", action="store_true", help="train and cache, then stop")
    ap.add_argument("--json", help="write the figures to this JSON file")
    return ap.parse_args(argv)


def sources(args):
    out = {}
    settings = {"sgns": {"dim": args.sgns_dim, "window": 5, "epochs": args.sgns_epochs,
                         "min_count": args.min_count},
                "svd": {"dim": args.svd_dim, "window": 2, "min_count": args.min_count}}
    for kind in args.sources:
        kv, path, seconds = train_vectors(kind, args.corpus, args.cache_dir, settings[kind],
                                          args.threads)
        out[kind] = {"kv": kv, "path": path, "train_seconds": seconds,
                     "settings": settings[kind]}
    if args.pretrained:
        out["pretrained"] = {"kv": load_pretrained(args.pretrained, args.binary),
                             "path": args.pretrained, "train_seconds": None, "settings": {}}
    return out


def main(argv=None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    warnings.simplefilter("ignore", category=UserWarning)
    srcs = sources(args)
    if args.train_only:
        return 0
    raise SystemExit("evaluation part not written yet")


if __name__ == "__main__":
    sys.exit(main())
