"""The models layer: co-occurrence counting, PPMI, SVD, GloVe and SGNS, each front end
beside its kernel. Imports :mod:`ngramvec.data` and :mod:`ngramvec.base`, never
:mod:`ngramvec.vectors` or :mod:`ngramvec.cli`."""
