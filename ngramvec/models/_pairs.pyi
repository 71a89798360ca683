"""Type stubs of the compiled pair counting and SGNS pair kernels (see _pairs.pyx)."""
import numpy as np
import numpy.typing as npt

from ngramvec.data._ngrams import PairCounter

def cooccur_count_pairs(pc: PairCounter, pairs: npt.NDArray[np.int32],
                        ends: npt.NDArray[np.int64], s0: int, s1: int) -> int: ...
def sgns_exp_table() -> npt.NDArray[np.float32]: ...
def sgns_train_pairs(syn0: npt.NDArray[np.float32], syn1: npt.NDArray[np.float32],
                     pairs: npt.NDArray[np.int32], start: int, stop: int,
                     alias: npt.NDArray[np.uint64], exp_table: npt.NDArray[np.float32],
                     rng_states: npt.NDArray[np.uint64], progress: npt.NDArray[np.int64],
                     negative: int, lr: float, min_lr: float, total: int,
                     with_loss: bool) -> tuple[int, float]: ...
