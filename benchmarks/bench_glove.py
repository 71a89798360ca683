"""GloVe speed and quality: ngramvec against the Stanford C tool, glove-python and mittens.

Counts are made once with ngramvec (window 10, harmonic weights, symmetric, min_count
5). The Stanford tool trains on exactly the same records: they are written in its
binary CREC format (int32 word1, int32 word2, float64 value; 1-based ids) with a
vocab file of "word count" lines in row order, then passed through its ``shuffle``
and ``glove`` programs. glove-python (the ``bicleaner-ai-glove`` build, ``import
glove``) trains on the same matrix in COO form; ``mittens`` (dense) on the top
``--mittens-words`` rows and columns, compared with ngramvec on the same slice.

Every trainer runs in its own process; the figures are seconds per epoch (mean over
``--epochs``; the C tool and glove-python as whole-process time / epochs, which
includes their start-up and reading the records), peak RSS of that process, and the
ratio to ngramvec at the same thread count. With ``--quality-epochs N`` both ngramvec
and the C tool are trained N epochs with the largest thread count and evaluated on the
Google analogies, WS353 and SimLex-999 (W + C vectors, the tool's ``-model 2``); the
final per-record loss of both is reported.

The C tool is not part of this repository: build it yourself from its own checkout
outside this tree and pass the directory holding ``shuffle`` and ``glove``.

Example::

    python benchmarks/bench_glove.py --corpus gutenberg_en_10M.txt.gz \\
        --glove-dir /path/to/GloVe/build --threads 1 2 --epochs 2 \\
        --quality-epochs 25 --json glove.json
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
DEFAULT_CORPUS = HERE.parent / "ngramvec" / "datasets" / "pd_classics_en.txt.gz"


# --------------------------------------------------------------------------- helpers


def cpu_info() -> dict:
    model = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cores": cores, "python": platform.python_version(),
            "platform": platform.platform()}


def versions() -> dict:
    out = {}
    for name in ("ngramvec", "numpy", "scipy", "numba", "glove", "mittens"):
        try:
            mod = __import__(name)
            out[name] = getattr(mod, "__version__", "?")
        except Exception:  # noqa: BLE001 - optional peers
            out[name] = None
    return out


def _vm_hwm_kib(pid: int) -> int | None:
    """Peak resident set of a running process (VmHWM, KiB), None once it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def run_child(cmd: list[str], env: dict | None = None, stdin=None, stdout=None) -> dict:
    """Run a process; return wall seconds, peak RSS (MiB), CPU seconds, exit status,
    stdout and stderr.

    The peak RSS is the child's VmHWM polled every 50 ms (``ru_maxrss`` of a forked
    child would count the parent's memory before ``exec``).
    """
    import threading
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdin=stdin,
                            stdout=stdout if stdout is not None else subprocess.PIPE,
                            stderr=subprocess.PIPE)
    out_chunks: list[bytes] = []
    err_chunks: list[bytes] = []
    peak = [0]
    done = threading.Event()

    def pump(stream, sink):
        for chunk in iter(lambda: stream.read(65536), b""):
            sink.append(chunk)

    def poll():
        while not done.is_set():
            v = _vm_hwm_kib(proc.pid)
            if v:
                peak[0] = max(peak[0], v)
            done.wait(0.05)

    threads = [threading.Thread(target=pump, args=(proc.stderr, err_chunks)),
               threading.Thread(target=poll)]
    if stdout is None:
        threads.append(threading.Thread(target=pump, args=(proc.stdout, out_chunks)))
    for t in threads:
        t.start()
    _, status, usage = os.wait4(proc.pid, 0)
    done.set()
    proc.returncode = os.waitstatus_to_exitcode(status)
    for t in threads:
        t.join()
    return {"seconds": time.perf_counter() - t0, "rss_mib": peak[0] / 1024,
            "cpu_seconds": usage.ru_utime + usage.ru_stime, "status": proc.returncode,
            "stdout": b"".join(out_chunks).decode(errors="replace"),
            "stderr": b"".join(err_chunks).decode(errors="replace")}


