"""Speed of ngramvec.postprocess: Whitening and AllButTheTop on 1M x 300 float32 vectors,
SIF on 100k generated sentences, side by side with scikit-learn's PCA.

Peers, in the same run and on the same data:

* Whitening vs ``sklearn.decomposition.PCA(whiten=True)`` (fit + transform);
* AllButTheTop vs the usual reimplementation with ``PCA(n_components=D)``:
  ``Xc - PCA.transform(X) @ components_``;
* SIF has no packaged peer (gensim 4 has none); a per-sentence NumPy loop in the style
  of the reference code is timed on a subset and scaled up (``--sif-peer-sentences``).

Prints seconds and ratios and writes JSON (versions, CPU model, cores) to
``benchmarks/results/postprocess.json``::

    python benchmarks/bench_postprocess.py
    python benchmarks/bench_postprocess.py --n 200000 --no-peers   # quicker
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

logger = logging.getLogger("bench_postprocess")


sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import cpu_model  # noqa: E402


def n_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def make_vectors(n: int, dim: int, seed: int) -> np.ndarray:
    """Anisotropic float32 vectors with a common mean, generated in blocks."""
    rng = np.random.default_rng(seed)
    scales = np.geomspace(3.0, 0.3, dim).astype(np.float32)
    mean = rng.normal(size=dim).astype(np.float32)
    X = np.empty((n, dim), dtype=np.float32)
    for start in range(0, n, 100_000):
        stop = min(n, start + 100_000)
        X[start:stop] = rng.standard_normal((stop - start, dim), dtype=np.float32) * scales + mean
    return X


def make_sentences(n: int, vocab: list[str], seed: int) -> list[list[str]]:
    """Zipf-distributed token lists of 5..30 words (2% unknown words)."""
    rng = np.random.default_rng(seed)
    p = 1.0 / np.arange(1, len(vocab) + 1)
    p /= p.sum()
    lengths = rng.integers(5, 31, size=n)
    ids = rng.choice(len(vocab), size=int(lengths.sum()), p=p)
    unknown = rng.random(ids.size) < 0.02
    words = np.array(vocab, dtype=object)[ids]
    words[unknown] = "<unk>"
    out, pos = [], 0
    for length in lengths:
        out.append(list(words[pos:pos + length]))
        pos += length
    return out


def sif_reference_loop(vectors, key_to_index, weights, sentences):
    """Per-sentence weighted average and top-component removal, reference style."""
    emb = np.zeros((len(sentences), vectors.shape[1]), dtype=np.float64)
    for i, s in enumerate(sentences):
        ids = [key_to_index[t] for t in s if t in key_to_index]
        if ids:
            emb[i] = weights[ids] @ vectors[ids] / len(ids)
    from sklearn.decomposition import TruncatedSVD

    u = TruncatedSVD(n_components=1, n_iter=7, random_state=0).fit(emb).components_
    return emb - emb @ u.T @ u


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="vectors (default 1,000,000)")
    ap.add_argument("--dim", type=int, default=300, help="dimension (default 300)")
    ap.add_argument("--sentences", type=int, default=100_000,
                    help="SIF sentences (default 100,000)")
    ap.add_argument("--vocab", type=int, default=50_000, help="SIF vocabulary (default 50,000)")
    ap.add_argument("--sif-peer-sentences", type=int, default=20_000,
                    help="sentences for the reference-style SIF loop (scaled up)")
    ap.add_argument("--no-peers", action="store_true", help="time ngramvec only")
    ap.add_argument("--blas-threads", type=int, default=None,
                    help="limit BLAS threads (threadpoolctl); default: the library's own. On a "
                         "loaded machine 1 avoids OpenBLAS oversubscription")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--output", default=str(Path(__file__).resolve().parent / "results" /
                                             "postprocess.json"), help="JSON results file")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    import scipy
    import sklearn
    from threadpoolctl import threadpool_info, threadpool_limits

    from ngramvec.vectors.postprocess import SIF, AllButTheTop, Whitening

    results: dict = {
        "benchmark": "postprocess",
        "settings": vars(args),
        "versions": {"python": platform.python_version(), "numpy": np.__version__,
                     "scipy": scipy.__version__, "scikit-learn": sklearn.__version__},
        "blas": [{k: d.get(k) for k in ("internal_api", "version", "num_threads")}
                 for d in threadpool_info()],
        "hardware": {"cpu": cpu_model(), "cores": n_cores(),
                     "load_average_at_start": os.getloadavg()},
        "timings_s": {},
    }
    t = results["timings_s"]
    if args.blas_threads is not None:
        threadpool_limits(args.blas_threads)

    logger.info("generating %d x %d float32 vectors", args.n, args.dim)
    X = make_vectors(args.n, args.dim, args.seed)

    t["whitening_fit_transform"], Z = timed(lambda: Whitening().fit(X).transform(X))
    logger.info("Whitening fit+transform: %.2f s (output %s)", t["whitening_fit_transform"],
                Z.dtype)
    del Z
    t["abtt_fit_transform"], Y = timed(lambda: AllButTheTop(n_components=3).fit(X).transform(X))
    logger.info("AllButTheTop(3) fit+transform: %.2f s", t["abtt_fit_transform"])
    del Y

    if not args.no_peers:
        from sklearn.decomposition import PCA

        t["sklearn_pca_whiten_fit_transform"], P = timed(
            lambda: PCA(whiten=True).fit_transform(X))
        del P
        logger.info("sklearn PCA(whiten=True).fit_transform: %.2f s (ratio %.2fx)",
                    t["sklearn_pca_whiten_fit_transform"],
                    t["sklearn_pca_whiten_fit_transform"] / t["whitening_fit_transform"])

        def pca_abtt():
            pca = PCA(n_components=3).fit(X)
            return (X - pca.mean_) - pca.transform(X) @ pca.components_

        t["sklearn_pca_abtt_fit_transform"], P = timed(pca_abtt)
        del P
        logger.info("PCA-based all-but-the-top: %.2f s (ratio %.2fx)",
                    t["sklearn_pca_abtt_fit_transform"],
                    t["sklearn_pca_abtt_fit_transform"] / t["abtt_fit_transform"])
    X = None  # free the matrix (the closures above are done with it)

    logger.info("generating %d sentences over %d words", args.sentences, args.vocab)
    vocab = [f"w{i}" for i in range(args.vocab)]

    class KV:  # duck-typed KeyedVectors
        vectors = make_vectors(args.vocab, args.dim, args.seed + 1)
        index_to_key = vocab
        key_to_index = {k: i for i, k in enumerate(vocab)}
        counts = (1e9 / np.arange(1, args.vocab + 1)).astype(np.int64)

    sentences = make_sentences(args.sentences, vocab, args.seed + 2)
    n_tokens = sum(map(len, sentences))
    sif = SIF(KV())
    t["sif_fit"], _ = timed(sif.fit, sentences)
    t["sif_transform"], E = timed(sif.transform, sentences)
    logger.info("SIF on %d sentences (%d tokens): fit %.2f s, transform %.2f s (%.0f "
                "sentences/s)", len(sentences), n_tokens, t["sif_fit"], t["sif_transform"],
                len(sentences) / t["sif_transform"])
    strings = [" ".join(s) for s in sentences]
    t["sif_transform_strings"], _ = timed(sif.transform, strings)
    logger.info("SIF transform of the same as raw strings (tokenized): %.2f s",
                t["sif_transform_strings"])
    results["sif_tokens"] = n_tokens

    if not args.no_peers:
        m = min(args.sif_peer_sentences, len(sentences))
        secs, _ = timed(sif_reference_loop, KV.vectors, KV.key_to_index, sif.weights_,
                        sentences[:m])
        t["sif_reference_loop_scaled"] = secs * len(sentences) / m
        logger.info("reference-style SIF loop: %.2f s for %d sentences, %.2f s scaled to %d "
                    "(ratio %.1fx vs fit+transform)", secs, m, t["sif_reference_loop_scaled"],
                    len(sentences), t["sif_reference_loop_scaled"] / (t["sif_fit"] +
                                                                      t["sif_transform"]))

    results["hardware"]["load_average_at_end"] = os.getloadavg()
    out = Path(args.output)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(out.suffix + ".tmp")
    tmp.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, out)
    logger.info("wrote %s", out)
    print(json.dumps(t, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
