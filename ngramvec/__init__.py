"""ngramvec: classical word vectors from raw text, fast.

Pipeline: :class:`Corpus` -> :class:`Vocabulary` -> :class:`EncodedCorpus` ->
:func:`count_cooccurrences` -> :class:`PPMI` -> :class:`SVD` -> :class:`KeyedVectors`
-> :mod:`ngramvec.evaluate`.

The package is built in four layers, each importing only the ones below it:
``ngramvec.data`` (corpora, vocabularies) -> ``ngramvec.models`` (counting, PPMI, SVD,
GloVe, SGNS) -> ``ngramvec.vectors`` (KeyedVectors, formats, evaluation,
post-processing) -> ``ngramvec.cli``; ``ngramvec.base`` (errors, validation, file I/O)
is below them all. This module only re-exports the public names.

Without the compiled modules (a build without a C compiler), everything here still
imports: vectors are loaded, saved, queried, evaluated and post-processed as usual,
and a stage that runs compiled code raises :class:`ExtensionNotBuiltError`.
"""
import importlib

from ngramvec.base.exceptions import (CorpusError, ExtensionNotBuiltError, NgramvecError,
                                      OutOfVocabularyError, TrainingDivergedError,
                                      VectorsFormatError)
from ngramvec.base.keys import NGRAM_SEP, ngram_key
from ngramvec.data import ngrams  # noqa: F401  (module as attribute)
from ngramvec.data.corpus import Corpus, tokenize
from ngramvec.data.encode import EncodedCorpus
from ngramvec.data.pairs import EncodedPairs, PairsFile, pairs_from_corpus, write_pairs
from ngramvec.data.vocab import Vocabulary
from ngramvec.datasets import dataset_path
from ngramvec.models.cooccur import Cooccurrence, count_cooccurrences
from ngramvec.models.glove import GloVe
from ngramvec.models.phrases import ENGLISH_CONNECTOR_WORDS, Phrases, PhrasedCorpus
from ngramvec.models.ppmi import PPMI
from ngramvec.models.sgns import SGNS
from ngramvec.models.svd import SVD
from ngramvec.vectors import evaluate  # noqa: F401  (module as attribute)
from ngramvec.vectors.keyedvectors import KeyedVectors

__version__ = "0.1.0"


def __getattr__(name: str):
    # ngramvec.postprocess pulls in scikit-learn: loaded on first use, not on import
    if name == "postprocess":
        return importlib.import_module("ngramvec.vectors.postprocess")
    # ngramvec.distributed (the Dask backend of counting) pulls in dask and distributed
    if name == "distributed":
        return importlib.import_module("ngramvec.models.distributed")
    raise AttributeError(f"module 'ngramvec' has no attribute {name!r}")

__all__ = [
    "Corpus", "tokenize", "EncodedCorpus", "Vocabulary", "Cooccurrence",
    "count_cooccurrences", "PPMI", "SVD", "GloVe", "SGNS", "Phrases", "PhrasedCorpus",
    "ENGLISH_CONNECTOR_WORDS", "KeyedVectors", "evaluate", "postprocess",
    "distributed",
    "dataset_path",
    "PairsFile", "EncodedPairs", "pairs_from_corpus", "write_pairs",
    "NGRAM_SEP", "ngram_key", "NgramvecError", "OutOfVocabularyError", "CorpusError",
    "VectorsFormatError", "TrainingDivergedError", "ExtensionNotBuiltError", "__version__",
]
