"""Loading vectors: ngramvec against gensim 4 on the same files, side by side.

Files: ``--n`` x ``--dim`` random float32 vectors (default 200,000 x 300) rounded to 6
decimals, the realistic case (gensim writes ``str(float32)``, so a value is written as
``-0.123456``), in

* word2vec text (written by gensim's ``save_word2vec_format``; about 0.6 GB),
* word2vec binary (gensim's ``binary=True``),
* ngramvec's ``.npz`` against gensim's own format, the ``.kv`` of ``KeyedVectors.save``
  (a pickle with its ``.npy``), both read into memory and both memory-mapped
  (``mmap="r"``).

Read into memory, the ``.npz`` case also times ``numpy.load`` of gensim's ``.npy`` alone
(the same 240 MB read into a fresh array by one thread, nothing else): the floor of an
eager load that reads with one thread, printed as ``numpy (floor)`` (gensim stores arrays under 10 MB inside the pickle: then
there is no ``.npy`` and no floor).

Or give your own files with ``--text`` / ``--binary``. Each load runs in a fresh
interpreter (imports done before the clock starts), ngramvec and gensim interleaved,
and the clock covers the load and a first use: ``kv[k]`` and ``k in kv`` for 10 keys
spread over the generated file and one absent ``in`` (ngramvec makes
``index_to_key`` / ``key_to_index`` of an ``.npz`` when first used; what first
touching ``key_to_index`` costs after that is timed apart and printed beside it),
``--repeats`` times (median reported); peak RSS of that process is sampled beside it
(the child's ``ru_maxrss`` right after the load, so the hashing below is not in it; the
interpreter with numpy and the library imported is part of it, about 60-110 MB; the
whole process, sampled by ``_common.run_measured``, is in the JSON too). Each process also hashes what it loaded, so the table says whether
both read the same keys and the same float32 bits. Before each load its file is read
once, untimed, so that both libraries read from the page cache.

::

    python benchmarks/bench_io.py --generate-only          # write the files (not timed)
    /work/bin/quiet-run python benchmarks/bench_io.py       # time the loads
    /work/bin/quiet-run python benchmarks/bench_io.py --text-repeats 1   # one text run each
    /work/bin/quiet-run python benchmarks/bench_io.py --formats npz,npz-mmap --update
    python benchmarks/bench_io.py --n 20000 --repeats 1     # a quick look
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
from _common import median, run_measured, write_json  # noqa: E402

# What a child process runs: import, then time one load, then hash what was loaded.
CHILD = r"""
import hashlib, json, sys, time
sys.path.insert(0, {root!r})
lib, fmt, path, mmap = {lib!r}, {fmt!r}, {path!r}, {mmap!r}
if lib == "ngramvec":
    from ngramvec import KeyedVectors
    engine = {engine!r}
    if fmt == "npz":
        load = lambda: KeyedVectors.load(path, mmap=mmap)
    else:
        load = lambda: KeyedVectors.load_word2vec_format(path, binary=fmt == "binary",
                                                         engine=engine)
elif lib == "numpy":   # the floor of an eager load: gensim's .npy read by numpy alone
    import numpy as np

    class _Only:
        def __init__(self, vectors):
            self.vectors, self.index_to_key = vectors, []
    load = lambda: _Only(np.load(path, mmap_mode=mmap))
else:
    from gensim.models import KeyedVectors
    if fmt == "npz":
        load = lambda: KeyedVectors.load(path, mmap=mmap)
    else:
        load = lambda: KeyedVectors.load_word2vec_format(path, binary=fmt == "binary")
use_keys, absent = {use_keys!r}, "no-such-key"
t0 = time.perf_counter()
kv = load()
t1 = time.perf_counter()
if lib != "numpy":   # a first use: the vectors of 10 keys, and membership
    got = [kv[k] for k in use_keys]
    found = [k in kv for k in use_keys] + [absent in kv]
    assert all(found[:-1]) and not found[-1], found
t2 = time.perf_counter()
import resource
peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss   # peak so far: the load's
t2b = time.perf_counter()
index = getattr(kv, "key_to_index", None)  # what first touching it costs (0 when eager)
t3 = time.perf_counter()
peak_index_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
h = hashlib.sha1()
import numpy as np
h.update(np.ascontiguousarray(kv.vectors, dtype=np.float32).tobytes())
h.update("\n".join(kv.index_to_key).encode("utf-8", "surrogatepass"))
print(json.dumps({{"seconds": t2 - t0, "load_s": t1 - t0, "first_use_s": t2 - t1,
                  "key_to_index_first_s": t3 - t2b,
                  "peak_rss_with_key_to_index_mb": peak_index_kb / 1024,
                  "n": len(kv.index_to_key), "dim": kv.vectors.shape[1],
                  "sha1": h.hexdigest(), "peak_rss_load_mb": peak_kb / 1024}}))
