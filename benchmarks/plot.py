"""Charts of the benchmark results: speed, quality and memory of ngramvec against each peer.

Reads the JSON files the benchmark scripts wrote into ``benchmarks/results/`` and draws

- ``speed.png``: how many times faster ngramvec is than each peer, per benchmark and
  thread count (log scale; below 1 means the peer is faster), with both figures;
- ``quality.png``: word similarity (Spearman) and analogy accuracy of ngramvec and each
  peer trained on the same corpus with the same settings (range over seeds where
  several were run);
- ``memory.png``: peak resident memory of ngramvec and each peer in the same runs.

Which file each part comes from is decided by the data, not by this script: for each
part (``SOURCES``: a name and the file-name patterns of the benchmark that writes it),
the newest file the part's reader can read is used, "newest" being the ``date`` the
benchmark wrote into the JSON, else the time of the last commit of the file, else (a
file not committed, or changed since) its modification time. Files of the same time
(written by one commit, say the 1-thread and 2-thread runs of one benchmark) are all
used. So a rerun that writes a new results file, or overwrites the old one, is drawn
by running this script again. Each file used is printed, and ``--list`` prints the
choice without drawing; ``--source NAME=FILE`` imposes a file::

    python benchmarks/plot.py
    python benchmarks/plot.py --list
    python benchmarks/plot.py --source sgns_speed=benchmarks/results/sgns_10M_quiet.json

Needs matplotlib (``pip install 'ngramvec[plot]'``); draws with Agg (no display needed).
"""
from __future__ import annotations

import argparse
import datetime
import glob
import json
import os
import subprocess
import sys
from typing import Any, Callable

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
RESULTS = os.path.join(HERE, "results")
FIGURES = os.path.join(HERE, "figures")

#: name -> file-name patterns (in --results) of the benchmark that writes that part of the
#: charts; the newest file its readers accept is used (see the module docstring).
SOURCES = {
    "sgns_speed": ("sgns_*.json",),
    "sgns_quality": ("sgns_*.json",),
    "glove_speed": ("glove_speed_*.json",),
    "glove_quality": ("glove_quality_*.json", "glove_speed_*.json"),
    "count": ("count*.json",),
    "ngram": ("ngram*.json",),
    "phrases": ("phrases*.json",),
    "io": ("io*.json",),
    "distributed": ("distributed*.json",),
    "ppmi_svd_quality": ("quality_ppmi_svd*.json",),
    "postprocess": ("postprocess*.json",),
}

OURS = "#1f77b4"      # ngramvec, in every chart
OUR_SHADES = [OURS, "#9ecae1", "#08306b", "#4292c6"]   # its variants side by side
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


_PEER_NAMES = {"gensim": "gensim", "word2vec": "word2vec C", "fasttext": "fastText"}


def _sgns_variant(tool: str, tools: Any) -> str:
    """``ngramvec[uni_bi,batch]`` -> ``SGNS uni_bi, batch``; plain ``ngramvec`` is the
    pair-by-pair mode in a run that also has batch modes."""
    inside = tool[len("ngramvec"):].strip("[]").replace(",", ", ")
    if not inside and any("batch" in t for t in tools):
        inside = "pair mode"
    return "SGNS" + (f" {inside}" if inside else "")


