"""Fuzz harnesses of the readers and loaders that trust bytes from outside (issue 10).

Modules
-------
inputs
    Hypothesis strategies: files written the way ngramvec and other tools write them,
    then damaged at byte level and at structure level (npz members, JSON fields,
    lexicon lines, id arrays). Plain Python and NumPy, no ngramvec.
reference
    A slow plain-Python model of the compiled tokenizer, the oracle of the encoder
    and corpus targets.
targets
    What runs on one input and how the outcome is classified (ok, rejected with the
    expected error, bare exception, mismatch, unusable after loading).
server
    The fork server: one forked child per case, so that an abort or a segfault is an
    outcome (crash) with its input, not the end of the run.
runner
    Campaigns (hypothesis runs over the server), failure signatures, the failure
    store, the known issues.

``python -m tests.fuzz --minutes 10`` is the long run; ``tests/test_fuzz.py`` the
bounded one in the test suite. See README.md in this directory.
"""
