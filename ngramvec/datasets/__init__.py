"""Bundled evaluation sets and the demo corpus, addressable by name.

========================  ============================================================
name                      file
========================  ============================================================
``"google"``              Google analogy set (19,544 questions, 14 sections)
``"ws353"``               WordSim-353 (353 pairs)
``"ws353_similarity"``    WordSim-353 similarity subset
``"ws353_relatedness"``   WordSim-353 relatedness subset
``"simlex999"``           SimLex-999
``"simverb3500"``         SimVerb-3500
``"demo"``                11 public-domain classics, gzip text (the demo corpus)
``"sts-train"`` ...       STS Benchmark ``train`` / ``dev`` / ``test`` (tab-separated)
========================  ============================================================

Licenses are in this directory (``README.md`` lists them).
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["dataset_path", "DATASETS"]

#: Bundled names and their files, relative to this package.
DATASETS: dict[str, str] = {
    "google": "google_analogy.txt",
    "ws353": "ws353.txt",
    "ws353_similarity": "ws353_similarity.txt",
    "ws353_relatedness": "ws353_relatedness.txt",
    "simlex999": "simlex999.txt",
    "simverb3500": "simverb3500.txt",
    "demo": "pd_classics_en.txt.gz",
    "sts-train": "sts/sts-train.csv",
    "sts-dev": "sts/sts-dev.csv",
    "sts-test": "sts/sts-test.csv",
}


def _package_dir() -> Path:
    try:
        from importlib.resources import files  # reason: resolved only when a file is asked for

        root = files(__name__)
        if isinstance(root, Path):  # a normal install: a real directory
            return root
    except (ImportError, ModuleNotFoundError, TypeError):
        pass
    return Path(os.path.dirname(os.path.abspath(__file__)))


def dataset_path(name: str) -> str:
    """Path of a bundled data file.

    Parameters
    ----------
    name : str
        One of ``"google"``, ``"ws353"``, ``"ws353_similarity"``, ``"ws353_relatedness"``,
        ``"simlex999"``, ``"simverb3500"``, ``"demo"``, ``"sts-train"``, ``"sts-dev"``,
        ``"sts-test"``.

    Returns
    -------
    str
        Absolute path of the file.

    Raises
    ------
    TypeError
        If ``name`` is not a str.
    ValueError
        If ``name`` is not a bundled data set; the message lists the known names.
    FileNotFoundError
        If the file is missing from the installation.

    Examples
    --------
    >>> dataset_path("google").endswith("google_analogy.txt")
    True
    """
    if not isinstance(name, str):
        raise TypeError(f"The 'name' parameter of dataset_path must be a str. Got {name!r} "
                        f"instead.")
    try:
        rel = DATASETS[name]
    except KeyError:
        known = ", ".join(repr(k) for k in DATASETS)
        raise ValueError(f"The 'name' parameter of dataset_path must be a str among "
                         f"{{{known}}}. Got {name!r} instead.") from None
    path = _package_dir().joinpath(*rel.split("/"))
    if not path.is_file():
        raise FileNotFoundError(f"bundled data set {name!r} is missing: {path} (broken install?)")
    return str(path)