def child_env(threads: int) -> dict:
    env = dict(os.environ)
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                "NUMBA_NUM_THREADS"):
        env[var] = str(threads)
    env["PYTHONPATH"] = str(HERE.parent) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def worker(name: str, extra: list[str], threads: int, epochs: int, counts: str,
           vectors_out: str | None = None, mittens_words: int = 2000) -> dict:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", name,
           "--counts", counts, "--threads", str(threads), "--epochs", str(epochs),
           "--mittens-words", str(mittens_words)] + extra
    if vectors_out:
        cmd += ["--vectors-out", vectors_out]
    res = run_child(cmd, env=child_env(threads))
    if res["status"] != 0:
        raise RuntimeError(f"worker {name} failed:\n{res['stderr'][-3000:]}")
    payload = json.loads(res["stdout"].strip().splitlines()[-1])
    payload.update(process_seconds=res["seconds"], rss_mib=res["rss_mib"],
                   cpu_seconds=res["cpu_seconds"])
    payload.setdefault("cpu_seconds_per_epoch", res["cpu_seconds"] / epochs)
    return payload


# --------------------------------------------------------------------------- workers


def _worker_main(args: argparse.Namespace) -> None:
    from ngramvec.models.cooccur import Cooccurrence
    counts = Cooccurrence.load(args.counts)
    args.threads = args.threads[0]
    out: dict = {"name": args.worker, "threads": args.threads}
    if args.worker in ("ngramvec", "ngramvec-slice"):
        from ngramvec.models.glove import GloVe
        if args.worker == "ngramvec-slice":
            counts = _slice(counts, args.mittens_words)
        # warm up: load the compiled kernels from the Numba cache (or compile them)
        GloVe(dim=4, epochs=1, n_threads=args.threads).fit(_slice(counts, 50))
        times: list[float] = []
        cpu = [time.process_time()]

        def record(stats: dict) -> None:
            times.append(stats["seconds"])
            cpu.append(time.process_time())

        t0 = time.perf_counter()
        model = GloVe(dim=100, x_max=100, alpha=0.75, lr=0.05, epochs=args.epochs,
                      n_threads=args.threads, seed=1, vectors="word+context")
        model.fit(counts, callback=record)
        out.update(seconds_per_epoch=float(np.mean(times)), epoch_seconds=times,
                   cpu_seconds_per_epoch=float(np.mean(np.diff(cpu)[1:] if len(cpu) > 2
                                                       else np.diff(cpu))),
                   fit_seconds=time.perf_counter() - t0, loss=model.loss_history_,
                   records=model.n_records_)
        if args.vectors_out:
            np.savez(args.vectors_out, W=model.word_params_, C=model.context_params_)
    elif args.worker == "glove-python":
        import glove
        coo = counts.matrix.tocoo()
        coo.data = coo.data.astype(np.float64)  # its kernel takes float64 values
        model = glove.Glove(no_components=100, learning_rate=0.05, alpha=0.75, max_count=100,
                            random_state=1)
        t0 = time.perf_counter()
        model.fit(coo, epochs=args.epochs, no_threads=args.threads)
        fit = time.perf_counter() - t0
        out.update(seconds_per_epoch=fit / args.epochs, fit_seconds=fit, records=int(coo.nnz))
    elif args.worker == "mittens":
        from mittens import GloVe as MittensGloVe
        dense = _slice(counts, args.mittens_words).matrix.toarray().astype(np.float64)
        model = MittensGloVe(n=100, xmax=100, alpha=0.75, max_iter=args.epochs,
                             learning_rate=0.05, display_progress=0)
        t0 = time.perf_counter()
        model.fit(dense)
        fit = time.perf_counter() - t0
        out.update(seconds_per_epoch=fit / args.epochs, fit_seconds=fit,
                   records=int(np.count_nonzero(dense)), cells=int(dense.size))
    print(json.dumps(out))