def speed_sgns(d: dict) -> list[tuple]:
    rows = []
    by = {(r["tool"], r["threads"]): r for r in d["summary"]}
    ours = [t for t in dict.fromkeys(r["tool"] for r in d["summary"]) if t.startswith("ngramvec")]
    for threads in sorted({r["threads"] for r in d["summary"]}):
        for tool in ours:
            for peer, label in _PEER_NAMES.items():
                if (tool, threads) in by and (peer, threads) in by:
                    rows.append((f"{_sgns_variant(tool, ours)} vs {label} ({threads} thr)",
                                 by[(tool, threads)]["words_per_sec"],
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


_PHRASES = (("default", "Phrases fit vs gensim"),
            ("connectors", "Phrases fit vs gensim, connector words"))


def _phrase_cells(d: dict) -> dict:
    """{mode: {setting: cell}}: the 'modes' layout (lists and file), or the older
    'settings' layout (lists only)."""
    return d["modes"] if "modes" in d else {"lists": d["settings"]}


def speed_phrases(d: dict) -> list[tuple]:
    where = {"lists": "same token lists", "file": "from the token file"}
    return [(f"{label}, {where.get(mode, mode)} ({d['threads']} thr)",
             cells[k]["ngramvec"]["fit_s"], cells[k]["gensim"]["fit_s"], "s", False)
            for mode, cells in _phrase_cells(d).items()
            for k, label in _PHRASES if k in cells]


_IO = (("text", "word2vec text"), ("binary", "word2vec binary"),
       ("npz", ".npz vs gensim .kv"), ("npz-mmap", ".npz vs .kv, mmap"))


def speed_io(d: dict) -> list[tuple]:
    n, dim = d["settings"]["n"], d["settings"]["dim"]
    return [(f"load {label} ({_k(n)} x {dim})", d["cases"][k]["ngramvec"]["median_s"],
             d["cases"][k]["gensim"]["median_s"], "s", False)
            for k, label in _IO if k in d["cases"]]


def speed_distributed(d: dict) -> list[tuple]:
    rows = []
    for config, run in d["runs"].items():
        s = run["summary"]
        contexts, _, window = config.partition(":")
        what = f"Dask 2 workers, {contexts} w{window}"
        if "cluster2" in s and "cluster1" in s:
            rows.append((f"{what}, vs 1 worker", s["cluster2"]["wall"], s["cluster1"]["wall"],
                         "s", False))
        if "cluster2" in s and "one" in s:
            rows.append((f"{what}, vs 1 machine 2 thr", s["cluster2"]["wall"], s["one"]["wall"],
                         "s", False))
    return rows


SPEED: dict[str, Callable[[dict], list[tuple]]] = {
    "sgns_speed": speed_sgns, "glove_speed": speed_glove, "count": speed_count,
    "ngram": speed_ngram, "phrases": speed_phrases, "io": speed_io,
    "postprocess": speed_postprocess, "distributed": speed_distributed}


# Each quality reader returns (title, {tool: {metric: (value, low, high)}}).

METRICS = (("analogy", "Google analogy\n(3CosAdd accuracy)"), ("ws353", "WS353\n(Spearman)"),
           ("simlex999", "SimLex-999\n(Spearman)"))


def quality_sgns(d: dict) -> tuple[str, dict]:
    out: dict[str, dict] = {}
    seeds = set()
    tools = list(dict.fromkeys(r["tool"] for r in d["results"]))
    for tool in tools:
        runs = [r for r in d["results"] if r["tool"] == tool and "analogy" in r]
        if not runs or not all(m in runs[0] for m, _ in METRICS):
            continue
        label = (_sgns_variant(tool, tools).replace("SGNS", "ngramvec", 1)
                 if tool.startswith("ngramvec")
                 else _PEER_NAMES.get(tool, tool))
        out[label] = {m: (sum(r[m] for r in runs) / len(runs), min(r[m] for r in runs),
                          max(r[m] for r in runs)) for m, _ in METRICS}
        seeds.add(len(runs))
    if len(out) < 2 or not any(t.startswith("ngramvec") for t in out):
        raise ValueError("no ngramvec and peer evaluated in the same run")
    n = "/".join(str(k) for k in sorted(seeds))
    return f"SGNS, {_k(d['n_tokens'])} tokens (mean and range of {n} seeds)", out


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
    tools = list(dict.fromkeys(r["tool"] for r in d["summary"]))
    rows = [(_sgns_variant(t, tools).replace("SGNS", "ngramvec", 1) if t.startswith("ngramvec")
             else _PEER_NAMES.get(t, t), by[(t, 2)]["peak_rss_mb"]) for t in tools if (t, 2) in by]
    if len(rows) < 2:
        raise ValueError("no 2-thread runs of ngramvec and a peer")
    return "SGNS training (2 threads)", rows


def memory_ngram(d: dict) -> tuple[str, list]:
    n = d["ngram2vec"]
    return "uni_bi ngram counting", [("ngramvec (2 threads)", n["ngramvec"]["peak_mb"]),
                                     ("ngram2vec", n["ngram2vec"]["peak_mb"])]


def memory_phrases(d: dict) -> tuple[str, list]:
    cells = _phrase_cells(d)
    bars = [(f"ngramvec, {mode}", c["default"]["ngramvec"]["peak_mb"])
            for mode, c in cells.items() if "default" in c]
    bars += [(f"gensim, {mode}", c["default"]["gensim"]["peak_mb"])
             for mode, c in cells.items() if "default" in c]
    return f"Phrases fit, default settings ({d['threads']} threads)", bars


_IO_FILES = {"text": ("text", "text"), "binary": ("binary", "binary"),
             "npz": (".npz", ".kv"), "npz-mmap": (".npz mmap", ".kv mmap")}


def memory_io(d: dict) -> tuple[str, list]:
    rows = []
    for k, files in _IO_FILES.items():
        if k in d["cases"]:
            for lib, what in zip(("ngramvec", "gensim"), files):
                c = d["cases"][k][lib]
                rows.append((f"{lib}, {what}", c.get("peak_rss_load_mb", c.get("peak_rss_mb"))))
    n, dim = d["settings"]["n"], d["settings"]["dim"]
    return f"loading {_k(n)} x {dim} vectors (the process right after the load)", rows


MEMORY = {"sgns_speed": memory_sgns, "glove_speed": memory_glove, "count": memory_count,
          "ngram": memory_ngram, "phrases": memory_phrases, "io": memory_io}


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
                 "(10M-token corpus; Dask: 50M; post-processing: 1M x 300 vectors; "
                 "2-core machine)", fontsize=10)
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
            if tool.startswith("ngramvec"):   # shades of blue for ngramvec's variants
                colour = OUR_SHADES[sum(x.startswith("ngramvec") for x in list(tools)[:t])
                                    % len(OUR_SHADES)]
            else:
                colour = PEERS[sum(not x.startswith("ngramvec") for x in list(tools)[:t])
                               % len(PEERS)]
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

    def tool(name: str) -> str:   # "gensim, text" and "gensim" are one peer
        return name.split(",")[0].split(" (")[0]

    for _, rows in panels:
        for name, _ in rows:
            if not name.startswith("ngramvec") and tool(name) not in peers:
                peers[tool(name)] = PEERS[len(peers) % len(PEERS)]
    for ax, (title, rows) in zip(axes[:, 0], panels):
        rows = rows[::-1]
        colours = [OURS if name.startswith("ngramvec") else peers[tool(name)]
                   for name, _ in rows]
        ax.barh(range(len(rows)), [mb for _, mb in rows], color=colours, height=0.6)
        ax.set_yticks(range(len(rows)), [name for name, _ in rows], fontsize=8.5)
        for i, (_, mb) in enumerate(rows):
            ax.text(mb + biggest * 0.01, i, f"{mb:,.0f} MiB", va="center", fontsize=8)
        ax.set_title(title, fontsize=9, loc="left")
        ax.set_xlim(0, biggest * 1.15)
        ax.grid(axis="x", alpha=0.3)
    axes[-1, 0].set_xlabel("peak resident memory (MiB); corpus: 10M tokens unless said")
    fig.suptitle("Memory: peak resident set of ngramvec and each peer in the same runs",
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=130)
    plt.close(fig)


# --------------------------------------------------------------------------- main


def _when(path: str) -> float:
    """When the results of ``path`` were made: the ``date`` in the file, else the time of
    the last commit of the file if it is unchanged since, else its modification time."""
    try:
        date = _load(path).get("date")
        if isinstance(date, str):
            return datetime.datetime.strptime(date, "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=datetime.timezone.utc).timestamp()
    except (ValueError, OSError, AttributeError):
        pass
    folder, name = os.path.split(os.path.abspath(path))
    try:
        changed = subprocess.run(["git", "status", "--porcelain", "--", name], cwd=folder,
                                 capture_output=True, text=True, check=True).stdout.strip()
        if not changed:
            stamp = subprocess.run(["git", "log", "-1", "--format=%ct", "--", name], cwd=folder,
                                   capture_output=True, text=True, check=True).stdout.strip()
            if stamp:
                return float(stamp)
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    return os.path.getmtime(path)


CHARTS = {"speed": SPEED, "quality": QUALITY, "memory": MEMORY}


def _readable(read: Callable[[dict], Any], data: Any) -> bool:
    """Whether ``read`` reads ``data`` and finds something in it."""
    try:
        return isinstance(data, dict) and bool(read(data))
    except (KeyError, TypeError, ValueError, IndexError, ZeroDivisionError, AttributeError):
        return False


def choose(results: str) -> dict[tuple[str, str], list[str]]:
    """(chart, part name) -> the results files drawn for it: the newest ones its reader
    can read (all of them if several have that time)."""
    loaded: dict[str, Any] = {}
    chosen = {}
    for chart, readers in CHARTS.items():
        for name, read in readers.items():
            files = sorted({f for pat in SOURCES[name]
                            for f in glob.glob(os.path.join(results, pat))})
            readable = []
            for f in files:
                if f not in loaded:
                    try:
                        loaded[f] = _load(f)
                    except (OSError, ValueError):
                        loaded[f] = None
                if _readable(read, loaded[f]):
                    readable.append((_when(f), f))
            if readable:
                newest = max(t for t, _ in readable)
                chosen[(chart, name)] = [f for t, f in readable if t == newest]
    return chosen


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    ap.add_argument("--results", default=RESULTS, help="directory of the results JSON files")
    ap.add_argument("--out", default=FIGURES, help="directory the PNG files are written to")
    ap.add_argument("--source", action="append", default=[], metavar="NAME=FILE",
                    help=f"read NAME from FILE instead (in every chart); names: "
                         f"{', '.join(SOURCES)}")
    ap.add_argument("--list", action="store_true",
                    help="print which file each part of each chart is drawn from, and stop")
    args = ap.parse_args(argv)
    sources = choose(args.results)
    for item in args.source:
        name, _, path = item.partition("=")
        if name not in SOURCES or not path:
            ap.error(f"--source takes NAME=FILE with NAME among {', '.join(SOURCES)}; "
                     f"got {item!r}")
        for chart, readers in CHARTS.items():
            if name in readers:
                sources[(chart, name)] = [path]
    for chart, readers in CHARTS.items():
        for name in readers:
            files = sources.get((chart, name))
            print(f"{chart + '.png':12} {name:17} " + (", ".join(map(os.path.relpath, files))
                                                      if files else "(no readable file)"))
    if args.list:
        return 0
    os.makedirs(args.out, exist_ok=True)
    draw = {"speed": draw_speed, "quality": draw_quality, "memory": draw_memory}
    for chart, readers in CHARTS.items():
        parts = [read(_load(f)) for name, read in readers.items()
                 for f in sources.get((chart, name), [])]
        if parts:
            path = os.path.join(args.out, f"{chart}.png")
            draw[chart](parts, path)
            print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
