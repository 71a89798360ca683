"""The estimator contract shared by every model and transformer of ngramvec.

:class:`Estimator` gives SGNS, GloVe, PPMI, SVD and the post-processing transformers
scikit-learn's conventions without importing scikit-learn (which costs about a second
at start-up, so ``import ngramvec`` stays quick):

* ``__init__`` only stores its arguments, under their own names; nothing is checked
  or computed there;
* :meth:`~Estimator.get_params` / :meth:`~Estimator.set_params` read the parameter
  names from the signature of ``__init__``, so :func:`sklearn.base.clone`, grid
  searches and pipelines work;
* parameters are checked when fitting, by :meth:`~Estimator._validate_params`, against
  the one table :data:`ngramvec.base.validation.PARAMETERS`;
* fitted attributes end in ``_``; before fitting, using them raises
  :class:`sklearn.exceptions.NotFittedError` (an ``AttributeError`` and a
  ``ValueError``), imported only when it is raised.

Training models (SGNS, GloVe) share one callback protocol: ``fit(...,
callback=None)`` and ``partial_fit(...)`` call ``callback(stats)`` after every epoch
with a new dict of that epoch's statistics (:data:`EPOCH_STATS` lists the common
keys); a callback that returns ``False`` stops training after that epoch, leaving the
model consistent and usable. Callbacks are never stored on the model.
"""
from __future__ import annotations

import inspect
from typing import Any, Callable, NamedTuple

import numpy as np

from ngramvec.base.validation import check_option, validate_params

__all__ = ["Estimator", "VectorsMixin", "VectorArrays", "VECTOR_CHOICES", "EPOCH_STATS",
           "add_by_key", "check_callback", "not_fitted_error"]

#: What ``get_vector_arrays(which)`` (and ``KeyedVectors.from_model(model, which)``) may
#: ask every model for: the word (input, row) side, the context (output, column) side,
#: or their sum matched by key. None means what the model's parameters chose.
VECTOR_CHOICES = ("word", "context", "word+context")

#: Keys of the per-epoch statistics every training model gives its callback (and keeps
#: in ``history_``): ``epoch`` (1-based, over the model's whole training), ``seconds``
#: (of that epoch), ``loss`` (mean loss of the epoch, or None when not computed) and
#: ``lr`` (the learning rate at the end of the epoch). Each model adds its own
#: (SGNS: ``words``, ``words_per_sec``, ``pairs``; GloVe: ``records``,
#: ``records_per_sec``).
EPOCH_STATS = ("epoch", "seconds", "loss", "lr")


class VectorArrays(NamedTuple):
    """The fitted vectors of a model as plain arrays, what ``KeyedVectors.from_model`` wraps.

    Attributes
    ----------
    vectors : ndarray of shape (n_keys, dim), float32
        A new array (not the model's training weights).
    index_to_key : list of str
    counts : ndarray of shape (n_keys,), int64, or None
    """

    vectors: np.ndarray
    index_to_key: list
    counts: np.ndarray | None


def add_by_key(vectors: np.ndarray, keys: list, context: np.ndarray,
               context_keys: list) -> np.ndarray:
    """``vectors`` plus the row of ``context`` with the same key (when there is one).

    Returns a new float32 array shaped like ``vectors``; Levy, Goldberg & Dagan's
    ``w + c`` for models whose rows and columns may be different vocabularies.
    """
    out = np.array(vectors, dtype=np.float32, copy=True)
    if keys == context_keys:
        out += context
        return out
    index = {k: j for j, k in enumerate(context_keys)}
    rows = np.fromiter((index.get(k, -1) for k in keys), dtype=np.int64, count=len(keys))
    found = rows >= 0
    out[found] += context[rows[found]]
    return out


def not_fitted_error(estimator: Any, hint: str = "") -> Exception:
    """The :class:`sklearn.exceptions.NotFittedError` for an unfitted ``estimator``.

    Parameters
    ----------
    estimator : object
    hint : str, optional
        Replaces the default advice ("Call 'fit' with appropriate arguments before
        using this estimator.").
    """
    from sklearn.exceptions import NotFittedError  # reason: scikit-learn loads only on error
    name = type(estimator).__name__
    return NotFittedError(f"This {name} instance is not fitted yet. "
                          + (hint or "Call 'fit' with appropriate arguments before using "
                                     "this estimator."))


def check_callback(callback: Any, owner: str) -> Callable[[dict], Any] | None:
    """Return ``callback`` if it is None or callable, else raise TypeError."""
    if callback is not None and not callable(callback):
        raise TypeError(f"The 'callback' parameter of {owner} must be a callable or None. Got "
                        f"{callback!r} instead.")
    return callback


