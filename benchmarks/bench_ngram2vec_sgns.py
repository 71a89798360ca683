"""ngramvec's SGNS with ngram contexts against ngram2vec's own SGNS pipeline.

ngram2vec (Zhao et al. 2017) trains SGNS in four steps: ``corpus2vocab.py`` (words and
bigrams with their counts), ``corpus2pairs.py`` (writes every (centre, context) pair of
the corpus to text files, one process per share of the lines), ``pairs2vocab.py`` (the
input and output vocabularies with pair counts) and its C trainer
``word2vec/word2vec.c`` (word2vecf-style: SGD over the pairs file, which
``pairs2sgns.py`` calls with ``--size --negative --threads_num --iter``). ngramvec does
the same job in one process: ``Vocabulary.build`` + ``SGNS(contexts="uni_bi").fit``,
without writing pairs. This script runs both on the same tokenized text, with the
settings matched as far as ngram2vec has them (see benchmarks/README.md for the list of
what still differs), evaluates both tools' input vectors with ngramvec's evaluate
(Google analogies with 3CosAdd and 3CosMul, WS353, SimLex-999, SimVerb-3500) and prints
the wall time of every stage, the whole path of each tool, peak memory and the ratio.

ngram2vec's trainer has no seed (``rand()`` is never seeded and each thread's
generator starts from its thread number); the randomness of its pipeline that can be
set is the subsampling of ``corpus2pairs.py --seed``. So seed k of the run uses
``--seed`` ``n2v_seeds[k]`` for ngram2vec (a new pairs file each) and ``seed`` k for
ngramvec.

Example::

    python benchmarks/bench_ngram2vec_sgns.py --corpus gutenberg_en_10M.txt.gz \\
        --ngram2vec-dir /tmp/ngram2vec --ngram2vec-trainer /tmp/build-n2v/word2vec \\
        --python-path /tmp/shims

ngram2vec is not part of ngramvec: check it out yourself outside the repository, build
its trainer yourself with its makefile (``word2vec/makefile``) and pass both paths.
Its scripts are Python 2 era; corpus2vocab, corpus2pairs and pairs2vocab run under
Python 3 as they are (``--python-path`` prepends a folder of shims to PYTHONPATH if a
script of yours needs one). ``--sgns-option key=value`` (repeatable) passes further
parameters to ngramvec's ``SGNS``, for example ``batch=False``.
"""
from __future__ import annotations

import argparse
import ast
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import median, run_measured, write_json  # noqa: E402

WORKER = r"""
import sys, time, json, ngramvec as nv
from ngramvec.models.sgns import SGNS
path, out, min_count, threads, kw = sys.argv[1:6]
kw = json.loads(kw)
t0 = time.perf_counter()
enc = nv.Corpus(path, tokenizer="whitespace").encoded()
t1 = time.perf_counter()
v = nv.Vocabulary.build(enc, min_count=int(min_count), ngram_orders=(1, 2),
                        n_threads=int(threads))
t2 = time.perf_counter()
words = [k for k, o in zip(v.index_to_key, v.orders.tolist()) if o == 1]
alpha_total = int(sum(c for k, c, o in zip(v.index_to_key, v.counts.tolist(),
                                           v.orders.tolist()) if o == 1 and k.isalpha()))
sample = kw.pop("sample")
if kw.pop("match_threshold") and sample:
    # ngram2vec's threshold is sub * (tokens of the alphabetic vocabulary words);
    # ngramvec's is sample * word_total (every word token of the vocabulary)
    sample = sample * alpha_total / v.word_total
m = SGNS(contexts="uni_bi", sample=sample, n_threads=int(threads), **kw).fit(enc, v)
t3 = time.perf_counter()
wv = nv.KeyedVectors.from_model(m)
wv.save(out)
t4 = time.perf_counter()
print(json.dumps(dict(tokens=enc.n_tokens, encode=t1 - t0, vocab=t2 - t1, sgns=t3 - t2,
                      save=t4 - t3, sample_used=sample, word_total=int(v.word_total),
                      alpha_total=alpha_total, rows=len(m.input_vocabulary_),
                      context_rows=len(m.context_vocabulary_),
                      pairs_per_epoch=[h["pairs"] for h in m.history_])))
"""

