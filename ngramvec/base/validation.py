"""One family of validation helpers, with uniform messages, and the table of parameters.

Messages follow scikit-learn's form::

    The 'window' parameter of SGNS must be an int in the range [1, 10000]. Got 0 instead.

:data:`PARAMETERS` is the one declarative table of hyperparameter constraints: one
entry, hence one range, per parameter name, whatever class or function takes it
(``window`` is [1, 10000] in counting and in SGNS alike). Estimators check their
constructor parameters with :func:`validate_params` when they are fitted; functions
check an argument with :func:`check_param`. Bounds that depend on the data (``dim``
below the smaller side of the matrix, ``n_components`` at most the number of
features) are checked afterwards with :func:`check_int` / :func:`check_float`,
giving the same form of message with a ``why``.
"""
from __future__ import annotations

import logging
import math
import numbers
import os
import re
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

__all__ = [
    "PARAMETERS",
    "Constraint",
    "Interval",
    "Options",
    "Boolean",
    "Threads",
    "Seed",
    "MemorySize",
    "MAX_MEMORY",
    "FloatDType",
    "String",
    "Anything",
    "check_param",
    "validate_params",
    "check_int",
    "check_float",
    "check_option",
    "check_bool",
    "check_memory",
    "check_n_threads",
    "check_seed",
    "as_str_list",
]


def _range_text(low: float | None, high: float | None, low_closed: bool, high_closed: bool) -> str:
    lo = "-inf" if low is None else f"{low:g}"
    hi = "inf" if high is None else f"{high:g}"
    left = "[" if (low is not None and low_closed) else "("
    right = "]" if (high is not None and high_closed) else ")"
    return f"{left}{lo}, {hi}{right}"


def _fail(name: str, owner: str, expected: str, value: Any, exc: type = ValueError) -> None:
    raise exc(f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead.")


def check_int(value: Any, name: str, owner: str, low: int | None = None,
              high: int | None = None, allow_none: bool = False, why: str = "") -> int | None:
    """Return ``value`` as an int in the closed range [low, high], or raise.

    ``why`` (for example ``"for data with 12 features"``) follows the range in the
    message when the bound comes from the data.
    """
    if value is None and allow_none:
        return None
    expected = "an int in the range " + _range_text(low, high, True, True)
    if allow_none:
        expected += " or None"
    if why:
        expected += " " + why
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        _fail(name, owner, expected, value, TypeError)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        _fail(name, owner, expected, value)
    return value


def check_float(value: Any, name: str, owner: str, low: float | None = None,
                high: float | None = None, low_closed: bool = True, high_closed: bool = True,
                allow_none: bool = False, why: str = "") -> float | None:
    """Return ``value`` as a finite float in the given range, or raise."""
    if value is None and allow_none:
        return None
    expected = "a float in the range " + _range_text(low, high, low_closed, high_closed)
    if allow_none:
        expected += " or None"
    if why:
        expected += " " + why
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        _fail(name, owner, expected, value, TypeError)
    value = float(value)
    if math.isnan(value) or math.isinf(value):
        _fail(name, owner, expected, value)
    if low is not None and (value < low or (not low_closed and value == low)):
        _fail(name, owner, expected, value)
    if high is not None and (value > high or (not high_closed and value == high)):
        _fail(name, owner, expected, value)
    return value


def check_option(value: Any, name: str, owner: str, options: Sequence[str],
                 allow_none: bool = False) -> str | None:
    """Return ``value`` if it is one of ``options`` (strings), or raise."""
    if value is None and allow_none:
        return None
    expected = "a str among {" + ", ".join(repr(o) for o in options) + "}"
    if allow_none:
        expected += " or None"
    if not isinstance(value, str):
        _fail(name, owner, expected, value, TypeError)
    if value not in options:
        _fail(name, owner, expected, value)
    return value


def check_bool(value: Any, name: str, owner: str) -> bool:
    """Return ``value`` if it is a bool (or numpy bool), or raise."""
    if not isinstance(value, (bool, np.bool_)):
        _fail(name, owner, "a bool", value, TypeError)
    return bool(value)


_UNITS = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1024**2, "mb": 1024**2,
          "mib": 1024**2, "g": 1024**3, "gb": 1024**3, "gib": 1024**3, "t": 1024**4,
          "tb": 1024**4, "tib": 1024**4, "p": 1024**5, "pb": 1024**5, "pib": 1024**5,
          "e": 1024**6, "eb": 1024**6, "eib": 1024**6}


