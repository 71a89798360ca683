"""Type stubs of the compiled SGNS kernel (ngramvec/models/_sgns.pyx)."""
import numpy as np
from numpy.typing import ArrayLike, NDArray

class SGNSOptions:
    dim: int
    window: int
    negative: int
    dynamic: bool
    with_loss: bool
    lr0: float
    min_lr: float
    total_words: int
    overlap: bool
    batch: bool
    isa: int
    def __init__(self, dim: int, window: int, negative: int, dynamic: bool, with_loss: bool,
                 lr0: float, min_lr: float, total_words: int, overlap: bool = False,
                 batch: bool = False, isa: str = "auto") -> None: ...

class SGNSShared:
    batches: int
    def __init__(self, syn0: NDArray[np.float32], syn1: NDArray[np.float32],
                 ends: NDArray[np.int64], chunks: NDArray[np.int64], keep: NDArray[np.uint64],
                 alias: NDArray[np.uint64], rng_states: NDArray[np.uint64],
                 opts: SGNSOptions) -> None: ...
    @property
    def progress(self) -> int: ...
    @property
    def n_chunks(self) -> int: ...
    @property
    def n_threads(self) -> int: ...

def sgns_exp_table() -> NDArray[np.float32]: ...
def sgns_alias_table(weights: ArrayLike) -> NDArray[np.uint64]: ...
def sgns_alias_draw(cells: NDArray[np.uint64], bits: NDArray[np.uint64]) -> NDArray[np.int32]: ...
def sgns_update_pair(syn0: NDArray[np.float32], syn1: NDArray[np.float32], centre: int,
                     targets: NDArray[np.int32], lr: float,
                     exp_table: NDArray[np.float32]) -> float: ...
def sgns_isa() -> str: ...
def sgns_update_batch(syn0: NDArray[np.float32], syn1: NDArray[np.float32],
                      inputs: NDArray[np.int32], targets: NDArray[np.int32], lr: float,
                      exp_table: NDArray[np.float32], isa: str = "auto",
                      mask: NDArray[np.bool_] | None = None) -> float: ...
def sgns_train_words(shared: SGNSShared, ids: NDArray[np.int32], remap: NDArray[np.int32],
                     chunk_lo: int, chunk_hi: int) -> tuple[int, int, float]: ...
def sgns_train_ngrams(shared: SGNSShared, iunits: NDArray[np.int32], cunits: NDArray[np.int32],
                      in_orders: NDArray[np.int32], ctx_orders: NDArray[np.int32],
                      keep_ctx: NDArray[np.uint64], chunk_lo: int,
                      chunk_hi: int) -> tuple[int, int, float]: ...
def sgns_train_ngrams_dropped(shared: SGNSShared, ids: NDArray[np.int32],
                              word_keep: NDArray[np.uint64], index: object, imaps: list,
                              cmaps: list, in_orders: NDArray[np.int32],
                              ctx_orders: NDArray[np.int32], chunk_lo: int,
                              chunk_hi: int) -> tuple[int, int, float]: ...
