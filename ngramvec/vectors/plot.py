"""Pictures of vectors and of training: a 2-D map of words and their neighbours, and the
loss and speed of each epoch.

matplotlib is an optional dependency (``pip install 'ngramvec[plot]'``), imported inside
the functions that draw; t-SNE maps also need scikit-learn (a dependency of ngramvec).
Importing this module imports neither.

- :func:`plot_words` (also :meth:`KeyedVectors.plot
  <ngramvec.vectors.keyedvectors.KeyedVectors.plot>`) draws words and their nearest
  neighbours, projected to 2-D by PCA or t-SNE of their unit vectors, on an
  ``Axes`` given or new.
- :func:`plot_history` draws the ``history_`` of a trained SGNS or GloVe model (one
  dict per epoch: ``epoch``, ``loss``, ``seconds``, ``words_per_sec`` or
  ``records_per_sec``...): the loss and the throughput per epoch.
- :func:`new_figure` and :func:`save_figure` are what the command line uses: a figure
  that needs no display (the Agg canvas, no pyplot state), written atomically in the
  format of the file's suffix (``.png``, ``.svg``, ``.pdf``), logged once.

Without a display (a server, a CI job: no ``DISPLAY`` or ``WAYLAND_DISPLAY`` on Linux)
and no backend chosen by the user (``MPLBACKEND``, ``matplotlib.use``), a new pyplot
figure uses the Agg backend, so drawing never fails for want of a window system.
"""
from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Any, Mapping, Sequence

import numpy as np

from ngramvec.base.fileio import atomic_write, log_saved
from ngramvec.base.keys import NGRAM_SEP, normalize_key
from ngramvec.base.persist import naming_write_errors
from ngramvec.base.validation import check_int, check_option, check_seed

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from ngramvec.vectors.keyedvectors import KeyedVectors

__all__ = ["plot_words", "project_2d", "plot_history", "new_figure", "save_figure",
           "FIGURE_FORMATS", "METHODS"]

#: Projections of :func:`plot_words`.
METHODS = ("pca", "tsne")
#: File suffix -> the format matplotlib writes.
FIGURE_FORMATS = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_INSTALL = "pip install 'ngramvec[plot]'"


# --------------------------------------------------------------------------- matplotlib


def _matplotlib() -> Any:
    try:
        # reason: matplotlib is the optional [plot] extra, loaded only to draw
        import matplotlib
    except ImportError:
        raise ImportError(f"drawing needs matplotlib, an optional dependency of ngramvec: "
                          f"{_INSTALL}") from None
    return matplotlib


def _has_display() -> bool:
    if sys.platform in ("win32", "darwin"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _pyplot() -> Any:
    """``matplotlib.pyplot``, on the Agg backend when there is no display and the user
    chose no backend."""
    matplotlib = _matplotlib()
    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and not _has_display()):
        matplotlib.use("Agg")
    # reason: pyplot only when the caller gave no Axes (the optional [plot] extra)
    import matplotlib.pyplot as plt
    return plt


def new_figure(width: float = 8.0, height: float = 6.0, dpi: int = 100) -> "Figure":
    """A matplotlib figure on the Agg canvas: no display, no pyplot state.

    Parameters
    ----------
    width, height : float, default=8.0, 6.0
        Inches.
    dpi : int, default=100
        Dots per inch of a PNG.

    Returns
    -------
    matplotlib.figure.Figure
    """
    _matplotlib()
    # reason: the optional [plot] extra
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    # reason: the optional [plot] extra
    from matplotlib.figure import Figure
    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def figure_format(path: str | os.PathLike) -> str:
    """The image format of ``path`` by its suffix: ``"png"``, ``"svg"`` or ``"pdf"``.

    Raises
    ------
    ValueError
        Another suffix (the message names the path and the suffixes).
    """
    spath = os.fspath(path)
    suffix = os.path.splitext(spath)[1].lower()
    try:
        return FIGURE_FORMATS[suffix]
    except KeyError:
        raise ValueError(f"{spath}: an image file must end in "
                         f"{', '.join(FIGURE_FORMATS)}, which chooses its format "
                         f"(got {suffix or 'no suffix'!r})") from None