def _slice(counts, n: int):
    from ngramvec.models.cooccur import Cooccurrence
    from ngramvec.data.vocab import Vocabulary
    n = min(n, counts.shape[0], counts.shape[1])
    rv = Vocabulary(counts.row_vocab.index_to_key[:n], counts.row_vocab.counts[:n])
    cv = Vocabulary(counts.col_vocab.index_to_key[:n], counts.col_vocab.counts[:n])
    return Cooccurrence(counts.matrix[:n, :n], rv, cv)


# --------------------------------------------------------------------------- C tool


def write_crec(counts, directory: Path) -> tuple[Path, Path]:
    """The records as the C tool's CREC file (row-major order) and its vocab file."""
    if counts.row_vocab.index_to_key != counts.col_vocab.index_to_key:
        raise ValueError("the C tool needs the same row and column vocabulary")
    m = counts.matrix.tocsr()
    rec = np.empty(m.nnz, dtype=[("w1", "<i4"), ("w2", "<i4"), ("val", "<f8")])
    rec["w1"] = np.repeat(np.arange(1, m.shape[0] + 1, dtype=np.int32), np.diff(m.indptr))
    rec["w2"] = m.indices + 1
    rec["val"] = m.data
    crec = directory / "cooccurrence.bin"
    rec.tofile(crec)
    vocab = directory / "vocab.txt"
    with open(vocab, "w", encoding="utf-8") as f:
        for key, c in zip(counts.row_vocab.index_to_key, counts.row_vocab.counts):
            f.write(f"{key} {int(c)}\n")
    return crec, vocab


def run_stanford(glove_dir: Path, shuf: Path, vocab: Path, threads: int, epochs: int,
                 save: Path) -> dict:
    cmd = [str(glove_dir / "glove"), "-input-file", str(shuf), "-vocab-file", str(vocab),
           "-save-file", str(save), "-threads", str(threads), "-iter", str(epochs),
           "-vector-size", "100", "-x-max", "100", "-alpha", "0.75", "-eta", "0.05",
           "-binary", "1", "-model", "2", "-seed", "1", "-verbose", "2"]
    res = run_child(cmd)
    if res["status"] != 0:
        raise RuntimeError(f"glove failed:\n{res['stderr'][-3000:]}")
    costs = [float(x) for x in re.findall(r"cost: ([0-9.eE+-]+|nan|inf)", res["stderr"])]
    return {"name": "stanford", "threads": threads, "seconds_per_epoch": res["seconds"] / epochs,
            "cpu_seconds_per_epoch": res["cpu_seconds"] / epochs,
            "process_seconds": res["seconds"], "rss_mib": res["rss_mib"],
            "cpu_seconds": res["cpu_seconds"], "loss": costs}


# --------------------------------------------------------------------------- quality


def evaluate(keys: list[str], vectors: np.ndarray) -> dict:
    from ngramvec.vectors import evaluate as ev
    from ngramvec.vectors.keyedvectors import KeyedVectors
    wv = KeyedVectors(vectors, keys)
    an = ev.analogy(wv, "google")
    out = {"google": an.accuracy, "google_coverage": an.coverage}
    for name in ("ws353", "simlex999"):
        r = ev.similarity(wv, name)
        out[name] = r.spearman
        out[name + "_coverage"] = r.coverage
    return out


