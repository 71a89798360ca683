"""Quality of ngramvec.postprocess on trained word vectors.

Prints, for one vectors file:

* word similarity (Spearman x100 on WS353, SimLex-999, SimVerb-3500) of the raw
  vectors, after all-but-the-top (D = dim/100) and after whitening, with isotropy
  measures (average cosine, partition-function ratio) of each;
* STS Benchmark test Spearman x100 of sentence vectors: plain average, SIF, uSIF and
  whitening of the averages, each fitted on STS-B *train* sentences only.

SIF and uSIF need word frequencies: from the vectors' own counts (ngramvec ``.npz``),
a ``--counts`` file (``word count`` per line), or ``--corpus`` (counted with the same
tokenizer). Without any of them, a Zipf law over the file's (frequency-sorted) order is
assumed, and the output says so.

    python benchmarks/quality_postprocess.py /tmp/pp/w2v.txt --counts /tmp/pp/counts.txt
    python benchmarks/quality_postprocess.py vec.bin --binary --json out.json
"""
from __future__ import annotations

import argparse
import collections
import json
import logging
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("quality_postprocess")

SIMILARITY_SETS = ("ws353", "simlex999", "simverb3500")


def load_vectors(path: str, binary: bool):
    """KeyedVectors from ngramvec, or gensim's when ngramvec's is not importable."""
    try:
        from ngramvec.vectors.keyedvectors import KeyedVectors
    except ImportError:  # pragma: no cover - fallback while the module is written
        from gensim.models import KeyedVectors  # type: ignore[no-redef]
    if path.endswith(".npz") and hasattr(KeyedVectors, "load"):
        return KeyedVectors.load(path)
    return KeyedVectors.load_word2vec_format(path, binary=binary)


def with_counts(kv, counts: np.ndarray):
    """The same vectors with ``counts`` attached."""
    from ngramvec.vectors.keyedvectors import KeyedVectors

    return KeyedVectors(kv.vectors, kv.index_to_key, counts)


def word_counts(kv, counts_file: str | None, corpus: str | None, corpus_tokens: int
                ) -> tuple[np.ndarray, str]:
    if getattr(kv, "counts", None) is not None:
        return np.asarray(kv.counts), "counts stored with the vectors"
    if counts_file:
        table = {}
        with open(counts_file, encoding="utf-8") as f:
            for line in f:
                parts = line.split()
                if len(parts) == 2:
                    table[parts[0]] = int(parts[1])
        return np.array([table.get(k, 0) for k in kv.index_to_key], dtype=np.int64), \
            f"counts from {counts_file}"
    if corpus:
        from ngramvec.base.fileio import open_compressed
        from ngramvec.vectors.postprocess import tokenize_sentence

        c: collections.Counter = collections.Counter()
        n = 0
        with open_compressed(corpus) as raw:
            for line in raw:
                toks = tokenize_sentence(line.decode("utf-8", "replace"))
                c.update(toks)
                n += len(toks)
                if n >= corpus_tokens:
                    break
        return np.array([c.get(k, 0) for k in kv.index_to_key], dtype=np.int64), \
            f"counts of the first {n:,} tokens of {corpus}"
    ranks = np.arange(1, len(kv.index_to_key) + 1)
    return np.round(1e9 / ranks).astype(np.int64), "ASSUMED Zipf law over the file order"


def word_similarity(kv) -> dict[str, float]:
    from ngramvec.vectors.evaluate import similarity

    return {name: 100.0 * similarity(kv, name).spearman for name in SIMILARITY_SETS}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("vectors", help="word2vec text/binary file, or ngramvec .npz")
    ap.add_argument("--binary", action="store_true", help="word2vec binary format")
    ap.add_argument("--counts", help="word count file ('word count' per line)")
    ap.add_argument("--corpus", help="text corpus to count words from (same tokenizer)")
    ap.add_argument("--corpus-tokens", type=int, default=10_000_000,
                    help="tokens of --corpus to count (default 10M)")
    ap.add_argument("--label", default="", help="name of these vectors in the output")
    ap.add_argument("--json", help="also write the figures to this JSON file")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    warnings.simplefilter("ignore", category=UserWarning)  # counted, not needed here

    from sklearn.pipeline import make_pipeline

    from ngramvec.vectors.postprocess import (
        SIF,
        USIF,
        AllButTheTop,
        Whitening,
        WordAverage,
        average_cosine,
        partition_function_ratio,
        postprocess_keyed_vectors,
    )
    from ngramvec.vectors.sts import load_sts, sts

    t0 = time.perf_counter()
    kv = load_vectors(args.vectors, args.binary)
    n, dim = kv.vectors.shape
    counts, counts_source = word_counts(kv, args.counts, args.corpus, args.corpus_tokens)
    kv = with_counts(kv, counts)
    out: dict = {"vectors": args.vectors, "label": args.label, "n_keys": n, "dim": dim,
                 "word_frequencies": counts_source, "word_similarity": {}, "sts_test": {}}
    print(f"vectors: {args.vectors} ({args.label or 'unlabelled'}), {n:,} x {dim}")
    print(f"word frequencies: {counts_source}\n")

    variants = {
        "raw": kv,
        f"abtt (D={max(1, dim // 100)})": postprocess_keyed_vectors(kv, AllButTheTop()),
        "whitening": postprocess_keyed_vectors(kv, Whitening()),
    }
    header = f"{'word vectors':<16}" + "".join(f"{s:>13}" for s in SIMILARITY_SETS) + \
        f"{'avg cos':>10}{'I(V)':>10}"
    print(header)
    print("-" * len(header))
    for name, v in variants.items():
        scores = word_similarity(v)
        iso = {"average_cosine": average_cosine(v.vectors),
               "partition_function_ratio": partition_function_ratio(v.vectors)}
        out["word_similarity"][name] = {**scores, **iso}
        print(f"{name:<16}" + "".join(f"{scores[s]:>13.2f}" for s in SIMILARITY_SETS) +
              f"{iso['average_cosine']:>10.3f}{iso['partition_function_ratio']:>10.3f}")

    train = load_sts("train").sentences()
    embedders = {
        "average": WordAverage(kv),
        "SIF (a=1e-3, 1 pc)": SIF(kv, a=1e-3, n_components=1),
        "uSIF (m=5)": USIF(kv, n_components=5),
        "average+whitening": make_pipeline(WordAverage(kv), Whitening()),
    }
    print(f"\n{'STS-B test (fit on train)':<28}{'Spearman x100':>15}{'zero vectors':>14}")
    print("-" * 57)
    for name, emb in embedders.items():
        emb.fit(train)
        res = sts(emb, "test")
        out["sts_test"][name] = {"spearman": res.spearman, "pearson": res.pearson,
                                 "n_zero": res.n_zero}
        print(f"{name:<28}{res.spearman:>15.2f}{res.n_zero:>14d}")
    usif = embedders["uSIF (m=5)"]
    out["usif"] = {"a": usif.a_, "alpha": usif.alpha_, "n": usif.n_}
    print(f"\nuSIF: n={usif.n_:.2f} alpha={usif.alpha_:.4f} a={usif.a_:.3g}; "
          f"{time.perf_counter() - t0:.1f} s in all")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