#: Largest memory size accepted (1 EiB = 2**60 bytes): far above any machine, and
#: small enough for the kernels' 64-bit arithmetic on it.
MAX_MEMORY = 1 << 60


def check_memory(value: Any, name: str, owner: str, low: int = 0,
                 allow_none: bool = True) -> int | None:
    """Parse a memory size: an int of bytes or a string such as ``"4GB"`` or ``"512 MiB"``.

    Units are binary (1 GB = 2**30 bytes). Returns the number of bytes, which must be
    in the range [``low``, :data:`MAX_MEMORY`] (1 EiB).
    """
    if value is None and allow_none:
        return None
    expected = f"an int of bytes >= {low} or a str such as '4GB', at most 2**60 bytes ('1EB')"
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", value)
        if m is None or m.group(2).lower() not in _UNITS:
            _fail(name, owner, expected, value)
        number = float(m.group(1))
        if not number * _UNITS[m.group(2).lower()] <= MAX_MEMORY:   # also inf
            _fail(name, owner, expected, value)
        nbytes = int(number * _UNITS[m.group(2).lower()])
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        nbytes = int(value)
    else:
        _fail(name, owner, expected, value, TypeError)
    if nbytes < low or nbytes > MAX_MEMORY:
        _fail(name, owner, expected, value)
    return nbytes


#: Most threads a kernel may be asked for: each thread gets its own scratch and tables,
#: and OpenMP implementations fail (or crash) on absurd team sizes.
MAX_THREADS = 1024


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def check_n_threads(value: Any, owner: str) -> int:
    """Resolve ``n_threads``: None means every available core, else an int in [1, 1024].

    More threads than cores is allowed (up to :data:`MAX_THREADS`) but logged, since it
    only adds scheduling overhead.
    """
    if value is None:
        return available_cores()
    value = check_int(value, "n_threads", owner, 1, MAX_THREADS)
    cores = available_cores()
    if value > cores:
        logging.getLogger("ngramvec").info("%s: n_threads=%d on %d available cores", owner,
                                           value, cores)
    return value


def check_seed(value: Any, owner: str) -> int:
    """Return an int seed in [0, 2**63); None draws one from the OS."""
    if value is None:
        return int(np.random.SeedSequence().generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))
    return check_int(value, "seed", owner, 0, 2**63 - 1)


def as_str_list(value: str | Iterable[str], name: str, owner: str) -> list[str]:
    """A single string or an iterable of strings as a list of strings."""
    if isinstance(value, str):
        return [value]
    try:
        out = list(value)
    except TypeError:
        _fail(name, owner, "a str or a list of str", value, TypeError)
    for v in out:
        if not isinstance(v, str):
            _fail(name, owner, "a str or a list of str", value, TypeError)
    return out


# --------------------------------------------------------------------------- constraints


class Constraint:
    """What one parameter may be; :meth:`check` returns the value, normalised, or raises.

    Subclasses are small frozen dataclasses, so :data:`PARAMETERS` reads as a table.
    """

    def check(self, value: Any, name: str, owner: str) -> Any:  # pragma: no cover
        raise NotImplementedError

    def describe(self) -> str:  # pragma: no cover
        """The expected value as the messages word it ("an int in the range [1, inf)")."""
        raise NotImplementedError


@dataclass(frozen=True)
class Interval(Constraint):
    """An int or a finite float in a range; ``None`` too when ``none``.

    Int ranges are closed; float ends are closed unless ``low_open`` / ``high_open``.
    An open or absent end is written ``inf`` / ``-inf``.
    """

    kind: str                       # "int" or "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    none: bool = False

    def check(self, value: Any, name: str, owner: str) -> Any:
        if self.kind == "int":
            return check_int(value, name, owner, self.low, self.high,  # type: ignore[arg-type]
                             allow_none=self.none)
        return check_float(value, name, owner, self.low, self.high, low_closed=not self.low_open,
                           high_closed=not self.high_open, allow_none=self.none)

    def describe(self) -> str:
        if self.kind == "int":
            text = "an int in the range " + _range_text(self.low, self.high, True, True)
        else:
            text = "a float in the range " + _range_text(self.low, self.high, not self.low_open,
                                                         not self.high_open)
        return text + (" or None" if self.none else "")


