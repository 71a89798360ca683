"""The data layer: corpora, the tokenizer/encoder, vocabularies, the ngram index and the
spill-and-merge engine. Imports only :mod:`ngramvec.base`."""
