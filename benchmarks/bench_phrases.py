"""Phrases benchmark: ngramvec.Phrases against gensim's Phrases on the same token lists.

The corpus is tokenized once by ngramvec (default ``words`` tokenizer, lowercased) into
a token file (one sentence a line, tokens separated by a space). Every fit runs in its
own process, which first reads that file into a list of token lists (not timed: both
libraries are given the same Python lists, as a gensim user would) and then times

* gensim: ``Phrases(sentences, **settings)`` plus ``export_phrases()``;
* ngramvec: ``Phrases(**settings).fit(sentences)`` plus ``export_phrases()`` (the fit
  includes encoding the lists into ids), and the same fit reading the token file
  itself (``Corpus(path, tokenizer="whitespace", lowercase=False)``).

Settings: gensim's defaults (min_count=5, threshold=10, default scoring) without and
with ``ENGLISH_CONNECTOR_WORDS``. Prints the medians of the fit times, the peak
resident memory of each process (the token lists included), the ratio, and whether the
exported phrases are equal: their number, and every phrase that differs (key or score,
compared exactly).

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
lib, tokens, setting, out, threads = sys.argv[1:6]
if lib == "ngramvec-file":
    sents = None
else:
    with open(tokens, encoding="utf-8") as f:
        sents = [line.split() for line in f]
if lib == "gensim":
    from gensim.models.phrases import Phrases, ENGLISH_CONNECTOR_WORDS
else:
    import ngramvec as nv
    from ngramvec import ENGLISH_CONNECTOR_WORDS
kw = {"connector_words": ENGLISH_CONNECTOR_WORDS} if setting == "connectors" else {}
t0 = time.perf_counter()
if lib == "gensim":
    phrases = Phrases(sents, **kw).export_phrases()
elif lib == "ngramvec":
    phrases = nv.Phrases(n_threads=int(threads), **kw).fit(sents).export_phrases()
else:
    corpus = nv.Corpus(tokens, tokenizer="whitespace", lowercase=False)
    phrases = nv.Phrases(n_threads=int(threads), **kw).fit(corpus).export_phrases()
t1 = time.perf_counter()
with open(out, "w", encoding="utf-8") as f:
    json.dump(phrases, f)
print(json.dumps({"fit": t1 - t0, "n_phrases": len(phrases)}))
"""


def tokenize_once(corpus: str, path: str) -> int:
    import ngramvec as nv
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for sent in nv.Corpus(corpus):
            f.write(" ".join(sent) + "\n")
            n += len(sent)
    return n


def measure(py: str, lib: str, tokens: str, setting: str, out: str, threads: int,
            repeats: int) -> dict:
    runs = []
    for _ in range(repeats):
        wall, peak, stdout = run_measured([py, "-c", WORKER, lib, tokens, setting, out,
                                           str(threads)])
        info = json.loads(stdout)
        runs.append((info["fit"], peak, wall))
        print(f"    {lib:14s} {setting:10s} fit {info['fit']:8.2f} s  peak {peak:7.0f} MB  "
              f"({info['n_phrases']:,} phrases)", flush=True)
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
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", "phrases.json"))
    args = ap.parse_args()
    py = sys.executable
    tmp = tempfile.mkdtemp(prefix="bench_phrases_")
    tokens = args.tokens or os.path.join(tmp, "tokens.txt")
    n_tokens = tokenize_once(args.corpus, tokens)
    print(f"corpus {args.corpus}: {n_tokens:,} tokens written to {tokens}", flush=True)
    g_rep = args.gensim_repeats or args.repeats
    results = {"corpus": args.corpus, "n_tokens": n_tokens, "threads": args.threads,
               "settings": {}}
    try:
        for setting in ("default", "connectors"):
            print(f"setting: {setting}", flush=True)
            outs = {lib: os.path.join(tmp, f"{lib}-{setting}.json")
                    for lib in ("gensim", "ngramvec", "ngramvec-file")}
            res = {lib: measure(py, lib, tokens, setting, outs[lib], args.threads,
                                g_rep if lib == "gensim" else args.repeats)
                   for lib in ("ngramvec", "ngramvec-file", "gensim")}
            cmp_lists = compare(outs["gensim"], outs["ngramvec"])
            cmp_file = compare(outs["gensim"], outs["ngramvec-file"])
            res["phrases"] = cmp_lists
            res["phrases_file"] = {k: v for k, v in cmp_file.items()}
            res["ratio"] = res["gensim"]["fit_s"] / res["ngramvec"]["fit_s"]
            res["ratio_file"] = res["gensim"]["fit_s"] / res["ngramvec-file"]["fit_s"]
            results["settings"][setting] = res
            print(f"  gensim {res['gensim']['fit_s']:.2f} s ({res['gensim']['peak_mb']:.0f} MB) | "
                  f"ngramvec from lists {res['ngramvec']['fit_s']:.2f} s "
                  f"({res['ngramvec']['peak_mb']:.0f} MB), {res['ratio']:.1f}x | "
                  f"from the token file {res['ngramvec-file']['fit_s']:.2f} s "
                  f"({res['ngramvec-file']['peak_mb']:.0f} MB), {res['ratio_file']:.1f}x")
            for name, c in (("lists", cmp_lists), ("token file", cmp_file)):
                print(f"  phrases ({name}): gensim {c['n_gensim']:,}, ngramvec "
                      f"{c['n_ngramvec']:,}, equal: {c['equal']}")
                for what in ("only_gensim", "only_ngramvec", "score_differs"):
                    if c[what]:
                        print(f"    {what} ({len(c[what])}): {c[what][:20]}")
    finally:
        for name in os.listdir(tmp):
            os.remove(os.path.join(tmp, name))
        os.rmdir(tmp)
    write_json(args.json, results)
    print(f"results written to {args.json}")


if __name__ == "__main__":
    main()
