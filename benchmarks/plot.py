"""Charts of the benchmark results: speed, quality and memory of ngramvec against each peer.

Reads the JSON files the benchmark scripts wrote into ``benchmarks/results/`` and draws

- ``speed.png``: how many times faster ngramvec is than each peer, per benchmark and
  thread count (log scale; below 1 means the peer is faster), with both figures;
- ``quality.png``: word similarity (Spearman) and analogy accuracy of ngramvec and each
  peer trained on the same corpus with the same settings (range over seeds where
  several were run);
- ``memory.png``: peak resident memory of ngramvec and each peer in the same runs.

The default sources are the runs whose figures ``benchmarks/README.md`` quotes (the
quiet-machine runs of 2026-11-27); ``--source NAME=FILE`` replaces one::

    python benchmarks/plot.py
    python benchmarks/plot.py --source sgns_speed=benchmarks/results/sgns_10M_rerun_layers.json

Needs matplotlib (``pip install 'ngramvec[plot]'``); draws with Agg (no display needed).
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
FIGURES = os.path.join(HERE, "figures")

#: name -> results file (relative to --results) read for that part of the charts.
SOURCES = {
    "count": "count.json",
    "glove_speed": "glove_speed_10M_quiet.json",
    "glove_quality": "glove_quality_10M.json",
    "sgns_speed": "sgns_10M_quiet.json",
    "sgns_quality": "sgns_10M_2threads.json",
    "ngram": "ngram_vs_ngram2vec_10M.json",
    "ppmi_svd_quality": "quality_ppmi_svd.json",
    "postprocess": "postprocess.json",
}

OURS = "#1f77b4"      # ngramvec, in every chart
PEERS = ["#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"]
SLOWER = "#c44e52"


# --------------------------------------------------------------------------- reading


def _load(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def _k(x: float) -> str:
    for scale, suffix in ((1e6, "M"), (1e3, "k")):
        if x >= scale:
            return f"{x / scale:.3g}{suffix}"
    return f"{x:.3g}"


# Each speed reader returns rows (label, ours, peer, unit, higher_is_better).

def speed_count(d: dict) -> list[tuple]:
    runs = {r["name"]: r for r in d["count"]}
    peer = runs["GloVe vocab_count + cooccur (1 thread)"]
    return [(f"vocab + counting vs GloVe C ({t})", runs[f"ngramvec {t}"]["seconds"], peer["seconds"],
             "s", False) for t in ("1 thread", "2 threads")]


def speed_glove(d: dict) -> list[tuple]:
    rows = []
    by = {(r["name"], r["threads"]): r for r in d["speed"]}
    for threads in sorted({r["threads"] for r in d["speed"]}):
        ours = by.get(("ngramvec", threads))
        for peer, label in (("stanford", "Stanford GloVe"), ("glove-python", "glove-python")):
            if ours and (peer, threads) in by:
                rows.append((f"GloVe epoch vs {label} ({threads} thr)",
                             ours["seconds_per_epoch"], by[(peer, threads)]["seconds_per_epoch"],
                             "s/epoch", False))
    return rows


def speed_sgns(d: dict) -> list[tuple]:
    rows = []
    by = {(r["tool"], r["threads"]): r for r in d["summary"]}
    names = {"gensim": "gensim", "word2vec": "word2vec C", "fasttext": "fastText"}
    for threads in sorted({r["threads"] for r in d["summary"]}):
        ours = by.get(("ngramvec", threads))
        for peer, label in names.items():
            if ours and (peer, threads) in by:
                rows.append((f"SGNS vs {label} ({threads} thr)", ours["words_per_sec"],
                             by[(peer, threads)]["words_per_sec"], "words/s", True))
    return rows


def speed_ngram(d: dict) -> list[tuple]:
    n = d["ngram2vec"]
    return [("uni_bi counting vs ngram2vec (2 thr, whole run)", n["ngramvec"]["wall"],
             n["ngram2vec"]["wall"], "s", False)]


def speed_postprocess(d: dict) -> list[tuple]:
    t = d["timings_s"]
    return [("Whitening vs sklearn PCA(whiten)", t["whitening_fit_transform"],
             t["sklearn_pca_whiten_fit_transform"], "s", False),
            ("AllButTheTop vs PCA-based", t["abtt_fit_transform"],
             t["sklearn_pca_abtt_fit_transform"], "s", False),
            ("SIF vs per-sentence loop", t["sif_fit"] + t["sif_transform"],
             t["sif_reference_loop_scaled"], "s", False)]


SPEED: dict[str, Callable[[dict], list[tuple]]] = {
    "sgns_speed": speed_sgns, "glove_speed": speed_glove, "count": speed_count,
    "ngram": speed_ngram, "postprocess": speed_postprocess}


# Each quality reader returns (title, {tool: {metric: (value, low, high)}}).

METRICS = (("analogy", "Google analogy\n(3CosAdd accuracy)"), ("ws353", "WS353\n(Spearman)"),
           ("simlex999", "SimLex-999\n(Spearman)"))


def quality_sgns(d: dict) -> tuple[str, dict]:
    names = {"ngramvec": "ngramvec", "gensim": "gensim", "fasttext": "fastText",
             "word2vec": "word2vec C"}
    out: dict[str, dict] = {}
    for tool, label in names.items():
        runs = [r for r in d["results"] if r["tool"] == tool and "analogy" in r]
        if not runs:
            continue
        out[label] = {}
        for m, _ in METRICS:
            vals = [r[m] for r in runs]
            out[label][m] = (sum(vals) / len(vals), min(vals), max(vals))
    seeds = max(len([r for r in d["results"] if r["tool"] == "ngramvec"]), 1)
    return (f"SGNS, 10M tokens (ngramvec, gensim: mean and range of {seeds} seeds; "
            "others: seed 0)"), out


def quality_glove(d: dict) -> tuple[str, dict]:
    q = d["quality"]
    out = {}
    for key, label in (("ngramvec", "ngramvec"), ("stanford", "Stanford GloVe")):
        r = q[key]
        out[label] = {"analogy": (r["google"],) * 3, "ws353": (r["ws353"],) * 3,
                      "simlex999": (r["simlex999"],) * 3}
    return f"GloVe, 10M tokens, {q['epochs']} epochs", out


def quality_ppmi_svd(d: dict) -> tuple[str, dict]:
    out = {}
    for key, label in (("ngramvec", "ngramvec"), ("reference", "NumPy/SciPy reference")):
        r = d[key]
        out[label] = {"analogy": (r["google_3cosadd"]["accuracy"],) * 3,
                      "ws353": (r["ws353"]["spearman"],) * 3,
                      "simlex999": (r["simlex999"]["spearman"],) * 3}
    return "PPMI-SVD, 10M tokens, dim 300", out


QUALITY = {"sgns_quality": quality_sgns, "glove_quality": quality_glove,
           "ppmi_svd_quality": quality_ppmi_svd}


# Each memory reader returns (title, [(tool, peak MB)]).

def memory_count(d: dict) -> tuple[str, list]:
    runs = {r["name"]: r for r in d["count"]}
    return "vocabulary + counting", [
        ("ngramvec (2 threads)", runs["ngramvec 2 threads"]["peak_mb"]),
        ("GloVe C vocab_count + cooccur", runs["GloVe vocab_count + cooccur (1 thread)"]["peak_mb"])]


def memory_glove(d: dict) -> tuple[str, list]:
    by = {(r["name"], r["threads"]): r for r in d["speed"]}
    names = (("ngramvec", "ngramvec"), ("stanford", "Stanford GloVe"),
             ("glove-python", "glove-python"))
    return "GloVe training (2 threads)", [(label, by[(k, 2)]["rss_mib"])
                                         for k, label in names if (k, 2) in by]


def memory_sgns(d: dict) -> tuple[str, list]:
    by = {(r["tool"], r["threads"]): r for r in d["summary"]}
    names = (("ngramvec", "ngramvec"), ("gensim", "gensim"), ("word2vec", "word2vec C"),
             ("fasttext", "fastText"))
    return "SGNS training (2 threads)", [(label, by[(k, 2)]["peak_rss_mb"])
                                        for k, label in names if (k, 2) in by]


def memory_ngram(d: dict) -> tuple[str, list]:
    n = d["ngram2vec"]
    return "uni_bi ngram counting", [("ngramvec (2 threads)", n["ngramvec"]["peak_mb"]),
                                     ("ngram2vec", n["ngram2vec"]["peak_mb"])]


MEMORY = {"sgns_speed": memory_sgns, "glove_speed": memory_glove, "count": memory_count,
          "ngram": memory_ngram}


# --------------------------------------------------------------------------- drawing


def draw_speed(groups: list[list[tuple]], path: str) -> None:
    """Horizontal bars of the speed-up of ngramvec over each peer, log scale, from 1x
    (to the right: ngramvec is faster; to the left, in red: the peer is)."""
    rows = [row for group in groups for row in group][::-1]   # first row on top
    ratios = [(o / p) if hib else (p / o) for _, o, p, _, hib in rows]
    fig, ax = plt.subplots(figsize=(10.5, 0.4 * len(rows) + 1.5))
    colours = [OURS if r >= 1 else SLOWER for r in ratios]
    ax.barh(range(len(rows)), [r - 1 for r in ratios], left=1.0, color=colours, height=0.65)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=9)
    ax.set_xlim(min(min(ratios) * 0.6, 0.4), max(ratios) * 3.5)
    ticks = [t for t in (0.5, 1, 2, 5, 10, 20, 50, 100, 200) if ax.get_xlim()[0] <= t
             <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{t:g}x" for t in ticks])
    ax.minorticks_off()
    for i, ((_, o, p, unit, hib), r) in enumerate(zip(rows, ratios)):
        figures = (f"{_k(o)} vs {_k(p)} {unit}" if hib else
                   f"{o:.3g} vs {p:.3g} {unit}")
        ax.text(max(r, 1.0) * 1.06, i, f"{r:.2f}x  ({figures})", va="center", fontsize=8)
    done = 0
    for group in groups[:-1]:   # a line between benchmarks
        done += len(group)
        ax.axhline(len(rows) - done - 0.5, color="0.6", linewidth=0.6, linestyle="--")
    ax.set_xlabel("times faster than the peer (log scale; red, below 1x: the peer is faster)")
    ax.set_title("Speed: ngramvec against each peer in the same run, same input and settings\n"
                 "(10M-token corpus; post-processing: 1M x 300 vectors; 2-core machine)",
                 fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def draw_quality(panels: list[tuple[str, dict]], path: str) -> None:
    """One panel per benchmark: grouped bars per metric, one bar per tool."""
    fig, axes = plt.subplots(1, len(panels), figsize=(5.2 * len(panels), 4.6), squeeze=False)
    for ax, (title, tools) in zip(axes[0], panels):
        n = len(tools)
        width = 0.8 / n
        for t, (tool, scores) in enumerate(tools.items()):
            xs = [i + (t - (n - 1) / 2) * width for i in range(len(METRICS))]
            vals = [scores[m][0] for m, _ in METRICS]
            lo = [scores[m][0] - scores[m][1] for m, _ in METRICS]
            hi = [scores[m][2] - scores[m][0] for m, _ in METRICS]
            colour = OURS if tool == "ngramvec" else PEERS[(t - 1) % len(PEERS)]
            has_range = any(a > 0 or b > 0 for a, b in zip(lo, hi))
            ax.bar(xs, vals, width=width * 0.92, color=colour, label=tool,
                   yerr=[lo, hi] if has_range else None, capsize=3 if has_range else 0,
                   error_kw={"linewidth": 0.8})
            for x, v, h in zip(xs, vals, hi):
                ax.text(x, v + h + 0.008, f"{v:.3f}", ha="center", va="bottom", fontsize=6.5,
                        rotation=90)
        ax.set_xticks(range(len(METRICS)), [label for _, label in METRICS], fontsize=8)
        ax.set_ylim(0, 0.68)
        ax.set_title(title, fontsize=9)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(fontsize=7.5, loc="upper left", ncol=2)
    axes[0][0].set_ylabel("score (accuracy or Spearman)")
    fig.suptitle("Quality: ngramvec against each peer on the same counts or corpus "
                 "(higher is better)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


def draw_memory(panels: list[tuple[str, list]], path: str) -> None:
    """One panel per benchmark: horizontal bars of peak resident memory."""
    sizes = [len(rows) for _, rows in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.2 + 0.42 * sum(n + 1 for n in sizes)),
                             squeeze=False, sharex=True,
                             gridspec_kw={"height_ratios": sizes})
    biggest = max(mb for _, rows in panels for _, mb in rows)
    peers: dict[str, str] = {}   # one colour per peer, in order of appearance
    for _, rows in panels:
        for name, _ in rows:
            if not name.startswith("ngramvec") and name not in peers:
                peers[name] = PEERS[len(peers) % len(PEERS)]
    for ax, (title, rows) in zip(axes[:, 0], panels):
        rows = rows[::-1]
        colours = [OURS if name.startswith("ngramvec") else peers[name] for name, _ in rows]
        ax.barh(range(len(rows)), [mb for _, mb in rows], color=colours, height=0.6)
        ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8.5)
        for i, (_, mb) in enumerate(rows):
            ax.text(mb + biggest * 0.01, i, f"{mb:,.0f} MiB", va="center", fontsize=8)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlim(0, biggest * 1.15)
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel("peak resident memory (MiB), 10M-token corpus")
    fig.suptitle("Memory: peak resident set of ngramvec and each peer in the same runs",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--results", default=RESULTS, help="directory of the results JSON files")
    ap.add_argument("--out", default=FIGURES, help="directory the PNG files are written to")
    ap.add_argument("--source", action="append", default=[], metavar="NAME=FILE",
                    help=f"read NAME from FILE instead; names: {', '.join(SOURCES)}")
    args = ap.parse_args(argv)
    sources = {k: os.path.join(args.results, v) for k, v in SOURCES.items()}
    for item in args.source:
        name, _, path = item.partition("=")
        if name not in SOURCES or not path:
            ap.error(f"--source takes NAME=FILE with NAME among {', '.join(SOURCES)}; "
                     f"got {item!r}")
        sources[name] = path
    data: dict[str, Any] = {}
    for name, path in sources.items():
        if os.path.exists(path):
            data[name] = _load(path)
        else:
            print(f"plot.py: {path} not found; its part of the charts is left out",
                  file=sys.stderr)
    os.makedirs(args.out, exist_ok=True)
    written = []
    speed = [read(data[name]) for name, read in SPEED.items() if name in data]
    if speed:
        written.append(os.path.join(args.out, "speed.png"))
        draw_speed(speed, written[-1])
    quality = [read(data[name]) for name, read in QUALITY.items() if name in data]
    if quality:
        written.append(os.path.join(args.out, "quality.png"))
        draw_quality(quality, written[-1])
    memory = [read(data[name]) for name, read in MEMORY.items() if name in data]
    if memory:
        written.append(os.path.join(args.out, "memory.png"))
        draw_memory(memory, written[-1])
    for path in written:
        print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
