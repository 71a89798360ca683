"""Type stubs of the compiled record parsers (ngramvec/vectors/_formats.pyx)."""
import numpy as np
from numpy.typing import NDArray

MORE: int
FULL: int
SLOW_FULL: int
BAD: int
BAD_KEY_WS: int
KEY_LONG: int
TRUNC_KEY: int
TRUNC_VEC: int

def text_parse_block(buf: bytes | bytearray | memoryview, pos: int, final: bool,
                     out: NDArray[np.floating], row: int, keys: bytearray | NDArray[np.uint8],
                     keys_len: int, slow: NDArray[np.int64],
                     n_slow: int) -> tuple[int, int, int, int, int, int, int, int, int, int]: ...
def bin_parse_block(buf: bytes | bytearray | memoryview, pos: int, final: bool,
                    out: NDArray[np.floating], row: int, keys: bytearray | NDArray[np.uint8],
                    keys_len: int,
                    max_key: int = ...) -> tuple[int, int, int, int, int, int, int, int]: ...
def parse_double(token: bytes) -> float | None: ...

KEYS_OK: int
KEYS_BAD_OFFSETS: int
KEYS_EMPTY: int
KEYS_WHITESPACE: int
KEYS_BAD_UTF8: int
KEYS_DUPLICATE: int
KEYS_BAD_TABLE: int

class KeyIndex:
    status: int
    n: int
    def __init__(self, blob: NDArray[np.uint8], offsets: NDArray[np.int64], seed: int) -> None: ...
    def build(self) -> tuple[int, int, int]: ...
    def __len__(self) -> int: ...
    def find(self, key: object) -> int: ...
    def key(self, i: int) -> str: ...
    def keys(self) -> list[str]: ...
    def index(self, keys: list[str] | None = ...) -> dict[str, int]: ...