@dataclass(frozen=True)
class Options(Constraint):
    """One of a few strings; ``None`` too when ``none``."""

    options: tuple[str, ...]
    none: bool = False

    def check(self, value: Any, name: str, owner: str) -> Any:
        return check_option(value, name, owner, self.options, allow_none=self.none)

    def describe(self) -> str:
        return ("a str among {" + ", ".join(repr(o) for o in self.options) + "}"
                + (" or None" if self.none else ""))


@dataclass(frozen=True)
class Boolean(Constraint):
    """A bool (or a NumPy bool)."""

    def check(self, value: Any, name: str, owner: str) -> bool:
        return check_bool(value, name, owner)

    def describe(self) -> str:
        return "a bool"


@dataclass(frozen=True)
class Threads(Constraint):
    """A thread count: None means every available core, else an int in [1, 1024]."""

    def check(self, value: Any, name: str, owner: str) -> int:
        return check_n_threads(value, owner)

    def describe(self) -> str:
        return f"an int in the range [1, {MAX_THREADS}] or None"


@dataclass(frozen=True)
class Seed(Constraint):
    """An int seed in [0, 2**63); None draws one from the operating system."""

    def check(self, value: Any, name: str, owner: str) -> int:
        return check_seed(value, owner)

    def describe(self) -> str:
        return "an int in the range [0, 9.22337e+18] or None"


@dataclass(frozen=True)
class MemorySize(Constraint):
    """A number of bytes (int) or a string such as ``"4GB"``; None for the default."""

    def check(self, value: Any, name: str, owner: str) -> int | None:
        return check_memory(value, name, owner, low=1)

    def describe(self) -> str:
        return "an int of bytes >= 1 or a str such as '4GB', at most 2**60 bytes ('1EB')"


@dataclass(frozen=True)
class FloatDType(Constraint):
    """float32 or float64, given as a NumPy type, dtype or name; returns the ``np.dtype``."""

    def check(self, value: Any, name: str, owner: str) -> np.dtype:
        try:
            dtype = np.dtype(value)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            _fail(name, owner, self.describe(), value)
        return dtype  # type: ignore[return-value]

    def describe(self) -> str:
        return "float32 or float64"


@dataclass(frozen=True)
class String(Constraint):
    """Any str; what it means is parsed by its owner (``contexts="uni_bi"``)."""

    example: str = ""
    none: bool = False

    def check(self, value: Any, name: str, owner: str) -> str | None:
        if value is None and self.none:
            return None
        if not isinstance(value, str):
            _fail(name, owner, self.describe(), value, TypeError)
        return value

    def describe(self) -> str:
        text = "a str" + (f" such as {self.example}" if self.example else "")
        return text + (" or None" if self.none else "")


@dataclass(frozen=True)
class Anything(Constraint):
    """No constraint: an object checked where it is used (``keyed_vectors``)."""

    def check(self, value: Any, name: str, owner: str) -> Any:
        return value

    def describe(self) -> str:
        return "any object"


_POSITIVE_FLOAT = Interval("float", 0.0, None, low_open=True)

