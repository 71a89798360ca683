"""SGNS training speed and quality: ngramvec vs gensim Word2Vec (and fastText, word2vec C).

Every tool trains on the SAME tokenization: the corpus is tokenized once with ngramvec's
tokenizer and written as a whitespace-separated file that every tool reads (ngramvec
re-reads it with ``tokenizer="whitespace"``, which yields the same tokens). Each run is
a fresh subprocess, so its peak RSS is its own.

words/s = raw corpus tokens x epochs / training wall time. Vocabulary building is
excluded for ngramvec and gensim (built before the clock starts); word2vec C is given
the vocabulary file (``-read-vocab``) so it only trains; fastText cannot be split, so
its time includes its own vocabulary pass over the file (marked in the output).

Quality of every run is measured with ngramvec.evaluate (Google analogies, 3CosAdd on
covered questions; WS353, SimLex-999 and SimVerb-3500 Spearman).

Update modes of ngramvec: ``--modes pair batch`` runs ngramvec once per mode and
context kind: ``ngramvec`` / ``ngramvec[uni_bi]`` are pair-by-pair (word2vec's
arithmetic), ``ngramvec[batch]`` / ``ngramvec[uni_bi,batch]`` the minibatched
updates with shared negatives (``SGNS(batch=True)``).

Ngram contexts (ngram2vec): ``--contexts word uni_bi`` runs ngramvec once per value
(reported as ``ngramvec`` and ``ngramvec[uni_bi]``); the ngram vocabulary (words and
ngrams with ``--min-count`` for every order) is built before the clock starts, and its
build time is reported separately (``vocab_seconds``).

Example::

    python benchmarks/bench_sgns.py --corpus ../shared/data/corpus/gutenberg_en_10M.txt.gz \\
        --threads 2 --repeats 1 --json sgns_10M.json
    python benchmarks/bench_sgns.py --corpus ../shared/data/corpus/gutenberg_en_10M.txt.gz \\
        --threads 2 --tools ngramvec --contexts word uni_bi
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.join(HERE, "..", "ngramvec", "datasets", "pd_classics_en.txt.gz")
# the C tool as compiled by the `word2vec` PyPI package (bench extra), if on PATH
WORD2VEC_BIN = shutil.which("word2vec") or "word2vec"
TOOLS = ("ngramvec", "gensim", "gensim_file", "fasttext", "word2vec")


sys.path.insert(0, HERE)
from _common import cpu_model  # noqa: E402


def versions() -> dict:
    out = {"python": sys.version.split()[0]}
    for mod in ("ngramvec", "gensim", "numpy", "scipy", "fasttext"):
        try:
            m = __import__(mod)
            out[mod] = getattr(m, "__version__", "installed")
        except ImportError:
            out[mod] = None
    out["word2vec_c"] = WORD2VEC_BIN if os.path.exists(WORD2VEC_BIN) else None
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


# ----------------------------------------------------------------------- evaluation

def evaluate(keys, vectors) -> dict:
    from ngramvec.vectors import evaluate as ev
    from ngramvec.vectors.keyedvectors import KeyedVectors
    keep = [i for i, k in enumerate(keys) if k and not any(c.isspace() for c in k)]
    wv = KeyedVectors(vectors[keep], [keys[i] for i in keep])
    a = ev.analogy(wv, "google")
    m = ev.analogy(wv, "google", method="3cosmul")
    out = {"analogy": a.accuracy, "analogy_coverage": a.coverage, "analogy_mul": m.accuracy}
    for name in ("ws353", "simlex999", "simverb3500"):
        s = ev.similarity(wv, name)
        out[name] = s.spearman
        out[name + "_coverage"] = s.coverage
    return out


# ----------------------------------------------------------------------- one run each

def run_ngramvec(cfg: dict) -> dict:
    import ngramvec as nv
    from ngramvec.models.sgns import SGNS
    from ngramvec.data.ngrams import parse_contexts
    contexts = cfg.get("contexts", "word")
    enc = nv.Corpus(cfg["tokens"], tokenizer="whitespace", lowercase=False).encoded()
    orders = (1,) if contexts == "word" else \
        tuple(sorted(set().union(*parse_contexts(contexts))))
    t0 = time.perf_counter()
    vocab = nv.Vocabulary.build(enc, min_count=cfg["min_count"], ngram_orders=orders,
                                n_threads=cfg["threads"])
    vocab_secs = time.perf_counter() - t0
    model = SGNS(dim=cfg["dim"], window=cfg["window"], negative=cfg["negative"],
                 sample=cfg["sample"], epochs=cfg["epochs"], lr=cfg["lr"],
                 min_lr=cfg["min_lr"], n_threads=cfg["threads"], seed=cfg["seed"],
                 contexts=contexts, batch=cfg.get("mode", "pair") == "batch",
                 **({"gaps": cfg["gaps"]} if cfg.get("gaps") else {}))
    t0, c0 = time.perf_counter(), time.process_time()
    model.fit(enc, vocab=vocab)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    kv = nv.KeyedVectors.from_model(model)
    if contexts != "word":
        # the word vectors only: with ngram inputs (bi_bi, ...) the input rows include
        # the ngrams', which the word benchmarks do not cover
        words = set(k for k, o in zip(vocab.index_to_key, vocab.orders.tolist()) if o == 1)
        rows = [i for i, k in enumerate(kv.index_to_key) if k in words]
        kv = nv.KeyedVectors(kv.vectors[rows], [kv.index_to_key[i] for i in rows])
    h = model.history_[-1]
    dim, neg = cfg["dim"], cfg["negative"]
    # arithmetic: per pair, 1 + negative dot products and as many updates of both rows
    # (2 flops per element each): 6 * dim * (1 + negative) flops. Row traffic: every
    # row an update step touches is read and written once (4 bytes per float); pair by
    # pair a step is one pair (its 1 + negative output rows; the centre's input row
    # stays in L1 over its pairs), batched one batch (its inputs and 1 + negative rows).
    flops = 6.0 * dim * (1 + neg) * h["pairs"]
    rows = h["batches"] * (1 + neg) + h["pairs"] if h["batches"] else h["pairs"] * (1 + neg)
    n_tok = cfg["n_tokens"]
    return {"seconds": secs, "cpu_seconds": cpu, "n_vocab": len(vocab), "keys": kv.index_to_key,
            "vectors": kv.vectors, "vocab_seconds": vocab_secs,
            "pairs_per_epoch": h["pairs"], "batches_per_epoch": h["batches"],
            "gflops": flops * cfg["epochs"] / secs / 1e9,
            "gflops_per_cpu_sec": flops * cfg["epochs"] / cpu / 1e9,
            "row_bytes_per_word": rows * 2 * 4 * dim / n_tok,
            "flops_per_word": flops / n_tok}


def run_gensim(cfg: dict, corpus_file: bool) -> dict:
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence
    model = Word2Vec(vector_size=cfg["dim"], window=cfg["window"], negative=cfg["negative"],
                     sample=cfg["sample"], min_count=cfg["min_count"], alpha=cfg["lr"],
                     min_alpha=cfg["min_lr"], sg=1, hs=0, workers=cfg["threads"],
                     seed=cfg["seed"] + 1)
    if corpus_file:
        model.build_vocab(corpus_file=cfg["tokens"])
        t0, c0 = time.perf_counter(), time.process_time()
        model.train(corpus_file=cfg["tokens"], total_words=model.corpus_total_words,
                    total_examples=model.corpus_count, epochs=cfg["epochs"])
    else:
        sents = LineSentence(cfg["tokens"])
        model.build_vocab(sents)
        t0, c0 = time.perf_counter(), time.process_time()
        model.train(sents, total_examples=model.corpus_count, epochs=cfg["epochs"])
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"seconds": secs, "cpu_seconds": cpu, "n_vocab": len(model.wv), "keys": list(model.wv.index_to_key),
            "vectors": model.wv.vectors}


def run_fasttext(cfg: dict) -> dict:
    import fasttext
    t0, c0 = time.perf_counter(), time.process_time()
    model = fasttext.train_unsupervised(
        cfg["tokens"], model="skipgram", dim=cfg["dim"], ws=cfg["window"],
        epoch=cfg["epochs"], minCount=cfg["min_count"], neg=cfg["negative"], loss="ns",
        t=cfg["sample"], lr=cfg["lr"], minn=0, maxn=0, wordNgrams=1,
        thread=cfg["threads"], verbose=0)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    import numpy as np
    words = model.words
    vecs = np.stack([model.get_word_vector(w) for w in words])
    return {"seconds": secs, "cpu_seconds": cpu, "n_vocab": len(words), "keys": list(words), "vectors": vecs,
            "note": "time includes fastText's vocabulary pass"}


def run_word2vec(cfg: dict) -> dict:
    from ngramvec.vectors.keyedvectors import KeyedVectors
    out = os.path.join(cfg["tmp"], f"w2v-{os.getpid()}.bin")
    cmd = [WORD2VEC_BIN, "-train", cfg["tokens"], "-read-vocab", cfg["w2v_vocab"],
           "-output", out, "-cbow", "0", "-hs", "0", "-negative", str(cfg["negative"]),
           "-size", str(cfg["dim"]), "-window", str(cfg["window"]),
           "-sample", str(cfg["sample"]), "-iter", str(cfg["epochs"]),
           "-min-count", str(cfg["min_count"]), "-alpha", str(cfg["lr"]),
           "-threads", str(cfg["threads"]), "-binary", "1"]
    ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    secs = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)
    rss = ru1.ru_maxrss / 1024.0
    kv = KeyedVectors.load_word2vec_format(out, binary=True)
    os.unlink(out)
    return {"seconds": secs, "cpu_seconds": cpu, "n_vocab": len(kv), "keys": kv.index_to_key,
            "vectors": kv.vectors, "child_rss_mb": rss}


def worker(cfg: dict) -> dict:
    tool = cfg["tool"]
    if tool == "ngramvec":
        r = run_ngramvec(cfg)
    elif tool in ("gensim", "gensim_file"):
        r = run_gensim(cfg, corpus_file=tool == "gensim_file")
    elif tool == "fasttext":
        r = run_fasttext(cfg)
    else:
        r = run_word2vec(cfg)
    words = cfg["n_tokens"] * cfg["epochs"]
    res = {"tool": cfg.get("label", tool), "threads": cfg["threads"], "seed": cfg["seed"],
           "seconds": r["seconds"], "words_per_sec": words / r["seconds"],
           "cpu_seconds": r["cpu_seconds"], "words_per_cpu_sec": words / r["cpu_seconds"],
           "peak_rss_mb": r.get("child_rss_mb", peak_rss_mb()), "n_vocab": r["n_vocab"]}
    for k in ("note", "vocab_seconds", "pairs_per_epoch", "batches_per_epoch", "gflops",
              "gflops_per_cpu_sec", "row_bytes_per_word", "flops_per_word"):
        if k in r:
            res[k] = r[k]
    if cfg["eval"]:
        res.update(evaluate(r["keys"], r["vectors"]))
    return res


# ----------------------------------------------------------------------- driver

def available(tool: str) -> bool:
    if tool in ("gensim", "gensim_file"):
        mod = "gensim"
    elif tool == "fasttext":
        mod = "fasttext"
    elif tool == "word2vec":
        return os.path.exists(WORD2VEC_BIN)
    else:
        return True
    try:
        __import__(mod)
        return True
    except ImportError:
        return False


def prepare(corpus: str, tmp: str, min_count: int) -> tuple[str, str, int]:
    """Tokenize once with ngramvec; write the tokens and a word2vec vocabulary file."""
    import ngramvec as nv
    enc = nv.Corpus(corpus).encoded()
    keys = enc.lexicon_keys
    tokens = os.path.join(tmp, "tokens.txt")
    start = 0
    with open(tokens, "w", encoding="utf-8") as f:
        buf = []
        for end in enc.ends:
            end = int(end)
            if end > start:
                buf.append(" ".join([keys[i] for i in enc.ids[start:end].tolist()]))
            start = end
            if len(buf) >= 10000:
                f.write("\n".join(buf) + "\n")
                buf = []
        if buf:
            f.write("\n".join(buf) + "\n")
    vocab = nv.Vocabulary.build(enc, min_count=min_count)
    w2v_vocab = os.path.join(tmp, "w2v.vocab")
    with open(w2v_vocab, "w", encoding="utf-8") as f:
        f.write(f"</s> {enc.n_sentences}\n")   # word2vec's sentence-end entry, id 0
        for k, c in zip(vocab.index_to_key, vocab.counts.tolist()):
            f.write(f"{k} {c}\n")
    return tokens, w2v_vocab, enc.n_tokens


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", default=DEFAULT_CORPUS, help="text corpus (default: demo)")
    p.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--repeats", type=int, default=1, help="seeds per tool and thread count")
    p.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    p.add_argument("--quality-tools", nargs="+", default=None, choices=TOOLS,
                   help="tools repeated over all seeds (default: all); the others run seed 0")
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--sample", type=float, default=1e-3)
    p.add_argument("--min-count", type=int, default=5)
    p.add_argument("--lr", type=float, default=0.025)
    p.add_argument("--min-lr", type=float, default=1e-4)
    p.add_argument("--contexts", nargs="+", default=["word"],
                   help="ngramvec contexts to run: 'word' and/or ngram2vec's 'uni_bi', "
                        "'bi_bi', ... (default: word)")
    p.add_argument("--gaps", nargs="+", default=[None], choices=("keep", "drop"),
                   help="ngram contexts: SGNS(gaps=...) values to run (default: the "
                        "library's default, untagged); tagged in the label")
    p.add_argument("--modes", nargs="+", default=["pair"], choices=("pair", "batch"),
                   help="ngramvec update modes to run (default: pair)")
    p.add_argument("--skip", nargs="+", default=[], metavar="LABEL",
                   help="run labels to leave out, e.g. 'ngramvec[uni_bi]'")
    p.add_argument("--no-eval", action="store_true", help="skip the quality evaluation")
    p.add_argument("--json", default=None, help="write results as JSON here")
    p.add_argument("--_worker", default=None, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args._worker:
        print("RESULT " + json.dumps(worker(json.loads(args._worker))), flush=True)
        return 0

    tmp = tempfile.mkdtemp(prefix="bench-sgns-")
    try:
        t0 = time.perf_counter()
        tokens, w2v_vocab, n_tokens = prepare(args.corpus, tmp, args.min_count)
        print(f"corpus {args.corpus}: {n_tokens:,} tokens (tokenized in "
              f"{time.perf_counter() - t0:.1f}s)", flush=True)
        results = []
        hdr = (f"{'tool':16s} {'thr':>3s} {'seed':>4s} {'words/s':>10s} {'wall s':>7s} "
               f"{'w/cpu-s':>10s} {'RSS MB':>7s} {'vocab':>7s} {'analogy':>7s} {'cov':>5s} {'ws353':>6s} "
               f"{'simlex':>6s} {'simverb':>7s}")
        print(hdr, flush=True)
        for threads in args.threads:
            for seed in range(args.repeats):
                runs = [(tool, ctx, mode, gaps) for tool in args.tools
                        for ctx in (args.contexts if tool == "ngramvec" else ["word"])
                        for mode in (args.modes if tool == "ngramvec" else ["pair"])
                        for gaps in (args.gaps if ctx != "word" else [None])]
                for tool, ctx, mode, gaps in runs:
                    if not available(tool):
                        continue
                    if seed > 0 and args.quality_tools is not None \
                            and tool not in args.quality_tools:
                        continue
                    tags = ([] if ctx == "word" else [ctx]) + \
                        ([] if mode == "pair" else [mode]) + ([gaps] if gaps else [])
                    label = f"{tool}[{','.join(tags)}]" if tags else tool
                    if label in args.skip:
                        continue
                    cfg = {"tool": tool, "label": label, "contexts": ctx, "mode": mode,
                           "gaps": gaps,
                           "threads": threads, "seed": seed, "tokens": tokens,
                           "w2v_vocab": w2v_vocab, "n_tokens": n_tokens, "tmp": tmp,
                           "epochs": args.epochs, "dim": args.dim, "window": args.window,
                           "negative": args.negative, "sample": args.sample,
                           "min_count": args.min_count, "lr": args.lr,
                           "min_lr": args.min_lr, "eval": not args.no_eval}
                    proc = subprocess.run([sys.executable, os.path.abspath(__file__),
                                           "--_worker", json.dumps(cfg)],
                                          capture_output=True, text=True)
                    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT ")]
                    if proc.returncode != 0 or not line:
                        print(f"{label}: failed\n{proc.stderr[-2000:]}", flush=True)
                        continue
                    r = json.loads(line[0][7:])
                    results.append(r)
                    print(f"{label:16s} {threads:3d} {seed:4d} {r['words_per_sec']:10,.0f} "
                          f"{r['seconds']:7.1f} {r['words_per_cpu_sec']:10,.0f} {r['peak_rss_mb']:7.0f} {r['n_vocab']:7d} "
                          f"{r.get('analogy', float('nan')):7.4f} "
                          f"{r.get('analogy_coverage', float('nan')):5.3f} "
                          f"{r.get('ws353', float('nan')):6.3f} "
                          f"{r.get('simlex999', float('nan')):6.3f} "
                          f"{r.get('simverb3500', float('nan')):7.3f}"
                          + ("  *" if "note" in r else ""), flush=True)
        summary = summarize(results)
        print("\nover seeds: speed and memory are medians, quality means (ratio = median "
              "words/s / gensim's median words/s, same thread count; w/cpu-s = words per "
              "CPU second of all threads, less sensitive to a busy machine):")
        for row in summary:
            print("  " + "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                   for k, v in row.items()))
        print("* fastText time includes its vocabulary pass")
        if args.json:
            doc = {"corpus": os.path.abspath(args.corpus), "n_tokens": n_tokens,
                   "settings": {k: getattr(args, k) for k in (
                       "epochs", "dim", "window", "negative", "sample", "min_count",
                       "lr", "min_lr")},
                   "cpu": cpu_model(), "cores": os.cpu_count(), "versions": versions(),
                   "results": results, "summary": summary}
            with open(args.json, "w") as f:
                json.dump(doc, f, indent=1)
            print(f"wrote {args.json}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


def summarize(results: list[dict]) -> list[dict]:
    import numpy as np
    rows = []
    groups: dict = {}
    for r in results:
        groups.setdefault((r["tool"], r["threads"]), []).append(r)
    gensim_wps = {t: np.median([r["words_per_sec"] for r in rs])
                  for (tool, t), rs in groups.items() if tool == "gensim"}
    for (tool, t), rs in groups.items():
        row = {"tool": tool, "threads": t, "n": len(rs)}
        for k in ("words_per_sec", "words_per_cpu_sec", "seconds", "peak_rss_mb", "analogy",
                  "analogy_mul", "ws353", "simlex999", "simverb3500", "gflops", "gflops_per_cpu_sec",
                  "row_bytes_per_word"):
            vals = [r[k] for r in rs if k in r]
            if vals:
                speed = k not in ("analogy", "analogy_mul", "ws353", "simlex999", "simverb3500")
                row[k] = float(np.median(vals) if speed else np.mean(vals))
                if len(vals) > 1 and k in ("analogy", "analogy_mul", "ws353", "simlex999",
                                           "simverb3500",
                                           "words_per_sec"):
                    row[k + "_spread"] = float(np.max(vals) - np.min(vals))
        if t in gensim_wps:
            row["ratio_vs_gensim"] = row["words_per_sec"] / gensim_wps[t]
            same = [r["words_per_sec"] / g["words_per_sec"] for r in rs for g in
                    groups[("gensim", t)] if g["seed"] == r["seed"]]
            if same:   # per-seed ratios: the two runs of a seed are back to back
                row["ratio_per_seed_min"] = float(np.min(same))
                row["ratio_per_seed_median"] = float(np.median(same))
        rows.append(row)
    # ngram contexts against ngramvec's own word contexts in the same mode
    by = {(r["tool"], r["threads"]): r for r in rows}
    for r in rows:
        tool = r["tool"]
        if tool.startswith("ngramvec[") and not tool.startswith("ngramvec[batch"):
            tags = tool[len("ngramvec["):-1].split(",")
            base = "ngramvec" + ("[batch]" if "batch" in tags else "")
            if (base, r["threads"]) in by:
                r["ratio_vs_word_contexts"] = r["words_per_sec"] / \
                    by[(base, r["threads"])]["words_per_sec"]
    return rows


if __name__ == "__main__":
    sys.exit(main())
