"""ngramvec: classical word vectors from raw text, fast."""
from ._keys import NGRAM_SEP, ngram_key
from .corpus import Corpus, tokenize
from .encode import EncodedCorpus
from .vocab import Vocabulary

__version__ = "0.1.0"
