"""Pictures: word maps (KeyedVectors.plot, ``ngramvec plot``), training histories
(``ngramvec plot-training``), rendered with Agg and checked not to be blank."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("matplotlib")
import matplotlib.figure  # noqa: E402
import matplotlib.image  # noqa: E402

from ngramvec.base.exceptions import OutOfVocabularyError, VectorsFormatError  # noqa: E402
from ngramvec.cli import main  # noqa: E402
from ngramvec.vectors import plot  # noqa: E402
from ngramvec.vectors.keyedvectors import KeyedVectors  # noqa: E402

CLUSTERS = ("animal", "city", "colour")


@pytest.fixture
def wv(rng):
    """Three clusters of 8 keys: a key's nearest neighbours are its cluster's keys."""
    keys, rows = [], []
    centres = rng.normal(size=(len(CLUSTERS), 16)) * 4
    for c, name in enumerate(CLUSTERS):
        for i in range(8):
            keys.append(f"{name}{i}")
            rows.append(centres[c] + rng.normal(size=16))
    return KeyedVectors(np.array(rows, dtype=np.float32), keys)


def _pixels(source) -> np.ndarray:
    """RGB pixels of a figure (rendered by Agg) or of a PNG file, as floats in [0, 1]."""
    if isinstance(source, matplotlib.figure.Figure):
        source.canvas.draw()
        return np.asarray(source.canvas.buffer_rgba(), dtype=np.float64)[..., :3] / 255.0
    return np.asarray(matplotlib.image.imread(str(source)), dtype=np.float64)[..., :3]


def assert_not_blank(source, min_colours: int = 4) -> None:
    """The picture varies (pixel variance) and holds several distinct colours."""
    px = _pixels(source)
    assert px.var() > 1e-3, "the image is blank"
    colours = np.unique((px.reshape(-1, 3) * 15).round().astype(int), axis=0)
    assert len(colours) >= min_colours, f"only {len(colours)} colours"


def test_importing_ngramvec_does_not_import_matplotlib():
    code = "import sys, ngramvec, ngramvec.vectors.plot; sys.exit('matplotlib' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


@pytest.mark.parametrize("method", ["pca", "tsne"])
def test_plot_words_draws_words_and_neighbours(wv, method):
    fig = plot.new_figure()
    ax = fig.add_subplot()
    out = wv.plot(["animal0", "city0"], neighbours=3, method=method, ax=ax)
    assert out is ax
    texts = sorted(t.get_text() for t in ax.texts)
    # each word and its 3 nearest neighbours, all from its own cluster
    assert len(texts) == 8
    assert sum(t.startswith("animal") for t in texts) == 4
    assert sum(t.startswith("city") for t in texts) == 4
    # one colour per word, shared by its neighbours
    colours = {tuple(np.round(t.get_color(), 3)) for t in ax.texts if t.get_fontweight() != "bold"}
    assert len(colours) == 2
    assert_not_blank(fig)


def test_plot_words_without_neighbours_and_with_ngrams(rng):
    kv = KeyedVectors(rng.normal(size=(3, 5)).astype(np.float32),
                      ["new\u00a0york", "paris", "rome"])
    fig = plot.new_figure()
    ax = kv.plot([("new", "york"), "paris", "rome"], neighbours=0, ax=fig.add_subplot())
    assert sorted(t.get_text() for t in ax.texts) == ["new york", "paris", "rome"]
    assert_not_blank(fig, min_colours=3)


def test_plot_words_new_pyplot_figure_headless(wv):
    """Without an Axes, a pyplot figure (Agg without a display)."""
    code = ("import numpy as np, os\n"
            "os.environ.pop('DISPLAY', None); os.environ.pop('WAYLAND_DISPLAY', None)\n"
            "os.environ.pop('MPLBACKEND', None)\n"
            "from ngramvec.vectors.keyedvectors import KeyedVectors\n"
            "kv = KeyedVectors(np.eye(3, dtype=np.float32), ['a', 'b', 'c'])\n"
            "ax = kv.plot(['a', 'b'], neighbours=1)\n"
            "import matplotlib\n"
            "assert matplotlib.get_backend().lower() == 'agg', matplotlib.get_backend()\n")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_plot_words_errors(wv):
    ax = plot.new_figure().add_subplot()
    with pytest.raises(OutOfVocabularyError, match="nope"):
        wv.plot(["nope"], ax=ax)
    with pytest.raises(ValueError, match="The 'method' parameter of plot must be a str among"):
        wv.plot(["animal0"], method="umap", ax=ax)
    with pytest.raises(ValueError, match="The 'neighbours' parameter of plot must be an int"):
        wv.plot(["animal0"], neighbours=-1, ax=ax)
    with pytest.raises(ValueError, match="a 2-D map needs at least 2 vectors"):
        wv.plot(["animal0"], neighbours=0, ax=ax)
    with pytest.raises(TypeError, match="The 'words' parameter of plot must be"):
        wv.plot([], ax=ax)


def test_project_2d_pca_keeps_clusters_apart(wv):
    xy = plot.project_2d(wv.vectors, "pca")
    assert xy.shape == (len(wv), 2)
    labels = np.repeat(np.arange(len(CLUSTERS)), 8)
    centres = np.array([xy[labels == c].mean(axis=0) for c in range(len(CLUSTERS))])
    spread = max(np.linalg.norm(xy[labels == c] - centres[c], axis=1).max()
                 for c in range(len(CLUSTERS)))
    gaps = [np.linalg.norm(centres[a] - centres[b]) for a in range(3) for b in range(a + 1, 3)]
    assert min(gaps) > spread
    # one-dimensional vectors still give a 2-D map (a flat one)
    assert plot.project_2d(np.arange(3.0)[:, None] + 1).shape == (3, 2)


@pytest.mark.parametrize("suffix, magic", [(".png", b"\x89PNG"), (".svg", b"<?xml"),
                                           (".pdf", b"%PDF")])
def test_save_figure_format_by_suffix(wv, tmp_path, suffix, magic, caplog):
    fig = plot.new_figure()
    wv.plot(["colour1"], neighbours=4, ax=fig.add_subplot())
    path = tmp_path / f"map{suffix}"
    with caplog.at_level("INFO", logger="ngramvec.saved"):
        assert plot.save_figure(fig, path) == suffix[1:]
    assert path.read_bytes().startswith(magic)
    assert [r.getMessage() for r in caplog.records] == [f"saved a figure ({suffix[1:]}) to {path}"]
    if suffix == ".png":
        assert_not_blank(path)


def test_save_figure_bad_suffix(tmp_path):
    with pytest.raises(ValueError, match=r"map\.jpg: an image file must end in \.png, \.svg, "
                                         r"\.pdf"):
        plot.save_figure(plot.new_figure(), tmp_path / "map.jpg")
    assert not list(tmp_path.iterdir())


def _history(n, loss=True, key="words_per_sec"):
    return [{"epoch": e + 1, "loss": (2.0 / (e + 1)) if loss else None, "seconds": 1.0,
             key: 1000.0 * (e + 1)} for e in range(n)]


def test_plot_history(tmp_path):
    fig = plot.new_figure(10, 4)
    out = plot.plot_history({"a": _history(4), "b": _history(3, key="records_per_sec")}, fig=fig)
    assert out is fig
    loss_ax, speed_ax = fig.axes
    assert [len(line.get_xdata()) for line in loss_ax.lines] == [4, 3]
    assert [len(line.get_xdata()) for line in speed_ax.lines] == [4, 3]
    assert speed_ax.get_ylabel() == "co-occurrence records/s / words/s"
    assert_not_blank(fig)
    # SGNS without compute_loss: a note instead of a loss curve
    fig = plot.new_figure(10, 4)
    plot.plot_history(_history(2, loss=False), fig=fig)
    assert not fig.axes[0].lines and "no loss recorded" in fig.axes[0].texts[0].get_text()
    with pytest.raises(ValueError, match="the training history is empty"):
        plot.plot_history([], fig=plot.new_figure())
    with pytest.raises(TypeError, match="a training history is a list of dicts"):
        plot.plot_history([1, 2], fig=plot.new_figure())


# --------------------------------------------------------------------------- CLI


def test_cli_plot(wv, tmp_path, capsys):
    src = tmp_path / "v.npz"
    wv.save(src)
    for name in ("map.png", "map.svg", "map.pdf"):
        out = tmp_path / name
        assert main(["plot", str(src), "animal0", "city3", "-o", str(out), "--neighbours",
                     "4"]) == 0
        assert out.stat().st_size > 1000
    assert_not_blank(tmp_path / "map.png")
    err = capsys.readouterr().err.splitlines()
    assert err == [f"INFO ngramvec.saved: saved a map of 2 words ({s}) to {tmp_path / n}"
                   for n, s in (("map.png", "png"), ("map.svg", "svg"), ("map.pdf", "pdf"))]
    assert main(["plot", str(src), "animal0", "-o", str(tmp_path / "map.jpg")]) == 2
    assert "an image file must end in .png, .svg, .pdf" in capsys.readouterr().err
    assert main(["plot", str(src), "nope", "-o", str(tmp_path / "x.png")]) == 2
    assert "nope" in capsys.readouterr().err and not (tmp_path / "x.png").exists()


@pytest.mark.needs_extensions
def test_cli_plot_training_sgns_and_glove(tmp_path, capsys):
    from ngramvec.data.corpus import Corpus
    from ngramvec.data.vocab import Vocabulary
    from ngramvec.models.cooccur import count_cooccurrences
    from ngramvec.models.glove import GloVe
    from ngramvec.models.sgns import SGNS
    text = ["the cat sat on the mat", "a dog sat on a log", "the cat saw a dog"] * 30
    corpus = Corpus(text)
    sgns = SGNS(dim=8, epochs=3, min_count=1, compute_loss=True, n_threads=1, seed=0).fit(corpus)
    sgns.save(tmp_path / "sgns.npz")
    counts = count_cooccurrences(corpus, Vocabulary.build(corpus, min_count=1), window=2)
    glove = GloVe(dim=8, epochs=4, n_threads=1, seed=0).fit(counts)
    glove.save(tmp_path / "glove.npz")
    # the history is saved with the model
    assert SGNS.load(tmp_path / "sgns.npz").history_ == sgns.history_
    assert GloVe.load(tmp_path / "glove.npz").history_ == glove.history_
    assert all(h["loss"] is not None for h in sgns.history_)
    out = tmp_path / "training.png"
    assert main(["plot-training", str(tmp_path / "sgns.npz"), str(tmp_path / "glove.npz"),
                 "-o", str(out)]) == 0
    assert_not_blank(out)
    assert capsys.readouterr().err.splitlines() == [
        f"INFO ngramvec.saved: saved the training of 2 models (png) to {out}"]
    counts.save(tmp_path / "counts.npz")
    assert main(["plot-training", str(tmp_path / "counts.npz"), "-o", str(out)]) == 2
    assert ("holds a Cooccurrence; plot-training draws the history of a saved SGNS or GloVe "
            "model") in capsys.readouterr().err
    (tmp_path / "x.npz").write_bytes(b"not a zip")
    assert main(["plot-training", str(tmp_path / "x.npz"), "-o", str(out)]) == 2
    assert "x.npz" in capsys.readouterr().err


def test_saved_class(tmp_path, wv):
    from ngramvec.base.persist import saved_class
    wv.save(tmp_path / "v.npz")
    assert saved_class(tmp_path / "v.npz") == "KeyedVectors"
    np.savez(tmp_path / "old.npz", a=np.zeros(2))
    assert saved_class(tmp_path / "old.npz") is None
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04garbage")
    with pytest.raises(VectorsFormatError, match="bad.npz"):
        saved_class(tmp_path / "bad.npz")
    with pytest.raises(FileNotFoundError, match="no such file"):
        saved_class(tmp_path / "missing.npz")


@pytest.mark.slow
def test_benchmark_charts(tmp_path):
    """benchmarks/plot.py draws the three charts of benchmarks/README.md from the results
    files in the repository."""
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, str(root / "benchmarks" / "plot.py"), "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    for name in ("speed.png", "quality.png", "memory.png"):
        assert_not_blank(tmp_path / name, min_colours=6)
        assert f"figures/{name}" in (root / "benchmarks" / "README.md").read_text("utf-8")
    bad = subprocess.run([sys.executable, str(root / "benchmarks" / "plot.py"), "--out",
                          str(tmp_path), "--source", "nope=x.json"], capture_output=True,
                         text=True, timeout=300)
    assert bad.returncode == 2 and "--source takes NAME=FILE" in bad.stderr


def test_benchmark_charts_take_the_newest_results(tmp_path):
    """benchmarks/plot.py picks, per part of a chart, the newest results file its reader
    can read (the date in the file), so a rerun is drawn without changing the script."""
    import importlib.util
    root = Path(__file__).resolve().parents[1]
    spec = importlib.util.spec_from_file_location("bench_plot", root / "benchmarks" / "plot.py")
    charts = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(charts)

    def sgns(name, date, ours, summary=True):
        rows = [{"tool": "ngramvec", "threads": 2, "words_per_sec": ours, "peak_rss_mb": 100},
                {"tool": "gensim", "threads": 2, "words_per_sec": 100.0, "peak_rss_mb": 90}]
        body = {"summary": rows} if summary else {"other": rows}
        (tmp_path / name).write_text(json.dumps(dict(body, date=date)), "utf-8")

    sgns("sgns_old.json", "2026-11-27 02:00:00", 200.0)
    sgns("sgns_new.json", "2026-12-01 13:00:00", 500.0)
    sgns("sgns_newest_but_unreadable.json", "2026-12-02 00:00:00", 900.0, summary=False)
    (tmp_path / "sgns_broken.json").write_text("{", "utf-8")
    chosen = charts.choose(str(tmp_path))
    assert chosen[("speed", "sgns_speed")] == [str(tmp_path / "sgns_new.json")]
    assert chosen[("memory", "sgns_speed")] == [str(tmp_path / "sgns_new.json")]
    assert ("speed", "glove_speed") not in chosen
    [(label, ours, peer, unit, higher)] = charts.speed_sgns(json.loads(
        (tmp_path / "sgns_new.json").read_text("utf-8")))
    assert (label, ours / peer, higher) == ("SGNS vs gensim (2 thr)", 5.0, True)
