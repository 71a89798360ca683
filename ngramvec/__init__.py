"""ngramvec: classical word vectors from raw text, fast.

Pipeline: :class:`Corpus` -> :class:`Vocabulary` -> :class:`EncodedCorpus` ->
:func:`count_cooccurrences` -> :class:`PPMI` -> :class:`SVD` -> :class:`KeyedVectors`
-> :mod:`ngramvec.evaluate`.
"""
from . import evaluate, ngrams  # noqa: F401  (subpackages as attributes)
from ._keys import NGRAM_SEP, ngram_key
from .cooccur import Cooccurrence, count_cooccurrences
from .corpus import Corpus, tokenize
from .datasets import dataset_path
from .encode import EncodedCorpus
from .glove import GloVe
from .exceptions import (CorpusError, NgramvecError, OutOfVocabularyError,
                         TrainingDivergedError, VectorsFormatError)
from .keyedvectors import KeyedVectors
from .ppmi import PPMI
from .sgns import SGNS
from .svd import SVD
from .vocab import Vocabulary

__version__ = "0.1.0"


def __getattr__(name: str):
    # post-processing pulls in scikit-learn: import it on first use only
    if name == "postprocess":
        import importlib
        return importlib.import_module(".postprocess", __name__)
    raise AttributeError(f"module 'ngramvec' has no attribute {name!r}")

__all__ = [
    "Corpus", "tokenize", "EncodedCorpus", "Vocabulary", "Cooccurrence",
    "count_cooccurrences", "PPMI", "SVD", "GloVe", "SGNS", "KeyedVectors", "evaluate", "postprocess",
    "dataset_path",
    "NGRAM_SEP", "ngram_key", "NgramvecError", "OutOfVocabularyError", "CorpusError",
    "VectorsFormatError", "TrainingDivergedError", "__version__",
]
