"""The Dask backend of counting: vocabularies and co-occurrence counts on a cluster.

``from ngramvec import distributed`` (this package loads Dask; ``import ngramvec`` does
not). The results are exactly those of the one-machine path over the same files in the
same order - :meth:`ngramvec.Vocabulary.build` and :func:`ngramvec.count_cooccurrences`:
same keys, same ids, same matrix bit for bit, subsampling and dynamic windows included.

How it works
------------
1. :func:`encode` plans *splits* on a worker (compressed files whole, plain files cut
   at line ends into pieces of ``split_bytes``) and tokenizes each split on a worker
   with the one-machine tokenizer; the ids stay in the workers' memory as Dask
   results (spilled to disk by Dask under memory pressure, recomputed from the files
   if a worker is lost). Their token counts give every split its global offset.
2. :func:`build_vocabulary` sums the splits' lexicons by a tree reduction; ngram
   orders are counted order by order as on one machine (Apriori), as codes over
   global ids reduced in row blocks.
3. :func:`count_cooccurrences` deals the rows (in blocks of about equal work) to row
   groups, one per worker, as the one-machine counter deals them to its threads: each
   group's task runs the one-machine kernel over the splits with their global offsets
   and counts only its own centres, so the groups' blocks need no merge (runs of
   splits counted by separate tasks are summed block by block by tree reductions);
   the result is gathered, or kept as :class:`CooccurrenceBlocks` (written to disk by
   the workers, PPMI per block on the workers with the column sums reduced first).

SGNS and GloVe train on one machine from the merged counts (or from the corpus).

Examples
--------
>>> from distributed import Client, LocalCluster           # doctest: +SKIP
>>> from ngramvec import distributed as nvd                 # doctest: +SKIP
>>> client = Client(LocalCluster(n_workers=2, threads_per_worker=1))  # doctest: +SKIP
>>> vocab = nvd.build_vocabulary("books/", client, min_count=5)       # doctest: +SKIP
>>> counts = nvd.count_cooccurrences("books/", vocab, client, window=5)  # doctest: +SKIP
"""
from ngramvec.models.distributed._cluster import check_workers, close, connect
from ngramvec.models.distributed._corpus import ClusterCorpus, encode
from ngramvec.models.distributed._count import CooccurrenceBlocks, count_cooccurrences
from ngramvec.models.distributed._splits import EncodedSplit, Split, expand_sources, plan_splits
from ngramvec.models.distributed._vocab import build_vocabulary

__all__ = ["build_vocabulary", "count_cooccurrences", "encode", "connect", "close",
           "check_workers", "ClusterCorpus", "CooccurrenceBlocks", "Split", "EncodedSplit",
           "plan_splits", "expand_sources"]
