"""PPMI-SVD on the cluster against the one-machine PPMI-SVD: the same quality?

One machine: ``Vocabulary.build`` + ``count_cooccurrences`` + ``PPMI`` + ``SVD``
(randomized). Cluster (a ``LocalCluster`` of ``--workers`` processes, one thread each):
``distributed.build_vocabulary`` + ``distributed.count_cooccurrences(gather=False)``,
PPMI per row block on the workers (``CooccurrenceBlocks.ppmi``), and the blocked
randomized SVD whose products Dask runs block by block (``CooccurrenceBlocks.svd``),
vectors ``u * s ** eig`` as ``SVD(eig=...)`` makes them. Both are scored with
``ngramvec.evaluate`` (WS353, SimLex-999, Google 3CosAdd / 3CosMul); the PPMI matrices
are compared too (they must be equal), and the angle between the two subspaces.

The corpus is decompressed once (untimed) so that the cluster can cut it into byte
ranges, as in bench_distributed.py.

Example::

    python benchmarks/quality_distributed_svd.py \\
        --corpus /work/shared/data/corpus/gutenberg_en_10M.txt.gz --workers 2
"""
from __future__ import annotations

import argparse
import gzip
import os
import shutil
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import add_ppmi_svd_args, write_json  # noqa: E402
from quality_ppmi_svd import scores  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_ppmi_svd_args(ap, "quality_distributed_svd.json")
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    import distributed

    import ngramvec as nv
    from ngramvec import distributed as nvd

    src = args.corpus or nv.dataset_path("demo")
    tmp = tempfile.mkdtemp(prefix="quality-dsvd-")
    try:
        text = os.path.join(tmp, "corpus.txt")
        opener = gzip.open if src.endswith(".gz") else open
        with opener(src, "rb") as f, open(text, "wb") as g:
            shutil.copyfileobj(f, g, 1 << 22)
        out: dict = {"corpus": src, "settings": vars(args)}

        t0 = time.perf_counter()
        corpus = nv.Corpus(text)
        vocab = nv.Vocabulary.build(corpus, min_count=args.min_count)
        counts = nv.count_cooccurrences(corpus, vocab, window=args.window)
        ppmi = nv.PPMI(cds=args.cds).fit_transform(counts)
        one = nv.KeyedVectors.from_model(nv.SVD(dim=args.dim, eig=args.eig).fit(ppmi))
        out["one_machine"] = {"seconds": time.perf_counter() - t0, "scores": scores(one)}
        print("one machine", out["one_machine"], flush=True)

        cluster = distributed.LocalCluster(n_workers=args.workers, threads_per_worker=1,
                                           processes=True, dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            t0 = time.perf_counter()
            dv = nvd.build_vocabulary(text, client, min_count=args.min_count)
            blocks = nvd.count_cooccurrences(text, dv, client, window=args.window,
                                             gather=False)
            pblocks = blocks.ppmi(cds=args.cds)
            u, s, _ = pblocks.svd(args.dim)
            vecs = (u * s ** args.eig).astype(np.float32)
            secs = time.perf_counter() - t0
            gathered = pblocks.gather().matrix
        finally:
            client.close()
            cluster.close()
        two = nv.KeyedVectors(vecs, list(pblocks.row_vocab.index_to_key))
        same_vocab = pblocks.row_vocab.index_to_key == vocab.index_to_key
        ref = ppmi.matrix if hasattr(ppmi, "matrix") else ppmi
        diff = abs(gathered.astype(np.float64) - ref.astype(np.float64))
        # principal angles between the two dim-dimensional left subspaces
        ua = one.vectors / np.linalg.norm(one.vectors, axis=0, keepdims=True)
        qa, _ = np.linalg.qr(ua.astype(np.float64))
        qb, _ = np.linalg.qr(vecs.astype(np.float64))
        cosines = np.linalg.svd(qa.T @ qb, compute_uv=False)
        out["cluster"] = {"workers": args.workers, "seconds": secs, "scores": scores(two),
                          "same_vocabulary": same_vocab,
                          "ppmi_max_abs_diff": float(diff.max()) if diff.nnz else 0.0,
                          "subspace_min_cosine": float(cosines.min()),
                          "subspace_mean_cosine": float(cosines.mean())}
        print("cluster", out["cluster"], flush=True)
        for key in out["one_machine"]["scores"]:
            a, b = out["one_machine"]["scores"][key], out["cluster"]["scores"][key]
            va = a.get("spearman", a.get("accuracy"))
            vb = b.get("spearman", b.get("accuracy"))
            print(f"{key:16s} one machine {va:.4f}  cluster {vb:.4f}  diff {vb - va:+.4f}")
        write_json(args.json, out)
        print("wrote", args.json)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