def per_record_loss(counts, W: np.ndarray, C: np.ndarray) -> float:
    from ngramvec.models._glove_numba import glove_loss
    m = counts.matrix.tocoo()
    total = glove_loss(m.row.astype(np.int32), m.col.astype(np.int32), m.data,
                       np.ascontiguousarray(W, dtype=np.float32),
                       np.ascontiguousarray(C, dtype=np.float32), 100.0, 0.75)
    return float(total / m.nnz)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split("\n\n", 1)[1])
    ap.add_argument("--corpus", default=str(DEFAULT_CORPUS), help="text corpus (default: "
                    "the bundled demo corpus)")
    ap.add_argument("--counts", default=None, help="reuse (or create) this co-occurrence "
                    ".npz instead of counting again")
    ap.add_argument("--glove-dir", default=None, help="directory with the Stanford tool's "
                    "'shuffle' and 'glove' binaries (skipped when absent)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--epochs", type=int, default=1,
                    help="epochs timed for the C tool and glove-python")
    ap.add_argument("--ngramvec-epochs", type=int, default=3,
                    help="epochs timed for ngramvec (each timed separately)")
    ap.add_argument("--quality-epochs", type=int, default=0,
                    help="train ngramvec and the C tool this long and evaluate (0: skip)")
    ap.add_argument("--skip", nargs="*", default=[],
                    choices=["ngramvec", "stanford", "glove-python", "mittens"])
    ap.add_argument("--mittens-words", type=int, default=2000)
    ap.add_argument("--mittens-epochs", type=int, default=5)
    ap.add_argument("--no-speed", action="store_true", help="only the quality run")
    ap.add_argument("--tmp-dir", default=None, help="for the CREC files (default: system tmp)")
    ap.add_argument("--keep-tmp", action="store_true",
                    help="keep the CREC, vocab and vector files of the run")
    ap.add_argument("--json", default=None, help="write the results here")
    ap.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--vectors-out", default=None, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        _worker_main(args)
        return 0

    sys.path.insert(0, str(HERE.parent))
    work = Path(tempfile.mkdtemp(prefix="bench_glove_", dir=args.tmp_dir))
    try:
        return _run(args, work)
    finally:
        if args.keep_tmp:
            print(f"temporary files kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def _run(args: argparse.Namespace, work: Path) -> int:
    import ngramvec as nv
    from ngramvec.models.cooccur import Cooccurrence, count_cooccurrences

    results: dict = {"hardware": cpu_info(), "versions": versions(), "corpus": args.corpus,
                     "settings": {"window": 10, "weighting": "harmonic", "direction": "both",
                                  "min_count": 5, "dim": 100, "x_max": 100, "alpha": 0.75,
                                  "lr": 0.05, "epochs": args.epochs,
                                  "ngramvec_epochs": args.ngramvec_epochs},
                     "speed": [], "quality": {}, "load_average_start": os.getloadavg()}
    counts_path = Path(args.counts) if args.counts else work / "counts.npz"
    t0 = time.perf_counter()
    if counts_path.exists():
        counts = Cooccurrence.load(counts_path)
    else:
        corpus = nv.Corpus(args.corpus)
        vocab = nv.Vocabulary.build(corpus, min_count=5)
        counts = count_cooccurrences(corpus, vocab, window=10, weighting="harmonic",
                                     direction="both", n_threads=max(args.threads))
        counts.save(counts_path)
    results["counts"] = {"shape": list(counts.shape), "nnz": counts.nnz,
                         "seconds": time.perf_counter() - t0}
    print(f"counts: {counts!r}", flush=True)

    glove_dir = Path(args.glove_dir) if args.glove_dir else None
    have_c = (glove_dir is not None and (glove_dir / "glove").exists()
              and "stanford" not in args.skip)
    if have_c:
        crec, vocab_txt = write_crec(counts, work)
        shuf = work / "cooccurrence.shuf.bin"
        with open(crec, "rb") as fin, open(shuf, "wb") as fout:
            res = run_child([str(glove_dir / "shuffle"), "-memory", "2.0", "-seed", "1",
                             "-verbose", "0"], stdin=fin, stdout=fout)
        if res["status"] != 0:
            raise RuntimeError(f"shuffle failed: {res['stderr'][-2000:]}")
        crec.unlink()
        results["stanford_shuffle_seconds"] = res["seconds"]

    rows = results["speed"]
    for t in ([] if args.no_speed else args.threads):
        if "ngramvec" not in args.skip:
            rows.append(worker("ngramvec", [], t, args.ngramvec_epochs, str(counts_path)))
            print(rows[-1]["name"], t, f"{rows[-1]['seconds_per_epoch']:.2f} s/epoch", flush=True)
        if have_c:
            rows.append(run_stanford(glove_dir, shuf, vocab_txt, t, args.epochs, work / "vec"))
            print("stanford", t, f"{rows[-1]['seconds_per_epoch']:.2f} s/epoch", flush=True)
        if "glove-python" not in args.skip:
            rows.append(worker("glove-python", [], t, args.epochs, str(counts_path)))
            print("glove-python", t, f"{rows[-1]['seconds_per_epoch']:.2f} s/epoch", flush=True)
        if "mittens" not in args.skip:
            for name in ("mittens", "ngramvec-slice"):
                rows.append(worker(name, [], t, args.mittens_epochs, str(counts_path),
                                   mittens_words=args.mittens_words))
                print(name, t, f"{rows[-1]['seconds_per_epoch']:.3f} s/epoch", flush=True)

    if args.quality_epochs > 0:
        t = max(args.threads)
        keys = counts.row_vocab.index_to_key
        ours = worker("ngramvec", [], t, args.quality_epochs, str(counts_path),
                      vectors_out=str(work / "ours.npz"))
        z = np.load(work / "ours.npz")
        W, C = z["W"], z["C"]
        q = {"ngramvec": evaluate(keys, W[:, :100] + C[:, :100]),
             "ngramvec_loss_reported": ours["loss"][-1],
             "ngramvec_loss_after": per_record_loss(counts, W, C),
             "ngramvec_seconds_per_epoch": ours["seconds_per_epoch"],
             "epochs": args.quality_epochs, "threads": t}
        if have_c:
            st = run_stanford(glove_dir, shuf, vocab_txt, t, args.quality_epochs, work / "vec")
            params = np.fromfile(str(work / "vec") + ".bin", dtype=np.float64)
            n = len(keys)
            params = params.reshape(2 * n, 101)
            Ws, Cs = params[:n], params[n:]
            q.update(stanford=evaluate(keys, (Ws[:, :100] + Cs[:, :100]).astype(np.float32)),
                     stanford_loss_reported=st["loss"][-1] if st["loss"] else None,
                     stanford_loss_after=per_record_loss(counts, Ws, Cs),
                     stanford_seconds_per_epoch=st["seconds_per_epoch"])
        results["quality"] = q
        print(json.dumps(q, indent=1), flush=True)

    results["load_average_end"] = os.getloadavg()
    print_table(results)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)
    return 0


def print_table(results: dict) -> None:
    rows = results["speed"]
    base = {r["threads"]: r["seconds_per_epoch"] for r in rows if r["name"] == "ngramvec"}
    base_slice = {r["threads"]: r["seconds_per_epoch"] for r in rows
                  if r["name"] == "ngramvec-slice"}
    print(f"\n{'trainer':<16}{'threads':>8}{'s/epoch':>10}{'CPU s/epoch':>13}"
          f"{'peak RSS MiB':>14}{'vs ngramvec':>13}")
    for r in rows:
        ref = (base_slice if r["name"] in ("mittens", "ngramvec-slice") else base).get(
            r["threads"])
        ratio = f"{r['seconds_per_epoch'] / ref:.2f}x" if ref else "-"
        print(f"{r['name']:<16}{r['threads']:>8}{r['seconds_per_epoch']:>10.3f}"
              f"{r['cpu_seconds_per_epoch']:>13.3f}{r['rss_mib']:>14.0f}{ratio:>13}")
    print("(s/epoch is wall time: compare runs made while the machine was otherwise idle; "
          "ngramvec excludes loading, the C tool and glove-python are whole-process / epochs)")


if __name__ == "__main__":
    sys.exit(main())