"""


def generated_key(i: int) -> str:
    """The key of row ``i`` of the generated files."""
    return f"w{i}_{'abcdefgh'[i % 8] * (1 + i % 9)}"


def generate(args: argparse.Namespace) -> dict[str, str]:
    """Write the files (gensim writes the word2vec ones, ngramvec the .npz)."""
    from gensim.models import KeyedVectors as GKV

    from ngramvec import KeyedVectors

    d = Path(args.data_dir)
    d.mkdir(parents=True, exist_ok=True)
    tag = f"{args.n}x{args.dim}"
    paths = {"text": str(d / f"vectors_{tag}.txt"), "binary": str(d / f"vectors_{tag}.bin"),
             "npz": str(d / f"vectors_{tag}.npz"), "kv": str(d / f"vectors_{tag}.kv")}
    if all(os.path.exists(p) for p in paths.values()) and not args.regenerate:
        return paths
    rng = np.random.default_rng(args.seed)
    v = np.round(rng.standard_normal((args.n, args.dim), dtype=np.float32) * 0.2, 6)
    v = v.astype(np.float32)
    keys = [generated_key(i) for i in range(args.n)]
    g = GKV(args.dim)
    g.add_vectors(keys, v)
    t0 = time.perf_counter()
    g.save_word2vec_format(paths["text"])
    g.save_word2vec_format(paths["binary"], binary=True)
    g.save(paths["kv"])
    KeyedVectors(v, keys).save(paths["npz"])
    print(f"generated {tag} in {time.perf_counter() - t0:.0f} s: " +
          ", ".join(f"{k} {os.path.getsize(p) / 2**20:.0f} MB" for k, p in paths.items()))
    return paths


def warm(path: str) -> None:
    """Read ``path`` (and gensim's ``.npy`` beside a ``.kv``) once, untimed, so that the
    timed load reads it from the page cache: this machine pages cold file pages out
    (DAMON), which otherwise turned some loads into disk reads."""
    buf = bytearray(8 << 20)
    for p in (path, path + ".vectors.npy"):
        if os.path.exists(p):
            with open(p, "rb", buffering=0) as f:
                while f.readinto(buf):
                    pass


def run_child(lib: str, fmt: str, path: str, mmap: str | None, engine: str = "auto",
              use_keys: tuple[str, ...] = ()) -> dict:
    warm(path)
    code = CHILD.format(root=str(ROOT), lib=lib, fmt=fmt, path=path, mmap=mmap, engine=engine,
                        use_keys=list(use_keys))
    with tempfile.TemporaryDirectory() as tmp:   # no stray files in the checkout
        wall, peak_mb, out = run_measured([sys.executable, "-c", code], cwd=tmp)
    res = json.loads(out.strip().splitlines()[-1])
    res.update(process_s=wall, peak_rss_mb=peak_mb)
    return res


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=200_000, help="vectors (default 200,000)")
    ap.add_argument("--dim", type=int, default=300, help="dimension (default 300)")
    ap.add_argument("--data-dir", default=os.path.join(tempfile.gettempdir(), "ngramvec-bench-io"),
                    help="where the generated files go (default: %(default)s)")
    ap.add_argument("--text", help="an existing word2vec text file instead of the generated one")
    ap.add_argument("--binary", help="an existing word2vec binary file instead")
    ap.add_argument("--formats", default="text,binary,npz,npz-mmap",
                    help="what to time (default: %(default)s)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each load (median; default 3)")
    ap.add_argument("--text-repeats", type=int, default=None,
                    help="runs of the text loads (gensim's takes about a minute; default: "
                         "--repeats)")
    ap.add_argument("--python-engine", action="store_true",
                    help="also time ngramvec's pure-Python parser (engine='python')")
    ap.add_argument("--generate-only", action="store_true", help="write the files and stop")
    ap.add_argument("--regenerate", action="store_true", help="write the files again")
    ap.add_argument("--update", action="store_true",
                    help="keep the cases of the --json file that are not run now (each case "
                         "records its own date and load average)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", default=str(HERE / "results" / "io.json"),
                    help="results file (default: %(default)s)")
    args = ap.parse_args(argv)

    paths = generate(args)
    if args.text:
        paths["text"] = args.text
    if args.binary:
        paths["binary"] = args.binary
    if args.generate_only:
        return 0
    cases = []   # (name, [(lib, fmt, path, mmap, engine)...])
    for fmt in args.formats.split(","):
        if fmt in ("text", "binary"):
            runs = [("ngramvec", fmt, paths[fmt], None, "auto"), ("gensim", fmt, paths[fmt], None, "")]
            if args.python_engine:
                runs.append(("ngramvec-python", fmt, paths[fmt], None, "python"))
        elif fmt in ("npz", "npz-mmap"):
            mmap = "r" if fmt == "npz-mmap" else None
            runs = [("ngramvec", "npz", paths["npz"], mmap, "auto"),
                    ("gensim", "npz", paths["kv"], mmap, "")]
            if mmap is None and os.path.exists(paths["kv"] + ".vectors.npy"):
                runs.append(("numpy (floor)", "npz", paths["kv"] + ".vectors.npy", None, ""))
        else:
            ap.error(f"unknown format {fmt!r}")
        cases.append((fmt, runs))

    results = {"benchmark": "io", "settings": vars(args), "files": {
        k: {"path": p, "mb": round(os.path.getsize(p) / 2**20, 1)} for k, p in paths.items()},
        "load_average_at_start": os.getloadavg(), "cases": {}}
    if args.update and os.path.exists(args.json):
        with open(args.json, encoding="utf-8") as f:
            before = json.load(f)
        for fmt, case in before.get("cases", {}).items():
            case.setdefault("date", before.get("date"))
            case.setdefault("load_average_at_start", before.get("load_average_at_start"))
            results["cases"][fmt] = case
    print(f"{'format':9} {'library':16} {'median s':>9} {'runs s':>24} {'peak MB':>8}")
    for fmt, runs in cases:
        load_average = os.getloadavg()
        got: dict[str, list[dict]] = {r[0]: [] for r in runs}
        repeats = args.text_repeats if fmt == "text" and args.text_repeats else args.repeats
        # the first use timed with the load: keys every generated file has (none for
        # files given with --text / --binary)
        own = (fmt == "text" and args.text) or (fmt == "binary" and args.binary)
        use_keys = () if own else tuple(generated_key(i) for i in
                                        range(0, args.n, max(1, args.n // 10)))[:10]
        for _ in range(repeats):   # interleaved: ngramvec, gensim, ngramvec, ...
            for lib, f, p, mmap, engine in runs:
                lib_name = lib if lib in ("gensim", "numpy (floor)") else "ngramvec"
                lib_name = "numpy" if lib_name == "numpy (floor)" else lib_name
                got[lib].append(run_child(lib_name, f, p, mmap, engine or "auto", use_keys))
        case = {}
        for lib, rs in got.items():
            secs = [r["seconds"] for r in rs]
            case[lib] = {"median_s": median(secs), "runs_s": secs,
                         "load_median_s": median([r["load_s"] for r in rs]),
                         "first_use_median_s": median([r["first_use_s"] for r in rs]),
                         "key_to_index_first_median_s":
                             median([r["key_to_index_first_s"] for r in rs]),
                         "key_to_index_first_runs_s": [r["key_to_index_first_s"] for r in rs],
                         "first_use": (f"kv[k] and k in kv for {len(use_keys)} keys, one absent "
                                       f"key in kv" if lib != "numpy (floor)" else "none"),
                         "peak_rss_load_mb": max(r["peak_rss_load_mb"] for r in rs),
                         "peak_rss_with_key_to_index_mb":
                             max(r["peak_rss_with_key_to_index_mb"] for r in rs),
                         "peak_rss_process_mb": max(r["peak_rss_mb"] for r in rs),
                         "n": rs[0]["n"], "dim": rs[0]["dim"], "sha1": rs[0]["sha1"]}
            c = case[lib]
            print(f"{fmt:9} {lib:16} {c['median_s']:9.3f} "
                  f"{' '.join(f'{s:.3f}' for s in secs):>24} {c['peak_rss_load_mb']:8.0f}"
                  f"   (load {c['load_median_s']:.3f}, first use {c['first_use_median_s']:.4f}, "
                  f"then first key_to_index {c['key_to_index_first_median_s']:.3f})")
        ours, theirs = case["ngramvec"], case["gensim"]
        case["ratio_gensim_over_ngramvec"] = theirs["median_s"] / ours["median_s"]
        case["same_keys_and_vectors"] = ours["sha1"] == theirs["sha1"]
        case["date"] = time.strftime("%Y-%m-%d %H:%M:%S")
        case["load_average_at_start"] = load_average
        print(f"{fmt:9} ratio gensim / ngramvec = {case['ratio_gensim_over_ngramvec']:.1f}x; "
              f"same keys and float32 bits: {case['same_keys_and_vectors']}")
        floor = case.get("numpy (floor)")
        if floor is not None:
            print(f"{fmt:9} numpy.load of the same bytes alone (one thread): "
                  f"{floor['median_s']:.3f} s; ngramvec {ours['median_s'] / floor['median_s']:.2f}x "
                  f"of it (it reads with two threads), gensim "
                  f"{theirs['median_s'] / floor['median_s']:.2f}x")
        results["cases"][fmt] = case
    write_json(args.json, results)
    print(f"results in {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
