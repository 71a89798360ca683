"""One family of validation helpers, with uniform messages.

Messages follow scikit-learn's form::

    The 'window' parameter of count_cooccurrences must be an int in the range [1, inf). Got 0 instead.
"""
from __future__ import annotations

import math
import numbers
import os
import re
from typing import Any, Iterable, Sequence

import numpy as np

__all__ = [
    "check_int",
    "check_float",
    "check_option",
    "check_bool",
    "check_memory",
    "check_n_threads",
    "check_seed",
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
              high: int | None = None, allow_none: bool = False) -> int | None:
    """Return ``value`` as an int in the closed range [low, high], or raise."""
    if value is None and allow_none:
        return None
    expected = "an int in the range " + _range_text(low, high, True, True)
    if allow_none:
        expected += " or None"
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        _fail(name, owner, expected, value, TypeError)
    value = int(value)
    if (low is not None and value < low) or (high is not None and value > high):
        _fail(name, owner, expected, value)
    return value


def check_float(value: Any, name: str, owner: str, low: float | None = None,
                high: float | None = None, low_closed: bool = True, high_closed: bool = True,
                allow_none: bool = False) -> float | None:
    """Return ``value`` as a finite float in the given range, or raise."""
    if value is None and allow_none:
        return None
    expected = "a float in the range " + _range_text(low, high, low_closed, high_closed)
    if allow_none:
        expected += " or None"
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


def check_option(value: Any, name: str, owner: str, options: Sequence[str]) -> str:
    """Return ``value`` if it is one of ``options`` (strings), or raise."""
    expected = "a str among {" + ", ".join(repr(o) for o in options) + "}"
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
          "tb": 1024**4, "tib": 1024**4}


def check_memory(value: Any, name: str, owner: str, low: int = 0,
                 allow_none: bool = True) -> int | None:
    """Parse a memory size: an int of bytes or a string such as ``"4GB"`` or ``"512 MiB"``.

    Units are binary (1 GB = 2**30 bytes). Returns the number of bytes.
    """
    if value is None and allow_none:
        return None
    expected = f"an int of bytes >= {low} or a str such as '4GB'"
    if isinstance(value, str):
        m = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*", value)
        if m is None or m.group(2).lower() not in _UNITS:
            _fail(name, owner, expected, value)
        nbytes = int(float(m.group(1)) * _UNITS[m.group(2).lower()])
    elif isinstance(value, numbers.Integral) and not isinstance(value, bool):
        nbytes = int(value)
    else:
        _fail(name, owner, expected, value, TypeError)
    if nbytes < low:
        _fail(name, owner, expected, value)
    return nbytes


def check_n_threads(value: Any, owner: str) -> int:
    """Resolve ``n_threads``: None or 0 means all available cores; negative counts back."""
    n_cpu = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    if value is None:
        return n_cpu
    value = check_int(value, "n_threads", owner)
    if value == 0:
        return n_cpu
    if value < 0:
        return max(1, n_cpu + 1 + value)
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