QUALITY_SETS = ("ws353", "simlex999", "simverb3500")


def evaluate(wv) -> dict:
    from ngramvec.vectors import evaluate as ev
    out = {}
    for method in ("3cosadd", "3cosmul"):
        a = ev.analogy(wv, "google", method=method)
        out["google_" + method] = a.accuracy
        out["google_coverage"] = a.coverage
    for name in QUALITY_SETS:
        s = ev.similarity(wv, name)
        out[name] = s.spearman
        out[name + "_coverage"] = s.coverage
    return out


def write_tokens(corpus: str, path: str, slice_tokens: int) -> int:
    """The corpus as ngramvec's default tokenizer splits it, one sentence a line."""
    import ngramvec as nv
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for sent in nv.Corpus(corpus):
            if not sent:
                continue
            f.write(" ".join(sent) + "\n")
            n += len(sent)
            if slice_tokens and n >= slice_tokens:
                break
    return n


def parse_options(items: list[str]) -> dict:
    kw = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SystemExit(f"--sgns-option wants key=value, got {item!r}")
        try:
            kw[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            kw[key] = value
    return kw


def run_ngramvec(args, tok: str, out: str, seed: int) -> dict:
    kw = dict(dim=args.dim, window=args.window, negative=args.negative, epochs=args.epochs,
              lr=args.lr, min_lr=args.lr * 1e-4, dynamic_window=False,
              min_count=args.min_count, seed=seed, sample=args.sample,
              match_threshold=not args.no_match_threshold)
    kw.update(parse_options(args.sgns_option))
    wall, peak, stdout = run_measured([sys.executable, "-c", WORKER, tok, out,
                                       str(args.min_count), str(args.threads), json.dumps(kw)])
    info = json.loads(stdout.strip().splitlines()[-1])
    info.update(wall=wall, peak_mb=peak, seed=seed)
    return info


def count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 24), b""):
            n += block.count(b"\n")
    return n


def run_ngram2vec_vocab(args, py: list[str], env: dict, tok: str, out: str) -> dict:
    script = os.path.join(args.ngram2vec_dir, "ngram2vec")
    wall, peak, _ = run_measured(
        py + [os.path.join(script, "corpus2vocab.py"), "--corpus_file", tok, "--vocab_file",
              os.path.join(out, "vocab"), "--memory_size", "4", "--feature", "ngram",
              "--order", "2", "--min_count", str(args.min_count)],
        cwd=args.ngram2vec_dir, env=env)
    return dict(wall=wall, peak_mb=peak)


