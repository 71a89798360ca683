"""GloVe: weighted least squares on co-occurrence counts, trained with AdaGrad.

The front end of the Numba kernel in :mod:`ngramvec._glove_numba`: validation,
initialisation, the per-epoch shuffle, the epoch loop (callbacks, progress, the
NaN check), the fitted vectors, save/load, and the ``glove`` CLI subcommand.
"""
from __future__ import annotations

import json
import logging
import os
import time
from typing import Any, Callable

import numpy as np
import scipy.sparse as sp

from ngramvec.base.validation import check_float, check_int, check_n_threads, check_option, check_seed
from ngramvec.base.exceptions import TrainingDivergedError, VectorsFormatError

logger = logging.getLogger(__name__)

__all__ = ["GloVe"]

_OWNER = "GloVe"
_VECTORS = ("word", "word+context", "context")
_FORMAT = "ngramvec-glove-1"


def _epoch_seed(seed: int, epoch: int) -> int:
    """Seed of the shuffle of epoch ``epoch`` (0-based): depends on (seed, epoch) only,
    so training 2 epochs then 3 more visits the records as training 5 at once."""
    state = np.random.SeedSequence([seed, epoch, 0x676C6F7665]).generate_state(1, np.uint64)
    return int(state[0] >> np.uint64(1))


