"""Type stubs of the compiled counting kernels (see _cooccur.pyx)."""
from typing import Any, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from ngramvec.data._ngrams import NgramIndex, PairCounter

class CountOptions:
    @property
    def window(self) -> int: ...
    def __init__(self, window: int, weights: npt.ArrayLike, dynamic: bool, direction: int,
                 subsample: int, drop_oov: bool, overlap: bool, seed: int,
                 offset: int = 0) -> None: ...

class UnitMaps:
    def __init__(self, in_orders: Sequence[int], ctx_orders: Sequence[int],
                 rowmaps: Mapping[int, Any], colmaps: Mapping[int, Any],
                 keeps: Mapping[int, Any]) -> None: ...

def cooccur_count_shard(pc: PairCounter, ids: npt.NDArray[np.int32],
                        ends: npt.NDArray[np.int64], maps: UnitMaps, opts: CountOptions,
                        s0: int, s1: int) -> int: ...
def cooccur_count_ngram_shard(pc: PairCounter, index: NgramIndex, maps: UnitMaps,
                              ids: npt.NDArray[np.int32], ends: npt.NDArray[np.int64],
                              opts: CountOptions, s0: int, s1: int) -> int: ...