def save_figure(fig: "Figure", path: str | os.PathLike, what: str = "a figure") -> str:
    """Write ``fig`` to ``path`` in the format of its suffix, atomically; log it once.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
    path : str or os.PathLike
        Ends in ``.png``, ``.svg`` or ``.pdf``.
    what : str, default="a figure"
        What the file shows, for its log line.

    Returns
    -------
    str
        The format written.

    Raises
    ------
    ValueError
        A suffix that is not an image format.
    OSError
        Writing failed; the message names ``path``.
    """
    fmt = figure_format(path)
    with naming_write_errors(path), atomic_write(path, "wb") as f:
        fig.savefig(f, format=fmt, bbox_inches="tight")
    log_saved(path, f"{what} ({fmt})")
    return fmt


# --------------------------------------------------------------------------- word maps


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> np.ndarray:
    """Project the rows of ``vectors`` to 2-D: PCA or t-SNE of their unit vectors.

    Parameters
    ----------
    vectors : ndarray of shape (n, dim)
        At least 2 rows.
    method : {"pca", "tsne"}, default="pca"
        PCA: the two principal components of the L2-normalised, centred rows (so
        distances follow cosines). t-SNE: scikit-learn's ``TSNE`` on the cosine
        distances, perplexity ``min(30, (n - 1) / 3)``, seeded.
    seed : int, default=0
        Seed of t-SNE (PCA is deterministic).

    Returns
    -------
    ndarray of shape (n, 2), float64

    Raises
    ------
    ValueError
        Fewer than 2 rows, or an unknown method.

    Examples
    --------
    >>> import numpy as np
    >>> project_2d(np.eye(3, dtype=np.float32)).shape
    (3, 2)
    """
    method = check_option(method, "method", "plot", METHODS)
    seed = check_seed(seed, "plot")
    x = np.asarray(vectors, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"a 2-D map needs at least 2 vectors; got an array of shape "
                         f"{x.shape}")
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    x = x / np.where(norms == 0, 1.0, norms)
    if method == "tsne":
        # reason: scikit-learn loads in about a second; only t-SNE needs it
        from sklearn.manifold import TSNE
        n = x.shape[0]
        tsne = TSNE(n_components=2, perplexity=max(min(30.0, (n - 1) / 3.0), 0.5),
                    metric="cosine", init="random", random_state=seed % 2**32)
        return np.asarray(tsne.fit_transform(x), dtype=np.float64)
    centred = x - x.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    out = np.zeros((x.shape[0], 2))
    k = min(2, vt.shape[0])
    out[:, :k] = centred @ vt[:k].T
    return out


def _label(key: str) -> str:
    return key.replace(NGRAM_SEP, " ")


