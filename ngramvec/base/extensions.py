"""Stand-ins for compiled extension modules that are not built.

The training stages of ngramvec run in compiled modules (``ngramvec.data._encode``,
``ngramvec.models._cooccur``, ``ngramvec.models._sgns``, ...). Everything else
(loading, saving, querying, evaluating and post-processing vectors) is pure Python
and must work without them. So a front end imports its compiled module with one
pattern::

    try:
        from ngramvec.models import _cooccur
    except ImportError as exc:  # not built: the compiled stage raises when called
        _cooccur = missing_extension("ngramvec.models._cooccur", exc)

and every name the import would bind is bound to the stand-in. The stand-in raises
:class:`~ngramvec.base.exceptions.ExtensionNotBuiltError` as soon as the compiled
stage is used (an attribute is read or it is called), naming the module and how to
build it.
"""
from __future__ import annotations

from typing import Any, NoReturn

from ngramvec.base.exceptions import ExtensionNotBuiltError

__all__ = ["missing_extension", "is_built", "BUILD_HINT"]

BUILD_HINT = ("Build the compiled kernels by installing ngramvec from its source with a C "
              "compiler available: 'pip install .' (or 'pip install -e .' in a checkout).")


class _MissingExtension:
    """Placeholder for a compiled module (or a name from it) that could not be imported."""

    __slots__ = ("_name", "_reason")

    def __init__(self, name: str, reason: str) -> None:
        object.__setattr__(self, "_name", name)
        object.__setattr__(self, "_reason", reason)

    def _raise(self) -> NoReturn:
        raise ExtensionNotBuiltError(
            f"This stage runs compiled code from {self._name}, which is not built "
            f"({self._reason}). {BUILD_HINT}", name=self._name)

    def __getattr__(self, attr: str) -> Any:
        if attr.startswith("__") and attr.endswith("__"):
            # introspection (doctest, pickle, inspect.unwrap) must see a plain object
            raise AttributeError(attr)
        self._raise()

    # A stand-in for a compiled constant (e.g. MAX_ORDER) fails the same way when used.
    def __lt__(self, other: Any) -> NoReturn:
        self._raise()

    __le__ = __gt__ = __ge__ = __lt__

    def __index__(self) -> NoReturn:
        self._raise()

    __int__ = __index__

    def __call__(self, *args: Any, **kwargs: Any) -> NoReturn:
        self._raise()

    def __repr__(self) -> str:
        return f"<missing compiled module {self._name}>"


def missing_extension(name: str, exc: ImportError) -> Any:
    """Return a stand-in for the compiled module ``name`` whose import failed.

    Parameters
    ----------
    name : str
        Full name of the compiled module, e.g. ``"ngramvec.models._cooccur"``.
    exc : ImportError
        The error raised by its import; its message is kept in the error raised later.

    Returns
    -------
    object
        Reading any attribute of it, or calling it, raises
        :class:`~ngramvec.base.exceptions.ExtensionNotBuiltError`.

    Examples
    --------
    >>> from ngramvec.base.exceptions import ExtensionNotBuiltError
    >>> stub = missing_extension("ngramvec.models._cooccur", ImportError("not found"))
    >>> try:
    ...     stub.cooccur_count_shard
    ... except ExtensionNotBuiltError as exc:
    ...     print(exc.name)
    ngramvec.models._cooccur
    """
    return _MissingExtension(name, str(exc) or type(exc).__name__)


def is_built(obj: Any) -> bool:
    """False for a stand-in made by :func:`missing_extension`, True for anything else."""
    return not isinstance(obj, _MissingExtension)
