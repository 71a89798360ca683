"""Phrases benchmark: ngramvec.Phrases against gensim's Phrases, from token lists and
from a token file.

The corpus is tokenized once by ngramvec (default ``words`` tokenizer, lowercased) into
a token file (one sentence a line, tokens separated by a space). Every fit runs in its
own process. Two modes:

* ``lists``: the process first reads the token file into a list of token lists (not
  timed: both libraries are given the same Python lists, as a gensim user would) and
  then times gensim's ``Phrases(sentences, **settings)`` plus ``export_phrases()``
  against ``ngramvec.Phrases(**settings).fit(sentences)`` plus ``export_phrases()``
  (the fit includes turning the lists into ids);
* ``file``: what a gensim user runs on a pre-tokenized file, reading included for both:
  ``Phrases(LineSentence(path), **settings)`` against
  ``ngramvec.Phrases(**settings).fit(path)`` (the path read by ngramvec's compiled
  tokenizer with its defaults), each plus ``export_phrases()``.

Settings: gensim's defaults (min_count=5, threshold=10, default scoring) without and
with ``ENGLISH_CONNECTOR_WORDS``. Prints the medians of the fit times, the peak
resident memory of each process (the token lists included in the lists mode), the
ratio, and whether the exported phrases are equal to gensim's in the same mode: their
number, and every phrase that differs (key or score, compared exactly).

Example::

    /work/bin/quiet-run python benchmarks/bench_phrases.py \\
        --corpus /work/shared/data/corpus/gutenberg_en_10M.txt.gz
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median, run_measured, write_json  # noqa: E402

WORKER = r"""
import json, sys, time
lib, mode, tokens, setting, out, threads = sys.argv[1:7]
if mode == "lists":
    with open(tokens, encoding="utf-8") as f:
        sents = [line.split() for line in f]
if lib == "gensim":
    from gensim.models.phrases import Phrases, ENGLISH_CONNECTOR_WORDS
    from gensim.models.word2vec import LineSentence
else:
    import ngramvec as nv
    from ngramvec import ENGLISH_CONNECTOR_WORDS
kw = {"connector_words": ENGLISH_CONNECTOR_WORDS} if setting == "connectors" else {}
t0 = time.perf_counter()
if lib == "gensim":
    source = sents if mode == "lists" else LineSentence(tokens)
    phrases = Phrases(source, **kw).export_phrases()
else:
    source = sents if mode == "lists" else tokens
    phrases = nv.Phrases(n_threads=int(threads), **kw).fit(source).export_phrases()
t1 = time.perf_counter()
with open(out, "w", encoding="utf-8") as f:
    json.dump(phrases, f)
print(json.dumps({"fit": t1 - t0, "n_phrases": len(phrases)}))
"""

MODES = ("lists", "file")
SETTINGS = ("default", "connectors")


def tokenize_once(corpus: str, path: str) -> int:
    import ngramvec as nv
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for sent in nv.Corpus(corpus):
            f.write(" ".join(sent) + "\n")
            n += len(sent)
    return n


def measure(py: str, lib: str, mode: str, tokens: str, setting: str, out: str, threads: int,
            repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        wall, peak, stdout = run_measured([py, "-c", WORKER, lib, mode, tokens, setting, out,
                                           str(threads)])
        info = json.loads(stdout)
        runs.append((info["fit"], peak, wall))
        print(f"    {lib:9s} {mode:6s} {setting:10s} fit {info['fit']:8.2f} s  "
              f"peak {peak:7.0f} MB  ({info['n_phrases']:,} phrases)", flush=True)
    return {"fit_s": median([r[0] for r in runs]), "peak_mb": median([r[1] for r in runs]),
            "process_s": median([r[2] for r in runs]), "fits": [r[0] for r in runs],
            "repeats": repeats}


def compare(a_path: str, b_path: str) -> dict:
    with open(a_path, encoding="utf-8") as f:
        a = json.load(f)
    with open(b_path, encoding="utf-8") as f:
        b = json.load(f)
    only_a = sorted(set(a) - set(b))
    only_b = sorted(set(b) - set(a))
    score = sorted(k for k in set(a) & set(b) if a[k] != b[k])
    return {"n_gensim": len(a), "n_ngramvec": len(b), "equal": a == b,
            "only_gensim": only_a, "only_ngramvec": only_b, "score_differs": score}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", required=True, help="raw text (.txt/.gz/...)")
    ap.add_argument("--tokens", default=None,
                    help="token file to write (default: a temporary file)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gensim-repeats", type=int, default=None,
                    help="repeats of the gensim fits (default: --repeats)")
    ap.add_argument("--modes", default=",".join(MODES),
                    help="comma-separated among lists,file (default: both)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", "phrases.json"))
    args = ap.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    if not modes or any(m not in MODES for m in modes):
        ap.error(f"--modes takes a comma-separated list among {','.join(MODES)}")
    py = sys.executable
    tmp = tempfile.mkdtemp(prefix="bench_phrases_")
    tokens = args.tokens or os.path.join(tmp, "tokens.txt")
    n_tokens = tokenize_once(args.corpus, tokens)
    print(f"corpus {args.corpus}: {n_tokens:,} tokens written to {tokens}", flush=True)
    g_rep = args.gensim_repeats or args.repeats
    results = {"corpus": args.corpus, "n_tokens": n_tokens, "threads": args.threads,
               "modes": {}}
    try:
        for mode in modes:
            results["modes"][mode] = {}
            for setting in SETTINGS:
                print(f"mode {mode}, setting {setting}", flush=True)
                outs = {lib: os.path.join(tmp, f"{lib}-{mode}-{setting}.json")
                        for lib in ("gensim", "ngramvec")}
                res = {lib: measure(py, lib, mode, tokens, setting, outs[lib], args.threads,
                                    g_rep if lib == "gensim" else args.repeats)
                       for lib in ("ngramvec", "gensim")}
                cmp = compare(outs["gensim"], outs["ngramvec"])
                res["phrases"] = cmp
                res["ratio"] = res["gensim"]["fit_s"] / res["ngramvec"]["fit_s"]
                results["modes"][mode][setting] = res
                print(f"  gensim {res['gensim']['fit_s']:.2f} s "
                      f"({res['gensim']['peak_mb']:.0f} MB) | ngramvec "
                      f"{res['ngramvec']['fit_s']:.2f} s ({res['ngramvec']['peak_mb']:.0f} MB)"
                      f" | {res['ratio']:.1f}x", flush=True)
                print(f"  phrases: gensim {cmp['n_gensim']:,}, ngramvec {cmp['n_ngramvec']:,}, "
                      f"equal: {cmp['equal']}", flush=True)
                for what in ("only_gensim", "only_ngramvec", "score_differs"):
                    if cmp[what]:
                        print(f"    {what} ({len(cmp[what])}): {cmp[what][:20]}")
    finally:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    write_json(args.json, results)
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