def plot_words(wv: "KeyedVectors", words: Any, neighbours: int = 10, method: str = "pca",
               ax: "Axes | None" = None, restrict_vocab: int | None = None,
               seed: int = 0) -> "Axes":
    """Draw ``words`` and their nearest neighbours on a 2-D map.

    Each word gets a colour; its ``neighbours`` nearest keys (cosine,
    :meth:`~ngramvec.vectors.keyedvectors.KeyedVectors.most_similar`) are drawn in the
    same colour, smaller, joined to it by a faint line. A key that is a neighbour of
    several words (or one of the words) is drawn once, in the colour of the first.
    All the points are projected together (:func:`project_2d`).

    Parameters
    ----------
    wv : KeyedVectors
    words : str, tuple of str, or list of them
        The keys to show (a tuple of tokens is an ngram).
    neighbours : int, default=10
        Nearest neighbours drawn around each word; 0 draws the words only.
    method : {"pca", "tsne"}, default="pca"
    ax : matplotlib.axes.Axes, optional
        Where to draw; default a new pyplot figure (on the Agg backend when there is
        no display).
    restrict_vocab : int, optional
        Neighbours come from the first ``restrict_vocab`` keys only (the most frequent
        of a frequency-sorted file).
    seed : int, default=0
        Seed of t-SNE.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    OutOfVocabularyError
        A word that is not a key.
    ValueError
        Bad parameters, or fewer than 2 points in all.
    ImportError
        matplotlib is not installed (the message says how to install it).
    """
    if isinstance(words, (str, tuple)):
        words = [words]
    keys = [normalize_key(w) if isinstance(w, tuple) else w for w in words]
    if not keys or not all(isinstance(k, str) for k in keys):
        raise TypeError("The 'words' parameter of plot must be a str, a tuple of str or a "
                        f"non-empty list of them. Got {words!r} instead.")
    neighbours = check_int(neighbours, "neighbours", "plot", low=0)
    method = check_option(method, "method", "plot", METHODS)
    _matplotlib()
    rows: list[int] = []
    group: list[int] = []
    seen: set[int] = set()
    for g, key in enumerate(keys):
        i = wv.get_index(key)
        if i not in seen:
            seen.add(i)
            rows.append(i)
            group.append(g)
    centres = {wv.get_index(k): g for g, k in enumerate(keys)}
    links: list[tuple[int, int]] = []   # (row of the word, row of a neighbour)
    if neighbours:
        for g, key in enumerate(keys):
            for near, _ in wv.most_similar(key, topn=neighbours,
                                           restrict_vocab=restrict_vocab):
                j = wv.key_to_index[near]
                links.append((wv.get_index(key), j))
                if j not in seen:
                    seen.add(j)
                    rows.append(j)
                    group.append(g)
    xy = project_2d(wv.vectors[rows], method=method, seed=seed)
    where = {r: p for p, r in enumerate(rows)}
    if ax is None:
        _, ax = _pyplot().subplots(figsize=(8, 6))
    colours = _colours(len(keys))
    for a, b in links:
        pa, pb = xy[where[a]], xy[where[b]]
        ax.plot([pa[0], pb[0]], [pa[1], pb[1]], color=colours[group[where[b]]], alpha=0.25,
                linewidth=0.8, zorder=1)
    labels = []
    for p, r in enumerate(rows):
        c = colours[group[p]]
        is_word = r in centres
        ax.scatter(xy[p, 0], xy[p, 1], s=70 if is_word else 22, color=c, zorder=3,
                   edgecolors="black" if is_word else "none", linewidths=0.8)
        labels.append(ax.annotate(
            _label(wv.index_to_key[r]), (xy[p, 0], xy[p, 1]), xytext=(4, 3),
            textcoords="offset points", fontsize=11 if is_word else 8.5,
            color=c if not is_word else "black",
            fontweight="bold" if is_word else "normal", zorder=4))
    ax.set_title(f"{', '.join(_label(k) for k in keys)}"
                 + (f" and {neighbours} nearest neighbours each" if neighbours else "")
                 + f" ({'PCA' if method == 'pca' else 't-SNE'})", fontsize=10)
    ax.set_xticks([])
    ax.set_yticks([])
    ax.margins(0.12)
    _spread_labels(ax, labels)
    return ax


def _spread_labels(ax: "Axes", labels: list[Any], tries: int = 12) -> None:
    """Move labels that overlap one drawn before them: each tries offsets above and
    below its point, farther and farther, and keeps the first that overlaps nothing
    (the words come first, so they keep their places)."""
    fig = ax.figure
    renderer = fig.canvas.get_renderer() if hasattr(fig.canvas, "get_renderer") else None
    if renderer is None:  # pragma: no cover - every Agg-based canvas has one
        return
    placed: list[Any] = []
    for text in labels:
        x0, y0 = text.get_position()
        candidates = [(x0, y0)]
        for k in range(1, tries + 1):
            candidates += [(x0, y0 + 6 * k), (x0, y0 - 6 * k), (x0 - 8 * k, y0 + 6 * k)]
        for pos in candidates:
            text.set_position(pos)
            box = text.get_window_extent(renderer).expanded(1.02, 1.05)
            if not any(box.overlaps(other) for other in placed):
                break
        else:
            text.set_position((x0, y0))
            box = text.get_window_extent(renderer)
        placed.append(box)


