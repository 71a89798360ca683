"""Readers of the files written before :mod:`ngramvec.base.persist` (format version 1).

Each class had its own ``.npz`` layout then. These functions turn such a file (all its
entries, loaded) into the :class:`~ngramvec.base.persist.Saved` the current loaders
take, or return None when the file is not of that layout. Delete a reader when the
files it reads need no longer be supported.

A file of such a layout with damaged entries raises
:class:`~ngramvec.base.exceptions.VectorsFormatError` naming the file; the dtypes and
shapes of the arrays are checked afterwards against the loader's schema
(:func:`ngramvec.base.persist.check_arrays`), as for the current layout.
"""
from __future__ import annotations

import json
from typing import Mapping

import numpy as np

from ngramvec.base.exceptions import VectorsFormatError
from ngramvec.base.persist import Saved

# what a damaged entry raises when it is converted (bytes(), str(), int(), json)
_DAMAGED = (KeyError, ValueError, TypeError, AttributeError, IndexError, RecursionError)


def _params(text: str) -> dict:
    """Constructor parameters stored as a JSON object (ValueError if they are not)."""
    params = json.loads(text)
    if not isinstance(params, dict):
        raise ValueError(f"the parameters are a {type(params).__name__}, not a JSON object")
    return params

__all__ = ["read_sgns_v1", "read_glove_v1", "read_cooccurrence_v1"]


def read_sgns_v1(files: Mapping[str, np.ndarray], path: str) -> Saved | None:
    """An SGNS model file of format version 1 ("ngramvec-sgns": JSON in ``meta``, the
    keys joined by newlines, ``syn0``, ``syn1``, ``counts``, ``rng_states``)."""
    if "meta" not in files:
        return None
    try:
        meta = json.loads(bytes(files["meta"]).decode("utf-8"))
    except (ValueError, TypeError, RecursionError):
        return None
    if not isinstance(meta, dict) or meta.get("format") != "ngramvec-sgns" \
            or meta.get("version") != 1:
        return None
    try:
        arrays = {"input_vectors": files["syn0"], "context_vectors": files["syn1"],
                  "keys": bytes(files["keys"]).decode("utf-8").split("\n"),
                  "counts": files["counts"], "rng_states": files["rng_states"]}
        params = meta["params"]
    except _DAMAGED as exc:
        raise VectorsFormatError(f"damaged SGNS model file ({exc!r})", path) from None
    if not isinstance(params, dict):
        raise VectorsFormatError("damaged SGNS model file: the parameters are a "
                                 f"{type(params).__name__}, not a JSON object", path)
    state = {k: meta.get(k) for k in ("epochs_trained", "history", "total_tokens",
                                       "seed_used", "word_total")}
    return Saved("SGNS", 1, dict(params), state, arrays)


def read_glove_v1(files: Mapping[str, np.ndarray], path: str) -> Saved | None:
    """A GloVe model file of format version 1 ("ngramvec-glove-1": one entry per array,
    keys as NumPy unicode arrays, parameters as a JSON string)."""
    if "format" not in files or str(files["format"]) != "ngramvec-glove-1":
        return None
    try:
        params = _params(str(files["params"]))
        epochs_trained, n_records = (int(v) for v in files["state"])
        losses = [float(x) for x in files["loss_history"]]
        arrays = {k: files[k] for k in ("word_params", "context_params", "word_gradsq",
                                          "context_gradsq", "row_counts", "col_counts")}
        row_keys, col_keys = files["row_keys"].tolist(), files["col_keys"].tolist()
    except _DAMAGED as exc:
        raise VectorsFormatError(f"damaged GloVe model file ({exc})", path) from None
    arrays = {f"{k}_": v for k, v in arrays.items()}
    arrays.update(row_keys_=row_keys, col_keys_=col_keys)
    history = [{"epoch": i + 1, "loss": loss, "seconds": None, "lr": params.get("lr"),
                "records": n_records, "records_per_sec": None}
               for i, loss in enumerate(losses)]
    state = {"loss_history_": losses, "history_": history,
             "epochs_trained_": epochs_trained, "n_records_": n_records,
             "fitted_vectors": params.get("vectors", "word")}
    return Saved("GloVe", 1, params, state, arrays)


def read_cooccurrence_v1(files: Mapping[str, np.ndarray], path: str) -> Saved | None:
    """A co-occurrence file of format version 1 ("ngramvec-cooccurrence-1")."""
    if "format" not in files or str(files["format"]) != "ngramvec-cooccurrence-1":
        return None
    try:
        arrays = {k: files[k] for k in ("indptr", "indices", "data", "shape", "row_counts",
                                        "col_counts")}
        arrays.update(row_keys=files["row_keys"].tolist(), col_keys=files["col_keys"].tolist())
        state = {"params": _params(str(files["params"])),
                 "same_vocab": False}
    except _DAMAGED as exc:
        raise VectorsFormatError(f"damaged co-occurrence file ({exc!r})", path) from None
    return Saved("Cooccurrence", 1, {}, state, arrays)
