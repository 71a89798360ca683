"""Type stubs of the compiled counting kernels (see _cooccur.pyx)."""
from typing import Any

import numpy as np
import numpy.typing as npt

class CountOptions:
    window: int
    direction: int
    subsample: int
    dynamic: bool
    drop_oov: bool
    seed: int
    def __init__(self, window: int, dynamic: bool, direction: int, subsample: int,
                 drop_oov: bool, seed: int) -> None: ...

class PairCounter:
    n_rows: int
    n_cols: int
    col_bits: int
    dense_size: int
    run_paths: list[str]
    def __init__(self, n_threads: int, n_rows: int, n_cols: int, dense_len: npt.ArrayLike,
                 dense_off: npt.ArrayLike, dense_size: int, table_cap: int,
                 table_max_cap: int, spill_dir: str) -> None: ...
    def table_sizes(self) -> list[int]: ...
    def table_bytes(self) -> int: ...
    def spills(self) -> list[int]: ...
    def spill_all(self) -> None: ...
    def check(self) -> None: ...

class NgramIndex:
    @property
    def max_order(self) -> int: ...
    def add_order(self, prefix: npt.NDArray[np.int32], last: npt.NDArray[np.int32]) -> None: ...
    def lookup(self, lex: npt.NDArray[np.int32], order: int) -> npt.NDArray[np.int32]: ...

class UnitMaps:
    def __init__(self, in_orders: Any, ctx_orders: Any, rowmaps: dict[int, Any],
                 colmaps: dict[int, Any], keeps: dict[int, Any], overlap: bool) -> None: ...

def cooccur_count_shard(pc: PairCounter, ids: npt.NDArray[np.int32],
                        ends: npt.NDArray[np.int64], row_map: npt.NDArray[np.int32],
                        col_map: npt.NDArray[np.int32], keep: npt.NDArray[np.float64],
                        weights: npt.NDArray[np.int64], s0: int, s1: int, max_len: int,
                        opts: CountOptions) -> int: ...
def cooccur_count_ngram_shard(pc: PairCounter, index: NgramIndex, maps: UnitMaps,
                              ids: npt.NDArray[np.int32], ends: npt.NDArray[np.int64],
                              weights: npt.NDArray[np.int64], s0: int, s1: int, max_len: int,
                              opts: CountOptions) -> int: ...
def ngram_count_shard(pc: PairCounter, index: NgramIndex, ids: npt.NDArray[np.int32],
                      ends: npt.NDArray[np.int64], s0: int, s1: int, max_len: int,
                      order: int, ok_lex: npt.NDArray[np.uint8]) -> None: ...
def cooccur_finish(pc: PairCounter) -> tuple[int, list[str]]: ...
def cooccur_assemble(pc: PairCounter, indptr: npt.NDArray[np.int64],
                     indices: npt.NDArray[np.int32], data: npt.NDArray[Any],
                     scale: float) -> tuple[int, int]: ...