class GloVe:
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
        Passes over the records, >= 1.
    grad_clip : float, default=100.0
        Each gradient component is clipped to [-grad_clip, grad_clip], > 0.
    vectors : {"word", "word+context", "context"}, default="word"
        What :attr:`keyed_vectors_` holds: the word vectors W, the sum W + C (the
        reference's ``-model 2``, matched by key), or the context vectors C.
    n_threads : int, optional
        Threads (None or 0: all cores; negative: all but some).
    seed : int, default=0
        Seeds the initialisation and each epoch's shuffle.

    Attributes
    ----------
    keyed_vectors_ : KeyedVectors
        Vectors over the row vocabulary (or the column vocabulary for
        ``vectors="context"``), as chosen by ``vectors``.
    word_params_ : ndarray of float32, shape (n_rows, dim + 1)
        Word vectors, bias in the last column.
    context_params_ : ndarray of float32, shape (n_cols, dim + 1)
        Context vectors, bias in the last column.
    word_gradsq_, context_gradsq_ : ndarray of float32
        AdaGrad accumulators (same shapes); kept so training can continue.
    row_keys_, col_keys_ : list of str
    row_counts_, col_counts_ : ndarray of int64
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
    file once). Threads take contiguous slices of that order and update the shared
    parameters without locks (Hogwild); with ``n_threads=1`` and a seed, runs are
    bit-for-bit reproducible.

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
    >>> model.keyed_vectors_.vectors.shape
    (7, 8)
    >>> model.loss_history_[-1] < model.loss_history_[0]
    True
    """

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

    def __repr__(self) -> str:
        return (f"GloVe(dim={self.dim!r}, x_max={self.x_max!r}, alpha={self.alpha!r}, "
                f"lr={self.lr!r}, epochs={self.epochs!r}, grad_clip={self.grad_clip!r}, "
                f"vectors={self.vectors!r}, n_threads={self.n_threads!r}, seed={self.seed!r})")

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters as a dict."""
        return {k: getattr(self, k) for k in ("dim", "x_max", "alpha", "lr", "epochs",
                                              "grad_clip", "vectors", "n_threads", "seed")}

    # ------------------------------------------------------------------ validation

    def _check_params(self) -> dict[str, Any]:
        return {
            "dim": check_int(self.dim, "dim", _OWNER, 1),
            "x_max": check_float(self.x_max, "x_max", _OWNER, 0.0, low_closed=False),
            "alpha": check_float(self.alpha, "alpha", _OWNER, 0.0, low_closed=False),
            "lr": check_float(self.lr, "lr", _OWNER, 0.0, low_closed=False),
            "epochs": check_int(self.epochs, "epochs", _OWNER, 1),
            "grad_clip": check_float(self.grad_clip, "grad_clip", _OWNER, 0.0,
                                     low_closed=False),
            "vectors": check_option(self.vectors, "vectors", _OWNER, _VECTORS),
            "n_threads": check_n_threads(self.n_threads, _OWNER),
            "seed": check_seed(self.seed, _OWNER),
        }

    @staticmethod
    def _records(counts: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, list, list,
                                       np.ndarray, np.ndarray]:
        """Validate a Cooccurrence and return its positive records as COO arrays."""
        from ngramvec.models.cooccur import Cooccurrence
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

    def fit(self, counts: Any, callback: Callable[[int, float, float], Any] | None = None,
            progress: bool = False, reset: bool = True,
            epochs: int | None = None) -> "GloVe":
        """Train on the nonzero records of ``counts``.

        Parameters
        ----------
        counts : Cooccurrence
            From :func:`ngramvec.cooccur.count_cooccurrences` or ``Cooccurrence.load``;
            values >= 0 (zeros are skipped), float32 or float64.
        callback : callable, optional
            Called after each epoch as ``callback(epoch, loss, seconds)`` (epoch counted
            from 1 over the model's whole training, mean loss per record, seconds of
            that epoch). Returning ``False`` stops training after that epoch.
        progress : bool, default=False
            Show a tqdm bar over epochs.
        reset : bool, default=True
            False continues a fitted model (same vocabularies required): parameters,
            AdaGrad state and the epoch count carry over, so ``fit(epochs=2)`` then
            ``fit(reset=False, epochs=3)`` equals ``fit(epochs=5)`` (one thread).
        epochs : int, optional
            Overrides ``self.epochs`` for this call.

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
        import numba

        from ngramvec.models._glove_numba import glove_shuffle, glove_train_epoch
        p = self._check_params()
        n_epochs = p["epochs"] if epochs is None else check_int(epochs, "epochs", _OWNER, 1)
        rows, cols, vals, row_keys, col_keys, row_counts, col_counts = self._records(counts)
        dim = p["dim"]
        fitted = hasattr(self, "word_params_")
        if reset or not fitted:
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
            self.epochs_trained_ = 0
        else:
            if row_keys != self.row_keys_ or col_keys != self.col_keys_:
                raise ValueError("fit(reset=False) needs counts over the same row and column "
                                 "vocabularies as the fitted model")
            if self.word_params_.shape[1] != dim + 1:
                raise ValueError(f"fit(reset=False): the model has dim="
                                 f"{self.word_params_.shape[1] - 1} but dim={dim} now")
        self.row_keys_, self.col_keys_ = row_keys, col_keys
        self.row_counts_, self.col_counts_ = row_counts, col_counts
        self.n_records_ = int(vals.size)
        self._fitted_vectors = p["vectors"]

        n_threads = p["n_threads"]
        # visiting order; int32 while the record ids fit (4 bytes a record less)
        order = np.empty(vals.size, dtype=np.int32 if vals.size < 2**31 else np.int64)
        bar = None
        if progress:
            from tqdm.auto import tqdm
            bar = tqdm(total=n_epochs, desc="GloVe", unit="epoch")
        previous_threads = numba.get_num_threads()
        numba.set_num_threads(max(1, min(n_threads, numba.config.NUMBA_NUM_THREADS)))
        try:
            for _ in range(n_epochs):
                epoch = self.epochs_trained_  # 0-based over the whole training
                t0 = time.perf_counter()
                order[:] = np.arange(order.size, dtype=order.dtype)
                glove_shuffle(order, _epoch_seed(p["seed"], epoch))
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
                self.loss_history_.append(float(loss))
                logger.info("GloVe epoch %d: loss %.6f, %.2f s", epoch + 1, loss, seconds)
                if bar is not None:
                    bar.set_postfix(loss=f"{loss:.5f}")
                    bar.update(1)
                if callback is not None and callback(epoch + 1, float(loss), seconds) is False:
                    break
        finally:
            numba.set_num_threads(previous_threads)
            if bar is not None:
                bar.close()
        return self

    def loss(self, counts: Any) -> float:
        """Mean loss per record of the current parameters on ``counts`` (no update)."""
        from ngramvec.models._glove_numba import glove_loss
        self._check_fitted()
        p = self._check_params()
        rows, cols, vals, row_keys, col_keys, _, _ = self._records(counts)
        if row_keys != self.row_keys_ or col_keys != self.col_keys_:
            raise ValueError("counts must have the vocabularies of the fitted model")
        total = glove_loss(rows, cols, vals, self.word_params_, self.context_params_,
                           p["x_max"], p["alpha"])
        return float(total / vals.size)

    # ------------------------------------------------------------------ results

    def _check_fitted(self) -> None:
        if not hasattr(self, "word_params_"):
            raise AttributeError("This GloVe instance is not fitted yet; call fit(counts).")

    def get_keyed_vectors(self, vectors: str = "word") -> Any:
        """Vectors as a :class:`~ngramvec.keyedvectors.KeyedVectors` (biases left out).

        Parameters
        ----------
        vectors : {"word", "word+context", "context"}, default="word"
            ``"word"``: W over the row keys. ``"context"``: C over the column keys.
            ``"word+context"``: over the row keys, W plus the C of the same key; row
            keys that are not column keys get W alone.
        """
        from ngramvec.vectors.keyedvectors import KeyedVectors
        self._check_fitted()
        vectors = check_option(vectors, "vectors", "GloVe.get_keyed_vectors", _VECTORS)
        dim = self.word_params_.shape[1] - 1
        if vectors == "context":
            return KeyedVectors(self.context_params_[:, :dim], self.col_keys_,
                                counts=self.col_counts_)
        out = np.array(self.word_params_[:, :dim], dtype=np.float32, copy=True)
        if vectors == "word+context":
            if self.row_keys_ == self.col_keys_:
                out += self.context_params_[:, :dim]
            else:
                col_index = {k: j for j, k in enumerate(self.col_keys_)}
                idx = np.fromiter((col_index.get(k, -1) for k in self.row_keys_),
                                  dtype=np.int64, count=len(self.row_keys_))
                found = idx >= 0
                out[found] += self.context_params_[idx[found], :dim]
        return KeyedVectors(out, self.row_keys_, counts=self.row_counts_)

    @property
    def keyed_vectors_(self) -> Any:
        """The vectors chosen by the ``vectors`` parameter (see :meth:`get_keyed_vectors`)."""
        self._check_fitted()
        return self.get_keyed_vectors(getattr(self, "_fitted_vectors", "word"))

    # ------------------------------------------------------------------ persistence

    def save(self, path: str | os.PathLike) -> None:
        """Save the fitted model (parameters, AdaGrad state, keys, history) as ``.npz``.

        Written atomically; no pickles. :meth:`load` restores a model that can continue
        training with ``fit(counts, reset=False)``.
        """
        from ngramvec.base.fileio import atomic_write
        self._check_fitted()
        arrays = {
            "format": np.array(_FORMAT),
            "params": np.array(json.dumps(self.get_params())),
            "word_params": self.word_params_, "context_params": self.context_params_,
            "word_gradsq": self.word_gradsq_, "context_gradsq": self.context_gradsq_,
            "row_keys": np.array(self.row_keys_, dtype=str),
            "col_keys": np.array(self.col_keys_, dtype=str),
            "row_counts": self.row_counts_, "col_counts": self.col_counts_,
            "loss_history": np.array(self.loss_history_, dtype=np.float64),
            "state": np.array([self.epochs_trained_, self.n_records_], dtype=np.int64),
        }
        with atomic_write(path, "wb") as f:
            np.savez(f, **arrays)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "GloVe":
        """Read a model written by :meth:`save`.

        Raises
        ------
        FileNotFoundError
        VectorsFormatError
            Not a GloVe model file of ngramvec, or inconsistent arrays.
        """
        try:
            z = np.load(path, allow_pickle=False)
        except FileNotFoundError:
            raise FileNotFoundError(f"{path}: no such GloVe model file") from None
        except Exception as exc:
            raise VectorsFormatError(f"not a GloVe model .npz file ({exc})", path) from None
        with z:
            if "format" not in z or str(z["format"]) != _FORMAT:
                raise VectorsFormatError("not a GloVe model file of ngramvec", path)
            model = cls(**json.loads(str(z["params"])))
            model.word_params_ = np.ascontiguousarray(z["word_params"], dtype=np.float32)
            model.context_params_ = np.ascontiguousarray(z["context_params"], dtype=np.float32)
            model.word_gradsq_ = np.ascontiguousarray(z["word_gradsq"], dtype=np.float32)
            model.context_gradsq_ = np.ascontiguousarray(z["context_gradsq"], dtype=np.float32)
            model.row_keys_ = z["row_keys"].tolist()
            model.col_keys_ = z["col_keys"].tolist()
            model.row_counts_ = z["row_counts"].astype(np.int64)
            model.col_counts_ = z["col_counts"].astype(np.int64)
            model.loss_history_ = z["loss_history"].tolist()
            model.epochs_trained_, model.n_records_ = (int(v) for v in z["state"])
        w, c = model.word_params_, model.context_params_
        if (w.shape[0] != len(model.row_keys_) or c.shape[0] != len(model.col_keys_)
                or w.shape[1] != c.shape[1] or model.word_gradsq_.shape != w.shape
                or model.context_gradsq_.shape != c.shape):
            raise VectorsFormatError("inconsistent array shapes in the GloVe model", path)
        model._fitted_vectors = model.vectors
        return model