def run_ngram2vec_seed(args, py: list[str], env: dict, tok: str, out: str, work: str,
                       seed: int) -> dict:
    """corpus2pairs (--seed seed) + concatenation + pairs2vocab + the C trainer; the
    pairs and vectors go to ``out``, corpus2vocab's vocabulary is in ``work``."""
    import time
    script = os.path.join(args.ngram2vec_dir, "ngram2vec")
    pairs = os.path.join(out, "pairs")
    procs = args.threads
    w_pairs, m_pairs, _ = run_measured(
        py + [os.path.join(script, "corpus2pairs.py"), "--corpus_file", tok, "--pairs_file",
              pairs, "--vocab_file", os.path.join(work, "vocab"), "--processes_num",
              str(procs), "--cooccur", "ngram_ngram", "--input_order", "1",
              "--output_order", "2", "--win", str(args.window), "--sub", repr(args.sample),
              "--seed", str(seed)],
        cwd=args.ngram2vec_dir, env=env)
    t0 = time.perf_counter()        # ngram_example.sh: cat pairs_i >> pairs; rm pairs_i
    with open(pairs, "wb") as f:
        for i in range(procs):
            part = f"{pairs}_{i}"
            with open(part, "rb") as g:
                shutil.copyfileobj(g, f, 1 << 24)
            os.remove(part)
    w_cat = time.perf_counter() - t0
    n_pairs = count_lines(pairs)
    w_voc, m_voc, _ = run_measured(
        py + [os.path.join(script, "pairs2vocab.py"), "--pairs_file", pairs,
              "--input_vocab_file", pairs + ".vocab.input", "--output_vocab_file",
              pairs + ".vocab.output", "--processes_num", str(procs)],
        cwd=args.ngram2vec_dir, env=env)
    vec_in, vec_out = os.path.join(out, "sgns.input"), os.path.join(out, "sgns.output")
    # the flags pairs2sgns.py passes (it hard-codes ./word2vec/word2vec), plus --alpha
    w_tr, m_tr, _ = run_measured(
        [args.ngram2vec_trainer, "--pairs_file", pairs, "--input_vocab_file",
         pairs + ".vocab.input", "--output_vocab_file", pairs + ".vocab.output",
         "--input_vector_file", vec_in, "--output_vector_file", vec_out,
         "--negative", str(args.negative), "--size", str(args.dim), "--threads_num",
         str(args.threads), "--iter", str(args.epochs), "--alpha", repr(args.lr)])
    with open(pairs + ".vocab.input", encoding="utf-8") as f:
        rows = sum(1 for _ in f)
    with open(pairs + ".vocab.output", encoding="utf-8") as f:
        context_rows = sum(1 for _ in f)
    os.remove(pairs)
    os.remove(vec_out)
    return dict(seed=seed, corpus2pairs=w_pairs, concat=w_cat, pairs2vocab=w_voc,
                trainer=w_tr, peak_mb=max(m_pairs, m_voc, m_tr),
                peak_mb_stages=dict(corpus2pairs=m_pairs, pairs2vocab=m_voc, trainer=m_tr),
                pairs=n_pairs, rows=rows, context_rows=context_rows, vectors=vec_in)


def summary(values: list[float]) -> dict:
    return dict(mean=sum(values) / len(values), spread=max(values) - min(values),
                values=values)


METRICS = ("google_3cosadd", "google_3cosmul") + QUALITY_SETS


def summarize(results: dict) -> None:
    """Means and spreads (max - min) over seeds, median wall times and peaks, the ratio."""
    print(f"\n{'':10s} " + " ".join(f"{m:>16s}" for m in METRICS) + f" {'whole s':>8s} "
          f"{'peak MB':>8s}")
    for tool in ("ngram2vec", "ngramvec"):
        runs = results[tool]
        if not runs:
            continue
        s = {m: summary([r[m] for r in runs]) for m in METRICS}
        key = "whole" if tool == "ngram2vec" else "wall"
        s["whole_s"] = median([r[key] for r in runs])
        s["peak_mb"] = median([r["peak_mb"] for r in runs])
        stages = (("corpus2pairs", "concat", "pairs2vocab", "trainer") if tool == "ngram2vec"
                  else ("encode", "vocab", "sgns", "save"))
        s["stages_s"] = {k: median([r[k] for r in runs]) for k in stages}
        results[tool + "_summary"] = s
        print(f"{tool:10s} " + " ".join(
            f"{s[m]['mean'] * (100 if m.startswith('google') else 1):9.3f} "
            f"({s[m]['spread'] * (100 if m.startswith('google') else 1):4.3f})"
            for m in METRICS) + f" {s['whole_s']:8.1f} {s['peak_mb']:8.0f}")
    if results["ngram2vec"] and results["ngramvec"]:
        ratio = results["ngram2vec_summary"]["whole_s"] / results["ngramvec_summary"]["whole_s"]
        results["ratio_whole"] = ratio
        print(f"ratio (whole path, medians): {ratio:.1f}x")