def _same(a: Any, b: Any) -> bool:
    """``a`` equals the default ``b`` (for the repr); arrays and odd types are 'different'."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, np.ndarray):
        return False
    try:
        return bool(a == b)
    except Exception:  # noqa: BLE001 - any object may be a parameter
        return False


class Estimator:
    """Base class of the models and transformers: scikit-learn's estimator conventions.

    Subclasses write an ``__init__`` that stores each argument under its own name and
    does nothing else (no ``*args`` or ``**kwargs``), check their parameters in
    ``fit`` with :meth:`_validate_params`, and say whether they are fitted by
    :meth:`_is_fitted` (default: an attribute ending in ``_`` is set).

    Examples
    --------
    >>> from sklearn.base import clone
    >>> import ngramvec as nv
    >>> model = nv.SGNS(dim=50, window=2)
    >>> model
    SGNS(dim=50, window=2)
    >>> clone(model).set_params(window=3).get_params()["window"]
    3
    """

    @classmethod
    def _get_param_names(cls) -> list[str]:
        """Names of the parameters of ``__init__``, in signature order."""
        init = cls.__init__
        if init is object.__init__:
            return []
        names = []
        for p in inspect.signature(init).parameters.values():
            if p.name == "self":
                continue
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__name__}.__init__ must name its parameters (no *args "
                                f"or **kwargs), as scikit-learn's estimators do")
            names.append(p.name)
        return names

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The parameters of the estimator, by name.

        Parameters
        ----------
        deep : bool, default=True
            Also return the parameters of parameters that are estimators themselves,
            as ``"<name>__<parameter>"``.

        Returns
        -------
        dict
        """
        out: dict[str, Any] = {}
        for name in self._get_param_names():
            value = getattr(self, name)
            if deep and hasattr(value, "get_params") and not isinstance(value, type):
                out.update((f"{name}__{k}", v) for k, v in value.get_params().items())
            out[name] = value
        return out

    def set_params(self, **params: Any) -> "Estimator":
        """Set parameters (``name=value``, or ``"<name>__<parameter>"`` for nested ones).

        Nothing is checked here; :meth:`fit` checks.

        Returns
        -------
        self

        Raises
        ------
        ValueError
            An unknown parameter name.
        """
        valid = self._get_param_names()
        nested: dict[str, dict[str, Any]] = {}
        for key, value in params.items():
            name, sep, sub = key.partition("__")
            if name not in valid:
                raise ValueError(f"Invalid parameter {name!r} for estimator "
                                 f"{type(self).__name__}. Valid parameters are: {sorted(valid)!r}.")
            if sep:
                nested.setdefault(name, {})[sub] = value
            else:
                setattr(self, name, value)
        for name, sub_params in nested.items():
            getattr(self, name).set_params(**sub_params)
        return self

    def __repr__(self) -> str:
        signature = inspect.signature(type(self).__init__).parameters
        shown = []
        for name in self._get_param_names():
            value = getattr(self, name)
            if not _same(value, signature[name].default):
                text = repr(value)
                shown.append(f"{name}={text if len(text) <= 60 else text[:57] + '...'}")
        return f"{type(self).__name__}({', '.join(shown)})"

    # ------------------------------------------------------------------ validation

    def _validate_params(self) -> dict[str, Any]:
        """Check every parameter against :data:`~ngramvec.base.validation.PARAMETERS`.

        Returns the normalised values (ints, floats, dtypes; ``n_threads`` resolved,
        a ``None`` seed drawn).
        """
        return validate_params(self.get_params(deep=False), type(self).__name__)

    # ------------------------------------------------------------------ fitted state

    def _is_fitted(self) -> bool:
        """Whether fitted; by default, whether an attribute ending in ``_`` is set."""
        return any(k.endswith("_") and not k.startswith("__") for k in vars(self))

    def __getattr__(self, name: str) -> Any:
        # Reached only when normal lookup fails: a public fitted attribute ("vectors_")
        # asked for before fit is a NotFittedError (itself an AttributeError).
        if name.endswith("_") and not name.startswith("_") and not self._is_fitted():
            raise not_fitted_error(self)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __sklearn_is_fitted__(self) -> bool:
        """For :func:`sklearn.utils.validation.check_is_fitted`."""
        return self._is_fitted()

    def _check_fitted(self, hint: str = "") -> None:
        """Raise :class:`sklearn.exceptions.NotFittedError` unless fitted."""
        if not self._is_fitted():
            raise not_fitted_error(self, hint)

    def __sklearn_tags__(self) -> Any:
        """Default estimator tags, for scikit-learn >= 1.6 (its pipelines ask for them)."""
        from sklearn.utils import Tags, TargetTags  # reason: only scikit-learn calls this
        return Tags(estimator_type=None, target_tags=TargetTags(required=False),
                    transformer_tags=None, regressor_tags=None, classifier_tags=None)