#: The one table of parameter constraints, by parameter name. Every parameter of every
#: estimator (SGNS, GloVe, PPMI, SVD, the post-processing transformers) and of
#: count_cooccurrences has exactly one entry here; a test checks that none is missing.
PARAMETERS: dict[str, Constraint] = {
    # ---- windows and units
    "window": Interval("int", 1, 10000),
    "dynamic_window": Boolean(),
    "contexts": String("'word' or 'uni_bi'", none=True),
    "weighting": Options(("uniform", "harmonic")),
    "direction": Options(("left", "right", "both")),
    "subsampling": Options(("dirty", "clean"), none=True),
    "oov": Options(("drop", "keep"), none=True),
    "overlap": Boolean(),
    "gaps": Options(("keep", "drop"), none=True),
    # ---- vocabulary and subsampling
    "min_count": Interval("int", 1, None),
    "max_size": Interval("int", 1, None, none=True),
    "sample": Interval("float", 0.0, None, none=True),
    # ---- vectors and training
    "dim": Interval("int", 1, None),
    "negative": Interval("int", 0, None),
    "ns_exponent": Interval("float"),
    "epochs": Interval("int", 1, None),
    "lr": _POSITIVE_FLOAT,
    "min_lr": Interval("float", 0.0, None),
    "compute_loss": Boolean(),
    "batch": Boolean(),
    "batch_positions": Interval("int", 1, 8),
    "x_max": _POSITIVE_FLOAT,
    "alpha": _POSITIVE_FLOAT,
    "grad_clip": _POSITIVE_FLOAT,
    "vectors": Options(("word", "word+context", "context")),
    # ---- PPMI and SVD
    "cds": Interval("float", 0.0, 1.0, low_open=True),
    "shift": _POSITIVE_FLOAT,
    "dtype": FloatDType(),
    "eig": Interval("float", 0.0, 1.0),
    "add_context": Boolean(),
    "algorithm": Options(("randomized", "arpack")),
    "n_iter": Interval("int", 0, None),
    "n_oversamples": Interval("int", 0, None),
    # ---- post-processing (n_components: directions removed, kept or common; the
    # bounds that depend on the data are checked at fit)
    "n_components": Interval("int", 0, None, none=True),
    "eps": Interval("float", 0.0, 1.0, low_open=True, high_open=True),
    "a": _POSITIVE_FLOAT,
    "n": Interval("float", 0.0, None, low_open=True, none=True),
    "normalize": Options(("words", "dimensions")),
    "lowercase": Boolean(),
    "keyed_vectors": Anything(),
    "word_frequencies": Anything(),
    "n_pairs": Interval("int", 1, None, none=True),
    "t": _POSITIVE_FLOAT,
    "weights": Options(("uniform", "position")),
    # ---- supervised heads over sentence vectors (CoSENT, CosineRegression)
    "lam": _POSITIVE_FLOAT,
    "init": Options(("whitening", "identity", "random")),
    "max_iter": Interval("int", 1, None),
    "batch_size": Interval("int", 2, None, none=True),
    "l2": Interval("float", 0.0, None),
    "center": Boolean(),
    "bias": Boolean(),
    "target_range": Options(("[-1, 1]", "[0, 1]")),
    "encoder": Anything(),
    "head": Anything(),
    # ---- phrases (threshold: its range depends on scoring, checked at fit)
    "threshold": Interval("float"),
    "scoring": Options(("default", "npmi")),
    "connector_words": Anything(),
    "max_order": Interval("int", 2, 8),
    "delimiter": String("'_'"),
    # ---- resources
    "n_threads": Threads(),
    "seed": Seed(),
    "memory_limit": MemorySize(),
}


def check_param(value: Any, name: str, owner: str) -> Any:
    """Check one parameter against its entry of :data:`PARAMETERS`; return it normalised.

    Parameters
    ----------
    value : object
    name : str
        A key of :data:`PARAMETERS`.
    owner : str
        The class or function named in the message (``"SGNS"``, ``"count_cooccurrences"``).

    Returns
    -------
    object
        The value as an int, float, bool, str or ``np.dtype``; ``n_threads`` resolved to
        a thread count and a ``None`` seed to a drawn one.

    Raises
    ------
    TypeError
        The value has the wrong type.
    ValueError
        The value is out of range or not among the options.
    LookupError
        ``name`` has no entry in the table (a bug of ngramvec).

    Examples
    --------
    >>> check_param(5, "window", "SGNS")
    5
    >>> check_param(0, "window", "SGNS")
    Traceback (most recent call last):
    ...
    ValueError: The 'window' parameter of SGNS must be an int in the range [1, 10000]. Got 0 instead.
    """
    try:
        constraint = PARAMETERS[name]
    except KeyError:
        raise LookupError(f"the parameter {name!r} of {owner} has no entry in "
                          "ngramvec.base.validation.PARAMETERS") from None
    return constraint.check(value, name, owner)


def validate_params(params: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """:func:`check_param` over a dict of parameters; returns the normalised dict."""
    return {name: check_param(value, name, owner) for name, value in params.items()}
