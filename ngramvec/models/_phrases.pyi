"""Type stubs of the Phrases kernels (see _phrases.pyx)."""
import numpy as np
import numpy.typing as npt

from ngramvec.data._ngrams import PairCounter

SCORING: dict[str, int]

class GapIndex:
    n_runs: int
    n_lefts: int
    def __init__(self) -> None: ...
    def tables(self) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32],
                              npt.NDArray[np.int32], npt.NDArray[np.int32]]: ...

class TokenTable:
    n_tokens: int
    @property
    def n_types(self) -> int: ...
    def __init__(self) -> None: ...
    def encode(self, sentences: list, first: int = ..., n_threads: int = ...
               ) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int64]]: ...
    def keys(self) -> list[str]: ...
    def counts(self) -> npt.NDArray[np.int64]: ...

class PhraseTrie:
    n_units: int
    n_nodes: int
    n_phrases: int
    def __init__(self, units: npt.NDArray[np.int32], offsets: npt.NDArray[np.int64],
                 out_ids: npt.NDArray[np.int32], is_conn: npt.NDArray[np.uint8]) -> None: ...

def phrases_intern_gaps(gi: GapIndex, ids: npt.NDArray[np.int32], ends: npt.NDArray[np.int64],
                        is_conn: npt.NDArray[np.uint8], s0: int, s1: int, lefts: bool = ...,
                        id_map: npt.NDArray[np.int32] | None = ...) -> int: ...
def phrases_key_bits(n_units: int, n_runs: int) -> int: ...
def phrases_count_select(ids: npt.NDArray[np.int32], ends: npt.NDArray[np.int64],
                         is_conn: npt.NDArray[np.uint8], gi: GapIndex,
                         counts: npt.NDArray[np.int64], scoring: int, min_count: int,
                         n_words: int, corpus_word_count: float, threshold: float,
                         n_threads: int, part_bits: int,
                         id_map: npt.NDArray[np.int32] | None = ...
                         ) -> tuple[int, npt.NDArray[np.int64], npt.NDArray[np.int64],
                                    npt.NDArray[np.int64], npt.NDArray[np.int64],
                                    npt.NDArray[np.float64]]: ...
def phrases_count_shard(pc: PairCounter, gi: GapIndex, ids: npt.NDArray[np.int32],
                        ends: npt.NDArray[np.int64], is_conn: npt.NDArray[np.uint8],
                        s0: int, s1: int) -> int: ...
def phrases_score(count_a: npt.NDArray[np.int64], count_b: npt.NDArray[np.int64],
                  count_ab: npt.NDArray[np.int64], scoring: int, min_count: int,
                  len_vocab: float, corpus_word_count: float,
                  out: npt.NDArray[np.float64]) -> int: ...
def phrases_select(indptr: npt.NDArray[np.int64], indices: npt.NDArray[np.int32],
                   data: npt.NDArray[np.float64], counts: npt.NDArray[np.int64],
                   left_word: npt.NDArray[np.int32], scoring: int, min_count: int,
                   len_vocab: float, corpus_word_count: float, threshold: float
                   ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64],
                              npt.NDArray[np.int64], npt.NDArray[np.int64],
                              npt.NDArray[np.float64], int]: ...
def phrases_apply(trie: PhraseTrie, units: npt.NDArray[np.int32], starts: npt.NDArray[np.int64],
                  ends: npt.NDArray[np.int64], out_units: npt.NDArray[np.int32],
                  out_starts: npt.NDArray[np.int64], out_ends: npt.NDArray[np.int64]) -> int: ...