class VectorsMixin:
    """The fitted vectors of a model, under the attribute names every model uses.

    A model that learns vectors (SGNS, GloVe, SVD) implements :meth:`_vector_part`
    (its word side and its context side, as they are stored) and
    :meth:`_default_vectors` (what its parameters chose: GloVe's ``vectors``, SVD's
    ``add_context``); this mixin gives it

    * ``vectors_``, ``index_to_key_``, ``counts_``: the chosen vectors, their keys and
      counts (views of the model's arrays when the choice is one side; a new sum for
      ``"word+context"``);
    * ``context_vectors_``, ``context_index_to_key_``, ``context_counts_``: the
      context side;
    * :meth:`get_vector_arrays`, new arrays for
      :meth:`ngramvec.KeyedVectors.from_model` (the model layer builds no
      KeyedVectors).

    Each raises :class:`sklearn.exceptions.NotFittedError` before ``fit``.
    """

    #: Other names a model accepts for a choice (SGNS: word2vec's "input", "sum").
    _vector_aliases: dict[str, str] = {}

    def _vector_part(self, side: str) -> tuple[np.ndarray, list | None, np.ndarray | None] | None:
        """``side`` as stored: (matrix, keys or None, counts or None), no copy.

        ``side`` is "word", "context" or "word+context"; for the last, None (the
        default answer) means "not stored": the sum is then computed by key.
        """
        raise NotImplementedError  # pragma: no cover

    def _default_vectors(self) -> str:
        """The choice of ``vectors_``: one of :data:`VECTOR_CHOICES`."""
        return "word"

    def _resolve_vectors(self, which: str | None) -> str:
        self._check_fitted()  # type: ignore[attr-defined]
        if which is None:
            return self._default_vectors()
        if isinstance(which, str) and which in self._vector_aliases:
            return self._vector_aliases[which]
        owner = f"{type(self).__name__}.get_vector_arrays"
        choices = VECTOR_CHOICES + tuple(self._vector_aliases)
        return check_option(which, "which", owner, choices)  # type: ignore[return-value]

    def _vectors_of(self, which: str | None) -> tuple[np.ndarray, list | None,
                                                      np.ndarray | None, bool]:
        """(matrix, keys, counts, is_new): a stored side, or the sum (a new array)."""
        which = self._resolve_vectors(which)
        if which != "word+context":
            return (*self._vector_part(which), False)
        cached = self._vector_part("word+context")
        if cached is not None:
            return (*cached, False)
        w, keys, counts = self._vector_part("word")
        c, context_keys, _ = self._vector_part("context")
        if keys is None or context_keys is None:
            raise self._no_keys()
        return add_by_key(w, keys, c, context_keys), keys, counts, True

    def _no_keys(self) -> ValueError:
        return ValueError(f"this {type(self).__name__} was fitted on a bare matrix: its vectors "
                          f"have no keys; use its vectors_, or fit it on a Cooccurrence")

    def get_vector_arrays(self, which: str | None = None) -> VectorArrays:
        """The fitted vectors as new arrays with their keys (what KeyedVectors.from_model wraps).

        Parameters
        ----------
        which : {"word", "context", "word+context"} or None, default=None
            ``"word"``: the word (input, row) vectors over their keys; ``"context"``: the
            context (output, column) vectors over theirs; ``"word+context"``: each word
            vector plus the context vector of the same key, when there is one (Levy,
            Goldberg & Dagan 2015's ``w + c``). None: ``vectors_``, as the model's
            parameters chose.

        Returns
        -------
        VectorArrays
            ``(vectors, index_to_key, counts)``: a new float32 (n, dim) array, a new
            list, a new int64 array or None.

        Raises
        ------
        sklearn.exceptions.NotFittedError
            Before ``fit``.
        ValueError
            An unknown ``which``, or vectors without keys (SVD of a bare matrix).
        """
        vectors, keys, counts, new = self._vectors_of(which)
        if keys is None:
            raise self._no_keys()
        vectors = np.ascontiguousarray(vectors, dtype=np.float32) if new else \
            np.array(vectors, dtype=np.float32, copy=True, order="C")
        return VectorArrays(vectors, list(keys),
                            None if counts is None else np.array(counts, dtype=np.int64))

    @property
    def vectors_(self) -> np.ndarray:
        """The chosen vectors, float32 (n, dim): the model's array when it is one side."""
        return self._vectors_of(None)[0]

    @property
    def index_to_key_(self) -> list | None:
        """Keys of the rows of :attr:`vectors_` (None without keys)."""
        side = "context" if self._resolve_vectors(None) == "context" else "word"
        return self._vector_part(side)[1]

    @property
    def counts_(self) -> np.ndarray | None:
        """Counts of those keys (None when unknown)."""
        side = "context" if self._resolve_vectors(None) == "context" else "word"
        return self._vector_part(side)[2]

    @property
    def context_vectors_(self) -> np.ndarray:
        """The context (output, column) vectors, float32 (n_context, dim)."""
        return self._vectors_of("context")[0]

    @property
    def context_index_to_key_(self) -> list | None:
        """Keys of the rows of :attr:`context_vectors_`."""
        return self._vectors_of("context")[1]

    @property
    def context_counts_(self) -> np.ndarray | None:
        """Counts of those keys."""
        return self._vectors_of("context")[2]