def combine(paths: list[str], out: str) -> None:
    """One result from the JSON files of runs of single seeds (same settings)."""
    parts = []
    for p in paths:
        with open(p) as f:
            parts.append(json.load(f))
    results = {k: parts[0][k] for k in ("corpus", "tokens", "settings")}
    if "ngram2vec_corpus2vocab" in parts[0]:
        results["ngram2vec_corpus2vocab"] = parts[0]["ngram2vec_corpus2vocab"]
    for tool in ("ngram2vec", "ngramvec"):
        results[tool] = [r for p in parts for r in p[tool]]
    keys = ("dim", "window", "negative", "epochs", "lr", "sample", "min_count", "threads",
            "sgns_option", "slice_tokens", "match_threshold")
    for p in parts[1:]:
        if any(p["settings"][k] != results["settings"][k] for k in keys) or \
                p["tokens"] != results["tokens"]:
            raise SystemExit(f"{p['settings']} and {results['settings']} differ")
    results["settings"]["seeds"] = [r["seed"] for r in results["ngramvec"]]
    results["settings"]["n2v_seeds"] = [r["seed"] for r in results["ngram2vec"]]
    results["combined_from"] = [dict(path=os.path.basename(p), date=q.get("date"))
                                for p, q in zip(paths, parts)]
    summarize(results)
    write_json(out, results)
    print(f"JSON: {out}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", default=None, help="raw text corpus (default: bundled demo)")
    ap.add_argument("--ngram2vec-dir", help="a checkout of ngram2vec")
    ap.add_argument("--ngram2vec-trainer",
                    help="ngram2vec's word2vec/word2vec.c, built with its makefile")
    ap.add_argument("--ngram2vec-python", default=sys.executable,
                    help="the Python that runs ngram2vec's scripts")
    ap.add_argument("--python-path", default=None,
                    help="a folder of shims prepended to PYTHONPATH for ngram2vec's scripts")
    ap.add_argument("--slice-tokens", type=int, default=0,
                    help="train on the first N tokens only (0: the whole corpus)")
    ap.add_argument("--dim", type=int, default=100)
    ap.add_argument("--window", type=int, default=2)
    ap.add_argument("--negative", type=int, default=5)
    ap.add_argument("--epochs", type=int, default=3, help="ngram2vec's --iter")
    ap.add_argument("--lr", type=float, default=0.025, help="ngram2vec's --alpha")
    ap.add_argument("--sample", type=float, default=1e-5, help="ngram2vec's --sub")
    ap.add_argument("--no-match-threshold", action="store_true",
                    help="use --sample as it is for ngramvec (by default it is scaled so "
                         "that both tools subsample from the same count threshold)")
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2,
                    help="threads of both trainers and processes of ngram2vec's scripts")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2],
                    help="ngramvec's SGNS seeds")
    ap.add_argument("--n2v-seeds", type=int, nargs="+", default=[7, 8, 9],
                    help="corpus2pairs --seed values (7 is its default), one per seed")
    ap.add_argument("--sgns-option", action="append", default=[], metavar="KEY=VALUE",
                    help="a further parameter of ngramvec's SGNS (repeatable)")
    ap.add_argument("--skip-ngram2vec", action="store_true",
                    help="run ngramvec only (the JSON then has no ngram2vec figures)")
    ap.add_argument("--json", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                   "results", "ngram2vec_sgns.json"))
    ap.add_argument("--workdir", default=None,
                    help="keep the tokenized corpus and corpus2vocab's vocabulary (and its "
                         "time) here and reuse them in later runs, so runs of one seed each "
                         "can be joined with --combine")
    ap.add_argument("--combine", nargs="+", default=None, metavar="JSON",
                    help="join the JSON files of earlier runs into --json and stop")
    args = ap.parse_args()
    if args.combine:
        combine(args.combine, args.json)
        return
    if len(args.n2v_seeds) < len(args.seeds):
        ap.error("--n2v-seeds needs one value per --seeds value")
    if not args.skip_ngram2vec and not (args.ngram2vec_dir and args.ngram2vec_trainer):
        ap.error("--ngram2vec-dir and --ngram2vec-trainer are needed (or --skip-ngram2vec)")
    import ngramvec as nv
    from ngramvec.vectors.keyedvectors import KeyedVectors
    corpus = args.corpus or nv.dataset_path("demo")
    py = [args.ngram2vec_python]
    env = dict(os.environ)
    if args.python_path:
        env["PYTHONPATH"] = args.python_path + os.pathsep + env.get("PYTHONPATH", "")
    settings = {k: getattr(args, k) for k in ("dim", "window", "negative", "epochs", "lr",
                                               "sample", "min_count", "threads", "seeds",
                                               "n2v_seeds", "sgns_option", "slice_tokens")}
    settings["match_threshold"] = not args.no_match_threshold
    results: dict = {"corpus": corpus, "settings": settings, "ngramvec": [], "ngram2vec": []}
    with tempfile.TemporaryDirectory(prefix="ngramvec-n2v-sgns-") as tmp:
        work = args.workdir or tmp
        os.makedirs(work, exist_ok=True)
        tok = os.path.join(work, "corpus.txt")
        state_path = os.path.join(work, "state.json")
        state = {}
        if args.workdir and os.path.exists(state_path):
            with open(state_path) as f:
                state = json.load(f)
            if state.get("key") != [corpus, args.slice_tokens, args.min_count]:
                state = {}
        if "tokens" not in state:
            state = {"key": [corpus, args.slice_tokens, args.min_count],
                     "tokens": write_tokens(corpus, tok, args.slice_tokens)}
        n_tok = results["tokens"] = state["tokens"]
        print(f"corpus {os.path.basename(corpus)}: {n_tok:,} tokens, uni_bi, dim {args.dim}, "
              f"window {args.window} (fixed), negative {args.negative}, epochs {args.epochs}, "
              f"lr {args.lr}, sub {args.sample}, min_count {args.min_count}, "
              f"{args.threads} threads", flush=True)
        if not args.skip_ngram2vec:
            if "corpus2vocab" not in state:
                state["corpus2vocab"] = run_ngram2vec_vocab(args, py, env, tok, work)
            voc = results["ngram2vec_corpus2vocab"] = state["corpus2vocab"]
            print(f"ngram2vec corpus2vocab {voc['wall']:.1f} s (deterministic: run once per "
                  "work folder)", flush=True)
        if args.workdir:
            with open(state_path, "w") as f:
                json.dump(state, f)
        for k, seed in enumerate(args.seeds):
            if not args.skip_ngram2vec:
                r = run_ngram2vec_seed(args, py, env, tok, tmp, work, args.n2v_seeds[k])
                r["whole"] = (voc["wall"] + r["corpus2pairs"] + r["concat"] + r["pairs2vocab"]
                              + r["trainer"])
                r["peak_mb"] = max(r["peak_mb"], voc["peak_mb"])
                r.update(evaluate(KeyedVectors.load_word2vec_format(r.pop("vectors"))))
                results["ngram2vec"].append(r)
                print(f"ngram2vec --seed {r['seed']}: corpus2pairs {r['corpus2pairs']:.1f} s, "
                      f"cat {r['concat']:.1f} s, pairs2vocab {r['pairs2vocab']:.1f} s, "
                      f"trainer {r['trainer']:.1f} s, whole {r['whole']:.1f} s, peak "
                      f"{r['peak_mb']:.0f} MB, {r['pairs']:,} pairs; Google "
                      f"{100 * r['google_3cosadd']:.2f}% / {100 * r['google_3cosmul']:.2f}%, "
                      f"WS353 {r['ws353']:.3f}, SimLex {r['simlex999']:.3f}, SimVerb "
                      f"{r['simverb3500']:.3f}", flush=True)
            out = os.path.join(tmp, f"ngramvec_{seed}.npz")
            r = run_ngramvec(args, tok, out, seed)
            r.update(evaluate(KeyedVectors.load(out)))
            os.remove(out)
            results["ngramvec"].append(r)
            print(f"ngramvec seed {seed}: encode {r['encode']:.1f} s, vocab {r['vocab']:.1f} s, "
                  f"sgns {r['sgns']:.1f} s, whole {r['wall']:.1f} s, peak {r['peak_mb']:.0f} MB, "
                  f"{sum(r['pairs_per_epoch']) / len(r['pairs_per_epoch']):,.0f} pairs/epoch; "
                  f"Google {100 * r['google_3cosadd']:.2f}% / {100 * r['google_3cosmul']:.2f}%, "
                  f"WS353 {r['ws353']:.3f}, SimLex {r['simlex999']:.3f}, SimVerb "
                  f"{r['simverb3500']:.3f}", flush=True)
    summarize(results)
    write_json(args.json, results)
    print(f"JSON: {args.json}")


if __name__ == "__main__":
    main()