def _colours(n: int) -> list[Any]:
    # reason: the optional [plot] extra
    from matplotlib import colormaps
    cmap = colormaps["tab10" if n <= 10 else "tab20"]
    return [cmap(i % cmap.N) for i in range(n)]


# --------------------------------------------------------------------------- training


_THROUGHPUT = (("words_per_sec", "words/s"), ("records_per_sec", "co-occurrence records/s"))


def _series(history: Sequence[Mapping[str, Any]], name: str) -> tuple[list[int], list[float]]:
    xs, ys = [], []
    for i, h in enumerate(history):
        v = h.get(name)
        if v is None or not np.isfinite(float(v)):
            continue
        xs.append(int(h.get("epoch") or i + 1))
        ys.append(float(v))
    return xs, ys


def plot_history(histories: Any, fig: "Figure | None" = None) -> "Figure":
    """Draw the loss and the throughput of each epoch of one or more trainings.

    Parameters
    ----------
    histories : list of dict, or dict of str to list of dict
        A model's ``history_`` (SGNS or GloVe: one dict per epoch with ``epoch``,
        ``loss``, ``seconds`` and ``words_per_sec`` or ``records_per_sec``), or several
        by label.
    fig : matplotlib.figure.Figure, optional
        Where to draw (two axes are added); default a new pyplot figure.

    Returns
    -------
    matplotlib.figure.Figure
        With two axes: loss per epoch (a note when no loss was recorded: SGNS records
        it with ``compute_loss=True``) and throughput per epoch.

    Raises
    ------
    ValueError
        No epoch in any history.
    """
    if isinstance(histories, Mapping):
        named = {str(k): list(v) for k, v in histories.items()}
    else:
        named = {"": list(histories)}
    if not any(named.values()):
        raise ValueError("nothing to plot: the training history is empty (was the model "
                         "trained?)")
    for label, history in named.items():
        if not all(isinstance(h, Mapping) for h in history):
            raise TypeError(f"a training history is a list of dicts, one per epoch; "
                            f"{label or 'the history'} holds something else")
    if fig is None:
        fig = _pyplot().figure(figsize=(10, 4))
    ax_loss, ax_speed = fig.subplots(1, 2)
    colours = _colours(len(named))
    units = set()
    any_loss = False
    for (label, history), c in zip(named.items(), colours):
        xs, ys = _series(history, "loss")
        if xs:
            any_loss = True
            ax_loss.plot(xs, ys, marker="o", color=c, label=label or None)
        for key, unit in _THROUGHPUT:
            xs, ys = _series(history, key)
            if xs:
                units.add(unit)
                ax_speed.plot(xs, ys, marker="o", color=c, label=label or None)
                break
    ax_loss.set_title("loss per epoch", fontsize=10)
    ax_loss.set_xlabel("epoch")
    if not any_loss:
        ax_loss.text(0.5, 0.5, "no loss recorded\n(SGNS records it with compute_loss=True,\n"
                     "'ngramvec sgns --compute-loss')", ha="center", va="center",
                     transform=ax_loss.transAxes, fontsize=9, color="0.35")
    ax_loss.set_ylabel("mean loss (per pair or record)")
    ax_speed.set_title("throughput per epoch", fontsize=10)
    ax_speed.set_xlabel("epoch")
    ax_speed.set_ylabel(" / ".join(sorted(units)) or "throughput")
    ax_speed.set_ylim(bottom=0)
    # reason: the optional [plot] extra
    from matplotlib.ticker import FuncFormatter
    ax_speed.yaxis.set_major_formatter(FuncFormatter(lambda v, _: _si(v)))
    for ax in (ax_loss, ax_speed):
        ax.grid(alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        if len(named) > 1:
            ax.legend(fontsize=8)
    if len(named) == 1 and next(iter(named)):
        fig.suptitle(next(iter(named)), fontsize=11)
    fig.tight_layout()
    return fig


def _si(value: float) -> str:
    """``1_400_000`` -> ``"1.4M"``, ``300_000`` -> ``"300k"``."""
    for scale, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= scale:
            return f"{value / scale:.3g}{suffix}"
    return f"{value:.3g}"
