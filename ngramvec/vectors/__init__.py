"""The vectors layer: KeyedVectors, vector file formats, evaluation and post-processing.

Pure Python + NumPy/SciPy: it works without the compiled extensions.
"""
