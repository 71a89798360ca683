"""GloVe: weighted least squares on co-occurrence counts, trained with AdaGrad.

The front end of the Numba kernel in :mod:`ngramvec.models._glove_numba`: validation,
initialisation, the per-epoch shuffle, the epoch loop (callbacks, progress, the
NaN check), the fitted vectors, save/load, and the ``glove`` CLI subcommand.
"""
from __future__ import annotations

import logging
import time
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ngramvec.base.estimator import VECTOR_CHOICES, Estimator, VectorsMixin, check_callback
from ngramvec.base.exceptions import TrainingDivergedError, VectorsFormatError
from ngramvec.base.persist import STRINGS, ArraySpec, PersistMixin, Saved
from ngramvec.base.validation import check_param
from ngramvec.models._legacy import read_glove_v1
from ngramvec.models.cooccur import Cooccurrence

logger = logging.getLogger(__name__)

__all__ = ["GloVe"]

_VECTORS = VECTOR_CHOICES


def _epoch_seed(seed: int, epoch: int) -> int:
    """Seed of the shuffle of epoch ``epoch`` (0-based): depends on (seed, epoch) only,
    so training 2 epochs then 3 more visits the records as training 5 at once."""
    state = np.random.SeedSequence([seed, epoch, 0x676C6F7665]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


class GloVe(VectorsMixin, PersistMixin, Estimator):
    """Global Vectors (Pennington, Socher & Manning 2014) from a co-occurrence matrix.

    Minimises ``sum_ij f(X_ij) (w_i . c_j + b_i + b~_j - log X_ij)^2`` over the
    nonzero records of the matrix with AdaGrad, as the reference C tool does.

    Parameters
    ----------
    dim : int, default=100
        Vector dimension, >= 1.
    x_max : float, default=100.0
        Cut-off of the weighting f(x) = min(1, (x / x_max) ** alpha), > 0.
    alpha : float, default=0.75
        Exponent of the weighting, > 0.
    lr : float, default=0.05
        Initial learning rate of AdaGrad (the reference's ``eta``), > 0.
    epochs : int, default=25
        Passes over the records made by :meth:`fit`, >= 1.
    grad_clip : float, default=100.0
        Each gradient component is clipped to [-grad_clip, grad_clip], > 0.
    vectors : {"word", "word+context", "context"}, default="word"
        What :attr:`vectors_` holds: the word vectors W, the sum W + C (the
        reference's ``-model 2``, matched by key), or the context vectors C.
    n_threads : int, optional
        Threads (None or 0: all cores; negative: all but some).
    seed : int, default=0
        Seeds the initialisation and each epoch's shuffle.

    Attributes
    ----------
    vectors_ : ndarray of float32, shape (n, dim)
        The vectors chosen by ``vectors`` (biases left out), over the row keys (the
        column keys for ``vectors="context"``): a view of the training weights, or a
        new sum for ``"word+context"``. ``get_vector_arrays(which)`` gives copies of
        any of the three, which is what :meth:`KeyedVectors.from_model
        <ngramvec.KeyedVectors.from_model>` wraps.
    index_to_key_ : list of str
        Keys of the rows of :attr:`vectors_`.
    counts_ : ndarray of int64
        Their counts.
    context_vectors_ : ndarray of float32, shape (n_cols, dim)
        C, over :attr:`context_index_to_key_` (the column keys), with
        :attr:`context_counts_`.
    word_params_ : ndarray of float32, shape (n_rows, dim + 1)
        Word vectors, bias in the last column (the training weights).
    context_params_ : ndarray of float32, shape (n_cols, dim + 1)
        Context vectors, bias in the last column.
    word_gradsq_, context_gradsq_ : ndarray of float32
        AdaGrad accumulators (same shapes); kept so training can continue.
    row_keys_, col_keys_ : list of str
    row_counts_, col_counts_ : ndarray of int64
    history_ : list of dict
        Per epoch, what the callback received: epoch, loss, seconds, lr, records,
        records_per_sec.
    loss_history_ : list of float
        Mean loss per record of each epoch, ``0.5 f(X) (w.c + b + b~ - log X)^2``
        averaged over the records, each term taken before the record's update (the
        "cost" the reference prints).
    epochs_trained_ : int
    n_records_ : int
        Nonzero records trained on.

    Notes
    -----
    One record (i, j, X_ij) updates ``w_i``, ``c_j``, ``b_i``, ``b~_j`` with AdaGrad
    exactly as glove.c does (see :func:`ngramvec._glove_numba.glove_train_epoch`):
    accumulators start at 1; the vector step is ``lr * g / sqrt(G)`` and G sums the
    squares of ``lr * g``; the bias step carries no ``lr``. Initial values are
    ``(u - 0.5) / dim`` with u uniform in [0, 1), as the reference.

    Each epoch visits the records in a new random order (the reference shuffles its
    file once), drawn from (seed, epoch) alone. Threads take contiguous slices of that
    order and update the shared parameters without locks (Hogwild); with
    ``n_threads=1`` and a seed, runs are bit-for-bit reproducible, and
    :meth:`partial_fit` continuing a model gives exactly the longer run.

    Rows and columns may be different vocabularies (ngram contexts, a separate
    context vocabulary). ``vectors="word+context"`` then adds ``C`` to ``W`` for the
    row keys that are also column keys; row keys absent from the columns keep ``W``
    alone. Training is in float32; the loss is summed in float64.

    References
    ----------
    J. Pennington, R. Socher, C. D. Manning. GloVe: Global Vectors for Word
    Representation. EMNLP 2014.

    Examples
    --------
    >>> import ngramvec as nv
    >>> from ngramvec.models.cooccur import count_cooccurrences
    >>> from ngramvec.models.glove import GloVe
    >>> c = nv.Corpus(["the cat sat on the mat", "the dog sat on the log"] * 20)
    >>> counts = count_cooccurrences(c, nv.Vocabulary.build(c, min_count=1), window=2)
    >>> model = GloVe(dim=8, epochs=5, n_threads=1).fit(counts)
    >>> model.vectors_.shape
    (7, 8)
    >>> model.loss_history_[-1] < model.loss_history_[0]
    True
    >>> nv.KeyedVectors.from_model(model, which="context").vector_size
    8
    """

    _persist_what = "GloVe model"
    _persist_attributes = ("word_params_", "context_params_", "word_gradsq_",
                           "context_gradsq_", "row_keys_", "col_keys_", "row_counts_",
                           "col_counts_", "loss_history_", "history_", "epochs_trained_",
                           "n_records_")
    # what load() trusts: one row (dim + 1 with the bias) per key, on each side
    _persist_schema = {"word_params_": ArraySpec("f", ("rows", "width")),
                       "word_gradsq_": ArraySpec("f", ("rows", "width")),
                       "context_params_": ArraySpec("f", ("cols", "width")),
                       "context_gradsq_": ArraySpec("f", ("cols", "width")),
                       "row_keys_": ArraySpec(STRINGS, ("rows",)),
                       "col_keys_": ArraySpec(STRINGS, ("cols",)),
                       "row_counts_": ArraySpec("iu", ("rows",)),
                       "col_counts_": ArraySpec("iu", ("cols",))}

    def __init__(self, dim: int = 100, x_max: float = 100.0, alpha: float = 0.75,
                 lr: float = 0.05, epochs: int = 25, grad_clip: float = 100.0,
                 vectors: str = "word", n_threads: int | None = None, seed: int = 0) -> None:
        self.dim = dim
        self.x_max = x_max
        self.alpha = alpha
        self.lr = lr
        self.epochs = epochs
        self.grad_clip = grad_clip
        self.vectors = vectors
        self.n_threads = n_threads
        self.seed = seed

    @staticmethod
    def _records(counts: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, list,
                                       np.ndarray, np.ndarray]:
        """Validate a Cooccurrence and return its positive records as COO arrays."""
        if not isinstance(counts, Cooccurrence):
            raise TypeError(f"The 'counts' parameter of GloVe.fit must be a Cooccurrence "
                            f"(from count_cooccurrences or Cooccurrence.load). Got "
                            f"{type(counts).__name__} instead.")
        m = counts.matrix
        if not sp.issparse(m):
            raise TypeError(f"counts.matrix must be a scipy.sparse matrix. Got "
                            f"{type(m).__name__} instead.")
        shape = (len(counts.row_vocab), len(counts.col_vocab))
        if m.shape != shape:
            raise ValueError(f"counts.matrix has shape {m.shape} but its vocabularies have "
                             f"{shape[0]} rows and {shape[1]} columns")
        m = sp.csr_matrix(m)
        if not m.has_canonical_format:
            m = m.copy()
            m.sum_duplicates()
        data = m.data
        if data.dtype not in (np.float32, np.float64):
            data = data.astype(np.float64)
        if np.isnan(data).any():
            raise ValueError(f"counts.matrix contains {int(np.isnan(data).sum())} NaN values")
        if np.isinf(data).any():
            raise ValueError(f"counts.matrix contains {int(np.isinf(data).sum())} "
                             f"infinite values")
        if (data < 0).any():
            raise ValueError(f"counts.matrix contains {int((data < 0).sum())} negative "
                             f"values; co-occurrence counts must be >= 0")
        positive = data > 0
        n_pos = int(positive.sum())
        if n_pos == 0:
            raise ValueError(f"counts.matrix of shape {m.shape} has no positive count: "
                             f"nothing to train on")
        rows = np.repeat(np.arange(m.shape[0], dtype=np.int32), np.diff(m.indptr))
        cols = m.indices.astype(np.int32, copy=False)
        if n_pos < data.size:  # explicit zeros: log 0 is -inf, the reference never sees them
            logger.info("GloVe: skipping %d explicit zeros of the matrix", data.size - n_pos)
            rows, cols, data = rows[positive], cols[positive], data[positive]
        return (rows, np.ascontiguousarray(cols), np.ascontiguousarray(data),
                list(counts.row_vocab.index_to_key), list(counts.col_vocab.index_to_key),
                np.asarray(counts.row_vocab.counts, dtype=np.int64),
                np.asarray(counts.col_vocab.counts, dtype=np.int64))

    # ------------------------------------------------------------------ training

    def fit(self, counts: Any, *, progress: bool = False,
            callback: Callable[[dict], Any] | None = None) -> "GloVe":
        """Train from scratch on the nonzero records of ``counts`` for ``epochs`` epochs.

        Parameters
        ----------
        counts : Cooccurrence
            From :func:`ngramvec.count_cooccurrences` or ``Cooccurrence.load``; values
            >= 0 (zeros are skipped), float32 or float64.
        progress : bool, default=False
            Show a tqdm bar over epochs.
        callback : callable, optional
            Called after each epoch with a new dict of its statistics: ``epoch``
            (counted from 1 over the model's whole training), ``loss`` (mean per
            record), ``seconds``, ``lr`` (AdaGrad's initial rate, constant), ``records``
            and ``records_per_sec``. Returning ``False`` stops training after that
            epoch. Not stored.

        Returns
        -------
        self

        Raises
        ------
        TypeError, ValueError
            Bad parameters, a matrix that does not match its vocabularies, an empty or
            all-zero matrix, negative, NaN or infinite counts.
        TrainingDivergedError
            The loss became NaN or Inf (the message names the epoch); the fitted
            attributes hold the parameters at that point.
        """
        p = self._validate_params()
        callback = check_callback(callback, "GloVe.fit")
        return self._train(counts, p, p["epochs"], progress, callback, reset=True)

    def partial_fit(self, counts: Any, epochs: int = 1, *, progress: bool = False,
                    callback: Callable[[dict], Any] | None = None) -> "GloVe":
        """Continue training for ``epochs`` more epochs (or start, if not fitted yet).

        Parameters, AdaGrad state and the epoch count carry over, and each epoch's
        shuffle depends on (seed, epoch) only, so ``fit`` with ``epochs=2`` followed by
        ``partial_fit(counts, 3)`` equals ``fit`` with ``epochs=5`` (bit for bit with
        one thread).

        Parameters
        ----------
        counts : Cooccurrence
            Over the same row and column vocabularies as the fitted model.
        epochs : int, default=1
        progress, callback : as in :meth:`fit`

        Returns
        -------
        self

        Raises
        ------
        ValueError
            Counts over other vocabularies, or a ``dim`` changed since fitting.

        Notes
        -----
        The name is scikit-learn's for continuing to train a fitted estimator on more
        data without re-initialising it; SGNS, GloVe and the post-processing
        transformers all use it, since they follow scikit-learn's estimator contract
        (``get_params``, ``clone``). gensim's ``train`` was the other candidate; it
        belongs to a different contract (``build_vocab`` first, ``total_examples``),
        so its name would promise an API ngramvec does not have.
        """
        p = self._validate_params()
        epochs = check_param(epochs, "epochs", "GloVe.partial_fit")
        callback = check_callback(callback, "GloVe.partial_fit")
        return self._train(counts, p, epochs, progress, callback, reset=not self._is_fitted())

    def _train(self, counts: Any, p: dict[str, Any], n_epochs: int, progress: bool,
               callback: Callable[[dict], Any] | None, reset: bool) -> "GloVe":
        import numba  # reason: Numba loads on first training

        # reason: the kernels module imports Numba (compiled on first use)
        from ngramvec.models._glove_numba import glove_shuffle, glove_train_epoch
        rows, cols, vals, row_keys, col_keys, row_counts, col_counts = self._records(counts)
        dim = p["dim"]
        if reset:
            # seed=None draws a seed once; continuing training keeps it
            self._seed_used = p["seed"]
            rng = np.random.default_rng(np.random.SeedSequence(p["seed"]))
            # reference initialisation: (uniform[0, 1) - 0.5) / dim, biases included
            self.word_params_ = (rng.random((len(row_keys), dim + 1), dtype=np.float32)
                                 - np.float32(0.5)) / np.float32(dim)
            self.context_params_ = (rng.random((len(col_keys), dim + 1), dtype=np.float32)
                                    - np.float32(0.5)) / np.float32(dim)
            # AdaGrad accumulators start at 1, so the first step is lr * gradient
            self.word_gradsq_ = np.ones_like(self.word_params_)
            self.context_gradsq_ = np.ones_like(self.context_params_)
            self.loss_history_: list[float] = []
            self.history_: list[dict] = []
            self.epochs_trained_ = 0
        else:
            if row_keys != self.row_keys_ or col_keys != self.col_keys_:
                raise ValueError("partial_fit needs counts over the same row and column "
                                 "vocabularies as the fitted model")
            if self.word_params_.shape[1] != dim + 1:
                raise ValueError(f"partial_fit: the model has dim="
                                 f"{self.word_params_.shape[1] - 1} but dim={dim} now")
        self.row_keys_, self.col_keys_ = row_keys, col_keys
        self.row_counts_, self.col_counts_ = row_counts, col_counts
        self.n_records_ = int(vals.size)
        self._fitted_vectors = p["vectors"]

        n_threads = p["n_threads"]
        seed = getattr(self, "_seed_used", p["seed"])
        # visiting order; int32 while the record ids fit (4 bytes a record less)
        order = np.empty(vals.size, dtype=np.int32 if vals.size < 2**31 else np.int64)
        bar = None
        if progress:
            from tqdm.auto import tqdm  # reason: tqdm loads only for a progress bar
            bar = tqdm(total=n_epochs, desc="GloVe", unit="epoch")
        previous_threads = numba.get_num_threads()
        numba.set_num_threads(max(1, min(n_threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            for _ in range(n_epochs):
                epoch = self.epochs_trained_  # 0-based over the whole training
                t0 = time.perf_counter()
                order[:] = np.arange(order.size, dtype=order.dtype)
                glove_shuffle(order, _epoch_seed(seed, epoch))
                total, visited = glove_train_epoch(
                    rows, cols, vals, order, self.word_params_, self.context_params_,
                    self.word_gradsq_, self.context_gradsq_, p["x_max"], p["alpha"],
                    p["lr"], p["grad_clip"], n_threads)
                seconds = time.perf_counter() - t0
                loss = total / max(int(visited), 1)
                self.epochs_trained_ += 1
                if not np.isfinite(total) or visited != vals.size:
                    raise TrainingDivergedError(
                        f"GloVe training diverged in epoch {epoch + 1}: the loss became NaN "
                        f"or Inf. Lower lr (now {p['lr']}) or grad_clip, or check the counts.")
                stats = {"epoch": epoch + 1, "loss": float(loss), "seconds": seconds,
                         "lr": p["lr"], "records": int(visited),
                         "records_per_sec": visited / seconds if seconds > 0 else float("inf")}
                self.loss_history_.append(float(loss))
                self.history_.append(stats)
                logger.info("GloVe epoch %d: loss %.6f, %.2f s", epoch + 1, loss, seconds)
                if bar is not None:
                    bar.set_postfix(loss=f"{loss:.5f}")
                    bar.update(1)
                if callback is not None and callback(dict(stats)) is False:
                    logger.info("GloVe: the callback stopped training after epoch %d",
                                epoch + 1)
                    break
        finally:
            numba.set_num_threads(previous_threads)
            if bar is not None:
                bar.close()
        return self

    def loss(self, counts: Any) -> float:
        """Mean loss per record of the current parameters on ``counts`` (no update)."""
        from ngramvec.models._glove_numba import glove_loss  # reason: imports Numba
        self._check_fitted()
        p = self._validate_params()
        rows, cols, vals, row_keys, col_keys, _, _ = self._records(counts)
        if row_keys != self.row_keys_ or col_keys != self.col_keys_:
            raise ValueError("counts must have the vocabularies of the fitted model")
        total = glove_loss(rows, cols, vals, self.word_params_, self.context_params_,
                           p["x_max"], p["alpha"])
        return float(total / vals.size)

    # ------------------------------------------------------------------ results

    def _is_fitted(self) -> bool:
        return "word_params_" in vars(self)

    # vectors_, index_to_key_, counts_, context_*, get_vector_arrays: VectorsMixin
    # ("word": W over the row keys, "context": C over the column keys, "word+context":
    # W plus the C of the same key; biases left out).

    def _vector_part(self, side: str) -> tuple[np.ndarray, list, np.ndarray] | None:
        dim = self.word_params_.shape[1] - 1
        if side == "word":
            return self.word_params_[:, :dim], self.row_keys_, self.row_counts_
        if side == "context":
            return self.context_params_[:, :dim], self.col_keys_, self.col_counts_
        return None

    def _default_vectors(self) -> str:
        return getattr(self, "_fitted_vectors", "word")

    # ------------------------------------------------------------------ persistence

    def _persist_extra(self) -> tuple[dict[str, Any], dict[str, Any]]:
        return {}, {"fitted_vectors": self._fitted_vectors,
                    "seed_used": getattr(self, "_seed_used", self.seed)}

    def _persist_restore(self, saved: Saved, path: str) -> None:
        self._fitted_vectors = saved.state.get("fitted_vectors", self.vectors)
        seed = saved.state.get("seed_used", self.seed)
        if seed is not None:
            self._seed_used = int(seed)
        for name in ("word_params_", "context_params_", "word_gradsq_", "context_gradsq_"):
            setattr(self, name, np.ascontiguousarray(getattr(self, name), dtype=np.float32))
        self.row_counts_ = np.asarray(self.row_counts_, dtype=np.int64)
        self.col_counts_ = np.asarray(self.col_counts_, dtype=np.int64)
        self.row_keys_, self.col_keys_ = list(self.row_keys_), list(self.col_keys_)
        self.loss_history_ = [float(x) for x in self.loss_history_]
        self.history_ = [dict(h) for h in self.history_]
        self.epochs_trained_, self.n_records_ = int(self.epochs_trained_), int(self.n_records_)
        w, c = self.word_params_, self.context_params_
        if (w.shape[0] != len(self.row_keys_) or c.shape[0] != len(self.col_keys_)
                or w.shape[1] != c.shape[1] or self.word_gradsq_.shape != w.shape
                or self.context_gradsq_.shape != c.shape):
            raise VectorsFormatError("inconsistent array shapes in the GloVe model", path)

    _persist_legacy = staticmethod(read_glove_v1)
