"""The base every layer stands on: errors, parameter validation (with the one table of
parameter constraints), the estimator contract, persistence, ngram keys, file I/O.

Nothing here imports numpy-free-ness aside from NumPy itself, and nothing imports a
higher layer (``data``, ``models``, ``vectors``, ``cli``).
"""
